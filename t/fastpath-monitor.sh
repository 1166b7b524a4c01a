#!/bin/sh
# The scenario of t/monitor.sh (sctptunctl monitor) with the eBPF fast path
# on: it must carry the bulk of the packets, and everything else must hold as
# without it.
. "$top_srcdir/t/lib/scenario.sh"
scenario_fastpath monitor
