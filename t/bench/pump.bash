# pump.bash: a packet pump on this host: crafted SCTP packets between two
# namespaces A and B on a veth (topo_direct) through four paths, measured
# in the same run (no kernel SCTP needed: t/bench/pump.c crafts them).
#
#   veth          the bare veth: the same SCTP packets as the payload of
#                 plain UDP between A and B (what RFC 6951 puts on the
#                 wire, without a tunnel): the reference;
#   userspace     a pair of sctptund, fastpath = "off": raw socket in A ->
#                 TUN A -> sctptund a -> UDP -> sctptund b -> TUN B -> raw
#                 socket in B;
#   fastpath      the same pair with fastpath = "on": the tc programs on
#                 TUN A's egress and B's uplink ingress move the packets;
#   wireguard-go  a WireGuard tunnel between A and B run by the user-space
#                 wireguard-go, carrying the same SCTP packets as UDP
#                 payload: what a user would otherwise pick.
#
# Rounds interleave the modes (round 1: veth, userspace, ...; round 2: ...)
# so that drifts of the machine hit them alike.  Per mode and round, after
# a crafted handshake that both daemons' tables must show established with
# learned ports (and, for fastpath, installed in the fast path):
#   1. for each size (BENCH_SIZES, "100 1000" bytes of SCTP packet): one
#      sender in A blasts for BENCH_PUMP_SECONDS, a sink in B counts:
#      received/s, the loss, and the rate the sender offered (in veth's
#      turn, also the sender alone into a veth whose peer is down: the
#      generator's own ceiling, to tell whether it limits the reference);
#   2. lockstep ping-pong of the smallest size, one packet in flight, for
#      BENCH_PUMP_SECONDS: round-trip p50 and p99.
# Then the daemons' counters (who carried the packets), and at the end the
# median, min-max and ratios of medians against the goals of issue 10.
# Environment: BENCH_ROUNDS (5), BENCH_PUMP_SECONDS (5), BENCH_SIZES
# (multiples of 4 from 32 to 1400), SCTPTUN_HAVE_BPF (yes if the build has
# the fast path), top_builddir.
# Exit status 1 if a mode measured got no figure for some metric.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

rounds=${BENCH_ROUNDS:-5}
secs=${BENCH_PUMP_SECONDS:-5}
sizes=${BENCH_SIZES:-100 1000}
ping_size=$(tr ' ' '\n' <<< "$sizes" | sort -n | head -n 1)
pump=$top_builddir/t/bench/pump
results=$T_WORK/results		# lines: metric mode round value
port=7001			# the UDP port of the veth and WireGuard modes
wg_a=wgp$$a wg_b=wgp$$b		# wireguard-go's UAPI sockets are global
WG_A4=10.201.0.1 WG_B4=10.201.0.2
NULL4=198.18.0.2		# behind a dead-end veth in A (blast_null)

fail() {
	echo "pump: $*" >&2
	exit 1
}

# The value of KEY=value in the line(s) on stdin.
kv() {
	sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" | head -n 1
}

# The modes this build and host can run; the others, with the reason why.
pump_modes() {
	modes="veth userspace"
	if [ "${SCTPTUN_HAVE_BPF:-no}" = yes ]; then
		modes="$modes fastpath"
	else
		echo "  fastpath: skipped: sctptund was built without the" \
		    "fast path (configure found no clang, libbpf or bpftool)"
	fi
	if command -v wireguard-go > /dev/null && command -v wg > /dev/null
	then
		modes="$modes wireguard-go"
	else
		echo "  wireguard-go: skipped: no wireguard-go or wg (apt-get" \
		    "install wireguard-go wireguard-tools)"
	fi
}

