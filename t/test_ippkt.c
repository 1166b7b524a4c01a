/*
 * test_ippkt: ip_parse() on hand-built IPv4 and IPv6 packets and on every
 * error path, ip_build() round trips, the Internet checksum, and a loop of
 * truncations and random mutations that must never read out of bounds
 * (each case is parsed from an exact-size heap copy, so ASan sees overruns).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ippkt.h"
#include "tap.h"

/* 192.0.2.1 -> 192.0.2.2, DF, TTL 64, SCTP, 16 bytes of payload. */
static const uint8_t v4_good[36] = {
	0x45, 0x00, 0x00, 0x24, 0x00, 0x00, 0x40, 0x00,
	0x40, 0x84, 0xb6, 0x52, 0xc0, 0x00, 0x02, 0x01,
	0xc0, 0x00, 0x02, 0x02,
	0x11, 0x11, 0x22, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* The same with IHL 6: one word of options (NOP NOP NOP EOL). */
static const uint8_t v4_opts[40] = {
	0x46, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00,
	0x40, 0x84, 0xb3, 0x4d, 0xc0, 0x00, 0x02, 0x01,
	0xc0, 0x00, 0x02, 0x02, 0x01, 0x01, 0x01, 0x00,
	0x11, 0x11, 0x22, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

#define V6_SRC	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define V6_DST	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
#define PAYLOAD	0x11, 0x11, 0x22, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, \
		0, 0, 0, 0

/* 2001:db8::1 -> 2001:db8::2, traffic class 0xb8, SCTP, 16 bytes. */
static const uint8_t v6_good[56] = {
	0x6b, 0x80, 0x00, 0x00, 0x00, 0x10, 132, 64, V6_SRC, V6_DST, PAYLOAD,
};

/* Hop-by-hop (PadN) then destination options (PadN) then SCTP. */
static const uint8_t v6_chain[72] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0, 64, V6_SRC, V6_DST,
	60, 0, 1, 4, 0, 0, 0, 0,
	132, 0, 1, 4, 0, 0, 0, 0,
	PAYLOAD,
};

/* Routing (16 bytes) then AH (length 1: 12 bytes) then SCTP. */
static const uint8_t v6_rt_ah[84] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x2c, 43, 64, V6_SRC, V6_DST,
	51, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	132, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
	PAYLOAD,
};

/* Destination options then a fragment header. */
static const uint8_t v6_frag[72] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 60, 64, V6_SRC, V6_DST,
	44, 0, 1, 4, 0, 0, 0, 0,
	132, 0, 0x00, 0x01, 0, 0, 0, 1,
	PAYLOAD,
};

/* Parse from an exact-size heap copy so ASan catches any overrun. */
static int
parse_copy(const uint8_t *pkt, size_t len, struct ip_pkt *ip)
{
	uint8_t	*copy;
	int	 rc;

	copy = malloc(len ? len : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, pkt, len);
	rc = ip_parse(copy, len, ip);
	if (rc == IP_OK)
		ip->l4 = pkt + (ip->l4 - copy);
	free(copy);
	return rc;
}

/* Recompute the IPv4 header checksum of a modified test packet. */
static void
fix_cksum4(uint8_t *pkt)
{
	size_t		hl = (size_t)(pkt[0] & 0x0f) * 4;
	uint16_t	c;

	pkt[10] = pkt[11] = 0;
	c = (uint16_t)~inet_cksum(pkt, hl);
	pkt[10] = c >> 8;
	pkt[11] = c & 0xff;
}

/* The good IPv4 packets, with and without options, and trailing bytes. */
static void
test_v4_good(void)
{
	struct ip_pkt	ip;
	struct ipaddr	a;
	uint8_t		big[64];

	ok(parse_copy(v4_good, sizeof(v4_good), &ip) == IP_OK, "v4: parses");
	addr_pton("192.0.2.1", &a);
	ok(addr_equal(&ip.src, &a), "v4: src");
	addr_pton("192.0.2.2", &a);
	ok(addr_equal(&ip.dst, &a), "v4: dst");
	ok(ip.proto == 132 && ip.ttl == 64 && ip.tos == 0 &&
	    ip.hdrlen == 20, "v4: proto, ttl, tos, hdrlen");
	ok(ip.l4 == v4_good + 20 && ip.l4len == 16, "v4: l4 and l4len");
	ok(parse_copy(v4_opts, sizeof(v4_opts), &ip) == IP_OK &&
	    ip.hdrlen == 24 && ip.l4 == v4_opts + 24 && ip.l4len == 16,
	    "v4 with options: l4 after the options");
	memset(big, 0xee, sizeof(big));
	memcpy(big, v4_good, sizeof(v4_good));
	ok(parse_copy(big, sizeof(big), &ip) == IP_OK && ip.l4len == 16,
	    "v4: bytes past the total length are ignored");
}

