# soak.bash: sctptund for a long time under association churn and attack,
# on this host (no kernel SCTP: t/bench/soakgen.c crafts the packets).
#
# Two namespaces A and B on a veth (topo_direct); sctptund in A with B's
# address as its peer.  soakgen, started in A, plays the local endpoints
# from a raw IPPROTO 132 socket there and the peers from UDP sockets in B:
# BENCH_SOAK_ASSOCS associations over BENCH_SOAK_SECONDS come up, carry
# data, rebind their UDP port, are aborted, shut down or left to expire;
# BENCH_SOAK_LONG of them carry data all along; a hostile sender in B
# sprays BENCH_SOAK_HOSTILE malformed datagrams, INITs and wrong tags a
# second.
#
# Every BENCH_SOAK_INTERVAL seconds, one line: sctptund's resident memory,
# open file descriptors, on-CPU time per packet (schedstat, user + kernel,
# over the packets it read in the interval), table occupancy, soakgen's
# associations up and failed so far, and the drops of the interval by
# reason.
#
# It fails (exit 1) when:
#   - sctptund dies, stops answering, or does not exit cleanly at the end;
#   - after the warm-up (the first fifth) its resident memory grows by
#     more than BENCH_SOAK_RSS_SLACK KiB (default 2048), or its file
#     descriptors by more than 2 (a state file save or a control
#     connection in flight);
#   - the CPU per packet of the last third is more than twice that of the
#     first third after the warm-up;
#   - the table is ever above its limits;
#   - a long-lived association is missing at the end, not established,
#     not at the UDP port it last used, saw less than 90% of its traffic
#     or more than was sent;
#   - an egress packet went to a port its association no longer used
#     (misdirected) or to the hostile sender's (hijacked);
#   - sctptund established fewer than 90% of the associations started;
#   - more associations had their packets sent to the configured port (no
#     entry: soakgen's "untracked") than sctptund never established.
# Setups the INIT flood pushed out of the embryonic limit before their
# COOKIE-ACK are untracked, and are not failures: that is the limit doing
# its job (the oldest setup goes), and why the 90% rule is not 100%.
# Environment: BENCH_SOAK_SECONDS (600), BENCH_SOAK_ASSOCS (100000 for 600
# s, in proportion otherwise), BENCH_SOAK_LONG (200), BENCH_SOAK_HOSTILE
# (800), BENCH_SOAK_INTERVAL (30), BENCH_SOAK_RSS_SLACK, and the harness's
# top_srcdir, top_builddir, T_WORK, T_LIB.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"
. "$top_srcdir/t/bench/daemon.bash"

secs=${BENCH_SOAK_SECONDS:-600}
assocs=${BENCH_SOAK_ASSOCS:-$((100000 * secs / 600))}
nlong=${BENCH_SOAK_LONG:-200}
hostile=${BENCH_SOAK_HOSTILE:-800}
interval=${BENCH_SOAK_INTERVAL:-30}
rss_slack=${BENCH_SOAK_RSS_SLACK:-2048}
warmup=$((secs / 5))
max_assocs=20000
max_embryonic=256
soakgen=$top_builddir/t/bench/soakgen
problems=()

fail() {
	echo "soak: $*" >&2
	exit 1
}

# Note a reason to fail; the run goes on to the end.
problem() {
	problems+=("$*")
	echo "  PROBLEM: $*"
}

# sctptund with short timeouts, so that the table turns over many times
# (entries go idle after 30 s, embryonic ones after 10 s), and an
# embryonic limit the INIT flood keeps reaching, so that it evicts.
write_conf() {
	cat > "$T_WORK/x.conf" <<-EOC
	udp_port = 9899;
	tun = { name = "sctptun0"; };
	peers = ( { name = "far"; prefixes = [ "$TOPO_B4/32" ]; } );
	limits = { associations = $max_assocs; embryonic = $max_embryonic;
	    idle_timeout = 30; embryonic_timeout = 10; };
	control = { socket = "$T_WORK/x.sock"; };
	log = { level = "info"; };
	state = { file = "$T_WORK/x.state"; interval = 5; };
	EOC
}

# The "drops" object of a stats JSON on stdin, as "name value" lines.
drop_counters() {
	sed -n 's/.*"drops":{\([^}]*\)}.*/\1/p' | tr ',' '\n' | tr -d '"' |
	    tr ':' ' '
}

# A count from soakgen's status file.
gen() {
	sed -n "s/^$1=//p" "$T_WORK/gen.status"
}

declare -A prev_drop
samples=0 prev_cpu= prev_pkts=

