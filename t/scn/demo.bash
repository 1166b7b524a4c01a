# The demo: a kernel SCTP association crossing a UDP-only link through two
# sctptund instances.  Native SCTP is dropped on the link (nftables), so
# everything that arrives came inside UDP.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

A=192.0.2.1 B=192.0.2.2
say() { printf '\n== %s\n' "$*"; }

say "two hosts, A ($A) and B ($B), on a link that drops native SCTP"
topo_direct
topo_block_native_sctp
# As a user gets it: the eBPF fast path when the build and the kernel
# allow it ("auto", the default), else sctptund carries every packet.
STUN_FASTPATH=auto
stun_conf a "$B/32"
stun_conf b "$A/32"
stun_start "$NS_A" a || exit 1
stun_start "$NS_B" b || exit 1
say "sctptund a: $(grep -o 'fast path o[nf].*' "$T_WORK/a.log" | head -n 1)"
say "sctptund runs on both; A's policy routing steers SCTP into its TUN:"
in_ns "$NS_A" ip rule show | grep -E 'ipproto (sctp|132)'
in_ns "$NS_A" ip route show table 9899

say "B: sctp_echo server on $B:7000; A: client sends 1000 messages on 4 streams"
echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 1000 -S 4 -i 3 \
    -t 120 &
client=$!
stun_wait_established a && stun_wait_established b
sleep 1
say "while it runs: sctptunctl show assocs on A"
stun_ctl a show assocs
say "and on B"
stun_ctl b show assocs
wait $client
rc=$?

say "sctptunctl show stats on B (traffic)"
stun_ctl b show stats | sed -n '/^traffic/,/^drops/p' | sed '$d'
say "native SCTP packets dropped on the link: $(topo_native_sctp_count)"
if [ "$rc" -eq 0 ] && [ "$(topo_native_sctp_count)" = 0 ]; then
	say "demo OK: the association crossed the link inside UDP only"
	exit 0
fi
say "demo FAILED (client exit $rc)"
exit 1
