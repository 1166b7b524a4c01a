# Scenario: path MTU (RFC 6951 5.5, 5.6).  A -- R -- B, sctptund in A and
# B, 10 KB messages from A.  Argument "router": R's link to B has MTU 1280,
# R's fragmentation-needed reaches A's UDP socket, is verified against the
# association and translated for A's kernel SCTP.  Argument "local": A's
# own route to B has MTU 1280 while A's TUN keeps 1492, so sends fail with
# EMSGSIZE, which sctptund turns into fragmentation needed.  Either way the
# kernel's path MTU for B settles at 1272 and every message arrives.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

mode=${1:-router}
topo_nat
topo_block_native_sctp
A=$TOPO_A4 B=$TOPO_B4
if [ "$mode" = local ]; then
	in_ns "$NS_A" ip route add "$B/32" via "$TOPO_RA4" mtu lock 1280
	STUN_MTU=1492 stun_conf a "$B/32"
else
	ip -n "$NS_R" link set veth-b mtu 1280
	ip -n "$NS_B" link set veth0 mtu 1280
	stun_conf a "$B/32"
fi
stun_conf b "$A/32"
tap_ok "sctptund starts in A" stun_start "$NS_A" a
tap_ok "sctptund starts in B" stun_start "$NS_B" b
tap_diag "A's TUN: $(in_ns "$NS_A" ip link show sctptun0 | head -n 1)"

echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 50 -s 10000 \
    -t 120 > "$T_WORK/client.out" 2>&1
tap_is "$?" 0 "50 messages of 10000 bytes echoed intact"
tap_diag "client: $(cat "$T_WORK/client.out")"

stun_ctl a -j show stats > "$T_WORK/a.stats"
tap_diag "A: $(cat "$T_WORK/a.stats")"
if [ "$mode" = local ]; then
	tap_ok "EMSGSIZE turned into fragmentation needed" \
	    test "$(json_num egress_too_big_icmp < "$T_WORK/a.stats")" -ge 1
else
	tap_ok "the router's ICMP was verified and translated" \
	    test "$(json_num icmp_translated < "$T_WORK/a.stats")" -ge 1
	tap_is "$(json_num icmp_unverified < "$T_WORK/a.stats")" 0 \
	    "no ICMP failed verification"
fi
# Right after the drop the kernel sends IP fragments of packets sized for
# the old MTU: sctptund reassembles them and lets the outer packet fragment.
tap_ok "inner fragments reassembled and sent" \
    test "$(json_num egress_reassembled < "$T_WORK/a.stats")" -ge 1
tap_is "$(json_num egress_frag_dropped < "$T_WORK/a.stats")" 0 \
    "no inner fragment dropped"
# The kernel's route get takes no ipproto 132 (only TCP, UDP, ICMP), so
# read the exception cached on the TUN route of sctptund's table (9899).
rt=$(in_ns "$NS_A" ip -4 route show table 9899 cache "$B" 2>&1)
tap_diag "A's cached route for SCTP to B: $(echo $rt)"
tap_ok "A's kernel knows path MTU 1272 (1280 - 8) for B over the TUN" \
    grep -q "mtu 1272" <<< "$rt"
if stun_fast; then
	# The packets A's kernel sized before the drop leave as IP fragments
	# (a good share of a transfer this short), which only the daemon
	# carries: A reassembles each and sends it in one datagram, which
	# B receives as outer fragments.  The fast path must carry the rest.
	frags=$(json_num egress_reassembled < "$T_WORK/a.stats")
	stun_fast_tap a 80 0 "$frags"
	stun_fast_tap b 80 "$frags" 0
fi
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
