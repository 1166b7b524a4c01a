# Scenario: sctptunctl monitor.  B (outside a masquerading NAT) is watched
# by a text and a JSON monitor while A's paced transfer to B comes up, gets
# bad datagrams and an INIT from a new port, has its NAT mapping flushed,
# loses its path for a few seconds and ends: every event appears, with its
# fields, in both forms.  A monitor killed mid-burst, or started during
# one, does not disturb the daemon.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

N=3000
topo_nat
topo_nat_masquerade
topo_block_native_sctp
A=$TOPO_A4 B=$TOPO_B4 NAT=$TOPO_RB4
in_ns "$NS_B" ip -4 route del default 2> /dev/null
stun_conf a "$B/32"
stun_conf b "$NAT/32"
echo 'monitor = { path_silent = 4; drop_summary = 2; };' >> "$T_WORK/b.conf"
tap_ok "sctptund starts in A (behind the NAT)" stun_start "$NS_A" a
tap_ok "sctptund starts in B" stun_start "$NS_B" b

# The monitors, from before anything happens.
# Not through a function: $! must be sctptunctl itself, for the signals.
"$SCTPTUNCTL" -s "$T_WORK/b.sock" monitor > "$T_WORK/mon.txt" \
    2> "$T_WORK/mon.err" &
mon_txt=$!
"$SCTPTUNCTL" -s "$T_WORK/b.sock" -j monitor > "$T_WORK/mon.json" \
    2> "$T_WORK/monj.err" &
mon_json=$!
at_exit "kill $mon_txt $mon_json 2> /dev/null"
sleep 0.5

# Wait until the text and JSON monitors both have a line matching each
# extended regular expression: $1 for text, $2 for JSON.
mon_wait() {
	wait_until "${3:-20}" grep -Eq -- "$1" "$T_WORK/mon.txt" &&
	    wait_until 5 grep -Eq -- "$2" "$T_WORK/mon.json"
}
# The value of KEY (text form) on the last text line of EVENT.
mon_field() {
	grep " $1 " "$T_WORK/mon.txt" | tail -n 1 |
	    grep -o " $2=[^ ]*" | cut -d= -f2
}
TS='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
J='^\{"time":"[0-9T:.-]+Z","event":'

echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n $N -S 4 -i 10 \
    -t 150 > "$T_WORK/client.out" 2>&1 &
client=$!

stun_wait_json b
lport=$(json_num local_port < "$T_WORK/b.json")
pport=$(json_num peer_port < "$T_WORK/b.json")
ltag=$(json_num local_tag < "$T_WORK/b.json")
tap_ok "association established (ports $pport -> $lport)" test -n "$ltag"

tap_ok "assoc-up: peer, ports, address, tags (text and JSON)" mon_wait \
    "$TS assoc-up id=[0-9]+ peer=far local-port=7000 peer-port=$pport addr=$NAT udp-port=[0-9]+ ltag=0x[0-9a-f]{8} ptag=0x[0-9a-f]{8} initiator=peer\$" \
    "$J\"assoc-up\",\"id\":[0-9]+,\"peer\":\"far\",\"local_port\":7000,\"peer_port\":$pport,\"addr\":\"$NAT\",.*\"ltag\":$ltag,"
id=$(mon_field assoc-up id)
tap_ok "port-learned: the NAT's port for A" mon_wait \
    "$TS port-learned id=$id peer=far addr=$NAT udp-port=[0-9]+\$" \
    "$J\"port-learned\",\"id\":$id,\"peer\":\"far\",\"addr\":\"$NAT\",\"udp_port\":[0-9]+\\}"
port1=$(mon_field port-learned udp-port)
tap_ok "it is the NAT's ($port1), in JSON too" grep -q \
    "\"port-learned\",\"id\":$id,.*\"udp_port\":$port1}" "$T_WORK/mon.json"

# Bad datagrams: a drop summary by reason.
craft() {
	in_ns "$NS_R" "$T_CRAFT" -c 5 -s "$NAT" -p 45000 "$B" 9899 "$@"
}
craft short 4
craft data "$pport" "$lport" "$ltag" badcrc
# The sum of REASON over the drop summaries of the text monitor.
drops_sum() {
	grep -o " drops .*" "$T_WORK/mon.txt" | grep -o " $1=[0-9]*" |
	    cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }'
}
tap_ok "drops summary: ingress_short and ingress_bad_crc" mon_wait \
    "$TS drops interval=2 total=[0-9]+ .*ingress_bad_crc=" \
    "$J\"drops\",\"interval\":2,\"total\":[0-9]+,.*\"ingress_bad_crc\":"
tap_is "$(drops_sum ingress_short)/$(drops_sum ingress_bad_crc)" 5/5 \
    "5 short and 5 bad CRC32c reported"

# An INIT of the association from another port: answered by ABORT.
in_ns "$NS_R" "$T_CRAFT" -s "$NAT" -p 40000 "$B" 9899 init "$pport" \
    "$lport" 0x1234abcd
