# throughput.bash: kernel SCTP throughput and request rate through four
# paths, measured in the same run (a scenario body: VM or host netns).
#
#   native   SCTP straight over the veth;
#   kernel   the Linux kernel's own RFC 6951 in both namespaces
#            (net.sctp.udp_port = encap_port = 9899, set before any socket);
#   sctptun  a pair of sctptund, one per namespace (user-space path);
#   fastpath the same with the eBPF fast path on (when the build has it);
#   mixed    sctptund in A, the kernel's own RFC 6951 in B: what a mixed
#            deployment gets;
#   dtls-psk  a pair of sctptund with DTLS between them, pre-shared key
#            (ECDHE-PSK-CHACHA20-POLY1305);
#   dtls-cert the same with certificates (ECDSA P-256, AES-128-GCM).
#
# After each run with sctptund, the daemons' counters, on-CPU time per
# packet, and for the DTLS modes the cipher and the record overhead
# measured on the wire (UDP payload bytes less SCTP bytes, per record).
#
# Rounds interleave the modes (round 1: native, kernel, sctptun; round 2:
# ...) so that drifts of the emulator hit them alike.  Per mode and round:
# iperf3 --sctp A -> B and B -> A (-R), the receiver's bitrate; and
# sctp_echo with one 64-byte message in flight (-w 1), messages per second.
# Then the median, min-max and the ratios of medians.
#
# Arguments (the VM passes no BENCH_* variables in): ROUNDS (5), SECONDS
# per iperf3 run (5), ECHO_COUNT (1000); else BENCH_ROUNDS, BENCH_SECONDS,
# BENCH_ECHO_COUNT.  Exit status 1 only if some metric got no figure at
# all for some mode.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"
. "$T_LIB/dtls.sh"

rounds=${1:-${BENCH_ROUNDS:-5}}
secs=${2:-${BENCH_SECONDS:-5}}
necho=${3:-${BENCH_ECHO_COUNT:-1000}}
modes="native kernel sctptun fastpath mixed dtls-psk dtls-cert"
command -v openssl > /dev/null || modes="native kernel sctptun fastpath mixed"
[ "${SCTPTUN_HAVE_BPF:-no}" = yes ] || modes=$(echo "$modes" |
    sed 's/ fastpath//')
metrics="a2b b2a rr"
results=$T_WORK/results		# lines: metric mode round value

# The kernel's RFC 6951 on (9899) or off (0) in the namespaces given, or
# in both.
mode_kernel_encap() {
	local ns port=$1
	shift
	[ $# -gt 0 ] || set -- "$NS_A" "$NS_B"
	for ns in "$@"; do
		in_ns "$ns" bash -c "echo $port > /proc/sys/net/sctp/udp_port &&
		    echo $port > /proc/sys/net/sctp/encap_port" || return 1
	done
}

# The configurations of a and b for a mode with sctptund.
mode_confs() {
	unset STUN_DTLS STUN_PEER_DTLS
	STUN_FASTPATH=off
	[ "$1" = fastpath ] && STUN_FASTPATH=on
	case $1 in
	dtls-psk) dtls_psk a pair "$T_WORK/keys/psk" ;;
	dtls-cert) dtls_cert a "$T_WORK/keys/ca.pem" ;;
	esac
	stun_conf a "$TOPO_B4/32"
	[ "$1" = dtls-cert ] && dtls_cert b "$T_WORK/keys/ca.pem"
	stun_conf b "$TOPO_A4/32"
}

# Set a mode up.
mode_up() {
	case $1 in
	native) return 0 ;;
	kernel) mode_kernel_encap 9899 && wait_udp_listen "$NS_B" 9899 5 ;;
	sctptun|fastpath|dtls-*) mode_confs "$1" && stun_start "$NS_A" a &&
	    stun_start "$NS_B" b && MODE_T0=$(date +%s%N) ;;
	mixed) mode_confs "$1" && mode_kernel_encap 9899 "$NS_B" &&
	    wait_udp_listen "$NS_B" 9899 5 && stun_start "$NS_A" a &&
	    MODE_T0=$(date +%s%N) ;;
	esac
}

# A DTLS run: the cipher A used, and the bytes each record added.
dtls_overhead() {
	local udp sctp recs cipher
	stun_ctl a -j show stats > "$T_WORK/a.stats"
	stun_ctl a -j show peers > "$T_WORK/a.peers"
	udp=$(json_num dtls_udp_tx_bytes < "$T_WORK/a.stats")
	recs=$(json_num dtls_records_out < "$T_WORK/a.stats")
	sctp=$(grep -o '"bytes_out":[0-9]*' "$T_WORK/a.peers" |
	    awk -F: '{ s += $2 } END { print s + 0 }')
	cipher=$(grep -o '"cipher":"[^"]*"' "$T_WORK/a.peers" | head -n 1 |
	    cut -d'"' -f4)
	echo "    dtls: cipher $cipher, $recs records out," \
	    "$(( (udp - sctp) / (recs + 1) )) bytes each on the wire" \
	    "beyond the SCTP packet (handshakes included)"
}

