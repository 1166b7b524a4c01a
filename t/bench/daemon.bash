# daemon.bash: the sctptund of the host benchmarks (cpucost.bash,
# soak.bash), in namespace A; sourced after tap.sh and topo.sh.  Its
# configuration is $T_WORK/x.conf, its control socket $T_WORK/x.sock, its
# output $T_WORK/x.log.
#
#   start_daemon [WRAPPER...]  start it (behind WRAPPER, valgrind say) and
#                              wait up to 60 s for its control socket;
#                              sets DPID
#   stop_daemon                SIGTERM it and wait; 0 if it exited cleanly

start_daemon() {
	local i
	ip netns exec "$NS_A" "$@" "$SCTPTUND" -d -f "$T_WORK/x.conf" \
	    > "$T_WORK/x.log" 2>&1 &
	DPID=$!
	at_exit "kill $DPID 2>/dev/null"
	for i in $(seq 600); do
		"$SCTPTUNCTL" -s "$T_WORK/x.sock" show stats >/dev/null 2>&1 &&
		    return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T_WORK/x.log" >&2
	return 1
}

# Callgrind writes its file at exit: wait for it.
stop_daemon() {
	kill -TERM "$DPID" 2>/dev/null || return 1
	wait "$DPID"
}
