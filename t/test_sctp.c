/*
 * test_sctp: sctp_parse() on good packets of each shape and on every
 * error, the address parameters of INIT and INIT-ACK (listing and
 * stripping), the ABORT sctptund builds, and truncations and random
 * mutations that must stay in bounds (parsed from exact-size heap copies
 * so ASan sees overruns).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "crc32c.h"
#include "sctp.h"
#include "tap.h"

struct pktbuf {
	uint8_t	buf[512];
	size_t	len;
};

/* Start a packet from port 5000 to 5001 with the given tag. */
static void
pb_init(struct pktbuf *pb, uint32_t vtag)
{
	memset(pb, 0, sizeof(*pb));
	pb->buf[0] = 5000 >> 8;
	pb->buf[1] = 5000 & 0xff;
	pb->buf[2] = 5001 >> 8;
	pb->buf[3] = 5001 & 0xff;
	pb->buf[4] = vtag >> 24;
	pb->buf[5] = (vtag >> 16) & 0xff;
	pb->buf[6] = (vtag >> 8) & 0xff;
	pb->buf[7] = vtag & 0xff;
	pb->len = 12;
}

/* Append a chunk (padded with zeros) and reset the checksum. */
static void
pb_chunk(struct pktbuf *pb, uint8_t type, uint8_t flags, const void *val,
    size_t vlen)
{
	uint8_t	*c = pb->buf + pb->len;
	size_t	 clen = 4 + vlen;

	c[0] = type;
	c[1] = flags;
	c[2] = clen >> 8;
	c[3] = clen & 0xff;
	if (vlen > 0)
		memcpy(c + 4, val, vlen);
	pb->len += (clen + 3) & ~(size_t)3;
	sctp_checksum_set(pb->buf, pb->len);
}

/* Fixed part of an INIT: tag 0x01020304, a_rwnd, 10/10 streams, TSN. */
#define INIT_FIXED	0x01, 0x02, 0x03, 0x04, 0, 1, 0, 0, 0, 10, 0, 10, \
			0xaa, 0xbb, 0xcc, 0xdd

/* IPv4 192.0.2.1, IPv6 2001:db8::1, ECN, IPv4 192.0.2.2, types (6). */
static const uint8_t init_val[] = {
	INIT_FIXED,
	0x00, 0x05, 0x00, 0x08, 192, 0, 2, 1,
	0x00, 0x06, 0x00, 0x14, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 1,
	0x80, 0x00, 0x00, 0x04,
	0x00, 0x05, 0x00, 0x08, 192, 0, 2, 2,
	0x00, 0x0c, 0x00, 0x06, 0x00, 0x05,
};

/* INIT-ACK: a state cookie, an IPv4 address, then an ECN parameter. */
static const uint8_t init_ack_val[] = {
	0x0a, 0x0b, 0x0c, 0x0d, 0, 1, 0, 0, 0, 10, 0, 10, 0, 0, 0, 9,
	0x00, 0x07, 0x00, 0x0b, 'c', 'o', 'o', 'k', 'i', 'e', 'x', 0,
	0x00, 0x05, 0x00, 0x08, 10, 0, 0, 1,
	0x80, 0x00, 0x00, 0x04,
};

static const uint8_t data_val[] = {
	0, 0, 0, 9, 0, 1, 0, 0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'
};
static const uint8_t sack_val[] = { 0, 0, 0, 8, 0, 1, 0, 0, 0, 0, 0, 0 };

/* A real INIT (dpkt's SCTP tests: Diameter, port 4068 to 3868). */
static const uint8_t dpkt_init[] = {
	0x0f, 0xe4, 0x0f, 0x1c, 0x00, 0x00, 0x00, 0x00,
	0x9f, 0x78, 0xa7, 0x04, 0x01, 0x00, 0x00, 0x14,
	0xbb, 0x7b, 0x0f, 0x9c, 0x00, 0x00, 0xfa, 0x00,
	0x00, 0x0a, 0x00, 0x0a, 0xbb, 0x7b, 0x0f, 0x9c,
};

