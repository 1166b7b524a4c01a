# Scenario: what a stopped sctptund leaves, and "sctptund -C".
#
# A stopped or killed sctptund fails closed: its rules send the kernel's
# SCTP for the peers into a blackhole.  A start over a crashed run's
# leftovers takes them over (and prunes the rule of a prefix no longer
# configured); -C refuses while sctptund runs; -C after a crash removes
# rules, routes and the TUN and puts rp_filter back; afterwards SCTP to
# the prefix goes natively, as asked; a start after -C works.  The link
# counts native SCTP and lets it pass, so a leak would be seen and would
# reach B.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

topo_direct
topo_count_native_sctp
A=$TOPO_A4 B=$TOPO_B4
in_ns "$NS_A" sysctl -qw net.ipv4.conf.all.rp_filter=1

rules_a() {
	in_ns "$NS_A" ip rule show | grep -c 'lookup 9899'
}
table_a() {
	in_ns "$NS_A" ip route show table 9899 2> /dev/null
}
rp_all() {
	in_ns "$NS_A" sysctl -n net.ipv4.conf.all.rp_filter
}
# An echo of $1 messages from A to B's server; $2: timeout.
echo_a_to_b() {
	in_ns "$NS_A" "$SCTP_ECHO" client -q -b "$A" -a "$B" -p 7000 -n "$1" \
	    -S 2 -t "$2" > "$T_WORK/echo.out" 2>&1
}

# A second prefix that a later configuration drops.
stun_conf a "$B/32" "203.0.113.0/24"
stun_conf b "$A/32"
tap_ok "sctptund starts in A and B" \
    eval 'stun_start "$NS_A" a && stun_start "$NS_B" b'
echo_server "$NS_B" server -b "$B" -p 7000
tap_ok "an association through the tunnel" echo_a_to_b 100 30
tap_is "$(rules_a)" 2 "A has a rule per prefix"
tap_is "$(rp_all)" 0 "rp_filter of all is 0 while it runs"

tap_ok "-C refuses while sctptund runs" eval '! stun_decommission a'
tap_diag "$(cat "$T_WORK/a.decommission")"
tap_ok "saying why" grep -q "is running" "$T_WORK/a.decommission"
tap_is "$(rules_a)" 2 "and touches nothing"

tap_ok "sctptund A killed (a crash)" stun_kill a
tap_is "$(rules_a)" 2 "its rules stay"
tap_ok "its TUN went, the blackhole stays" \
    test "$(table_a | cut -d' ' -f1-2)" = "blackhole default"
tap_ok "SCTP from A to B goes nowhere while it is down" \
    eval '! echo_a_to_b 5 3'
tap_is "$(topo_native_sctp_count)" 0 "and never natively"

# Start over the leftovers with one prefix fewer.
stun_conf a "$B/32"
tap_ok "sctptund A starts over a crashed run's leftovers" \
    stun_start "$NS_A" a
tap_ok "it pruned the rule of the prefix it no longer has" \
    grep -q "removed 1 rules of prefixes no longer configured" \
    "$T_WORK/a.log"
tap_is "$(rules_a)" 1 "one rule left"
tap_ok "associations work again" echo_a_to_b 100 30
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP so far"

tap_ok "sctptund A killed again" stun_kill a
tap_ok "sctptund B stopped" stun_stop b
tap_is "$(rp_all)" 0 "after the crash rp_filter of all is still 0"
tap_ok "sctptund -C in A" stun_decommission a
tap_diag "$(cat "$T_WORK/a.decommission")"
tap_ok "puts back rp_filter of all from before the first start" \
    grep -q 'put rp_filter of "all" back to 1' "$T_WORK/a.decommission"
tap_is "$(rp_all)" 1 "rp_filter of all is 1 again"
tap_is "$(rules_a)" 0 "no rule left"
tap_is "$(table_a | wc -l)" 0 "no route left in its table"
tap_ok "no TUN" eval '! in_ns "$NS_A" ip link show sctptun0 2> /dev/null'
tap_ok "sctptund -C in B" stun_decommission b
tap_ok "now SCTP from A to B goes natively, as asked" echo_a_to_b 50 30
native=$(topo_native_sctp_count)
tap_ok "the link saw it ($native packets)" test "$native" -gt 0
tap_ok "-C again has nothing to remove" stun_decommission a
tap_ok "and says so" \
    grep -q "^removed 0 rules and routes" "$T_WORK/a.decommission"

tap_ok "sctptund starts in A and B after -C" \
    eval 'stun_start "$NS_A" a && stun_start "$NS_B" b'
tap_ok "associations go through the tunnel again" echo_a_to_b 100 30
tap_is "$(topo_native_sctp_count)" "$native" "no native SCTP since"
tap_done
