# cpucost.bash: sctptund's CPU cost per packet, on this host (no kernel
# SCTP needed: t/bench/pktgen.c crafts the packets).
#
# Two namespaces A and B on a veth (topo_direct); sctptund in A with B's
# address as its peer.  pktgen, started in A, sends from a raw IPPROTO 132
# socket in A (egress: routed into the TUN) and from a UDP socket in B to
# A's port 9899 (ingress), one packet at a time, after a crafted handshake
# so that every packet verifies against the association table.
#
# For each payload size (BENCH_SIZES, default "100 1000"):
#   1. sctptund under valgrind --tool=callgrind, collecting only inside
#      dp_tun_cb and dp_udp_cb: instructions per packet, user space only;
#   2. sctptund alone: its on-CPU time (/proc/PID/schedstat, user + kernel)
#      per packet.
# Environment: BENCH_PACKETS (default 20000), BENCH_SIZES, BENCH_CALLGRIND
# (default 1; 0 skips step 1: valgrind cannot run a sanitizer build, whose
# pump CI runs this way), and the harness's top_srcdir, top_builddir.
# Exit status 1 if the benchmark could not run.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"
. "$top_srcdir/t/bench/daemon.bash"

npkt=${BENCH_PACKETS:-20000}
sizes=${BENCH_SIZES:-100 1000}
pktgen=$top_builddir/t/bench/pktgen
CG_FUNCS="dp_tun_cb dp_udp_cb"

fail() {
	echo "cpucost: $*" >&2
	exit 1
}

# Build pktgen with the build's compiler and flags (make builds it only on
# demand: t/bench/bench.am).
build_pktgen() {
	make -s -C "$top_builddir" t/bench/pktgen >&2
}

# Run pktgen against the daemon; its output in $T_WORK/pg.out.
run_pktgen() {
	ip netns exec "$NS_A" "$pktgen" -y "/run/netns/$NS_B" -l "$TOPO_A4" \
	    -p "$TOPO_B4" "$@" > "$T_WORK/pg.out" 2> "$T_WORK/pg.err" || {
		cat "$T_WORK/pg.err" "$T_WORK/x.log" >&2
		return 1
	}
}

# Inclusive Ir of function $2 in callgrind file $1.
cg_inclusive() {
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
	    awk -v f="$2" '$0 ~ ("[ :]" f "( |$)") { gsub(",", "", $1); print $1; exit }'
}

# The top N functions by self cost in callgrind file $1, as
# "percent function" lines.
cg_top() {
	callgrind_annotate --auto=no --inclusive=no "$1" 2>/dev/null |
	    sed -n 's/^ *[0-9,]* *( *\([0-9.]*%\)) *[^ ]*:\([^ ]*\) .*/\1 \2/p' |
	    grep -v ' PROGRAM$' | head -n "$2" |
	    awk '{ printf "           %7s  %s\n", $1, $2 }'
}

# One payload size under callgrind: instructions per packet.
bench_callgrind() {
	local size=$1 cg=$T_WORK/callgrind.$1 st tun udp irt iru
	start_daemon valgrind --tool=callgrind --callgrind-out-file="$cg" \
	    --toggle-collect=dp_tun_cb --toggle-collect=dp_udp_cb ||
	    fail "sctptund did not start under callgrind"
	run_pktgen -s "$size" -c "$npkt" || fail "pktgen failed (callgrind)"
	st=$("$SCTPTUNCTL" -s "$T_WORK/x.sock" -j show stats)
	stop_daemon
	[ -s "$cg" ] || fail "no callgrind output"
	tun=$(json_num tun_rx_packets <<< "$st")
	udp=$(json_num udp_rx_packets <<< "$st")
	irt=$(cg_inclusive "$cg" dp_tun_cb)
	iru=$(cg_inclusive "$cg" dp_udp_cb)
	[ -n "$irt" ] && [ -n "$iru" ] && [ "${tun:-0}" -gt 0 ] &&
	    [ "${udp:-0}" -gt 0 ] || fail "no callgrind figures ($irt $iru)"
	CRC_IMPL=$(callgrind_annotate --auto=no "$cg" 2>/dev/null |
	    grep -o ':crc32c_update_[a-z0-9]*' | tr -d : | sort -u |
	    tr '\n' ' ')
	printf '  %5s B  egress  (TUN -> UDP): %6d instructions/packet' \
	    "$size" $((irt / tun))
	printf '  (%s Ir / %s packets)\n' "$irt" "$tun"
	printf '  %5s B  ingress (UDP -> TUN): %6d instructions/packet' \
	    "$size" $((iru / udp))
	printf '  (%s Ir / %s datagrams)\n' "$iru" "$udp"
	echo "         pktgen: $(grep -v '^crc32c' "$T_WORK/pg.out" | tr '\n' ';')"
	echo "         drops/anomalies: $(drops <<< "$st")"
	echo "         where the instructions go (self cost, both callbacks):"
	cg_top "$cg" 8
	cp "$cg" "$top_builddir/t/bench/callgrind.out.$size" 2>/dev/null
}

