# Scenario: kernel app <-> sctptund <-> UDP <-> sctptund <-> kernel app,
# over IPv4 or IPv6 (argument 4 or 6), on a link that drops native SCTP.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

fam=${1:-4}
topo_direct
stun_direct_addrs "$fam"
topo_block_native_sctp
stun_pair "$B/$plen" "$A/$plen"

echo_server "$NS_B" server -b "$B" -p 7000
# Paced a little, so that the tables can be read while the association
# lives; the client shuts it down at the end.
# The fast path makes it faster: more messages keep it alive as long.
n=1000
stun_fast && n=4000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n $n -S 4 \
    -s 700 -i 2 -t 180 > "$T_WORK/client.out" 2> "$T_WORK/client.err" &
client=$!
tap_ok "A's table shows an established association" stun_wait_established a
tap_ok "B's table too" stun_wait_established b
if stun_fast; then
	# DATA with a bad CRC32c that matches the path (B's address and
	# port, A's tag): with a full UDP checksum, and with the check
	# field a stack of this host leaves (CHECKSUM_PARTIAL).  The fast
	# path carries both (A's daemon never sees them), and A's kernel
	# SCTP must still check the CRC32c and drop all ten: had it taken
	# them, the echo would go wrong.  Sent at once, while the
	# association has most of its life ahead.
	csum_errors() {
		in_ns "$NS_A" awk '$1 == "SctpChecksumErrors" { print $2 }' \
		    /proc/net/sctp/snmp
	}
	stun_ctl a -j show assocs > "$T_WORK/a.now"
	bad0=$(stun_ctl a -j show stats | json_num ingress_bad_crc)
	ck0=$(csum_errors)
	for how in -R "-R -P"; do
		in_ns "$NS_B" "$T_CRAFT" $how -c 5 -s "$B" -p 9899 "$A" 9899 \
		    data "$(json_num peer_port < "$T_WORK/a.now")" \
		    "$(json_num local_port < "$T_WORK/a.now")" \
		    "$(json_num local_tag < "$T_WORK/a.now")" badcrc
	done
	ten_dropped() {
		[ "$(csum_errors)" -ge $(( ck0 + 10 )) ]
	}
	tap_ok "A's kernel dropped the 10 bad CRC32c the fast path carried" \
	    wait_until 5 ten_dropped
	tap_diag "SctpChecksumErrors $ck0 -> $(csum_errors);" \
	    "$(stun_ctl a -j show stats | grep -o '"fastpath_rx_[a-z]*":[0-9]*' |
	    tr '\n' ' ')"
	tap_ok "the association lived through it" stun_wait_established a
	tap_is "$(stun_ctl a -j show stats | json_num ingress_bad_crc)" \
	    "$bad0" "A's daemon never saw them (ingress_bad_crc unchanged)"
fi
tap_diag "A: $(cat "$T_WORK/a.assocs")"
tap_ok "A shows the peer's address and the port it learned for it" \
    grep -q "transport $B: udp port 9899 (learned" "$T_WORK/a.assocs"
tap_ok "B shows A's address and the port it learned for it" \
    grep -q "transport $A: udp port 9899 (learned" "$T_WORK/b.assocs"
stun_ctl a -j show assocs > "$T_WORK/a.json"
tap_diag "A (JSON): $(cat "$T_WORK/a.json")"
tap_ok "JSON: established, with the learned port" \
    grep -q '"state":"established".*"udp_port":9899,"learned":true' \
    "$T_WORK/a.json"
tap_is "$(json_num local_port < "$T_WORK/a.json")" \
    "$(grep -o 'local port [0-9]*' "$T_WORK/a.assocs" | head -1 | cut -d' ' -f3)" \
    "JSON and text agree on the ports"
if stun_fast; then
	# The fast path's packets reach the table within a second or so: the
	# association's counters pass what the daemon itself received.
	folded() {
		local arx urx
		arx=$(stun_ctl a -j show assocs | json_num rx_packets)
		urx=$(stun_ctl a -j show stats | json_num udp_rx_packets)
		[ "${arx:-0}" -gt $(( ${urx:-0} + 20 )) ]
	}
	tap_ok "A's table counts the packets the fast path carried" \
	    wait_until 10 folded
	tap_diag "A: $(stun_ctl a show assocs | head -n 3)"

fi

wait $client
rc=$?
tap_diag "client: $(cat "$T_WORK/client.out" "$T_WORK/client.err")"
tap_is "$rc" 0 "$n messages on 4 streams echoed byte-exact"
tap_ok "client verified all $n" grep -q "verified=$n " "$T_WORK/client.out"

stun_ctl b -j show stats > "$T_WORK/b.stats"
rx=$(json_num udp_rx_packets < "$T_WORK/b.stats")
tx=$(json_num tun_tx_packets < "$T_WORK/b.stats")
if stun_fast; then
	stun_fast_tap a
	stun_fast_tap b
	frx=$(json_num fastpath_rx_packets < "$T_WORK/b.stats")
	rx=$((rx + frx))
fi
tap_ok "B received the association's packets over UDP ($rx)" test "${rx:-0}" -gt 500
tap_is "$tx" "$(json_num udp_rx_packets < "$T_WORK/b.stats")" \
    "B wrote every datagram its daemon received to its TUN"
stun_ctl b show assocs > "$T_WORK/b.after"
tap_ok "the association was removed after SHUTDOWN-COMPLETE" \
    grep -q "no associations" "$T_WORK/b.after"
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"

tap_ok "sctptund A exits cleanly on SIGTERM" stun_stop a
if stun_fast; then
	tap_is "$(stun_fast_filters "$NS_A")" 0 \
	    "its fast path programs went with it"
fi
tap_is "$(in_ns "$NS_A" ip -$fam rule show | grep -c 'ipproto \(sctp\|132\)')" 1 \
    "its rule stays: it fails closed"
in_ns "$NS_A" ip -$fam route show table 9899 > "$T_WORK/a.routes"
tap_diag "table 9899 after the stop: $(cat "$T_WORK/a.routes")"
tap_ok "the TUN's routes went with the TUN; the blackhole stays" \
    test "$(wc -l < "$T_WORK/a.routes")" = 1 -a \
    "$(grep -c '^blackhole default' "$T_WORK/a.routes")" = 1
tap_ok "sctptund -C removes it for good" stun_decommission a
tap_diag "$(cat "$T_WORK/a.decommission")"
tap_is "$(in_ns "$NS_A" ip -$fam rule show | grep -c 'ipproto \(sctp\|132\)')" 0 \
    "then its rules are gone"
tap_is "$(in_ns "$NS_A" ip -$fam route show table 9899 | wc -l)" 0 \
    "and its routes"
tap_done
