# lb.sh: replicas behind a UDP load balancer (doc: CLUSTER.md), for the
# cluster scenario bodies.  Needs tap.sh, topo.sh and sctptun.sh sourced
# first.  IPv4 only.
#
#   lb_topo nat [NB]   C -- N (masquerading NAT) -- LB -- B1..B<NB> (2..3)
#      C  veth0 198.51.100.1/24, default via N 198.51.100.254
#      N  veth-o 100.64.1.1/24 (the client's public address, masqueraded
#         to, fully random ports), default via LB 100.64.1.254
#   lb_topo dual [NB]  C with two public links straight to LB, no NAT
#      C  veth1 100.64.1.1/24 (path 1), veth2 100.64.2.1/24 (path 2); the
#         route to the VIP through veth1 (metric 10) and veth2 (metric 20)
#   both: LB  the service address VIP 203.0.113.100 (on its lo), and per
#         backend k a link veth-bk 10.9.k.254/24 -- Bk veth0 10.9.k.1/24,
#         Bk's default route via LB.  Backends reach each other through LB
#         (routed; the cluster's relay channel takes that way).
#
# LB's nftables (table ip st_lb):
#   - UDP to VIP:9899 is DNATed to a backend's port 9899 by a map in chain
#     "lb" (rewritten atomically by lb_hash / lb_affinity); conntrack does
#     the reverse translation: replies leave with source VIP.
#   - a flow a backend starts towards the client side (not a reply) is
#     dropped and counted ("stray"): in a cloud it would leave with another
#     source address, which the client's NAT would not let in.
#   - every packet gets conntrack zone LB_ZONE; lb_forget moves to a fresh
#     zone: LB forgets its flows (what a stateless or rehashing balancer
#     such as Maglev does when its backend set changes), so existing flows
#     are hashed again with the current map.
#
#   lb_hash "K..." [ROT]  DNAT by jhash(ip saddr . udp sport) mod 6 over the
#                  backends K... (numbers), bucket i -> K[(i + ROT) mod n]
#                  (6 buckets: each of 2 or 3 backends gets as many).  The
#                  hash has a fixed seed: without one nft draws a new seed
#                  for every rule, and a rewritten map would move flows at
#                  random rather than as the test says.
#   lb_map "K0 K1 K2 K3 K4 K5"  the same with bucket i -> backend Ki (the
#                  current map in LB_MAP)
#   lb_affinity "ADDR:K ..."  DNAT by source address: ADDR -> backend K
#   lb_forget      a fresh conntrack zone (see above)
#   lb_hits K      client datagrams LB forwarded to backend K
#   lb_replies     datagrams LB forwarded from the backends to the client
#                  side (replies, source VIP after the reverse translation)
#   lb_stray       non-reply datagrams from backends to the client side,
#                  dropped
#   lb_between     UDP datagrams LB forwarded from a backend to another
#                  (the cluster's relay channel)
#   lb_all_hits    lb_hits of every backend, "N1 N2 ..."
#   lb_backend_of [SECS]  the backend (K) that took most of the client's datagrams
#                  in the last SECS (default 1) seconds, "" if none
#   lb_nat_flush   forget N's NAT mappings (topo_nat_flush for N)
#   lb_nat_port P  N masquerades to port P only (a rebinding whose new
#                  port the test chooses), mappings forgotten
#   lb_conf NAME PREFIX...  stun_conf, then LB_CLUSTER (when set, the body
#                  of a cluster = { ... } section) appended
#   lb_cluster_conf K PORT  the cluster body for backend K: members
#                  10.9.1.1..10.9.NB.1, PORT, key $T_WORK/cluster.key
#                  (made on first use: 48 random bytes in base64, as the
#                  daemon suggests (it trims a text file), mode 0600)
#   lb_cluster_supported   0 if sctptund accepts a cluster section (-n)
#   snmp NS KEY    a counter of /proc/net/sctp/snmp in NS
#
# Namespaces: NS_C, NS_N, NS_LB, NS_B1.. (NS_B[k]); addresses: LB_VIP,
# LB_C (the client's bound address in nat mode; path 1 in dual mode),
# LB_C2 (path 2, dual mode), LB_PUB (the client's public address in nat
# mode), LB_B[k] (backend k's address), LB_NB.

NS_C=${TOPO_PFX}c
NS_N=${TOPO_PFX}n
NS_LB=${TOPO_PFX}lb
LB_VIP=203.0.113.100
LB_ZONE=1
LB_NB=2
declare -a NS_BK LB_B