# The endpoints' pump flags of a mode: raw sockets or UDP, and addresses.
mode_ends() {
	case $1 in
	veth) END_FLAGS="-u $port" END_A=$TOPO_A4 END_B=$TOPO_B4 ;;
	wireguard-go) END_FLAGS="-u $port" END_A=$WG_A4 END_B=$WG_B4 ;;
	*) END_FLAGS=-r END_A=$TOPO_A4 END_B=$TOPO_B4 ;;
	esac
}

# 0 once daemon NAME's "show assocs" JSON matches every pattern given.
assocs_have() {
	local name=$1 p
	shift
	stun_ctl "$name" -j show assocs > "$T_WORK/$name.json" || return 1
	for p in "$@"; do
		grep -q "$p" "$T_WORK/$name.json" || return 1
	done
}

# A pair of sctptund (fast path $1), and the crafted handshake between
# raw sockets in A and B; both tables must show it established with
# learned ports, and with the fast path, installed there.
sctptund_up() {
	local want='"state":"established"' n where=
	[ "$1" = on ] && where=" in the fast path"
	STUN_FASTPATH=$1 STUN_STATE_FILE= stun_conf a "$TOPO_B4/32"
	STUN_FASTPATH=$1 STUN_STATE_FILE= stun_conf b "$TOPO_A4/32"
	stun_start "$NS_A" a && stun_start "$NS_B" b || return 1
	in_ns "$NS_A" "$pump" handshake -r -y "/run/netns/$NS_B" -l "$TOPO_A4" \
	    -p "$TOPO_B4" > "$T_WORK/hs.out" 2>&1 || {
		echo "    handshake failed: $(tr '\n' ';' < "$T_WORK/hs.out")"
		return 1
	}
	for n in a b; do
		if [ "$1" = on ]; then
			wait_until 5 assocs_have $n "$want" '"learned":true' \
			    '"fastpath":true'
		else
			wait_until 5 assocs_have $n "$want" '"learned":true'
		fi || {
			echo "    sctptund $n: no established association" \
			    "with a learned port$where" \
			    "after the handshake: $(cat "$T_WORK/$n.json")"
			return 1
		}
	done
}

# What daemon NAME's counters say about who carried the packets; the
# stats JSON stays in $T_WORK/NAME.stats.
sctptund_report() {
	local name=$1 st
	st=$(stun_ctl "$name" -j show stats | tee "$T_WORK/$name.stats")
	echo "    sctptund $name: user space udp tx $(json_num udp_tx_packets \
	    <<< "$st") rx $(json_num udp_rx_packets <<< "$st"), tun rx" \
	    "$(json_num tun_rx_packets <<< "$st") tx $(json_num \
	    tun_tx_packets <<< "$st"); fast path tx $(json_num \
	    fastpath_tx_packets <<< "$st") rx $(json_num fastpath_rx_packets \
	    <<< "$st"), misses tx $(json_num fastpath_tx_miss <<< "$st")" \
	    "rx $(json_num fastpath_rx_miss <<< "$st"); drops: $(stun_drops \
	    <<< "$st")"
}

# The share (percent) of daemon NAME's packets in direction DIR (tx: from
# the TUN to UDP, rx: back) that the fast path moved.
fast_share() {
	awk -v f="$(json_num "fastpath_$2_packets" < "$T_WORK/$1.stats")" \
	    -v u="$(json_num "udp_$2_packets" < "$T_WORK/$1.stats")" \
	    'BEGIN { printf "%.1f", (f + u > 0 ? 100 * f / (f + u) : 0) }'
}

