# Scenarios of encrypted peers: two sctptund with DTLS between them.
#
# Every topology counts, on every link, the UDP datagrams whose payload is
# not a DTLS record (content type 20-23, version FEFD / FEFF): an encrypted
# peer never gets cleartext, so that count must stay 0.  Native SCTP is
# dropped and counted as in every scenario.  The argument picks the part:
#
#   echo       IPv4 and IPv6, PSK and certificates (CA, pin): an echo,
#              byte-exact, the session up with the expected cipher
#   refused    wrong PSK, unknown PSK identity, unknown CA, wrong pin:
#              no association, the failure counted with its reason
#   survival   through a NAT during one transfer: a NAT rebinding, kill -9
#              and restart of each side, a reload that swaps the PSK;
#              nothing lost
#   multihome  two paths, a session each, failover and return
#   attack     replayed, tampered and truncated records, and a handshake
#              flood, during a transfer: dropped, counted, memory capped
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"
. "$T_LIB/dtls.sh"

mode=${1:-echo}
command -v openssl > /dev/null ||
    { echo "1..0 # SKIP no openssl command to make the test keys"; exit 0; }
KEYS=$T_WORK/keys
dtls_keys "$KEYS" || tap_bail "cannot make keys: $(cat "$KEYS/openssl.log")"

# Fresh namespaces for topology $1 with both guards.
dtls_topo() {
	topo_cleanup
	"topo_$1"
	topo_block_native_sctp
	topo_count_non_dtls
}

# The value of "key" in A's or B's (daemon $1) show peers JSON.
peers_json() {
	stun_ctl "$1" -j show peers > "$T_WORK/$1.peers"
	json_num "$2" < "$T_WORK/$1.peers"
}

# A DTLS counter of daemon $1.
dstat() {
	stun_ctl "$1" -j show stats | json_num "$2"
}

# The cipher of daemon $1's current session.
current_cipher() {
	stun_ctl "$1" -j show peers |
	    grep -o '"current":true,"role":"[a-z]*","cipher":"[^"]*"' |
	    head -n 1 | sed 's/.*"cipher":"//; s/"$//'
}

# True once daemon $1 has a session up.
session_up() {
	stun_ctl "$1" -j show peers | grep -q '"state":"up"'
}

# Both daemons for the current configuration files.
start_pair() {
	stun_start "$NS_A" a && stun_start "$NS_B" b
}

stop_pair() {
	stun_stop a
	stun_stop b
}

# An echo of $1 messages from A to B (client bound to A); more client
# options in the rest.  The client's output goes to $T_WORK/client.out.
echo_a_b() {
	local n=$1
	shift
	in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n "$n" \
	    -S 4 "$@" > "$T_WORK/client.out" 2>&1
}

