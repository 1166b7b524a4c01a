# topo.sh: network namespace topologies for scenario bodies (bash).
#
# Namespaces are named $NS_A, $NS_B and $NS_R (the NAT router): "st-a",
# "st-b", "st-nat" in the VM; "st<pid>-a" etc. in host mode so that parallel
# tests do not clash.  Everything is removed by topo_cleanup, which runs at
# exit (registered with at_exit from tap.sh).
#
#   topo_direct      A (veth0) <-> B (veth0)
#                    A 192.0.2.1/24 2001:db8:1::1/64, B 192.0.2.2 2001:db8:1::2
#   topo_nat         A (veth0) <-> (veth-a) R (veth-b) <-> B (veth0)
#                    A 198.51.100.1/24 2001:db8:a::1/64, gw .254 / ::254
#                    B 203.0.113.2/24 2001:db8:b::2/64, gw .254 / ::254
#   topo_dual        A (veth1) <-> B (veth1) and A (veth2) <-> B (veth2):
#                    two independent links, one subnet each
#                    link 1: A 192.0.2.1/24 2001:db8:1::1/64, B .2 / ::2
#                    link 2: A 198.51.100.1/24 2001:db8:2::1/64, B .2 / ::2
#   topo_nat_masquerade [FLAGS]  R masquerades A's traffic leaving to B,
#                    IPv4 and IPv6, FLAGS default "fully-random"
#   topo_nat_flush   drop R's NAT mappings (conntrack -F, else by deleting
#                    and re-adding R's B-side addresses, which makes the
#                    kernel flush masqueraded entries)
#   topo_block_native_sctp   count and drop native SCTP on every link
#   topo_count_native_sctp   count native SCTP on every link, let it pass:
#                    a leak reaches the far side, which may answer it
#   topo_native_sctp_count   packets those rules saw (must stay 0)
#   topo_count_udp PORT      count UDP packets from or to PORT sent or
#                    forwarded on the links
#   topo_udp_count PORT [NS...]  their number (a forwarded packet counts at
#                    the sender and again at the router)
#   topo_count_rule NS TAG CHAIN RULE  add "RULE comment TAG" (RULE should
#                    hold a counter) to CHAIN (output input forward) of NS
#   topo_rule_count TAG [NS...]  the packets those rules counted
#   topo_link_block NS IFNAME [RULE]  drop what arrives on IFNAME in NS
#                    (default: everything; RULE e.g. "udp dport 9899"),
#                    counted; with T_FASTPATH=on also at tc ingress, ahead
#                    of the fast path; topo_link_unblock NS IFNAME lifts it
#   in_ns NS CMD...  run CMD in NS
#   wait_until SECS CMD..., wait_sctp_listen NS PORT [SECS],
#   wait_udp_listen NS PORT [SECS], wait_tcp_listen NS PORT [SECS]
#   bg_start NAME NS|- CMD...  start CMD in the background (in NS unless
#                    "-"), output in $T_WORK/NAME.log, pid in BG_PID; killed
#                    at exit
#   bg_wait PID [SECS]         wait for it (default 30 s); 124 on timeout
#   bg_stop PID                kill it
#
# Addresses are exported as TOPO_A4, TOPO_A6, TOPO_B4, TOPO_B6 and, with a
# router, TOPO_RA4, TOPO_RA6 (A side), TOPO_RB4, TOPO_RB6 (B side); with
# topo_dual those are link 1's, and TOPO_A4_2, TOPO_A6_2, TOPO_B4_2,
# TOPO_B6_2 link 2's.

declare -F at_exit >/dev/null || . "${T_LIB:-$(dirname "${BASH_SOURCE[0]}")}/tap.sh"

if [ "${T_ENV:-host}" = vm ]; then
	TOPO_PFX=${TOPO_PFX:-st-}
else
	TOPO_PFX=${TOPO_PFX:-st$$-}
fi
NS_A=${TOPO_PFX}a
NS_B=${TOPO_PFX}b
NS_R=${TOPO_PFX}nat
TOPO_NSES=()
TOPO_LINKS=()		# "ns ifname" of every link interface
TOPO_BG=()
TOPO_EXIT_SET=
T_WORK=${T_WORK:-$(mktemp -d)}

# Register topo_cleanup to run at exit, once.
topo__at_exit_once() {
	[ -n "$TOPO_EXIT_SET" ] && return 0
	at_exit topo_cleanup
	TOPO_EXIT_SET=1
}