# Who carried the packets of a mode with sctptund: the fast path (all but
# the handshake) with it on, the daemons (all) with it off.
sctptund_check() {
	local atx brx
	# The fast path's counters reach "show stats" once a second.
	[ "$1" = fastpath ] && sleep 1.2
	sctptund_report a
	sctptund_report b
	atx=$(fast_share a tx) brx=$(fast_share b rx)
	if [ "$1" = fastpath ]; then
		echo "    fast path share: a tx $atx%, b rx $brx% (the blasts" \
		    "and pings); b tx $(fast_share b tx)%, a rx $(fast_share \
		    a rx)% (the pongs); the rest is the handshake"
		[ "${atx%.*}" -ge 99 ] && [ "${brx%.*}" -ge 99 ] ||
		    echo "    WARNING: the daemons carried more than the" \
		    "handshake with the fast path on"
	elif [ "$atx" != 0.0 ] || [ "$brx" != 0.0 ]; then
		echo "    WARNING: the fast path carried packets with" \
		    "fastpath = \"off\""
	else
		echo "    the daemons carried every packet (no fast path)"
	fi
}

# The non-zero drop counters of a stats JSON on stdin.
stun_drops() {
	local d
	d=$(sed -n 's/.*"drops":{\([^}]*\)}.*/\1/p' | tr ',' '\n' |
	    grep -v ':0$' | tr -d '"' | tr '\n' ' ')
	echo "${d:-none}"
}

# One end of the WireGuard tunnel: wireguard-go for device DEV in NS with
# address ADDR, key KEY, the peer's public key PUB at ENDPOINT with PEER.
wg_end() {
	local ns=$1 dev=$2 addr=$3 key=$4 pub=$5 endpoint=$6 peer=$7
	bg_start "wg-$dev" "$ns" wireguard-go -f "$dev"
	eval "WG_PID_$dev=$BG_PID"
	wait_until 5 test -S "/var/run/wireguard/$dev.sock" || {
		echo "    wireguard-go did not start:" \
		    "$(cat "$T_WORK/wg-$dev.log")"
		return 1
	}
	in_ns "$ns" wg set "$dev" listen-port 51820 private-key "$key" \
	    peer "$(cat "$pub")" endpoint "$endpoint:51820" \
	    allowed-ips "$peer/32" &&
	    ip -n "$ns" addr add "$addr/24" dev "$dev" &&
	    ip -n "$ns" link set "$dev" up
}

# A WireGuard tunnel between A and B, each end run by wireguard-go.
wg_up() {
	wg_end "$NS_A" "$wg_a" "$WG_A4" "$T_WORK/wg-a.key" \
	    "$T_WORK/wg-b.pub" "$TOPO_B4" "$WG_B4" &&
	    wg_end "$NS_B" "$wg_b" "$WG_B4" "$T_WORK/wg-b.key" \
	    "$T_WORK/wg-a.pub" "$TOPO_A4" "$WG_A4"
}

# Stop both wireguard-go (their TUNs go with them).
wg_down() {
	local dev pid
	for dev in "$wg_a" "$wg_b"; do
		pid=$(eval "echo \${WG_PID_$dev:-}")
		[ -n "$pid" ] && bg_stop "$pid"
		eval "WG_PID_$dev="
	done
}

# Set a mode up.
mode_up() {
	case $1 in
	veth) return 0 ;;
	userspace) sctptund_up off ;;
	fastpath) sctptund_up on ;;
	wireguard-go) wg_up ;;
	esac
}

# Tear a mode down; with sctptund, show the daemons' counters first.
mode_down() {
	case $1 in
	userspace|fastpath)
		sctptund_check "$1"
		stun_stop a
		stun_stop b
		# A stopped sctptund fails closed: -C takes its rules away.
		stun_decommission a
		stun_decommission b
		;;
	wireguard-go) wg_down ;;
	esac
	return 0
}

