/*
 * table: the association table - entries in chunks allocated as the table
 * grows, with a free list; three hash indexes (local tag, peer tag, peer
 * address) and two LRU lists (embryonic, and established or closing) for
 * expiry and eviction.
 *
 * Who owns what:
 *  - Entries (struct table_entry: the assoc, then room for two transports)
 *    live in chunks of TABLE_CHUNK; chunk c holds slots c * TABLE_CHUNK on.
 *    Slots are handed out from the free list first, then from the high-water
 *    mark, which allocates a chunk when it enters one: memory follows the
 *    peak number of entries, never the limits.  Chunks stay until
 *    table_free() (a drained table keeps its peak's chunks for reuse).
 *  - An entry's transports are in its own room while there are at most two;
 *    a third moves them to a block of four, a fifth to a block of eight,
 *    from two pools that also keep their blocks until table_free().  The
 *    block goes back to its pool when the entry is freed.  Every transport
 *    store starts with a header naming its entry, which is how a transport
 *    finds its association (its num says where t[] starts).
 *  - The indexes are linear hashing tables of uint32 bucket heads in
 *    segments of TABLE_SEG: an insert that takes the load past 3/4 splits
 *    the next bucket or two in turn, so chains stay short at any size and
 *    growth never pauses for a rehash.  They do not shrink.
 *
 * Links between entries are slot numbers (chunk table, then slot: no
 * pointer chasing); slot 0 is never used, so 0 is the end of every chain
 * and list.  The address index links transports, each named by
 * slot * ASSOC_MAX_TRANSPORTS + transport number (never 0 since slot 0 is
 * unused), so moving an entry's transports leaves its links valid.  Hashes
 * are SipHash-1-3 keyed from getrandom(), so a peer choosing ports, tags or
 * addresses cannot force long chains.
 *
 * When several entries match a lookup (a restart, or a tag reused on the
 * same ports), the established or closing entry wins over an embryonic one,
 * then the most recent last_active, then the newest id.
 *
 * Allocation happens only when the table reaches a size it never had; it
 * fails as a full table, never a crash.  Nothing is logged.
 */
#include <sys/random.h>
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "table.h"

/* Above this many slots, slot * ASSOC_MAX_TRANSPORTS could overflow. */
#define TABLE_MAX_SLOTS		(1U << 28)

/* Entries per chunk: 1024 x 208 bytes. */
#define TABLE_CHUNK_SHIFT	10
#define TABLE_CHUNK		(1U << TABLE_CHUNK_SHIFT)
#define TABLE_CHUNK_MASK	(TABLE_CHUNK - 1)

/* Bucket heads per index segment: one 4 KB page. */
#define TABLE_SEG_SHIFT		10
#define TABLE_SEG		(1U << TABLE_SEG_SHIFT)
#define TABLE_SEG_MASK		(TABLE_SEG - 1)

/*
 * The most elements per bucket an index keeps on average: a hit reads
 * about 1 + load / 2 entries, a miss (INIT, out of the blue, a flood of
 * random tags) about load; each bucket costs 4 bytes.
 */
#define TABLE_LOAD_NUM		3
#define TABLE_LOAD_DEN		4

/* Most associations have one or two paths: room for two in the entry. */
#define TABLE_INLINE_TRANSPORTS	2
/* Blocks per allocation of a transport pool. */
#define TABLE_POOL_BLOCKS	64
#define TABLE_POOL_NONE		0xff
#define TABLE_NPOOLS		2
static const uint8_t table_pool_caps[TABLE_NPOOLS] = { 4,
    ASSOC_MAX_TRANSPORTS };

enum table_which {
	TABLE_BY_LTAG,
	TABLE_BY_PTAG,
	TABLE_BY_ADDR,
	TABLE_NINDEXES
};

/* What precedes t[0] of every transport store. */
struct table_thdr {
	uint32_t	slot;		/* the entry it belongs to */
	uint8_t		cap;		/* transports it holds */
	uint8_t		pool;		/* TABLE_POOL_NONE: the entry's own */
	uint16_t	pad;
};

struct table_entry {
	struct assoc		a;	/* first: an assoc is its entry */
	struct table_thdr	h;
	struct transport	t[TABLE_INLINE_TRANSPORTS];
};

/* A store's transports start right after its header, in either kind. */
_Static_assert(offsetof(struct table_entry, t) ==
    offsetof(struct table_entry, h) + sizeof(struct table_thdr),
    "entry transports must follow their header");

/* A pool block while it is free. */
struct table_fblock {
	struct table_thdr	 h;
	struct table_fblock	*next;
};

struct table_pool {
	struct table_fblock	*free;
	void			*chunks;	/* linked through their first
						   word */
	uint8_t			 cap;
};

/* Linear hashing: buckets below split use one more bit of the hash. */
struct table_index {
	uint32_t	**seg;		/* TABLE_SEG heads each */
	uint32_t	  nseg;		/* room in seg[] */
	uint32_t	  mask;		/* 2^level - 1 */
	uint32_t	  split;	/* next bucket to split */
	uint32_t	  count;	/* elements linked */
	uint32_t	  max_buckets;
};

struct table_lru {
	uint32_t	cold;		/* least recently active */
	uint32_t	hot;		/* most recently active */
};

struct table {
	struct table_entry **chunk;	/* nchunks, allocated as needed */
	uint32_t	 nchunks;
	uint32_t	 nslots;	/* slot 0 unused */
	uint32_t	 hwm;		/* slots below it were handed out */
	uint32_t	 max_assocs;
	uint32_t	 max_embryonic;
	uint32_t	 free_head;	/* chained through lru_next */
	struct table_index ix[TABLE_NINDEXES];
	struct table_pool pool[TABLE_NPOOLS];
	size_t		 mem;		/* bytes allocated */
	uint64_t	 key[2];	/* SipHash key */
	uint32_t	 now;
	uint32_t	 next_id;
	uint32_t	 count[ASSOC_CLOSING + 1];
	struct table_lru lru_embryonic;
	struct table_lru lru_active;	/* established and closing */
	struct table_stats stats;
	table_hook_fn	 hook;
	void		*hook_arg;
	uint64_t	 generation;	/* bumped by structural changes */
};