# --- echo ----------------------------------------------------------------
dtls_echo_case() {
	local fam=$1 auth=$2 want=$3
	dtls_topo direct
	stun_direct_addrs "$fam"
	case $auth in
	psk)
		dtls_psk a "pair-ab" "$KEYS/psk"
		stun_conf a "$B/$plen"
		stun_conf b "$A/$plen"
		;;
	cert-ca)
		dtls_cert a "$KEYS/ca.pem"
		stun_conf a "$B/$plen"
		dtls_cert b "$KEYS/ca.pem"
		stun_conf b "$A/$plen"
		;;
	cert-pin)
		dtls_cert a "" "$(dtls_pin "$KEYS/b.pem")"
		stun_conf a "$B/$plen"
		dtls_cert b "" "$(dtls_pin "$KEYS/a.pem")"
		stun_conf b "$A/$plen"
		;;
	esac
	tap_ok "IPv$fam $auth: sctptund starts in A and B" start_pair
	bg_start server "$NS_B" "$SCTP_ECHO" server -b "$B" -p 7000
	server=$BG_PID
	bg_start monitor - "$SCTPTUNCTL" -s "$T_WORK/a.sock" monitor
	monitor=$BG_PID
	wait_sctp_listen "$NS_B" 7000
	echo_a_b 500 -s 1000 -w 16 -t 120
	tap_is "$?" 0 "IPv$fam $auth: 500 messages echoed, byte-exact"
	tap_diag "$(cat "$T_WORK/client.out")"
	stun_ctl a show peers > "$T_WORK/a.peers.txt"
	tap_diag "$(cat "$T_WORK/a.peers.txt")"
	tap_like "$(current_cipher a)" "$want" \
	    "IPv$fam $auth: A's session is up with $want"
	tap_ok "IPv$fam $auth: B's records came in decrypted" \
	    test "$(dstat b dtls_records_in)" -gt 500
	bg_stop "$monitor"
	tap_diag "$(grep dtls- "$T_WORK/monitor.log")"
	tap_ok "IPv$fam $auth: the monitor saw dtls-up with the cipher" \
	    grep -q "dtls-up peer=far local=$A addr=$B udp-port=9900 role=client cipher=$want" \
	    "$T_WORK/monitor.log"
	tap_is "$(topo_non_dtls_count)" 0 \
	    "IPv$fam $auth: not one datagram on the link was not DTLS"
	tap_is "$(topo_native_sctp_count)" 0 "IPv$fam $auth: no native SCTP"
	bg_stop "$server"
	stop_pair
}

# --- refused -------------------------------------------------------------
# Start A and B with what the caller configured; a short echo must fail,
# B must never see an association, and A count failures of reason $2.
dtls_refused_case() {
	local what=$1 reason=$2 counter=$3
	tap_ok "$what: sctptund starts in A and B" start_pair
	bg_start server "$NS_B" "$SCTP_ECHO" server -b "$B" -p 7000
	server=$BG_PID
	wait_sctp_listen "$NS_B" 7000
	tap_ok "$what: the association cannot be set up" \
	    eval '! echo_a_b 5 -t 8'
	tap_diag "$(cat "$T_WORK/client.out")"
	tap_ok "$what: counted as $counter" \
	    test "$(dstat a "$counter")$(dstat b "$counter")" != "00"
	tap_diag "A: $(stun_ctl a -j show stats | grep -o '"dtls_fail[a-z_]*":[1-9][0-9]*')"
	tap_diag "B: $(stun_ctl b -j show stats | grep -o '"dtls_fail[a-z_]*":[1-9][0-9]*')"
	tap_ok "$what: the monitor reason is $reason (log)" \
	    grep -q "failed: $reason" "$T_WORK/a.log" "$T_WORK/b.log"
	tap_ok "$what: B knows no association" \
	    eval 'stun_ctl b show assocs | grep -q "no associations"'
	tap_is "$(dstat a dtls_records_out)$(dstat b dtls_records_in)" 00 \
	    "$what: no record of application data either way"
	tap_is "$(topo_non_dtls_count)" 0 "$what: nothing but DTLS on the link"
	bg_stop "$server"
	stop_pair
	sleep 0.5
}