lb_topo() {
	local mode=${1:-nat} k
	LB_NB=${2:-2}
	LB_MODE=$mode
	topo__ns_add "$NS_C" && topo__ns_add "$NS_LB" || return 1
	in_ns "$NS_LB" sysctl -qw net.ipv4.ip_forward=1 >/dev/null || return 1
	in_ns "$NS_LB" ip addr add "$LB_VIP/32" dev lo || return 1
	case $mode in
	nat)
		topo__ns_add "$NS_N" || return 1
		in_ns "$NS_N" sysctl -qw net.ipv4.ip_forward=1 >/dev/null &&
		    topo__veth "$NS_C" veth0 "$NS_N" veth-c &&
		    topo__veth "$NS_N" veth-o "$NS_LB" veth-n1 &&
		    ip -n "$NS_C" addr add 198.51.100.1/24 dev veth0 &&
		    ip -n "$NS_N" addr add 198.51.100.254/24 dev veth-c &&
		    ip -n "$NS_N" addr add 100.64.1.1/24 dev veth-o &&
		    ip -n "$NS_LB" addr add 100.64.1.254/24 dev veth-n1 &&
		    ip -n "$NS_C" route add default via 198.51.100.254 &&
		    ip -n "$NS_N" route add default via 100.64.1.254 ||
		    return 1
		in_ns "$NS_N" nft -f - <<-EOF || return 1
		table ip st_nat {
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "veth-o" masquerade fully-random
			}
		}
		EOF
		LB_C=198.51.100.1 LB_PUB=100.64.1.1 LB_C2=
		;;
	dual)
		topo__veth "$NS_C" veth1 "$NS_LB" veth-n1 &&
		    topo__veth "$NS_C" veth2 "$NS_LB" veth-n2 &&
		    ip -n "$NS_C" addr add 100.64.1.1/24 dev veth1 &&
		    ip -n "$NS_C" addr add 100.64.2.1/24 dev veth2 &&
		    ip -n "$NS_LB" addr add 100.64.1.254/24 dev veth-n1 &&
		    ip -n "$NS_LB" addr add 100.64.2.254/24 dev veth-n2 &&
		    ip -n "$NS_C" route add "$LB_VIP" via 100.64.1.254 \
		    dev veth1 metric 10 &&
		    ip -n "$NS_C" route add "$LB_VIP" via 100.64.2.254 \
		    dev veth2 metric 20 || return 1
		LB_C=100.64.1.1 LB_C2=100.64.2.1 LB_PUB=
		;;
	*)
		return 1
		;;
	esac
	for k in $(seq "$LB_NB"); do
		NS_BK[k]=${TOPO_PFX}b$k
		LB_B[k]=10.9.$k.1
		eval "NS_B$k=\${NS_BK[k]}"
		topo__ns_add "${NS_BK[k]}" &&
		    topo__veth "$NS_LB" "veth-b$k" "${NS_BK[k]}" veth0 &&
		    ip -n "$NS_LB" addr add "10.9.$k.254/24" dev "veth-b$k" &&
		    ip -n "${NS_BK[k]}" addr add "${LB_B[k]}/24" dev veth0 &&
		    ip -n "${NS_BK[k]}" route add default via "10.9.$k.254" ||
		    return 1
	done
	lb__rules || return 1
	lb_hash "$(seq -s ' ' "$LB_NB")" 0
}

# LB's table: conntrack zone, the DNAT hook, the forward filter, counters.
lb__rules() {
	local k counters=
	for k in $(seq "$LB_NB"); do
		counters+="oifname \"veth-b$k\" ip daddr ${LB_B[k]} udp dport 9899 counter comment \"to-b$k\""$'\n'
	done
	in_ns "$NS_LB" nft -f - <<-EOF
	table ip st_lb {
		chain zpre {
			type filter hook prerouting priority raw; policy accept;
			ct zone set $LB_ZONE
		}
		chain zout {
			type filter hook output priority raw; policy accept;
			ct zone set $LB_ZONE
		}
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			ip daddr $LB_VIP udp dport 9899 jump lb
		}
		chain lb {
		}
		chain lbfwd {
			type filter hook forward priority filter; policy accept;
			$counters
			iifname "veth-b*" oifname "veth-b*" meta l4proto udp counter comment "between"
			iifname "veth-b*" oifname "veth-n*" ct state new counter drop comment "stray"
			iifname "veth-b*" oifname "veth-n*" ct status dnat counter comment "replies"
		}
	}
	EOF
}

# Rewrite the DNAT map (chain lb) to the rule $1, in one transaction.
lb__set() {
	in_ns "$NS_LB" nft -f - <<-EOF
	flush chain ip st_lb lb
	add rule ip st_lb lb $1
	EOF
}

