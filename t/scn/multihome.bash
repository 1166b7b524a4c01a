# Scenario: a multihomed association, kernel app <-> sctptund <-> UDP <->
# sctptund <-> kernel app, over two independent links that drop native
# SCTP.  Argument "44": both paths IPv4; "46": link 1 IPv4, link 2 IPv6.
# Checks that each path learns its own port, keeps its own link and source
# address (the routing hard point), fails over when link 1 loses its UDP,
# and comes back when link 1 does.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

mode=${1:-44}
COUNT=${MH_COUNT:-4000}

topo_dual || tap_bail "cannot build the dual-path topology"
A1=$TOPO_A4 B1=$TOPO_B4
if [ "$mode" = 46 ]; then
	A2=$TOPO_A6_2 B2=$TOPO_B6_2 plen2=128
else
	A2=$TOPO_A4_2 B2=$TOPO_B4_2 plen2=32
fi

# The tc protocol of an address.
proto() {
	case $1 in *:*) echo ipv6 ;; *) echo ip ;; esac
}

# Count the tunnel's UDP leaving each link of NS, in all and by source, at
# the links' tc egress: both of sctptund's paths pass there (netfilter's
# output hook never sees a packet the fast path sends).  Counter prefs:
# 11 and 12 all (IPv4, IPv6), 13 with the link's own source, 14 with the
# other link's.
count_sources() {
	local ns=$1 l1=$2 l2=$3 k own other
	for k in 1 2; do
		if [ $k = 1 ]; then own=$l1 other=$l2; else own=$l2 other=$l1; fi
		in_ns "$ns" tc qdisc add dev "veth$k" clsact 2> /dev/null
		tc_counter "$ns" "veth$k" 11 ip &&
		    tc_counter "$ns" "veth$k" 12 ipv6 &&
		    tc_counter "$ns" "veth$k" 13 "$(proto "$own")" src_ip "$own" &&
		    tc_counter "$ns" "veth$k" 14 "$(proto "$other")" \
		    src_ip "$other" || return 1
	done
}

# A tc egress filter on IFNAME in NS at PREF that counts UDP to 9899 of
# PROTO, further flower matches after it, and lets it pass.
tc_counter() {
	local ns=$1 ifn=$2 pref=$3 proto=$4
	shift 4
	in_ns "$ns" tc filter add dev "$ifn" egress pref "$pref" \
	    protocol "$proto" flower ip_proto udp dst_port 9899 "$@" \
	    action continue
}

