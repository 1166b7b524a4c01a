/*
 * reasm: the fragment reassembly table of the egress path.
 *
 * Each slot holds one packet: its payload at the fragments' offsets and
 * three bitmaps of 8-byte blocks (fragment offsets are multiples of 8):
 * blocks covered, blocks where a fragment starts, blocks where one ends.
 * Overlaps drop the whole entry (RFC 5722); an exact duplicate of a
 * fragment already held is dropped alone, as Linux does.  The starts and
 * ends tell one from the other: a fragment whose first block starts one
 * held fragment, whose last block ends one, with every block between
 * covered and no fragment starting inside, repeats exactly that fragment
 * (held fragments never overlap).
 */
#include <stdlib.h>
#include <string.h>

#include "reasm.h"

#define REASM_BLOCKS	((REASM_MAXLEN + 7) / 8)
#define REASM_MAPLEN	((REASM_BLOCKS + 7) / 8)

struct reasm_slot {
	int		 used;
	uint64_t	 born;		/* first fragment, milliseconds */
	struct ipaddr	 src, dst;
	uint32_t	 id;
	uint8_t		 proto, tos;
	uint32_t	 total;		/* set by the last fragment, else 0 */
	uint32_t	 maxend;	/* end of the furthest fragment */
	uint32_t	 have;		/* payload bytes held */
	uint32_t	 nfrags;	/* fragments held */
	uint8_t		 cover[REASM_MAPLEN];
	uint8_t		 start[REASM_MAPLEN];
	uint8_t		 end[REASM_MAPLEN];
	uint8_t		 data[REASM_MAXLEN];
};

struct reasm {
	struct reasm_slot	 slot[REASM_SLOTS];
	struct reasm_stats	 stats;
};

/* Test bit i of a bitmap. */
static int
reasm_bit(const uint8_t *map, uint32_t i)
{
	return (map[i / 8] >> (i % 8)) & 1;
}

/* Set bit i of a bitmap. */
static void
reasm_setbit(uint8_t *map, uint32_t i)
{
	map[i / 8] |= (uint8_t)(1 << (i % 8));
}

/* Allocate an empty table. */
struct reasm *
reasm_new(void)
{
	return calloc(1, sizeof(struct reasm));
}

/* Free a table. */
void
reasm_free(struct reasm *r)
{
	free(r);
}

/* The counters. */
const struct reasm_stats *
reasm_stats(const struct reasm *r)
{
	return &r->stats;
}

/* How many slots hold a packet. */
unsigned int
reasm_used(const struct reasm *r)
{
	unsigned int	i, n = 0;

	for (i = 0; i < REASM_SLOTS; i++)
		n += r->slot[i].used != 0;
	return n;
}

/* Empty a slot, counting the fragments it held as lost. */
static void
reasm_drop(struct reasm *r, struct reasm_slot *s)
{
	r->stats.frags_lost += s->nfrags;
	s->used = 0;
}

/* Drop the entries older than REASM_TIMEOUT. */
unsigned int
reasm_expire(struct reasm *r, uint64_t now)
{
	unsigned int	i, n = 0;

	for (i = 0; i < REASM_SLOTS; i++) {
		if (!r->slot[i].used || now - r->slot[i].born < REASM_TIMEOUT)
			continue;
		reasm_drop(r, &r->slot[i]);
		r->stats.timeout++;
		n++;
	}
	return n;
}

/* The slot of the packet a fragment belongs to, or NULL. */
static struct reasm_slot *
reasm_find(struct reasm *r, const struct ip_pkt *ip, const struct ip_frag *f)
{
	struct reasm_slot	*s;
	unsigned int		 i;

	for (i = 0; i < REASM_SLOTS; i++) {
		s = &r->slot[i];
		if (s->used && s->id == f->id && s->proto == f->proto &&
		    addr_equal(&s->src, &ip->src) &&
		    addr_equal(&s->dst, &ip->dst))
			return s;
	}
	return NULL;
}

