/*
 * fuzz_reasm: the reassembly of IP fragments (proxy/reasm.c) fed a
 * sequence of steps, each starting with an op byte (modulo 3):
 *
 *   0  a fragment described by 6 bytes: key (bits 0-1 addresses, bits
 *      2-3 id), offset in 8-byte blocks (2 bytes, 13 bits used), length
 *      in bytes (2 bytes, 12 bits used: every path is reached with up to
 *      4095, and copying 64 KiB a step would slow the fuzzer tenfold),
 *      flags (bit 0: more fragments).  Its data is the key's pattern at
 *      that offset, so a packet reassembled from such fragments must be
 *      the pattern exactly;
 *   1  a length byte, then that many bytes of IP packet, through
 *      ip_parse_fragment() as the data path does (packets of the
 *      addresses of op 0 are left out, so they cannot mix in);
 *   2  two bytes of milliseconds the clock advances, then expiry.
 *
 * After every fragment: the result is counted once (a drop in exactly one
 * of duplicate, overlap, too long), no more than REASM_SLOTS entries are
 * in use, and a reassembled packet is within bounds, of the right
 * addresses and, for op 0, the pattern.
 */
#include <string.h>

#include "fuzz.h"
#include "ippkt.h"
#include "reasm.h"

#define FR_KEYS		(3 * 4)
#define FR_SPAN		(8191 * 8 + 4095)	/* furthest byte of op 0 */
#define FR_STRIDE	977			/* pattern shift per key */

struct fr_key {
	const char	*src, *dst;
	uint8_t		 tos;
};

static const struct fr_key fr_keys[3] = {
	{ "192.0.2.1", "192.0.2.2", 0x02 },
	{ "192.0.2.3", "192.0.2.2", 0x00 },
	{ "2001:db8::1", "2001:db8::2", 0xb8 },
};
static const uint32_t fr_ids[4] = { 1, 2, 0x10001, 0x80000001 };

static uint8_t	fr_pattern[FR_SPAN + FR_KEYS * FR_STRIDE];

/* The counters whose one increment a drop must be. */
static uint64_t
fr_drops(const struct reasm_stats *st)
{
	return st->duplicate + st->overlap + st->too_long;
}

/* Add one fragment and check how it was counted and what came out. */
static int
fr_add(struct reasm *r, const struct ip_pkt *ip, const struct ip_frag *f,
    uint64_t now, struct reasm_out *out)
{
	const struct reasm_stats *st = reasm_stats(r);
	uint64_t		 frags = st->fragments, drops = fr_drops(st);
	int			 res;

	res = reasm_add(r, ip, f, now, out);
	FUZZ_ASSERT(st->fragments == frags + 1);
	FUZZ_ASSERT(fr_drops(st) == drops + (res == REASM_DROPPED));
	FUZZ_ASSERT(reasm_used(r) <= REASM_SLOTS);
	FUZZ_ASSERT(res == REASM_HELD || res == REASM_DONE ||
	    res == REASM_DROPPED);
	if (res == REASM_DONE) {
		FUZZ_ASSERT(out->len >= f->len && out->len <= REASM_MAXLEN);
		FUZZ_ASSERT(addr_equal(&out->src, &ip->src) &&
		    addr_equal(&out->dst, &ip->dst) &&
		    out->proto == f->proto);
	}
	return res;
}

/* Op 0: a fragment of a key's pattern. */
static void
fr_pattern_step(struct reasm *r, struct fuzz_in *in, uint64_t now)
{
	const struct fr_key	*k;
	struct reasm_out	 out;
	struct ip_pkt		 ip;
	struct ip_frag		 f;
	const uint8_t		*pat;
	uint8_t			 key;
	size_t			 kidx;

	key = fuzz_u8(in);
	memset(&ip, 0, sizeof(ip));
	memset(&f, 0, sizeof(f));
	kidx = (size_t)(key & 3) % 3;
	k = &fr_keys[kidx];
	if (addr_pton(k->src, &ip.src) == -1 ||
	    addr_pton(k->dst, &ip.dst) == -1)
		abort();
	ip.tos = k->tos;
	ip.proto = f.proto = IPPROTO_SCTP_NUM;
	f.id = fr_ids[(key >> 2) & 3];
	f.offset = (uint32_t)(fuzz_u16(in) & 0x1fff) * 8;
	f.len = fuzz_u16(in) & 0x0fff;
	f.more = fuzz_u8(in) & 1;
	pat = fr_pattern + (kidx * 4 + ((key >> 2) & 3)) * FR_STRIDE;
	f.data = pat + f.offset;
	if (fr_add(r, &ip, &f, now, &out) != REASM_DONE)
		return;
	FUZZ_ASSERT(out.tos == k->tos);
	FUZZ_ASSERT(memcmp(out.data, pat, out.len) == 0);
}

/* 1 if a is an address op 0 uses. */
static int
fr_reserved(const struct ipaddr *a)
{
	struct ipaddr	k;
	size_t		i;

	for (i = 0; i < 3; i++)
		if (addr_pton(fr_keys[i].src, &k) == 0 && addr_equal(a, &k))
			return 1;
	return 0;
}

/* Op 1: an IP packet as read from the TUN. */
static void
fr_raw_step(struct reasm *r, struct fuzz_in *in, uint64_t now)
{
	struct reasm_out	 out;
	struct ip_pkt		 ip;
	struct ip_frag		 f;
	const uint8_t		*p;
	size_t			 len;

	len = fuzz_bytes(in, fuzz_u8(in), &p);
	if (ip_parse_fragment(p, len, &ip, &f) != IP_OK)
		return;
	FUZZ_ASSERT(f.data >= p && f.data + f.len <= p + len);
	if (f.proto != IPPROTO_SCTP_NUM || fr_reserved(&ip.src))
		return;
	(void)fr_add(r, &ip, &f, now, &out);
}

/*
 * One input: an empty table, then the steps.  The table (half a megabyte)
 * is made once and emptied by expiring everything, which leaves it as
 * reasm_new() does but for the counters, read as differences anyway.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct reasm	*r;
	struct fuzz_in		 in = { data, size };
	uint64_t		 now = 0;
	size_t			 i;

	if (r == NULL) {
		for (i = 0; i < sizeof(fr_pattern); i++)
			fr_pattern[i] = (uint8_t)(i * 7 + i / 251 + 1);
		if ((r = reasm_new()) == NULL)
			abort();
	}
	(void)reasm_expire(r, UINT64_MAX);
	FUZZ_ASSERT(reasm_used(r) == 0);
	while (in.len > 0) {
		switch (fuzz_u8(&in) % 3) {
		case 0:
			fr_pattern_step(r, &in, now);
			break;
		case 1:
			fr_raw_step(r, &in, now);
			break;
		default:
			now += fuzz_u16(&in);
			(void)reasm_expire(r, now);
			FUZZ_ASSERT(reasm_used(r) <= REASM_SLOTS);
			break;
		}
	}
	return 0;
}