# The packets tc_counter's filter at PREF on IFNAME in NS counted.
tc_counted() {
	local n
	n=$(in_ns "$1" tc -s filter show dev "$2" egress pref "$3" |
	    sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p' | head -n 1)
	echo "${n:-0}"
}

# "rx tx" packets of daemon NAME's transport ADDR (empty if none).
tcounts() {
	stun_ctl "$1" show assocs |
	    sed -n "s/^ *transport $2: .*packets \([0-9]*\) in \([0-9]*\) out.*/\
\1 \2/p" |
	    head -n 1
}

# Field F (1: rx, 2: tx) of tcounts, 0 if the transport is gone.
tcount() {
	local rx tx
	read -r rx tx <<< "$(tcounts "$1" "$2")"
	if [ "$3" = 1 ]; then echo "${rx:-0}"; else echo "${tx:-0}"; fi
}

# True if daemon NAME learned a port for ADDR from packets it received.
learned_rx() {
	stun_ctl "$1" show assocs |
	    grep -q "^ *transport $2: udp port 9899 (learned .*packets [1-9][0-9]* in"
}

# True if both daemons learned both paths.
all_learned() {
	learned_rx a "$B1" && learned_rx a "$B2" &&
	    learned_rx b "$A1" && learned_rx b "$A2"
}

# True if field F of NAME's transport ADDR grew past MIN.
grew() {
	[ "$(tcount "$1" "$2" "$3")" -gt "$4" ]
}

# The kernel's view of the paths, for the log.
paths() {
	tap_diag "A remaddr: $(in_ns "$NS_A" cat /proc/net/sctp/remaddr)"
	tap_diag "B remaddr: $(in_ns "$NS_B" cat /proc/net/sctp/remaddr)"
}

# Heartbeats every second, so that the secondary path is heard from (and
# its port learned) soon; RTO at most 2 s, so that a path comes back soon
# after its link.  Before any SCTP socket exists.
for ns in "$NS_A" "$NS_B"; do
	in_ns "$ns" sysctl -qw net.sctp.hb_interval=1000 \
	    net.sctp.rto_max=2000 >/dev/null ||
	    tap_bail "cannot set net.sctp sysctls"
done
topo_block_native_sctp || tap_bail "cannot block native SCTP"
count_sources "$NS_A" "$A1" "$A2" && count_sources "$NS_B" "$B1" "$B2" ||
    tap_bail "cannot add the source counters"

stun_conf a "$B1/32" "$B2/$plen2"
stun_conf b "$A1/32" "$A2/$plen2"
tap_ok "sctptund starts in A" stun_start "$NS_A" a
tap_ok "sctptund starts in B" stun_start "$NS_B" b

# The routing hard point: the tunnel table's route to each peer address
# carries the local address of that address's link as the preferred
# source, the one the kernel's SCTP then uses on that path.  (ip route get
# cannot ask for protocol 132: the kernel only takes TCP, UDP and ICMP.)
for pair in "$NS_A $B1 $A1" "$NS_A $B2 $A2" "$NS_B $A1 $B1" "$NS_B $A2 $B2"; do
	read -r ns dst src <<< "$pair"
	fam=4
	case $dst in *:*) fam=6 ;; esac
	r=$(in_ns "$ns" ip -$fam route show table 9899 | grep "^$dst ")
	tap_ok "$ns: route to $dst via sctptun0 with source $src" \
	    grep -q "dev sctptun0 .*src $src " <<< "$r "
	tap_diag "  $r"
done

echo_server "$NS_B" server -b "$B1" -b "$B2" -p 7000 -S 4
t0=$(date +%s)
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A1" -b "$A2" -a "$B1" -a "$B2" \
    -p 7000 -n "$COUNT" -S 4 -s 700 -i 10 -t 400 \
    > "$T_WORK/client.out" 2> "$T_WORK/client.err" &
client=$!
at_exit "kill $client 2> /dev/null"
tap_ok "A's table shows an established association" stun_wait_established a
tap_ok "B's table too" stun_wait_established b

# Both paths heard from: heartbeats on the secondary.
tap_ok "both sides learned both paths' ports from received packets" \
    wait_until 30 all_learned
stun_ctl a show assocs > "$T_WORK/a.assocs"
stun_ctl b show assocs > "$T_WORK/b.assocs"
tap_diag "A: $(cat "$T_WORK/a.assocs")"
tap_diag "B: $(cat "$T_WORK/b.assocs")"
tap_is "$(grep -c '^ *transport ' "$T_WORK/a.assocs")" 2 \
    "A lists two transports"
tap_is "$(grep -c '^ *transport ' "$T_WORK/b.assocs")" 2 \
    "B lists two transports"
for pair in "a $B1" "a $B2" "b $A1" "b $A2"; do
	read -r name addr <<< "$pair"
	tap_ok "$name: transport $addr learned port 9899 and received packets" \
	    learned_rx "$name" "$addr"
done

# Failover: link 1 loses the tunnel's UDP in both directions.
sleep 2
a1=$(tcount a "$B1" 2) a2=$(tcount a "$B2" 2)
b1=$(tcount b "$A1" 2) b2=$(tcount b "$A2" 2)
tap_diag "before the cut ($(($(date +%s) - t0)) s): A tx $B1 $a1, $B2 $a2;" \
    "B tx $A1 $b1, $A2 $b2"
