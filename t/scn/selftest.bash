# selftest.bash: proves the scenario harness, and is the reference recipe
# for "the Linux kernel's own RFC 6951 encapsulation as the peer".
#
# topo_direct with native SCTP dropped on the links; both namespaces set
# net.sctp.udp_port and net.sctp.encap_port to 9899 BEFORE any SCTP socket
# exists (a socket takes its UDP port when it is created); then socat moves
# a random file A -> B over IPv4 and B -> A over IPv6.  The data must arrive
# byte-exact, no native SCTP may have crossed a link, and UDP 9899 must have.
# Last, a negative control: with encapsulation off in A, a new association
# goes native, and the guard must drop and count it.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"

port=9899
size=${SELFTEST_BYTES:-300000}
tap_plan 10

tap_diag "T_ENV=$T_ENV kernel $(uname -r)"
tap_ok "topo_direct builds A <-> B" topo_direct || true
tap_ok "native SCTP is blocked and UDP $port counted on the links" \
    eval 'topo_block_native_sctp && topo_count_udp $port'

# Kernel RFC 6951 on both sides, before any socket.
encap() {
	in_ns "$1" sysctl -qw net.sctp.udp_port=$port \
	    net.sctp.encap_port=$port >/dev/null &&
	[ "$(in_ns "$1" sysctl -n net.sctp.udp_port)" = $port ] &&
	[ "$(in_ns "$1" sysctl -n net.sctp.encap_port)" = $port ]
}
tap_ok "kernel RFC 6951 enabled in A and B (udp_port=encap_port=$port)" \
    eval 'encap "$NS_A" && encap "$NS_B"'
tap_ok "the kernel listens on UDP $port in B" wait_udp_listen "$NS_B" $port 5

head -c "$size" /dev/urandom > "$T_WORK/data"

# Send $T_WORK/data from namespace $1 to $2 listening on address $3 port $4
# (socat address families $5: SCTP4 or SCTP6); receiver writes $6.
transfer() {
	local from=$1 to=$2 addr=$3 lport=$4 fam=$5 out=$6 srv rc
	bg_start "recv-$lport" "$to" timeout 60 socat -u \
	    "$fam-LISTEN:$lport,bind=$addr" "CREATE:$out"
	srv=$BG_PID
	if ! wait_sctp_listen "$to" "$lport" 10; then
		tap_diag "receiver never listened: $(cat "$T_WORK/recv-$lport.log")"
		return 1
	fi
	in_ns "$from" timeout 60 socat -u "FILE:$T_WORK/data" \
	    "$fam-CONNECT:$addr:$lport" 2> "$T_WORK/send-$lport.log"
	rc=$?
	[ $rc -eq 0 ] || tap_diag "sender: exit $rc: $(cat "$T_WORK/send-$lport.log")"
	bg_wait "$srv" 30 || { rc=$?; tap_diag "receiver: exit $rc:" \
	    "$(cat "$T_WORK/recv-$lport.log")"; }
	return $rc
}

tap_ok "SCTP/IPv4 A -> B transfer ($size bytes)" \
    transfer "$NS_A" "$NS_B" "$TOPO_B4" 5001 SCTP4 "$T_WORK/recv4"
tap_cmp "$T_WORK/data" "$T_WORK/recv4" "IPv4 data arrived byte-exact"
tap_ok "SCTP/IPv6 B -> A transfer ($size bytes)" \
    transfer "$NS_B" "$NS_A" "[$TOPO_A6]" 5002 SCTP6 "$T_WORK/recv6"
tap_cmp "$T_WORK/data" "$T_WORK/recv6" "IPv6 data arrived byte-exact"

native=$(topo_native_sctp_count)
udp=$(topo_udp_count $port)
tap_diag "native SCTP packets on the links: $native; UDP $port packets: $udp"
if [ "$native" = 0 ] && [ "$udp" -gt 0 ]; then
	tap_pass "no native SCTP on the links, $udp UDP $port packets"
else
	tap_fail "no native SCTP on the links, $udp UDP $port packets"
	in_ns "$NS_A" nft list table inet st_guard | sed 's/^/# A: /'
fi
# Negative control: new sockets in A take encap_port 0, so they go native.
in_ns "$NS_A" sysctl -qw net.sctp.encap_port=0 >/dev/null
in_ns "$NS_A" timeout 3 socat -u /dev/null "SCTP4-CONNECT:$TOPO_B4:5003" \
    2>/dev/null
native=$(topo_native_sctp_count)
if [ "$native" -gt 0 ]; then
	tap_pass "control: native SCTP is counted and dropped ($native packets)"
else
	tap_fail "control: native SCTP is counted and dropped ($native packets)"
fi
tap_done
