#!/bin/sh
# The scenario of t/privileges.sh with the eBPF fast path on: dropped to a
# user, or never root, sctptund keeps CAP_BPF with CAP_NET_ADMIN and
# nothing else, and its programs still carry the association.
. "$top_srcdir/t/lib/scenario.sh"
scenario_fastpath privileges