/* Every IPv4 error path. */
static void
test_v4_errors(void)
{
	struct ip_pkt	ip;
	/* Room for fix_cksum4() of an IHL 15 header. */
	uint8_t		p[64];
	size_t		n;
	int		bad = 0;

	memset(p, 0, sizeof(p));
	for (n = 0; n < sizeof(v4_good); n++)
		if (parse_copy(v4_good, n, &ip) != IP_ERR_SHORT)
			bad++;
	ok(bad == 0, "v4: every truncation is IP_ERR_SHORT");
	bad = 0;
	for (n = 20; n < sizeof(v4_opts); n++)
		if (parse_copy(v4_opts, n, &ip) != IP_ERR_SHORT)
			bad++;
	ok(bad == 0, "v4 with options: every truncation is IP_ERR_SHORT");

	memcpy(p, v4_good, sizeof(v4_good));
	p[0] = 0x44;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_ERR_VERSION, "v4: IHL 4");
	p[0] = 0x40;
	ok(parse_copy(p, 36, &ip) == IP_ERR_VERSION, "v4: IHL 0");
	p[0] = 0x55;
	ok(parse_copy(p, 36, &ip) == IP_ERR_VERSION, "version 5");
	p[0] = 0x05;
	ok(parse_copy(p, 36, &ip) == IP_ERR_VERSION, "version 0");
	ok(parse_copy(p, 1, &ip) == IP_ERR_VERSION, "1 byte, version 0");

	memcpy(p, v4_good, sizeof(v4_good));
	p[0] = 0x4f;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_ERR_SHORT, "v4: IHL 15 > buffer");
	memcpy(p, v4_good, sizeof(v4_good));
	p[3] = 19;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_ERR_SHORT, "v4: total length < IHL");
	p[3] = 37;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_ERR_SHORT,
	    "v4: total length > buffer");
	p[3] = 20;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_OK && ip.l4len == 0,
	    "v4: total length == IHL gives an empty l4");

	memcpy(p, v4_good, sizeof(v4_good));
	p[11] ^= 1;
	ok(parse_copy(p, 36, &ip) == IP_ERR_CHECKSUM, "v4: bad checksum");
	memcpy(p, v4_good, sizeof(v4_good));
	p[15] ^= 1;
	ok(parse_copy(p, 36, &ip) == IP_ERR_CHECKSUM,
	    "v4: address changed under the checksum");

	memcpy(p, v4_good, sizeof(v4_good));
	p[6] = 0x20;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_ERR_FRAGMENT, "v4: MF");
	p[6] = 0x40;
	p[7] = 0x01;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_ERR_FRAGMENT, "v4: offset 8");
	p[6] = 0x10;
	p[7] = 0x00;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_ERR_FRAGMENT, "v4: offset high bit");
	p[6] = 0x00;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_OK, "v4: DF clear is fine");
	p[6] = 0x80;
	fix_cksum4(p);
	ok(parse_copy(p, 36, &ip) == IP_OK, "v4: reserved bit is ignored");
}

