/*
 * mkseeds: writes the seed inputs of the fuzz targets that are not text,
 * so that the seeds in t/fuzz/corpus are made by code one can read
 * rather than kept as opaque blobs (make fuzz-seeds; the configuration
 * seeds are the files of etc/ and t/conf/, copied).
 *
 *	mkseeds DIR
 *
 * writes DIR/packet, DIR/track, DIR/reasm, DIR/state and DIR/control.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crc32c.h"
#include "fuzz_track.h"
#include "ippkt.h"
#include "sctp.h"
#include "state.h"
#include "table.h"

#define SEED_MAX	4096

struct seed {
	uint8_t		 b[SEED_MAX];
	size_t		 len;
};

static const char	*seed_dir;

/* Add bytes to a seed. */
static void
seed_add(struct seed *s, const uint8_t *p, size_t n)
{
	if (s->len + n > sizeof(s->b)) {
		fprintf(stderr, "mkseeds: seed too long\n");
		exit(1);
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
}

#define SEED(s, ...)	seed_add((s), (const uint8_t[]){ __VA_ARGS__ },	\
			    sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* Write a seed to DIR/target/name. */
static void
seed_write(const char *target, const char *name, const void *p, size_t n)
{
	char	 path[1024];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", seed_dir, target);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", seed_dir, target, name);
	if ((fp = fopen(path, "wb")) == NULL || fwrite(p, 1, n, fp) != n ||
	    fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static void
put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static void
put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

/* An SCTP packet with one chunk of vlen value bytes; its length. */
static size_t
sctp_one(uint8_t *p, uint32_t vtag, uint8_t type, uint8_t flags, size_t vlen)
{
	memset(p, 0, 12 + 4 + vlen + 3);
	put16(p, 5000);
	put16(p + 2, 6000);
	put32(p + 4, vtag);
	p[12] = type;
	p[13] = flags;
	put16(p + 14, (uint16_t)(4 + vlen));
	return 12 + ((4 + vlen + 3) & ~(size_t)3);
}

/* An INIT or INIT-ACK listing an IPv4 and an IPv6 address. */
static size_t
sctp_init(uint8_t *p, uint8_t type, uint32_t vtag, uint32_t itag)
{
	size_t	len = sctp_one(p, vtag, type, 0, 16 + 8 + 20);

	put32(p + 16, itag);
	put32(p + 20, 65536);
	put16(p + 24, 10);
	put16(p + 26, 10);
	put32(p + 28, 1);
	put16(p + 32, SCTP_PARAM_IPV4);
	put16(p + 34, 8);
	inet_pton(AF_INET, "192.0.2.3", p + 36);
	put16(p + 40, SCTP_PARAM_IPV6);
	put16(p + 42, 20);
	inet_pton(AF_INET6, "2001:db8::3", p + 44);
	return len;
}

/* Wrap an SCTP packet in an IP header of the family of src. */
static size_t
ip_wrap(uint8_t *out, const char *src, const char *dst, const uint8_t *l4,
    size_t len)
{
	struct ipaddr	 s, d;
	size_t		 hl;

	addr_pton(src, &s);
	addr_pton(dst, &d);
	hl = s.family == AF_INET ? IPV4_HDRLEN : IPV6_HDRLEN;
	memcpy(out + hl, l4, len);
	ip_build(out + hl, &s, &d, 0, IPPROTO_SCTP_NUM, len);
	return hl + len;
}

/* The packet codecs: IP packets from the TUN and bare SCTP. */
static void
seeds_packet(void)
{
	uint8_t	 l4[256], pkt[512];
	size_t	 n;

	n = sctp_init(l4, SCTP_INIT, 0, 0x11111111);
	sctp_checksum_set(l4, n);
	seed_write("packet", "init-v4", pkt,
	    ip_wrap(pkt, "192.0.2.1", "192.0.2.2", l4, n));
	n = sctp_init(l4, SCTP_INIT_ACK, 0x11111111, 0x22222222);
	sctp_checksum_set(l4, n);
	seed_write("packet", "init-ack-v6", pkt,
	    ip_wrap(pkt, "2001:db8::1", "2001:db8::2", l4, n));
	n = sctp_one(l4, 0x22222222, SCTP_DATA, 3, 16 + 8);
	sctp_checksum_set(l4, n);
	seed_write("packet", "data-v4", pkt,
	    ip_wrap(pkt, "192.0.2.1", "192.0.2.2", l4, n));
	n = sctp_one(l4, 0x22222222, SCTP_ABORT, SCTP_FLAG_T, 0);
	sctp_checksum_set(l4, n);
	seed_write("packet", "abort-bare", l4, n);
}

/* Local side initiates, the paths' ports are learned, rebound, defended. */
static void
seeds_track_local(void)
{
	struct seed	s = { .len = 0 };

	SEED(&s, FT_LIMITS(4, 2));
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_INIT, 0, 0), FT_WHERE(0, 0, 0, 0),
	    FT_TAGS(0, 3), 0);
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_INIT_ACK, 0, 0),
	    FT_WHERE(0, 1, 0, 0), FT_TAGS(3, 4), FT_ADDRS2(0, 1));
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_COOKIE_ECHO, 0, 0),
	    FT_WHERE(0, 0, 0, 0), FT_TAGS(4, 0), 0);
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_COOKIE_ACK, 0, 0),
	    FT_WHERE(0, 1, 0, 0), FT_TAGS(3, 0), 0);
	/* Data both ways; a second path heard from. */
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_DATA, 0, 0), FT_WHERE(0, 0, 0, 0),
	    FT_TAGS(4, 0), 0);
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_SACK, 0, 0), FT_WHERE(0, 1, 0, 0),
	    FT_TAGS(3, 0), 0);
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_HEARTBEAT, 0, 0),
	    FT_WHERE(1, 3, 0, 0), FT_TAGS(3, 0), 0);
	/* A wrong tag from a new port, then NAT rebinding. */
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_DATA, 0, 0), FT_WHERE(0, 2, 0, 0),
	    FT_TAGS(5, 0), 0);
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_DATA, 0, 0), FT_WHERE(0, 2, 0, 0),
	    FT_TAGS(3, 0), 0);
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_SACK, 0, 0), FT_WHERE(0, 0, 0, 0),
	    FT_TAGS(4, 0), 0);
	/* An INIT of this association from a new port: refused. */
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_INIT, 0, 0), FT_WHERE(0, 3, 0, 0),
	    FT_TAGS(0, 4), 0);
	/* The peer aborts with its own tag (T bit). */
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_ABORT, 1, 0), FT_WHERE(0, 2, 0, 0),
	    FT_TAGS(4, 0), 0);
	seed_write("track", "local-initiates", s.b, s.len);
}

