# Scenario: replicas behind a UDP load balancer (CLUSTER.md, issue 11).
# A client runs a paced, verified echo transfer (sctp_echo) to the service
# address VIP; the load balancer LB (t/lib/lb.sh) DNATs the flow to one of
# two or three backends by a hash, each backend running sctptund and a
# kernel SCTP echo server.  Mid-transfer something moves the client's flow
# to another backend, whose kernel does not hold the association:
#
#   rebind        the client's NAT rebinds: masquerading moves to a port
#                 that LB hashes to another backend (two such ports are
#                 found first, by probing, before any backend listens)
#   rehash        the backend set changes: B3 joins and takes over the
#                 hash buckets of the flow's backend, LB forgets its flows
#   multihome     a client with two public addresses (no NAT), LB mapping
#                 each to its own backend; path 1 goes down at link level
#                 and the client's packets leave from path 2's address.
#                 The client is the kernel's own RFC 6951 here: a client
#                 sctptund would pin the source of the VIP's route.
#   owner-killed  the owner's sctptund is killed and it leaves the map:
#                 the client is aborted within 3 s (the member that gets
#                 the flow finds no live owner and lets its kernel send
#                 the T-bit ABORT), and a new association works
#   forged        relay messages captured on LB, then replayed, forged and
#                 sent from a non-member: dropped and counted by reason,
#                 nothing reaches the owner's kernel
#
# The client's sctptund (nat mode) sends to the VIP; backends have the
# client side (100.64.0.0/16) as their peer.  The control run (rebind,
# rehash, multihome) is without `cluster`: the other backend's kernel
# answers out of the blue with an ABORT, the client sees its association
# die within seconds.  The cluster run is the same with `cluster = { ... }`
# in every backend: every message comes back, the relay counters and the
# owner's table show the path through the member.  When sctptund does not
# know `cluster` (sctptund -n refuses the section) the cluster runs are
# skipped, saying so.  Control and cluster runs share one VM boot.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"
. "$T_LIB/lb.sh"

case_=${1:-rebind}
# The control run's transfer is longer: it must last until the move (and
# dies then); the cluster run's must outlast the move.
N=${CLUSTER_N:-1200}
N_CONTROL=$((N * 3))
CPORT=9900
export STUN_STATE_FILE=

case $case_ in
multihome) mode=dual nb=2 ;;
rehash|owner-killed) mode=nat nb=3 ;;
rebind) mode=nat nb=3 ;;
forged) mode=nat nb=2 ;;
*) tap_bail "unknown case $case_" ;;
esac

# Client and backends: heartbeats every second and RTO at most 2 s, so
# that paths are probed and recover fast; backends give a path up after 2
# retransmissions.  Before any SCTP socket exists.
lb_topo "$mode" "$nb" || tap_bail "cannot build the load-balancer topology"
for ns in "$NS_C" "${NS_BK[@]:1}"; do
	in_ns "$ns" sysctl -qw net.sctp.hb_interval=1000 \
	    net.sctp.rto_max=2000 >/dev/null || tap_bail "net.sctp sysctls"
done
for k in $(seq "$nb"); do
	in_ns "${NS_BK[k]}" sysctl -qw net.sctp.path_max_retrans=2 >/dev/null
done
topo_block_native_sctp || tap_bail "cannot block native SCTP"
tap_diag "topology $mode: client ${LB_C}${LB_C2:+ and $LB_C2}${LB_PUB:+ (NAT $LB_PUB)}," \
    "VIP $LB_VIP, backends ${LB_B[*]:1}"

# The cluster runs are skipped only when sctptund does not know the
# section; any other refusal of the probe's configuration is a failure.
have_cluster=
if lb_cluster_supported; then
	have_cluster=1
elif grep -q "unknown key 'cluster'" "$T_WORK/cluster-probe.out"; then
	tap_diag "sctptund has no cluster support:" \
	    "$(head -n 1 "$T_WORK/cluster-probe.out")"
