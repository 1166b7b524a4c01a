#!/bin/sh
# The scenario of t/pmtu-local.sh (path MTU from a local EMSGSIZE) with the
# eBPF fast path on: it must carry the bulk of the packets, and everything
# else must hold as without it.
. "$top_srcdir/t/lib/scenario.sh"
scenario_fastpath pmtu local
