#!/bin/sh
# sctptund pairs through a masquerading NAT, IPv6.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run nat 6