else
	tap_fail "sctptund -n accepts a cluster section"
	tap_diag "$(cat "$T_WORK/cluster-probe.out")"
	have_cluster=1
fi

if [ "$mode" = dual ]; then
	# The client's kernel encapsulates by itself (RFC 6951), choosing
	# each packet's source address from the main table: when link 1 goes
	# down, its packets to the VIP leave from path 2's address.  (Through
	# a client sctptund they would keep the source of the route it
	# installed for the VIP, path 1's.)
	kernel_encap "$NS_C" || tap_bail "cannot set the client's RFC 6951"
	tap_diag "client: the kernel's own RFC 6951"
else
	lb_conf c "$LB_VIP/32"
	tap_ok "sctptund starts in the client" stun_start "$NS_C" c
fi
# The echo servers, started afresh for every run on a port of their own
# (SRV_PORT): an association the previous run left in a backend's kernel
# (its client aborted) must not linger into the next, and a killed
# server's port stays taken while its associations shut down.
declare -a SRV_PID
SRV_PORT=6999
servers_start() {
	local k
	SRV_PORT=$((SRV_PORT + 1))
	for k in $(seq "$nb"); do
		[ -n "${SRV_PID[k]:-}" ] && kill "${SRV_PID[k]}" 2> /dev/null
		bg_start "server$k-$SRV_PORT" "${NS_BK[k]}" "$SCTP_ECHO" \
		    server -b "${LB_B[k]}" -p "$SRV_PORT" -S 4
		SRV_PID[k]=$BG_PID
	done
	for k in $(seq "$nb"); do
		wait_sctp_listen "${NS_BK[k]}" "$SRV_PORT" || return 1
	done
}

# Start sctptund in every live backend; $1: control or cluster.
backends_start() {
	local k ok=0
	for k in $(seq "$nb"); do
		if [ "$1" = cluster ]; then
			LB_CLUSTER=$(lb_cluster_conf "$k" "$CPORT")
		else
			LB_CLUSTER=
		fi
		LB_CLUSTER=$LB_CLUSTER lb_conf "b$k" "100.64.0.0/16"
		stun_start "${NS_BK[k]}" "b$k" || ok=1
	done
	return $ok
}

backends_stop() {
	local k
	for k in $(seq "$nb"); do
		stun_stop "b$k"
	done
}

# Per-backend LB counters, saved and compared.
declare -a SNAP
lb_snap() {
	read -r -a SNAP <<< "$(lb_all_hits)"
}
# A backend other than $1 whose LB counter grew since lb_snap ("" if none).
lb_moved() {
	local k
	local -a now
	read -r -a now <<< "$(lb_all_hits)"
	for k in $(seq "$nb"); do
		[ "$k" != "$1" ] || continue
		if [ "${now[k - 1]}" -gt "${SNAP[k - 1]}" ]; then
			echo "$k"
			return 0
		fi
	done
	return 1
}

# A counter of daemon NAME's "show cluster" (top level).
cl() {
	stun_ctl "$1" -j show cluster | json_num "$2"
}
# Field $3 of member $2 in daemon $1's "show cluster".
cl_member() {
	stun_ctl "$1" -j show cluster |
	    grep -o "{\"address\":\"$2\"[^}]*}" | json_num "$3"
}

# Wait until the client's association is up (sctp_echo says so).
client_up() {
	wait_until 30 grep -q "^sctp_echo: assoc .* up" "$T_WORK/$1.err"
}

