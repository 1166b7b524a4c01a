#!/bin/sh
# sctptund pairs through a masquerading NAT, IPv4.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run nat 4
