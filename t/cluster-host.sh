#!/bin/sh
# The cluster relay on this host, without kernel SCTP: two sctptund
# members (a, b) and a client (c) on one bridge, every SCTP packet crafted
# (t/sctp_craft; -N plays a's kernel through its TUN).  A datagram of an
# association a holds, sent to b from a new port, reaches a relayed and
# verified; a's answer goes back through b's port; an unknown tag is asked
# and given up; an association the owner no longer holds is forgotten by
# the relaying member; forged, replayed and reflected relay messages are
# counted; a stopped member is seen down.  Needs root and network
# namespaces, not SCTP; SKIPs with the reason otherwise.  The VM scenarios test the same
# with real associations behind a load balancer.

if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$PWD}"
T_LIB=$top_srcdir/t/lib
D=$top_builddir/proxy/sctptund
CTL=$top_builddir/proxy/sctptunctl
CRAFT=$top_builddir/t/sctp_craft
CAPTURE=$top_builddir/t/udp_capture

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

[ "$(id -u)" = 0 ] || skip "not root"
command -v ip >/dev/null || skip "no ip (iproute2)"
for t in "$D" "$CTL" "$CRAFT" "$CAPTURE"; do
	[ -x "$t" ] || skip "no $t (make check builds it)"
done
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
S=cl$$
ip netns add "$S-probe" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "$S-probe"

. "$T_LIB/tap.sh"

W=$(mktemp -d /tmp/cluster-host.XXXXXX)
cleanup() {
	local n
	for n in a b; do
		[ -f "$W/$n.pid" ] && kill "$(cat "$W/$n.pid")" 2>/dev/null
	done
	sleep 0.3
	for n in sw a b c; do ip netns del "$S-$n" 2>/dev/null; done
	rm -rf "$W"
}
at_exit cleanup

# The bridge, and a (10.9.0.1), b (.2), c (.3) on it.
for n in sw a b c; do ip netns add "$S-$n" || tap_bail "netns $S-$n"; done
ip -n "$S-sw" link add br0 type bridge && ip -n "$S-sw" link set br0 up
i=1
for n in a b c; do
	ip link add v$n netns "$S-$n" type veth peer name s$n netns "$S-sw" &&
	ip -n "$S-sw" link set s$n master br0 up &&
	ip -n "$S-$n" addr add 10.9.0.$i/24 dev v$n &&
	ip -n "$S-$n" link set v$n up && ip -n "$S-$n" link set lo up ||
	    tap_bail "cannot build the topology"
	i=$((i + 1))
done

head -c 32 /dev/urandom | base64 > "$W/key"
chmod 600 "$W/key"
for n in a b; do
	cat > "$W/$n.conf" <<-EOC
	fastpath = "off";
	peers = ( { name = "clients"; prefixes = [ "10.9.0.3/32" ];
	    strip_addresses = true; } );
	control = { socket = "$W/$n.sock"; };
	state = { file = ""; };
	cluster = { members = [ "10.9.0.1", "10.9.0.2" ]; port = 9901;
	    key_file = "$W/key"; };
	EOC
done

ns() { local n=$1; shift; ip netns exec "$S-$n" "$@"; }
ctl() { local n=$1; shift; "$CTL" -s "$W/$n.sock" "$@"; }
# The value of a counter in a daemon's "show cluster" JSON.
num() {
	ctl "$1" -j show cluster | grep -o "\"$2\":[0-9-]*" | head -1 |
	    cut -d: -f2
}
# Wait up to 5 s for counter $2 of daemon $1 to reach $3.
wait_num() {
	local i v
	for i in $(seq 50); do
		v=$(num "$1" "$2")
		[ "${v:-0}" -ge "$3" ] && return 0
		sleep 0.1
	done
	tap_diag "$1: $2 = ${v:-?}, wanted >= $3"
	return 1
}

tap_plan 20

tap_ok "sctptund -n accepts the cluster group" "$D" -n -f "$W/a.conf"
chmod 644 "$W/key"
tap_ok "sctptund -n refuses a world-readable key, at the key_file line" \
    sh -c "'$D' -n -f '$W/a.conf' 2>&1 |
    grep -q 'a.conf:7: cluster.key_file: .*readable by group or others'"
chmod 600 "$W/key"

for n in a b; do
	# Not through ns(): $! must be the daemon (ip netns exec execs it).
	ip netns exec "$S-$n" "$D" -d -f "$W/$n.conf" > "$W/$n.log" 2>&1 &
	echo $! > "$W/$n.pid"
done
for i in $(seq 50); do
	[ -S "$W/a.sock" ] && [ -S "$W/b.sock" ] && break
	sleep 0.1
done
up() { ctl "$1" -j show cluster | grep -q "\"address\":\"$2\",\"state\":\"up\""; }
for i in $(seq 50); do
	up a 10.9.0.2 && up b 10.9.0.1 && break
	sleep 0.1
done
tap_ok "each member sees the other up, itself as self" sh -c \
    "'$CTL' -s '$W/a.sock' -j show cluster 2>/dev/null | grep -q '\"10.9.0.1\",\"state\":\"self\"'" ||
    tap_diag "$(ctl a show cluster; cat "$W/a.log")"
