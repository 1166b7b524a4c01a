#!/bin/sh
# ECN and DSCP copied between inner and outer headers, IPv4 and IPv6.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run ecn