# The daemons' last log lines, non-zero counters and tables, and LB's
# counters, after a failure.
dump_logs() {
	local f n
	for f in "$T_WORK"/c.log "$T_WORK"/b[0-9].log; do
		[ -f "$f" ] || continue
		n=$(basename "$f" .log)
		tap_diag "$n.log:" "$(tail -n "${1:-8}" "$f")"
		[ -n "$(stun_pid "$n")" ] || continue
		tap_diag "$n stats: $(stun_ctl "$n" -j show stats |
		    grep -o '"[a-z_0-9]*":[1-9][0-9]*' | tr '\n' ' ')"
		tap_diag "$n: $(stun_ctl "$n" show assocs)"
	done
	tap_diag "LB: hits $(lb_all_hits), stray $(lb_stray)," \
	    "replies $(lb_replies)"
}

# Start the client's transfer in the background: $1 run name, $2 count.
client_start() {
	local binds="-b $LB_C"
	[ -n "$LB_C2" ] && binds="$binds -b $LB_C2"
	rm -f "$T_WORK/$1.end"
	# The time it ended ($T_WORK/NAME.end, ms), for how fast it died.
	# shellcheck disable=SC2086
	(
		in_ns "$NS_C" "$SCTP_ECHO" client $binds -a "$LB_VIP" \
		    -p "$SRV_PORT" -n "$2" -S 4 -i 10 -t 90 \
		    > "$T_WORK/$1.out" 2> "$T_WORK/$1.err"
		rc=$?
		echo $(($(date +%s%N) / 1000000)) > "$T_WORK/$1.end"
		exit $rc
	) &
	CLIENT=$!
	at_exit "kill $CLIENT 2> /dev/null"
}

# Move the client's flow away from backend $1 the way the case says; sets
# K1 to the backend it now lands on (empty if none) and T_MOVE (ms).
perturb() {
	local k0=$1 i
	K1=
	T_MOVE=$(($(date +%s%N) / 1000000))
	case $case_ in
	rebind)
		# The NAT's new port: one LB hashes to another backend.
		lb_snap
		lb_nat_port "$(port_of $((k0 == PB_K ? PA_K : PB_K)) "$RUN_NO")"
		T_MOVE=$(($(date +%s%N) / 1000000))
		wait_until 10 lb_moved "$k0" > /dev/null
		K1=$(lb_moved "$k0")
		;;
	rehash|forged)
		# The backend set changes and LB forgets its flows.  rehash:
		# B3 joins and takes over the buckets of the flow's backend
		# (as consistent hashing hands some buckets to a new
		# backend); forged: the two backends trade their buckets.
		local -a old
		local m='' b
		read -r -a old <<< "$LB_MAP"
		for b in "${old[@]}"; do
			if [ "$case_" = rehash ]; then
				[ "$b" = "$k0" ] && b=3
			else
				b=$((3 - b))
			fi
			m+="${m:+ }$b"
		done
		lb_snap
		lb_map "$m"
		lb_forget
		T_MOVE=$(($(date +%s%N) / 1000000))
		# (The new map must move the flow while the client sends; if
		# it did not show, forget again, saying so in the log.  The
		# case that prompted this turned out to be a transfer already
		# over: lb_moved then sees nothing, whatever LB does.)
		for i in 1 2 3; do
			wait_until 3 lb_moved "$k0" > /dev/null && break
			tap_diag "the flow is still on B$k0: LB forgets again" \
			    "(hits $(lb_all_hits))" \
			    "$(in_ns "$NS_LB" nft list table ip st_lb |
			    grep -E 'zone set|dnat|counter')" \
			    "N: $(in_ns "$NS_N" nft list table ip st_nat |
			    grep -E 'counter|masq')" \
			    "c: $(stun_ctl c show assocs)"
			lb_forget
		done
		K1=$(lb_moved "$k0")
		;;
	multihome)
		lb_snap
		in_ns "$NS_C" ip link set veth1 down
		T_MOVE=$(($(date +%s%N) / 1000000))
		wait_until 10 lb_moved "$k0" > /dev/null
		K1=$(lb_moved "$k0")
		;;
	esac
	tap_diag "$(date +%T): the flow moved from B$k0 to B${K1:-?}"
	if [ -n "${T_CLUSTER_TRACE:-}" ]; then
		for i in 1 2 3 4; do
			sleep 1
			tap_diag "LB hits $(lb_all_hits), stray $(lb_stray);" \
			    "$(in_ns "$NS_LB" nft list chain ip st_lb zpre |
			    grep 'zone set')"
		done
	fi
}