/* Parse from an exact-size heap copy so ASan catches any overrun. */
static int
parse_copy(const uint8_t *p, size_t len, struct sctp_pkt *sp)
{
	uint8_t	*copy;
	int	 rc;

	if ((copy = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(copy, p, len);
	rc = sctp_parse(copy, len, sp);
	if (sp->params != NULL)
		sp->params = p + (sp->params - copy);
	free(copy);
	return rc;
}

static void
make_init(struct pktbuf *pb)
{
	pb_init(pb, 0);
	pb_chunk(pb, SCTP_INIT, 0, init_val, sizeof(init_val));
}

/* INIT and INIT-ACK: fixed fields, parameters, addresses. */
static void
test_init(void)
{
	struct pktbuf	pb;
	struct sctp_pkt	sp;
	struct ipaddr	a[4], want;

	make_init(&pb);
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_OK, "INIT parses");
	ok(sp.sport == 5000 && sp.dport == 5001 && sp.vtag == 0,
	    "INIT: ports and tag");
	ok(sp.type == SCTP_INIT && sp.nchunks == 1 &&
	    sctp_has_chunk(&sp, SCTP_INIT) && !sctp_has_chunk(&sp, SCTP_DATA),
	    "INIT: type, one chunk");
	ok(sp.init_tag == 0x01020304, "INIT: initiate tag");
	ok(sp.params == pb.buf + 32 && sp.params_len == sizeof(init_val) - 16,
	    "INIT: parameters located");
	ok(sctp_init_addrs(&sp, a, 4) == 3, "INIT: three addresses");
	addr_pton("192.0.2.1", &want);
	ok(addr_equal(&a[0], &want), "INIT: first address 192.0.2.1");
	addr_pton("2001:db8::1", &want);
	ok(addr_equal(&a[1], &want), "INIT: second address 2001:db8::1");
	addr_pton("192.0.2.2", &want);
	ok(addr_equal(&a[2], &want), "INIT: third address 192.0.2.2");
	memset(a, 0xee, sizeof(a));
	ok(sctp_init_addrs(&sp, a, 1) == 3 && a[1].family == 0xee,
	    "INIT: max 1 still counts 3 and writes 1");

	pb_init(&pb, 0x11223344);
	pb_chunk(&pb, SCTP_INIT_ACK, 0, init_ack_val, sizeof(init_ack_val));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_OK &&
	    sp.type == SCTP_INIT_ACK && sp.init_tag == 0x0a0b0c0d &&
	    sp.vtag == 0x11223344, "INIT-ACK parses, tag may be non-zero");
	addr_pton("10.0.0.1", &want);
	ok(sctp_init_addrs(&sp, a, 4) == 1 && addr_equal(&a[0], &want),
	    "INIT-ACK: one address after an odd-length cookie");

	ok(parse_copy(dpkt_init, sizeof(dpkt_init), &sp) == SCTP_OK &&
	    sp.type == SCTP_INIT && sp.init_tag == 0xbb7b0f9c &&
	    sp.params_len == 0 && sctp_init_addrs(&sp, a, 4) == 0,
	    "real INIT without parameters");

	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_DATA, 3, data_val, sizeof(data_val));
	parse_copy(pb.buf, pb.len, &sp);
	ok(sctp_init_addrs(&sp, a, 4) == 0, "DATA has no INIT addresses");
}

/* Other chunk shapes: bundles, T bit, SHUTDOWN-COMPLETE, padding. */
static void
test_shapes(void)
{
	struct pktbuf	pb;
	struct sctp_pkt	sp;

	pb_init(&pb, 0xdeadbeef);
	pb_chunk(&pb, SCTP_DATA, 3, data_val, sizeof(data_val));
	pb_chunk(&pb, SCTP_SACK, 0, sack_val, sizeof(sack_val));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_OK && sp.nchunks == 2 &&
	    sp.type == SCTP_DATA && sp.flags == 3 &&
	    sctp_has_chunk(&sp, SCTP_DATA) && sctp_has_chunk(&sp, SCTP_SACK) &&
	    !sctp_has_chunk(&sp, SCTP_ABORT) && sp.params == NULL,
	    "DATA + SACK bundle");
	ok(parse_copy(pb.buf, pb.len - 1, &sp) == SCTP_ERR_CHUNK,
	    "padded last chunk cut short is refused");

	pb_init(&pb, 0xdeadbeef);
	pb_chunk(&pb, SCTP_SACK, 0, sack_val, sizeof(sack_val));
	pb_chunk(&pb, SCTP_DATA, 3, data_val, sizeof(data_val));
	ok(parse_copy(pb.buf, pb.len - 3, &sp) == SCTP_OK && sp.nchunks == 2,
	    "last chunk missing its padding is accepted");
	ok(parse_copy(pb.buf, pb.len - 2, &sp) == SCTP_OK,
	    "last chunk with part of its padding is accepted");
	ok(parse_copy(pb.buf, pb.len - 4, &sp) == SCTP_ERR_CHUNK,
	    "last chunk cut short is refused");

	pb_init(&pb, 0xdeadbeef);
	pb_chunk(&pb, SCTP_DATA, 3, data_val, sizeof(data_val));
	pb.len -= 3;
	pb_chunk(&pb, SCTP_SACK, 0, sack_val, sizeof(sack_val));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_CHUNK,
	    "chunk missing its padding before another is refused");

	pb_init(&pb, 0xdeadbeef);
	pb_chunk(&pb, SCTP_ABORT, SCTP_FLAG_T, NULL, 0);
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_OK &&
	    sp.type == SCTP_ABORT && (sp.flags & SCTP_FLAG_T),
	    "ABORT with the T bit");
	pb_init(&pb, 0xdeadbeef);
	pb_chunk(&pb, SCTP_SHUTDOWN_COMPLETE, SCTP_FLAG_T, NULL, 0);
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_OK &&
	    sp.type == SCTP_SHUTDOWN_COMPLETE && sp.flags == SCTP_FLAG_T,
	    "SHUTDOWN-COMPLETE alone");
	pb_chunk(&pb, SCTP_SACK, 0, sack_val, sizeof(sack_val));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_BUNDLE,
	    "SHUTDOWN-COMPLETE + SACK: bundle error");
}

