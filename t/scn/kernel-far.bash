# Interoperability matrix, the cells with the Linux kernel's own RFC 6951 as
# the far side that kernel-peer.bash does not cover: through a masquerading
# NAT (argument "nat"), and multihomed over two links (argument "multihome").
# sctptund runs only in A; B is a plain kernel with net.sctp.udp_port and
# encap_port set.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

case ${1:-nat} in
nat)
	topo_nat
	topo_nat_masquerade
	A=$TOPO_A4 B=$TOPO_B4
	# B knows A only as the NAT's address and cannot reach behind it.
	in_ns "$NS_B" ip route del default 2> /dev/null
	stun_conf a "$B/32"
	paths=1
	;;
multihome)
	topo_dual
	A="$TOPO_A4 $TOPO_A4_2" B="$TOPO_B4 $TOPO_B4_2"
	stun_conf a "$TOPO_B4/32" "$TOPO_B4_2/32"
	paths=2
	;;
esac
topo_block_native_sctp
for ns in "$NS_A" "$NS_B"; do
	in_ns "$ns" sysctl -qw net.sctp.hb_interval=1000 > /dev/null
done
kernel_encap "$NS_B"
tap_ok "sctptund starts in A" stun_start "$NS_A" a

bind_a= bind_b= to_b=
for x in $A; do bind_a="$bind_a -b $x"; done
for x in $B; do bind_b="$bind_b -b $x"; to_b="$to_b -a $x"; done
# B's application leaves its socket buffers alone (-D): the kernel sends
# its bursts (every 8 KiB message is one) as GSO packets, which sctptund
# cuts and checksums.  The client paces its messages so that the
# association lives long enough for a heartbeat on every path.
# shellcheck disable=SC2086
echo_server "$NS_B" server -D $bind_b -p 7000
# shellcheck disable=SC2086
in_ns "$NS_A" "$SCTP_ECHO" client $bind_a $to_b -p 7000 -n 1000 -S 4 -s 8192 \
    -w 16 -i 10 -t 180 > "$T_WORK/client.out" 2>&1 &
client=$!
tap_ok "A's table shows the association" stun_wait_established a
# A path carries only heartbeats until failover: the first one on the
# second path comes after hb_interval plus an RTO of up to 3 s, jittered.
learned() {
	local x
	n=0
	stun_ctl a show assocs > "$T_WORK/a.assocs"
	for x in $B; do
		grep -q "transport $x: udp port 9899 (learned" "$T_WORK/a.assocs" &&
		    n=$((n + 1))
	done
	[ "$n" = "$paths" ]
}
wait_until 20 learned
tap_diag "A: $(cat "$T_WORK/a.assocs")"
tap_is "$n" "$paths" "A learned the kernel's port 9899 on each of its $paths path(s)"
wait $client
tap_is "$?" 0 "every message echoed by the kernel peer"
tap_diag "$(cat "$T_WORK/client.out")"
stun_ctl a -j show stats > "$T_WORK/a.stats"
tap_is "$(json_num ports_changed_total < "$T_WORK/a.stats")" 0 \
    "no learned port ever changed"
tap_is "$(json_num ingress_bad_crc < "$T_WORK/a.stats")" 0 \
    "no packet from the kernel dropped for its CRC32c"
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
