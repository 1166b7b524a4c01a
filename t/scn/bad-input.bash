# Scenario: bad input on the UDP port while an association runs: short
# datagrams, bad CRC32c, a wrong verification tag from another port,
# overrunning chunks, garbage, an INIT flood.  Nothing crashes, every drop
# is counted by reason, the flood's warnings are rate-limited, the
# association goes on and its learned port does not move.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

A=192.0.2.1 B=192.0.2.2
topo_direct
topo_block_native_sctp
stun_pair "$B/32" "$A/32"

echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 400 -S 4 -i 20 \
    -t 180 > "$T_WORK/client.out" 2>&1 &
client=$!

# Wait for the association, then read its ports and B's local tag.
stun_wait_json b
lport=$(json_num local_port < "$T_WORK/b.json")
pport=$(json_num peer_port < "$T_WORK/b.json")
ltag=$(json_num local_tag < "$T_WORK/b.json")
tap_ok "association established (ports $pport -> $lport, tag $ltag)" \
    test -n "$ltag"

craft() {
	in_ns "$NS_A" "$T_CRAFT" -c 5 -p 40000 "$B" 9899 "$@"
}
craft short 4
craft short 11
craft garbage 300
craft data "$pport" "$lport" "$ltag" badcrc
craft data "$pport" "$lport" $((ltag ^ 1))
craft badchunk "$pport" "$lport" "$ltag"
sleep 1

stun_ctl b -j show stats > "$T_WORK/b.stats"
tap_diag "$(cat "$T_WORK/b.stats")"
tap_is "$(json_num ingress_short < "$T_WORK/b.stats")" 10 \
    "10 short datagrams counted as ingress_short"
tap_is "$(json_num ingress_bad_vtag < "$T_WORK/b.stats")" 5 \
    "5 wrong-tag packets counted as ingress_bad_vtag"
tap_is "$(json_num ingress_bad_crc < "$T_WORK/b.stats")" 5 \
    "5 bad CRC32c counted as ingress_bad_crc"
tap_is "$(json_num ingress_bad_chunk < "$T_WORK/b.stats")" 10 \
    "5 overrunning chunks and 5 garbage datagrams counted as ingress_bad_chunk"
tap_ok "sctptund B is still running" kill -0 "$(stun_pid b)"

stun_ctl b show assocs > "$T_WORK/b.assocs"
tap_diag "$(cat "$T_WORK/b.assocs")"
tap_ok "B's learned port for A is still 9899, not 40000" \
    grep -q "transport $A: udp port 9899 (learned" "$T_WORK/b.assocs"
# An INIT flood: 150 setups from A's address, each from its own SCTP
# port, into B's 64 embryonic slots.  The oldest are evicted, never the
# established association, and the warning it causes is rate-limited.
for i in $(seq 150); do
	in_ns "$NS_A" "$T_CRAFT" -s "$A" -p 40001 "$B" 9899 init \
	    $((20000 + i)) 7000 $((0x10000 + i)) || break
done
sleep 1
evicted=$(stun_ctl b -j show stats | json_num evicted_embryonic_total)
tap_ok "the INIT flood evicted setups ($evicted)" test "${evicted:-0}" -ge 80
warned=$(grep -c "association setups full" "$T_WORK/b.log")
tap_is "$warned" 5 "$evicted evictions, 5 warnings in the log (rate limit)"

wait $client
tap_is "$?" 0 "the association was undisturbed: every message echoed"
tap_diag "$(cat "$T_WORK/client.out")"
tap_is "$(stun_ctl b -j show stats | json_num ports_changed_total)" 0 \
    "no learned port ever changed"
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