static void	table_drop(struct table *, uint32_t);

/* Tell the owner, if it listens. */
static inline void
table_event(struct table *t, enum table_event ev, struct assoc *a,
    struct transport *tr, uint16_t old_port)
{
	if (t->hook != NULL)
		t->hook(ev, a, tr, old_port, t->hook_arg);
}

/* Slot i's entry; the caller knows its chunk exists (i < hwm). */
static inline struct table_entry *
table_entry_at(const struct table *t, uint32_t i)
{
	return (&t->chunk[i >> TABLE_CHUNK_SHIFT][i & TABLE_CHUNK_MASK]);
}

/* Slot i's association. */
static inline struct assoc *
table_assoc_at(const struct table *t, uint32_t i)
{
	return (&table_entry_at(t, i)->a);
}

/* The header of the store whose first transport is t0. */
static inline struct table_thdr *
table_thdr_of(const struct transport *t0)
{
	return ((struct table_thdr *)(uintptr_t)((const char *)t0 -
	    sizeof(struct table_thdr)));
}

/* The first transport of a store. */
static inline struct transport *
table_thdr_transports(struct table_thdr *h)
{
	return ((struct transport *)(void *)(h + 1));
}

/* Slot number of an entry: its own store's header keeps it. */
static inline uint32_t
table_slot(const struct table *t, const struct assoc *a)
{
	return (((const struct table_entry *)(const void *)a)->h.slot);
}

#define TABLE_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipHash round. */
static inline void
table_sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = TABLE_ROTL(v[1], 13); v[1] ^= v[0];
	v[0] = TABLE_ROTL(v[0], 32);
	v[2] += v[3]; v[3] = TABLE_ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = TABLE_ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = TABLE_ROTL(v[1], 17); v[1] ^= v[2];
	v[2] = TABLE_ROTL(v[2], 32);
}

/* SipHash-1-3 of n words: keyed, so collisions cannot be chosen blind. */
static uint32_t
table_siphash(const struct table *t, const uint64_t *m, size_t n)
{
	uint64_t	v[4], b;
	size_t		i;

	v[0] = 0x736f6d6570736575ULL ^ t->key[0];
	v[1] = 0x646f72616e646f6dULL ^ t->key[1];
	v[2] = 0x6c7967656e657261ULL ^ t->key[0];
	v[3] = 0x7465646279746573ULL ^ t->key[1];
	for (i = 0; i < n; i++) {
		v[3] ^= m[i];
		table_sipround(v);
		v[0] ^= m[i];
	}
	b = (uint64_t)(n * 8) << 56;
	v[3] ^= b;
	table_sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	table_sipround(v);
	table_sipround(v);
	table_sipround(v);
	b = v[0] ^ v[1] ^ v[2] ^ v[3];
	return ((uint32_t)(b ^ (b >> 32)));
}

/* Hash of (lport, pport, tag); the index takes as many bits as it needs. */
static uint32_t
table_tag_hash(const struct table *t, uint16_t lport, uint16_t pport,
    uint32_t tag)
{
	uint64_t	m;

	m = (uint64_t)lport | (uint64_t)pport << 16 | (uint64_t)tag << 32;
	return (table_siphash(t, &m, 1));
}

/* Hash of (lport, pport, addr); bytes past the address are zero. */
static uint32_t
table_addr_hash(const struct table *t, uint16_t lport, uint16_t pport,
    const struct ipaddr *addr)
{
	uint64_t	m[3];

	m[0] = (uint64_t)lport | (uint64_t)pport << 16 |
	    (uint64_t)addr->family << 32;
	memcpy(m + 1, addr->u.bytes, sizeof(addr->u.bytes));
	return (table_siphash(t, m, 3));
}

/*
 * Addresses are equal when their bytes are: struct ipaddr zeroes what its
 * family does not use.  Local rather than addr_equal() so the table links
 * alone into its unit test.
 */
static int
table_addr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return (memcmp(a, b, sizeof(*a)) == 0);
}

/* Fill the hash key, falling back to weak entropy if getrandom fails. */
static void
table_seed(struct table *t)
{
	struct timespec	ts;
	ssize_t		n;

	do
		n = getrandom(t->key, sizeof(t->key), 0);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof(t->key))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	t->key[0] ^= (uint64_t)ts.tv_sec * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)ts.tv_nsec;
	t->key[1] ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)t;
}

/* calloc that counts what the table holds. */
static void *
table_calloc(struct table *t, size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) != NULL)
		t->mem += n * size;
	return (p);
}

/* ---- Indexes: linear hashing over segments of bucket heads. -------- */

/* The element after x in its chain. */
static uint32_t *
table_next_of(const struct table *t, enum table_which which, uint32_t x)
{
	struct assoc	*a;

	if (which == TABLE_BY_ADDR) {
		a = table_assoc_at(t, x / ASSOC_MAX_TRANSPORTS);
		return (&a->t[x % ASSOC_MAX_TRANSPORTS].hnext);
	}
	a = table_assoc_at(t, x);
	return (which == TABLE_BY_LTAG ? &a->lnext : &a->pnext);
}

/* The full hash of element x under its current key. */
static uint32_t
table_hash_of(const struct table *t, enum table_which which, uint32_t x)
{
	struct assoc	*a;

	if (which == TABLE_BY_ADDR) {
		a = table_assoc_at(t, x / ASSOC_MAX_TRANSPORTS);
		return (table_addr_hash(t, a->lport, a->pport,
		    &a->t[x % ASSOC_MAX_TRANSPORTS].addr));
	}
	a = table_assoc_at(t, x);
	return (table_tag_hash(t, a->lport, a->pport,
	    which == TABLE_BY_LTAG ? a->ltag : a->ptag));
}