/* The peer initiates; the association shuts down. */
static void
seeds_track_peer(void)
{
	struct seed	s = { .len = 0 };

	SEED(&s, FT_LIMITS(2, 1));
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_INIT, 0, 0), FT_WHERE(2, 0, 1, 1),
	    FT_TAGS(0, 5), FT_ADDRS1(1));
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_INIT_ACK, 0, 0), FT_WHERE(2, 0, 1, 1),
	    FT_TAGS(5, 6), 0);
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_COOKIE_ECHO, 0, 0),
	    FT_WHERE(2, 0, 1, 1), FT_TAGS(6, 0), 0);
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_COOKIE_ACK, 0, 0),
	    FT_WHERE(2, 0, 1, 1), FT_TAGS(5, 0), 0);
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_DATA, 0, FT_BUNDLE_SHUTDOWN),
	    FT_WHERE(2, 0, 1, 1), FT_TAGS(6, 0), 0);
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_SHUTDOWN_ACK, 0, 0),
	    FT_WHERE(2, 0, 1, 1), FT_TAGS(5, 0), 0);
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_SHUTDOWN_COMPLETE, 0, 0),
	    FT_WHERE(2, 0, 1, 1), FT_TAGS(6, 0), 0);
	seed_write("track", "peer-initiates", s.b, s.len);
}

