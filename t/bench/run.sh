#!/bin/sh
# run.sh: `make bench`.  Runs
#
#   1. t/bench/throughput.bash: iperf3 --sctp both ways and a 64-byte
#      request/response rate, native SCTP vs the kernel's own RFC 6951 vs
#      two sctptund, where a kernel SCTP stack is: host network namespaces
#      if this kernel has SCTP (and we are root), else a qemu VM (TCG)
#      through t/vm/run.sh, as the scenario tests choose;
#   2. t/bench/cpucost.bash: sctptund's CPU cost per packet on this host
#      (root, netns, valgrind; crafted packets, no kernel SCTP needed);
#   3. t/bench/soak.bash: sctptund for BENCH_SOAK_SECONDS (600) under
#      association churn and attack on this host (root, netns; crafted
#      packets): memory, descriptors and CPU per packet must stay flat;
#   4. t/bench/tablebench: the association table's lookups per second
#      from 1000 to a million associations and its bytes per association
#      (no root needed);
#   5. t/bench/pump.bash: packets/s and round trips of crafted SCTP
#      between two namespaces on this host (root, netns): the bare veth,
#      two sctptund in user space, with the fast path, and wireguard-go.
#
# The others print figures and set no thresholds; the soak has its own
# (see soak.bash).  The exit status is 1 if a benchmark could not run or
# the soak failed.  Environment: BENCH_ROUNDS (5), BENCH_SECONDS (5),
# BENCH_ECHO_COUNT (1000), BENCH_PACKETS (20000), BENCH_SIZES
# ("100 1000"), BENCH_ONLY (throughput, cpu, dtls, soak, table, memory or
# pump), the BENCH_SOAK_* of soak.bash, BENCH_PUMP_SECONDS of pump.bash
# (5), SCTPTUN_TEST_ENV (host or vm, as for the scenarios), VM_TIMEOUT,
# VM_SMP.

# Under make, $(SHELL) may be sh: go on in bash.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

. "$(cd "$(dirname "$0")/../lib" && pwd)/scenario.sh"

rounds=${BENCH_ROUNDS:-5}
secs=${BENCH_SECONDS:-5}
necho=${BENCH_ECHO_COUNT:-1000}
bench=$top_srcdir/t/bench
status=0
t0=$(date +%s)

# Where throughput.bash can run: "host", "vm", or "none: why".
bench_env() {
	local hwhy= vwhy= err env=${SCTPTUN_TEST_ENV:-}
	if [ -z "$env" ] || [ "$env" = host ]; then
		hwhy=$(scenario__host_why)
		[ -z "$hwhy" ] && { echo host; return; }
	fi
	if [ -z "$env" ] || [ "$env" = vm ]; then
		err=$(mktemp)
		vwhy=$(scenario__vm_why "$err")
		[ -s "$err" ] && sed 's/^/vm setup: /' "$err" >&2
		rm -f "$err"
		[ -z "$vwhy" ] && { echo vm; return; }
	fi
	echo "none: host: ${hwhy:-not tried}; vm: ${vwhy:-not tried}"
}

# The throughput and request-rate benchmark.
bench_throughput() {
	local env rc
	env=$(bench_env)
	echo "== throughput and request rate (environment: $env)"
	case $env in
	host)
		T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sctptun-bench.XXXXXX")
		export T_WORK T_ENV=host
		(cd "$T_WORK" && bash "$bench/throughput.bash" "$rounds" \
		    "$secs" "$necho" </dev/null)
		rc=$?
		rm -rf "$T_WORK"
		;;
	vm)
		# One vCPU: under TCG a wakeup across vCPUs costs about a
		# millisecond (measured: 300 64-byte round trips through
		# sctptun took 2.7 s with 2 vCPUs, 0.44 s with 1, native
		# 0.2 s either way), which would charge every extra process
		# on a path far more than real hardware does.
		export VM_SMP=${VM_SMP:-1}
		# Each of the 6 modes and round: two iperf3 runs, the echo
		# run, setup.
		export VM_TIMEOUT=${VM_TIMEOUT:-$((240 + rounds * 6 * \
		    (2 * secs + 40)))}
		"$top_srcdir/t/vm/run.sh" "$bench/throughput.bash" "$rounds" \
		    "$secs" "$necho"
		rc=$?
		;;
	*)
		echo "bench: cannot run the throughput benchmark: $env"
		rc=1
		;;
	esac
	[ $rc -eq 0 ] || echo "bench: throughput benchmark failed (exit $rc)"
	return $rc
}

# A host benchmark t/bench/$2 ($1 names it), in namespaces on this host.
bench_host() {
	local rc ns=stb-probe-$$
	if [ "$(id -u)" != 0 ]; then
		echo "bench: cannot run the $1: not root"
		return 1
	fi
	if ! ip netns add "$ns" 2>/dev/null; then
		echo "bench: cannot run the $1: cannot create a netns"
		return 1
	fi
	ip netns del "$ns"
	T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sctptun-${2%.bash}.XXXXXX")
	export T_WORK T_ENV=host
	(cd "$T_WORK" && bash "$bench/$2" </dev/null)
	rc=$?
	rm -rf "$T_WORK"
	[ $rc -eq 0 ] || echo "bench: $1 failed (exit $rc)"
	return $rc
}

# The CPU cost per packet, on this host.
bench_cpu() {
	echo "== CPU cost per packet (this host)"
	bench_host "CPU benchmark" cpucost.bash
}

# What DTLS costs per packet, natively on this host.
bench_dtls() {
	echo "== DTLS cost per packet (this host)"
	bench_host "DTLS benchmark" dtlscost.bash
}

# The association table alone: lookups and memory, on this host.
bench_table() {
	echo "== association table (this host)"
	make -s -C "$top_builddir" t/bench/tablebench >&2 &&
	    "$top_builddir/t/bench/tablebench" ||
	    { echo "bench: table benchmark failed"; return 1; }
}

# sctptund's resident size idle, with the default limits.
bench_memory() {
	echo "== memory (this host)"
	bench_host memory memory.bash
}

# The soak: churn and attack for BENCH_SOAK_SECONDS, on this host.
bench_soak() {
	echo "== soak (this host)"
	bench_host soak soak.bash
}

# The packet pump: four paths between two namespaces, on this host.
bench_pump() {
	echo "== packet pump (this host)"
	bench_host "packet pump" pump.bash
}

echo "sctptun benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC'), build $top_builddir"
if [ "${BENCH_ONLY:-throughput}" = throughput ]; then
	bench_throughput || status=1
fi
if [ "${BENCH_ONLY:-cpu}" = cpu ]; then
	bench_cpu || status=1
fi
if [ "${BENCH_ONLY:-dtls}" = dtls ]; then
	bench_dtls || status=1
fi
if [ "${BENCH_ONLY:-soak}" = soak ]; then
	bench_soak || status=1
fi
if [ "${BENCH_ONLY:-table}" = table ]; then
	bench_table || status=1
fi
if [ "${BENCH_ONLY:-memory}" = memory ]; then
	bench_memory || status=1
fi
if [ "${BENCH_ONLY:-pump}" = pump ]; then
	bench_pump || status=1
fi
echo "== make bench took $(($(date +%s) - t0)) s; exit status $status"
exit $status