/* A free slot for a new packet, evicting the oldest if none is free. */
static struct reasm_slot *
reasm_claim(struct reasm *r, const struct ip_pkt *ip, const struct ip_frag *f,
    uint64_t now)
{
	struct reasm_slot	*s, *old = NULL;
	unsigned int		 i;

	for (i = 0; i < REASM_SLOTS; i++) {
		s = &r->slot[i];
		if (!s->used)
			break;
		if (old == NULL || s->born < old->born)
			old = s;
	}
	if (i == REASM_SLOTS) {
		reasm_drop(r, old);
		r->stats.evicted++;
		s = old;
	}
	s->used = 1;
	s->born = now;
	s->src = ip->src;
	s->dst = ip->dst;
	s->id = f->id;
	s->proto = f->proto;
	s->tos = ip->tos;
	s->total = s->maxend = s->have = s->nfrags = 0;
	memset(s->cover, 0, sizeof(s->cover));
	memset(s->start, 0, sizeof(s->start));
	memset(s->end, 0, sizeof(s->end));
	return s;
}

/* Does [a, b) contradict where the packet ends? */
static int
reasm_inconsistent(const struct reasm_slot *s, const struct ip_frag *f,
    uint32_t b)
{
	if (f->len == 0 || f->offset % 8 != 0)
		return 1;
	if (f->more)
		return f->len % 8 != 0 || (s->total != 0 && b > s->total);
	return (s->total != 0 && b != s->total) || b < s->maxend;
}

/*
 * Where the blocks first..last stand: 0 all free, 1 an exact duplicate of
 * a held fragment, -1 an overlap.
 */
static int
reasm_overlap(const struct reasm_slot *s, uint32_t first, uint32_t last)
{
	uint32_t	i, covered = 0;

	for (i = first; i <= last; i++)
		covered += (uint32_t)reasm_bit(s->cover, i);
	if (covered == 0)
		return 0;
	if (covered != last - first + 1 || !reasm_bit(s->start, first) ||
	    !reasm_bit(s->end, last))
		return -1;
	for (i = first + 1; i <= last; i++)
		if (reasm_bit(s->start, i))
			return -1;
	return 1;
}

/* Copy a checked fragment into its slot and mark its blocks. */
static void
reasm_store(struct reasm_slot *s, const struct ip_frag *f, uint32_t first,
    uint32_t last)
{
	uint32_t	i, b = f->offset + (uint32_t)f->len;

	memcpy(s->data + f->offset, f->data, f->len);
	for (i = first; i <= last; i++)
		reasm_setbit(s->cover, i);
	reasm_setbit(s->start, first);
	reasm_setbit(s->end, last);
	s->have += (uint32_t)f->len;
	s->nfrags++;
	if (b > s->maxend)
		s->maxend = b;
	if (!f->more)
		s->total = b;
}

/* Hand out a complete packet and free its slot (the data stays). */
static int
reasm_done(struct reasm *r, struct reasm_slot *s, struct reasm_out *out)
{
	out->src = s->src;
	out->dst = s->dst;
	out->tos = s->tos;
	out->proto = s->proto;
	out->data = s->data;
	out->len = s->total;
	s->used = 0;
	r->stats.done++;
	return REASM_DONE;
}

/* Add a fragment; see reasm.h. */
int
reasm_add(struct reasm *r, const struct ip_pkt *ip, const struct ip_frag *f,
    uint64_t now, struct reasm_out *out)
{
	struct reasm_slot	*s;
	uint32_t		 b, first, last;
	int			 o;

	r->stats.fragments++;
	(void)reasm_expire(r, now);
	s = reasm_find(r, ip, f);
	if (f->offset > REASM_MAXLEN ||
	    f->len > REASM_MAXLEN - (size_t)f->offset) {
		r->stats.too_long++;
		r->stats.frags_lost++;
		if (s != NULL)
			reasm_drop(r, s);
		return REASM_DROPPED;
	}
	if (s == NULL)
		s = reasm_claim(r, ip, f, now);
	b = f->offset + (uint32_t)f->len;
	first = f->offset / 8;
	last = b > 0 ? (b - 1) / 8 : 0;
	if (!reasm_inconsistent(s, f, b) &&
	    (o = reasm_overlap(s, first, last)) >= 0) {
		if (o == 1) {
			r->stats.duplicate++;
			return REASM_DROPPED;
		}
		reasm_store(s, f, first, last);
		if (s->total != 0 && s->have == s->total)
			return reasm_done(r, s, out);
		return REASM_HELD;
	}
	r->stats.overlap++;
	r->stats.frags_lost++;
	reasm_drop(r, s);
	return REASM_DROPPED;
}