/* The good IPv6 packets with their extension headers. */
static void
test_v6_good(void)
{
	struct ip_pkt	ip;
	struct ipaddr	a;

	ok(parse_copy(v6_good, sizeof(v6_good), &ip) == IP_OK, "v6: parses");
	addr_pton("2001:db8::1", &a);
	ok(addr_equal(&ip.src, &a), "v6: src");
	addr_pton("2001:db8::2", &a);
	ok(addr_equal(&ip.dst, &a), "v6: dst");
	ok(ip.proto == 132 && ip.ttl == 64 && ip.tos == 0xb8 &&
	    ip.hdrlen == 40, "v6: proto, hop limit, traffic class, hdrlen");
	ok(ip.l4 == v6_good + 40 && ip.l4len == 16, "v6: l4 and l4len");

	ok(parse_copy(v6_chain, sizeof(v6_chain), &ip) == IP_OK &&
	    ip.proto == 132 && ip.hdrlen == 56 && ip.l4 == v6_chain + 56 &&
	    ip.l4len == 16, "v6: hop-by-hop + dstopts chain");
	ok(parse_copy(v6_rt_ah, sizeof(v6_rt_ah), &ip) == IP_OK &&
	    ip.proto == 132 && ip.hdrlen == 68 && ip.l4len == 16,
	    "v6: routing + AH (AH length in 4-byte units + 2)");
}

/* Build a chain of n destination options headers in front of SCTP. */
static size_t
v6_dstopts_chain(uint8_t *p, int n)
{
	int	i;

	memcpy(p, v6_good, 40);
	p[6] = n > 0 ? 60 : 132;
	for (i = 0; i < n; i++) {
		memset(p + 40 + i * 8, 0, 8);
		p[40 + i * 8] = i == n - 1 ? 132 : 60;
		p[40 + i * 8 + 2] = 1;
		p[40 + i * 8 + 3] = 4;
	}
	p[4] = 0;
	p[5] = (uint8_t)(n * 8);
	return 40 + (size_t)n * 8;
}

/* Every IPv6 error path. */
static void
test_v6_errors(void)
{
	struct ip_pkt	ip;
	uint8_t		p[160];
	size_t		n, len;
	int		bad = 0;

	for (n = 0; n < sizeof(v6_good); n++)
		if (parse_copy(v6_good, n, &ip) != IP_ERR_SHORT)
			bad++;
	ok(bad == 0, "v6: every truncation is IP_ERR_SHORT");
	bad = 0;
	for (n = 0; n < sizeof(v6_chain); n++)
		if (parse_copy(v6_chain, n, &ip) != IP_ERR_SHORT)
			bad++;
	ok(bad == 0, "v6 chain: every truncation is IP_ERR_SHORT");

	ok(parse_copy(v6_frag, sizeof(v6_frag), &ip) == IP_ERR_FRAGMENT,
	    "v6: fragment header after dstopts");
	memcpy(p, v6_good, sizeof(v6_good));
	p[6] = 44;
	ok(parse_copy(p, sizeof(v6_good), &ip) == IP_ERR_FRAGMENT,
	    "v6: fragment header first");

	/* Payload length cut inside the extension headers. */
	memcpy(p, v6_chain, sizeof(v6_chain));
	p[5] = 12;
	ok(parse_copy(p, sizeof(v6_chain), &ip) == IP_ERR_EXTHDR,
	    "v6: second extension header truncated by payload length");
	p[5] = 1;
	ok(parse_copy(p, sizeof(v6_chain), &ip) == IP_ERR_EXTHDR,
	    "v6: extension header with 1 byte");
	p[5] = 8;
	ok(parse_copy(p, sizeof(v6_chain), &ip) == IP_ERR_EXTHDR,
	    "v6: chain ends at the payload length");
	memcpy(p, v6_chain, sizeof(v6_chain));
	p[41] = 200;
	ok(parse_copy(p, sizeof(v6_chain), &ip) == IP_ERR_EXTHDR,
	    "v6: extension length past the payload");
	memcpy(p, v6_chain, sizeof(v6_chain));
	p[48] = 0;
	ok(parse_copy(p, sizeof(v6_chain), &ip) == IP_ERR_EXTHDR,
	    "v6: hop-by-hop not first");

	len = v6_dstopts_chain(p, 8);
	ok(parse_copy(p, len, &ip) == IP_OK && ip.hdrlen == 104 &&
	    ip.proto == 132, "v6: 8 extension headers accepted");
	len = v6_dstopts_chain(p, 9);
	ok(parse_copy(p, len, &ip) == IP_ERR_EXTHDR,
	    "v6: 9 extension headers refused");

	memcpy(p, v6_chain, sizeof(v6_chain));
	p[48] = 59;
	ok(parse_copy(p, sizeof(v6_chain), &ip) == IP_OK && ip.proto == 59,
	    "v6: no next header is proto 59");
	memcpy(p, v6_good, sizeof(v6_good));
	p[0] = 0x7b;
	ok(parse_copy(p, sizeof(v6_good), &ip) == IP_ERR_VERSION,
	    "version 7");
}