# --- survival ------------------------------------------------------------
dtls_survival() {
	local n=3000 client port1 port2
	topo_cleanup
	stun_nat_topo 4
	topo_count_non_dtls
	cp "$KEYS/psk" "$KEYS/live"
	dtls_psk a "pair-ab" "$KEYS/live"
	export STUN_STATE_INTERVAL=1
	stun_conf a "$B/32"
	stun_conf b "$NAT/32"
	tap_ok "sctptund starts in A (behind the NAT) and B" start_pair
	echo_server "$NS_B" server -b "$B" -p 7000
	echo_a_b $n -s 300 -w 4 -i 10 -t 300 &
	client=$!
	tap_ok "a session is up in B" wait_until 20 session_up b
	port1=$(peers_json b udp_port)
	tap_diag "B reaches A at the NAT's port $port1"

	topo_nat_flush
	rebound() { [ "$(peers_json b udp_port)" != "$port1" ]; }
	tap_ok "NAT rebinding: B's session follows A's new port" \
	    wait_until 15 rebound
	port2=$(peers_json b udp_port)
	tap_ok "on an authenticated record ($port1 -> $port2, roams counted)" \
	    test "$(dstat b dtls_roams)" -ge 1

	tap_ok "kill -9 of A" stun_kill a
	sleep 1
	tap_ok "A starts again" stun_start "$NS_A" a
	tap_ok "A gets a session by itself" wait_until 20 session_up a

	tap_ok "kill -9 of B" stun_kill b
	sleep 1
	tap_ok "B starts again" stun_start "$NS_B" b
	tap_ok "B gets a session by itself" wait_until 20 session_up b

	cp "$KEYS/psk2" "$KEYS/live"
	stun_ctl a reload > "$T_WORK/reload-a.out" 2>&1
	tap_is "$?" 0 "A reloads a new PSK"
	stun_ctl b reload > "$T_WORK/reload-b.out" 2>&1
	tap_is "$?" 0 "B reloads it too"
	tap_diag "$(cat "$T_WORK/reload-a.out" "$T_WORK/reload-b.out")"
	new_key_up() { [ "$(dstat a dtls_rekeys)$(dstat b dtls_rekeys)" != 00 ] ||
	    [ "$(dstat a dtls_handshakes_done)" -ge 2 ]; }
	tap_ok "sessions of the new key replace the old ones" \
	    wait_until 20 new_key_up

	wait $client
	tap_is "$?" 0 "the transfer survived all of it"
	tap_diag "$(cat "$T_WORK/client.out")"
	tap_ok "client verified all $n" grep -q "verified=$n " \
	    "$T_WORK/client.out"
	tap_ok "and saw no restart or loss of the association" \
	    sh -c "! grep -Eq 'restarted|communication lost|failed' \
	    '$T_WORK/client.out'"
	tap_is "$(topo_non_dtls_count)" 0 "not one datagram was not DTLS"
	tap_is "$(topo_native_sctp_count)" 0 "no native SCTP"
	stop_pair
}

