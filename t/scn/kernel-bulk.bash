# Scenario: bulk transfers between sctptund and the Linux kernel's own
# RFC 6951, the kernel side's socket buffers left at their defaults (as an
# application that never sets them), so that it sends its bursts as GSO
# packets: 3 MB each way (an echo, checked byte for byte), the kernel as
# client and as server, directly over a veth and through a masquerading
# NAT with random ports, IPv4 or IPv6 (argument).
#
# Each transfer must finish within a bound set by the same transfer
# between two sctptund, measured first in this run on the same path.
# During one of them, datagrams with a really bad CRC32c (wrong, 0, and 0
# on an oversized datagram that arrives in IP fragments) are injected with
# the association's own tag: every one must be dropped and counted.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

fam=${1:-4}
count=384 size=8192		# 3 MiB each way
port=7000

# Fresh namespaces for topology $1 (direct or nat); sets A, B and plen,
# and FAR_A, the address B reaches A at (the NAT's, through the NAT).
bulk_topo() {
	topo_cleanup
	if [ "$1" = direct ]; then
		topo_direct
		topo_block_native_sctp
		stun_direct_addrs "$fam"
		FAR_A=$A
	else
		stun_nat_topo "$fam"
		FAR_A=$NAT
	fi
}

# The kernel's own RFC 6951 in namespace $1; sctptund in the other.
bulk_kernel_in() {
	kernel_encap "$1"
	if [ "$1" = "$NS_B" ]; then
		stun_conf a "$B/$plen" && stun_start "$NS_A" a
	else
		stun_conf b "$FAR_A/$plen" && stun_start "$NS_B" b
	fi
}

# Run the echo: client in namespace $1 bound to $2, server in $3 bound to
# $4, reached at $5; more client and server flags (-D) in $6.  Sets MS to
# the client's elapsed milliseconds; returns the client's status, 1 if not
# every message came back verified.
bulk_echo() {
	local out
	port=$((port + 1))
	# shellcheck disable=SC2086
	bg_start "srv$port" "$3" "$SCTP_ECHO" server -q $6 -b "$4" -p "$port"
	wait_sctp_listen "$3" "$port" 10 || return 2
	# shellcheck disable=SC2086
	out=$(in_ns "$1" "$SCTP_ECHO" client -q $6 -b "$2" -a "$5" -p "$port" \
	    -n "$count" -s "$size" -S 4 -w 16 -t 170 2>&1)
	BULK_RC=$?
	bg_stop "$BG_PID"
	tap_diag "client: $out"
	MS=$(sed -n 's/.*elapsed_ms=\([0-9]*\).*/\1/p' <<< "$out")
	[ "$BULK_RC" = 0 ] &&
	    grep -q "verified=$count errors=0" <<< "$out" && [ -n "$MS" ]
}

# The counters of daemon $1 that are not zero, on one line.
bulk_counters() {
	stun_ctl "$1" -j show stats |
	    grep -o '"\(ingress\|egress\|icmp\)_[a-z_0-9]*":[1-9][0-9]*' |
	    grep -v '_batches"' | tr -d '"' | tr '\n' ' '
}

# A counter of daemon $1.
bulk_stat() {
	stun_ctl "$1" -j show stats | json_num "$2"
}

# Transfer $1 must take at most what the reference $2 allows.
bulk_bound() {
	local name=$1 ms=$2 ref=$3 bound
	bound=$((3 * ref + 5000))
	tap_ok "$name: ${ms} ms, within 3 x ${ref} ms + 5 s of two sctptund" \
	    test "$ms" -le "$bound"
}

# Inject bad datagrams from B towards A's sctptund with the tag of A's
# association; $1: A's daemon.  Sets INJECTED to their number.
bulk_inject() {
	local json lport pport ltag
	json=$T_WORK/inject.json
	stun_ctl "$1" -j show assocs > "$json"
	lport=$(json_num local_port < "$json")
	pport=$(json_num peer_port < "$json")
	ltag=$(json_num local_tag < "$json")
	[ -n "$ltag" ] || return 1
	craft() {
		in_ns "$NS_B" "$T_CRAFT" -c "$1" -p 40000 "$A" 9899 "${@:2}"
	}
	craft 5 data "$pport" "$lport" "$ltag" badcrc &&
	    craft 5 data "$pport" "$lport" "$ltag" zerocrc &&
	    craft 3 bigdata "$pport" "$lport" "$ltag" 4000 zerocrc &&
	    craft 3 bigdata "$pport" "$lport" "$ltag" 4000 badcrc || return 1
	INJECTED=16
}

