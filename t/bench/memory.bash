# memory.bash: sctptund's resident size, idle, with the default limits
# (65536 associations, 4096 setups), on this host in a network namespace
# (no kernel SCTP needed): with the fast path off, and on when the build
# has it.  The goal the issue sets: at most 8 MB.  The table's own bytes
# per association (1, 2 and 8 transports) are tablebench's (BENCH_ONLY=
# table).  Figures only; exit status 1 if the daemon could not run.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"
. "$top_srcdir/t/bench/daemon.bash"

topo_direct || { echo "memory: cannot build the namespaces" >&2; exit 1; }

# Resident and private figures of process $1, in kB.
mem_of() {
	awk '/^VmRSS:/ { rss = $2 } /^RssAnon:/ { anon = $2 }
	    /^RssFile:/ { file = $2 }
	    END { printf "%d kB resident (%d kB its own memory, %d kB mapped " \
	        "files: libraries)", rss, anon, file }' "/proc/$1/status"
}

modes=off
[ "${SCTPTUN_HAVE_BPF:-no}" = yes ] && modes="off on"
echo "sctptund idle, default limits (65536 associations, 4096 setups):"
for fp in $modes; do
	# stun_conf's limits are the scenarios' small ones: the defaults here.
	STUN_FASTPATH=$fp stun_conf x "$TOPO_B4/32"
	sed -i '/^limits/d' "$T_WORK/x.conf"
	start_daemon || { cat "$T_WORK/x.log" >&2; exit 1; }
	sleep 2
	echo "  fast path $fp: $(mem_of "$DPID")"
	grep -q 'fast path on' "$T_WORK/x.log" ||
	    [ "$fp" = off ] || echo "    (the fast path did not start:" \
	    "$(grep 'fast path off' "$T_WORK/x.log"))"
	stop_daemon
	ip netns exec "$NS_A" "$SCTPTUND" -C -f "$T_WORK/x.conf" > /dev/null
done
echo "  goal: at most 8 MB (8192 kB) resident"
exit 0