/* An established association, then a flood of INITs, then time. */
static void
seeds_track_flood(void)
{
	struct seed	s = { .len = 0 };
	int		i;

	SEED(&s, FT_LIMITS(2, 2));
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_INIT, 0, 0), FT_WHERE(0, 1, 0, 0),
	    FT_TAGS(0, 7), 0);
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_INIT_ACK, 0, 0), FT_WHERE(0, 1, 0, 0),
	    FT_TAGS(7, 8), 0);
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_COOKIE_ACK, 0, 0),
	    FT_WHERE(0, 1, 0, 0), FT_TAGS(7, 0), 0);
	for (i = 0; i < 12; i++)
		SEED(&s, FT_INGRESS, FT_CHUNK(FT_INIT, 0, 0),
		    FT_WHERE(i & 3, (i >> 2) & 3, i & 1, 0),
		    FT_TAGS(0, 1 + i % 15), 0);
	SEED(&s, FT_TICK, 11, FT_TICK, 61);
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_DATA, 0, 0), FT_WHERE(0, 1, 0, 0),
	    FT_TAGS(8, 0), 0);
	seed_write("track", "init-flood", s.b, s.len);
}

/* ICMP quotes of an association's packets, and raw packets. */
static void
seeds_track_icmp(void)
{
	struct seed	s = { .len = 0 };
	uint8_t		l4[128];
	size_t		n;

	SEED(&s, FT_LIMITS(4, 4));
	SEED(&s, FT_EGRESS, FT_CHUNK(FT_INIT, 0, 0), FT_WHERE(3, 0, 0, 0),
	    FT_TAGS(0, 9), 0);
	SEED(&s, FT_ICMP, FT_CHUNK(FT_INIT, 0, 0), FT_WHERE(3, 0, 0, 0),
	    FT_TAGS(0, 9), 0, 24);
	SEED(&s, FT_INGRESS, FT_CHUNK(FT_INIT_ACK, 0, 0),
	    FT_WHERE(3, 1, 0, 0), FT_TAGS(9, 10), 0);
	SEED(&s, FT_ICMP, FT_CHUNK(FT_DATA, 0, 0), FT_WHERE(3, 1, 0, 0),
	    FT_TAGS(10, 0), 0, 12);
	n = sctp_one(l4, 0x11111111, SCTP_HEARTBEAT, 0, 8);
	SEED(&s, FT_RAW_INGRESS, FT_WHERE(0, 0, 0, 0), (uint8_t)n);
	seed_add(&s, l4, n);
	n = sctp_init(l4, SCTP_INIT, 0, 0x12345678);
	SEED(&s, FT_RAW_EGRESS, FT_WHERE(1, 0, 0, 0), (uint8_t)n);
	seed_add(&s, l4, n);
	seed_write("track", "icmp-raw", s.b, s.len);
}

/* A fragment step of fuzz_reasm: key, offset (8-byte blocks), length. */
static void
reasm_frag(struct seed *s, uint8_t key, uint16_t blocks, uint16_t len,
    int more)
{
	SEED(s, 0, key, (uint8_t)(blocks >> 8), (uint8_t)blocks,
	    (uint8_t)(len >> 8), (uint8_t)len, more ? 1 : 0);
}

/* A raw IPv4 fragment of 16 bytes at offset blocks, as the TUN gives it. */
static void
reasm_raw4(struct seed *s, uint16_t blocks, int more)
{
	uint8_t	p[20 + 16];

	memset(p, 0xab, sizeof(p));
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, sizeof(p));
	put16(p + 4, 0x4242);
	put16(p + 6, (uint16_t)(blocks | (more ? 0x2000 : 0)));
	p[8] = 64;
	p[9] = IPPROTO_SCTP_NUM;
	put16(p + 10, 0);
	inet_pton(AF_INET, "198.51.100.1", p + 12);
	inet_pton(AF_INET, "198.51.100.2", p + 16);
	put16(p + 10, (uint16_t)~inet_cksum(p, 20));
	SEED(s, 1, sizeof(p));
	seed_add(s, p, sizeof(p));
}

