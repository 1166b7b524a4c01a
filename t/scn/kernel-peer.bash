# Scenario: kernel app <-> sctptund <-> UDP <-> the Linux kernel's own
# RFC 6951 (net.sctp.udp_port / encap_port, no sctptund on that side),
# associations started from each side in turn, IPv4 or IPv6 (argument).
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

fam=${1:-4}
topo_direct
stun_direct_addrs "$fam"
topo_block_native_sctp
kernel_encap "$NS_B"
stun_conf a "$B/$plen"
tap_ok "sctptund starts in A" stun_start "$NS_A" a

# A connects to the kernel-encapsulating B.  B's application leaves its
# socket buffers alone (-D), as most do: the kernel sends bursts as GSO.
echo_server "$NS_B" server-b -D -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 500 -S 4 -s 4096 \
    -w 16 -t 120 > "$T_WORK/c1.out" 2>&1
tap_is "$?" 0 "sctptund -> kernel RFC 6951: 500 messages echoed"
tap_diag "$(cat "$T_WORK/c1.out")"

# B's kernel connects to A behind sctptund.
echo_server "$NS_A" server-a -b "$A" -p 7001
in_ns "$NS_B" "$SCTP_ECHO" client -D -b "$B" -a "$A" -p 7001 -n 500 -S 4 \
    -s 4096 -w 16 -t 120 > "$T_WORK/c2.out" 2>&1 &
client=$!
tap_ok "A's table shows the association B's kernel started" \
    stun_wait_established a
tap_diag "$(cat "$T_WORK/a.assocs")"
tap_ok "with B's port 9899 learned from B's packets" \
    grep -q "transport $B: udp port 9899 (learned" "$T_WORK/a.assocs"
wait $client
tap_is "$?" 0 "kernel RFC 6951 -> sctptund: 500 messages echoed"
tap_diag "$(cat "$T_WORK/c2.out")"

# Linux 6.1 sends bursts as GSO packets; over veth they reach a UDP socket
# whole, with the SCTP CRC32c never filled in.  sctptund cuts them back
# into packets and checksums them (common/coalesce.h): none is dropped.
stun_ctl a -j show stats > "$T_WORK/a.stats"
tap_diag "GSO packets from the kernel cut and checksummed:" \
    "$(json_num ingress_local_gso < "$T_WORK/a.stats")," \
    "$(json_num ingress_local_gso_packets < "$T_WORK/a.stats") packets"
tap_is "$(json_num ingress_bad_crc < "$T_WORK/a.stats")" 0 \
    "no packet from the kernel dropped for its CRC32c"
tap_is "$(json_num ports_changed_total < "$T_WORK/a.stats")" 0 \
    "no learned port ever changed"
tap_is "$(json_num ingress_bad_vtag < "$T_WORK/a.stats")" 0 \
    "every verified-path packet from the kernel had a matching tag"
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
