/*
 * test_dtls_record: the record header parser and datagram classifier the
 * DTLS demultiplexer trusts.  Records are built byte by byte: good ones,
 * several in a datagram, and every way a header or a ClientHello can be
 * cut short or lie about its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtls_record.h"
#include "tap.h"

static uint8_t	buf[32768];

/* Write a record header at p; returns the bytes written (13). */
static size_t
header(uint8_t *p, uint8_t type, uint16_t version, uint16_t epoch,
    uint64_t seq, uint16_t len)
{
	int	i;

	p[0] = type;
	p[1] = (uint8_t)(version >> 8);
	p[2] = (uint8_t)version;
	p[3] = (uint8_t)(epoch >> 8);
	p[4] = (uint8_t)epoch;
	for (i = 0; i < 6; i++)
		p[5 + i] = (uint8_t)(seq >> (40 - 8 * i));
	p[11] = (uint8_t)(len >> 8);
	p[12] = (uint8_t)len;
	return DTLS_RECORD_HEADER;
}

/*
 * A ClientHello record at p with a random of byte r, a session id of sid
 * bytes and a cookie of cookie bytes; fragoff its fragment offset.
 */
static size_t
hello(uint8_t *p, uint16_t epoch, uint8_t r, size_t sid, size_t cookie,
    uint32_t fragoff)
{
	uint8_t	*m = p + DTLS_RECORD_HEADER;
	size_t	 body = 2 + 32 + 1 + sid + 1 + cookie + 4, n = 0;

	m[n++] = 1;				/* client_hello */
	m[n++] = 0;
	m[n++] = (uint8_t)(body >> 8);
	m[n++] = (uint8_t)body;
	m[n++] = 0;				/* message_seq */
	m[n++] = 1;
	m[n++] = (uint8_t)(fragoff >> 16);
	m[n++] = (uint8_t)(fragoff >> 8);
	m[n++] = (uint8_t)fragoff;
	m[n++] = 0;
	m[n++] = (uint8_t)(body >> 8);
	m[n++] = (uint8_t)body;
	m[n++] = 0xfe;
	m[n++] = 0xfd;
	memset(m + n, r, 32);
	n += 32;
	m[n++] = (uint8_t)sid;
	memset(m + n, 0xaa, sid);
	n += sid;
	m[n++] = (uint8_t)cookie;
	memset(m + n, 0xcc, cookie);
	n += cookie;
	memset(m + n, 0, 4);			/* cipher suites, ... */
	n += 4;
	header(p, DTLS_CT_HANDSHAKE, 0xfefd, epoch, 1, (uint16_t)n);
	return DTLS_RECORD_HEADER + n;
}

/* Headers: good ones of each type, and each field out of range. */
static void
test_headers(void)
{
	struct dtls_record	r;
	size_t			off = 0, n;

	n = header(buf, DTLS_CT_DATA, 0xfefd, 1, 0x123456789abcULL, 29);
	memset(buf + n, 0x5a, 29);
	ok(dtls_record_next(buf, n + 29, &off, &r) == 1 && off == n + 29 &&
	    r.type == DTLS_CT_DATA && r.epoch == 1 &&
	    r.seq == 0x123456789abcULL && r.len == n + 29 && r.rec == buf &&
	    r.kind == DTLS_RK_DATA, "application data: every field read");
	ok(dtls_record_order(&r) == (1ULL << 48 | 0x123456789abcULL),
	    "order: epoch above the 48-bit sequence");
	ok(dtls_record_next(buf, n + 29, &off, &r) == 0,
	    "the end of the datagram is 0, not an error");
	ok(dtls_record_check(buf, n + 29) == 0, "check: one good record");
	ok(dtls_record_check(buf, 0) == -1, "check: an empty datagram is no "
	    "DTLS");
	ok(dtls_record_check(buf, 12) == -1, "check: 12 bytes, a cut header");
	ok(dtls_record_check(buf, n + 28) == -1, "check: a fragment one byte "
	    "short");
	ok(dtls_record_check(buf, n + 30) == -1, "check: a byte of trailing "
	    "garbage");
	buf[0] = 19;
	ok(dtls_record_check(buf, n + 29) == -1, "content type 19 refused");
	buf[0] = 24;
	ok(dtls_record_check(buf, n + 29) == -1, "content type 24 refused");
	buf[0] = DTLS_CT_ALERT;
	buf[2] = 0x03;
	ok(dtls_record_check(buf, n + 29) == -1, "version fe03 refused");
	buf[1] = 0x03;
	buf[2] = 0x03;
	ok(dtls_record_check(buf, n + 29) == -1, "TLS version 0303 refused");
	buf[1] = 0xfe;
	buf[2] = 0xff;
	off = 0;
	ok(dtls_record_next(buf, n + 29, &off, &r) == 1 &&
	    r.version == 0xfeff && r.kind == DTLS_RK_CONTROL,
	    "DTLS 1.0 version (HelloVerifyRequest) taken; an alert is control");
}

