/*
 * test_netlink: the TUN device and the policy routing sctptund installs,
 * checked against the kernel's own view (iproute2 output) and by steering
 * real packets, inside a private network namespace.  Needs root.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netlink.h"
#include "tap.h"
#include "tun.h"

#define TABLE		9899
#define PRIO		9899
#define TUNNAME		"sctptest0"
#define CRASHNAME	"sctptest1"
#define IPPROTO_SCTP_NUM 132

/* Runs a shell command; 0 if it exited with status 0. */
static int
run(const char *fmt, ...)
{
	char	cmd[512];
	va_list	ap;
	int	st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((st = system(cmd)) != 0) {
		diag("command failed (%d): %s", st, cmd);
		return (-1);
	}
	return (0);
}

/* 1 if line holds needle; "@sctp" is either spelling of ipproto 132. */
static int
line_has(const char *line, const char *needle)
{
	if (strcmp(needle, "@sctp") == 0)
		return (strstr(line, "ipproto sctp") != NULL ||
		    strstr(line, "ipproto 132") != NULL);
	return (strstr(line, needle) != NULL);
}

/* Counts the output lines of cmd holding every needle (NULL-ended). */
static int
count_lines(const char *cmd, ...)
{
	char		 line[512];
	const char	*needle;
	va_list		 ap;
	FILE		*f;
	int		 n = 0, all;

	if ((f = popen(cmd, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL) {
		all = 1;
		va_start(ap, cmd);
		while ((needle = va_arg(ap, const char *)) != NULL)
			if (!line_has(line, needle))
				all = 0;
		va_end(ap);
		n += all;
	}
	pclose(f);
	return (n);
}

/* Parses an address into the project's form. */
static struct ipaddr
mkaddr(const char *s)
{
	struct ipaddr	a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.u.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.u.v6) == 1)
		a.family = AF_INET6;
	else
		abort();
	return (a);
}

/* Sets an address from 4 or 16 raw bytes (addr.c is not ours). */
static void
addr_from_bytes(struct ipaddr *a, int family, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->u.bytes, p, family == AF_INET ? 4 : 16);
}

/* Builds a prefix from an address and a length. */
static struct prefix
mkprefix(const char *s, int len)
{
	struct prefix	p;

	memset(&p, 0, sizeof(p));
	p.addr = mkaddr(s);
	p.len = len;
	return (p);
}

/* Reads an integer sysctl (or any small /proc file); -1 on error. */
static int
sysctl_get(const char *path)
{
	char	buf[32];
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return (buf[0] ? atoi(buf) : -1);
}

/* Writes an integer sysctl. */
static void
sysctl_set(const char *path, int v)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "%d\n", v);
	fclose(f);
}

/* Sends payload to dst with a raw socket of the given IP protocol. */
static int
send_raw(const char *dst, int proto, const char *payload)
{
	struct sockaddr_storage	ss;
	struct ipaddr		a = mkaddr(dst);
	socklen_t		sl;
	int			fd;
	ssize_t			n;

	memset(&ss, 0, sizeof(ss));
	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a.u.v4;
		if (proto == IPPROTO_UDP)
			sin->sin_port = htons(9899);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a.u.v6;
		if (proto == IPPROTO_UDP)
			sin6->sin6_port = htons(9899);
		sl = sizeof(*sin6);
	}
	if (proto == IPPROTO_UDP)
		fd = socket(a.family, SOCK_DGRAM, 0);
	else
		fd = socket(a.family, SOCK_RAW, proto);
	if (fd == -1) {
		diag("socket(%s, %d): %s", dst, proto, strerror(errno));
		return (-1);
	}
	n = sendto(fd, payload, strlen(payload), 0, (struct sockaddr *)&ss,
	    sl);
	if (n == -1)
		diag("sendto %s: %s", dst, strerror(errno));
	close(fd);
	return (n == (ssize_t)strlen(payload) ? 0 : -1);
}

/*
 * Waits up to ms for an IP packet on fd (a TUN, or a packet socket giving
 * network-layer frames) with this protocol, destination and payload.
 * Returns 1 if seen, and its source address in *src.
 */