/* The head of the bucket hash h falls in. */
static inline uint32_t *
table_index_head(const struct table_index *ix, uint32_t h)
{
	uint32_t	b = h & ix->mask;

	if (b < ix->split)
		b = h & (ix->mask << 1 | 1);
	return (&ix->seg[b >> TABLE_SEG_SHIFT][b & TABLE_SEG_MASK]);
}

/* Make sure bucket b has a segment; -1 if memory is short. */
static int
table_index_room(struct table *t, struct table_index *ix, uint32_t b)
{
	uint32_t	**seg, s = b >> TABLE_SEG_SHIFT, n;

	if (s >= ix->nseg) {
		n = ix->nseg * 2 > s ? ix->nseg * 2 : s + 1;
		if ((seg = realloc(ix->seg, n * sizeof(*seg))) == NULL)
			return (-1);
		memset(seg + ix->nseg, 0, (n - ix->nseg) * sizeof(*seg));
		t->mem += (n - ix->nseg) * sizeof(*seg);
		ix->seg = seg;
		ix->nseg = n;
	}
	if (ix->seg[s] == NULL &&
	    (ix->seg[s] = table_calloc(t, TABLE_SEG, sizeof(uint32_t))) ==
	    NULL)
		return (-1);
	return (0);
}

/* Set an index up empty; max_elements bounds how far it will grow. */
static int
table_index_init(struct table *t, struct table_index *ix,
    uint64_t max_elements)
{
	uint64_t	b = 1;

	while (b < max_elements && b < (1ULL << 31))
		b <<= 1;
	ix->max_buckets = (uint32_t)b;
	ix->mask = (b < TABLE_SEG ? (uint32_t)b : TABLE_SEG) - 1;
	return (table_index_room(t, ix, 0));
}

/*
 * Split the next bucket in turn into itself and its image one level up.
 * Without memory for the new segment nothing changes: chains just stay
 * longer until the next try.
 */
static int
table_index_split(struct table *t, enum table_which which)
{
	struct table_index	*ix = &t->ix[which];
	uint32_t		*p, *to, *next, x, hi = ix->mask << 1 | 1;
	uint32_t		 nb = ix->mask + 1 + ix->split;

	if (nb >= ix->max_buckets || table_index_room(t, ix, nb) == -1)
		return (-1);
	p = &ix->seg[ix->split >> TABLE_SEG_SHIFT][ix->split &
	    TABLE_SEG_MASK];
	to = &ix->seg[nb >> TABLE_SEG_SHIFT][nb & TABLE_SEG_MASK];
	while ((x = *p) != 0) {
		next = table_next_of(t, which, x);
		if ((table_hash_of(t, which, x) & hi) == ix->split) {
			p = next;
			continue;
		}
		*p = *next;
		*next = *to;
		*to = x;
	}
	if (++ix->split == ix->mask + 1) {
		ix->mask = hi;
		ix->split = 0;
	}
	return (0);
}

/* Link element x; the index grows by a bucket or two if it is due. */
static void
table_index_link(struct table *t, enum table_which which, uint32_t x)
{
	struct table_index	*ix = &t->ix[which];
	uint32_t		*head;

	head = table_index_head(ix, table_hash_of(t, which, x));
	*table_next_of(t, which, x) = *head;
	*head = x;
	ix->count++;
	while ((uint64_t)ix->count * TABLE_LOAD_DEN > (uint64_t)(ix->mask +
	    1 + ix->split) * TABLE_LOAD_NUM && table_index_split(t, which) == 0)
		continue;
}

/* Unlink element x from the chain its key puts it in. */
static void
table_index_unlink(struct table *t, enum table_which which, uint32_t x)
{
	struct table_index	*ix = &t->ix[which];
	uint32_t		*p, *next;

	p = table_index_head(ix, table_hash_of(t, which, x));
	while (*p != 0) {
		next = table_next_of(t, which, *p);
		if (*p == x) {
			*p = *next;
			*next = 0;
			ix->count--;
			return;
		}
		p = next;
	}
}

/* Release an index's memory. */
static void
table_index_free(struct table_index *ix)
{
	uint32_t	s;

	for (s = 0; s < ix->nseg; s++)
		free(ix->seg[s]);
	free(ix->seg);
}

/* ---- Transport stores: the entry's own room, or a pool block. ------- */

/* A free block of pool p, allocating more blocks if none is left. */
static struct table_thdr *
table_pool_get(struct table *t, uint8_t p)
{
	struct table_pool	*pl = &t->pool[p];
	struct table_fblock	*fb;
	size_t			 bsize, i;
	char			*c;

	bsize = sizeof(struct table_thdr) + pl->cap * sizeof(struct transport);
	if (pl->free == NULL) {
		if ((c = malloc(sizeof(void *) + TABLE_POOL_BLOCKS * bsize)) ==
		    NULL)
			return (NULL);
		t->mem += sizeof(void *) + TABLE_POOL_BLOCKS * bsize;
		*(void **)(void *)c = pl->chunks;
		pl->chunks = c;
		for (i = 0; i < TABLE_POOL_BLOCKS; i++) {
			fb = (struct table_fblock *)(void *)(c +
			    sizeof(void *) + i * bsize);
			fb->next = pl->free;
			pl->free = fb;
		}
	}
	fb = pl->free;
	pl->free = fb->next;
	fb->h.cap = pl->cap;
	fb->h.pool = p;
	return (&fb->h);
}

/* Give a store back: a pool block to its pool, the entry's own stays. */
static void
table_store_release(struct table *t, struct table_thdr *h)
{
	struct table_fblock	*fb = (struct table_fblock *)(void *)h;

	if (h->pool == TABLE_POOL_NONE)
		return;
	fb->next = t->pool[h->pool].free;
	t->pool[h->pool].free = fb;
}