/* Fragment lengths at and past the limit; several records in a datagram. */
static void
test_lengths(void)
{
	struct dtls_record	r;
	size_t			off = 0, n, total;

	n = header(buf, DTLS_CT_DATA, 0xfefd, 1, 7, DTLS_RECORD_FRAGMENT);
	ok(dtls_record_check(buf, n + DTLS_RECORD_FRAGMENT) == 0,
	    "a fragment of 2^14 + 2048 bytes is taken");
	n = header(buf, DTLS_CT_DATA, 0xfefd, 1, 7, DTLS_RECORD_FRAGMENT + 1);
	ok(dtls_record_check(buf, n + DTLS_RECORD_FRAGMENT + 1) == -1,
	    "one more byte is refused");
	total = header(buf, DTLS_CT_HANDSHAKE, 0xfefd, 0, 3, 4);
	memset(buf + total, 2, 4);
	total += 4;
	total += header(buf + total, DTLS_CT_CCS, 0xfefd, 0, 4, 1);
	buf[total++] = 1;
	total += header(buf + total, DTLS_CT_HANDSHAKE, 0xfefd, 1, 0, 40);
	memset(buf + total, 0x77, 40);
	total += 40;
	ok(dtls_record_check(buf, total) == 0, "three records in a datagram");
	ok(dtls_record_next(buf, total, &off, &r) == 1 &&
	    r.kind == DTLS_RK_CONTROL && r.len == 17 &&
	    dtls_record_next(buf, total, &off, &r) == 1 &&
	    r.type == DTLS_CT_CCS && r.rec == buf + 17 &&
	    dtls_record_next(buf, total, &off, &r) == 1 && r.epoch == 1 &&
	    r.len == 53 && off == total &&
	    dtls_record_next(buf, total, &off, &r) == 0,
	    "each record found in turn, at its offset");
	ok(dtls_record_check(buf, total - 1) == -1,
	    "the last one cut short spoils the datagram");
}

/* ClientHellos: the random and the cookie, and what is not one. */
static void
test_hello(void)
{
	struct dtls_record	r;
	uint8_t			want[DTLS_RANDOM_LEN];
	size_t			off = 0, n;

	memset(want, 0x42, sizeof(want));
	n = hello(buf, 0, 0x42, 0, 0, 0);
	ok(dtls_record_next(buf, n, &off, &r) == 1 &&
	    r.kind == DTLS_RK_HELLO && !r.cookie &&
	    memcmp(r.random, want, sizeof(want)) == 0,
	    "ClientHello without a cookie: the random");
	off = 0;
	n = hello(buf, 0, 0x42, 32, 16, 0);
	ok(dtls_record_next(buf, n, &off, &r) == 1 &&
	    r.kind == DTLS_RK_HELLO && r.cookie,
	    "ClientHello with a session id and a cookie");
	off = 0;
	n = hello(buf, 1, 0x42, 0, 16, 0);
	ok(dtls_record_next(buf, n, &off, &r) == 1 &&
	    r.kind == DTLS_RK_CONTROL, "in epoch 1 it is no ClientHello to "
	    "listen to");
	off = 0;
	n = hello(buf, 0, 0x42, 0, 16, 8);
	ok(dtls_record_next(buf, n, &off, &r) == 1 &&
	    r.kind == DTLS_RK_CONTROL, "a later fragment is control");
	off = 0;
	n = hello(buf, 0, 0x42, 0, 16, 0);
	buf[DTLS_RECORD_HEADER + 12 + 2 + 32] = 200;	/* session id length */
	ok(dtls_record_next(buf, n, &off, &r) == 1 &&
	    r.kind == DTLS_RK_CONTROL, "a session id longer than the body");
	off = 0;
	n = hello(buf, 0, 0x42, 0, 16, 0);
	buf[DTLS_RECORD_HEADER + 11] = 0xff;		/* fragment length */
	ok(dtls_record_next(buf, n, &off, &r) == 1 &&
	    r.kind == DTLS_RK_CONTROL,
	    "a fragment length past the record");
	off = 0;
	n = hello(buf, 0, 0x42, 0, 16, 0);
	buf[DTLS_RECORD_HEADER] = 2;			/* server_hello */
	ok(dtls_record_next(buf, n, &off, &r) == 1 &&
	    r.kind == DTLS_RK_CONTROL, "a ServerHello is control");
	off = 0;
	n = header(buf, DTLS_CT_HANDSHAKE, 0xfefd, 0, 0, 5);
	memset(buf + n, 1, 5);
	ok(dtls_record_next(buf, n + 5, &off, &r) == 1 &&
	    r.kind == DTLS_RK_CONTROL,
	    "a handshake header cut short is control, not a crash");
}

int
main(void)
{
	test_headers();
	test_lengths();
	test_hello();
	return tap_done(0);
}