static int
wait_packet(int fd, int ms, int proto, const char *dst, const char *payload,
    struct ipaddr *src)
{
	uint8_t		buf[2048];
	struct ipaddr	d = mkaddr(dst);
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	size_t		plen = strlen(payload), hl;
	ssize_t		n;

	while (poll(&pfd, 1, ms) == 1) {
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			continue;
		if (d.family == AF_INET && n >= 20 && buf[0] >> 4 == 4) {
			hl = (buf[0] & 0xf) * 4;
			if (buf[9] != proto || memcmp(buf + 16, &d.u.v4, 4))
				continue;
			if (src != NULL)
				addr_from_bytes(src, AF_INET, buf + 12);
		} else if (d.family == AF_INET6 && n >= 40 &&
		    buf[0] >> 4 == 6) {
			hl = 40;
			if (buf[6] != proto || memcmp(buf + 24, &d.u.v6, 16))
				continue;
			if (src != NULL)
				addr_from_bytes(src, AF_INET6, buf + 8);
		} else
			continue;
		if (proto == IPPROTO_UDP)
			hl += 8;
		if ((size_t)n >= hl + plen && memcmp(buf + hl, payload,
		    plen) == 0)
			return (1);
	}
	return (0);
}

/* Opens a packet socket that sees what arrives on ifname. */
static int
capture_open(const char *ifname)
{
	struct sockaddr_ll	sll;
	int			fd;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd == -1)
		return (-1);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Builds the namespace: two veth links, main routes, foreign rules. */
static int
setup_netns(void)
{
	static const char *cmds[] = {
	    "ip link set lo up",
	    "ip link add v0 address 02:00:00:00:00:01 mtu 1450 type veth "
	    "peer name v1 address 02:00:00:00:00:02 mtu 1450",
	    "ip link add w0 address 02:00:00:00:01:01 mtu 1300 type veth "
	    "peer name w1 address 02:00:00:00:01:02 mtu 1300",
	    "ip link set v0 up && ip link set v1 up",
	    "ip link set w0 up && ip link set w1 up",
	    "ip addr add 10.1.0.1/24 dev v0",
	    "ip addr add 10.2.0.1/24 dev w0",
	    "ip -6 addr add 2001:db8:1::1/64 dev v0 nodad",
	    "ip -6 addr add 2001:db8:3::1/64 dev w0 nodad",
	    "ip neigh add 10.1.0.2 lladdr 02:00:00:00:00:02 dev v0",
	    "ip -6 neigh add 2001:db8:1::2 lladdr 02:00:00:00:00:02 dev v0",
	    "ip route add 192.0.2.0/24 via 10.1.0.2",
	    "ip route add 198.18.0.0/16 via 10.1.0.2 mtu 1280",
	    "ip route add 198.51.100.0/24 via 10.2.0.2",
	    "ip -6 route add 2001:db8:2::/48 via 2001:db8:1::2",
	    "ip -6 route add 2001:db8:4::/48 via 2001:db8:3::2",
	    /* Foreign state nl_cleanup must leave alone. */
	    "ip rule add to 192.0.2.0/24 lookup 100 pref 9000",
	    "ip rule add ipproto 132 to 192.0.2.0/24 lookup 200 pref 9899",
	    "ip rule add to 203.0.113.0/24 lookup 9899 pref 9899",
	    "ip rule add ipproto 132 to 203.0.113.0/24 lookup 9899 pref 9000",
	    "ip -6 rule add ipproto 132 to 2001:db8:2::/48 lookup 200 "
	    "pref 9899",
	    "ip route add 10.5.0.0/16 dev v0 table 100",
	    "ip -6 route add 2001:db8:5::/48 dev v0 table 100",
	};
	size_t	i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (run("%s", cmds[i]) == -1)
			return (-1);
	return (0);
}

