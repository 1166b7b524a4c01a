# Scenario: embedded addresses (RFC 6951 5.7).  A, behind a masquerading
# NAT, has several addresses and its application binds the wildcard
# address, so Linux lists them all in its INIT.  With strip_addresses on,
# sctptund removes them and B only ever learns the NAT's address; with it
# off (the control run), B is told A's private addresses.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

topo_nat
topo_nat_masquerade
topo_block_native_sctp
A=$TOPO_A4 B=$TOPO_B4 NAT=$TOPO_RB4
in_ns "$NS_B" ip route del default 2> /dev/null
in_ns "$NS_A" ip addr add 198.51.100.77/24 dev veth0
in_ns "$NS_A" ip addr add 2001:db8:a::77/64 dev veth0 nodad

echo_server "$NS_B" server -b "$B" -p 7000
stun_conf b "$NAT/32"
tap_ok "sctptund starts in B" stun_start "$NS_B" b

# Run one association from A's wildcard-bound client; $1: strip or not.
run() {
	STUN_STRIP=$1 stun_conf a "$B/32"
	stun_start "$NS_A" a || return 1
	in_ns "$NS_A" "$SCTP_ECHO" client -a "$B" -p 7000 -n 400 -S 4 -i 5 \
	    -t 120 > "$T_WORK/client-$1.out" 2>&1 &
	client=$!
	stun_wait_established b
	sleep 1
	stun_ctl b show assocs > "$T_WORK/b-$1.assocs"
	stun_ctl a -j show stats > "$T_WORK/a-$1.stats"
	wait $client
	rc=$?
	stun_stop a
	return $rc
}

tap_ok "control run, strip_addresses off: transfer completes" run false
tap_diag "$(cat "$T_WORK/b-false.assocs")"
tap_ok "without stripping, B is told A's private addresses" \
    grep -q "transport 198.51.100.77: .*listed in INIT" "$T_WORK/b-false.assocs"

tap_ok "strip_addresses on: transfer completes" run true
tap_diag "$(cat "$T_WORK/b-true.assocs")"
tap_ok "A stripped its INIT (egress_stripped >= 1)" \
    test "$(json_num egress_stripped < "$T_WORK/a-true.stats")" -ge 1
tap_is "$(grep -c '^    transport ' "$T_WORK/b-true.assocs")" 1 \
    "B knows A by one address only"
tap_ok "and it is the NAT's, with the NAT's port learned" \
    grep -q "transport $NAT: udp port [0-9]* (learned" "$T_WORK/b-true.assocs"
tap_ok "no private address of A reached B" \
    sh -c "! grep -q '198.51.100\|2001:db8:a::' '$T_WORK/b-true.assocs'"
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