# One sample: print its line, keep its figures in the arrays below.
sample() {
	local t=$1 st rss fds cpu pkts cpp est emb clo name v d drops= up fl
	st=$("$SCTPTUNCTL" -s "$T_WORK/x.sock" -j show stats 2>/dev/null) ||
	    return 1
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status") || return 1
	fds=$(ls "/proc/$DPID/fd" | wc -l)
	cpu=$(cut -d' ' -f1 "/proc/$DPID/schedstat")
	pkts=$(($(json_num tun_rx_packets <<< "$st") +
	    $(json_num udp_rx_packets <<< "$st")))
	est=$(json_num established <<< "$st")
	emb=$(json_num embryonic <<< "$st")
	clo=$(json_num closing <<< "$st")
	cpp=0
	if [ -n "$prev_cpu" ] && [ "$pkts" -gt "$prev_pkts" ]; then
		cpp=$(((cpu - prev_cpu) / (pkts - prev_pkts)))
	fi
	while read -r name v; do
		d=$((v - ${prev_drop[$name]:-0}))
		[ "$d" -gt 0 ] && drops="$drops ${name#ingress_}+$d"
		prev_drop[$name]=$v
	done < <(drop_counters <<< "$st")
	up=$(gen established 2>/dev/null)
	fl=$(gen failed 2>/dev/null)
	printf '  %4ss rss %6s KiB  fds %3s  cpu %6s ns/pkt (%7s pkts)' \
	    "$t" "$rss" "$fds" "$cpp" "$((pkts - ${prev_pkts:-0}))"
	printf '  table est %5s emb %4s clo %4s  up %6s failed %s  drops:%s\n' \
	    "$est" "$emb" "$clo" "${up:-0}" "${fl:-0}" "${drops:- none}"
	[ $((est + clo)) -le "$max_assocs" ] &&
	    [ "$emb" -le "$max_embryonic" ] ||
	    problem "table above its limits at ${t}s: $est + $clo" \
	    "settled, $emb embryonic"
	S_T[samples]=$t S_RSS[samples]=$rss S_FDS[samples]=$fds
	S_CPP[samples]=$cpp
	samples=$((samples + 1))
	prev_cpu=$cpu prev_pkts=$pkts
}

