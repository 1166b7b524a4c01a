# sctptun.sh: running sctptund, sctptunctl and the echo example inside the
# scenario namespaces.  Needs tap.sh and topo.sh sourced first, and the
# harness's variables SCTPTUND, SCTPTUNCTL, SCTP_ECHO, T_WORK.
#
#   stun_direct_addrs FAM        A, B and plen of topo_direct for IPv4/6
#   stun_pair PFX_OF_B PFX_OF_A  start sctptund a and b for each other
#   stun_nat_topo FAM            topo_nat, masquerading, native SCTP blocked;
#                                sets A, B, NAT (B's view of A) and plen
#   stun_nat_pair FAM            stun_nat_topo, sctptund a and b started
#   stun_wait_json NAME          wait for an established association (JSON)
#   stun_conf NAME PREFIX...     write $T_WORK/NAME.conf for those peers
#                                (state file $T_WORK/NAME.state, or
#                                STUN_STATE_FILE; "" for none; with
#                                STUN_DTLS, a top-level dtls group of that
#                                body, and STUN_PEER_DTLS the peer's)
#   stun_start NS NAME           run sctptund NAME in NS; wait until ready
#   stun_stop NAME               SIGTERM it; wait for it to exit (its rules
#                                and blackholes stay: it fails closed)
#   stun_kill NAME               SIGKILL it (a crash); reap it
#   stun_decommission NAME       sctptund -C for NAME in its namespace
#   stun_ctl NAME ARGS...        sctptunctl on NAME's control socket
#   json_num KEY                 first numeric value of "KEY" on stdin
#   kernel_encap NS              switch on the kernel's own RFC 6951 in NS
#   echo_server NS NAME ARGS...  start sctp_echo server in the background
#   stun_fast                    0 if the scenario runs with the fast path
#                                (T_FASTPATH=on, or STUN_FASTPATH=on)
#   stun_fast_filters NS         count sctptund's tc filters on NS's links
#   stun_fast_tap NAME [PCT]     TAP: NAME ran the fast path, and it carried
#                                at least PCT% (80) of the packets each way

# After topo_direct: A, B (addresses of family FAM, 4 or 6) and plen (the
# host prefix length for them).
stun_direct_addrs() {
	if [ "$1" = 6 ]; then
		A=$TOPO_A6 B=$TOPO_B6 plen=128
	else
		A=$TOPO_A4 B=$TOPO_B4 plen=32
	fi
}

# A configuration for daemon NAME with one peer holding the prefixes.
stun_conf() {
	local name=$1 p list= dtls= peer_dtls= rport=
	shift
	[ -n "${STUN_DTLS:-}" ] && dtls="dtls = { $STUN_DTLS };"
	[ -n "${STUN_PEER_DTLS+set}" ] && peer_dtls="dtls = { $STUN_PEER_DTLS };"
	[ -n "${STUN_REMOTE_PORT:-}" ] && rport="remote_port = $STUN_REMOTE_PORT;"
	for p in "$@"; do
		list="$list${list:+, }\"$p\""
	done
	cat > "$T_WORK/$name.conf" <<-EOC
	udp_port = ${STUN_UDP_PORT:-9899};
	fastpath = "${STUN_FASTPATH:-${T_FASTPATH:-off}}";
	tun = { name = "sctptun0"; mtu = ${STUN_MTU:-0}; table = 9899; rule_priority = 9899; };
	$dtls
	peers = ( { name = "far"; prefixes = [ $list ]; $rport strip_addresses = ${STUN_STRIP:-false}; $peer_dtls } );
	limits = { associations = 1024; embryonic = 64; idle_timeout = 600; };
	control = { socket = "$T_WORK/$name.sock"; };
	log = { level = "${STUN_LOG_LEVEL:-info}"; };
	state = { file = "${STUN_STATE_FILE-$T_WORK/$name.state}"; interval = ${STUN_STATE_INTERVAL:-5}; };
	EOC
}

