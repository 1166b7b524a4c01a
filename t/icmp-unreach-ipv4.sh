#!/bin/sh
# ICMP port unreachable for our UDP becomes protocol unreachable, IPv4.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run icmp-unreach 4