tap_ok "link 1 blocked" eval 'topo_link_block "$NS_A" veth1 "udp dport 9899" &&
    topo_link_block "$NS_B" veth1 "udp dport 9899"'
tap_ok "A's traffic moves to path 2 (tx to $B2 grows by 100)" \
    wait_until 60 grew a "$B2" 2 $((a2 + 100))
tap_ok "B's traffic moves to path 2 (tx to $A2 grows by 100)" \
    wait_until 60 grew b "$A2" 2 $((b2 + 100))
paths
a1=$(tcount a "$B1" 2) a2=$(tcount a "$B2" 2)
b1=$(tcount b "$A1" 2) b2=$(tcount b "$A2" 2)
sleep 3
da1=$(($(tcount a "$B1" 2) - a1)) da2=$(($(tcount a "$B2" 2) - a2))
db1=$(($(tcount b "$A1" 2) - b1)) db2=$(($(tcount b "$A2" 2) - b2))
tap_diag "3 s on path 2 ($(($(date +%s) - t0)) s): A tx +$da1 path 1," \
    "+$da2 path 2; B tx +$db1 path 1, +$db2 path 2"
tap_ok "A sends mostly on path 2 while link 1 is cut" \
    test "$da2" -gt $((da1 * 4))
tap_ok "B too" test "$db2" -gt $((db1 * 4))
tap_ok "the client is still running" kill -0 "$client"

# Recovery: heartbeats confirm path 1, and the primary is used again.
ar=$(tcount a "$B1" 1) br=$(tcount b "$A1" 1)
a1=$(tcount a "$B1" 2) b1=$(tcount b "$A1" 2)
tap_ok "link 1 unblocked" eval 'topo_link_unblock "$NS_A" veth1 &&
    topo_link_unblock "$NS_B" veth1'
tap_ok "A hears from $B1 again" wait_until 30 grew a "$B1" 1 "$ar"
tap_ok "B hears from $A1 again" wait_until 30 grew b "$A1" 1 "$br"
tap_ok "A's data returns to the primary path (tx to $B1 grows by 100)" \
    wait_until 60 grew a "$B1" 2 $((a1 + 100))
tap_ok "B's data returns to the primary path (tx to $A1 grows by 100)" \
    wait_until 60 grew b "$A1" 2 $((b1 + 100))
paths
stun_ctl a show assocs > "$T_WORK/a.assocs"
tap_diag "A ($(($(date +%s) - t0)) s): $(cat "$T_WORK/a.assocs")"
tap_ok "the client was still running then" kill -0 "$client"

bg_wait "$client" 300
rc=$?
tap_diag "client ($(($(date +%s) - t0)) s):" \
    "$(tail -n 5 "$T_WORK/client.out" "$T_WORK/client.err")"
tap_is "$rc" 0 \
    "$COUNT messages on 4 streams echoed byte-exact across the failover"
tap_ok "client verified all $COUNT" \
    grep -q "verified=$COUNT " "$T_WORK/client.out"

if stun_fast; then
	stun_fast_tap a
	stun_fast_tap b
fi
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
for side in a b; do
	ns=$NS_A
	[ $side = a ] || ns=$NS_B
	for k in 1 2; do
		all=$(( $(tc_counted "$ns" "veth$k" 11) +
		    $(tc_counted "$ns" "veth$k" 12) ))
		own=$(tc_counted "$ns" "veth$k" 13)
		other=$(tc_counted "$ns" "veth$k" 14)
		tap_diag "$side link $k: $all UDP packets, $own from link $k's" \
		    "address, $other from the other link's"
		tap_ok "$side: link $k carried tunnel packets" test "$own" -gt 0
		tap_is "$other" 0 "$side: none with the other link's source on link $k"
		tap_is "$all" "$own" "$side: every one from link $k's address"
	done
done

tap_ok "sctptund A exits cleanly on SIGTERM" stun_stop a
tap_ok "sctptund B exits cleanly on SIGTERM" stun_stop b
tap_done
