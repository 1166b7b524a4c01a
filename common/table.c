/*
 * table: the association table - one array of entries with a free list,
 * three hash indexes (local tag, peer tag, peer address) and two LRU lists
 * (embryonic, and established or closing) for expiry and eviction.
 *
 * Links between entries are array indexes; slot 0 is never used, so 0 is
 * the end of every chain and list.  The address index links transports,
 * each named by slot * ASSOC_MAX_TRANSPORTS + transport number (never 0
 * since slot 0 is unused).  Buckets are chosen by SipHash-1-3 keyed from
 * getrandom(), so a peer choosing ports, tags or addresses cannot force
 * long chains.
 *
 * When several entries match a lookup (a restart, or a tag reused on the
 * same ports), the established or closing entry wins over an embryonic one,
 * then the most recent last_active, then the newest id.
 *
 * Nothing is allocated after table_create() and nothing is logged.
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

enum table_tag_index {
	TABLE_BY_LTAG,
	TABLE_BY_PTAG,
};

struct table_lru {
	uint32_t	cold;		/* least recently active */
	uint32_t	hot;		/* most recently active */
};

struct table {
	struct assoc	*a;		/* nslots entries, a[0] unused */
	uint32_t	 nslots;
	uint32_t	 max_assocs;
	uint32_t	 max_embryonic;
	uint32_t	 free_head;	/* chained through lru_next */
	uint32_t	*lhash;		/* by (lport, pport, ltag) */
	uint32_t	*phash;		/* by (lport, pport, ptag) */
	uint32_t	*ahash;		/* by (lport, pport, addr) */
	uint32_t	 hmask;		/* buckets - 1, for all three */
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

/* Bucket for (lport, pport, tag). */
static uint32_t
table_tag_bucket(const struct table *t, uint16_t lport, uint16_t pport,
    uint32_t tag)
{
	uint64_t	m;

	m = (uint64_t)lport | (uint64_t)pport << 16 | (uint64_t)tag << 32;
	return (table_siphash(t, &m, 1) & t->hmask);
}

/* Bucket for (lport, pport, addr); bytes past the address are zero. */
static uint32_t
table_addr_bucket(const struct table *t, uint16_t lport, uint16_t pport,
    const struct ipaddr *addr)
{
	uint64_t	m[3];

	m[0] = (uint64_t)lport | (uint64_t)pport << 16 |
	    (uint64_t)addr->family << 32;
	memcpy(m + 1, addr->u.bytes, sizeof(addr->u.bytes));
	return (table_siphash(t, m, 3) & t->hmask);
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

/* Smallest power of two >= 2 * n. */
static uint32_t
table_buckets(uint32_t n)
{
	uint32_t	b = 1;

	while (b < 2 * n)
		b <<= 1;
	return (b);
}

/* Allocate everything the table will ever use. */
struct table *
table_create(uint32_t max_assocs, uint32_t max_embryonic)
{
	struct table	*t;
	uint64_t	 slots;
	uint32_t	 i, nb;

	slots = (uint64_t)max_assocs + max_embryonic + 1;
	if (max_assocs < 1 || max_embryonic < 1 || slots > TABLE_MAX_SLOTS) {
		errno = EINVAL;
		return (NULL);
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->nslots = (uint32_t)slots;
	t->max_assocs = max_assocs;
	t->max_embryonic = max_embryonic;
	nb = table_buckets(t->nslots - 1);
	t->hmask = nb - 1;
	t->a = calloc(t->nslots, sizeof(*t->a));
	t->lhash = calloc(nb, sizeof(*t->lhash));
	t->phash = calloc(nb, sizeof(*t->phash));
	t->ahash = calloc(nb, sizeof(*t->ahash));
	if (t->a == NULL || t->lhash == NULL || t->phash == NULL ||
	    t->ahash == NULL) {
		table_free(t);
		return (NULL);
	}
	for (i = t->nslots - 1; i >= 1; i--) {
		t->a[i].lru_next = t->free_head;
		t->free_head = i;
	}
	t->next_id = 1;
	table_seed(t);
	return (t);
}

/* Release the table; NULL is allowed. */
void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	free(t->a);
	free(t->lhash);
	free(t->phash);
	free(t->ahash);
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

/* Slot number of an entry. */
static uint32_t
table_slot(const struct table *t, const struct assoc *a)
{
	return ((uint32_t)(a - t->a));
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
	struct assoc	*a = &t->a[i];

	if (a->lru_prev != 0)
		t->a[a->lru_prev].lru_next = a->lru_next;
	else
		l->cold = a->lru_next;
	if (a->lru_next != 0)
		t->a[a->lru_next].lru_prev = a->lru_prev;
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
	struct assoc	*a = &t->a[i];

	a->last_active = t->now;
	a->lru_next = 0;
	a->lru_prev = l->hot;
	if (l->hot != 0)
		t->a[l->hot].lru_next = i;
	else
		l->cold = i;
	l->hot = i;
}

/* The tag an index is keyed by. */
static uint32_t
table_tag_of(const struct assoc *a, enum table_tag_index which)
{
	return (which == TABLE_BY_LTAG ? a->ltag : a->ptag);
}

/* The chain link an index uses. */
static uint32_t *
table_tag_next(struct assoc *a, enum table_tag_index which)
{
	return (which == TABLE_BY_LTAG ? &a->lnext : &a->pnext);
}

/* The bucket heads of an index. */
static uint32_t *
table_tag_heads(struct table *t, enum table_tag_index which)
{
	return (which == TABLE_BY_LTAG ? t->lhash : t->phash);
}

/* Add slot i to a tag index under its current tag (never tag 0). */
static void
table_tag_link(struct table *t, enum table_tag_index which, uint32_t i)
{
	struct assoc	*a = &t->a[i];
	uint32_t	*head, tag = table_tag_of(a, which);

	if (tag == 0)
		return;
	head = &table_tag_heads(t, which)[table_tag_bucket(t, a->lport,
	    a->pport, tag)];
	*table_tag_next(a, which) = *head;
	*head = i;
}

/* Remove slot i from a tag index, where its current tag put it. */
static void
table_tag_unlink(struct table *t, enum table_tag_index which, uint32_t i)
{
	struct assoc	*a = &t->a[i];
	uint32_t	*p, tag = table_tag_of(a, which);

	if (tag == 0)
		return;
	p = &table_tag_heads(t, which)[table_tag_bucket(t, a->lport, a->pport,
	    tag)];
	while (*p != 0) {
		if (*p == i) {
			*p = *table_tag_next(a, which);
			*table_tag_next(a, which) = 0;
			return;
		}
		p = table_tag_next(&t->a[*p], which);
	}
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
table_lookup_tag(struct table *t, enum table_tag_index which, uint16_t lport,
    uint16_t pport, uint32_t tag)
{
	struct assoc	*a, *best = NULL;
	uint32_t	 i;

	if (tag == 0)
		return (NULL);
	i = table_tag_heads(t, which)[table_tag_bucket(t, lport, pport, tag)];
	for (; i != 0; i = *table_tag_next(a, which)) {
		a = &t->a[i];
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

/* The transport an address-index link names. */
static struct transport *
table_transport_at(struct table *t, uint32_t link)
{
	return (&t->a[link / ASSOC_MAX_TRANSPORTS].
	    t[link % ASSOC_MAX_TRANSPORTS]);
}

/* The best association holding a transport to addr on these ports. */
struct assoc *
table_lookup_addr(struct table *t, uint16_t lport, uint16_t pport,
    const struct ipaddr *addr)
{
	struct assoc		*a, *best = NULL;
	struct transport	*tr;
	uint32_t		 link;

	link = t->ahash[table_addr_bucket(t, lport, pport, addr)];
	for (; link != 0; link = tr->hnext) {
		tr = table_transport_at(t, link);
		a = &t->a[link / ASSOC_MAX_TRANSPORTS];
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
	struct assoc		*a = &t->a[i];
	struct transport	*tr = &a->t[n];
	uint32_t		*head;

	head = &t->ahash[table_addr_bucket(t, a->lport, a->pport, &tr->addr)];
	tr->hnext = *head;
	*head = i * ASSOC_MAX_TRANSPORTS + n;
}

/* Remove transport n of slot i from the address index. */
static void
table_addr_unlink(struct table *t, uint32_t i, uint32_t n)
{
	struct assoc		*a = &t->a[i];
	struct transport	*tr = &a->t[n];
	uint32_t		*p, link = i * ASSOC_MAX_TRANSPORTS + n;

	p = &t->ahash[table_addr_bucket(t, a->lport, a->pport, &tr->addr)];
	while (*p != 0) {
		if (*p == link) {
			*p = tr->hnext;
			tr->hnext = 0;
			return;
		}
		p = &table_transport_at(t, *p)->hnext;
	}
}

/* Evict the least recently active embryonic entry, if there is one. */
static void
table_evict_embryonic(struct table *t)
{
	if (t->lru_embryonic.cold == 0)
		return;
	table_event(t, TABLE_EV_EVICTED, &t->a[t->lru_embryonic.cold], NULL,
	    0);
	table_drop(t, t->lru_embryonic.cold);
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
	if ((i = t->free_head) == 0) {
		t->stats.full++;
		return (NULL);
	}
	a = &t->a[i];
	t->free_head = a->lru_next;
	memset(a, 0, sizeof(*a));
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

/* Unlink slot i from every index and list and return it to the free list. */
static void
table_drop(struct table *t, uint32_t i)
{
	struct assoc	*a = &t->a[i];
	uint32_t	 n;

	table_tag_unlink(t, TABLE_BY_LTAG, i);
	table_tag_unlink(t, TABLE_BY_PTAG, i);
	for (n = 0; n < a->ntransports; n++)
		table_addr_unlink(t, i, n);
	table_lru_unlink(t, table_lru_of(t, a), i);
	t->count[a->state]--;
	t->generation++;
	memset(a, 0, sizeof(*a));
	a->lru_next = t->free_head;
	t->free_head = i;
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
	if (a->ntransports >= ASSOC_MAX_TRANSPORTS) {
		t->stats.transports_full++;
		return (NULL);
	}
	n = a->ntransports++;
	tr = &a->t[n];
	memset(tr, 0, sizeof(*tr));
	tr->addr = *addr;
	table_addr_link(t, table_slot(t, a), n);
	t->generation++;
	return (tr);
}

/* The entry a transport belongs to, or NULL if it is not in the table. */
static struct assoc *
table_assoc_of(struct table *t, const struct transport *tr)
{
	uintptr_t	base = (uintptr_t)t->a, p = (uintptr_t)tr;

	if (p < base || p >= base + (uintptr_t)t->nslots * sizeof(*t->a))
		return (NULL);
	return (&t->a[(p - base) / sizeof(*t->a)]);
}

/*
 * Record port as heard from a verified packet.  Port 0 is never stored: it
 * means "unknown", and RFC 6951 drops packets from UDP port 0.
 */
int
table_learn_port(struct table *t, struct transport *tr, uint16_t port)
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
	} else if (tr->port != port) {
		t->stats.ports_changed++;
		ret = 2;
	}
	if (ret == 0 && !(tr->flags & TRANSPORT_SILENT))
		return (0);
	if (ret != 0) {
		tr->port = port;
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
		if (t->now < t->a[i].last_active ||
		    t->now - t->a[i].last_active <= timeout)
			break;
		table_event(t, TABLE_EV_EXPIRED, &t->a[i], NULL, 0);
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
	uint32_t	i, n = 0;

	for (i = 1; i < t->nslots; i++)
		if (t->a[i].state == ASSOC_ESTABLISHED)
			n += table_paths_check_one(t, &t->a[i], silent_after);
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
	uint32_t	i;

	for (i = 1; i < t->nslots; i++)
		if (t->a[i].state != ASSOC_FREE)
			fn(&t->a[i], arg);
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
	struct assoc	*a = &t->a[i];
	uint32_t	 after = l->hot;

	while (after != 0 && t->a[after].last_active > a->last_active)
		after = t->a[after].lru_prev;
	a->lru_prev = after;
	if (after != 0) {
		a->lru_next = t->a[after].lru_next;
		t->a[after].lru_next = i;
	} else {
		a->lru_next = l->cold;
		l->cold = i;
	}
	if (a->lru_next != 0)
		t->a[a->lru_next].lru_prev = i;
	else
		l->hot = i;
}

/* 1 if the table has room for a live entry in state. */
static int
table_has_room(const struct table *t, enum assoc_state state)
{
	if (t->free_head == 0)
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

/* Insert a whole entry saved by an earlier run; see table.h. */
struct assoc *
table_restore(struct table *t, const struct assoc *src)
{
	struct assoc	*a;
	uint32_t	 i, n;

	if (src->state < ASSOC_EMBRYONIC || src->state > ASSOC_CLOSING ||
	    src->ntransports > ASSOC_MAX_TRANSPORTS ||
	    !table_has_room(t, src->state))
		return (NULL);
	i = t->free_head;
	a = &t->a[i];
	t->free_head = a->lru_next;
	*a = *src;
	a->lnext = a->pnext = a->lru_prev = a->lru_next = 0;
	if (a->last_active > t->now)
		a->last_active = t->now;
	if (a->created > a->last_active)
		a->created = a->last_active;
	table_reserve_id(t, a);
	table_tag_link(t, TABLE_BY_LTAG, i);
	table_tag_link(t, TABLE_BY_PTAG, i);
	for (n = 0; n < a->ntransports; n++) {
		a->t[n].hnext = 0;
		a->t[n].fp_slot = 0;
		table_addr_link(t, i, n);
	}
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