lb_hash() {
	local -a ks
	local rot=${2:-0} i n m=
	read -r -a ks <<< "$1"
	n=${#ks[@]}
	for i in 0 1 2 3 4 5; do
		m+="${m:+ }${ks[(i + rot) % n]}"
	done
	lb_map "$m"
}

lb_map() {
	local -a ks
	local i elems=
	read -r -a ks <<< "$1"
	LB_MAP=$1
	for i in 0 1 2 3 4 5; do
		elems+="${elems:+, }$i : ${LB_B[ks[i]]}"
	done
	lb__set "dnat to jhash ip saddr . udp sport mod 6 seed 0x5c7 map { $elems }"
}

lb_affinity() {
	local p elems=
	for p in $1; do
		elems+="${elems:+, }${p%%:*} : ${LB_B[${p##*:}]}"
	done
	lb__set "dnat to ip saddr map { $elems }"
}

lb_forget() {
	LB_ZONE=$((LB_ZONE + 1))
	in_ns "$NS_LB" nft -f - <<-EOF
	flush chain ip st_lb zpre
	flush chain ip st_lb zout
	add rule ip st_lb zpre ct zone set $LB_ZONE
	add rule ip st_lb zout ct zone set $LB_ZONE
	EOF
}

# The counters of LB's forward chain, "COMMENT PACKETS" lines (one nft
# run: each costs a lot under emulation).
lb__counts() {
	in_ns "$NS_LB" nft list chain ip st_lb lbfwd |
	    sed -n 's/.*counter packets \([0-9]*\).*comment "\([^"]*\)".*/\2 \1/p'
}

# The counter of LB's rule commented $1.
lb__count() {
	lb__counts | awk -v c="$1" '$1 == c { print $2; exit }'
}

lb_hits() {
	lb__count "to-b$1"
}

lb_replies() {
	lb__count replies
}

lb_stray() {
	lb__count stray
}

lb_between() {
	lb__count between
}

# The per-backend counters, "N1 N2 ..." in one line.
lb_all_hits() {
	lb__counts | awk '$1 ~ /^to-b/ { k = substr($1, 5); n[k] = $2; if (k > m) m = k }
	    END { for (k = 1; k <= m; k++) printf "%s%d", (k > 1 ? " " : ""), n[k]; print "" }'
}

lb_backend_of() {
	local k secs=${1:-1} best='' max=0 d
	local -a before after
	read -r -a before <<< "$(lb_all_hits)"
	sleep "$secs"
	read -r -a after <<< "$(lb_all_hits)"
	for k in $(seq "$LB_NB"); do
		d=$(( after[k - 1] - before[k - 1] ))
		if [ "$d" -gt "$max" ]; then
			max=$d best=$k
		fi
	done
	echo "$best"
}

lb_nat_flush() {
	# Deleting the address masqueraded to makes nf_nat_masquerade flush
	# the entries using it (a work item: give it a moment).
	ip -n "$NS_N" addr del "$LB_PUB/24" dev veth-o &&
	    ip -n "$NS_N" addr add "$LB_PUB/24" dev veth-o &&
	    ip -n "$NS_N" route replace default via 100.64.1.254 || return 1
	sleep 0.5
}

lb_nat_port() {
	in_ns "$NS_N" nft -f - <<-EOF || return 1
	flush chain ip st_nat post
	add rule ip st_nat post oifname "veth-o" meta l4proto udp masquerade to :$1
	EOF
	lb_nat_flush
}

lb_conf() {
	local name=$1
	shift
	stun_conf "$name" "$@" || return 1
	[ -z "${LB_CLUSTER:-}" ] ||
	    echo "cluster = { $LB_CLUSTER };" >> "$T_WORK/$name.conf"
}

lb_cluster_conf() {
	local k members=
	if [ ! -s "$T_WORK/cluster.key" ]; then
		(umask 077 && head -c 48 /dev/urandom | base64 > "$T_WORK/cluster.key")
	fi
	for k in $(seq "$LB_NB"); do
		members+="${members:+, }\"${LB_B[k]}\""
	done
	echo "members = [ $members ]; port = $2; key_file = \"$T_WORK/cluster.key\";"
}

lb_cluster_supported() {
	local f=$T_WORK/cluster-probe.conf
	(umask 077 && head -c 48 /dev/urandom | base64 > "$T_WORK/cluster-probe.key")
	cat > "$f" <<-EOF
	peers = ( { name = "far"; prefixes = [ "100.64.0.0/16" ]; } );
	control = { socket = "$T_WORK/cluster-probe.sock"; };
	cluster = { members = [ "10.9.1.1", "10.9.2.1" ]; port = 9900; key_file = "$T_WORK/cluster-probe.key"; };
	EOF
	"$SCTPTUND" -n -f "$f" > "$T_WORK/cluster-probe.out" 2>&1
}

snmp() {
	in_ns "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/sctp/snmp
}
