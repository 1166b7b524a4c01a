# Scenario: sctptund without root.  A has user = "nobody": it sets up as
# root, then runs as nobody with CAP_NET_ADMIN alone (bounding set, no
# ambient capabilities, no_new_privs), carries an association, reloads
# (rules need CAP_NET_ADMIN), and on SIGTERM still removes its rules,
# routes and control socket and restores rp_filter.  B is started the way
# the systemd unit starts it: as nobody from the first instruction, with
# CAP_NET_ADMIN as an ambient capability.  An unknown user, and a control
# socket in a shared directory, are refused before anything is set up.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"

USER_NAME=nobody
if [ "$T_ENV" = vm ] && ! grep -q "^$USER_NAME:" /etc/passwd; then
	echo "$USER_NAME:x:65534:65534:nobody:/nonexistent:/bin/false" \
	    >> /etc/passwd
	echo "nogroup:x:65534:" >> /etc/group
fi
uid=$(grep "^$USER_NAME:" /etc/passwd | cut -d: -f3)
# What they keep: CAP_NET_ADMIN (bit 12), and with the fast path CAP_BPF
# (bit 39) for its maps.  B, never root, is given CAP_PERFMON too, as the
# systemd unit does (loading the programs needs it) and must give it up
# once they are loaded.
caps=0000000000001000 capnames=CAP_NET_ADMIN setcaps=+net_admin
if stun_fast; then
	caps=0000008000001000 capnames="CAP_NET_ADMIN and CAP_BPF"
	setcaps=+net_admin,+bpf,+perfmon
fi

topo_direct
stun_direct_addrs 4
topo_block_native_sctp
# A runs as nobody; its control socket and state file in a directory of
# their own, which sctptund makes and gives to nobody.
run=$T_WORK/run-a
stun_conf a "$B/$plen"
sed -i -e "s|socket = \"$T_WORK/a.sock\"|socket = \"$run/control.sock\"|" \
    "$T_WORK/a.conf"
grep -q '^state' "$T_WORK/a.conf" &&
    sed -i "s|^state = .*|state = { file = \"$run/state\"; };|" "$T_WORK/a.conf" ||
    echo "state = { file = \"$run/state\"; };" >> "$T_WORK/a.conf"
echo "user = \"$USER_NAME\";" >> "$T_WORK/a.conf"
ln -s "$run/control.sock" "$T_WORK/a.sock"
# B: its directory made for it beforehand, as systemd's RuntimeDirectory=.
runb=$T_WORK/run-b
mkdir -p "$runb"
chown "$USER_NAME" "$runb"
stun_conf b "$A/$plen"
sed -i -e "s|socket = \"$T_WORK/b.sock\"|socket = \"$runb/control.sock\"|" \
    "$T_WORK/b.conf"
grep -q '^state' "$T_WORK/b.conf" &&
    sed -i "s|^state = .*|state = { file = \"$runb/state\"; };|" "$T_WORK/b.conf" ||
    echo "state = { file = \"$runb/state\"; };" >> "$T_WORK/b.conf"
ln -s "$runb/control.sock" "$T_WORK/b.sock"
in_ns "$NS_A" sysctl -qw net.ipv4.conf.all.rp_filter=2
# B opens /dev/net/tun as nobody: mode 0666, as udev's default rules make
# it (this machine may have no udev); put back at exit.
tun_mode=$(stat -c %a /dev/net/tun)
chmod 0666 /dev/net/tun
at_exit "chmod $tun_mode /dev/net/tun"

tap_ok "sctptund starts in A" stun_start "$NS_A" a
STUN_WRAP="setpriv --reuid=$uid --regid=$uid --clear-groups \
    --inh-caps=-all,$setcaps --ambient-caps=-all,$setcaps \
    --bounding-set=-all,$setcaps"
tap_ok "sctptund starts in B as $USER_NAME with ambient ${setcaps//[+,]/ }" \
    stun_start "$NS_B" b
STUN_WRAP=
pidb=$(stun_pid b)
tap_is "$(grep ^Uid: /proc/$pidb/status | cut -f2)" "$uid" \
    "B runs as $USER_NAME"
tap_is "$(grep ^CapEff: /proc/$pidb/status | cut -f2)" $caps \
    "with $capnames alone"
tap_is "$(grep ^CapAmb: /proc/$pidb/status | cut -f2)" $caps \
    "ambient: $capnames alone"
pid=$(stun_pid a)
tap_ok "it says it dropped to $USER_NAME" \
    grep -q "running as user $USER_NAME (uid $uid) with $capnames only" \
    "$T_WORK/a.log"
status() { grep "^$1:" "/proc/$pid/status" | cut -f2- | tr '\t' ' '; }
tap_diag "$(grep -E '^(Uid|Gid|Groups|Cap|NoNewPrivs)' /proc/$pid/status)"
tap_is "$(status Uid)" "$uid $uid $uid $uid" "real, effective, saved uid: $USER_NAME"
tap_is "$(status Gid | cut -d' ' -f1)" "$(grep "^$USER_NAME:" /etc/passwd |
    cut -d: -f4)" "and its group"