tap_ok "init-collision: stored port, new port, initiate tag" mon_wait \
    "$TS init-collision id=$id peer=far local-port=7000 peer-port=$pport addr=$NAT udp-port=$port1 new-port=[0-9]+ init-tag=0x1234abcd answer=abort\$" \
    "$J\"init-collision\",\"id\":$id,.*\"udp_port\":$port1,\"new_port\":[0-9]+,\"init_tag\":305441741,\"answer\":\"abort\"\\}"

# A monitor killed in the middle of a burst, one started during it.
in_ns "$NS_R" "$T_CRAFT" -c 3000 -s "$NAT" -p 45001 "$B" 9899 garbage 200 &
burst=$!
"$SCTPTUNCTL" -s "$T_WORK/b.sock" monitor > "$T_WORK/mon3.txt" 2>&1 &
mon3=$!
"$SCTPTUNCTL" -s "$T_WORK/b.sock" -j monitor > /dev/null 2>&1 &
sleep 0.3
kill -9 $!
wait $burst
tap_ok "a monitor started during a burst gets its drop summary" \
    wait_until 10 grep -q " drops .*ingress_bad_chunk=" "$T_WORK/mon3.txt"
kill -9 $mon3
tap_ok "sctptund B is still running" kill -0 "$(stun_pid b)"
tap_ok "and answers" eval 'stun_ctl b show stats > /dev/null'

# NAT rebinding.
topo_nat_flush
tap_ok "port-changed: old and new port" mon_wait \
    "$TS port-changed id=$id peer=far addr=$NAT old-port=$port1 udp-port=[0-9]+\$" \
    "$J\"port-changed\",\"id\":$id,\"peer\":\"far\",\"addr\":\"$NAT\",\"old_port\":$port1,\"udp_port\":[0-9]+\\}" 30
port2=$(mon_field port-changed udp-port)
tap_ok "the new port is another ($port1 -> $port2)" \
    test -n "$port2" -a "$port2" != "$port1"

# The path goes silent (B hears nothing for 8 s), then comes back.
topo_link_block "$NS_B" veth0 "udp dport 9899"
tap_ok "path-silent after 4 s" mon_wait \
    "$TS path-silent id=$id peer=far addr=$NAT udp-port=$port2 silent-for=[0-9]+\$" \
    "$J\"path-silent\",\"id\":$id,\"peer\":\"far\",\"addr\":\"$NAT\",\"udp_port\":$port2,\"silent_for\":[0-9]+\\}" 15
stun_ctl b show assocs > "$T_WORK/b.assocs"
tap_ok "show assocs marks the transport silent" \
    grep -Eq "transport $NAT: udp port $port2 .*, silent(, fast path)?\$" \
    "$T_WORK/b.assocs"
tap_ok "and so does its JSON" eval \
    "stun_ctl b -j show assocs | grep -q '\"address\":\"$NAT\",[^}]*\"silent\":true'"
topo_link_unblock "$NS_B" veth0
tap_ok "path-back once A is heard again" mon_wait \
    "$TS path-back id=$id peer=far addr=$NAT udp-port=$port2\$" \
    "$J\"path-back\",\"id\":$id,\"peer\":\"far\",\"addr\":\"$NAT\",\"udp_port\":$port2\\}" 30

# The end of the association.
wait $client
tap_is "$?" 0 "the transfer survived it all"
tap_diag "$(tail -n 2 "$T_WORK/client.out")"
tap_ok "assoc-down reason=shutdown" mon_wait \
    "$TS assoc-down id=$id peer=far local-port=7000 peer-port=$pport addr=$NAT reason=shutdown from=(peer|local) up-for=[0-9]+ rx-packets=[0-9]+ tx-packets=[0-9]+\$" \
    "$J\"assoc-down\",\"id\":$id,.*\"reason\":\"shutdown\",\"from\":\"(peer|local)\",\"up_for\":[0-9]+," 15

# Every JSON line is one well-formed object of flat fields.
jbad=$(grep -Evc "$J\"[a-z-]+\"(,\"[a-z_]+\":(\"[^\"\\\\]*\"|[0-9]+))*\\}\$" \
    "$T_WORK/mon.json")
tap_is "$jbad" 0 "every JSON line is a flat JSON object"
tap_is "$(grep -Evc "$TS [a-z-]+( [a-z_-]+=[^ ]+)*\$" "$T_WORK/mon.txt")" 0 \
    "every text line is TIME EVENT key=value..."
tap_is "$(wc -l < "$T_WORK/mon.txt")" "$(wc -l < "$T_WORK/mon.json")" \
    "both monitors saw as many events"
tap_ok "the monitors are still running" kill -0 $mon_txt $mon_json
if stun_fast; then
	# B's user space also took the datagrams crafted above (5 short, 5
	# bad CRC32c, an INIT, 3000 of garbage), which are no association's.
	stun_fast_tap a
	stun_fast_tap b 80 3011 0
fi
kill -INT $mon_txt
wait $mon_txt
tap_is "$?" 0 "sctptunctl monitor exits 0 on SIGINT"
stun_stop b
wait $mon_json
tap_is "$?" 1 "and 1 when the daemon goes away"
tap_diag "$(cat "$T_WORK/mon.txt")"
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
