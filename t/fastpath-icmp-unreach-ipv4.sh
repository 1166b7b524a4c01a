#!/bin/sh
# The scenario of t/icmp-unreach-ipv4.sh (ICMP port unreachable at setup,
# IPv4) with the eBPF fast path loaded: only the handshake crosses, which the
# fast path must leave to the daemon, whose ICMP handling must hold as without
# it.
. "$top_srcdir/t/lib/scenario.sh"
scenario_fastpath icmp-unreach 4