# Start sctptund NAME in namespace NS and wait for its control socket.
stun_start() {
	local ns=$1 name=$2 i
	# ip netns exec execs the daemon: $! is the daemon itself.
	# STUN_WRAP: a command that execs the daemon (setpriv ...).
	ip netns exec "$ns" ${STUN_WRAP:-} "$SCTPTUND" -d -f "$T_WORK/$name.conf" \
	    > "$T_WORK/$name.log" 2>&1 &
	eval "STUN_PID_$name=$! STUN_NS_$name=$ns"
	at_exit "stun_stop $name"
	for i in $(seq 100); do
		if "$SCTPTUNCTL" -s "$T_WORK/$name.sock" show stats \
		    > /dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$(stun_pid "$name")" 2> /dev/null; then
			tap_diag "sctptund $name exited:" \
			    "$(cat "$T_WORK/$name.log")"
			return 1
		fi
		sleep 0.1
	done
	tap_diag "sctptund $name not ready after 10 s"
	return 1
}

# The process id of daemon NAME.
stun_pid() {
	eval "echo \${STUN_PID_$1:-}"
}

# Stop daemon NAME (SIGTERM) and wait for it; 0 if it exited cleanly.
stun_stop() {
	local pid rc
	pid=$(stun_pid "$1")
	[ -n "$pid" ] || return 0
	eval "STUN_PID_$1="
	kill -TERM "$pid" 2> /dev/null || return 1
	wait "$pid"
	rc=$?
	return $rc
}

# Kill daemon NAME with SIGKILL (a crash: no teardown) and reap it.
stun_kill() {
	local pid
	pid=$(stun_pid "$1")
	[ -n "$pid" ] || return 1
	eval "STUN_PID_$1="
	kill -KILL "$pid" 2> /dev/null || return 1
	wait "$pid" 2> /dev/null
	return 0
}

# sctptund -C for daemon NAME (stopped): remove its TUN, rules and routes
# for good; its output goes to $T_WORK/NAME.decommission.
stun_decommission() {
	local ns
	ns=$(eval "echo \${STUN_NS_$1:-}")
	[ -n "$ns" ] || return 1
	ip netns exec "$ns" "$SCTPTUND" -C -f "$T_WORK/$1.conf" \
	    > "$T_WORK/$1.decommission" 2>&1
}

# sctptunctl for daemon NAME.
stun_ctl() {
	local name=$1
	shift
	"$SCTPTUNCTL" -s "$T_WORK/$name.sock" "$@"
}

# topo_nat with masquerading and native SCTP blocked (counted and let
# through if STUN_NATIVE=count), for family FAM; sets A, B, NAT (B's view
# of A) and plen.  B is a server on the outside: it knows A only as the
# NAT's address and has no route into A's network.
stun_nat_topo() {
	topo_nat
	topo_nat_masquerade
	if [ "${STUN_NATIVE:-block}" = count ]; then
		topo_count_native_sctp
	else
		topo_block_native_sctp
	fi
	if [ "$1" = 6 ]; then
		A=$TOPO_A6 B=$TOPO_B6 NAT=$TOPO_RB6 plen=128
	else
		A=$TOPO_A4 B=$TOPO_B4 NAT=$TOPO_RB4 plen=32
	fi
	in_ns "$NS_B" ip -"$1" route del default 2> /dev/null
}

# stun_nat_topo, then sctptund in A (behind the NAT) and in B.
stun_nat_pair() {
	stun_nat_topo "$1"
	stun_conf a "$B/$plen"
	stun_conf b "$NAT/$plen"
	tap_ok "sctptund starts in A (behind the NAT)" stun_start "$NS_A" a
	tap_ok "sctptund starts in B" stun_start "$NS_B" b
}

# sctptund in A and in B, each with the other's prefix, as TAP tests.
stun_pair() {
	stun_conf a "$1"
	stun_conf b "$2"
	tap_ok "sctptund starts in A" stun_start "$NS_A" a
	tap_ok "sctptund starts in B" stun_start "$NS_B" b
}

