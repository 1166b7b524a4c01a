# Scenario: UDP hygiene (RFC 6951 5.2, 5.3) while associations run: a UDP
# source port of 0 is dropped (ingress_src_port_zero), an IPv6 datagram
# with a zero UDP checksum never reaches sctptund, a source outside the
# peer's prefixes is dropped (ingress_unknown_peer), and what sctptund
# sends always has a UDP checksum.  None of it moves a learned port.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

topo_direct
topo_block_native_sctp
A4=$TOPO_A4 B4=$TOPO_B4 A6=$TOPO_A6 B6=$TOPO_B6
STRANGER4=192.0.2.99
in_ns "$NS_A" ip addr add $STRANGER4/24 dev veth0
stun_conf a "$B4/32" "$B6/128"
stun_conf b "$A4/32" "$A6/128"
tap_ok "sctptund starts in A" stun_start "$NS_A" a
tap_ok "sctptund starts in B" stun_start "$NS_B" b

# Count sctptund's datagrams on the links, and those without a checksum.
# (With checksum offload the field holds the pseudo-header sum here; it is
# 0 only when the socket asked for no checksum.)
printf '%s\n' 'table inet st_csum {' \
    '	chain out {' \
    '		type filter hook output priority 0; policy accept;' \
    '		oifname "veth0" udp sport 9899 udp checksum 0 counter comment "zero"' \
    '		oifname "veth0" udp sport 9899 counter comment "all"' \
    '	}' '}' > "$T_WORK/csum.nft"
for ns in "$NS_A" "$NS_B"; do
	in_ns "$ns" nft -f "$T_WORK/csum.nft" || tap_bail "nft in $ns"
done
csum_count() {
	local ns n total=0
	for ns in "$NS_A" "$NS_B"; do
		n=$(in_ns "$ns" nft list table inet st_csum |
		    sed -n "s/.*counter packets \([0-9]*\) .*comment \"$1\".*/\1/p")
		total=$((total + ${n:-0}))
	done
	echo $total
}

b_stat() {
	stun_ctl b -j show stats | json_num "$1"
}

# Start a client over IPv$1 to B and wait for the association in B;
# its ports and B's tag are then in $lport, $pport, $ltag.
start_assoc() {
	local a=$2 b=$3 i
	echo_server "$NS_B" "server$1" -b "$b" -p 700$1
	in_ns "$NS_A" "$SCTP_ECHO" client -b "$a" -a "$b" -p 700$1 -n 400 \
	    -S 4 -i 40 -t 180 > "$T_WORK/client$1.out" 2>&1 &
	client=$!
	for i in $(seq 150); do
		stun_ctl b -j show assocs > "$T_WORK/b$1.json"
		grep -q '"state":"established"' "$T_WORK/b$1.json" && break
		sleep 0.2
	done
	lport=$(json_num local_port < "$T_WORK/b$1.json")
	pport=$(json_num peer_port < "$T_WORK/b$1.json")
	ltag=$(json_num local_tag < "$T_WORK/b$1.json")
	tap_ok "IPv$1 association established (tag $ltag)" test -n "$ltag"
}

# The client of the running association finishes cleanly.
end_assoc() {
	wait $client
	tap_is "$?" 0 "IPv$1: the association was undisturbed"
	tap_ok "IPv$1: client verified all 400" \
	    grep -q "verified=400 " "$T_WORK/client$1.out"
}

learned_9899() {
	stun_ctl b show assocs > "$T_WORK/b.assocs"
	grep -q "transport $1: udp port 9899 (learned" "$T_WORK/b.assocs" ||
	    { tap_diag "$(cat "$T_WORK/b.assocs")"; return 1; }
}

### IPv4: source port 0, a stranger's address.
start_assoc 4 "$A4" "$B4"
# Right tag, so that only the port check can stop it.
in_ns "$NS_A" "$T_CRAFT" -R -p 0 -c 3 "$B4" 9899 data "$pport" "$lport" \
    "$ltag"
tap_ok "IPv4: raw datagrams from source port 0 sent" test $? = 0
in_ns "$NS_A" "$T_CRAFT" -s $STRANGER4 -p 42000 -c 4 "$B4" 9899 data \
    "$pport" "$lport" "$ltag"
sleep 1
tap_is "$(b_stat ingress_src_port_zero)" 3 \
    "IPv4: 3 datagrams from port 0 counted as ingress_src_port_zero"
tap_is "$(b_stat ingress_unknown_peer)" 4 \
    "IPv4: 4 datagrams from $STRANGER4 counted as ingress_unknown_peer"
tap_ok "IPv4: B's learned port for A is still 9899" learned_9899 "$A4"
end_assoc 4

### IPv6: source port 0, zero UDP checksum.
start_assoc 6 "$A6" "$B6"
in_ns "$NS_A" "$T_CRAFT" -R -p 0 -c 3 "$B6" 9899 data "$pport" "$lport" \
    "$ltag"
sleep 1
tap_is "$(b_stat ingress_src_port_zero)" 6 \
    "IPv6: 3 more from port 0 counted as ingress_src_port_zero"

snmp6() {
	in_ns "$NS_B" awk -v k="$1" '$1 == k { print $2 }' /proc/net/snmp6
}
# A control first: a wrong tag from port 41000 through the raw socket
# with a good checksum reaches sctptund and is counted as a wrong tag...
vt0=$(b_stat ingress_bad_vtag)
in_ns "$NS_A" "$T_CRAFT" -R -p 41000 -c 3 "$B6" 9899 data "$pport" \
    "$lport" $((ltag ^ 1))
sleep 1
tap_is "$(( $(b_stat ingress_bad_vtag) - vt0 ))" 3 \
    "IPv6: control: 3 raw wrong-tag datagrams reached sctptund"
# ... the same with a zero checksum does not, nor does the right tag,
# which would otherwise move B's port to 41000.
vt0=$(b_stat ingress_bad_vtag)
rx0=$(b_stat udp_rx_packets)
ce0=$(snmp6 Udp6InCsumErrors)
ie0=$(snmp6 Udp6InErrors)
in_ns "$NS_A" "$T_CRAFT" -R -Z -p 41000 -c 3 "$B6" 9899 data "$pport" \
    "$lport" $((ltag ^ 1))
in_ns "$NS_A" "$T_CRAFT" -R -Z -p 41000 -c 3 "$B6" 9899 data "$pport" \
    "$lport" "$ltag"
sleep 1
tap_is "$(( $(b_stat ingress_bad_vtag) - vt0 ))" 0 \
    "IPv6: zero-checksum datagrams never reached sctptund"
tap_ok "IPv6: B's learned port for A is still 9899" learned_9899 "$A6"
tap_is "$(( $(snmp6 Udp6InCsumErrors) - ce0 ))" 6 \
    "IPv6: the kernel counted 6 Udp6InCsumErrors"
tap_ok "IPv6: and Udp6InErrors rose" \
    test "$(( $(snmp6 Udp6InErrors) - ie0 ))" -ge 6
tap_diag "udp_rx_packets went $rx0 -> $(b_stat udp_rx_packets) meanwhile"
end_assoc 6

stun_ctl b -j show stats > "$T_WORK/b.stats"
tap_diag "$(cat "$T_WORK/b.stats")"
tap_is "$(json_num ports_changed_total < "$T_WORK/b.stats")" 0 \
    "no learned port ever changed"
n=$(csum_count all)
tap_ok "sctptund's datagrams were counted on the links ($n)" test "$n" -gt 800
tap_is "$(csum_count zero)" 0 "none of them had a zero UDP checksum"
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