/* Room for want transports in a's store, moving them if needed. */
static int
table_store_reserve(struct table *t, struct assoc *a, unsigned int want)
{
	struct table_thdr	*old = table_thdr_of(a->t), *h;
	uint8_t			 p;

	if (want <= old->cap)
		return (0);
	for (p = 0; p < TABLE_NPOOLS && t->pool[p].cap < want; p++)
		continue;
	if (p == TABLE_NPOOLS || (h = table_pool_get(t, p)) == NULL)
		return (-1);
	h->slot = old->slot;
	memcpy(table_thdr_transports(h), a->t,
	    a->ntransports * sizeof(*a->t));
	table_store_release(t, old);
	a->t = table_thdr_transports(h);
	return (0);
}

/* Release the pools' memory. */
static void
table_pool_free(struct table_pool *pl)
{
	void	*c, *next;

	for (c = pl->chunks; c != NULL; c = next) {
		next = *(void **)c;
		free(c);
	}
}

/* ---- Entries. ------------------------------------------------------ */

/* Make sure slot i has its chunk; -1 if memory is short. */
static int
table_chunk_room(struct table *t, uint32_t i)
{
	uint32_t	c = i >> TABLE_CHUNK_SHIFT, n;

	if (t->chunk[c] != NULL)
		return (0);
	n = t->nslots - c * TABLE_CHUNK;
	if (n > TABLE_CHUNK)
		n = TABLE_CHUNK;
	t->chunk[c] = table_calloc(t, n, sizeof(struct table_entry));
	return (t->chunk[c] == NULL ? -1 : 0);
}

/* An empty entry for slot i: no transports, in its own room. */
static void
table_entry_reset(struct table *t, uint32_t i)
{
	struct table_entry	*e = table_entry_at(t, i);

	if (e->a.t != NULL)
		table_store_release(t, table_thdr_of(e->a.t));
	memset(&e->a, 0, sizeof(e->a));
	memset(e->t, 0, sizeof(e->t));
	e->h.slot = i;
	e->h.cap = TABLE_INLINE_TRANSPORTS;
	e->h.pool = TABLE_POOL_NONE;
	e->a.t = e->t;
}

/*
 * A free slot, its entry empty: a freed one first, else a new one past the
 * high-water mark.  0 if the table is at its size or memory is short.
 */
static uint32_t
table_take(struct table *t)
{
	uint32_t	i;

	if ((i = t->free_head) != 0) {
		t->free_head = table_assoc_at(t, i)->lru_next;
		table_assoc_at(t, i)->lru_next = 0;
		return (i);
	}
	if (t->hwm >= t->nslots || table_chunk_room(t, t->hwm) == -1)
		return (0);
	i = t->hwm++;
	table_entry_reset(t, i);
	return (i);
}

/* Empty slot i and put it on the free list. */
static void
table_give(struct table *t, uint32_t i)
{
	table_entry_reset(t, i);
	table_assoc_at(t, i)->lru_next = t->free_head;
	t->free_head = i;
}