# Put LB, the NAT and the client's links back as they were at the start.
reset_paths() {
	if [ "$case_" = multihome ]; then
		in_ns "$NS_C" ip link set veth1 up
		ip -n "$NS_C" route replace "$LB_VIP" via 100.64.1.254 \
		    dev veth1 metric 10
		lb_affinity "$LB_C:1 $LB_C2:2"
	elif [ "$case_" = rebind ]; then
		lb_hash "1 2 3" 0
		RUN_NO=$((RUN_NO + 1))
		lb_nat_port "$(port_of "$PA_K" "$RUN_NO")"
	else
		# Two backends in the map; B3, when there is one, is the
		# rehash case's scale-out.
		lb_hash "1 2" 0
	fi
	lb_forget
	if [ "$case_" != rebind ] && [ "$mode" = nat ]; then
		lb_nat_flush
	fi
	return 0
}

# The association moved mid-transfer.  $1: control or cluster.
run_move() {
	local run=$1 k0 aborts0 ootb0 t_end rc ms n=$N
	[ "$run" = control ] && n=$N_CONTROL
	tap_diag "---- $case_, $run run ----"
	reset_paths
	servers_start || tap_bail "the echo servers do not start"
	backends_start "$run" || { tap_fail "$run: sctptund starts in the backends"; return; }
	tap_pass "$run: sctptund starts in the backends${have_cluster:+ ($run)}"
	aborts0=$(snmp "$NS_C" SctpAborteds)
	client_start "$run" "$n"
	if ! client_up "$run"; then
		tap_fail "$run: the client's association is up"
		dump_logs
		kill "$CLIENT" 2> /dev/null
		backends_stop
		return
	fi
	tap_pass "$run: the client's association is up"
	k0=$(lb_backend_of 1)
	tap_ok "$run: LB sends the client's flow to one backend (B${k0:-?})" \
	    test -n "$k0"
	[ -n "$k0" ] || k0=1
	stun_ctl "b$k0" show assocs > "$T_WORK/$run-owner.assocs"
	tap_ok "$run: B$k0's sctptund holds the association" \
	    grep -q "established" "$T_WORK/$run-owner.assocs"
	ootb0=()
	for k in $(seq "$nb"); do
		ootb0[k]=$(snmp "${NS_BK[k]}" SctpOutOfBlues)
	done
	# The owner's table while the transfer runs: the first one that
	# shows a path through a member (the transfer may end soon after).
	: > "$T_WORK/owner.assocs"
	if [ "$run" = cluster ]; then
		watch_via "$k0" &
		at_exit "kill $! 2> /dev/null"
	fi
	perturb "$k0"
	tap_ok "$run: LB now sends the client's flow to another backend (B${K1:-?})" \
	    test -n "$K1"
	[ -n "$K1" ] || K1=$(( k0 % nb + 1 ))
	bg_wait "$CLIENT" 120
	rc=$?
	t_end=$(cat "$T_WORK/$run.end" 2> /dev/null ||
	    echo $(($(date +%s%N) / 1000000)))
	ms=$((t_end - T_MOVE))
	tap_diag "client ($run, exit $rc, ${ms} ms after the move):" \
	    "$(cat "$T_WORK/$run.out")" "$(tail -n 4 "$T_WORK/$run.err")"
	if [ "$run" = control ]; then
		tap_ok "control: the association dies (client exit $rc)" \
		    test "$rc" != 0
		tap_ok "control: the client lost the association" \
		    grep -q "association lost" "$T_WORK/$run.err"
		tap_ok "control: it died fast ($ms ms after the move): an ABORT, not a timeout" \
		    test "$rc" != 0 -a "$ms" -lt 15000
		tap_ok "control: the client's kernel counted the abort" \
		    test "$(snmp "$NS_C" SctpAborteds)" -gt "$aborts0"
		tap_ok "control: B$K1's kernel answered out of the blue" \
		    test "$(snmp "${NS_BK[K1]}" SctpOutOfBlues)" -gt "${ootb0[K1]}"
	else
		tap_is "$rc" 0 "cluster: the transfer survived the move"
		tap_ok "cluster: the client verified all $N" \
		    grep -q "verified=$N " "$T_WORK/$run.out"
		tap_is "$(snmp "$NS_C" SctpAborteds)" "$aborts0" \
		    "cluster: no abort at the client"
		tap_is "$(snmp "${NS_BK[K1]}" SctpOutOfBlues)" "${ootb0[K1]}" \
		    "cluster: B$K1's kernel never saw the association's packets"
		cluster_checks "$k0" "$K1"
	fi
	tap_diag "LB: stray backend flows dropped $(lb_stray), replies $(lb_replies)"
	if [ "$case_" = multihome ] && [ "$run" = control ]; then
		# B1's heartbeats to path 2's address: no flow to answer
		# through (CLUSTER.md's last paragraph).
		tap_ok "control: LB dropped B1's own packets to path 2" \
		    test "$(lb_stray)" -gt 0
	fi
	backends_stop
}

