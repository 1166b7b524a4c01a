#!/bin/sh
# The scenario of t/multihome-ipv4.sh (multihomed failover, both paths IPv4)
# with the eBPF fast path on: it must carry the bulk of the packets, and
# everything else must hold as without it.
. "$top_srcdir/t/lib/scenario.sh"
scenario_fastpath multihome 44