# --- multihome -----------------------------------------------------------
dtls_multihome() {
	local n=1500 client sessions
	dtls_topo dual
	A=$TOPO_A4 B=$TOPO_B4
	dtls_psk a "pair-ab" "$KEYS/psk"
	stun_conf a "$TOPO_B4/32" "$TOPO_B4_2/32"
	stun_conf b "$TOPO_A4/32" "$TOPO_A4_2/32"
	for ns in "$NS_A" "$NS_B"; do
		in_ns "$ns" sysctl -qw net.sctp.hb_interval=1000 > /dev/null
	done
	tap_ok "sctptund starts in A and B" start_pair
	echo_server "$NS_B" server -b "$TOPO_B4" -b "$TOPO_B4_2" -p 7000
	in_ns "$NS_A" "$SCTP_ECHO" client -b "$TOPO_A4" -b "$TOPO_A4_2" \
	    -a "$TOPO_B4" -a "$TOPO_B4_2" -p 7000 -n $n -S 4 -s 300 -w 4 \
	    -i 10 -t 300 > "$T_WORK/client.out" 2>&1 &
	client=$!
	both() { [ "$(stun_ctl a -j show peers | grep -o '"state":"up","current":true' |
	    wc -l)" -ge 2 ]; }
	tap_ok "a session on each path (heartbeats keep the second busy)" \
	    wait_until 30 both
	stun_ctl a show peers > "$T_WORK/a.peers.txt"
	tap_diag "$(cat "$T_WORK/a.peers.txt")"
	topo_link_block "$NS_B" veth1
	sleep 8
	tap_ok "path 1 fails: the association carries on over path 2" \
	    kill -0 $client
	topo_link_unblock "$NS_B" veth1
	sleep 5
	wait $client
	tap_is "$?" 0 "all messages echoed across the failover and return"
	tap_diag "$(cat "$T_WORK/client.out")"
	tap_is "$(topo_non_dtls_count)" 0 "not one datagram was not DTLS"
	tap_is "$(topo_native_sctp_count)" 0 "no native SCTP"
	stop_pair
}

# --- attack --------------------------------------------------------------
# Resident set size of daemon $1, in kB.
rss_kb() {
	awk '/^VmRSS/ { print $2 }' "/proc/$(stun_pid "$1")/status"
}

# Flood B from A's 40 extra addresses, 3 clients each, and wait until the
# half-open handshakes are gone again; B's peers while it ran in
# $T_WORK/b.peers.txt.
flood_round() {
	local floods=() i
	for i in $(seq 100 139); do
		in_ns "$NS_A" "$T_FLOOD" -s "192.0.2.$i" -t 4 "$B" 9900 3 \
		    >> "$T_WORK/flood.out" 2>&1 &
		floods+=($!)
	done
	# The cap fills as the floods start, slowly on a loaded machine
	# (hence a half-open one lasts 15 s here, longer than their start
	# takes): the first view with 16 or more half-open handshakes, else
	# the last of 8 s.
	for i in $(seq 40); do
		stun_ctl b show peers > "$T_WORK/b.peers.txt"
		[ "$(grep -c ': handshake, server' "$T_WORK/b.peers.txt")" \
		    -ge 16 ] && break
		sleep 0.2
	done
	wait "${floods[@]}"
	# Then the half-open ones time out (handshake_timeout).
	wait_until 25 halfopen_none
}

# True when B holds no half-open server handshake.
halfopen_none() {
	! stun_ctl b show peers | grep -q ': handshake, server'
}

dtls_attack() {
	local n=2000 client i f rss0 rss1 rss2 replayed0 bad0
	dtls_topo direct
	stun_direct_addrs 4
	dtls_psk a "pair-ab" "$KEYS/psk"
	STUN_DTLS="port = 9900; max_handshakes = 16; handshake_timeout = 15;"
	stun_conf a "$B/32"
	stun_conf b "192.0.2.0/24"
	tap_ok "sctptund starts in A and B" start_pair
	echo_server "$NS_B" server -b "$B" -p 7000
	echo_a_b $n -s 300 -w 4 -i 10 -t 300 &
	client=$!
	tap_ok "a session is up in B" wait_until 20 session_up b
	in_ns "$NS_B" "$T_CAPTURE" -k 23 veth0 9900 6 "$T_WORK/rec"
	tap_is "$?" 0 "six of A's records captured on their way to B"
	replayed0=$(dstat b dtls_replayed)
	bad0=$(( $(dstat b dtls_forged) + $(dstat b dtls_not_dtls) ))
	craft() { in_ns "$NS_A" "$T_CRAFT" -R -s "$A" -p "$1" "$B" 9900 \
	    file "$2"; }
	for i in 1 2 3 4 5; do
		craft 9900 "$T_WORK/rec.$i"
	done
	sleep 0.5
	tap_is "$(( $(dstat b dtls_replayed) - replayed0 ))" 5 \
	    "5 records replayed from A's port: dropped as replays"
	craft 40000 "$T_WORK/rec.6"
	sleep 0.5
	tap_is "$(dstat b dtls_roams)" 0 \
	    "one replayed from another port: the port did not move"
	# A copy with a sequence number never seen (so no replay) and a
	# flipped byte in its tag: it must fail authentication.
	f=$T_WORK/tampered
	cp "$T_WORK/rec.6" "$f"
	printf '\x7f' | dd of="$f" bs=1 seek=5 conv=notrunc 2> /dev/null
	printf '\x55' | dd of="$f" bs=1 seek=$(( $(stat -c %s "$f") - 3 )) \
	    conv=notrunc 2> /dev/null
	craft 9900 "$f"
	head -c 40 "$T_WORK/rec.6" > "$f.cut"
	craft 9900 "$f.cut"
	head -c 9 "$T_WORK/rec.6" > "$f.short"
	craft 9900 "$f.short"
	sleep 0.5
	tap_is "$(( $(dstat b dtls_forged) + $(dstat b dtls_not_dtls) - bad0 ))" \
	    3 "a tampered, a truncated and a short record: dropped, counted"
	tap_diag "B: $(stun_ctl b -j show stats | grep -o '"dtls_[a-z_]*":[1-9][0-9]*' | tr '\n' ' ')"

	# A path holds one handshake at a time: a flood from A's own
	# address can hold one.  From 40 more of A's prefix, the cap holds.
	# Memory: what the cap's handshakes cost, once; a second flood of
	# the same size must not add to it.
	rss0=$(rss_kb b)
	in_ns "$NS_A" "$T_FLOOD" -s "$A" -t 3 "$B" 9900 100 \
	    > "$T_WORK/flood.out" 2>&1
	tap_diag "$(cat "$T_WORK/flood.out")"
	for i in $(seq 100 139); do
		in_ns "$NS_A" ip addr add "192.0.2.$i/24" dev veth0
	done
	flood_round 1
	tap_is "$(grep -c ': handshake, server' "$T_WORK/b.peers.txt")" 16 \
	    "a flood of 340 handshakes from 41 addresses: 16 (the cap) half open"
	tap_ok "the others dropped and counted" \
	    test "$(dstat b dtls_halfopen_full)" -ge 20
	rss1=$(rss_kb b)
	flood_round 2
	rss2=$(rss_kb b)
	tap_diag "B's resident size: $rss0 kB before, $rss1 kB after a flood," \
	    "$rss2 kB after another"
	tap_ok "the cap's handshakes cost B less than 16 MB" \
	    test $((rss1 - rss0)) -lt 16384
	tap_ok "a second flood added less than 1 MB: memory is bounded" \
	    test $((rss2 - rss1)) -lt 1024
	wait $client
	tap_is "$?" 0 "the association was undisturbed: every message echoed"
	tap_diag "$(cat "$T_WORK/client.out")"
	tap_is "$(topo_native_sctp_count)" 0 "no native SCTP"
	stop_pair
}

case $mode in
echo)
	dtls_echo_case 4 psk ECDHE-PSK-CHACHA20-POLY1305
	dtls_echo_case 6 psk ECDHE-PSK-CHACHA20-POLY1305
	dtls_echo_case 4 cert-ca ECDHE-ECDSA-
	dtls_echo_case 6 cert-pin ECDHE-ECDSA-
	;;