tap_is "$(status CapEff)" $caps "effective: $capnames alone"
tap_is "$(status CapPrm)" $caps "permitted: $capnames alone"
tap_is "$(status CapInh)" 0000000000000000 "inheritable: none"
tap_is "$(status CapAmb)" 0000000000000000 "ambient: none"
tap_is "$(status CapBnd)" $caps "bounding set: $capnames alone"
tap_is "$(status NoNewPrivs)" 1 "no_new_privs"
tap_is "$(stat -c %U "$run")" "$USER_NAME" "its directory belongs to $USER_NAME"
tap_is "$(in_ns "$NS_A" sysctl -n net.ipv4.conf.all.rp_filter)" 0 \
    "rp_filter is off while it runs"

echo_server "$NS_B" server -b "$B" -p 7000
in_ns "$NS_A" "$SCTP_ECHO" client -b "$A" -a "$B" -p 7000 -n 300 -S 2 -i 10 \
    -t 120 > "$T_WORK/client.out" 2>&1 &
client=$!
tap_ok "the association is up" stun_wait_established a

# Reload as nobody: a new rule needs CAP_NET_ADMIN.
sed -i "s|prefixes = \[ \"$B/$plen\" \]|prefixes = [ \"$B/$plen\", \"192.0.2.128/25\" ]|" \
    "$T_WORK/a.conf"
stun_ctl a reload > "$T_WORK/reload.out" 2>&1
tap_is "$?" 0 "reload works unprivileged"
tap_diag "$(cat "$T_WORK/reload.out")"
tap_ok "the new rule is in place" \
    sh -c "ip netns exec $NS_A ip rule show | grep -q 'to 192.0.2.128/25'"

wait $client
rc=$?
tap_diag "$(cat "$T_WORK/client.out")"
tap_is "$rc" 0 "the association carried all its messages"
tap_ok "client verified all 300" grep -q "verified=300 " "$T_WORK/client.out"
if stun_fast; then
	# Unprivileged, both still install paths (map updates need CAP_BPF
	# on this kernel) and the programs carried the association.
	stun_fast_tap a
	stun_fast_tap b
fi

tap_ok "SIGTERM: it exits cleanly" stun_stop a
tap_ok "the state file was written as $USER_NAME" test -s "$run/state"
# Fail closed: the rules and the blackhole stay; the TUN's routes went
# with the TUN.
tap_ok "its rules stay" \
    sh -c "ip netns exec $NS_A ip rule show | grep -q 'lookup 9899'"
tap_ok "its table holds the blackhole only" \
    sh -c "[ \"\$(ip netns exec $NS_A ip route show table 9899 | cut -d' ' -f1-2)\" = 'blackhole default' ]"
tap_ok "the TUN is gone" sh -c "! ip netns exec $NS_A ip link show sctptun0 2>/dev/null"
tap_ok "its control socket is gone" test ! -e "$run/control.sock"
tap_ok "B (never root) exits cleanly too" stun_stop b
tap_ok "and keeps its rules" \
    sh -c "ip netns exec $NS_B ip rule show | grep -q 'lookup 9899'"
tap_ok "and removes its control socket" test ! -e "$runb/control.sock"
tap_ok "and saved its state" test -s "$runb/state"
tap_is "$(in_ns "$NS_A" sysctl -n net.ipv4.conf.all.rp_filter)" 2 \
    "rp_filter is back to what it was"
tap_ok "no warning at exit" sh -c "! grep -q 'removing\|rp_filter' $T_WORK/a.log"
tap_diag "$(tail -n 5 "$T_WORK/a.log")"
tap_ok "sctptund -C removes A's for good" stun_decommission a
tap_ok "sctptund -C removes B's for good" stun_decommission b
tap_ok "then no rule is left" sh -c "! ip netns exec $NS_A ip rule show |
    grep -q 'lookup 9899' && ! ip netns exec $NS_B ip rule show |
    grep -q 'lookup 9899'"
tap_ok "and no route" \
    sh -c "[ -z \"\$(ip netns exec $NS_A ip route show table 9899 2>/dev/null)\" ]"

# Refusals, before anything is set up.
refused() {
	local conf=$T_WORK/bad.conf
	cp "$T_WORK/a.conf" "$conf"
	sed -i "$1" "$conf"
	in_ns "$NS_A" "$SCTPTUND" -d -f "$conf" > "$T_WORK/bad.log" 2>&1
	[ $? != 0 ] && grep -q "$2" "$T_WORK/bad.log" &&
	    ! ip netns exec "$NS_A" ip link show sctptun0 > /dev/null 2>&1 &&
	    ! ip netns exec "$NS_A" ip rule show | grep -q 'lookup 9899'
}
tap_ok "an unknown user is refused before setup" \
    refused "s|^user = .*|user = \"no-such-user\";|" \
    'user "no-such-user": no such user'
tap_diag "$(cat "$T_WORK/bad.log")"
tap_ok "a control socket in a shared directory is refused" \
    refused "s|socket = \"$run/control.sock\"|socket = \"/tmp/x.sock\"|" \
    "/tmp/x.sock is in /tmp, a shared directory"
tap_diag "$(cat "$T_WORK/bad.log")"
tap_is "$(topo_native_sctp_count)" 0 "no native SCTP left any namespace"
tap_done