# Poll daemon b$1's table while the client runs; keep the first that
# shows a transport reached through a member in $T_WORK/owner.assocs.
watch_via() {
	while kill -0 "$CLIENT" 2> /dev/null; do
		stun_ctl "b$1" show assocs > "$T_WORK/owner.poll" 2>&1
		if grep -q ", via " "$T_WORK/owner.poll"; then
			mv "$T_WORK/owner.poll" "$T_WORK/owner.assocs"
			return 0
		fi
		sleep 0.2
	done
}

# The relay's counters after a move from owner $1 to backend $2.
cluster_checks() {
	local o=$1 r=$2 v
	stun_ctl "b$o" -j show cluster > "$T_WORK/owner.cluster"
	stun_ctl "b$r" -j show cluster > "$T_WORK/relay.cluster"
	tap_diag "B$o (owner): $(cat "$T_WORK/owner.cluster")" \
	    "$(cat "$T_WORK/owner.assocs")"
	tap_diag "B$r (relay): $(cat "$T_WORK/relay.cluster")"
	v=$(json_num relay_tx_packets < "$T_WORK/relay.cluster")
	tap_ok "cluster: B$r relayed the client's packets ($v)" test "${v:-0}" -gt 0
	v=$(grep -o "{\"address\":\"${LB_B[o]}\"[^}]*}" "$T_WORK/relay.cluster" |
	    json_num relayed_to)
	tap_ok "cluster: B$r's member entry for B$o counts them ($v)" \
	    test "${v:-0}" -gt 0
	v=$(json_num relay_rx_packets < "$T_WORK/owner.cluster")
	tap_ok "cluster: B$o received them ($v)" test "${v:-0}" -gt 0
	v=$(grep -o "{\"address\":\"${LB_B[r]}\"[^}]*}" "$T_WORK/owner.cluster" |
	    json_num relayed_from)
	tap_ok "cluster: B$o's member entry for B$r counts them ($v)" \
	    test "${v:-0}" -gt 0
	v=$(json_num send_tx_packets < "$T_WORK/owner.cluster")
	tap_ok "cluster: B$o sent its replies back through B$r ($v)" \
	    test "${v:-0}" -gt 0
	v=$(json_num send_rx_packets < "$T_WORK/relay.cluster")
	tap_ok "cluster: B$r sent them on from its socket ($v)" \
	    test "${v:-0}" -gt 0
	tap_ok "cluster: B$o's table shows a transport via B$r" \
	    grep -q ", via ${LB_B[r]}" "$T_WORK/owner.assocs"
	for f in relay_auth_failures relay_replays relay_malformed \
	    relay_unknown_member; do
		tap_is "$(json_num "$f" < "$T_WORK/owner.cluster")$(json_num \
		    "$f" < "$T_WORK/relay.cluster")" 00 "cluster: no $f"
	done
}