# One payload size, sctptund alone: on-CPU time per packet.
bench_native() {
	local size=$1 st

	start_daemon || fail "sctptund did not start"
	run_pktgen -s "$size" -c $((npkt * 2)) -P "$DPID" ||
	    fail "pktgen failed (native)"
	st=$("$SCTPTUNCTL" -s "$T_WORK/x.sock" -j show stats) ||
	    fail "sctptund died during the native run: $(cat "$T_WORK/x.log")"
	stop_daemon
	echo "  $size B native run, sctptund on-CPU time (user + kernel," \
	    "schedstat), $((npkt * 2)) packets each way:"
	sed -n 's/^\(egress\|ingress\) .*ns_per_pkt=\([0-9]*\).*/           \1: \2 ns\/packet/p' \
	    "$T_WORK/pg.out"
	grep -q ' lost=[1-9]' "$T_WORK/pg.out" &&
	    echo "         LOST packets: $(tr '\n' ';' < "$T_WORK/pg.out")"
	echo "         drops/anomalies: $(drops <<< "$st")"
}

# Non-zero drop counters (and untracked / out-of-the-blue) of a stats JSON.
drops() {
	local d
	d=$(grep -o '"\(egress\|ingress\)_[a-z_0-9]*":[1-9][0-9]*' |
	    grep -v '_batches"' | tr -d '"' | tr '\n' ' ')
	echo "${d:-none}"
}

callgrind=${BENCH_CALLGRIND:-1}
if [ "$callgrind" = 1 ]; then
	command -v valgrind >/dev/null ||
	    fail "no valgrind (apt-get install valgrind)"
	command -v callgrind_annotate >/dev/null ||
	    fail "no callgrind_annotate"
fi
build_pktgen || fail "cannot build pktgen"
topo_direct || fail "cannot build the namespaces"
stun_conf x "$TOPO_B4/32"

echo "CPU cost per packet of sctptund (host $(uname -r), $(nproc) CPUs," \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'))"
echo "  $npkt DATA packets each way per size, one per wakeup (lockstep):"
echo "  a raw IPPROTO 132 socket -> TUN -> sctptund -> UDP (egress);"
echo "  UDP -> sctptund -> TUN -> raw socket (ingress); all verified against"
echo "  an association set up with a crafted handshake."
echo "  callgrind counts user-space instructions inside dp_tun_cb / dp_udp_cb"
echo "  (deterministic: the same binary and input give the same count);"
echo "  kernel time (read, write, recvmmsg, sendmmsg) is not in those counts."
[ "$callgrind" = 1 ] ||
    echo "  (BENCH_CALLGRIND=0: no callgrind counts, the native runs only)"
for size in $sizes; do
	[ "$callgrind" = 1 ] && bench_callgrind "$size"
	bench_native "$size"
done
echo "  CRC32c implementation sctptund ran:" \
    "${CRC_IMPL:-not measured }(pktgen's" \
    "choice on this CPU: $(sed -n 's/^crc32c=//p' "$T_WORK/pg.out"))"
if perf stat -e instructions true 2>&1 | grep -q 'not supported'; then
	echo "  perf: hardware counters are not supported here" \
	    "('perf stat -e instructions' says <not supported>), so no"
	echo "  cycles/packet figure; the schedstat on-CPU time above stands in."
elif command -v perf >/dev/null; then
	echo "  perf: available, but not used (schedstat time above)."
else
	echo "  perf: not installed; the schedstat on-CPU time above stands in."
fi
exit 0