# Run a command in a namespace.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# Remove namespaces left by earlier runs whose process is gone.
topo__reap_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case $ns in st[0-9]*-*) ;; *) continue ;; esac
		pid=${ns#st}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null
	done
}

# Create a namespace with loopback up and no IPv6 DAD delays.
topo__ns_add() {
	local ns=$1
	if [ ${#TOPO_NSES[@]} -eq 0 ]; then
		[ "${T_ENV:-host}" = vm ] || topo__reap_stale
	fi
	topo__at_exit_once
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || return 1
	TOPO_NSES+=("$ns")
	in_ns "$ns" ip link set lo up
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 \
	    net.ipv6.conf.default.keep_addr_on_down=1 >/dev/null
}

# Create a veth pair between two namespaces and bring it up.
topo__veth() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" || return 1
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up || return 1
	TOPO_LINKS+=("$1 $2" "$3 $4")
}

# Add an IPv4 and an IPv6 address (no DAD) to an interface.
topo__addr() {
	ip -n "$1" addr add "$3" dev "$2" &&
	    ip -n "$1" -6 addr add "$4" dev "$2" nodad
}

# Remove the namespaces and every process in them.
topo_cleanup() {
	local ns pid
	for pid in "${TOPO_BG[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for ns in "${TOPO_NSES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	TOPO_NSES=()
	TOPO_LINKS=()
	TOPO_BG=()
}

# A and B on one link.
topo_direct() {
	topo__ns_add "$NS_A" && topo__ns_add "$NS_B" &&
	    topo__veth "$NS_A" veth0 "$NS_B" veth0 &&
	    topo__addr "$NS_A" veth0 192.0.2.1/24 2001:db8:1::1/64 &&
	    topo__addr "$NS_B" veth0 192.0.2.2/24 2001:db8:1::2/64 || return 1
	TOPO_A4=192.0.2.1 TOPO_A6=2001:db8:1::1
	TOPO_B4=192.0.2.2 TOPO_B6=2001:db8:1::2
}

# A and B on two links joined by the router R.
topo_nat() {
	topo__ns_add "$NS_A" && topo__ns_add "$NS_B" &&
	    topo__ns_add "$NS_R" || return 1
	in_ns "$NS_R" sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 >/dev/null || return 1
	topo__veth "$NS_A" veth0 "$NS_R" veth-a &&
	    topo__veth "$NS_R" veth-b "$NS_B" veth0 &&
	    topo__addr "$NS_A" veth0 198.51.100.1/24 2001:db8:a::1/64 &&
	    topo__addr "$NS_R" veth-a 198.51.100.254/24 2001:db8:a::254/64 &&
	    topo__addr "$NS_R" veth-b 203.0.113.254/24 2001:db8:b::254/64 &&
	    topo__addr "$NS_B" veth0 203.0.113.2/24 2001:db8:b::2/64 &&
	    ip -n "$NS_A" route add default via 198.51.100.254 &&
	    ip -n "$NS_A" -6 route add default via 2001:db8:a::254 &&
	    ip -n "$NS_B" route add default via 203.0.113.254 &&
	    ip -n "$NS_B" -6 route add default via 2001:db8:b::254 || return 1
	TOPO_A4=198.51.100.1 TOPO_A6=2001:db8:a::1
	TOPO_B4=203.0.113.2 TOPO_B6=2001:db8:b::2
	TOPO_RA4=198.51.100.254 TOPO_RA6=2001:db8:a::254
	TOPO_RB4=203.0.113.254 TOPO_RB6=2001:db8:b::254
}

# A and B on two independent links (multihoming), no routes between them.
topo_dual() {
	topo__ns_add "$NS_A" && topo__ns_add "$NS_B" &&
	    topo__veth "$NS_A" veth1 "$NS_B" veth1 &&
	    topo__veth "$NS_A" veth2 "$NS_B" veth2 &&
	    topo__addr "$NS_A" veth1 192.0.2.1/24 2001:db8:1::1/64 &&
	    topo__addr "$NS_B" veth1 192.0.2.2/24 2001:db8:1::2/64 &&
	    topo__addr "$NS_A" veth2 198.51.100.1/24 2001:db8:2::1/64 &&
	    topo__addr "$NS_B" veth2 198.51.100.2/24 2001:db8:2::2/64 ||
	    return 1
	TOPO_A4=192.0.2.1 TOPO_A6=2001:db8:1::1
	TOPO_B4=192.0.2.2 TOPO_B6=2001:db8:1::2
	TOPO_A4_2=198.51.100.1 TOPO_A6_2=2001:db8:2::1
	TOPO_B4_2=198.51.100.2 TOPO_B6_2=2001:db8:2::2
}

# Masquerade what leaves R towards B, with random source ports.
topo_nat_masquerade() {
	local flags=${1:-fully-random}
	in_ns "$NS_R" nft -f - <<-EOF
	table inet st_nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "veth-b" masquerade $flags
		}
	}
	EOF
}

