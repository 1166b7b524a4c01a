# scenario.sh: sourced by the scenario tests t/<name>.sh; `scenario_run NAME
# [ARGS...]` runs the body t/scn/NAME.bash where a kernel SCTP stack is:
#
#   host   network namespaces on this machine: we are root, the kernel has
#          SCTP (modprobe sctp, then a socket probe), netns can be created;
#   vm     else a qemu VM (TCG) booting Debian's cloud kernel (t/vm/run.sh);
#   skip   else "1..0 # SKIP <why>" (no qemu, no kernel to be had).
#
# SCTPTUN_TEST_ENV=host|vm|skip forces a choice.  The first line printed is
# a TAP comment naming the environment; the body's TAP follows unchanged.
# The body sees SCTPTUND, SCTPTUNCTL, SCTP_ECHO (absolute paths), T_LIB,
# T_WORK (an empty scratch directory), T_ENV ("vm" or "host"), top_srcdir
# and top_builddir.  The exit status is the body's (1 on a VM failure).

# Test scripts may be #!/bin/sh: go on in bash (this is parsed by sh first).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
export SCTPTUND=$top_builddir/proxy/sctptund
export SCTPTUNCTL=$top_builddir/proxy/sctptunctl
export SCTP_ECHO=$top_builddir/examples/sctp_echo
export T_CRAFT=$top_builddir/t/sctp_craft
export T_CAPTURE=$top_builddir/t/udp_capture
export T_FLOOD=$top_builddir/t/dtls_flood
export T_LIB=$top_srcdir/t/lib

# Why host mode is impossible (empty when it is possible).
scenario__host_why() {
	local ns=st-probe-$$ why=
	[ "$(id -u)" = 0 ] || { echo "not root"; return; }
	command -v ip >/dev/null || { echo "no ip (iproute2)"; return; }
	modprobe -q sctp 2>/dev/null
	if command -v checksctp >/dev/null; then
		checksctp >/dev/null 2>&1 ||
		    { echo "kernel $(uname -r) has no SCTP"; return; }
	elif [ ! -d /proc/net/sctp ]; then
		echo "kernel $(uname -r) has no SCTP"
		return
	fi
	ip netns add "$ns" 2>/dev/null || { echo "cannot create netns"; return; }
	ip netns exec "$ns" test -d /proc/net/sctp || why="no SCTP in a netns"
	ip netns del "$ns" 2>/dev/null
	echo "$why"
}

# Why VM mode is impossible (empty when it is possible); $1: a file for the
# setup's messages.
scenario__vm_why() {
	command -v qemu-system-x86_64 >/dev/null ||
	    { echo "no qemu-system-x86_64 (apt-get install qemu-system-x86)"; return; }
	"$top_srcdir/t/vm/fetch-kernel.sh" >/dev/null 2>"$1" ||
	    { echo "no Debian kernel: $(tail -n 1 "$1")"; return; }
	"$top_srcdir/t/vm/mkinitrd.sh" >/dev/null 2>"$1" ||
	    { echo "no initramfs: $(tail -n 1 "$1")"; return; }
}

# The same with the eBPF fast path on (T_FASTPATH=on reaches the body, and
# t/lib/sctptun.sh writes fastpath = "on" into the daemons' files).  A
# build without the fast path skips, saying so.
scenario_fastpath() {
	if [ "${SCTPTUN_HAVE_BPF:-no}" != yes ]; then
		echo "# environment: none"
		echo "1..0 # SKIP sctptund was built without the fast path" \
		    "(configure found no clang, libbpf or bpftool, or" \
		    "--disable-bpf)"
		exit 0
	fi
	T_FASTPATH=on
	export T_FASTPATH
	scenario_run "$@"
}

# Run the body t/scn/NAME.bash in the chosen environment.
scenario_run() {
	local name=$1 body hwhy= vwhy= env=${SCTPTUN_TEST_ENV:-} err rc
	shift
	body=$top_srcdir/t/scn/$name.bash
	[ -f "$body" ] || { echo "Bail out! no scenario body $body"; exit 1; }
	if [ -z "$env" ] || [ "$env" = host ]; then
		hwhy=$(scenario__host_why)
		[ -n "$hwhy" ] || env=host
	fi
	if [ -z "$env" ] || [ "$env" = vm ]; then
		err=$(mktemp)
		vwhy=$(scenario__vm_why "$err")
		[ -s "$err" ] && sed 's/^/vm setup: /' "$err" >&2
		rm -f "$err"
		[ -n "$vwhy" ] || env=vm
	fi
	case $env in
	host)
		[ -z "$hwhy" ] || { echo "# environment: none"
		    echo "1..0 # SKIP host mode impossible: $hwhy"; exit 0; }
		echo "# environment: host network namespaces, kernel $(uname -r)"
		T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sctptun-$name.XXXXXX")
		export T_WORK T_ENV=host
		(cd "$T_WORK" && bash "$body" "$@" </dev/null)
		rc=$?
		rm -rf "$T_WORK"
		return $rc
		;;
	vm)
		[ -z "$vwhy" ] || { echo "# environment: none"
		    echo "1..0 # SKIP VM impossible: $vwhy"; exit 0; }
		echo "# environment: qemu VM (TCG, ${VM_SMP:-2} vCPUs)," \
		    "Debian kernel $("$top_srcdir/t/vm/fetch-kernel.sh" 2>/dev/null)"
		"$top_srcdir/t/vm/run.sh" "$body" "$@"
		return
		;;
	skip)
		echo "# environment: none"
		echo "1..0 # SKIP SCTPTUN_TEST_ENV=skip"
		exit 0
		;;
	*)
		echo "# environment: none"
		echo "1..0 # SKIP no kernel SCTP here ($hwhy) and no VM ($vwhy)"
		exit 0
		;;
	esac
}