/* ip_build then ip_parse give back what went in. */
static void
test_build(void)
{
	struct ip_pkt	ip;
	struct ipaddr	s4, d4, s6, d6;
	uint8_t		buf[IP_HEADROOM + 64], *pay = buf + IP_HEADROOM;
	size_t		hl;

	addr_pton("198.51.100.7", &s4);
	addr_pton("203.0.113.9", &d4);
	addr_pton("2001:db8:1::7", &s6);
	addr_pton("fe80::9", &d6);
	memset(pay, 0x5a, 64);

	hl = ip_build(pay, &s4, &d4, 0xb9, 132, 64);
	ok(hl == 20, "build v4: 20 bytes");
	ok(inet_cksum(pay - hl, hl) == 0xffff, "build v4: checksum valid");
	ok(pay[-14] == 0x40 && pay[-13] == 0 && pay[-12] == 64 &&
	    pay[-16] == 0 && pay[-15] == 0, "build v4: DF, id 0, TTL 64");
	ok(ip_parse(pay - hl, hl + 64, &ip) == IP_OK &&
	    addr_equal(&ip.src, &s4) && addr_equal(&ip.dst, &d4) &&
	    ip.tos == 0xb9 && ip.proto == 132 && ip.ttl == 64 &&
	    ip.l4 == pay && ip.l4len == 64, "build v4: parses back");

	hl = ip_build(pay, &s6, &d6, 0xb9, 132, 64);
	ok(hl == 40, "build v6: 40 bytes");
	ok(pay[-40] == 0x6b && pay[-39] == 0x90 && pay[-38] == 0 &&
	    pay[-37] == 0, "build v6: version, traffic class, flow label 0");
	ok(ip_parse(pay - hl, hl + 64, &ip) == IP_OK &&
	    addr_equal(&ip.src, &s6) && addr_equal(&ip.dst, &d6) &&
	    ip.tos == 0xb9 && ip.proto == 132 && ip.ttl == 64 &&
	    ip.l4 == pay && ip.l4len == 64, "build v6: parses back");

	ok(ip_build(pay, &s4, &d6, 0, 132, 64) == 0, "build: mixed families");
	ok(ip_build(pay, &s4, &d4, 0, 132, 65516) == 0,
	    "build v4: payload too large");
	ok(ip_build(pay, &s4, &d4, 0, 132, 65515) == 20,
	    "build v4: largest payload");
	ok(ip_build(pay, &s6, &d6, 0, 132, 65536) == 0,
	    "build v6: payload too large");
	ok(ip_build(pay, &s6, &d6, 0, 132, 65535) == 40,
	    "build v6: largest payload");
}

/* RFC 1071's worked example, odd lengths and chaining. */
static void
test_cksum(void)
{
	static const uint8_t	ex[8] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
	};

	ok(inet_cksum(ex, 8) == 0xddf2, "RFC 1071 example sums to 0xddf2");
	ok(inet_cksum(ex, 3) == 0xf201, "odd length pads with a zero byte");
	ok(inet_cksum_partial(ex + 4, 4, inet_cksum(ex, 4)) == 0xddf2,
	    "partial sums chain");
	ok(inet_cksum(v4_good, 20) == 0xffff, "valid header sums to 0xffff");
}

/* ip_parse_fragment() from an exact-size heap copy, pointers moved back. */
static int
frag_copy(const uint8_t *pkt, size_t len, struct ip_pkt *ip,
    struct ip_frag *f)
{
	uint8_t	*copy;
	int	 rc;

	copy = malloc(len ? len : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, pkt, len);
	rc = ip_parse_fragment(copy, len, ip, f);
	if (rc == IP_OK) {
		ip->l4 = pkt + (ip->l4 - copy);
		f->data = pkt + (f->data - copy);
	}
	free(copy);
	return rc;
}