/* Errors of the common header, the chunk walk and bundling. */
static void
test_errors(void)
{
	struct pktbuf	pb;
	struct sctp_pkt	sp;
	size_t		n;
	int		bad = 0;

	make_init(&pb);
	for (n = 0; n < 12; n++)
		if (parse_copy(pb.buf, n, &sp) != SCTP_ERR_SHORT)
			bad++;
	ok(bad == 0, "0..11 bytes: SCTP_ERR_SHORT");
	ok(parse_copy(pb.buf, 12, &sp) == SCTP_ERR_CHUNK, "no chunk");
	for (n = 13; n < 16; n++)
		if (parse_copy(pb.buf, n, &sp) != SCTP_ERR_CHUNK)
			bad++;
	ok(bad == 0, "partial chunk header");

	pb_init(&pb, 1);
	pb_chunk(&pb, SCTP_COOKIE_ACK, 0, NULL, 0);
	pb.buf[15] = 3;
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_CHUNK,
	    "chunk length 3");
	pb.buf[15] = 0;
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_CHUNK,
	    "chunk length 0");
	pb.buf[15] = 5;
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_CHUNK,
	    "chunk length past the packet");
	pb.buf[15] = 4;
	for (n = 1; n < 4; n++)
		if (parse_copy(pb.buf, pb.len + n, &sp) != SCTP_ERR_CHUNK)
			bad++;
	ok(bad == 0, "1 to 3 stray bytes after the last chunk");

	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, init_val, sizeof(init_val));
	pb_chunk(&pb, SCTP_DATA, 0, data_val, sizeof(data_val));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_BUNDLE, "INIT + DATA");
	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_COOKIE_ECHO, 0, data_val, sizeof(data_val));
	pb_chunk(&pb, SCTP_INIT_ACK, 0, init_ack_val, sizeof(init_ack_val));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_BUNDLE,
	    "COOKIE-ECHO + INIT-ACK");
	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, init_val, sizeof(init_val));
	pb_chunk(&pb, SCTP_INIT, 0, init_val, sizeof(init_val));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_BUNDLE, "INIT + INIT");

}

/* INIT and INIT-ACK errors: fixed part, initiate tag, parameters, tag. */
static void
test_errors_init(void)
{
	struct pktbuf	pb;
	struct sctp_pkt	sp;
	uint8_t		v[sizeof(init_val)];

	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, init_val, 15);
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_INIT,
	    "INIT shorter than its fixed part");
	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, init_val, 16);
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_OK && sp.params_len == 0,
	    "INIT of exactly its fixed part");
	memcpy(v, init_val, sizeof(v));
	memset(v, 0, 4);
	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, v, sizeof(v));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_INIT,
	    "INIT with initiate tag 0");
	pb_init(&pb, 0x1234);
	pb_chunk(&pb, SCTP_INIT_ACK, 0, v, sizeof(v));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_INIT,
	    "INIT-ACK with initiate tag 0");

	memcpy(v, init_val, sizeof(v));
	v[19] = 3;
	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, v, sizeof(v));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_INIT,
	    "INIT parameter length 3");
	v[19] = 200;
	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, v, sizeof(v));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_INIT,
	    "INIT parameter past the chunk");
	v[19] = 12;
	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, v, sizeof(v));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_INIT,
	    "IPv4 address parameter of length 12");
	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, init_val, sizeof(init_val) - 2);
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_INIT,
	    "INIT with a 4-byte stray parameter tail");

	pb_init(&pb, 7);
	pb_chunk(&pb, SCTP_INIT, 0, init_val, sizeof(init_val));
	ok(parse_copy(pb.buf, pb.len, &sp) == SCTP_ERR_VTAG,
	    "INIT with verification tag 7");
}