/* Fragments in order, out of order, duplicated, overlapping, late. */
static void
seeds_reasm(void)
{
	struct seed	s = { .len = 0 };

	reasm_frag(&s, 0, 0, 1200, 1);
	reasm_frag(&s, 0, 150, 1200, 1);
	reasm_frag(&s, 0, 300, 601, 0);
	seed_write("reasm", "in-order", s.b, s.len);

	s.len = 0;
	reasm_frag(&s, 2 | 1 << 2, 300, 601, 0);
	reasm_frag(&s, 2 | 1 << 2, 0, 1200, 1);
	reasm_frag(&s, 2 | 1 << 2, 0, 1200, 1);
	reasm_frag(&s, 2 | 1 << 2, 150, 1200, 1);
	seed_write("reasm", "v6-reordered-duplicate", s.b, s.len);

	s.len = 0;
	reasm_frag(&s, 1, 0, 1200, 1);
	reasm_frag(&s, 1, 149, 800, 0);
	reasm_frag(&s, 1 | 2 << 2, 0, 8, 1);
	SEED(&s, 2, 0x0b, 0xb8);		/* 3000 ms later */
	reasm_frag(&s, 1 | 2 << 2, 1, 8, 0);
	seed_write("reasm", "overlap-timeout", s.b, s.len);

	s.len = 0;
	reasm_raw4(&s, 0, 1);
	reasm_raw4(&s, 2, 0);
	seed_write("reasm", "raw-v4", s.b, s.len);
}

/* An association of the fuzz target's configuration, in a table. */
static struct assoc *
state_assoc(struct table *t, uint16_t lport, uint32_t ltag, uint32_t ptag,
    const char *addr, uint16_t port)
{
	struct assoc	*a;
	struct ipaddr	 x;

	a = table_new(t, lport, 6000, 0, 1);
	table_set_ltag(t, a, ltag);
	table_set_ptag(t, a, ptag);
	addr_pton(addr, &x);
	table_learn_port(t, table_transport(t, a, &x, 1), port);
	return a;
}

/* State files sctptund wrote: three entries, eight, and none. */
static void
seeds_state(void)
{
	struct table	*t = table_create(8, 4);
	struct assoc	*a;
	struct ipaddr	 x;
	char		 path[1024], *cause;
	int		 i;

	table_set_clock(t, 9000);
	a = state_assoc(t, 5000, 0x11111111, 0x22222222, "10.1.2.3", 40001);
	addr_pton("2001:db8::7", &x);
	(void)table_transport(t, a, &x, 1);
	table_establish(t, a);
	table_set_clock(t, 9500);
	a = state_assoc(t, 5001, 0x33333333, 0x44444444, "192.0.2.9", 9899);
	table_establish(t, a);
	table_set_state(t, a, ASSOC_CLOSING);
	(void)state_assoc(t, 5002, 0, 0x55555555, "10.5.5.5", 9899);
	snprintf(path, sizeof(path), "%s/state", seed_dir);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/state/three-entries", seed_dir);
	if (state_save(t, path, &cause) == -1) {
		fprintf(stderr, "mkseeds: %s\n", cause);
		exit(1);
	}
	/* More entries than the target's table holds (4 settled, 2 embryonic). */
	for (i = 0; i < 5; i++) {
		a = state_assoc(t, (uint16_t)(5100 + i), 0x61000000u + i,
		    0x62000000u + i, i % 2 ? "2001:db8::9" : "10.7.7.7", 9899);
		if (i < 3)
			table_establish(t, a);
	}
	snprintf(path, sizeof(path), "%s/state/eight-entries", seed_dir);
	if (state_save(t, path, &cause) == -1) {
		fprintf(stderr, "mkseeds: %s\n", cause);
		exit(1);
	}
	table_free(t);
	t = table_create(1, 1);
	snprintf(path, sizeof(path), "%s/state/empty", seed_dir);
	if (state_save(t, path, &cause) == -1) {
		fprintf(stderr, "mkseeds: %s\n", cause);
		exit(1);
	}
	table_free(t);
}

/* A DTLS record header for type, epoch, seq and a fragment of n bytes. */
static void
dtls_header(struct seed *s, uint8_t type, uint16_t epoch, uint16_t seq,
    uint16_t n)
{
	SEED(s, type, 0xfe, 0xfd, (uint8_t)(epoch >> 8), (uint8_t)epoch,
	    0, 0, 0, 0, (uint8_t)(seq >> 8), (uint8_t)seq, (uint8_t)(n >> 8),
	    (uint8_t)n);
}

/*
 * What the DTLS port receives: a ClientHello with and without a cookie,
 * application data, and a datagram of several records (a handshake
 * flight: certificate fragment, change cipher spec, Finished).
 */
