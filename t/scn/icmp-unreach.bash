# Scenario: ICMP port unreachable (RFC 6951 5.5).  B's UDP port 9899 is
# closed (an nftables reject rule in B answers with ICMP port unreachable
# while B's sctptund keeps its rules).  A's application connects: its INIT
# goes over UDP and draws the ICMP.  A's sctptund must verify the quote (an
# INIT whose initiate tag is the local endpoint's) and hand A's kernel a
# protocol unreachable (IPv4) or a parameter problem "unrecognised next
# header" (IPv6): the kernel then aborts the setup at once instead of
# retransmitting its INIT for a minute.  (Linux acts on protocol
# unreachable only during setup; it ignores it on established
# associations.)  Argument: 4 or 6.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

fam=${1:-4}
topo_direct
stun_direct_addrs "$fam"
topo_block_native_sctp
stun_pair "$B/$plen" "$A/$plen"
in_ns "$NS_B" nft -f - <<-EON
table inet st_closed {
	chain input {
		type filter hook input priority -10; policy accept;
		udp dport 9899 counter reject
	}
}
EON

"$SCTPTUNCTL" -s "$T_WORK/a.sock" -j monitor > "$T_WORK/a.monitor" 2>&1 &
monitor=$!
sleep 0.5
start=$(date +%s)
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 10 -t 90 \
    > "$T_WORK/client.out" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
tap_diag "client (exit $rc after $elapsed s): $(tail -n 3 "$T_WORK/client.out")"
tap_ok "the connection attempt failed (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 3
tap_ok "within seconds, not after the INIT retransmissions ($elapsed s)" \
    test "$elapsed" -le 15
stun_ctl a -j show stats > "$T_WORK/a.stats"
tap_diag "$(tr ',' '\n' < "$T_WORK/a.stats" | grep '"icmp')"
tap_ok "A's sctptund translated the port unreachable" \
    test "$(json_num icmp_translated < "$T_WORK/a.stats")" -ge 1
tap_is "$(json_num icmp_unverified < "$T_WORK/a.stats")" 0 \
    "and verified every ICMP it used"
sleep 0.5
kill -INT $monitor
wait $monitor
tap_is "$?" 0 "sctptunctl monitor ends with status 0 on SIGINT"
tap_diag "$(cat "$T_WORK/a.monitor")"
if [ "$fam" = 6 ]; then out='"out_type":4,"out_code":1'; else out='"out_type":3,"out_code":2'; fi
tap_ok "the monitor showed the ICMP translated" \
    grep -q "\"event\":\"icmp\".*\"addr\":\"$B\".*$out" "$T_WORK/a.monitor"
tap_ok "B really rejected UDP" \
    test "$(in_ns "$NS_B" nft list table inet st_closed |
    grep -o 'packets [0-9]*' | cut -d' ' -f2)" -ge 1
if stun_fast; then
	# Only handshake packets crossed: the fast path, loaded, left them all
	# to the daemon, whose ICMP handling is the same.
	tap_ok "A ran the fast path" grep -q "fast path on" "$T_WORK/a.log"
	tap_is "$(json_num fastpath_tx_packets < "$T_WORK/a.stats")" 0 \
	    "A's fast path carried no INIT"
fi
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