/* Check that a successful parse stays inside the buffer. */
static int
parse_sane(const uint8_t *p, size_t len)
{
	struct ip_pkt	ip;
	struct ip_frag	f;
	int		rc;

	rc = parse_copy(p, len, &ip);
	if (rc == IP_OK)
		return ip.l4 >= p && ip.l4 == p + ip.hdrlen &&
		    ip.hdrlen + ip.l4len <= len;
	if (frag_copy(p, len, &ip, &f) != IP_OK)
		return rc != IP_OK;
	return rc == IP_ERR_FRAGMENT && f.data == ip.l4 &&
	    f.data == p + ip.hdrlen && ip.hdrlen + f.len <= len &&
	    f.len > 0 && (!f.more || f.len % 8 == 0) &&
	    f.offset % 8 == 0 && f.offset + f.len <= 65535;
}

/* An IPv4 fragment: id, flags and offset word fo, paylen bytes of 0x33. */
static size_t
mk_frag4(uint8_t *p, uint16_t id, uint16_t fo, size_t paylen)
{
	memcpy(p, v4_good, 20);
	p[2] = (uint8_t)((20 + paylen) >> 8);
	p[3] = (uint8_t)(20 + paylen);
	p[4] = id >> 8;
	p[5] = id & 0xff;
	p[6] = fo >> 8;
	p[7] = fo & 0xff;
	memset(p + 20, 0x33, paylen);
	fix_cksum4(p);
	return 20 + paylen;
}

/* ip_parse_fragment() on IPv4: the fields, and the refusals. */
static void
test_frag4(void)
{
	struct ip_pkt	ip;
	struct ip_frag	f;
	uint8_t		p[128];
	size_t		len;

	len = mk_frag4(p, 0xbeef, 0x2000, 64);
	ok(frag_copy(p, len, &ip, &f) == IP_OK && f.id == 0xbeef &&
	    f.offset == 0 && f.more && f.proto == 132 && f.len == 64 &&
	    f.data == p + 20 && ip.l4 == f.data && ip.l4len == 64 &&
	    ip.proto == 132 && ip.hdrlen == 20 && ip.src.family == AF_INET &&
	    ip.dst.u.bytes[3] == 2, "frag v4: first fragment");
	len = mk_frag4(p, 7, 185, 21);
	ok(frag_copy(p, len, &ip, &f) == IP_OK && f.id == 7 &&
	    f.offset == 1480 && !f.more && f.len == 21,
	    "frag v4: last fragment, odd length, offset 1480");
	len = mk_frag4(p, 7, 0x4000 | 0x2000 | 3, 8);
	ok(frag_copy(p, len, &ip, &f) == IP_OK && f.offset == 24 && f.more,
	    "frag v4: DF beside MF is ignored");
	len = mk_frag4(p, 7, 0x2000, 21);
	ok(frag_copy(p, len, &ip, &f) == IP_ERR_BADFRAG && f.len == 0 &&
	    ip.l4 == NULL, "frag v4: MF with a length not a multiple of 8");
	len = mk_frag4(p, 7, 0x2000, 0);
	ok(frag_copy(p, len, &ip, &f) == IP_ERR_BADFRAG,
	    "frag v4: empty fragment");
	len = mk_frag4(p, 7, 8190, 16);
	ok(frag_copy(p, len, &ip, &f) == IP_ERR_BADFRAG,
	    "frag v4: ends past 65535 (ping of death)");
	len = mk_frag4(p, 7, 8188, 11);
	ok(frag_copy(p, len, &ip, &f) == IP_OK && f.offset == 65504,
	    "frag v4: 20 + 65504 + 11 ends at 65535");
	ok(frag_copy(v4_good, sizeof(v4_good), &ip, &f) ==
	    IP_ERR_NOT_FRAGMENT, "frag v4: a whole packet is not a fragment");
	len = mk_frag4(p, 7, 0x2000, 64);
	p[10] ^= 1;
	ok(frag_copy(p, len, &ip, &f) == IP_ERR_CHECKSUM,
	    "frag v4: checksum still checked");
	len = mk_frag4(p, 7, 0x2000, 64);
	ok(frag_copy(p, len - 1, &ip, &f) == IP_ERR_SHORT,
	    "frag v4: truncated below its total length");
}

