/*
 * test_addr: text round trips, prefix parsing and matching at the bit
 * boundaries, the unicast filter, sockaddr conversion and the hash.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "addr.h"
#include "tap.h"

/* Parse s, print it back, compare with want. */
static int
round_trip(const char *s, const char *want)
{
	struct ipaddr	a;
	char		buf[ADDR_STRLEN];

	if (addr_pton(s, &a) == -1)
		return 0;
	return strcmp(addr_ntop(&a, buf, sizeof(buf)), want) == 0;
}

/* pton / ntop, and the zeroed tail of an IPv4 value. */
static void
test_text(void)
{
	struct ipaddr	a, b;
	static const uint8_t zero[12];
	char		buf[ADDR_STRLEN];

	ok(round_trip("192.0.2.1", "192.0.2.1"), "v4 round trip");
	ok(round_trip("2001:DB8:0:0::1", "2001:db8::1"), "v6 canonical form");
	ok(round_trip("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
	    "v4-mapped stays v6");
	ok(addr_pton("::ffff:192.0.2.1", &a) == 0 && a.family == AF_INET6,
	    "v4-mapped family is AF_INET6");
	ok(addr_pton("192.0.2.1", &a) == 0 && a.family == AF_INET &&
	    addr_len(&a) == 4 && memcmp(a.u.bytes + 4, zero, 12) == 0 &&
	    a.pad[0] == 0, "v4 value: family, length, zero tail");
	ok(addr_pton("fe80::1", &a) == 0 && addr_len(&a) == 16, "v6 length");
	ok(addr_pton("", &a) == -1 && addr_pton("1.2.3", &a) == -1 &&
	    addr_pton("256.1.1.1", &a) == -1 && addr_pton("::g", &a) == -1 &&
	    addr_pton("192.0.2.1/24", &a) == -1 &&
	    addr_pton(" 192.0.2.1", &a) == -1, "garbage refused");
	addr_pton("192.0.2.1", &a);
	addr_pton("192.0.2.1", &b);
	ok(addr_equal(&a, &b), "equal addresses");
	addr_pton("192.0.2.2", &b);
	ok(!addr_equal(&a, &b), "different addresses");
	addr_pton("::c000:201", &b);
	ok(!addr_equal(&a, &b), "same bytes, other family");
	memset(&a, 0, sizeof(a));
	a.family = 99;
	ok(strcmp(addr_ntop(&a, buf, sizeof(buf)), "?") == 0,
	    "unknown family prints ?");
}

/* Parse a prefix, expecting success and its printed form. */
static int
prefix_ok(const char *s, const char *want)
{
	struct prefix	 p;
	const char	*cause = NULL;
	char		 buf[ADDR_STRLEN];

	if (prefix_parse(s, &p, &cause) == -1)
		return 0;
	return strcmp(prefix_ntop(&p, buf, sizeof(buf)), want) == 0;
}

/* Parse a prefix, expecting an error with a cause. */
static int
prefix_bad(const char *s)
{
	struct prefix	 p;
	const char	*cause = NULL;

	return prefix_parse(s, &p, &cause) == -1 && cause != NULL;
}

/* Valid and invalid prefixes. */
static void
test_prefix_parse(void)
{
	ok(prefix_ok("10.0.0.0/8", "10.0.0.0/8"), "10.0.0.0/8");
	ok(prefix_ok("0.0.0.0/0", "0.0.0.0/0"), "0.0.0.0/0");
	ok(prefix_ok("192.0.2.1", "192.0.2.1/32"), "bare v4 is /32");
	ok(prefix_ok("2001:db8::/32", "2001:db8::/32"), "2001:db8::/32");
	ok(prefix_ok("::/0", "::/0"), "::/0");
	ok(prefix_ok("2001:db8::1", "2001:db8::1/128"), "bare v6 is /128");
	ok(prefix_ok("192.0.2.0/23", "192.0.2.0/23") &&
	    prefix_ok("192.0.2.0/24", "192.0.2.0/24"), "/23 vs /24");
	ok(prefix_ok("2001:db8:0:8::/61", "2001:db8:0:8::/61"), "/61");
	ok(prefix_bad("10.0.0.1/8"), "host bits set (v4)");
	ok(prefix_bad("192.0.3.0/23"), "host bit set in the odd byte");
	ok(prefix_bad("2001:db8::1/64"), "host bits set (v6)");
	ok(prefix_bad("2001:db8:0:c::/61"), "host bit set at /61");
	ok(prefix_bad("10.0.0.0/33"), "/33 for v4");
	ok(prefix_bad("2001:db8::/129"), "/129 for v6");
	ok(prefix_bad("10.0.0.0/"), "empty length");
	ok(prefix_bad("10.0.0.0/-1"), "negative length");
	ok(prefix_bad("10.0.0.0/8x"), "trailing garbage");
	ok(prefix_bad("10.0.0.0/0008"), "four digits");
	ok(prefix_bad("/8"), "no address");
	ok(prefix_bad("banana/8"), "not an address");
	ok(prefix_bad(""), "empty string");
	ok(prefix_bad("10.0.0.0/8/8"), "two slashes");
}

/* Is addr in prefix? */
static int
in(const char *prefix, const char *addr)
{
	struct prefix	 p;
	struct ipaddr	 a;
	const char	*cause;

	if (prefix_parse(prefix, &p, &cause) == -1 || addr_pton(addr, &a) == -1)
		return -1;
	return prefix_contains(&p, &a);
}

/* Boundaries of /0, /1, /23, /32, /61, /128 and the family check. */
static void
test_prefix_contains(void)
{
	ok(in("0.0.0.0/0", "255.255.255.255") == 1, "/0 holds everything v4");
	ok(in("0.0.0.0/0", "::1") == 0, "v4 /0 does not hold v6");
	ok(in("::/0", "192.0.2.1") == 0, "v6 /0 does not hold v4");
	ok(in("::/0", "ffff::1") == 1, "v6 /0 holds v6");
	ok(in("128.0.0.0/1", "128.0.0.0") == 1 &&
	    in("128.0.0.0/1", "255.255.255.255") == 1 &&
	    in("128.0.0.0/1", "127.255.255.255") == 0, "/1 boundaries");
	ok(in("192.0.2.0/23", "192.0.2.0") == 1 &&
	    in("192.0.2.0/23", "192.0.3.255") == 1 &&
	    in("192.0.2.0/23", "192.0.1.255") == 0 &&
	    in("192.0.2.0/23", "192.0.4.0") == 0, "/23 boundaries");
	ok(in("192.0.2.7/32", "192.0.2.7") == 1 &&
	    in("192.0.2.7/32", "192.0.2.6") == 0 &&
	    in("192.0.2.7/32", "192.0.2.8") == 0, "/32 is one address");
	ok(in("2001:db8:0:8::/61", "2001:db8:0:8::") == 1 &&
	    in("2001:db8:0:8::/61", "2001:db8:0:f:ffff:ffff:ffff:ffff") == 1 &&
	    in("2001:db8:0:8::/61", "2001:db8:0:7:ffff:ffff:ffff:ffff") == 0 &&
	    in("2001:db8:0:8::/61", "2001:db8:0:10::") == 0, "/61 boundaries");
	ok(in("2001:db8::5/128", "2001:db8::5") == 1 &&
	    in("2001:db8::5/128", "2001:db8::4") == 0 &&
	    in("2001:db8::5/128", "2001:db8::5:0") == 0, "/128 is one address");
	ok(in("8000::/1", "8000::") == 1 && in("8000::/1", "7fff::") == 0,
	    "v6 /1");
}

/* Is the text address unicast? */
static int
uni(const char *s)
{
	struct ipaddr	a;

	if (addr_pton(s, &a) == -1)
		return -1;
	return addr_is_unicast(&a);
}

/* The unicast filter. */
static void
test_unicast(void)
{
	struct ipaddr	a;

	ok(uni("192.0.2.1") == 1 && uni("10.1.2.3") == 1 &&
	    uni("223.255.255.255") == 1, "ordinary v4 unicast");
	ok(uni("127.0.0.1") == 1 && uni("::1") == 1, "loopback allowed");
	ok(uni("0.0.0.0") == 0 && uni("0.1.2.3") == 0, "0.0.0.0/8 refused");
	ok(uni("224.0.0.1") == 0 && uni("239.255.255.255") == 0,
	    "v4 multicast refused");
	ok(uni("240.0.0.1") == 0 && uni("255.255.255.255") == 0,
	    "class E and broadcast refused");
	ok(uni("2001:db8::1") == 1 && uni("fe80::1") == 1 &&
	    uni("fc00::1") == 1, "ordinary v6 unicast");
	ok(uni("::") == 0, ":: refused");
	ok(uni("ff02::1") == 0 && uni("ff0e::101") == 0,
	    "v6 multicast refused");
	ok(uni("::ffff:192.0.2.1") == 0, "v4-mapped refused");
	ok(uni("::ffff:0:0") == 0 && uni("::fffe:c000:201") == 1,
	    "v4-mapped boundary");
	memset(&a, 0, sizeof(a));
	ok(addr_is_unicast(&a) == 0, "family 0 refused");
}

/* sockaddr in and out, ports in host order. */
static void
test_sockaddr(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct ipaddr		 a, b;
	uint16_t		 port = 0;

	addr_pton("192.0.2.1", &a);
	ok(addr_to_sockaddr(&a, 9899, &ss) == sizeof(sin), "v4 sockaddr size");
	memcpy(&sin, &ss, sizeof(sin));
	ok(sin.sin_family == AF_INET && ntohs(sin.sin_port) == 9899 &&
	    sin.sin_addr.s_addr == inet_addr("192.0.2.1"),
	    "v4 sockaddr fields");
	ok(addr_from_sockaddr(&b, &port, (struct sockaddr *)&ss) == 0 &&
	    addr_equal(&a, &b) && port == 9899, "v4 sockaddr round trip");

	addr_pton("2001:db8::7", &a);
	ok(addr_to_sockaddr(&a, 65535, &ss) == sizeof(sin6),
	    "v6 sockaddr size");
	memcpy(&sin6, &ss, sizeof(sin6));
	ok(sin6.sin6_family == AF_INET6 && ntohs(sin6.sin6_port) == 65535 &&
	    sin6.sin6_scope_id == 0 && sin6.sin6_flowinfo == 0,
	    "v6 sockaddr fields");
	ok(addr_from_sockaddr(&b, NULL, (struct sockaddr *)&ss) == 0 &&
	    addr_equal(&a, &b), "v6 sockaddr round trip, port NULL");

	addr_pton("::ffff:10.0.0.1", &a);
	addr_to_sockaddr(&a, 1, &ss);
	ok(addr_from_sockaddr(&b, &port, (struct sockaddr *)&ss) == 0 &&
	    b.family == AF_INET6 && addr_equal(&a, &b) && port == 1,
	    "v4-mapped sockaddr stays IPv6");

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	ok(addr_from_sockaddr(&b, &port, (struct sockaddr *)&ss) == -1,
	    "AF_UNIX refused");
	memset(&a, 0, sizeof(a));
	ok(addr_to_sockaddr(&a, 1, &ss) == 0, "family 0 gives length 0");
}

/* Equal addresses hash equally; different ones spread. */
static void
test_hash(void)
{
	struct ipaddr	a, b;
	uint32_t	h[256];
	uint8_t		v4[4] = { 10, 0, 0, 0 };
	int		i, j, coll = 0;

	addr_pton("2001:db8::1", &a);
	addr_pton("2001:0db8:0::1", &b);
	ok(addr_hash(&a, 7) == addr_hash(&b, 7), "equal v6, equal hash");
	addr_pton("192.0.2.1", &a);
	addr_set4(&b, "\xc0\x00\x02\x01");
	ok(addr_hash(&a, 7) == addr_hash(&b, 7), "equal v4, equal hash");
	ok(addr_hash(&a, 7) != addr_hash(&a, 8), "seed changes the hash");
	addr_pton("::c000:201", &b);
	ok(addr_hash(&a, 7) != addr_hash(&b, 7), "family is hashed");
	for (i = 0; i < 256; i++) {
		v4[3] = i;
		addr_set4(&a, v4);
		h[i] = addr_hash(&a, 1);
	}
	for (i = 0; i < 256; i++)
		for (j = i + 1; j < 256; j++)
			if ((h[i] & 1023) == (h[j] & 1023))
				coll++;
	ok(coll < 100, "256 neighbours in 1024 buckets: %d collisions", coll);
}

int
main(void)
{
	test_text();
	test_prefix_parse();
	test_prefix_contains();
	test_unicast();
	test_sockaddr();
	test_hash();
	return tap_done(0);
}