/* Check a stripped packet: valid, CRC right, no addresses left. */
static int
stripped_ok(const uint8_t *p, size_t len)
{
	struct sctp_pkt	sp;
	struct ipaddr	a[4];

	return sctp_parse(p, len, &sp) == SCTP_OK && sctp_checksum_ok(p, len) &&
	    len % 4 == 0 && sctp_init_addrs(&sp, a, 4) == 0;
}

/* sctp_strip_addrs on INIT, INIT-ACK and packets it must leave alone. */
static void
test_strip(void)
{
	/* ECN, then the types parameter without its padding (length 6). */
	static const uint8_t	rest[] = {
		INIT_FIXED, 0x80, 0x00, 0x00, 0x04, 0x00, 0x0c, 0x00, 0x06,
		0x00, 0x05,
	};
	struct pktbuf		pb, orig;
	struct sctp_pkt		sp;
	size_t			n;

	make_init(&pb);
	orig = pb;
	n = sctp_strip_addrs(pb.buf, pb.len);
	ok(n == 12 + 20 + 12 && stripped_ok(pb.buf, n),
	    "INIT stripped: valid, CRC ok, no addresses");
	ok(pb.buf[14] == 0 && pb.buf[15] == sizeof(rest) + 4,
	    "INIT stripped: chunk length excludes the last padding");
	ok(memcmp(pb.buf + 16, rest, sizeof(rest)) == 0 &&
	    pb.buf[n - 2] == 0 && pb.buf[n - 1] == 0,
	    "INIT stripped: other parameters kept in order, padding zero");
	parse_copy(pb.buf, n, &sp);
	ok(sp.init_tag == 0x01020304 && sp.vtag == 0 && sp.sport == 5000,
	    "INIT stripped: header and fixed part unchanged");
	orig = pb;
	ok(sctp_strip_addrs(pb.buf, n) == n &&
	    memcmp(pb.buf, orig.buf, n) == 0, "stripping twice is a no-op");

	pb_init(&pb, 0x11223344);
	pb_chunk(&pb, SCTP_INIT_ACK, 0, init_ack_val, sizeof(init_ack_val));
	n = sctp_strip_addrs(pb.buf, pb.len);
	ok(n == pb.len - 8 && stripped_ok(pb.buf, n) &&
	    pb.buf[15] == sizeof(init_ack_val) + 4 - 8,
	    "INIT-ACK stripped, cookie kept");

	make_init(&pb);
	pb.buf[20] ^= 1;
	ok(sctp_strip_addrs(pb.buf, pb.len) == pb.len &&
	    !sctp_checksum_ok(pb.buf, pb.len),
	    "bad CRC: left alone, not given a good CRC");

	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, rest, sizeof(rest));
	orig = pb;
	ok(sctp_strip_addrs(pb.buf, pb.len) == pb.len &&
	    memcmp(pb.buf, orig.buf, pb.len) == 0,
	    "INIT without addresses: unchanged");
	pb_init(&pb, 9);
	pb_chunk(&pb, SCTP_DATA, 3, data_val, sizeof(data_val));
	orig = pb;
	ok(sctp_strip_addrs(pb.buf, pb.len) == pb.len &&
	    memcmp(pb.buf, orig.buf, pb.len) == 0, "DATA: unchanged");

	/* Only addresses, the last one without trailing packet padding. */
	pb_init(&pb, 0);
	pb_chunk(&pb, SCTP_INIT, 0, init_val, 16 + 8 + 20);
	n = sctp_strip_addrs(pb.buf, pb.len);
	ok(n == 32 && stripped_ok(pb.buf, n) && pb.buf[15] == 20,
	    "INIT of only addresses: fixed part left");
}

