#!/bin/sh
# metrics: the Prometheus endpoint (metrics.listen) of a sctptund running in
# a network namespace, scraped over HTTP from inside it.  Needs root, netns
# and TUN, but no kernel SCTP: the traffic is hand-made bad datagrams from
# t/sctp_craft, whose drops must show up in sctptun_drops_total.  Bad
# clients (garbage, oversized headers, idle connections) must not stop it.

# Go on in bash: the libraries and /dev/tcp need it.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$PWD}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export SCTPTUND=$top_builddir/proxy/sctptund
export SCTPTUNCTL=$top_builddir/proxy/sctptunctl
export T_CRAFT=$top_builddir/t/sctp_craft
export T_LIB=$top_srcdir/t/lib

# Why this cannot run here (empty when it can).
metrics_why() {
	local ns=stm-probe-$$
	[ "$(id -u)" = 0 ] || { echo "not root"; return; }
	command -v ip >/dev/null || { echo "no ip (iproute2)"; return; }
	[ -c /dev/net/tun ] || { echo "no /dev/net/tun"; return; }
	[ -x "$T_CRAFT" ] || { echo "t/sctp_craft not built (make check)"; return; }
	ip netns add "$ns" 2>/dev/null || { echo "cannot create netns"; return; }
	ip netns del "$ns"
}
why=$(metrics_why)
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 0
fi

T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sctptun-metrics.XXXXXX") || exit 1
export T_WORK T_ENV=host
. "$T_LIB/tap.sh"
at_exit 'rm -rf "$T_WORK"'
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

MPORT=9898
SHORT=7

# Send the raw request $1 (printf %b escapes) to the metrics port in B and
# print the answer with CRs removed; the server closes after an HTTP/1.0
# answer, and 5 s bounds a server that would not.
http() {
	in_ns "$NS_B" bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 || exit 1
	    printf "%b" "$2" >&3
	    timeout 5 cat <&3' _ "$MPORT" "$1" | tr -d '\r'
}

# The status code of the answer on stdin.
http_status() {
	sed -n '1s/^HTTP\/1\.[01] \([0-9][0-9][0-9]\) .*/\1/p'
}

# The body of the answer on stdin.
http_body() {
	sed '1,/^$/d'
}

# A header's value, from the answer on stdin.
http_header() {
	sed -n '1,/^$/s/^'"$1"': *//Ip' | head -n 1
}

# Every sample line is "name{labels} value" (labels optional), every family
# has a TYPE line before its samples, and counters end in _total.
exposition_valid() {
	awk '
	/^# TYPE / {
		type[$3] = $4
		if ($4 == "counter" && $3 !~ /_total$/) {
			print "counter without _total: " $3; bad = 1
		}
		next
	}
	/^# HELP / { next }
	/^#/ || /^$/ { next }
	{
		if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? [0-9]+$/) {
			print "bad sample line: " $0; bad = 1
		}
		name = $1
		sub(/\{.*/, "", name)
		if (!(name in type)) {
			print "no TYPE before: " $0; bad = 1
		}
		n++
	}
	END {
		if (n < 20) { print "only " n + 0 " samples"; bad = 1 }
		exit bad
	}' "$1"
}

# The value of the sample whose name and labels are exactly $1.
sample() {
	awk -v k="$1" '$1 == k { print $2 }' "$T_WORK/body"
}

topo_direct || tap_bail "cannot build the namespaces"
stun_conf b "$TOPO_A4/32"
echo "metrics = { listen = \"127.0.0.1:$MPORT\"; };" >> "$T_WORK/b.conf"
tap_ok "sctptund starts in B with metrics on 127.0.0.1:$MPORT" \
    stun_start "$NS_B" b || true
wait_tcp_listen "$NS_B" "$MPORT" 5 2>/dev/null || sleep 0.5

in_ns "$NS_A" "$T_CRAFT" -c "$SHORT" -p 40000 "$TOPO_B4" 9899 short 4
in_ns "$NS_A" "$T_CRAFT" -c 3 -p 40000 "$TOPO_B4" 9899 garbage 200
sleep 0.5

http 'GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n' > "$T_WORK/answer"
http_body < "$T_WORK/answer" > "$T_WORK/body"
tap_is "$(http_status < "$T_WORK/answer")" 200 "GET /metrics: 200"
tap_is "$(http_header Content-Type < "$T_WORK/answer")" \
    "text/plain; version=0.0.4; charset=utf-8" \
    "content type is the text exposition format 0.0.4"
tap_ok "HELP and TYPE of sctptun_drops_total" grep -qx \
    -e '# TYPE sctptun_drops_total counter' "$T_WORK/body"
tap_ok "HELP of sctptun_drops_total" grep -q \
    '^# HELP sctptun_drops_total .' "$T_WORK/body"
tap_ok "every sample parses as name{labels} value, with a TYPE" \
    exposition_valid "$T_WORK/body"
tap_is "$(sample 'sctptun_drops_total{reason="ingress_short"}')" "$SHORT" \
    "sctptun_drops_total{reason=\"ingress_short\"} is the $SHORT sent"