# Forget R's NAT mappings, so that the next packets get new ports.
topo_nat_flush() {
	if command -v conntrack >/dev/null; then
		in_ns "$NS_R" conntrack -F -f ipv4 >/dev/null 2>&1
		in_ns "$NS_R" conntrack -F -f ipv6 >/dev/null 2>&1
		return 0
	fi
	# Deleting the address masqueraded to makes nf_nat_masquerade flush
	# the entries using it (a scheduled work item: give it a moment).
	ip -n "$NS_R" addr del "$TOPO_RB4/24" dev veth-b &&
	    ip -n "$NS_R" -6 addr del "$TOPO_RB6/64" dev veth-b &&
	    ip -n "$NS_R" addr add "$TOPO_RB4/24" dev veth-b &&
	    ip -n "$NS_R" -6 addr add "$TOPO_RB6/64" dev veth-b nodad ||
	    return 1
	sleep 0.5
}

# Number of conntrack entries in R.
topo_nat_conntrack_count() {
	in_ns "$NS_R" cat /proc/sys/net/netfilter/nf_conntrack_count
}

# The st_guard table and its chains, as nft -f input.
topo__guard_table() {
	cat <<-EOF
	table inet st_guard {
		chain output { type filter hook output priority 0; policy accept; }
		chain input { type filter hook input priority 0; policy accept; }
		chain forward { type filter hook forward priority 0; policy accept; }
	}
	EOF
}

# Add rules tagged $1 to the chains $2 ("output input forward" or a part)
# for every link of every namespace, matched by oifname or iifname: one nft
# run per namespace (each nft start costs a lot under emulation).
topo__guard_rules() {
	local tag=$1 chains=$2 ns link lns ifn r c dir script
	shift 2
	for ns in "${TOPO_NSES[@]}"; do
		script=$(topo__guard_table)
		for link in "${TOPO_LINKS[@]}"; do
			read -r lns ifn <<< "$link"
			[ "$lns" = "$ns" ] || continue
			for r in "$@"; do
				for c in $chains; do
					dir=iifname
					[ "$c" = output ] && dir=oifname
					script+=$'\n'"add rule inet st_guard $c $dir \"$ifn\" $r comment \"$tag\""
				done
			done
		done
		in_ns "$ns" nft -f - <<< "$script" || return 1
	done
}

# Drop (and count) native SCTP on every link interface.
topo_block_native_sctp() {
	topo__guard_rules st-native "output input forward" \
	    "meta l4proto sctp counter drop"
}

# Count native SCTP on every link interface, and let it pass.
topo_count_native_sctp() {
	topo__guard_rules st-native "output input forward" \
	    "meta l4proto sctp counter accept"
}

# Sum the counters of the rules tagged $1 in the given namespaces.
topo__count() {
	local tag=$1 ns total=0 n
	shift
	for ns in "$@"; do
		for n in $(in_ns "$ns" nft list table inet st_guard 2>/dev/null |
		    grep "comment \"$tag\"" |
		    sed -n 's/.*counter packets \([0-9]*\).*/\1/p'); do
			total=$((total + n))
		done
	done
	echo "$total"
}

# Native SCTP packets seen on the links (they were dropped).
topo_native_sctp_count() {
	topo__count st-native "${TOPO_NSES[@]}"
}

# Count UDP packets from or to PORT sent or forwarded on every link (each
# packet once per namespace: the first matching rule accepts).
topo_count_udp() {
	topo__guard_rules "st-udp-$1" "output forward" \
	    "udp dport $1 counter accept" \
	    "udp sport $1 counter accept"
}

# UDP packets from or to PORT seen, in the given namespaces or all.
topo_udp_count() {
	local port=$1
	shift
	topo_rule_count "st-udp-$port" "$@"
}

# Add one rule tagged TAG to CHAIN of the st_guard table in NS.
topo_count_rule() {
	local ns=$1 tag=$2 chain=$3 rule=$4
	{ topo__guard_table
	  echo "add rule inet st_guard $chain $rule comment \"$tag\""
	} | in_ns "$ns" nft -f -
}