/* The foreign rules and routes are all still there. */
static void
check_foreign(const char *when)
{
	ok(count_lines("ip rule show", "9000:", "lookup 100", NULL) == 1 &&
	    count_lines("ip rule show", "9000:", "@sctp", "lookup 9899",
	    NULL) == 1 &&
	    count_lines("ip rule show", "9899:", "@sctp", "lookup 200",
	    NULL) == 1 &&
	    count_lines("ip rule show", "9899:", "203.0.113.0/24",
	    "lookup 9899", NULL) == 1 &&
	    count_lines("ip -6 rule show", "9899:", "@sctp", "lookup 200",
	    NULL) == 1, "%s: foreign rules intact", when);
	ok(count_lines("ip route show table 100", "10.5.0.0/16", NULL) == 1 &&
	    count_lines("ip -6 route show table 100", "2001:db8:5::/48",
	    NULL) == 1 &&
	    count_lines("ip route show", "192.0.2.0/24 via 10.1.0.2",
	    NULL) == 1 &&
	    count_lines("ip -6 route show", "2001:db8:2::/48", NULL) == 1,
	    "%s: foreign and main routes intact", when);
}

/* Our rules and routes, as the kernel lists them. */
static void
check_installed(void)
{
	ok(count_lines("ip rule show", "9899:", "to 192.0.2.0/24", "@sctp",
	    "lookup 9899", NULL) == 1, "IPv4 rule ipproto 132 installed once");
	ok(count_lines("ip -6 rule show", "9899:", "to 2001:db8:2::/48",
	    "@sctp", "lookup 9899", NULL) == 1,
	    "IPv6 rule ipproto 132 installed once");
	/* Ours plus the two foreign 203.0.113.0/24 rules, nothing else. */
	ok(count_lines("ip rule show", "lookup 9899", NULL) == 3 &&
	    count_lines("ip -6 rule show", "lookup 9899", NULL) == 1,
	    "no other rule points to the table");
	ok(count_lines("ip route show table 9899", "", NULL) == 1 &&
	    count_lines("ip route show table 9899", "default dev " TUNNAME,
	    "scope link", NULL) == 1, "IPv4 table: exactly the default route");
	ok(count_lines("ip -6 route show table 9899", "", NULL) == 1 &&
	    count_lines("ip -6 route show table 9899",
	    "default dev " TUNNAME, NULL) == 1,
	    "IPv6 table: exactly the default route");
}

/* tun_open, nl_link_set and the TUN's IPv6 state. */
static void
test_tun(struct nl *nl, struct tun *tun)
{
	const char	*cause = NULL;
	int		 fl, rv;

	ok(tun_open(tun, TUNNAME, &cause) == 0, "tun_open (%s)",
	    cause ? cause : "ok");
	ok(tun->fd >= 0 && tun->ifindex == (int)if_nametoindex(TUNNAME) &&
	    strcmp(tun->name, TUNNAME) == 0, "tun fd, ifindex and name");
	fl = fcntl(tun->fd, F_GETFL);
	ok(fl != -1 && (fl & O_NONBLOCK) &&
	    (fcntl(tun->fd, F_GETFD) & FD_CLOEXEC),
	    "tun non-blocking, cloexec");
	ok(nl_link_set(nl, tun->ifindex, 1400, 1, &cause) == 0,
	    "nl_link_set mtu 1400 up");
	ok(count_lines("ip link show dev " TUNNAME, "mtu 1400", ",UP", NULL)
	    == 1, "kernel shows the TUN up with mtu 1400");
	ok(sysctl_get("/proc/sys/net/ipv6/conf/" TUNNAME "/disable_ipv6")
	    == 0, "IPv6 enabled on the TUN");
	ok(count_lines("ip -6 addr show dev " TUNNAME, "inet6", NULL) == 0,
	    "TUN has no IPv6 address, link-local included");
	cause = NULL;
	rv = nl_link_set(nl, 999999, 1400, 1, &cause);
	ok(rv == -1 && cause != NULL, "nl_link_set on a missing link fails "
	    "(%s)", cause ? cause : "no cause");
}

