# Scenario: restart survival.  A behind a masquerading NAT runs a paced
# transfer to B; B has learned the NAT's port for A (not 9899), which only
# its table knows.  Halfway, B's sctptund is killed with SIGKILL ("kill": a
# crash, no teardown), stopped with SIGTERM ("clean": systemctl restart),
# or stopped, its binary replaced and started ("upgrade"), and started
# again.  The restarted daemon must come back with the association from
# its state file - same id, tags and learned port, before any packet could
# teach it again - and the transfer must finish with nothing lost and no
# new association.
#
# The links count native SCTP and let it pass: in the gap, native SCTP
# from B would go to the NAT's address, and the NAT's own kernel SCTP
# answers it with an ABORT that kills the association.  sctptund fails
# closed on every stop, so none may leave.  "clean" ends with two negative
# controls: without fail-closed routing (sctptund -C in the gap) native
# SCTP leaves and the NAT's ABORT kills B's association; and a restart
# with state.file = "" leaves B with an empty table.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

mode=${1:-kill}
N=1200
export STUN_STATE_INTERVAL=1 STUN_NATIVE=count
if [ "$mode" = upgrade ]; then
	# The "installed" binary, replaced by a new file while B is stopped.
	installed=$T_WORK/sbin/sctptund
	mkdir -p "$T_WORK/sbin"
	cp "$SCTPTUND" "$installed.new" && cp "$SCTPTUND" "$installed"
	SCTPTUND=$installed
fi
stun_nat_pair 4

# One field of B's association in "show assocs" JSON (file, key).
field() {
	json_num "$2" < "$1"
}
# B's learned port for the NAT's address in a "show assocs" text file.
nat_port_in() {
	grep -o "transport $NAT: udp port [0-9]* (learned" "$1" |
	    head -n 1 | awk '{ print $5 }'
}
# The state file holds at least one record (header 32 + record + CRC 4).
state_has_record() {
	[ -f "$T_WORK/b.state" ] &&
	    [ "$(stat -c %s "$T_WORK/b.state")" -gt 36 ]
}
# Associations the kernel of namespace NS has.
kernel_assocs() {
	in_ns "$1" awk 'NR > 1' /proc/net/sctp/assocs | wc -l
}

echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n $N -S 4 -i 10 \
    -t 300 > "$T_WORK/client.out" 2>&1 &
client=$!

tap_ok "B's table shows the association" stun_wait_json b
cp "$T_WORK/b.json" "$T_WORK/b-before.json"
stun_ctl b show assocs > "$T_WORK/b-before.assocs"
port1=$(nat_port_in "$T_WORK/b-before.assocs")
tap_ok "B learned the NAT's port for A ($port1), not 9899" \
    test -n "$port1" -a "${port1:-9899}" != 9899
tap_ok "B saved its table to the state file" wait_until 10 state_has_record
kassoc_b=$(kernel_assocs "$NS_B")
sleep 2
tap_ok "the transfer is under way" kill -0 $client

if [ "$mode" = kill ]; then
	tap_ok "sctptund B killed with SIGKILL" stun_kill b
	cp "$T_WORK/b.log" "$T_WORK/b-first.log"
else
	tap_ok "sctptund B stopped with SIGTERM" stun_stop b
	cp "$T_WORK/b.log" "$T_WORK/b-first.log"
	tap_ok "it saved the table on the way out" \
	    grep -q "table saved to" "$T_WORK/b-first.log"
fi
tap_diag "B down at $(date +%T.%N)"
tap_ok "while B is down its rule sends SCTP for A into the table" \
    sh -c "ip netns exec $NS_B ip rule show | grep -q 'to $NAT ipproto'"
tap_ok "where only the blackhole is left" \
    sh -c "[ \"\$(ip netns exec $NS_B ip route show table 9899 | cut -d' ' -f1-2)\" = 'blackhole default' ]"
if [ "$mode" = upgrade ]; then
	tap_ok "the binary is replaced (a new file, as an install does)" \
	    mv -f "$installed.new" "$installed"
fi
# Long enough a gap for B's kernel to retransmit into it.
sleep 2
tap_ok "sctptund B starts again" stun_start "$NS_B" b
stun_ctl b -j show assocs > "$T_WORK/b-after.json"
stun_ctl b show assocs > "$T_WORK/b-after.assocs"
tap_diag "B after the restart: $(cat "$T_WORK/b-after.assocs")"
tap_ok "it logged the restored association" \
    grep -q "restored 1 of 1 associations" "$T_WORK/b.log"
