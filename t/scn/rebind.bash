# Scenario: NAT rebinding (RFC 6951 5.4).  A behind a masquerading NAT runs
# a long paced transfer to B; halfway the NAT forgets its mappings, A's next
# packets leave from a new NAT port, and B must follow them: the new port
# in its table, ports_changed_total counted, nothing lost.  Then packets
# with a wrong verification tag from yet another port, sent from the NAT's
# own address, must not move B's port.  IPv4 or IPv6 (argument).
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

fam=${1:-4}
N=1500
stun_nat_pair "$fam"

echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n $N -S 4 -i 10 \
    -t 400 > "$T_WORK/client.out" 2>&1 &
client=$!

# B's learned port for the NAT's address (empty if none).
nat_port() {
	stun_ctl b show assocs |
	    grep -o "transport $NAT: udp port [0-9]* (learned" |
	    head -n 1 | awk '{ print $5 }'
}
b_stat() {
	stun_ctl b -j show stats | json_num "$1"
}

tap_ok "B's table shows the association" stun_wait_established b
port1=$(nat_port)
tap_ok "B learned the NAT's port for A ($port1)" \
    test -n "$port1" -a "${port1:-9899}" != 9899
tap_is "$(b_stat ports_changed_total)" 0 "no port changed yet"
sleep 2
tap_ok "the transfer is under way" kill -0 $client

topo_nat_flush
tap_diag "NAT mappings flushed at $(date +%T)"
# A's next packets (DATA every 10 ms, SACKs, heartbeats) get a new mapping.
new_port() {
	local p
	p=$(nat_port)
	[ -n "$p" ] && [ "$p" != "$port1" ]
}
tap_ok "B's table moved to a new port for the NAT's address" \
    wait_until 30 new_port
port2=$(nat_port)
tap_diag "B's port for $NAT: $port1 -> $port2"
tap_ok "the new port is neither the old one nor 9899 ($port2)" \
    test -n "$port2" -a "$port2" != "$port1" -a "$port2" != 9899
changed=$(b_stat ports_changed_total)
tap_ok "ports_changed_total counted it ($changed)" test "${changed:-0}" -ge 1

# A blind attacker on B's side, spoofing the NAT's address from another
# port: wrong tags (DATA, and ABORT with the T bit) must change nothing.
stun_ctl b -j show assocs > "$T_WORK/b.json"
lport=$(json_num local_port < "$T_WORK/b.json")
pport=$(json_num peer_port < "$T_WORK/b.json")
ltag=$(json_num local_tag < "$T_WORK/b.json")
ptag=$(json_num peer_tag < "$T_WORK/b.json")
vtag0=$(b_stat ingress_bad_vtag)
craft() {
	in_ns "$NS_R" "$T_CRAFT" -c 5 -s "$NAT" -p 45000 "$B" 9899 "$@"
}
craft data "$pport" "$lport" $((ltag ^ 0x10001))
craft abort "$pport" "$lport" $((ptag ^ 0x10001)) t
craft abort "$pport" "$lport" $((ltag ^ 0x10001))
sleep 1
tap_is "$(( $(b_stat ingress_bad_vtag) - vtag0 ))" 15 \
    "15 wrong-tag packets counted as ingress_bad_vtag"
tap_is "$(nat_port)" "$port2" "B's learned port did not move"
tap_is "$(b_stat ports_changed_total)" "$changed" \
    "ports_changed_total did not move"

stun_ctl a show assocs > "$T_WORK/a.assocs"
tap_ok "A still sends to B's port 9899" \
    grep -q "transport $B: udp port 9899 (learned" "$T_WORK/a.assocs"

wait $client
rc=$?
tap_diag "$(cat "$T_WORK/client.out")"
tap_is "$rc" 0 "the transfer survived the rebinding"
tap_ok "client verified all $N" grep -q "verified=$N " "$T_WORK/client.out"
if stun_fast; then
	# The new port came through the daemon (a miss of the fast path),
	# which verified it and moved the fast path's entry.
	stun_fast_tap a
	stun_fast_tap b
fi
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