/* sctp_build_abort with and without error cause 14. */
static void
test_abort(void)
{
	static const uint8_t	cause[8] = {
		0, 14, 0, 8, 0x26, 0xab, 0xc3, 0x50
	};
	uint8_t			buf[32];
	struct sctp_pkt		sp;
	size_t			n;

	n = sctp_build_abort(buf, 5001, 5000, 0x01020304, 0, 1, 9899, 50000);
	ok(n == 24, "ABORT with cause: 24 bytes");
	ok(sctp_checksum_ok(buf, n), "ABORT with cause: CRC ok");
	ok(parse_copy(buf, n, &sp) == SCTP_OK && sp.type == SCTP_ABORT &&
	    sp.flags == 0 && sp.vtag == 0x01020304 && sp.sport == 5001 &&
	    sp.dport == 5000 && sp.nchunks == 1, "ABORT with cause parses");
	ok(buf[14] == 0 && buf[15] == 12, "ABORT chunk length 12");
	ok(memcmp(buf + 16, cause, sizeof(cause)) == 0,
	    "cause 14, length 8, current port 9899, new port 50000");

	n = sctp_build_abort(buf, 1, 2, 0xfeedf00d, 1, 0, 0, 0);
	ok(n == 16 && sctp_checksum_ok(buf, n) &&
	    parse_copy(buf, n, &sp) == SCTP_OK && sp.type == SCTP_ABORT &&
	    sp.flags == SCTP_FLAG_T && sp.vtag == 0xfeedf00d &&
	    buf[15] == 4, "plain ABORT with the T bit");
}

/* Names for logs. */
static void
test_names(void)
{
	ok(strcmp(sctp_chunk_name(SCTP_DATA), "DATA") == 0 &&
	    strcmp(sctp_chunk_name(SCTP_INIT_ACK), "INIT-ACK") == 0 &&
	    strcmp(sctp_chunk_name(SCTP_SHUTDOWN_COMPLETE),
	    "SHUTDOWN-COMPLETE") == 0 &&
	    strcmp(sctp_chunk_name(SCTP_I_FORWARD_TSN), "I-FORWARD-TSN") == 0,
	    "chunk names");
	ok(strcmp(sctp_chunk_name(17), "UNKNOWN") == 0 &&
	    strcmp(sctp_chunk_name(255), "UNKNOWN") == 0, "unknown types");
}

/* Parse and strip one mutated packet; 0 if anything went wrong. */
static int
robust_one(const uint8_t *p, size_t len)
{
	struct sctp_pkt	 sp;
	struct ipaddr	 a[2];
	uint8_t		*copy;
	size_t		 n;
	int		 rc, good = 1;

	rc = parse_copy(p, len, &sp);
	if (rc == SCTP_OK && sp.params != NULL &&
	    (sp.params < p || sp.params + sp.params_len > p + len))
		good = 0;
	if (rc == SCTP_OK)
		sctp_init_addrs(&sp, a, 2);
	if ((copy = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(copy, p, len);
	n = sctp_strip_addrs(copy, len);
	if (n > len || (n != len && !stripped_ok(copy, n)))
		good = 0;
	free(copy);
	return good;
}

/* Truncations and random mutations of good packets. */
static void
test_robust(void)
{
	struct pktbuf	pk[4], m;
	size_t		i, n;
	int		bad = 0, k, j;

	make_init(&pk[0]);
	pb_init(&pk[1], 0x11223344);
	pb_chunk(&pk[1], SCTP_INIT_ACK, 0, init_ack_val, sizeof(init_ack_val));
	pb_init(&pk[2], 0xdeadbeef);
	pb_chunk(&pk[2], SCTP_DATA, 3, data_val, sizeof(data_val));
	pb_chunk(&pk[2], SCTP_SACK, 0, sack_val, sizeof(sack_val));
	pk[3].len = sctp_build_abort(pk[3].buf, 1, 2, 3, 0, 1, 4, 5);
	srandom(9260);
	for (i = 0; i < 4; i++) {
		for (n = 0; n <= pk[i].len; n++)
			if (!robust_one(pk[i].buf, n))
				bad++;
		for (k = 0; k < 20000; k++) {
			m = pk[i];
			for (j = random() % 4; j >= 0; j--)
				m.buf[12 + random() % (m.len - 12)] =
				    random() & 0xff;
			if (random() % 2)
				m.len = 12 + random() % (m.len - 11);
			sctp_checksum_set(m.buf, m.len);
			if (!robust_one(m.buf, m.len))
				bad++;
		}
	}
	ok(bad == 0, "truncations and 80000 mutations: in bounds, strip valid");
}

int
main(void)
{
	test_init();
	test_shapes();
	test_errors();
	test_errors_init();
	test_strip();
	test_abort();
	test_names();
	test_robust();
	return tap_done(0);
}