/* nl_rule_add and nl_route_add_default, checked with iproute2. */
static void
test_install(struct nl *nl, struct tun *tun)
{
	struct prefix	 p4 = mkprefix("192.0.2.0", 24);
	struct prefix	 p6 = mkprefix("2001:db8:2::", 48);
	struct prefix	 bad;
	const char	*cause = NULL;

	ok(nl_rule_add(nl, &p4, TABLE, PRIO, &cause) == 0,
	    "nl_rule_add IPv4 (%s)", cause ? cause : "ok");
	ok(nl_rule_add(nl, &p6, TABLE, PRIO, &cause) == 0,
	    "nl_rule_add IPv6 (%s)", cause ? cause : "ok");
	ok(nl_rule_add(nl, &p4, TABLE, PRIO, &cause) == 0,
	    "adding the identical rule again is not an error");
	ok(nl_route_add_default(nl, AF_INET, tun->ifindex, TABLE,
	    &cause) == 0, "default IPv4 route via TUN");
	ok(nl_route_add_default(nl, AF_INET6, tun->ifindex, TABLE,
	    &cause) == 0, "default IPv6 route via TUN (no link-local)");
	ok(nl_route_add_default(nl, AF_INET6, tun->ifindex, TABLE,
	    &cause) == 0, "adding the default route again replaces it");
	memset(&bad, 0, sizeof(bad));
	cause = NULL;
	ok(nl_rule_add(nl, &bad, TABLE, PRIO, &cause) == -1 && cause != NULL,
	    "nl_rule_add rejects a prefix without family");
	bad = mkprefix("192.0.2.0", 33);
	ok(nl_rule_add(nl, &bad, TABLE, PRIO, &cause) == -1,
	    "nl_rule_add rejects /33");
	check_installed();
}

/* nl_route_mtu ignores our ipproto rules and follows the main table. */
static void
test_mtu(struct nl *nl)
{
	struct ipaddr	a;

	a = mkaddr("192.0.2.7");
	ok(nl_route_mtu(nl, &a) == 1450, "route mtu IPv4 via v0: %u",
	    nl_route_mtu(nl, &a));
	a = mkaddr("2001:db8:2::7");
	ok(nl_route_mtu(nl, &a) == 1450, "route mtu IPv6 via v0: %u",
	    nl_route_mtu(nl, &a));
	a = mkaddr("198.18.3.4");
	ok(nl_route_mtu(nl, &a) == 1280, "route mtu metric wins: %u",
	    nl_route_mtu(nl, &a));
	a = mkaddr("198.51.100.9");
	ok(nl_route_mtu(nl, &a) == 1300, "route mtu IPv4 via w0: %u",
	    nl_route_mtu(nl, &a));
	a = mkaddr("100.64.0.1");
	ok(nl_route_mtu(nl, &a) == 0, "route mtu IPv4 unreachable: 0");
	a = mkaddr("2001:db8:99::1");
	ok(nl_route_mtu(nl, &a) == 0, "route mtu IPv6 unreachable: 0");
}

/* SCTP (protocol 132) goes into the TUN; UDP to the same place does not. */
static void
test_steering(struct tun *tun)
{
	static const char *dsts[] = { "192.0.2.7", "2001:db8:2::7" };
	size_t	i;
	int	cap;

	if ((cap = capture_open("v1")) == -1)
		diag("capture on v1: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		ok(send_raw(dsts[i], IPPROTO_SCTP_NUM, "steer-sctp") == 0 &&
		    wait_packet(tun->fd, 1000, IPPROTO_SCTP_NUM, dsts[i],
		    "steer-sctp", NULL) == 1,
		    "protocol 132 to %s arrives on the TUN", dsts[i]);
		ok(send_raw(dsts[i], IPPROTO_UDP, "steer-udp") == 0 &&
		    wait_packet(tun->fd, 300, IPPROTO_UDP, dsts[i],
		    "steer-udp", NULL) == 0,
		    "UDP to %s does not enter the TUN", dsts[i]);
		ok(cap != -1 && wait_packet(cap, 1000, IPPROTO_UDP, dsts[i],
		    "steer-udp", NULL) == 1,
		    "UDP to %s leaves by the main route (v0)", dsts[i]);
		ok(cap != -1 && send_raw(dsts[i], IPPROTO_SCTP_NUM,
		    "leak-sctp") == 0 && wait_packet(cap, 300,
		    IPPROTO_SCTP_NUM, dsts[i], "leak-sctp", NULL) == 0,
		    "no native SCTP to %s leaks onto v0", dsts[i]);
		/* Drain the TUN copy of the leak probe. */
		(void)wait_packet(tun->fd, 300, IPPROTO_SCTP_NUM, dsts[i],
		    "leak-sctp", NULL);
	}
	if (cap != -1)
		close(cap);
}