# On-CPU nanoseconds of process $1 so far (user + kernel), or 0.
cpu_ns() {
	local ns
	read -r ns _ < "/proc/$1/schedstat" 2>/dev/null
	echo "${ns:-0}"
}

# The non-zero drop (and untracked) counters of daemon $1.
stun_drops() {
	local d
	d=$(stun_ctl "$1" -j show stats |
	    sed -n 'h; s/.*"drops":{\([^}]*\)}.*/\1/p; g
	    s/.*"dtls_drops":{\([^}]*\)}.*/\1/p' |
	    tr ',' '\n' | grep -v ':0$' | tr -d '"' | tr '\n' ' ')
	echo "${d:-none}"
}

# Tear a mode down; with sctptund, show the daemons' counters first.
mode_down() {
	local n wall rx tx cpu daemons="a b"
	case $1 in
	kernel) mode_kernel_encap 0 ;;
	sctptun|fastpath|mixed|dtls-*)
		[ "$1" = mixed ] && daemons=a
		case $1 in dtls-*) dtls_overhead ;; esac
		wall=$((($(date +%s%N) - MODE_T0) / 1000000))
		for n in $daemons; do
			stun_ctl $n -j show stats > "$T_WORK/$n.stats"
			rx=$(json_num udp_rx_packets < "$T_WORK/$n.stats")
			tx=$(json_num udp_tx_packets < "$T_WORK/$n.stats")
			case $1 in
			dtls-*)
				rx=$(json_num dtls_udp_rx_packets < "$T_WORK/$n.stats")
				tx=$(json_num dtls_udp_tx_packets < "$T_WORK/$n.stats")
				;;
			fastpath)
				echo "    sctptund $n: fast path rx" \
				    "$(json_num fastpath_rx_packets < "$T_WORK/$n.stats")," \
				    "tx $(json_num fastpath_tx_packets < "$T_WORK/$n.stats")" \
				    "(the daemon's figures below are the rest)"
				;;
			esac
			cpu=$(cpu_ns "$(stun_pid $n)")
			echo "    sctptund $n: udp_rx $rx, udp_tx $tx, on-CPU" \
			    "$((cpu / 1000000)) ms of $wall ms" \
			    "($((cpu / 1000 / (rx + tx + 1))) us/packet);" \
			    "drops: $(stun_drops $n)"
		done
		# A stopped sctptund fails closed: -C lets the next mode's
		# SCTP go natively again.
		stun_stop a
		stun_decommission a
		if [ "$1" = mixed ]; then
			mode_kernel_encap 0 "$NS_B"
		else
			stun_stop b
			stun_decommission b
		fi
		;;
	esac
	return 0
}

# One iperf3 --sctp run (extra client flags in $@): the receiver's Mbit/s.
iperf_run() {
	local srv rate
	bg_start iperf-srv "$NS_B" iperf3 -s -1 -B "$TOPO_B4"
	srv=$BG_PID
	wait_tcp_listen "$NS_B" 5201 10 || { bg_stop "$srv"; return 1; }
	in_ns "$NS_A" timeout $((secs + 30)) iperf3 --sctp -c "$TOPO_B4" \
	    -B "$TOPO_A4" -t "$secs" -f m "$@" > "$T_WORK/iperf.out" 2>&1
	bg_wait "$srv" 10 >/dev/null 2>&1 || bg_stop "$srv"
	rate=$(awk '/receiver/ { for (i = 2; i <= NF; i++)
	    if ($i == "Mbits/sec") print $(i - 1) }' "$T_WORK/iperf.out")
	if [ -z "$rate" ]; then
		sed 's/^/      iperf3: /' "$T_WORK/iperf.out" | tail -n 5 >&2
		return 1
	fi
	echo "$rate"
}