for k in id local_tag peer_tag local_port peer_port; do
	tap_is "$(field "$T_WORK/b-after.json" $k)" \
	    "$(field "$T_WORK/b-before.json" $k)" "restored with the same $k"
done
tap_ok "restored established" \
    grep -q '"state":"established"' "$T_WORK/b-after.json"
tap_is "$(nat_port_in "$T_WORK/b-after.assocs")" "$port1" \
    "the learned NAT port is known right after the start"
if stun_fast; then
	if [ "$mode" = kill ]; then
		# SIGKILL left the ingress program on B's uplink (the egress
		# one went with the TUN): the new run removed it first.
		tap_ok "B's new run removed the program the killed one left" \
		    grep -q "removed [1-9][0-9]* fast path program" "$T_WORK/b.log"
	fi
	tap_ok "the restored association is on the fast path at once" \
	    grep -q "transport $NAT: .*, fast path" "$T_WORK/b-after.assocs"
fi

wait $client
rc=$?
tap_diag "$(cat "$T_WORK/client.out")"
tap_is "$rc" 0 "the transfer survived the restart"
tap_ok "client verified all $N" grep -q "verified=$N " "$T_WORK/client.out"
tap_ok "client saw no restart or loss of the association" \
    sh -c "! grep -Eq 'restarted|communication lost|failed' \
    '$T_WORK/client.out'"
tap_is "$(grep -c ' up$' "$T_WORK/client.out")" 1 \
    "one association came up, only one"
stun_ctl b -j show stats > "$T_WORK/b-stats.json"
tap_is "$(field "$T_WORK/b-stats.json" created_total)" 0 \
    "the restarted B made no new entry"
tap_is "$(field "$T_WORK/b-stats.json" ports_learned_total)" 0 \
    "nor had to learn the port again"
tap_is "$kassoc_b" 1 "B's kernel had one association"
# However B stopped, the TUN's routes went with the TUN, and the rules
# and the blackhole left in the table kept the kernel's SCTP off the links
# until sctptund was back.
tap_is "$(topo_native_sctp_count)" 0 \
    "no native SCTP left any namespace, not even in the gap"
stun_fast && stun_fast_tap b

if [ "$mode" = clean ]; then
	# Negative control: what fail-closed routing prevents.  With B's
	# rules removed in the gap, its kernel sends natively to the NAT's
	# address and the NAT's own SCTP answers with an ABORT.
	in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 600 \
	    -S 4 -i 10 -t 60 > "$T_WORK/client2.out" 2>&1 &
	client2=$!
	at_exit "kill $client2 2> /dev/null"
	tap_ok "a second association" stun_wait_json b
	sleep 1
	stun_stop b
	tap_ok "control: sctptund -C in the gap removes the rules" \
	    stun_decommission b
	native_left() { [ "$(topo_native_sctp_count)" -gt 0 ]; }
	b_lost_it() { [ "$(kernel_assocs "$NS_B")" = 0 ]; }
	tap_ok "control: native SCTP now leaves B" wait_until 10 native_left
	tap_ok "control: and the NAT's ABORT kills B's association" \
	    wait_until 15 b_lost_it
	kill $client2 2> /dev/null
	wait $client2 2> /dev/null
	tap_ok "sctptund B starts after -C" stun_start "$NS_B" b

	# Negative control: without a state file the restart forgets all.
	in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 600 \
	    -S 4 -i 10 -t 60 > "$T_WORK/client3.out" 2>&1 &
	client2=$!
	at_exit "kill $client2 2> /dev/null"
	tap_ok "a third association" stun_wait_json b
	stun_stop b
	STUN_STATE_FILE="" stun_conf b "$NAT/32"
	tap_ok "sctptund B starts with state.file = \"\"" stun_start "$NS_B" b
	stun_ctl b show assocs > "$T_WORK/b-nostate.assocs"
	tap_ok "negative control: without the file B knows no association" \
	    sh -c "! grep -q '^assoc' '$T_WORK/b-nostate.assocs'"
	kill $client2 2> /dev/null
	wait $client2 2> /dev/null
fi
tap_done