# The owner's sctptund killed, and the owner out of LB's map: the client
# gets an ABORT at once (from a member that knows the owner is gone), and
# a new association works.
run_owner_killed() {
	local k0 k j others='' aborts0 ootb0 rc ms
	reset_paths
	lb_hash "1 2 3" 0
	lb_forget
	servers_start || tap_bail "the echo servers do not start"
	backends_start cluster || { tap_fail "cluster: sctptund starts in the backends"; return; }
	tap_pass "cluster: sctptund starts in the backends"
	aborts0=$(snmp "$NS_C" SctpAborteds)
	R=killed
	# As long as a control run's: it must outlast the kill, and dies there.
	client_start killed "$N_CONTROL"
	tap_ok "the client's association is up" client_up "$R"
	sleep 1.5
	k0=$(lb_backend_of 1)
	tap_ok "LB sends the client's flow to one backend (B${k0:-?})" \
	    test -n "$k0"
	[ -n "$k0" ] || k0=1
	ootb0=()
	for k in $(seq "$nb"); do
		ootb0[k]=$(snmp "${NS_BK[k]}" SctpOutOfBlues)
		[ "$k" = "$k0" ] || others="$others $k"
	done
	lb_snap
	tap_diag "LB forwarded $(lb_between) datagrams between backends so far"
	tap_ok "B$k0's sctptund killed" stun_kill "b$k0"
	lb_hash "${others# }" 0
	lb_forget
	T_MOVE=$(($(date +%s%N) / 1000000))
	bg_wait "$CLIENT" 60
	rc=$?
	ms=$(( $(cat "$T_WORK/killed.end" 2> /dev/null ||
	    echo $(($(date +%s%N) / 1000000))) - T_MOVE ))
	tap_diag "client (exit $rc, ${ms} ms after the kill):" \
	    "$(cat "$T_WORK/killed.out")" "$(tail -n 4 "$T_WORK/killed.err")"
	K1=$(lb_moved "$k0")
	tap_ok "LB sent the flow to a live backend (B${K1:-?})" test -n "$K1"
	tap_ok "the client lost the association" \
	    grep -q "association lost" "$T_WORK/killed.err"
	tap_ok "the client's kernel counted the abort" \
	    test "$(snmp "$NS_C" SctpAborteds)" -gt "$aborts0"
	tap_ok "within 3 s of the kill ($ms ms)" test "$ms" -lt 3000
	if [ -n "$K1" ]; then
		# Nobody owns the tag now: B$K1 found no owner among the
		# live members and let its kernel answer (the T-bit ABORT).
		stun_ctl "b$K1" -j show cluster > "$T_WORK/killed.cluster"
		tap_ok "B$K1 sees B$k0 down" grep -q \
		    "\"address\":\"${LB_B[k0]}\",\"state\":\"down\"" \
		    "$T_WORK/killed.cluster"
		tap_ok "B$K1's kernel answered once no owner was found" \
		    test "$(snmp "${NS_BK[K1]}" SctpOutOfBlues)" -gt \
		    "${ootb0[K1]}"
		tap_is "$(json_num relay_tx_packets < "$T_WORK/killed.cluster")" \
		    0 "B$K1 relayed nothing (to a dead owner)"
	fi
	tap_diag "LB forwarded $(lb_between) datagrams between backends so far"
	# The live members still see each other up: only the dead one is down.
	for k in $others; do
		stun_ctl "b$k" -j show cluster > "$T_WORK/live$k.cluster"
		tap_diag "B$k: $(cat "$T_WORK/live$k.cluster")"
		for j in $others; do
			[ "$j" != "$k" ] || continue
			tap_ok "B$k sees B$j (alive) up" grep -q \
			    "\"address\":\"${LB_B[j]}\",\"state\":\"up\"" \
			    "$T_WORK/live$k.cluster"
		done
	done
	client_start again 100
	bg_wait "$CLIENT" 60
	rc=$?
	tap_diag "new association: $(cat "$T_WORK/again.out")"
	tap_is "$rc" 0 "a new association works"
	tap_ok "it verified all 100" grep -q "verified=100 " "$T_WORK/again.out"
}