/* Allocate the fixed part; entries, blocks and buckets come later. */
struct table *
table_create(uint32_t max_assocs, uint32_t max_embryonic)
{
	struct table	*t;
	uint64_t	 slots;
	int		 k;

	slots = (uint64_t)max_assocs + max_embryonic + 1;
	if (max_assocs < 1 || max_embryonic < 1 || slots > TABLE_MAX_SLOTS) {
		errno = EINVAL;
		return (NULL);
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->mem = sizeof(*t);
	t->nslots = (uint32_t)slots;
	t->hwm = 1;
	t->max_assocs = max_assocs;
	t->max_embryonic = max_embryonic;
	t->nchunks = (t->nslots + TABLE_CHUNK - 1) >> TABLE_CHUNK_SHIFT;
	for (k = 0; k < TABLE_NPOOLS; k++)
		t->pool[k].cap = table_pool_caps[k];
	/* Tags: one per entry.  Addresses: the index may grow to a bucket
	   per transport of a full table. */
	if ((t->chunk = table_calloc(t, t->nchunks, sizeof(*t->chunk))) ==
	    NULL ||
	    table_index_init(t, &t->ix[TABLE_BY_LTAG], slots) == -1 ||
	    table_index_init(t, &t->ix[TABLE_BY_PTAG], slots) == -1 ||
	    table_index_init(t, &t->ix[TABLE_BY_ADDR],
	    slots * ASSOC_MAX_TRANSPORTS) == -1) {
		table_free(t);
		return (NULL);
	}
	t->next_id = 1;
	table_seed(t);
	return (t);
}

/* Release the table; NULL is allowed. */
void
table_free(struct table *t)
{
	uint32_t	c;
	int		k;

	if (t == NULL)
		return;
	for (c = 0; t->chunk != NULL && c < t->nchunks; c++)
		free(t->chunk[c]);
	free(t->chunk);
	for (k = 0; k < TABLE_NINDEXES; k++)
		table_index_free(&t->ix[k]);
	for (k = 0; k < TABLE_NPOOLS; k++)
		table_pool_free(&t->pool[k]);
	free(t);
}
/* Advance the clock that last_active and the timeouts are measured by. */
void
table_set_clock(struct table *t, uint32_t now)
{
	t->now = now;
}

/* The current table clock. */
uint32_t
table_clock(const struct table *t)
{
	return (t->now);
}

/* Live entries in a state; for ASSOC_FREE, the free slots. */
uint32_t
table_count(const struct table *t, enum assoc_state state)
{
	if (state == ASSOC_FREE)
		return (t->nslots - 1 - t->count[ASSOC_EMBRYONIC] -
		    t->count[ASSOC_ESTABLISHED] - t->count[ASSOC_CLOSING]);
	if (state > ASSOC_CLOSING)
		return (0);
	return (t->count[state]);
}

/* The established + closing limit. */
uint32_t
table_max_assocs(const struct table *t)
{
	return (t->max_assocs);
}

/* The embryonic limit. */
uint32_t
table_max_embryonic(const struct table *t)
{
	return (t->max_embryonic);
}

/* Counters since creation. */
const struct table_stats *
table_stats(const struct table *t)
{
	return (&t->stats);
}

/* Bytes allocated; see table.h. */
size_t
table_memory(const struct table *t)
{
	return (t->mem);
}

/* The LRU list an entry in its current state belongs to. */
static struct table_lru *
table_lru_of(struct table *t, const struct assoc *a)
{
	if (a->state == ASSOC_EMBRYONIC)
		return (&t->lru_embryonic);
	return (&t->lru_active);
}

/* Take slot i out of its LRU list. */
static void
table_lru_unlink(struct table *t, struct table_lru *l, uint32_t i)
{
	struct assoc	*a = table_assoc_at(t, i);

	if (a->lru_prev != 0)
		table_assoc_at(t, a->lru_prev)->lru_next = a->lru_next;
	else
		l->cold = a->lru_next;
	if (a->lru_next != 0)
		table_assoc_at(t, a->lru_next)->lru_prev = a->lru_prev;
	else
		l->hot = a->lru_prev;
	a->lru_prev = a->lru_next = 0;
}

/*
 * Put slot i at the hot end, active now.  Setting last_active here keeps
 * each list sorted by it, which is what lets expiry stop early.
 */
static void
table_lru_append(struct table *t, struct table_lru *l, uint32_t i)
{
	struct assoc	*a = table_assoc_at(t, i);

	a->last_active = t->now;
	a->lru_next = 0;
	a->lru_prev = l->hot;
	if (l->hot != 0)
		table_assoc_at(t, l->hot)->lru_next = i;
	else
		l->cold = i;
	l->hot = i;
}

/* The tag an index is keyed by. */
static uint32_t
table_tag_of(const struct assoc *a, enum table_which which)
{
	return (which == TABLE_BY_LTAG ? a->ltag : a->ptag);
}

/* Add slot i to a tag index under its current tag (never tag 0). */
static void
table_tag_link(struct table *t, enum table_which which, uint32_t i)
{
	if (table_tag_of(table_assoc_at(t, i), which) != 0)
		table_index_link(t, which, i);
}

/* Remove slot i from a tag index, where its current tag put it. */
static void
table_tag_unlink(struct table *t, enum table_which which, uint32_t i)
{
	if (table_tag_of(table_assoc_at(t, i), which) != 0)
		table_index_unlink(t, which, i);
}

/* 1 if a should be returned rather than best (which may be NULL). */
static int
table_better(const struct assoc *a, const struct assoc *best)
{
	int	ra, rb;

	if (best == NULL)
		return (1);
	ra = a->state != ASSOC_EMBRYONIC;
	rb = best->state != ASSOC_EMBRYONIC;
	if (ra != rb)
		return (ra > rb);
	if (a->last_active != best->last_active)
		return (a->last_active > best->last_active);
	return (a->id > best->id);
}

/* Look up (lport, pport, tag) in one tag index. */
static struct assoc *
table_lookup_tag(struct table *t, enum table_which which, uint16_t lport,
    uint16_t pport, uint32_t tag)
{
	struct assoc	*a, *best = NULL;
	uint32_t	 i;

	if (tag == 0)
		return (NULL);
	i = *table_index_head(&t->ix[which], table_tag_hash(t, lport, pport,
	    tag));
	for (; i != 0; i = which == TABLE_BY_LTAG ? a->lnext : a->pnext) {
		a = table_assoc_at(t, i);
		if (a->lport == lport && a->pport == pport &&
		    table_tag_of(a, which) == tag && table_better(a, best))
			best = a;
	}
	return (best);
}

/* The entry whose local tag (the tag of packets from the peer) is ltag. */
struct assoc *
table_lookup_ltag(struct table *t, uint16_t lport, uint16_t pport,
    uint32_t ltag)
{
	return (table_lookup_tag(t, TABLE_BY_LTAG, lport, pport, ltag));
}

/* The entry whose peer tag (the tag of packets to the peer) is ptag. */
struct assoc *
table_lookup_ptag(struct table *t, uint16_t lport, uint16_t pport,
    uint32_t ptag)
{
	return (table_lookup_tag(t, TABLE_BY_PTAG, lport, pport, ptag));
}

/* The best association holding a transport to addr on these ports. */
struct assoc *
table_lookup_addr(struct table *t, uint16_t lport, uint16_t pport,
    const struct ipaddr *addr)
{
	struct assoc		*a, *best = NULL;
	struct transport	*tr;
	uint32_t		 link;

	link = *table_index_head(&t->ix[TABLE_BY_ADDR], table_addr_hash(t,
	    lport, pport, addr));
	for (; link != 0; link = tr->hnext) {
		a = table_assoc_at(t, link / ASSOC_MAX_TRANSPORTS);
		tr = &a->t[link % ASSOC_MAX_TRANSPORTS];
		if (a->lport == lport && a->pport == pport &&
		    table_addr_equal(&tr->addr, addr) && table_better(a, best))
			best = a;
	}
	return (best);
}

/* Add transport n of slot i to the address index. */
static void
table_addr_link(struct table *t, uint32_t i, uint32_t n)
{
	table_index_link(t, TABLE_BY_ADDR, i * ASSOC_MAX_TRANSPORTS + n);
}

/* Remove transport n of slot i from the address index. */
static void
table_addr_unlink(struct table *t, uint32_t i, uint32_t n)
{
	table_index_unlink(t, TABLE_BY_ADDR, i * ASSOC_MAX_TRANSPORTS + n);
}

/* Evict the least recently active embryonic entry, if there is one. */
static void
table_evict_embryonic(struct table *t)
{
	uint32_t	i = t->lru_embryonic.cold;

	if (i == 0)
		return;
	table_event(t, TABLE_EV_EVICTED, table_assoc_at(t, i), NULL, 0);
	table_drop(t, i);
	t->stats.evicted_embryonic++;
}

/* Make a new embryonic entry, evicting the oldest one at the limit. */
struct assoc *
table_new(struct table *t, uint16_t lport, uint16_t pport, uint16_t peer_id,
    int local_initiated)
{
	struct assoc	*a;
	uint32_t	 i;

	if (t->count[ASSOC_EMBRYONIC] >= t->max_embryonic)
		table_evict_embryonic(t);
	if ((i = table_take(t)) == 0) {
		t->stats.full++;
		return (NULL);
	}
	a = table_assoc_at(t, i);
	a->lport = lport;
	a->pport = pport;
	a->peer_id = peer_id;
	a->local_initiated = local_initiated != 0;
	a->state = ASSOC_EMBRYONIC;
	a->created = t->now;
	a->id = t->next_id++;
	if (t->next_id == 0)
		t->next_id = 1;
	t->generation++;
	table_lru_append(t, &t->lru_embryonic, i);
	t->count[ASSOC_EMBRYONIC]++;
	t->stats.created++;
	return (a);
}

/* Change the local tag, moving the entry to its new chain. */
void
table_set_ltag(struct table *t, struct assoc *a, uint32_t ltag)
{
	uint32_t	i = table_slot(t, a);

	if (a->state == ASSOC_FREE || a->ltag == ltag)
		return;
	table_tag_unlink(t, TABLE_BY_LTAG, i);
	t->generation++;
	a->ltag = ltag;
	table_tag_link(t, TABLE_BY_LTAG, i);
	if (a->state == ASSOC_ESTABLISHED || a->state == ASSOC_CLOSING)
		table_event(t, TABLE_EV_RETAGGED, a, NULL, 0);
}

/* Change the peer tag, moving the entry to its new chain. */
void
table_set_ptag(struct table *t, struct assoc *a, uint32_t ptag)
{
	uint32_t	i = table_slot(t, a);

	if (a->state == ASSOC_FREE || a->ptag == ptag)
		return;
	table_tag_unlink(t, TABLE_BY_PTAG, i);
	t->generation++;
	a->ptag = ptag;
	table_tag_link(t, TABLE_BY_PTAG, i);
	if (a->state == ASSOC_ESTABLISHED || a->state == ASSOC_CLOSING)
		table_event(t, TABLE_EV_RETAGGED, a, NULL, 0);
}

/*
 * Move an entry to another state, switching LRU lists when it enters or
 * leaves the embryonic state.  The caller has checked the limits.
 */
static void
table_move(struct table *t, struct assoc *a, enum assoc_state state)
{
	uint32_t	i = table_slot(t, a);
	int		relist;

	relist = (a->state == ASSOC_EMBRYONIC) != (state == ASSOC_EMBRYONIC);
	if (relist)
		table_lru_unlink(t, table_lru_of(t, a), i);
	t->count[a->state]--;
	a->state = state;
	t->count[a->state]++;
	t->generation++;
	if (relist)
		table_lru_append(t, table_lru_of(t, a), i);
}

/* Embryonic -> established, unless the established limit is reached. */
int
table_establish(struct table *t, struct assoc *a)
{
	if (a->state == ASSOC_FREE)
		return (-1);
	if (a->state != ASSOC_EMBRYONIC)
		return (0);
	if (t->count[ASSOC_ESTABLISHED] + t->count[ASSOC_CLOSING] >=
	    t->max_assocs) {
		t->stats.full++;
		return (-1);
	}
	table_move(t, a, ASSOC_ESTABLISHED);
	t->stats.established++;
	table_event(t, TABLE_EV_ESTABLISHED, a, NULL, 0);
	return (0);
}

/*
 * Set any live state.  Leaving the embryonic state goes through the
 * established limit (the entry stays embryonic when full); entering it
 * evicts the oldest embryonic entry at the embryonic limit.  ASSOC_FREE and
 * unknown states are ignored: table_remove() frees entries.
 */
void
table_set_state(struct table *t, struct assoc *a, enum assoc_state state)
{
	if (a->state == ASSOC_FREE || state == a->state ||
	    state == ASSOC_FREE || state > ASSOC_CLOSING)
		return;
	if (a->state == ASSOC_EMBRYONIC) {
		if (table_establish(t, a) == 0)
			table_move(t, a, state);
		return;
	}
	if (state == ASSOC_EMBRYONIC &&
	    t->count[ASSOC_EMBRYONIC] >= t->max_embryonic)
		table_evict_embryonic(t);
	table_move(t, a, state);
}

/* Note activity now. */
void
table_touch(struct table *t, struct assoc *a)
{
	struct table_lru	*l;
	uint32_t		 i = table_slot(t, a);

	if (a->state == ASSOC_FREE)
		return;
	l = table_lru_of(t, a);
	table_lru_unlink(t, l, i);
	table_lru_append(t, l, i);
}

/*
 * Unlink slot i from every index and list and return it to the free list,
 * its transport block to its pool.
 */
static void
table_drop(struct table *t, uint32_t i)
{
	struct assoc	*a = table_assoc_at(t, i);
	uint32_t	 n;

	table_tag_unlink(t, TABLE_BY_LTAG, i);
	table_tag_unlink(t, TABLE_BY_PTAG, i);
	for (n = 0; n < a->ntransports; n++)
		table_addr_unlink(t, i, n);
	table_lru_unlink(t, table_lru_of(t, a), i);
	t->count[a->state]--;
	t->generation++;
	table_give(t, i);
}

/* Remove an entry (ABORT or SHUTDOWN-COMPLETE seen); a free one is left. */
void
table_remove(struct table *t, struct assoc *a)
{
	if (a->state == ASSOC_FREE)
		return;
	table_event(t, TABLE_EV_REMOVED, a, NULL, 0);
	table_drop(t, table_slot(t, a));
	t->stats.removed++;
}

/* The number of the transport of a for addr, or -1. */
static int
table_transport_find(const struct assoc *a, const struct ipaddr *addr)
{
	int	n;

	for (n = 0; n < a->ntransports && n < ASSOC_MAX_TRANSPORTS; n++)
		if (table_addr_equal(&a->t[n].addr, addr))
			return (n);
	return (-1);
}

/* Find, or with create add, the transport of a for addr. */
struct transport *
table_transport(struct table *t, struct assoc *a, const struct ipaddr *addr,
    int create)
{
	struct transport	*tr;
	int			 n;

	if ((n = table_transport_find(a, addr)) != -1)
		return (&a->t[n]);
	if (!create || a->state == ASSOC_FREE)
		return (NULL);
	if (a->ntransports >= ASSOC_MAX_TRANSPORTS ||
	    table_store_reserve(t, a, a->ntransports + 1U) == -1) {
		t->stats.transports_full++;
		return (NULL);
	}
	n = a->ntransports++;
	tr = &a->t[n];
	memset(tr, 0, sizeof(*tr));
	tr->addr = *addr;
	tr->num = (uint8_t)n;
	table_addr_link(t, table_slot(t, a), n);
	t->generation++;
	return (tr);
}

/*
 * The entry a transport belongs to, or NULL if it is not one in use: its
 * num leads to t[0], whose store's header names the entry.
 */
static struct assoc *
table_assoc_of(struct table *t, const struct transport *tr)
{
	const struct transport	*t0;
	struct table_thdr	*h;
	struct assoc		*a;

	if (tr->num >= ASSOC_MAX_TRANSPORTS)
		return (NULL);
	t0 = tr - tr->num;
	h = table_thdr_of(t0);
	if (h->slot == 0 || h->slot >= t->hwm)
		return (NULL);
	a = table_assoc_at(t, h->slot);
	if (a->t != t0 || tr->num >= a->ntransports)
		return (NULL);
	return (a);
}

/*
 * Record port as heard from a verified packet.  Port 0 is never stored: it
 * means "unknown", and RFC 6951 drops packets from UDP port 0.
 */
int
table_learn_port(struct table *t, struct transport *tr, uint16_t port)
{
	return (table_learn_path(t, tr, port, 0));
}

/* Record port, and the member it came through, from a verified packet. */
int
table_learn_path(struct table *t, struct transport *tr, uint16_t port,
    uint8_t via)
{
	struct assoc	*a;
	int		 ret = 0;

	uint16_t	 old = tr->port;

	if (port == 0)
		return (0);
	tr->last_seen = t->now;
	if (!(tr->flags & TRANSPORT_LEARNED)) {
		tr->flags |= TRANSPORT_LEARNED;
		t->stats.ports_learned++;
		ret = 1;
	} else if (tr->port != port || tr->via != via) {
		t->stats.ports_changed++;
		ret = 2;
	}
	if (ret == 0 && !(tr->flags & TRANSPORT_SILENT))
		return (0);
	if (ret != 0) {
		tr->port = port;
		tr->via = via;
		tr->learned_at = t->now;
		t->generation++;
	}
	if ((a = table_assoc_of(t, tr)) != NULL && a->port == 0)
		a->port = port;
	if (a != NULL && ret != 0)
		table_event(t, ret == 1 ? TABLE_EV_PORT_LEARNED :
		    TABLE_EV_PORT_CHANGED, a, tr, old);
	if (tr->flags & TRANSPORT_SILENT) {
		tr->flags &= ~TRANSPORT_SILENT;
		if (a != NULL)
			table_event(t, TABLE_EV_PATH_BACK, a, tr, 0);
	}
	return (ret);
}

/* The remote UDP port to send to addr on a. */
uint16_t
table_port_for(const struct assoc *a, const struct ipaddr *addr)
{
	int	n;

	if ((n = table_transport_find(a, addr)) != -1 && a->t[n].port != 0)
		return (a->t[n].port);
	return (a->port);
}

/* Drop from the cold end of l while entries are idle longer than timeout. */
static uint32_t
table_expire_list(struct table *t, struct table_lru *l, uint32_t timeout)
{
	uint32_t	i, n = 0;

	while ((i = l->cold) != 0) {
		if (t->now < table_assoc_at(t, i)->last_active ||
		    t->now - table_assoc_at(t, i)->last_active <= timeout)
			break;
		table_event(t, TABLE_EV_EXPIRED, table_assoc_at(t, i), NULL, 0);
		table_drop(t, i);
		n++;
	}
	return (n);
}

/* Expire idle entries; the lists are sorted, so this is O(expired). */
uint32_t
table_expire(struct table *t, uint32_t idle_timeout,
    uint32_t embryonic_timeout)
{
	uint32_t	ne, ni;

	ne = table_expire_list(t, &t->lru_embryonic, embryonic_timeout);
	ni = table_expire_list(t, &t->lru_active, idle_timeout);
	t->stats.expired_embryonic += ne;
	t->stats.expired_idle += ni;
	return (ne + ni);
}

/* Silence check of one association's learned transports. */
static uint32_t
table_paths_check_one(struct table *t, struct assoc *a, uint32_t silent_after)
{
	struct transport	*tr;
	uint32_t		 n = 0, k;

	for (k = 0; k < a->ntransports; k++) {
		tr = &a->t[k];
		if (!(tr->flags & TRANSPORT_LEARNED) ||
		    (tr->flags & TRANSPORT_SILENT) || t->now < tr->last_seen ||
		    t->now - tr->last_seen < silent_after)
			continue;
		tr->flags |= TRANSPORT_SILENT;
		table_event(t, TABLE_EV_PATH_SILENT, a, tr, 0);
		n++;
	}
	return (n);
}

/* Mark the transports gone silent; see table.h. */
uint32_t
table_paths_check(struct table *t, uint32_t silent_after)
{
	struct assoc	*a;
	uint32_t	 i, n = 0;

	for (i = 1; i < t->hwm; i++) {
		a = table_assoc_at(t, i);
		if (a->state == ASSOC_ESTABLISHED)
			n += table_paths_check_one(t, a, silent_after);
	}
	return (n);
}

/* Who hears the table's events. */
void
table_set_hook(struct table *t, table_hook_fn fn, void *arg)
{
	t->hook = fn;
	t->hook_arg = arg;
}

/* Call fn for each live entry. */
void
table_foreach(struct table *t, void (*fn)(struct assoc *, void *), void *arg)
{
	struct assoc	*a;
	uint32_t	 i;

	for (i = 1; i < t->hwm; i++) {
		a = table_assoc_at(t, i);
		if (a->state != ASSOC_FREE)
			fn(a, arg);
	}
}

/* A state's name for logs and sctptunctl. */
const char *
assoc_state_name(enum assoc_state state)
{
	switch (state) {
	case ASSOC_FREE:
		return ("free");
	case ASSOC_EMBRYONIC:
		return ("embryonic");
	case ASSOC_ESTABLISHED:
		return ("established");
	case ASSOC_CLOSING:
		return ("closing");
	}
	return ("unknown");
}

/*
 * Put slot i in l where its own last_active belongs, searching from the hot
 * end: restored entries come oldest first, so this is O(1) for them.
 */
static void
table_lru_insert_sorted(struct table *t, struct table_lru *l, uint32_t i)
{
	struct assoc	*a = table_assoc_at(t, i);
	uint32_t	 after = l->hot;

	while (after != 0 &&
	    table_assoc_at(t, after)->last_active > a->last_active)
		after = table_assoc_at(t, after)->lru_prev;
	a->lru_prev = after;
	if (after != 0) {
		a->lru_next = table_assoc_at(t, after)->lru_next;
		table_assoc_at(t, after)->lru_next = i;
	} else {
		a->lru_next = l->cold;
		l->cold = i;
	}
	if (a->lru_next != 0)
		table_assoc_at(t, a->lru_next)->lru_prev = i;
	else
		l->hot = i;
}

/* 1 if the table has room for a live entry in state. */
static int
table_has_room(const struct table *t, enum assoc_state state)
{
	if (t->free_head == 0 && t->hwm >= t->nslots)
		return (0);
	if (state == ASSOC_EMBRYONIC)
		return (t->count[ASSOC_EMBRYONIC] < t->max_embryonic);
	return (t->count[ASSOC_ESTABLISHED] + t->count[ASSOC_CLOSING] <
	    t->max_assocs);
}

/* Keep ids never given out twice: next_id goes past a restored one. */
static void
table_reserve_id(struct table *t, struct assoc *a)
{
	if (a->id == 0) {
		a->id = t->next_id++;
		if (t->next_id == 0)
			t->next_id = 1;
	} else if (a->id >= t->next_id) {
		t->next_id = a->id + 1 == 0 ? 1 : a->id + 1;
	}
}

/*
 * Copy src's transports into slot i's store (a deep copy: src->t is the
 * caller's); -1 if memory for them is short.
 */
static int
table_restore_transports(struct table *t, uint32_t i,
    const struct assoc *src)
{
	struct assoc	*a = table_assoc_at(t, i);
	uint32_t	 n;

	if (src->ntransports == 0)
		return (0);
	if (table_store_reserve(t, a, src->ntransports) == -1)
		return (-1);
	memcpy(a->t, src->t, src->ntransports * sizeof(*a->t));
	a->ntransports = src->ntransports;
	for (n = 0; n < a->ntransports; n++) {
		a->t[n].num = (uint8_t)n;
		a->t[n].hnext = 0;
		a->t[n].fp_slot = 0;
		a->t[n].via = 0;
		table_addr_link(t, i, n);
	}
	return (0);
}

/* Insert a whole entry saved by an earlier run; see table.h. */
struct assoc *
table_restore(struct table *t, const struct assoc *src)
{
	struct assoc		*a;
	struct transport	*own;
	uint32_t		 i;

	if (src->state < ASSOC_EMBRYONIC || src->state > ASSOC_CLOSING ||
	    src->ntransports > ASSOC_MAX_TRANSPORTS ||
	    (src->ntransports > 0 && src->t == NULL) ||
	    !table_has_room(t, src->state) || (i = table_take(t)) == 0)
		return (NULL);
	a = table_assoc_at(t, i);
	own = a->t;
	*a = *src;
	a->t = own;
	a->ntransports = 0;
	if (table_restore_transports(t, i, src) == -1) {
		table_give(t, i);
		return (NULL);
	}
	a->lnext = a->pnext = a->lru_prev = a->lru_next = 0;
	if (a->last_active > t->now)
		a->last_active = t->now;
	if (a->created > a->last_active)
		a->created = a->last_active;
	table_reserve_id(t, a);
	table_tag_link(t, TABLE_BY_LTAG, i);
	table_tag_link(t, TABLE_BY_PTAG, i);
	table_lru_insert_sorted(t, table_lru_of(t, a), i);
	t->count[a->state]++;
	t->generation++;
	return (a);
}

/* The change counter; see table.h. */
uint64_t
table_generation(const struct table *t)
{
	return (t->generation);
}

/* An empty copy; see table.h. */
void
assoc_copy_init(struct assoc_copy *c)
{
	memset(c, 0, sizeof(*c));
	c->a.t = c->t;
}

/* A deep copy; see table.h. */
struct assoc *
assoc_copy(struct assoc_copy *dst, const struct assoc *src)
{
	uint8_t	n = src->ntransports;

	assoc_copy_init(dst);
	dst->a = *src;
	dst->a.t = dst->t;
	if (n > ASSOC_MAX_TRANSPORTS)
		n = dst->a.ntransports = ASSOC_MAX_TRANSPORTS;
	if (n > 0 && src->t != NULL)
		memcpy(dst->t, src->t, n * sizeof(*dst->t));
	return (&dst->a);
}