refused)
	dtls_topo direct
	stun_direct_addrs 4
	dtls_psk a "pair-ab" "$KEYS/psk"
	stun_conf a "$B/32"
	dtls_psk b "pair-ab" "$KEYS/psk-bad"
	stun_conf b "$A/32"
	dtls_refused_case "wrong PSK" bad-key dtls_fail_bad_key
	dtls_psk b "someone-else" "$KEYS/psk"
	stun_conf b "$A/32"
	dtls_refused_case "unknown PSK identity" unknown-psk \
	    dtls_fail_unknown_psk
	dtls_cert a "$KEYS/ca.pem"
	stun_conf a "$B/32"
	dtls_cert rogue-b "$KEYS/ca.pem"
	stun_conf b "$A/32"
	dtls_refused_case "certificate of an unknown CA" unknown-ca \
	    dtls_fail_unknown_ca
	dtls_cert a "" "$(dtls_pin "$KEYS/a.pem")"
	stun_conf a "$B/32"
	dtls_cert b "" "$(dtls_pin "$KEYS/a.pem")"
	stun_conf b "$A/32"
	dtls_refused_case "a public key not the pinned one" bad-pin \
	    dtls_fail_bad_pin
	tap_is "$(topo_native_sctp_count)" 0 "no native SCTP"
	;;
survival)
	dtls_survival
	;;
multihome)
	dtls_multihome
	;;
attack)
	dtls_attack
	;;
esac
tap_done