# One blast of $3 bytes from A to B in mode $1, round $2: appends the
# received rate, the loss, the offered rate and both ends' CPU.
blast() {
	local mode=$1 r=$2 size=$3 sink sent got pps loss
	bg_start sink "$NS_B" "$pump" sink $END_FLAGS -l "$END_B" \
	    -p "$END_A" -d $((secs + 30))
	sink=$BG_PID
	wait_until 5 grep -q ready "$T_WORK/sink.log" ||
	    { bg_stop "$sink"; echo "    sink did not start"; return 1; }
	in_ns "$NS_A" "$pump" blast $END_FLAGS -l "$END_A" -p "$END_B" \
	    -s "$size" -d "$secs" > "$T_WORK/blast.out" 2>&1
	# What is still queued 0.3 s after the sender stopped counts as lost.
	sleep 0.3
	kill -TERM "$sink" 2>/dev/null
	bg_wait "$sink" 5 > /dev/null 2>&1
	sent=$(kv sent < "$T_WORK/blast.out")
	got=$(kv received < "$T_WORK/sink.log")
	pps=$(kv pps < "$T_WORK/sink.log")
	if [ -z "$sent" ] || [ -z "$got" ] || [ "${got:-0}" -eq 0 ]; then
		echo "    round $r $mode $size B: no figure:" \
		    "$(tr '\n' ';' < "$T_WORK/blast.out")" \
		    "$(tr '\n' ';' < "$T_WORK/sink.log")"
		return 1
	fi
	loss=$(awk -v s="$sent" -v g="$got" \
	    'BEGIN { printf "%.2f", (s > 0 ? 100 * (s - g) / s : 0) }')
	{
		echo "rx$size $mode $r $pps"
		echo "loss$size $mode $r $loss"
		echo "off$size $mode $r $(kv pps < "$T_WORK/blast.out")"
		echo "scpu$size $mode $r $(kv cpu_pct < "$T_WORK/blast.out")"
		echo "kcpu$size $mode $r $(kv cpu_pct < "$T_WORK/sink.log")"
	} >> "$results"
	echo "    round $r $mode $size B: received $pps/s ($got of $sent," \
	    "loss $loss%); offered $(kv pps < "$T_WORK/blast.out")/s;" \
	    "CPU sender $(kv cpu_pct < "$T_WORK/blast.out")%, sink" \
	    "$(kv cpu_pct < "$T_WORK/sink.log")%"
}

# The sender alone for size $3: UDP into a veth in A whose peer is down,
# which drops it, so no path limits it: the generator's own ceiling.
blast_null() {
	local r=$2 size=$3 out
	out=$(in_ns "$NS_A" "$pump" blast -u "$port" -l "$TOPO_A4" \
	    -p "$NULL4" -s "$size" -d "$secs" 2>&1) || {
		echo "    round $r generator alone: $out"
		return 1
	}
	echo "gen$size veth $r $(kv pps <<< "$out")" >> "$results"
	echo "    round $r generator alone $size B: $(kv pps <<< "$out")/s" \
	    "into a dead-end veth; CPU $(kv cpu_pct <<< "$out")%"
}

# Lockstep round trips for $3 seconds; with $4, append p50 and p99.
pingpong() {
	local mode=$1 r=$2 d=$3 out
	out=$(in_ns "$NS_A" "$pump" pingpong $END_FLAGS \
	    -y "/run/netns/$NS_B" -l "$END_A" -p "$END_B" -s "$ping_size" \
	    -d "$d" 2>&1) || {
		echo "    round $r $mode: ping-pong failed: $out"
		return 1
	}
	[ -n "${4:-}" ] || return 0
	echo "p50 $mode $r $(kv p50_us <<< "$out")" >> "$results"
	echo "p99 $mode $r $(kv p99_us <<< "$out")" >> "$results"
	echo "    round $r $mode: round trip p50 $(kv p50_us <<< "$out") us," \
	    "p99 $(kv p99_us <<< "$out") us ($(kv samples <<< "$out")" \
	    "round trips, $(kv lost <<< "$out") lost)"
}

# Measure a mode in a round; append to $results.
measure() {
	local mode=$1 r=$2 size
	mode_ends "$mode"
	# The warm-up resolves neighbours and lets WireGuard shake hands.
	if ! mode_up "$mode" || ! pingpong "$mode" "$r" 0.3; then
		echo "    round $r $mode: setup failed"
		mode_down "$mode"
		return
	fi
	for size in $sizes; do
		[ "$mode" = veth ] && blast_null "$mode" "$r" "$size"
		blast "$mode" "$r" "$size"
	done
	pingpong "$mode" "$r" "$secs" record
	mode_down "$mode"
}