/*
 * Routing hard point: through one TUN, a path keeps its own link's source
 * address only if the tunnel route carries the main table's preferred src.
 */
static void
test_source(struct nl *nl, struct tun *tun)
{
	static const struct {
		const char *pfx, *dst, *want;
		int len;
	} c[] = {
		{ "198.51.100.0", "198.51.100.9", "10.2.0.1", 24 },
		{ "2001:db8:4::", "2001:db8:4::9", "2001:db8:3::1", 48 },
	};
	struct prefix	 p;
	struct ipaddr	 dst, src, got, want;
	const char	*cause = NULL;
	char		 b[INET6_ADDRSTRLEN];
	size_t		 i;

	for (i = 0; i < 2; i++) {
		p = mkprefix(c[i].pfx, c[i].len);
		dst = mkaddr(c[i].dst);
		want = mkaddr(c[i].want);
		ok(nl_rule_add(nl, &p, TABLE, PRIO, &cause) == 0,
		    "rule for %s/%d", c[i].pfx, c[i].len);
		if (send_raw(c[i].dst, IPPROTO_SCTP_NUM, "src-probe") == 0 &&
		    wait_packet(tun->fd, 1000, IPPROTO_SCTP_NUM, c[i].dst,
		    "src-probe", &got) == 1)
			diag("via the default TUN route only, source is %s",
			    inet_ntop(got.family, got.u.bytes, b, sizeof(b)));
		ok(nl_route_src(nl, &dst, &src) == 0 &&
		    memcmp(&src, &want, sizeof(src)) == 0,
		    "nl_route_src %s: %s", c[i].dst, c[i].want);
		ok(nl_route_add(nl, &p, tun->ifindex, TABLE, &src,
		    &cause) == 0, "nl_route_add %s src %s (%s)", c[i].pfx,
		    c[i].want, cause ? cause : "ok");
		ok(send_raw(c[i].dst, IPPROTO_SCTP_NUM, "src-probe2") == 0 &&
		    wait_packet(tun->fd, 1000, IPPROTO_SCTP_NUM, c[i].dst,
		    "src-probe2", &got) == 1 &&
		    memcmp(&got, &want, sizeof(got)) == 0,
		    "with src, SCTP to %s leaves the TUN from %s", c[i].dst,
		    c[i].want);
	}
}

/* nl_cleanup removes exactly ours, and is idempotent. */
static void
test_cleanup(struct nl *nl)
{
	const char	*cause = NULL;
	int		 n;

	check_foreign("before cleanup");
	n = nl_cleanup(nl, TABLE, PRIO, &cause);
	/* 4 rules, and per family the default and the src route. */
	ok(n == 8, "nl_cleanup removed %d of 8 (%s)", n, cause ? cause : "ok");
	ok(count_lines("ip rule show", "9899:", "@sctp", "lookup 9899",
	    NULL) == 0 &&
	    count_lines("ip -6 rule show", "@sctp", "lookup 9899", NULL) == 0,
	    "our rules are gone");
	ok(count_lines("ip route show table 9899", "", NULL) == 0 &&
	    count_lines("ip -6 route show table 9899", "", NULL) == 0,
	    "our table is empty");
	check_foreign("after cleanup");
	ok(nl_cleanup(nl, TABLE, PRIO, &cause) == 0,
	    "second nl_cleanup removes nothing");
}

