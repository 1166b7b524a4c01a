/*
 * test_reasm: the egress fragment reassembly table.  Packets of a known
 * pattern are cut into fragments and fed in order, out of order, with
 * duplicates and overlaps, late, and more than the table holds; the
 * result must be the packet or a counted drop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ippkt.h"
#include "reasm.h"
#include "tap.h"

static uint8_t	 pattern[REASM_MAXLEN];
static struct ip_pkt ip4, ip6;

/* Fill the pattern and the two packet headers. */
static void
setup(void)
{
	size_t	i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + i / 251);
	memset(&ip4, 0, sizeof(ip4));
	memset(&ip6, 0, sizeof(ip6));
	addr_pton("192.0.2.1", &ip4.src);
	addr_pton("192.0.2.2", &ip4.dst);
	addr_pton("2001:db8::1", &ip6.src);
	addr_pton("2001:db8::2", &ip6.dst);
	ip4.tos = 0x02;
	ip6.tos = 0xb8;
	ip4.proto = ip6.proto = 132;
}

/* Add the fragment [off, off + len) of the pattern; more unless last. */
static int
add(struct reasm *r, const struct ip_pkt *ip, uint32_t id, uint32_t off,
    size_t len, int more, uint64_t now, struct reasm_out *out)
{
	struct ip_frag	f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.offset = off;
	f.more = more;
	f.proto = 132;
	f.data = pattern + off;
	f.len = len;
	return reasm_add(r, ip, &f, now, out);
}

/* Is out the first len bytes of the pattern from ip? */
static int
is_packet(const struct reasm_out *out, const struct ip_pkt *ip, size_t len)
{
	return out->len == len && memcmp(out->data, pattern, len) == 0 &&
	    addr_equal(&out->src, &ip->src) &&
	    addr_equal(&out->dst, &ip->dst) &&
	    out->tos == ip->tos && out->proto == 132;
}

/* In order and out of order, IPv4 and IPv6. */
static void
test_orders(struct reasm *r)
{
	struct reasm_out out;

	ok(add(r, &ip4, 1, 0, 1200, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 1, 1200, 1200, 1, 1, &out) == REASM_HELD &&
	    reasm_used(r) == 1, "v4 in order: held");
	ok(add(r, &ip4, 1, 2400, 601, 0, 2, &out) == REASM_DONE &&
	    is_packet(&out, &ip4, 3001) && reasm_used(r) == 0,
	    "v4 in order: done, the packet intact, slot free");
	ok(add(r, &ip6, 0x80000001, 2400, 601, 0, 3, &out) == REASM_HELD &&
	    add(r, &ip6, 0x80000001, 0, 1200, 1, 3, &out) == REASM_HELD &&
	    add(r, &ip6, 0x80000001, 1200, 1200, 1, 3, &out) == REASM_DONE &&
	    is_packet(&out, &ip6, 3001), "v6 out of order: last first");
	ok(add(r, &ip4, 2, 0, 1400, 0, 4, &out) == REASM_DONE &&
	    is_packet(&out, &ip4, 1400), "single fragment (atomic): done");
	ok(add(r, &ip4, 3, 0, 65528, 1, 5, &out) == REASM_HELD &&
	    add(r, &ip4, 3, 65528, 7, 0, 5, &out) == REASM_DONE &&
	    is_packet(&out, &ip4, 65535), "65535 bytes: done");
	ok(reasm_stats(r)->done == 4 && reasm_stats(r)->fragments == 9,
	    "counted: 4 done of 9 fragments");
}

/* Fragments of different keys never mix. */
static void
test_keys(struct reasm *r)
{
	struct reasm_out out;
	struct ip_pkt	 other = ip4;

	addr_pton("192.0.2.3", &other.src);
	ok(add(r, &ip4, 9, 0, 800, 1, 0, &out) == REASM_HELD &&
	    add(r, &other, 9, 800, 200, 0, 0, &out) == REASM_HELD &&
	    add(r, &ip6, 9, 800, 200, 0, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 0x10009, 800, 200, 0, 0, &out) == REASM_HELD &&
	    reasm_used(r) == 4, "other source, family, id: other entries");
	ok(add(r, &ip4, 9, 800, 200, 0, 0, &out) == REASM_DONE &&
	    is_packet(&out, &ip4, 1000), "same key completes");
	ok(add(r, &other, 9, 0, 800, 1, 0, &out) == REASM_DONE &&
	    is_packet(&out, &other, 1000) &&
	    add(r, &ip6, 9, 0, 800, 1, 0, &out) == REASM_DONE &&
	    is_packet(&out, &ip6, 1000) &&
	    add(r, &ip4, 0x10009, 0, 800, 1, 0, &out) == REASM_DONE &&
	    reasm_used(r) == 0, "each completes on its own");
}

