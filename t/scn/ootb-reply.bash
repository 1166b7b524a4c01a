# Scenario: out-of-the-blue replies (cons draft section 3).  A DATA chunk of
# no association, sent over UDP from port 40404 (valid CRC32c), draws the
# kernel's ABORT; sctptund must send it back encapsulated to 40404, not to
# the configured remote_port, with the reflected tag and the T bit.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

A=192.0.2.1 B=192.0.2.2 X=40404 VTAG=0x12345678
topo_direct
topo_block_native_sctp
stun_conf b "$A/32"
tap_ok "sctptund starts in B" stun_start "$NS_B" b

# The crafted packet, captured on loopback, then sent from port X by a
# socat that stays to read what comes back from B:9899 (socat -T 3 ends
# after 3 s of silence).
bg_start cap "$NS_A" socat -u UDP-RECV:5555 OPEN:"$T_WORK/ootb.bin",creat
wait_udp_listen "$NS_A" 5555
in_ns "$NS_A" "$T_CRAFT" 127.0.0.1 5555 data 7100 7000 "$VTAG"
wait_until 5 test -s "$T_WORK/ootb.bin"
bg_stop "$BG_PID"
tap_is "$(stat -c %s "$T_WORK/ootb.bin")" 32 "crafted DATA of 32 bytes"

in_ns "$NS_A" timeout 10 socat -T 3 \
    UDP:"$B":9899,sourceport=$X,bind="$A" \
    SYSTEM:"cat $T_WORK/ootb.bin; cat > $T_WORK/reply.bin" \
    2>> "$T_WORK/socat.err"
hex=$(od -An -tx1 -v "$T_WORK/reply.bin" | tr -d ' \n')
tap_diag "reply: $hex $(cat "$T_WORK/socat.err")"
tap_ok "an encapsulated reply came back to port $X" test -n "$hex"
tap_is "${hex:0:8}" "$(printf %04x%04x 7000 7100)" "ports swapped (7000 -> 7100)"
tap_is "${hex:8:8}" "12345678" "verification tag reflected"
tap_is "${hex:24:2}" "06" "it is an ABORT"
tap_is "$(( 0x${hex:26:2} & 1 ))" 1 "with the T bit set"

stun_ctl b -j show stats > "$T_WORK/b.stats"
tap_diag "$(cat "$T_WORK/b.stats")"
tap_ok "counted as an out-of-the-blue reply" \
    test "$(json_num egress_ootb_reply < "$T_WORK/b.stats")" -ge 1
tap_ok "the triggering packets were counted as ingress_ootb" \
    test "$(json_num ingress_ootb < "$T_WORK/b.stats")" -ge 1
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
