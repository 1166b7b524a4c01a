# Scenario: two sctptund with a NAT between them (nftables masquerade with
# random source ports), IPv4 or IPv6 (argument).  The side behind the NAT
# starts the association; the far side must learn the NAT's port.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

fam=${1:-4}
stun_nat_pair "$fam"

echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 1000 -S 4 -i 2 \
    -t 180 > "$T_WORK/client.out" 2>&1 &
client=$!
tap_ok "B's table shows the association" stun_wait_established b
tap_ok "A's table too" stun_wait_established a
tap_diag "B: $(cat "$T_WORK/b.assocs")"
port=$(grep -o "transport $NAT: udp port [0-9]* (learned" "$T_WORK/b.assocs" |
    head -n 1 | awk '{print $5}')
tap_ok "B learned a port for the NAT's address" test -n "$port"
tap_ok "and it is the NAT's mapped port, not 9899 ($port)" \
    test "${port:-9899}" != 9899
tap_ok "A sends to B's own port 9899" \
    grep -q "transport $B: udp port 9899 (learned" "$T_WORK/a.assocs"
wait $client
tap_is "$?" 0 "1000 messages echoed across the NAT"
tap_diag "$(cat "$T_WORK/client.out")"
if stun_fast; then
	# Through the NAT too: B's paths key on the NAT's mapped port.
	stun_fast_tap a
	stun_fast_tap b
fi
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