# The summary tables: median, min-max, ratios of medians, the goals.
summary() {
	awk -v modes="$modes" -v sizes="$sizes" -v secs="$secs" \
	    -v ping="$ping_size" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	# The median of metric x for mode m; its sorted runs in S[], N.
	function stat(x, m,   k, i) {
		k = x SUBSEP m; N = n[k]
		delete S
		for (i = 1; i <= N; i++) S[i] = v[k, i]
		return N ? median(S, N) : ""
	}
	# The ratio of medians of modes x and y for metric mx, and the
	# median and range of the ratios within each round: a drift of the
	# machine during the run moves the first, not the second.
	function ratio(mx, x, y, what, goal,   met, r, q, nq) {
		if (!(x in med) || !(y in med) || med[y] == 0)
			return
		printf "    %-26s %5.2f", what, med[x] / med[y]
		if (goal != "") {
			met = med[x] / med[y] >= goal
			printf "   goal >= %.1f: %s", goal,
			    met ? "met" : "missed"
		}
		delete q; nq = 0
		for (r = 1; r <= maxr; r++)
			if ((mx, x, r) in R && (mx, y, r) in R &&
			    R[mx, y, r] > 0)
				q[++nq] = R[mx, x, r] / R[mx, y, r]
		if (nq > 0) {
			q[0] = median(q, nq)
			printf "   (per round: %.2f, %.2f - %.2f)", q[0], q[1],
			    q[nq]
		}
		printf "\n"
	}
	{
		k = $1 SUBSEP $2; v[k, ++n[k]] = $4; R[$1, $2, $3] = $4
		if ($3 > maxr) maxr = $3
	}
	END {
		nm = split(modes, M, " "); ns = split(sizes, Z, " ")
		bad = 0
		for (z = 1; z <= ns; z++) {
			s = Z[z]; delete med
			printf "  packets/s received, %d B SCTP packets, one" \
			    " sender, %d s blasts\n", s, secs
			printf "    %-13s %9s  %-21s %7s  %9s  %s\n", "mode",
			    "median", "min - max", "loss", "offered",
			    "CPU sender/sink"
			for (m = 1; m <= nm; m++) {
				x = stat("rx" s, M[m])
				if (x == "") {
					printf "    %-13s no figure\n", M[m]
					bad = 1; continue
				}
				med[M[m]] = x
				lo = S[1]; hi = S[N]; runs = N
				printf "    %-13s %9.0f  %9.0f - %-9.0f" \
				    " %6.2f%%  %9.0f  %3.0f%% / %3.0f%%" \
				    "  (%d runs)\n",
				    M[m], x, lo, hi, stat("loss" s, M[m]),
				    stat("off" s, M[m]), stat("scpu" s, M[m]),
				    stat("kcpu" s, M[m]), runs
			}
			ratio("rx" s, "fastpath", "veth", "fastpath / veth:",
			    0.8)
			ratio("rx" s, "userspace", "veth",
			    "userspace / veth:", "")
			ratio("rx" s, "userspace", "wireguard-go",
			    "userspace / wireguard-go:", 2.5)
			ratio("rx" s, "fastpath", "wireguard-go",
			    "fastpath / wireguard-go:", "")
			g = stat("gen" s, "veth")
			if (g == "" || !("veth" in med))
				continue
			printf "    the sender alone (UDP into a dead-end" \
			    " veth): %.0f/s\n    veth / sender alone:" \
			    " %.2f: ", g, med["veth"] / g
			if (med["veth"] >= 0.9 * g)
				printf "the generator is the limit\n"
			else
				printf "the path limits the veth, not the" \
				    " generator\n"
		}
		printf "  round trip, %d B, one packet in flight, %d s of" \
		    " ping-pong (us)\n", ping, secs
		printf "    %-13s %8s  %-17s  %8s  %-17s\n", "mode",
		    "p50", "min - max", "p99", "min - max"
		delete med
		for (m = 1; m <= nm; m++) {
			x = stat("p50", M[m])
			if (x == "") {
				printf "    %-13s no figure\n", M[m]
				bad = 1; continue
			}
			med[M[m]] = x; lo = S[1]; hi = S[N]; runs = N
			y = stat("p99", M[m])
			printf "    %-13s %8.1f  %7.1f - %-7.1f  %8.1f  %7.1f" \
			    " - %-7.1f (%d runs)\n",
			    M[m], x, lo, hi, y, S[1], S[N], runs
		}
		if (("fastpath" in med) && ("veth" in med)) {
			d = med["fastpath"] - med["veth"]
			printf "    fastpath - veth (p50):     %+5.1f us" \
			    "   goal <= 10 us added: %s\n", d,
			    d <= 10 ? "met" : "missed"
		}
		if (("userspace" in med) && ("veth" in med))
			printf "    userspace - veth (p50):    %+5.1f us\n",
			    med["userspace"] - med["veth"]
		if (("wireguard-go" in med) && ("veth" in med))
			printf "    wireguard-go - veth (p50): %+5.1f us\n",
			    med["wireguard-go"] - med["veth"]
		exit bad
	}' "$results"
}