up a 10.9.0.2 && up b 10.9.0.1 && tap_pass "hellos authenticated both ways" ||
    tap_fail "hellos authenticated both ways"

# A tag nobody holds: b asks, nobody answers, the packet goes to b's kernel.
ns c "$CRAFT" -s 10.9.0.3 -p 40000 10.9.0.2 9899 data 5000 6000 0x1234
tap_ok "an unknown tag is asked of the members" wait_num b relay_queries 1
tap_ok "and given up after 500 ms" wait_num b relay_query_timeouts 1

# An association at a: the client's INIT, then a's "kernel" answers.
ns c "$CRAFT" -s 10.9.0.3 -p 40000 10.9.0.1 9899 init 5000 6000 0xc11e47
sleep 0.2
ns a "$CRAFT" -N -s 10.9.0.1 10.9.0.3 0 initack 6000 5000 0xc11e47 0xaa0001
sleep 0.2
tap_ok "a tracks the association" sh -c \
    "'$CTL' -s '$W/a.sock' -j show assocs | grep -q '\"local_tag\":11141121'"

# The client rebinds to 40001 and the load balancer picks b.
ns c "$CRAFT" -s 10.9.0.3 -p 40001 -r 5 10.9.0.2 9899 data 5000 6000 \
    0xaa0001 > "$W/reply" 2>&1 &
crafter=$!
tap_ok "b relays it to a (the answer to its query)" wait_num b relay_tx_packets 1
tap_ok "a verifies it" wait_num a relay_rx_packets 1
tap_ok "a's path to the client is the new port, via b" sh -c \
    "'$CTL' -s '$W/a.sock' -j show assocs | grep -q '\"udp_port\":40001,.*\"via\":\"10.9.0.2\"'" ||
    tap_diag "$(ctl a show assocs)"
# a's answer: through b, from b's encapsulation port.
ns a "$CRAFT" -N -s 10.9.0.1 10.9.0.3 0 data 6000 5000 0xc11e47
wait "$crafter"
tap_ok "the client gets a's answer from b's port 9899" \
    grep -q "reply from 10.9.0.2 port 9899 to port 40001: sport=6000 dport=5000 vtag=0x00c11e47 crc=ok" "$W/reply" ||
    tap_diag "$(cat "$W/reply")"
tap_ok "counted as SEND both sides" sh -c "[ $(num a send_tx_packets) -ge 1 ] && [ $(num b send_rx_packets) -ge 1 ]"

# a's kernel ends the association (its ABORT goes back through b).  A
# packet of it that b still relays is not a's any more: a says so, b
# forgets and asks again, nobody answers, b's kernel gets it (and ABORTs).
ns a "$CRAFT" -N -s 10.9.0.1 10.9.0.3 0 abort 6000 5000 0xc11e47
sleep 0.2
tap_ok "a's ABORT ends the association" sh -c \
    "'$CTL' -s '$W/a.sock' show assocs | grep -q 'no associations'"
t0=$(num b relay_query_timeouts)
ns c "$CRAFT" -s 10.9.0.3 -p 40001 10.9.0.2 9899 data 5000 6000 0xaa0001
tap_ok "a tells b it no longer holds it" wait_num a relay_unowned 1
sleep 0.2
ns c "$CRAFT" -s 10.9.0.3 -p 40001 10.9.0.2 9899 data 5000 6000 0xaa0001
tap_ok "b asks again, nobody answers: its kernel gets the packet" \
    wait_num b relay_query_timeouts $((t0 + 1))

# Forged, replayed, reflected.
{ printf '\001\004'; head -c 78 /dev/urandom; } > "$W/forged"
ns b "$CRAFT" -s 10.9.0.2 10.9.0.1 9901 file "$W/forged"
tap_ok "a forged message from a member's address: an auth failure" \
    wait_num a relay_auth_failures 1
ns c "$CRAFT" -s 10.9.0.3 10.9.0.1 9901 file "$W/forged"
tap_ok "from elsewhere: an unknown member" wait_num a relay_unknown_member 1
ns a "$CAPTURE" -t 3 va 9901 1 "$W/hello" >/dev/null 2>&1
ns b "$CRAFT" -s 10.9.0.2 10.9.0.1 9901 file "$W/hello.1"
tap_ok "a hello of b's replayed to a: a replay" wait_num a relay_replays 1
before=$(num b relay_auth_failures)
ns a "$CRAFT" -s 10.9.0.1 10.9.0.2 9901 file "$W/hello.1"
tap_ok "the same reflected to b: an auth failure" \
    wait_num b relay_auth_failures $((before + 1))

kill "$(cat "$W/b.pid")"
rm -f "$W/b.pid"
for i in $(seq 20); do
	ctl a -j show cluster | grep -q '"10.9.0.2","state":"down"' && break
	sleep 0.1
done
tap_ok "a stopped member is down within 2 s" sh -c \
    "'$CTL' -s '$W/a.sock' -j show cluster | grep -q '\"10.9.0.2\",\"state\":\"down\"'"
tap_done
