#!/bin/sh
# strip_addresses: a wildcard-bound application behind a NAT.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run strip