# One ping-pong run of 64-byte messages: messages per second.
echo_run() {
	local srv out ms n
	bg_start echo-srv "$NS_B" "$SCTP_ECHO" server -b "$TOPO_B4" -p 7000
	srv=$BG_PID
	wait_sctp_listen "$NS_B" 7000 10 || { bg_stop "$srv"; return 1; }
	out=$(in_ns "$NS_A" "$SCTP_ECHO" client -b "$TOPO_A4" -a "$TOPO_B4" \
	    -p 7000 -s 64 -w 1 -n "$necho" -t 120 2>&1)
	bg_stop "$srv"
	ms=$(sed -n 's/.*elapsed_ms=\([0-9]*\).*/\1/p' <<< "$out")
	n=$(sed -n 's/.*verified=\([0-9]*\) .*/\1/p' <<< "$out")
	if [ -z "$ms" ] || [ "${n:-0}" != "$necho" ] || [ "$ms" -eq 0 ]; then
		echo "      sctp_echo: $out" >&2
		return 1
	fi
	awk -v n="$n" -v ms="$ms" 'BEGIN { printf "%.0f", n * 1000 / ms }'
}

# Measure a mode in a round; append to $results.
measure() {
	local mode=$1 r=$2 v
	if ! mode_up "$mode"; then
		echo "    round $r $mode: setup failed" >&2
		mode_down "$mode"
		return
	fi
	v=$(iperf_run) && echo "a2b $mode $r $v" >> "$results"
	echo "    round $r $mode: A->B ${v:-failed} Mbit/s"
	v=$(iperf_run -R) && echo "b2a $mode $r $v" >> "$results"
	echo "    round $r $mode: B->A ${v:-failed} Mbit/s"
	v=$(echo_run) && echo "rr $mode $r $v" >> "$results"
	echo "    round $r $mode: request/response ${v:-failed} msg/s"
	mode_down "$mode"
}

# The summary table: median, min-max, ratios of medians.
summary() {
	awk -v modes="$modes" -v metrics="$metrics" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ k = $1 SUBSEP $2; v[k, ++n[k]] = $4 }
	END {
		split(modes, M, " "); split(metrics, X, " ")
		name["a2b"] = "iperf3 --sctp A->B (Mbit/s)"
		name["b2a"] = "iperf3 --sctp B->A (Mbit/s)"
		name["rr"] = "64 B request/response, 1 in flight (msg/s)"
		bad = 0
		nm = split(modes, M, " ")
		for (x = 1; x <= 3; x++) {
			printf "  %s\n", name[X[x]]
			for (m = 1; m <= nm; m++) {
				k = X[x] SUBSEP M[m]
				if (n[k] == 0) {
					printf "    %-9s  no figure\n", M[m]; bad = 1
					med[M[m]] = 0; continue
				}
				delete a
				for (i = 1; i <= n[k]; i++) a[i] = v[k, i]
				med[M[m]] = median(a, n[k])
				printf "    %-9s  median %8.1f  min-max %8.1f - %-8.1f (%d runs)\n",
				    M[m], med[M[m]], a[1], a[n[k]], n[k]
			}
			if (med["kernel"] > 0)
				printf "    sctptun / kernel RFC 6951: %.2f\n",
				    med["sctptun"] / med["kernel"]
			if (med["native"] > 0)
				printf "    sctptun / native SCTP:     %.2f\n",
				    med["sctptun"] / med["native"]
			if (med["kernel"] > 0 && ("fastpath" in med))
				printf "    fastpath / kernel RFC 6951: %.2f\n",
				    med["fastpath"] / med["kernel"]
			if (med["kernel"] > 0)
				printf "    mixed / kernel RFC 6951:   %.2f\n",
				    med["mixed"] / med["kernel"]
			if (med["sctptun"] > 0 && ("dtls-psk" in med))
				printf "    dtls-psk / sctptun:        %.2f\n" \
				    "    dtls-cert / sctptun:       %.2f\n",
				    med["dtls-psk"] / med["sctptun"],
				    med["dtls-cert"] / med["sctptun"]
		}
		exit bad
	}' "$results"
}

: > "$results"
topo_direct || tap_bail "cannot build the namespaces"
case $modes in
*dtls*) dtls_keys "$T_WORK/keys" || tap_bail "cannot make DTLS keys" ;;
esac
mode_kernel_encap 0

echo "Throughput and request rate: $rounds rounds x {$modes}, iperf3" \
    "-t $secs, $necho ping-pongs"
echo "  environment: $T_ENV, kernel $(uname -r), $(nproc) CPUs"
for r in $(seq "$rounds"); do
	for mode in $modes; do
		measure "$mode" "$r"
	done
done
echo
echo "Results (median of $rounds rounds; sctptun = two sctptund over UDP;"
echo "mixed = sctptund in A, the kernel's own RFC 6951 in B):"
summary
rc=$?
if [ "$T_ENV" = vm ]; then
	echo "  Note: measured in a qemu VM under TCG (software emulation):"
	echo "  absolute figures mean little; the ratios, measured in the same"
	echo "  run with the modes interleaved, are what to compare."
fi
exit $rc