# Built on demand (t/bench/bench.am), with this build's compiler and flags.
make -s -C "$top_builddir" t/bench/pump >&2 || fail "cannot build t/bench/pump"
: > "$results"
echo "Packet pump: $rounds rounds x modes, $secs s per blast and ping-pong," \
    "sizes $sizes B of SCTP packet"
echo "  host: kernel $(uname -r), $(nproc) CPUs," \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
pump_modes
case $modes in
*wireguard-go*)
	for k in a b; do
		(umask 077 && wg genkey > "$T_WORK/wg-$k.key") &&
		    wg pubkey < "$T_WORK/wg-$k.key" > "$T_WORK/wg-$k.pub" ||
		    fail "wg genkey failed"
	done
	echo "  wireguard-go: $(wireguard-go --version 2>&1 | head -n 1)"
	;;
esac
echo "  modes: $modes"
topo_direct || fail "cannot build the namespaces"
# No dummy driver everywhere: a veth whose peer stays down drops what it
# is given as cheaply (the neighbour is static: no ARP).
ip -n "$NS_A" link add pumpnull type veth peer name pumpdown &&
    ip -n "$NS_A" link set pumpnull up &&
    ip -n "$NS_A" route add "${NULL4%.*}.0/24" dev pumpnull &&
    ip -n "$NS_A" neigh add "$NULL4" lladdr 02:00:00:00:00:01 \
    dev pumpnull nud permanent || fail "cannot add the null device"
for r in $(seq "$rounds"); do
	for mode in $modes; do
		measure "$mode" "$r"
	done
done
echo
echo "Results (median of $rounds rounds; loss = not at the sink 0.3 s after"
echo "the sender stopped; offered = what the sender got out, per second):"
summary
rc=$?
echo "  Where the work runs: with veth and fastpath the kernel carries each"
echo "  packet up to the sink's socket on the sender's CPU (softirqs in its"
echo "  sendmmsg, or ksoftirqd there), so their rates are what one CPU does;"
echo "  with userspace and wireguard-go the tunnel's daemons share the $(nproc)"
echo "  CPUs with the sender and the sink, and their loss is the daemons"
echo "  falling behind."
echo "  One process plays both ends of the ping-pong: with veth and fastpath"
echo "  the kernel delivers inside its sendto, so their round trips hold no"
echo "  wakeup and their difference is the fast path's own cost; the daemons"
echo "  of the other two modes add theirs."
exit $rc