static void
seeds_dtls_record(void)
{
	struct seed	s = { .len = 0 };
	uint8_t		body[96];
	int		i;

	for (i = 0; i < (int)sizeof(body); i++)
		body[i] = (uint8_t)(i * 7);
	/* ClientHello: handshake header (type 1, length, seq, fragment),
	   version, random, empty session id, cookie of cookie_len bytes. */
	dtls_header(&s, 22, 0, 0, 12 + 2 + 32 + 1 + 1 + 4);
	SEED(&s, 1, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 40, 0xfe, 0xfd);
	seed_add(&s, body, 32);
	SEED(&s, 0, 0, 0, 2, 0xc0, 0x2b);
	seed_write("dtls_record", "client-hello", s.b, s.len);
	s.len = 0;
	dtls_header(&s, 22, 0, 1, 12 + 2 + 32 + 1 + 1 + 8 + 4);
	SEED(&s, 1, 0, 0, 48, 0, 1, 0, 0, 0, 0, 0, 48, 0xfe, 0xfd);
	seed_add(&s, body, 32);
	SEED(&s, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 2, 0xc0, 0x2b);
	seed_write("dtls_record", "client-hello-cookie", s.b, s.len);
	s.len = 0;
	dtls_header(&s, 23, 1, 7, 64);
	seed_add(&s, body, 64);
	seed_write("dtls_record", "app-data", s.b, s.len);
	s.len = 0;
	dtls_header(&s, 22, 0, 3, 40);
	seed_add(&s, body, 40);
	dtls_header(&s, 20, 0, 4, 1);
	SEED(&s, 1);
	dtls_header(&s, 22, 1, 0, 40);
	seed_add(&s, body + 40, 40);
	seed_write("dtls_record", "flight", s.b, s.len);
}

/*
 * Local GSO packets as a kernel builds them (a common header with checksum
 * 0, then the chunks of several packets), with the fuzz_coalesce prefix:
 * MTU 1500 IPv4, and MTU 1280 IPv6 with an AUTH chunk per segment.
 */
static void
seeds_coalesce(void)
{
	struct seed	s = { .len = 0 };
	uint8_t		chunk[1200];
	int		i;

	memset(chunk, 0x5c, sizeof(chunk));
	SEED(&s, 0x05, 0xdc, 8, 0);
	SEED(&s, 0x1f, 0x40, 0x1f, 0x41, 0, 0, 0, 0x77, 0, 0, 0, 0);
	for (i = 0; i < 3; i++) {
		SEED(&s, 0, 3, 0x04, 0xac);	/* DATA of 1196 bytes */
		seed_add(&s, chunk, 1196 - 4);
	}
	seed_write("coalesce", "three-segments-v4", s.b, s.len);
	s.len = 0;
	SEED(&s, 0x05, 0x00, 9, 0);
	SEED(&s, 0x1f, 0x40, 0x1f, 0x41, 0, 0, 0, 0x77, 0, 0, 0, 0);
	for (i = 0; i < 3; i++) {
		SEED(&s, 15, 0, 0, 24);		/* AUTH */
		seed_add(&s, chunk, 20);
		SEED(&s, 0, 3, 0x03, 0xe8);	/* DATA of 1000 bytes */
		seed_add(&s, chunk, 1000 - 4);
	}
	seed_write("coalesce", "auth-segments-v6", s.b, s.len);
}

/* What clients of the control socket send. */
static void
seeds_control(void)
{
	static const char *const lines[][2] = {
		{ "show-assocs", "show assocs\n" },
		{ "json-stats-crlf", "json show stats\r\n" },
		{ "reload", "reload\n" },
		{ "json-monitor", "json monitor\n" },
		{ "unknown-twice", "json reload\nshow\n" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		seed_write("control", lines[i][0], lines[i][1],
		    strlen(lines[i][1]));
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	seed_dir = argv[1];
	if (mkdir(seed_dir, 0755) == -1 && errno != EEXIST) {
		perror(seed_dir);
		return 1;
	}
	seeds_packet();
	seeds_track_local();
	seeds_track_peer();
	seeds_track_flood();
	seeds_track_icmp();
	seeds_reasm();
	seeds_state();
	seeds_control();
	seeds_dtls_record();
	seeds_coalesce();
	return 0;
}
