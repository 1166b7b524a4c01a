#!/bin/sh
# Kernel SCTP through two sctptund over an IPv4 UDP-only link.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run echo 4
