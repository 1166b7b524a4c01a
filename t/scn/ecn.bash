# Scenario: ECN and DSCP (RFC 6951 5.8).  The inner TOS / Traffic Class
# goes to the outer header on send and back to the inner one on receive,
# CE included.  A's kernel SCTP packets get DSCP CS4 (and one in eight CE)
# from an nftables rule on their way into the TUN; the links and B's TUN
# must show the same bits.  B's own packets (DSCP 0, ECT(0) from the
# kernel's ECN support) must come out as they went in.  IPv4, then IPv6.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

topo_direct
topo_block_native_sctp
stun_conf a "$TOPO_B4/32" "$TOPO_B6/128"
stun_conf b "$TOPO_A4/32" "$TOPO_A6/128"
tap_ok "sctptund starts in A" stun_start "$NS_A" a
tap_ok "sctptund starts in B" stun_start "$NS_B" b

# nft rules of family P (ip or ip6) for A, comments suffixed with S.
rules_a() {
	local P=$1 S=$2 F="meta nfproto ipv$2" tun='oifname "sctptun0" meta l4proto sctp'
	local out='oifname "veth0" udp dport 9899'
	local in='iifname "veth0" udp sport 9899'
	local deliv='iifname "sctptun0" meta l4proto sctp'
	echo "add rule inet st_ecn out $F $tun $P dscp set cs4 counter comment \"mark$S\""
	echo "add rule inet st_ecn out $F $tun numgen inc mod 8 == 0 $P ecn set ce counter comment \"ce$S\""
	echo "add rule inet st_ecn out $F $out counter comment \"out-all$S\""
	echo "add rule inet st_ecn out $F $out $P dscp cs4 counter comment \"out-cs4$S\""
	echo "add rule inet st_ecn out $F $out $P ecn ce counter comment \"out-ce$S\""
	echo "add rule inet st_ecn pre $F $in $P ecn ect0 counter comment \"in-ect0$S\""
	echo "add rule inet st_ecn pre $F $in $P ecn not-ect counter comment \"in-notect$S\""
	echo "add rule inet st_ecn pre $F $in $P dscp != cs0 counter comment \"in-dscp$S\""
	echo "add rule inet st_ecn pre $F $deliv $P ecn ect0 counter comment \"deliv-ect0$S\""
}

# nft rules of family P for B.
rules_b() {
	local P=$1 S=$2 F="meta nfproto ipv$2" in='iifname "veth0" udp dport 9899'
	local deliv='iifname "sctptun0" meta l4proto sctp'
	local tun='oifname "sctptun0" meta l4proto sctp'
	echo "add rule inet st_ecn pre $F $in counter comment \"in-all$S\""
	echo "add rule inet st_ecn pre $F $in $P dscp cs4 counter comment \"in-cs4$S\""
	echo "add rule inet st_ecn pre $F $in $P ecn ce counter comment \"in-ce$S\""
	echo "add rule inet st_ecn pre $F $deliv counter comment \"deliv-all$S\""
	echo "add rule inet st_ecn pre $F $deliv $P dscp cs4 counter comment \"deliv-cs4$S\""
	echo "add rule inet st_ecn pre $F $deliv $P ecn ce counter comment \"deliv-ce$S\""
	echo "add rule inet st_ecn out $F $tun $P ecn ect0 counter comment \"inner-ect0$S\""
	echo "add rule inet st_ecn out $F $tun $P ecn not-ect counter comment \"inner-notect$S\""
}

# The table with its two chains, then the rules of both families.
ecn_table() {
	echo 'table inet st_ecn {'
	echo '	chain out { type filter hook output priority 0; policy accept; }'
	echo '	chain pre { type filter hook prerouting priority 0; policy accept; }'
	echo '}'
	"$1" ip 4
	"$1" ip6 6
}
tap_ok "nftables marks and counters in A" \
    eval 'ecn_table rules_a | in_ns "$NS_A" nft -f -'
tap_ok "nftables counters in B" \
    eval 'ecn_table rules_b | in_ns "$NS_B" nft -f -'

# Packets counted by the rule commented NAME in NS.
cnt() {
	in_ns "$1" nft list table inet st_ecn |
	    sed -n "s/.*counter packets \([0-9]*\) .*comment \"$2\".*/\1/p"
}