# --- Directly over a veth -----------------------------------------------
bulk_topo direct
stun_conf a "$B/$plen"
stun_conf b "$A/$plen"
tap_ok "direct: sctptund starts in A and B" \
    eval 'stun_start "$NS_A" a && stun_start "$NS_B" b'
bulk_echo "$NS_B" "$B" "$NS_A" "$A" "$A" "-D"
tap_ok "direct, reference: sctptund B -> sctptund A, 3 MiB echoed" test $? = 0
ref_b2a=${MS:-0}
bulk_echo "$NS_A" "$A" "$NS_B" "$B" "$B" "-D"
tap_ok "direct, reference: sctptund A -> sctptund B, 3 MiB echoed" test $? = 0
ref_a2b=${MS:-0}
stun_stop a
stun_stop b

bulk_topo direct
tap_ok "direct: the kernel's RFC 6951 in B, sctptund in A" \
    bulk_kernel_in "$NS_B"
crc0=$(bulk_stat a ingress_bad_crc)
# The kernel as client; the bad datagrams go in once it is under way.
(stun_wait_established a && bulk_inject a > "$T_WORK/inject.log" 2>&1 &&
    echo "$INJECTED" > "$T_WORK/injected") &
injector=$!
bulk_echo "$NS_B" "$B" "$NS_A" "$A" "$A" "-D"
tap_ok "direct: kernel client -> sctptund, 3 MiB each way, byte-exact" \
    test $? = 0
wait $injector
bulk_bound "direct, kernel as client" "${MS:-999999}" "$ref_b2a"
gso=$(bulk_stat a ingress_local_gso)
tap_diag "A: $(bulk_counters a)"
bulk_echo "$NS_A" "$A" "$NS_B" "$B" "$B" "-D"
tap_ok "direct: sctptund -> kernel server, 3 MiB each way, byte-exact" \
    test $? = 0
bulk_bound "direct, kernel as server" "${MS:-999999}" "$ref_a2b"
tap_diag "A: $(bulk_counters a)"
tap_ok "A cut the kernel's GSO bursts and checksummed them" \
    test "$(bulk_stat a ingress_local_gso)" -gt 0
tap_diag "GSO packets from the kernel: $gso as client, then" \
    "$(( $(bulk_stat a ingress_local_gso) - gso )) as server;" \
    "$(bulk_stat a ingress_local_gso_packets) packets cut from them"
injected=$(cat "$T_WORK/injected" 2> /dev/null)
tap_diag "$(cat "$T_WORK/inject.log")"
tap_is "$(( $(bulk_stat a ingress_bad_crc) - crc0 ))" "${injected:-none}" \
    "the 16 injected bad CRC32c (wrong, 0, 0 in fragments) dropped, counted"
tap_is "$(bulk_stat a ingress_bad_vtag)" 0 "no packet failed its tag"
tap_is "$(topo_native_sctp_count)" 0 "direct: no native SCTP on the link"
stun_stop a

# --- Through a masquerading NAT (A inside, B outside) ----------------------
bulk_topo nat
stun_conf a "$B/$plen"
stun_conf b "$FAR_A/$plen"
tap_ok "NAT: sctptund starts in A and B" \
    eval 'stun_start "$NS_A" a && stun_start "$NS_B" b'
bulk_echo "$NS_A" "$A" "$NS_B" "$B" "$B" "-D"
tap_ok "NAT, reference: sctptund A -> sctptund B, 3 MiB echoed" test $? = 0
ref_nat=${MS:-0}
stun_stop a
stun_stop b

# Through the NAT with the kernel in namespace $1 ("$2": its role), the
# client in A; $3 names the sctptund, which must cut GSO bursts.
bulk_nat_kernel() {
	bulk_topo nat
	tap_ok "NAT: the kernel's RFC 6951 as $2, sctptund $3" \
	    bulk_kernel_in "$1"
	bulk_echo "$NS_A" "$A" "$NS_B" "$B" "$B" "-D"
	tap_ok "NAT: kernel as $2, 3 MiB each way, byte-exact" test $? = 0
	bulk_bound "NAT, kernel as $2" "${MS:-999999}" "$ref_nat"
	tap_diag "$3: $(bulk_counters "$3")"
	tap_ok "sctptund $3 cut the GSO bursts that came through the NAT" \
	    test "$(bulk_stat "$3" ingress_local_gso)" -gt 0
	tap_is "$(topo_native_sctp_count)" 0 "NAT: no native SCTP on the links"
	stun_stop "$3"
}
# The kernel outside as server (its bursts forwarded and un-NATed), then
# inside as client (its bursts masqueraded).
bulk_nat_kernel "$NS_B" server a
bulk_nat_kernel "$NS_A" client b
tap_done