# Flat after the warm-up: memory, descriptors, CPU per packet.
check_flat() {
	local i first= n=0 a=0 b=0 na=0 nb=0 rmax=0 fmax=0
	for ((i = 0; i < samples; i++)); do
		[ "${S_T[i]}" -ge "$warmup" ] || continue
		[ -n "$first" ] || first=$i
		[ "${S_RSS[i]}" -gt "$rmax" ] && rmax=${S_RSS[i]}
		[ "${S_FDS[i]}" -gt "$fmax" ] && fmax=${S_FDS[i]}
		n=$((n + 1))
	done
	[ -n "$first" ] || { problem "no sample after the warm-up"; return; }
	echo "  after the warm-up (${warmup} s): rss ${S_RSS[first]} ->" \
	    "max $rmax KiB, fds ${S_FDS[first]} -> max $fmax"
	[ $((rmax - S_RSS[first])) -le "$rss_slack" ] ||
	    problem "resident memory grew by $((rmax - S_RSS[first])) KiB" \
	    "(slack $rss_slack)"
	[ $((fmax - S_FDS[first])) -le 2 ] ||
	    problem "file descriptors grew by $((fmax - S_FDS[first]))"
	for ((i = first; i < samples; i++)); do
		if [ $(((i - first) * 3)) -lt "$n" ]; then
			a=$((a + S_CPP[i])) na=$((na + 1))
		elif [ $(((i - first) * 3)) -ge $((2 * n)) ]; then
			b=$((b + S_CPP[i])) nb=$((nb + 1))
		fi
	done
	[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || return
	echo "  CPU per packet: first third after warm-up $((a / na)) ns," \
	    "last third $((b / nb)) ns"
	[ $((b / nb)) -le $((2 * a / na)) ] ||
	    problem "CPU per packet more than doubled"
}

# The "show assocs" JSON on stdin as "ltag ptag state rx tx port" lines,
# port that of the first transport.
assoc_lines() {
	awk 'BEGIN { RS = "[{]\"id\":" }
	function num(k,   s) {
		if (!match($0, "\"" k "\":[0-9]+"))
			return -1
		s = substr($0, RSTART, RLENGTH)
		sub(/.*:/, "", s)
		return s
	}
	NR > 1 {
		st = $0
		sub(/.*"state":"/, "", st)
		sub(/".*/, "", st)
		tp = $0
		if (sub(/.*"transports":\[[{]"address":"[^"]*","udp_port":/,
		    "", tp))
			sub(/[^0-9].*/, "", tp)
		else
			tp = -1
		print num("local_tag"), num("peer_tag"), st,
		    num("rx_packets"), num("tx_packets"), tp
	}'
}

# Every long-lived association is there, established, at its last port,
# and carried its traffic.
check_long_lived() {
	local bad
	"$SCTPTUNCTL" -s "$T_WORK/x.sock" -j show assocs \
	    > "$T_WORK/assocs.json" || { problem "show assocs failed"; return; }
	assoc_lines < "$T_WORK/assocs.json" > "$T_WORK/assocs.txt"
	bad=$(awk '
	NR == FNR { have[$1 " " $2] = $3 " " $4 " " $5 " " $6; next }
	{
		key = $1 " " $2
		if ($8 != "up") { print key ": never came up"; next }
		if (!(key in have)) { print key ": missing"; next }
		split(have[key], h, " ")
		if (h[1] != "established") print key ": " h[1]
		else if (h[4] != $3) print key ": udp port " h[4] ", not " $3
		else if ($5 < 0.9 * $4 || $7 < 0.9 * $6)
			print key ": saw " $5 "/" $4 " out, " $7 "/" $6 " in"
		else if ($5 > $4 || $7 > $6)
			print key ": more delivered than sent"
		else if (h[3] < $5 || h[2] < $7)
			print key ": sctptund counted less than was delivered"
		else
			ok++
	}
	END { print ok + 0 " fine" }' "$T_WORK/assocs.txt" "$T_WORK/long.txt")
	echo "  long-lived associations: $(tail -n 1 <<< "$bad") of" \
	    "$nlong; in the table at the end: $(wc -l < "$T_WORK/assocs.txt")"
	while read -r l; do
		problem "long-lived $l"
	done < <(head -n -1 <<< "$bad" | head -n 10)
}

# soakgen's end counts, and how many associations sctptund established.
check_generator() {
	local started up
	echo "  soakgen: $(tr '\n' ' ' < "$T_WORK/gen.status")"
	[ "$(gen misdirected)" = 0 ] ||
	    problem "$(gen misdirected) egress packets to a port no longer used"
	[ "$(gen hijacked)" = 0 ] ||
	    problem "$(gen hijacked) egress packets to the hostile sender"
	started=$(gen started)
	up=$("$SCTPTUNCTL" -s "$T_WORK/x.sock" -j show stats |
	    json_num established_total)
	echo "  associations started $started; established by sctptund" \
	    "${up:-?}; setups the INIT flood pushed out: $(gen untracked)"
	[ "$((${up:-0} * 10))" -ge "$((started * 9))" ] &&
	    [ "$started" -gt 0 ] ||
	    problem "sctptund established only ${up:-0} of $started" \
	    "associations"
	[ "$(gen untracked)" -le $((started - ${up:-0})) ] ||
	    problem "$(gen untracked) associations sent to the configured" \
	    "port, more than the $((started - ${up:-0})) never established"
}

[ -c /dev/net/tun ] || fail "no /dev/net/tun"
make -s -C "$top_builddir" t/bench/soakgen >&2 || fail "cannot build soakgen"
topo_direct || fail "cannot build the namespaces"
write_conf
start_daemon || fail "sctptund did not start"

echo "Soak of sctptund (host $(uname -r), $(nproc) CPUs): $secs s," \
    "$assocs associations ($nlong long-lived), $hostile hostile datagrams/s;"
echo "  limits $max_assocs associations, $max_embryonic embryonic;" \
    "idle timeout 30 s, embryonic 10 s; a line every $interval s"
ip netns exec "$NS_A" "$soakgen" -y "/run/netns/$NS_B" -l "$TOPO_A4" \
    -p "$TOPO_B4" -t "$secs" -n "$assocs" -L "$nlong" -H "$hostile" \
    -s "$T_WORK/gen.status" -o "$T_WORK/long.txt" \
    > "$T_WORK/gen.out" 2>&1 &
GPID=$!
at_exit "kill $GPID 2>/dev/null"
t0=$(date +%s)
sample 0 || fail "sctptund does not answer"
next=$interval
while kill -0 "$GPID" 2>/dev/null; do
	sleep 1
	[ $(($(date +%s) - t0)) -ge "$next" ] || continue
	sample "$next" || { problem "sctptund died at about ${next}s"; break; }
	next=$((next + interval))
done
wait "$GPID" || problem "soakgen failed: $(cat "$T_WORK/gen.out")"
if kill -0 "$DPID" 2>/dev/null; then
	check_flat
	check_long_lived
	check_generator
else
	problem "sctptund is gone: $(tail -n 5 "$T_WORK/x.log")"
fi
echo "  sctptund's totals: $("$SCTPTUNCTL" -s "$T_WORK/x.sock" show stats 2>&1 |
    grep -E '^  (created|established|removed|expired|evicted|full|ports)' |
    awk '{ printf "%s %s, ", $1, $2 }')"
stop_daemon ||
    problem "sctptund did not exit cleanly: $(tail -n 5 "$T_WORK/x.log")"
echo "  sctptund's log: $(wc -l < "$T_WORK/x.log") lines (warnings are" \
    "rate-limited)"
if [ ${#problems[@]} -gt 0 ]; then
	echo "SOAK FAILED: ${#problems[@]} problem(s)"
	exit 1
fi
echo "SOAK PASSED"
exit 0