# One transfer over family $1, then the checks.
ecn_run() {
	local f=$1 A B port n tx0 tx
	if [ "$f" = 6 ]; then
		A=$TOPO_A6 B=$TOPO_B6 port=7006
	else
		A=$TOPO_A4 B=$TOPO_B4 port=7004
	fi
	echo_server "$NS_B" "server$f" -b "$B" -p $port
	tx0=$(stun_ctl a -j show stats | json_num udp_tx_packets)
	in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p $port -n 300 \
	    -S 4 -s 500 -i 5 -t 180 > "$T_WORK/client$f.out" 2>&1
	tap_is "$?" 0 "IPv$f: 300 messages echoed"
	tap_diag "$(cat "$T_WORK/client$f.out")"
	sleep 1
	tx=$(( $(stun_ctl a -j show stats | json_num udp_tx_packets) - tx0 ))
	# The output hook sees a GSO packet once, the TUN its segments: A's
	# inner counts are lower bounds.  Ingress has no GSO: exact there.
	n=$(cnt "$NS_A" "mark$f")
	tap_ok "IPv$f: A marked its kernel's packets CS4 ($n)" \
	    test "${n:-0}" -gt 100
	tap_is "$(cnt "$NS_A" "out-all$f")" "$tx" \
	    "IPv$f: the link saw every datagram A's sctptund sent"
	tap_is "$(cnt "$NS_A" "out-cs4$f")" "$tx" \
	    "IPv$f: each carries CS4 on the outer header"
	n=$(cnt "$NS_A" "ce$f")
	tap_ok "IPv$f: A set CE on some ($n)" test "${n:-0}" -gt 10
	tap_ok "IPv$f: the outer header carries CE for those," \
	    test "$(cnt "$NS_A" "out-ce$f")" -ge "$n"
	tap_ok "IPv$f: and not on the others" \
	    test "$(cnt "$NS_A" "out-ce$f")" -lt "$((tx / 2))"
	tap_is "$(cnt "$NS_B" "in-cs4$f")" "$(cnt "$NS_B" "in-all$f")" \
	    "IPv$f: B received CS4 on every outer packet"
	tap_is "$(cnt "$NS_B" "deliv-all$f")" "$(cnt "$NS_B" "in-all$f")" \
	    "IPv$f: B delivered every outer packet"
	tap_is "$(cnt "$NS_B" "deliv-cs4$f")" "$(cnt "$NS_B" "deliv-all$f")" \
	    "IPv$f: every inner packet B wrote to its TUN carries CS4"
	tap_is "$(cnt "$NS_B" "deliv-ce$f")" "$(cnt "$NS_B" "in-ce$f")" \
	    "IPv$f: and CE on the inner packet exactly when the outer had it"
	tap_ok "IPv$f: that was some ($(cnt "$NS_B" "deliv-ce$f"))" \
	    test "$(cnt "$NS_B" "deliv-ce$f")" -gt 10
	n=$(cnt "$NS_B" "inner-ect0$f")
	tap_ok "IPv$f: B's kernel sent ECT(0) packets ($n)" \
	    test "${n:-0}" -gt 100
	tap_ok "IPv$f: they reached A with ECT(0) on the outer header" \
	    test "$(cnt "$NS_A" "in-ect0$f")" -ge "$n"
	tap_ok "IPv$f: B's few Not-ECT packets stayed Not-ECT" \
	    test "$(cnt "$NS_A" "in-notect$f")" -le \
	    "$(cnt "$NS_B" "inner-notect$f")"
	tap_is "$(cnt "$NS_A" "deliv-ect0$f")" "$(cnt "$NS_A" "in-ect0$f")" \
	    "IPv$f: A wrote them to its TUN with ECT(0)"
	tap_is "$(cnt "$NS_A" "in-dscp$f")" 0 \
	    "IPv$f: B's packets (DSCP 0) got no DSCP on the way"
}

ecn_run 4
ecn_run 6
tap_diag "A: $(in_ns "$NS_A" nft list table inet st_ecn | grep counter)"
tap_diag "B: $(in_ns "$NS_B" nft list table inet st_ecn | grep counter)"
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