/* Exact duplicates are dropped alone; the packet still completes. */
static void
test_duplicates(struct reasm *r)
{
	struct reasm_out out;

	ok(add(r, &ip4, 20, 0, 1200, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 20, 0, 1200, 1, 0, &out) == REASM_DROPPED &&
	    add(r, &ip4, 20, 1200, 1200, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 20, 2400, 5, 0, 0, &out) == REASM_DONE &&
	    is_packet(&out, &ip4, 2405) && reasm_stats(r)->duplicate == 1,
	    "duplicate first fragment dropped, packet done");
	ok(add(r, &ip4, 21, 2400, 5, 0, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 21, 2400, 5, 0, 0, &out) == REASM_DROPPED &&
	    add(r, &ip4, 21, 0, 2400, 1, 0, &out) == REASM_DONE &&
	    reasm_stats(r)->duplicate == 2 && reasm_stats(r)->overlap == 0,
	    "duplicate last fragment dropped, packet done");
}

/* Overlaps and disagreements drop the whole entry. */
static void
test_overlaps(struct reasm *r)
{
	struct reasm_out out;
	const struct reasm_stats *st = reasm_stats(r);
	uint64_t	 ov = st->overlap, lost = st->frags_lost;

	ok(add(r, &ip4, 30, 0, 1200, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 30, 1192, 800, 0, 0, &out) == REASM_DROPPED &&
	    reasm_used(r) == 0 && st->overlap == ov + 1 &&
	    st->frags_lost == lost + 2, "partial overlap drops the entry");
	ok(add(r, &ip4, 30, 1200, 800, 0, 0, &out) == REASM_HELD,
	    "a later fragment starts afresh");
	ok(add(r, &ip4, 30, 0, 1208, 1, 0, &out) == REASM_DROPPED &&
	    reasm_used(r) == 0, "overlap into the last fragment");
	ok(add(r, &ip4, 31, 0, 800, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 31, 800, 800, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 31, 0, 1600, 1, 0, &out) == REASM_DROPPED,
	    "a fragment covering two held ones is an overlap");
	ok(add(r, &ip4, 32, 0, 1600, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 32, 0, 800, 1, 0, &out) == REASM_DROPPED,
	    "a fragment inside a held one is an overlap");
	ok(add(r, &ip4, 33, 1600, 100, 0, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 33, 1600, 101, 0, 0, &out) == REASM_DROPPED,
	    "two different last fragments");
	ok(add(r, &ip4, 34, 1600, 100, 0, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 34, 1704, 8, 1, 0, &out) == REASM_DROPPED,
	    "a fragment past the end");
	ok(add(r, &ip4, 35, 1600, 800, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 35, 800, 100, 0, 0, &out) == REASM_DROPPED,
	    "a last fragment before held data");
	ok(add(r, &ip4, 36, 0, 801, 1, 0, &out) == REASM_DROPPED,
	    "a non-last fragment of a length not a multiple of 8");
	ok(st->overlap == ov + 8 && reasm_used(r) == 0,
	    "8 entries dropped as overlapping or inconsistent");
}

/* Past 65535, timeouts and eviction. */
static void
test_limits(struct reasm *r)
{
	struct reasm_out out;
	const struct reasm_stats *st = reasm_stats(r);
	uint32_t	 id;
	int		 held = 1;

	ok(add(r, &ip4, 40, 0, 8, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 40, 65528, 8, 0, 0, &out) == REASM_DROPPED &&
	    st->too_long == 1 && reasm_used(r) == 0,
	    "ending past 65535 drops the entry");
	ok(add(r, &ip4, 41, 0, 8, 1, 1000, &out) == REASM_HELD &&
	    reasm_expire(r, 2999) == 0 && reasm_expire(r, 3000) == 1 &&
	    st->timeout == 1 && reasm_used(r) == 0,
	    "expiry after 2 s, not before");
	ok(add(r, &ip4, 42, 0, 8, 1, 0, &out) == REASM_HELD &&
	    add(r, &ip4, 42, 8, 8, 0, 2500, &out) == REASM_HELD &&
	    st->timeout == 2 && reasm_used(r) == 1,
	    "a late fragment finds its entry expired");
	(void)reasm_expire(r, 10000);
	for (id = 100; id < 100 + REASM_SLOTS; id++)
		held &= add(r, &ip4, id, 0, 8, 1, 10000 + id, &out) ==
		    REASM_HELD;
	ok(held && reasm_used(r) == REASM_SLOTS && st->evicted == 0,
	    "the table holds REASM_SLOTS packets");
	ok(add(r, &ip6, 200, 0, 8, 1, 10500, &out) == REASM_HELD &&
	    st->evicted == 1 && reasm_used(r) == REASM_SLOTS,
	    "one more evicts one");
	ok(add(r, &ip4, 100, 8, 8, 0, 10500, &out) == REASM_HELD &&
	    st->evicted == 2, "the oldest was the one evicted (and 101 now)");
	ok(add(r, &ip4, 107, 8, 8, 0, 10500, &out) == REASM_DONE &&
	    is_packet(&out, &ip4, 16), "the others are still there");
	/* Overlaps 16, too long 2, timeouts 3, evictions 2. */
	ok(st->frags_lost == 23 && st->timeout == 3,
	    "every lost fragment counted");
}

int
main(void)
{
	struct reasm	*r;

	setup();
	if ((r = reasm_new()) == NULL)
		abort();
	test_orders(r);
	test_keys(r);
	test_duplicates(r);
	test_overlaps(r);
	test_limits(r);
	reasm_free(r);
	return tap_done(0);
}