stun_ctl b -j show stats > "$T_WORK/stats.json"
tap_is "$(sample 'sctptun_drops_total{reason="ingress_bad_chunk"}')" \
    "$(json_num ingress_bad_chunk < "$T_WORK/stats.json")" \
    "ingress_bad_chunk agrees with sctptunctl show stats"
tap_is "$(sample sctptun_udp_rx_packets_total)" \
    "$(json_num udp_rx_packets < "$T_WORK/stats.json")" \
    "sctptun_udp_rx_packets_total agrees with sctptunctl show stats"
# STATS_DROPS and the relay's, which it includes.
sed -n -e '/^#define STATS_DROPS/,/^$/s/^	X(\([a-z0-9_]*\),.*/\1/p' \
    -e '/^#define STATS_CLUSTER_DROPS/,/^$/s/^	X(\([a-z0-9_]*\),.*/\1/p' \
    "$top_srcdir/proxy/stats.h" | sort > "$T_WORK/reasons.want"
sed -n 's/^sctptun_drops_total{reason="\([a-z0-9_]*\)"} .*/\1/p' \
    "$T_WORK/body" | sort > "$T_WORK/reasons.got"
tap_cmp "$T_WORK/reasons.got" "$T_WORK/reasons.want" \
    "one sctptun_drops_total series per reason of STATS_DROPS"
for s in embryonic established closing; do
	tap_is "$(sample "sctptun_associations{state=\"$s\"}")" 0 \
	    "association gauge for state $s"
done
tap_ok "associations gauge typed" grep -qx \
    '# TYPE sctptun_associations gauge' "$T_WORK/body"
tap_is "$(sample sctptun_associations_limit)" 1024 \
    "sctptun_associations_limit is limits.associations"
tap_is "$(sample sctptun_embryonic_limit)" 64 \
    "sctptun_embryonic_limit is limits.embryonic"
tap_ok "sctptun_transports, sctptun_port_changes_total, \
sctptun_ports_learned_total present" test -n "$(sample sctptun_transports)" \
    -a -n "$(sample sctptun_port_changes_total)" \
    -a -n "$(sample sctptun_ports_learned_total)"

http 'HEAD /metrics HTTP/1.0\r\n\r\n' > "$T_WORK/head"
tap_ok "HEAD /metrics: 200 without a body" eval \
    '[ "$(http_status < "$T_WORK/head")" = 200 ] &&
    [ -z "$(http_body < "$T_WORK/head")" ]'
tap_is "$(http 'GET /other HTTP/1.0\r\n\r\n' | http_status)" 404 \
    "GET /other: 404"
tap_is "$(http 'GET / HTTP/1.0\r\n\r\n' | http_status)" 404 "GET /: 404"
http 'POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc' \
    > "$T_WORK/post"
tap_is "$(http_status < "$T_WORK/post")" 405 "POST /metrics: 405"
tap_is "$(http_header Allow < "$T_WORK/post")" "GET, HEAD" \
    "405 names the allowed methods"

# Bad clients: garbage, a header too big, a body too big, a request cut
# short, and a connection that says nothing while another scrapes.
http '\x00\x01\x02 garbage \xff\r\n\r\n' > "$T_WORK/garbage"
tap_ok "garbage request gets an error or is closed, not 200" eval \
    '[ "$(http_status < "$T_WORK/garbage")" != 200 ]'
big=$(head -c 20000 /dev/zero | tr '\0' a)
# The server may close before the client has written it all: then the
# 400 is lost to the reset, and no answer is as good.
status=$(http "GET /metrics HTTP/1.0\r\nX-Big: $big\r\n\r\n" 2>/dev/null |
    http_status)
tap_ok "20 kB header refused (400 or closed, got '$status')" \
    test "$status" = 400 -o -z "$status"
tap_ok "1 MB body refused, not read" eval \
    '[ "$(http "POST /metrics HTTP/1.0\r\nContent-Length: 1000000\r\n\r\n" |
    http_status)" != 200 ]'
http 'GET /metr' > /dev/null
in_ns "$NS_B" bash -c "exec 3<>/dev/tcp/127.0.0.1/$MPORT; sleep 3" &
idle=$!
sleep 0.2
tap_is "$(http 'GET /metrics HTTP/1.0\r\n\r\n' | http_status)" 200 \
    "a scrape is answered while another client sits idle"
wait "$idle"
tap_ok "sctptund is still running" kill -0 "$(stun_pid b)"
tap_is "$(http 'GET /metrics HTTP/1.0\r\n\r\n' | http_body |
    awk '$1 == "sctptun_drops_total{reason=\"ingress_short\"}" { print $2 }')" \
    "$SHORT" "a later scrape still answers, same counters"
tap_ok "sctptund stops cleanly" stun_stop b
tap_ok "the metrics port is closed after exit" eval \
    '! in_ns "$NS_B" bash -c "exec 3<>/dev/tcp/127.0.0.1/$MPORT" 2>/dev/null'
tap_done
