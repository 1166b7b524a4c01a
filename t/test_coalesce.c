/*
 * test_coalesce: which datagrams may get a CRC32c filled in, and cutting a
 * kernel-built GSO packet back into the packets a link carries.
 *
 * The GSO packets here are built the way Linux builds them
 * (net/sctp/output.c, sctp_packet_pack): each segment's chunks packed
 * while they fit the path MTU, one common header in front of all of them,
 * checksum 0.  Cutting them at the same MTU must give back exactly the
 * packets a segmentation would have sent.
 */

#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coalesce.h"
#include "crc32c.h"
#include "sctp.h"
#include "tap.h"

#define MAXPKTS	64

/* A test's packets: the segments as a wire would carry them. */
struct segs {
	uint8_t		 pkt[MAXPKTS][9000];
	size_t		 len[MAXPKTS];
	int		 n;
};

static uint8_t	gso[65536];

/* Put a chunk of type, length clen (padded to 4) at p; returns the step. */
static size_t
put_chunk(uint8_t *p, uint8_t type, size_t clen, uint32_t seed)
{
	size_t	i, step = (clen + 3) & ~(size_t)3;

	p[0] = type;
	p[1] = 3;
	p[2] = (uint8_t)(clen >> 8);
	p[3] = (uint8_t)clen;
	for (i = 4; i < clen; i++)
		p[i] = (uint8_t)(seed * 31 + i);
	memset(p + clen, 0, step - clen);
	return step;
}

/*
 * Pack chunks (types and lengths) into segments of at most mtu bytes of
 * SCTP packet, as sctp_packet_pack does; an AUTH chunk repeats at the
 * start of every segment when auth is set.
 */
static void
pack(struct segs *s, const uint8_t *types, const size_t *lens, int nchunks,
    size_t max, int auth)
{
	int	i;
	size_t	step;

	s->n = 0;
	for (i = 0; i < nchunks; i++) {
		step = (lens[i] + 3) & ~(size_t)3;
		if (s->n == 0 || s->len[s->n - 1] + step > max) {
			memset(s->pkt[s->n], 0, 12);
			s->pkt[s->n][0] = 0x1f;	/* ports 8000 -> 8001 */
			s->pkt[s->n][1] = 0x40;
			s->pkt[s->n][2] = 0x1f;
			s->pkt[s->n][3] = 0x41;
			s->pkt[s->n][7] = 0x77;	/* vtag */
			s->len[s->n] = 12;
			if (auth)
				s->len[s->n] += put_chunk(s->pkt[s->n] + 12,
				    SCTP_AUTH, 24, 99);
			s->n++;
		}
		s->len[s->n - 1] += put_chunk(s->pkt[s->n - 1] +
		    s->len[s->n - 1], types[i], lens[i], (uint32_t)i);
	}
	for (i = 0; i < s->n; i++)
		sctp_checksum_set(s->pkt[i], s->len[i]);
}

/* The GSO packet of segments: one header (checksum 0), all the chunks. */
static size_t
gso_build(const struct segs *s)
{
	size_t	len = 12;
	int	i;

	memcpy(gso, s->pkt[0], 12);
	memset(gso + 8, 0, 4);
	for (i = 0; i < s->n; i++) {
		memcpy(gso + len, s->pkt[i] + 12, s->len[i] - 12);
		len += s->len[i] - 12;
	}
	return len;
}

/*
 * Cut gso as the data path does (headers written in place over the tail of
 * the piece before) and compare each piece with the segment it came from.
 */
static int
cut_matches(const struct segs *s, size_t len, size_t max, const char *what)
{
	uint8_t	hdr[12], *p;
	size_t	off, end, plen;
	int	k = 0, good = 1;

	memcpy(hdr, gso, 12);
	for (off = 12; off < len; off = end) {
		if ((end = coalesce_gso_next(gso, len, off, max)) <= off)
			return ok(0, "%s: piece %d cut", what, k);
		p = gso + off - 12;
		plen = end - off + 12;
		memcpy(p, hdr, 12);
		sctp_checksum_set(p, plen);
		if (k >= s->n || plen != s->len[k] ||
		    memcmp(p, s->pkt[k], plen) != 0)
			good = 0;
		k++;
	}
	return ok(good && k == s->n, "%s: %d pieces, byte for byte the %d "
	    "segments", what, k, s->n);
}

/* Segments of full DATA chunks, then the odd sizes a burst ends with. */
static void
test_cut(void)
{
	static struct segs	s;
	uint8_t			types[40];
	size_t			lens[40], len;
	int			i;

	for (i = 0; i < 40; i++) {
		types[i] = SCTP_DATA;
		lens[i] = 1452;		/* 1500 - 20 - 8 - 12 - 4 padding */
	}
	pack(&s, types, lens, 40, coalesce_max_packet(AF_INET, 1500), 0);
	len = gso_build(&s);
	ok(s.n == 40 && len == 12 + 40 * 1452, "40 full segments, %zu bytes",
	    len);
	cut_matches(&s, len, coalesce_max_packet(AF_INET, 1500),
	    "IPv4, MTU 1500");

	/* A SACK bundled first, then DATA of varied sizes, IPv6 MTU 1280. */
	types[0] = SCTP_SACK;
	lens[0] = 16;
	for (i = 1; i < 30; i++)
		lens[i] = 17 + (size_t)(i * 97) % 1200;
	pack(&s, types, lens, 30, coalesce_max_packet(AF_INET6, 1280), 0);
	len = gso_build(&s);
	cut_matches(&s, len, coalesce_max_packet(AF_INET6, 1280),
	    "IPv6, MTU 1280, mixed sizes");

	/* Authenticated segments: each starts with its AUTH chunk. */
	for (i = 0; i < 20; i++) {
		types[i] = SCTP_DATA;
		lens[i] = 300;
	}
	pack(&s, types, lens, 20, 1000, 1);
	len = gso_build(&s);
	cut_matches(&s, len, 1000, "AUTH at the start of each segment");
	/* Even with room for more, an AUTH chunk starts a new packet. */
	len = gso_build(&s);
	cut_matches(&s, len, 9000, "AUTH cuts even when more would fit");
}