# Wait up to 30 s until daemon NAME has an established association; its
# "show assocs" JSON is then in $T_WORK/NAME.json.
stun_wait_json() {
	local i
	for i in $(seq 150); do
		stun_ctl "$1" -j show assocs > "$T_WORK/$1.json"
		grep -q '"state":"established"' "$T_WORK/$1.json" && return 0
		sleep 0.2
	done
	return 1
}

# Wait up to 20 s until daemon NAME shows an established association;
# its "show assocs" text is then in $T_WORK/NAME.assocs.
stun_wait_established() {
	local i
	for i in $(seq 100); do
		stun_ctl "$1" show assocs > "$T_WORK/$1.assocs"
		grep -q "^assoc .* established" "$T_WORK/$1.assocs" && return 0
		sleep 0.2
	done
	return 1
}

# 0 if the daemons run with the fast path.
stun_fast() {
	[ "${STUN_FASTPATH:-${T_FASTPATH:-off}}" = on ]
}

# Assert that daemon NAME's fast path carried at least PCT% of the packets
# that crossed it each way (from its global counters: the fast path's
# against the user-space path's).  XRX and XTX (default 0): datagrams in
# and out that only the daemon may carry (IP fragments), left out of the
# user-space side.
stun_fast_tap() {
	local name=$1 pct=${2:-80} st frx ftx urx utx
	st=$(stun_ctl "$name" -j show stats)
	frx=$(echo "$st" | json_num fastpath_rx_packets)
	ftx=$(echo "$st" | json_num fastpath_tx_packets)
	urx=$(( $(echo "$st" | json_num udp_rx_packets) - ${3:-0} ))
	utx=$(( $(echo "$st" | json_num udp_tx_packets) - ${4:-0} ))
	tap_diag "$name: fast path rx ${frx:-?} tx ${ftx:-?}; user space" \
	    "rx ${urx:-?} tx ${utx:-?};" \
	    "$(echo "$st" | grep -o '"fastpath_[a-z_]*":[0-9]*' | tr '\n' ' ')"
	tap_ok "$name ran the fast path" \
	    grep -q "fast path on" "$T_WORK/$name.log"
	tap_ok "$name: the fast path decapsulated >= $pct% of the datagrams" \
	    test $(( ${frx:-0} * 100 )) -ge $(( (${frx:-0} + ${urx:-0}) * pct )) \
	    -a "${frx:-0}" -gt 0
	tap_ok "$name: the fast path encapsulated >= $pct% of the packets" \
	    test $(( ${ftx:-0} * 100 )) -ge $(( (${ftx:-0} + ${utx:-0}) * pct )) \
	    -a "${ftx:-0}" -gt 0
}

# How many of sctptund's tc filters the links of namespace NS hold.
stun_fast_filters() {
	local l n=0
	for l in $(in_ns "$1" ls /sys/class/net); do
		n=$(( n + $(in_ns "$1" tc filter show dev "$l" ingress \
		    2> /dev/null | grep -c 'sctptun') ))
		n=$(( n + $(in_ns "$1" tc filter show dev "$l" egress \
		    2> /dev/null | grep -c 'sctptun') ))
	done
	echo "$n"
}

# The first numeric value of KEY in the JSON on stdin.
json_num() {
	grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2
}

# The kernel's own RFC 6951 encapsulation in namespace NS, both ways.
kernel_encap() {
	in_ns "$1" bash -c 'echo 9899 > /proc/sys/net/sctp/udp_port &&
	    echo 9899 > /proc/sys/net/sctp/encap_port'
}

# An echo server in the background; stopped at exit.
echo_server() {
	local ns=$1 name=$2
	shift 2
	ip netns exec "$ns" "$SCTP_ECHO" server "$@" \
	    > "$T_WORK/$name.log" 2>&1 &
	at_exit "kill $! 2> /dev/null; wait $! 2> /dev/null"
	sleep 0.5
}