# Relay messages captured on LB, then replayed and forged towards the
# owner: dropped and counted, nothing reaches its kernel.
run_forged() {
	local o r i n f cap=$T_WORK/relay v0 v1 in0 ootb0
	run_forged_move || return
	o=$FO r=$FR
	n=$(ls "$cap".* 2>/dev/null | wc -l)
	tap_ok "relay messages from B$r to B$o captured on LB ($n)" \
	    test "$n" -gt 0
	[ "$n" -gt 0 ] || return
	sleep 2
	in0=$(snmp "${NS_BK[o]}" SctpInSCTPPacks)
	ootb0=$(snmp "${NS_BK[o]}" SctpOutOfBlues)
	stun_ctl "b$o" -j show cluster > "$T_WORK/before.cluster"
	# Replayed as they were, from B$r's own address and relay port.
	for f in "$cap".*; do
		in_ns "${NS_BK[r]}" "$T_CRAFT" -R -s "${LB_B[r]}" -p "$CPORT" \
		    "${LB_B[o]}" "$CPORT" file "$f"
	done
	# Forged: one byte flipped at the end, then in the middle.
	for i in end mid; do
		f=$T_WORK/forged-$i
		cp "$cap.1" "$f"
		local sz off
		sz=$(stat -c %s "$f")
		if [ "$i" = end ]; then off=$((sz - 1)); else off=$((sz / 2)); fi
		printf "\\x$(printf %02x $(( ( $(od -An -tu1 -j "$off" -N1 "$f") ^ 1 ) )))" |
		    dd of="$f" bs=1 seek="$off" conv=notrunc status=none
		in_ns "${NS_BK[r]}" "$T_CRAFT" -R -s "${LB_B[r]}" -p "$CPORT" \
		    "${LB_B[o]}" "$CPORT" file "$f"
	done
	# From an address that is no member (LB's own on B$o's link).
	in_ns "$NS_LB" "$T_CRAFT" -p "$CPORT" -s "10.9.$o.254" \
	    "${LB_B[o]}" "$CPORT" file "$cap.1"
	sleep 1
	stun_ctl "b$o" -j show cluster > "$T_WORK/after.cluster"
	tap_diag "B$o before: $(cat "$T_WORK/before.cluster")" \
	    "B$o after: $(cat "$T_WORK/after.cluster")"
	d() {
		echo $(( $(json_num "$1" < "$T_WORK/after.cluster") -
		    $(json_num "$1" < "$T_WORK/before.cluster") ))
	}
	tap_is "$(( $(d relay_replays) + $(d relay_stale) ))" "$n" \
	    "the $n replayed messages counted as replays (or stale)"
	tap_is "$(d relay_auth_failures)" 2 "the 2 forged ones as auth failures"
	tap_is "$(d relay_unknown_member)" 1 "the one from a non-member as such"
	tap_is "$(d relay_rx_packets)" 0 "none accepted as relayed packets"
	tap_is "$(snmp "${NS_BK[o]}" SctpInSCTPPacks)" "$in0" \
	    "nothing reached B$o's kernel"
	tap_is "$(snmp "${NS_BK[o]}" SctpOutOfBlues)" "$ootb0" \
	    "no out-of-the-blue packet at B$o's kernel"
}