/* A crashed run left rules behind and its TUN died: cleanup copes. */
static void
test_crashed(struct nl *nl)
{
	struct prefix	 p4 = mkprefix("192.0.2.0", 24);
	struct prefix	 p6 = mkprefix("2001:db8:2::", 48);
	struct tun	 t;
	const char	*cause = NULL;
	int		 n;

	ok(tun_open(&t, CRASHNAME, &cause) == 0 &&
	    nl_link_set(nl, t.ifindex, 0, 1, &cause) == 0 &&
	    nl_rule_add(nl, &p4, TABLE, PRIO, &cause) == 0 &&
	    nl_rule_add(nl, &p6, TABLE, PRIO, &cause) == 0 &&
	    nl_route_add_default(nl, AF_INET, t.ifindex, TABLE, &cause) == 0 &&
	    nl_route_add_default(nl, AF_INET6, t.ifindex, TABLE, &cause) == 0,
	    "crashed run: installed (%s)", cause ? cause : "ok");
	tun_close(&t);
	ok(if_nametoindex(CRASHNAME) == 0, "crashed run: its TUN is gone");
	ok(count_lines("ip rule show", "9899:", "192.0.2.0/24", "@sctp",
	    "lookup 9899", NULL) == 1, "crashed run: its rules remain");
	n = nl_cleanup(nl, TABLE, PRIO, &cause);
	ok(n == 2, "nl_cleanup after a crash removed %d of 2 rules", n);
	ok(count_lines("ip rule show", "lookup 9899", NULL) == 2 &&
	    count_lines("ip -6 rule show", "lookup 9899", NULL) == 0,
	    "after a crash only the foreign rules remain");
	check_foreign("after crash cleanup");
}

/* rp_filter is zeroed and put back, "all" only if we changed it. */
static void
test_rpfilter(void)
{
	const char	*all = "/proc/sys/net/ipv4/conf/all/rp_filter";
	const char	*dev = "/proc/sys/net/ipv4/conf/" TUNNAME "/rp_filter";
	const char	*cause = NULL;

	sysctl_set(all, 1);
	sysctl_set(dev, 2);
	ok(rpfilter_disable(TUNNAME, NULL, &cause) == 0 && sysctl_get(all) == 0 &&
	    sysctl_get(dev) == 0, "rpfilter_disable zeroes all and the TUN");
	rpfilter_restore();
	ok(sysctl_get(all) == 1 && sysctl_get(dev) == 2,
	    "rpfilter_restore puts back 1 and 2");
	sysctl_set(all, 0);
	sysctl_set(dev, 1);
	ok(rpfilter_disable(TUNNAME, NULL, &cause) == 0 &&
	    sysctl_get(dev) == 0, "rpfilter_disable with all already 0");
	sysctl_set(all, 2);	/* somebody else's later change */
	rpfilter_restore();
	ok(sysctl_get(all) == 2 && sysctl_get(dev) == 1,
	    "restore leaves an untouched \"all\" alone");
	ok(rpfilter_disable("../x", NULL, &cause) == -1,
	    "rpfilter_disable rejects a path-like name");
	sysctl_set(all, 0);
}

/* A run that changed "all" and was killed: run it in a child. */
static int
rpfilter_killed_run(const char *file)
{
	const char	*cause = NULL;
	pid_t		 pid;
	int		 st;

	if ((pid = fork()) == 0)
		_exit(rpfilter_disable(TUNNAME, file, &cause) == 0 ? 0 : 1);
	return (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0 ? 0 : -1);
}

/* The old value of "all" outlives a killed run, in its file. */
static void
test_rpfilter_file(void)
{
	const char	*all = "/proc/sys/net/ipv4/conf/all/rp_filter";
	const char	*cause = NULL;
	char		 file[] = "/tmp/sctptun-rpf.XXXXXX";
	int		 fd;

	if ((fd = mkstemp(file)) == -1) {
		ok(0, "mkstemp: %s", strerror(errno));
		return;
	}
	close(fd);
	unlink(file);
	sysctl_set(all, 1);
	ok(rpfilter_killed_run(file) == 0 && sysctl_get(all) == 0 &&
	    access(file, R_OK) == 0, "a killed run left all at 0 and its "
	    "old value in the file");
	ok(rpfilter_disable(TUNNAME, file, &cause) == 0 &&
	    sysctl_get(all) == 0, "the next start takes over");
	rpfilter_restore();
	ok(sysctl_get(all) == 1 && access(file, F_OK) == -1,
	    "and puts back the value from before the killed run, file gone");
	ok(rpfilter_killed_run(file) == 0 && sysctl_get(all) == 0,
	    "killed again");
	ok(rpfilter_restore_saved(file, &cause) == 1 && sysctl_get(all) == 1 &&
	    access(file, F_OK) == -1, "-C puts the saved value back");
	ok(rpfilter_restore_saved(file, &cause) == -1,
	    "with no file, -C has nothing to put back");
	sysctl_set(all, 0);
	ok(rpfilter_killed_run(file) == 0 && access(file, F_OK) == -1,
	    "all already 0: nothing saved");
	unlink(file);
}

