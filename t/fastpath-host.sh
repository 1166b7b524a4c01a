#!/bin/sh
# The eBPF fast path on this host's kernel (t/fastpath_host.c): crafted
# SCTP both ways between two network namespaces, hits, misses, punts,
# updates, counters, stale filters and a throughput figure.  Needs root,
# network namespaces and a kernel that runs tc BPF programs, not SCTP;
# SKIPs with the reason otherwise.

# Go on in bash (topo.sh is bash).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$PWD}"
T_LIB=$top_srcdir/t/lib
tool=$top_builddir/t/fastpath_host

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

[ "$(id -u)" = 0 ] || skip "not root"
command -v ip >/dev/null || skip "no ip (iproute2)"
[ -x "$tool" ] || skip "no $tool (make check builds it)"
probe=fp-probe-$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "$probe"

. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
topo_direct || { echo "Bail out! cannot build the topology"; exit 1; }

in_ns "$NS_A" "$tool" -y "/run/netns/$NS_B" -i veth0 \
    -a "$TOPO_A4" -b "$TOPO_B4" -A "$TOPO_A6" -B "$TOPO_B6" \
    -n "${FASTPATH_PACKETS:-100000}"
rc=$?
# 77: the tool printed the SKIP plan.
[ "$rc" = 77 ] && exit 0
exit "$rc"