/* A chunk bigger than the link allows still goes, alone. */
static void
test_cut_edges(void)
{
	uint8_t	pkt[4000];
	size_t	len = 12;

	memset(pkt, 0, sizeof(pkt));
	len += put_chunk(pkt + len, SCTP_DATA, 2000, 1);
	len += put_chunk(pkt + len, SCTP_DATA, 100, 2);
	ok(coalesce_gso_next(pkt, len, 12, 1472) == 12 + 2000,
	    "an oversized chunk is a piece of its own");
	ok(coalesce_gso_next(pkt, len, 12 + 2000, 1472) == len,
	    "the rest follows");
	/* The last chunk of a datagram may lack its padding. */
	pkt[12 + 2000 + 3] = 101;
	ok(coalesce_gso_next(pkt, 12 + 2000 + 101, 12 + 2000, 1472) ==
	    12 + 2000 + 101, "an unpadded last chunk ends the datagram");
	pkt[12 + 2000 + 3] = 100;
	pkt[12 + 2000 + 2] = 0;
	pkt[12 + 2000 + 3] = 2;		/* length 2 < 4 */
	ok(coalesce_gso_next(pkt, len, 12, 1472) == 0,
	    "a malformed chunk after the first gives 0");
	ok(coalesce_gso_next(pkt, len, 12 + 2000, 1472) == 0,
	    "a malformed first chunk gives 0");
	pkt[12 + 2000 + 3] = 200;	/* overruns */
	ok(coalesce_gso_next(pkt, len, 12 + 2000, 4000) == 0,
	    "an overrunning chunk gives 0");
	ok(coalesce_gso_next(pkt, len, 4, 1472) == 0 &&
	    coalesce_gso_next(pkt, len, len, 1472) == 0,
	    "offsets outside the chunks give 0");
}

/* Which datagrams with a failed CRC32c count as local GSO packets. */
static void
test_classify(void)
{
	struct coalesce_rx	rx;
	uint8_t			pkt[3000];

	memset(pkt, 0, sizeof(pkt));
	memset(&rx, 0, sizeof(rx));
	rx.ifindex = 2;
	ok(coalesce_max_packet(AF_INET, 1500) == 1472 &&
	    coalesce_max_packet(AF_INET6, 1500) == 1452 &&
	    coalesce_max_packet(AF_INET, 40) == 0 &&
	    coalesce_max_packet(AF_INET, 0) == 0,
	    "largest packet a link carries: MTU less IP and UDP headers");
	ok(coalesce_is_local_gso(pkt, 2932, AF_INET, &rx, 1, 1500),
	    "checksum 0, 2932 bytes on a 1500 link, not reassembled: local GSO");
	ok(!coalesce_is_local_gso(pkt, 1472, AF_INET, &rx, 1, 1500),
	    "no bigger than the link carries: crossed it, checked");
	ok(coalesce_is_local_gso(pkt, 1473, AF_INET, &rx, 1, 1500),
	    "one byte more than the link carries: built here");
	ok(coalesce_is_local_gso(pkt, 1453, AF_INET6, &rx, 1, 1500) &&
	    !coalesce_is_local_gso(pkt, 1452, AF_INET6, &rx, 1, 1500),
	    "IPv6 counts its 40-byte header");
	ok(!coalesce_is_local_gso(pkt, 2932, AF_INET, &rx, 1, 9000),
	    "on a jumbo link it could have crossed: checked");
	ok(!coalesce_is_local_gso(pkt, 2932, AF_INET, &rx, 1, 0),
	    "link MTU unknown: checked");
	ok(!coalesce_is_local_gso(pkt, 2932, AF_INET, &rx, 0, 1500),
	    "the kernel cannot report reassembly: checked");
	rx.frag_size = 1500;
	ok(!coalesce_is_local_gso(pkt, 2932, AF_INET, &rx, 1, 1500),
	    "reassembled from fragments that crossed the link: checked");
	rx.frag_size = 0;
	rx.gro_size = 1000;
	ok(!coalesce_is_local_gso(pkt, 2932, AF_INET, &rx, 1, 1500),
	    "coalesced by UDP_GRO: each part is checked instead");
	rx.gro_size = 0;
	pkt[11] = 1;
	ok(!coalesce_is_local_gso(pkt, 2932, AF_INET, &rx, 1, 1500),
	    "a checksum that is not 0 is a bad one: checked");
	pkt[11] = 0;
	ok(!coalesce_is_local_gso(pkt, 11, AF_INET, &rx, 1, 8) &&
	    !coalesce_gso_candidate(pkt, 11, &rx, 1),
	    "shorter than a common header: never");
}

int
main(void)
{
	crc32c_init();
	test_classify();
	test_cut_edges();
	test_cut();
	return tap_done(0);
}