/* ip_parse_fragment() on IPv6: the fragment header's fields. */
static void
test_frag6(void)
{
	struct ip_pkt	ip;
	struct ip_frag	f;
	uint8_t		p[128];

	ok(frag_copy(v6_frag, sizeof(v6_frag), &ip, &f) == IP_OK &&
	    f.id == 1 && f.offset == 0 && f.more && f.proto == 132 &&
	    f.len == 16 && f.data == v6_frag + 56 && ip.hdrlen == 56 &&
	    ip.proto == 132 && ip.src.family == AF_INET6,
	    "frag v6: after dstopts, first fragment");
	memcpy(p, v6_good, sizeof(v6_good));
	p[5] = 16 + 8 + 5;
	p[6] = 44;
	memset(p + 40, 0, 8);
	p[40] = 132;
	p[42] = 0x12;
	p[43] = 0x38;		/* offset 0x247 * 8, M clear */
	p[44] = 0xde;
	p[45] = 0xad;
	p[46] = 0xbe;
	p[47] = 0xef;
	ok(frag_copy(p, 40 + 29, &ip, &f) == IP_OK && f.id == 0xdeadbeef &&
	    f.offset == 0x247 * 8 && !f.more && f.len == 21 &&
	    f.data == p + 48 && ip.tos == 0xb8,
	    "frag v6: 32-bit id, offset, last fragment");
	p[43] = 0x39;
	ok(frag_copy(p, 40 + 29, &ip, &f) == IP_ERR_BADFRAG,
	    "frag v6: M with a length not a multiple of 8");
	p[5] = 8;
	ok(frag_copy(p, 40 + 8, &ip, &f) == IP_ERR_BADFRAG,
	    "frag v6: empty fragment");
	p[5] = 7;
	ok(frag_copy(p, 40 + 8, &ip, &f) == IP_ERR_EXTHDR,
	    "frag v6: payload length ends inside the fragment header");
	p[5] = 16;
	p[42] = 0xff;
	p[43] = 0xf8;
	ok(frag_copy(p, 40 + 16, &ip, &f) == IP_ERR_BADFRAG,
	    "frag v6: offset 65528 + 8 is past 65535");
	p[40] = 6;
	p[42] = 0;
	p[43] = 0;
	ok(frag_copy(p, 40 + 16, &ip, &f) == IP_OK && f.proto == 6 &&
	    !f.more, "frag v6: atomic fragment of TCP: proto 6");
	ok(frag_copy(v6_good, sizeof(v6_good), &ip, &f) ==
	    IP_ERR_NOT_FRAGMENT, "frag v6: a whole packet is not a fragment");
}

/* Truncations and random mutations of every good packet. */
static void
test_robust(void)
{
	static const struct {
		const uint8_t	*p;
		size_t		 len;
	} pk[] = {
		{ v4_good, sizeof(v4_good) }, { v4_opts, sizeof(v4_opts) },
		{ v6_good, sizeof(v6_good) }, { v6_chain, sizeof(v6_chain) },
		{ v6_rt_ah, sizeof(v6_rt_ah) }, { v6_frag, sizeof(v6_frag) },
	};
	uint8_t	m[128];
	size_t	i, n, len;
	int	bad = 0, k, j;

	srandom(791);
	for (i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		for (n = 0; n <= pk[i].len; n++)
			if (!parse_sane(pk[i].p, n))
				bad++;
		for (k = 0; k < 20000; k++) {
			memcpy(m, pk[i].p, pk[i].len);
			for (j = random() % 4; j >= 0; j--)
				m[random() % pk[i].len] = random() & 0xff;
			len = random() % 2 ? pk[i].len :
			    (size_t)random() % (pk[i].len + 1);
			if (random() % 2 && m[0] >> 4 == 4)
				fix_cksum4(m);
			if (!parse_sane(m, len))
				bad++;
		}
	}
	ok(bad == 0, "truncations and 120000 mutations stay in bounds");
}

int
main(void)
{
	test_v4_good();
	test_v4_errors();
	test_v6_good();
	test_v6_errors();
	test_build();
	test_cksum();
	test_frag4();
	test_frag6();
	test_robust();
	return tap_done(0);
}
