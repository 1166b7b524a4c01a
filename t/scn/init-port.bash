# Scenario (cons draft section 4): an INIT that matches an established
# association but comes from another UDP port must not be delivered, must
# not move the stored port, and is answered by an encapsulated ABORT to the
# new port: vtag = the INIT's Initiate Tag, T bit clear, error cause 14
# (current port, new port).  An INIT from the stored port is delivered
# (restart processing is the kernel's).  The association goes on.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

A=192.0.2.1 B=192.0.2.2
topo_direct
topo_block_native_sctp
stun_pair "$B/32" "$A/32"

echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 600 -S 4 -i 20 \
    -t 240 > "$T_WORK/client.out" 2>&1 &
client=$!

stun_wait_json b
lport=$(json_num local_port < "$T_WORK/b.json")
pport=$(json_num peer_port < "$T_WORK/b.json")
tap_ok "association established (A's port $pport -> B's $lport)" \
    test -n "$pport"

# Count what reaches B's kernel with tag 0 (INITs) from now on.
printf '%s\n' 'table inet st_probe {' \
    '	chain pre {' \
    '		type filter hook prerouting priority 0; policy accept;' \
    '		iifname "sctptun0" sctp vtag 0 counter comment "init-in"' \
    '	}' '}' | in_ns "$NS_B" nft -f -
inits_in() {
	in_ns "$NS_B" nft list table inet st_probe |
	    sed -n 's/.*counter packets \([0-9]*\).*"init-in".*/\1/p'
}
tap_is "$(inits_in)" 0 "no INIT reached B's kernel since the handshake"

# The INIT from a new port; wait for the answer.
in_ns "$NS_A" "$T_CRAFT" -p 40000 -r 20 "$B" 9899 init "$pport" "$lport" \
    0x1234abcd > "$T_WORK/reply1" 2>&1
tap_is "$?" 0 "an answer came back to UDP port 40000"
tap_diag "$(cat "$T_WORK/reply1")"
tap_ok "from B's port 9899, SCTP ports swapped, CRC32c valid" \
    grep -q "^reply from $B port 9899 to port 40000: sport=$lport dport=$pport vtag=0x1234abcd crc=ok" \
    "$T_WORK/reply1"
tap_ok "an ABORT: vtag = Initiate Tag, T clear, cause 14 (9899, 40000)" \
    grep -qx "ABORT vtag=0x1234abcd T=0 flags=0x00 cause=14 current=9899 new=40000" \
    "$T_WORK/reply1"
tap_is "$(grep -c . "$T_WORK/reply1")" 2 "one chunk, nothing else"
stun_ctl b -j show stats > "$T_WORK/b.stats1"
tap_is "$(json_num ingress_init_port < "$T_WORK/b.stats1")" 1 \
    "B counted it as ingress_init_port"
tap_is "$(inits_in)" 0 "B did not deliver it to its kernel"
stun_ctl b show assocs > "$T_WORK/b.assocs1"
tap_ok "B's stored port for A is still 9899" \
    grep -q "transport $A: udp port 9899 (learned" "$T_WORK/b.assocs1"
tap_is "$(json_num ports_changed_total < "$T_WORK/b.stats1")" 0 \
    "no learned port changed"

# The same INIT from the stored port 9899: A's sctptund holds that port,
# so it goes through a raw socket.  B must deliver it; B's kernel answers
# with an INIT-ACK (vtag = our tag) that A's sctptund drops as a wrong tag
# and the raw socket sees too.
a_bad_vtag() {
	stun_ctl a -j show stats | json_num ingress_bad_vtag
}
bvtag0=$(a_bad_vtag)
in_ns "$NS_A" "$T_CRAFT" -R -p 9899 -r 20 -V 0x0badcafe "$B" 9899 init "$pport" "$lport" \
    0x0badcafe > "$T_WORK/reply2" 2>&1
tap_is "$?" 0 "an answer came back for the INIT from port 9899"
tap_diag "$(cat "$T_WORK/reply2")"
tap_ok "it is B's kernel's INIT-ACK to the Initiate Tag" \
    grep -q "^INIT-ACK vtag=0x0badcafe T=0" "$T_WORK/reply2"
tap_is "$(inits_in)" 1 "B delivered that INIT to its kernel"
stun_ctl b -j show stats > "$T_WORK/b.stats2"
tap_is "$(json_num ingress_init_port < "$T_WORK/b.stats2")" 1 \
    "it was not counted as a new-port INIT"
tap_ok "A's sctptund dropped the stray INIT-ACK as a wrong tag" \
    wait_until 10 eval '[ "$(a_bad_vtag)" -gt "$bvtag0" ]'
stun_ctl b show assocs > "$T_WORK/b.assocs2"
tap_diag "$(cat "$T_WORK/b.assocs2")"
tap_ok "B's stored port for A is still 9899" \
    grep -q "transport $A: udp port 9899 (learned" "$T_WORK/b.assocs2"

wait $client
tap_is "$?" 0 "the association went on: every message echoed"
tap_ok "client verified all 600" grep -q "verified=600 " "$T_WORK/client.out"
tap_diag "$(cat "$T_WORK/client.out")"
tap_is "$(stun_ctl b -j show stats | json_num ports_changed_total)" 0 \
    "no learned port ever changed"
if stun_fast; then
	stun_fast_tap a
	stun_fast_tap b
fi
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