# The packets counted by the rules tagged TAG, in the namespaces or all.
topo_rule_count() {
	local tag=$1
	shift
	if [ $# -eq 0 ]; then
		set -- "${TOPO_NSES[@]}"
	fi
	topo__count "$tag" "$@"
}

# Drop (and count) what arrives on IFNAME in NS: a path that fails
# silently, the sender's packets leave and are lost.
topo_link_block() {
	local ns=$1 ifn=$2 rule=${3:-}
	if [ "${T_FASTPATH:-off}" = on ]; then
		topo__tc_block "$ns" "$ifn" "$rule" || return 1
	fi
	in_ns "$ns" nft -f - <<-EOF
	table inet st_block_$ifn {
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			iifname "$ifn" $rule counter drop
		}
	}
	EOF
}

# The same cut at the link's tc ingress, ahead of sctptund's fast path
# (tc ingress runs before netfilter sees a packet, and a datagram the fast
# path takes never reaches prerouting): filters at preferences 1 and 2.
# RULE: empty (everything) or "udp dport PORT".
topo__tc_block() {
	local ns=$1 ifn=$2 rule=$3 port
	in_ns "$ns" tc qdisc add dev "$ifn" clsact 2> /dev/null
	case $rule in
	"")
		in_ns "$ns" tc filter add dev "$ifn" ingress pref 1 \
		    protocol all matchall action drop
		;;
	"udp dport "[0-9]*)
		port=${rule#udp dport }
		in_ns "$ns" tc filter add dev "$ifn" ingress pref 1 \
		    protocol ip flower ip_proto udp dst_port "$port" \
		    action drop &&
		    in_ns "$ns" tc filter add dev "$ifn" ingress pref 2 \
		    protocol ipv6 flower ip_proto udp dst_port "$port" \
		    action drop
		;;
	*)
		echo "topo_link_block: no tc form of \"$rule\"" >&2
		return 1
		;;
	esac
}

# Lift topo_link_block.
topo_link_unblock() {
	if [ "${T_FASTPATH:-off}" = on ]; then
		in_ns "$1" tc filter del dev "$2" ingress pref 1 2> /dev/null
		in_ns "$1" tc filter del dev "$2" ingress pref 2 2> /dev/null
	fi
	in_ns "$1" nft delete table inet "st_block_$2"
}

# Poll a command every 0.1 s until it succeeds or SECS pass.
wait_until() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) / 1000000 + secs * 1000))
	until "$@"; do
		[ $(($(date +%s%N) / 1000000)) -lt "$end" ] || return 1
		sleep 0.1
	done
}

# True if NS has an SCTP endpoint bound to PORT.
topo__sctp_bound() {
	in_ns "$1" awk -v p="$2" 'NR > 1 && $6 == p { f = 1 } END { exit !f }' \
	    /proc/net/sctp/eps 2>/dev/null
}

# True if NS has a UDP socket bound to PORT.
topo__udp_bound() {
	in_ns "$1" awk -v h="$(printf ':%04X' "$2")" \
	    'FNR > 1 && substr($2, length($2) - 4) == h { f = 1 }
	    END { exit !f }' /proc/net/udp /proc/net/udp6 2>/dev/null
}

# True if NS has a TCP socket listening on PORT.
topo__tcp_listening() {
	in_ns "$1" awk -v h="$(printf ':%04X' "$2")" \
	    'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h { f = 1 }
	    END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Wait until something in NS listens on SCTP PORT.
wait_sctp_listen() {
	wait_until "${3:-10}" topo__sctp_bound "$1" "$2"
}

# Wait until something in NS is bound to UDP PORT.
wait_udp_listen() {
	wait_until "${3:-10}" topo__udp_bound "$1" "$2"
}

# Wait until something in NS listens on TCP PORT.
wait_tcp_listen() {
	wait_until "${3:-10}" topo__tcp_listening "$1" "$2"
}

# Start a background command, in a namespace unless NS is "-".
bg_start() {
	local name=$1 ns=$2
	shift 2
	if [ "$ns" = - ]; then
		"$@" > "$T_WORK/$name.log" 2>&1 &
	else
		ip netns exec "$ns" "$@" > "$T_WORK/$name.log" 2>&1 &
	fi
	BG_PID=$!
	TOPO_BG+=("$BG_PID")
	topo__at_exit_once
}

# Wait for a background command; its status, or 124 after SECS.
bg_wait() {
	local pid=$1 secs=${2:-30}
	if ! wait_until "$secs" eval "! kill -0 $pid 2>/dev/null"; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# Stop a background command.
bg_stop() {
	kill "$1" 2>/dev/null
	bg_wait "$1" 5 >/dev/null 2>&1
	return 0
}