# A cluster run of the rehash case, capturing the relay on LB; sets FO
# (owner) and FR (relaying backend).
run_forged_move() {
	local k0 rc
	reset_paths
	servers_start || tap_bail "the echo servers do not start"
	backends_start cluster || { tap_fail "cluster: sctptund starts in the backends"; return 1; }
	tap_pass "cluster: sctptund starts in the backends"
	R=forged
	client_start forged "$N"
	tap_ok "the client's association is up" client_up "$R"
	sleep 1.5
	k0=$(lb_backend_of 1)
	[ -n "$k0" ] || k0=1
	FR=$(( k0 % nb + 1 ))
	bg_start capture "$NS_LB" "$T_CAPTURE" -t 30 "veth-b$FR" "$CPORT" 8 \
	    "$T_WORK/relay"
	sleep 0.3
	perturb "$k0"
	FO=$k0
	[ -n "$K1" ] && FR=$K1
	bg_wait "$CLIENT" 120
	rc=$?
	tap_is "$rc" 0 "the transfer survived the move (B$FO to B$FR)"
	bg_wait "$BG_PID" 30
	return 0
}

# Rebinding: which backend LB hashes the NAT's address with port P to, for
# a few P, until two backends (PA_K, PB_K) have two ports each: run r
# (0 control, 1 cluster) starts on PORTS_OF[PA_K][r] and rebinds to
# PORTS_OF[PB_K][r].  Each run has ports of its own: after a run, the old
# owner's late packets to its port leave an unreplied conntrack entry in
# the NAT (the address-delete flush only removes masqueraded ones), and a
# mapping to that single port would clash with it until it expires.
# Probes from the client, before any backend listens.
declare -a PORTS_OF
RUN_NO=-1
probe_ports() {
	local p k n
	lb_hash "1 2 3" 0
	PA_K='' PB_K=''
	for p in $(seq 40001 40030); do
		lb_nat_port "$p"
		lb_snap
		in_ns "$NS_C" socat -u - UDP:"$LB_VIP":9899,sourceport=7777 \
		    <<< probe
		wait_until 3 lb_moved 0 > /dev/null
		k=$(lb_moved 0) || continue
		PORTS_OF[k]="${PORTS_OF[k]:-}${PORTS_OF[k]:+ }$p"
		n=$(wc -w <<< "${PORTS_OF[k]}")
		[ "$n" = 2 ] || continue
		if [ -z "$PA_K" ]; then
			PA_K=$k
		else
			PB_K=$k
			break
		fi
	done
	tap_diag "the NAT's ports ${PORTS_OF[PA_K]:-?} go to B${PA_K:-?}," \
	    "${PORTS_OF[PB_K]:-?} to B${PB_K:-?}"
	[ -n "$PB_K" ]
}

# Port number r (0 or 1) of backend $1's probed ports.
port_of() {
	local -a ps
	read -r -a ps <<< "${PORTS_OF[$1]}"
	echo "${ps[$2]}"
}

case $case_ in
rebind|rehash|multihome)
	if [ "$case_" = rebind ]; then
		tap_ok "two NAT ports that LB hashes to two backends" probe_ports
	fi
	# T_CLUSTER_RUNS (debugging): the runs to do, "control cluster".
	case " ${T_CLUSTER_RUNS:-control cluster} " in
	*" control "*) run_move control ;;
	esac
	if [ -n "$have_cluster" ]; then
		case " ${T_CLUSTER_RUNS:-control cluster} " in
		*" cluster "*) run_move cluster ;;
		esac
	else
		tap_skip "cluster run" "sctptund has no cluster section"
	fi
	;;
owner-killed)
	if [ -n "$have_cluster" ]; then
		run_owner_killed
	else
		tap_skip "owner killed" "sctptund has no cluster section"
	fi
	;;
forged)
	if [ -n "$have_cluster" ]; then
		run_forged
	else
		tap_skip "forged and replayed relay messages" \
		    "sctptund has no cluster section"
	fi
	;;
esac

tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
