# Scenario: configuration reload under traffic.  While A's application
# streams messages to B through the two sctptund, A's daemon is reloaded:
# a peer with IPv4 and IPv6 prefixes is added (rules and routes appear, the
# IPv6 default route too), a broken file and a restart-only change are
# refused with the running configuration kept, the peer is removed with
# SIGHUP (its rules and routes go), and the association's peer is renamed.
# Through all of it the association keeps its id and learned port and the
# application gets every message back.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

N=1500
topo_direct
stun_direct_addrs 4
topo_block_native_sctp
stun_pair "$B/$plen" "$A/$plen"
conf=$T_WORK/a.conf
cp "$conf" "$T_WORK/a.conf.orig"

echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n $N -S 4 -i 10 \
    -t 400 > "$T_WORK/client.out" 2>&1 &
client=$!
tap_ok "the association is up" stun_wait_json a
id=$(json_num id < "$T_WORK/a.json")
tap_diag "association id $id: $(cat "$T_WORK/a.json")"

# The association as A shows it: id, state, tags and port.
assoc_line() {
	local j
	j=$(stun_ctl a -j show assocs)
	echo "id $(echo "$j" | json_num id)" \
	    "$(echo "$j" | grep -o '"state":"[a-z]*"')" \
	    "tags $(echo "$j" | json_num local_tag)/$(echo "$j" | json_num peer_tag)" \
	    "port $(echo "$j" | json_num udp_port)"
}
rules() { in_ns "$NS_A" ip rule show; }
routes() {
	in_ns "$NS_A" ip -4 route show table 9899
	in_ns "$NS_A" ip -6 route show table 9899
}
# Rewrite A's configuration: the original peer (named $1) plus $2.
write_conf() {
	local line
	while IFS= read -r line; do
		case $line in
		peers*)
			line=${line/name = \"far\"/name = \"$1\"}
			line="${line% );}$2 );"
			;;
		esac
		printf '%s\n' "$line"
	done < "$T_WORK/a.conf.orig" > "$conf"
}
extra=', { name = "extra"; prefixes = [ "192.0.2.128/25", "2001:db8:99::/48" ]; }'

tap_ok "the tunnel table has a blackhole default route behind the TUN's" \
    sh -c "ip netns exec $NS_A ip route show table 9899 type blackhole |
	grep -q default"
before=$(assoc_line)
tap_diag "before: $before"

# 1. Add a peer.
write_conf far "$extra"
stun_ctl a reload > "$T_WORK/r1.out" 2>&1
tap_is "$?" 0 "sctptunctl reload succeeds"
tap_diag "$(cat "$T_WORK/r1.out")"
tap_ok "it says what changed" \
    grep -q "reloaded .*: 2 peers, 2 prefixes added, 0 removed" \
    "$T_WORK/r1.out"
tap_ok "the new IPv4 prefix has its rule" \
    sh -c "ip netns exec $NS_A ip rule show |
	grep -q 'to 192.0.2.128/25 ipproto sctp lookup 9899'"
tap_ok "and its route through the TUN" \
    sh -c "ip netns exec $NS_A ip -4 route show table 9899 |
	grep -q '^192.0.2.128/25 dev sctptun0'"
tap_ok "the IPv6 prefix has its rule" \
    sh -c "ip netns exec $NS_A ip -6 rule show |
	grep -q 'to 2001:db8:99::/48 ipproto sctp lookup 9899'"
tap_ok "IPv6 now has default routes in the tunnel table" \
    sh -c "ip netns exec $NS_A ip -6 route show table 9899 |
	grep -q '^default dev sctptun0'"
tap_ok "the first peer's rule is still there" \
    sh -c "ip netns exec $NS_A ip rule show | grep -q 'to $B ipproto sctp'"
tap_is "$(assoc_line)" "$before" "the association is unchanged"

# 2. A broken file: refused with file:line, nothing changes.
rules > "$T_WORK/rules.before"
printf 'udp_port = 9899;\ntun = { name = "sctptun0";\npeers = oops;\n' \
    > "$conf"
stun_ctl a reload > "$T_WORK/r2.out" 2>&1
rc=$?
tap_ok "a broken file is refused (exit status)" test "$rc" != 0
tap_diag "$(cat "$T_WORK/r2.out")"
tap_ok "with file:line: message" grep -q "^error: $conf:[0-9][0-9]*: " \
    "$T_WORK/r2.out"
tap_ok "the daemon still runs" kill -0 "$(stun_pid a)"
rules > "$T_WORK/rules.after"
tap_ok "the rules are untouched" cmp -s "$T_WORK/rules.before" \
    "$T_WORK/rules.after"
tap_ok "the log says the running configuration was kept" \
    grep -q "reload failed, running configuration kept: $conf:" \
    "$T_WORK/a.log"

# 3. A change only a restart can apply: refused, named.
write_conf far "$extra"
sed -i 's/^udp_port = 9899;/udp_port = 9900;/' "$conf"
stun_ctl a reload > "$T_WORK/r3.out" 2>&1
rc=$?
tap_ok "a new udp_port is refused" test "$rc" != 0
tap_ok "naming the setting" grep -q "changing udp_port needs a restart" \
    "$T_WORK/r3.out"

# 4. SIGHUP removes the extra peer, renames the first one and raises the
# log level to warning: the notice saying it reloaded is not logged.
write_conf near ""
sed -i 's/level = "info"/level = "warning"/' "$conf"
kill -HUP "$(stun_pid a)"
tap_ok "SIGHUP reloads: the removed peer's IPv4 rule goes" wait_until 10 \
    sh -c "! ip netns exec $NS_A ip rule show | grep -q 192.0.2.128"
tap_ok "the new log level holds back the reload notice" \
    sh -c "! grep -q 'reloaded .*: 1 peers' $T_WORK/a.log"
tap_ok "its IPv6 rule too" \
    sh -c "! ip netns exec $NS_A ip -6 rule show | grep -q 2001:db8:99::"
tap_ok "its route too" \
    sh -c "! ip netns exec $NS_A ip -4 route show table 9899 |
	grep -q 192.0.2.128"
tap_ok "the association now belongs to peer \"near\"" \
    sh -c "$SCTPTUNCTL -s $T_WORK/a.sock -j show assocs |
	grep -q '\"peer\":\"near\"'"
tap_is "$(assoc_line)" "$before" \
    "the association kept its id, tags and learned port"

wait $client
rc=$?
tap_diag "$(cat "$T_WORK/client.out")"
tap_is "$rc" 0 "the transfer went on through the reloads"
tap_ok "client verified all $N" grep -q "verified=$N " "$T_WORK/client.out"
stun_ctl b -j show stats > "$T_WORK/b.stats"
tap_is "$(json_num ports_changed_total < "$T_WORK/b.stats")" 0 \
    "B never saw A's port change"
if stun_fast; then
	stun_fast_tap a
	stun_fast_tap b
fi
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