/* Rules of prefixes no longer configured go; the others stay. */
static void
test_prune(struct nl *nl)
{
	struct prefix	 keep[2], p3 = mkprefix("198.51.100.0", 24);
	const char	*cause = NULL;
	int		 n;

	keep[0] = mkprefix("192.0.2.0", 24);
	keep[1] = mkprefix("2001:db8:2::", 48);
	ok(nl_rule_add(nl, &keep[0], TABLE, PRIO, &cause) == 0 &&
	    nl_rule_add(nl, &keep[1], TABLE, PRIO, &cause) == 0 &&
	    nl_rule_add(nl, &p3, TABLE, PRIO, &cause) == 0,
	    "prune: three rules (%s)", cause ? cause : "ok");
	ok(nl_rule_add(nl, &keep[0], TABLE, PRIO, &cause) == 0 &&
	    count_lines("ip rule show", "192.0.2.0/24", "lookup 9899",
	    NULL) == 1, "adding an existing rule again changes nothing");
	n = nl_rule_prune(nl, TABLE, PRIO, keep, 2, &cause);
	ok(n == 1 && count_lines("ip rule show", "198.51.100.0/24", NULL) == 0,
	    "prune removed %d: the one not kept", n);
	ok(count_lines("ip rule show", "192.0.2.0/24", "lookup 9899",
	    NULL) == 1 && count_lines("ip -6 rule show", "2001:db8:2::/48",
	    "lookup 9899", NULL) == 1, "the kept ones stay");
	check_foreign("after prune");
	ok(nl_rule_prune(nl, TABLE, PRIO, keep, 0, &cause) == 2 &&
	    count_lines("ip rule show", "lookup 9899", NULL) == 2,
	    "prune keeping nothing removes ours only");
	check_foreign("after prune of all");
}

/* nl_link_del takes a TUN away, and is quiet about one that is gone. */
static void
test_link_del(struct nl *nl)
{
	struct tun	 t;
	const char	*cause = NULL;

	ok(tun_open(&t, CRASHNAME, &cause) == 0 &&
	    nl_link_del(nl, CRASHNAME, &cause) == 1 &&
	    if_nametoindex(CRASHNAME) == 0, "nl_link_del removed a TUN (%s)",
	    cause ? cause : "ok");
	tun_close(&t);
	ok(nl_link_del(nl, CRASHNAME, &cause) == 0,
	    "nl_link_del of a missing link: 0");
}

int
main(void)
{
	struct tun	 tun;
	struct nl	*nl;

	if (unshare(CLONE_NEWNET) == -1) {
		printf("1..0 # SKIP need root / CAP_SYS_ADMIN (%s)\n",
		    strerror(errno));
		return (0);
	}
	if (access("/dev/net/tun", R_OK | W_OK) == -1) {
		printf("1..0 # SKIP no /dev/net/tun\n");
		return (0);
	}
	if (setup_netns() == -1) {
		printf("1..0 # SKIP cannot build the test namespace "
		    "(iproute2 with veth needed)\n");
		return (0);
	}
	if ((nl = nl_open()) == NULL) {
		ok(0, "nl_open: %s", strerror(errno));
		return (tap_done(0));
	}
	test_tun(nl, &tun);
	test_install(nl, &tun);
	test_mtu(nl);
	test_steering(&tun);
	test_source(nl, &tun);
	test_cleanup(nl);
	test_crashed(nl);
	test_prune(nl);
	test_link_del(nl);
	test_rpfilter();
	test_rpfilter_file();
	tun_close(&tun);
	nl_close(nl);
	return (tap_done(0));
}
