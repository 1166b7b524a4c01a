/*
 * table: the associations sctptund has seen and, for each, the transports
 * (peer addresses) with the remote UDP encapsulation port learned for each.
 *
 * "local" is the SCTP endpoint behind our TUN, "peer" the one across UDP.
 * ltag is the local endpoint's verification tag (the tag packets from the
 * peer carry), ptag the peer's (the tag packets to the peer carry).
 *
 * Memory follows what is in use, not the limits: entries come in chunks
 * allocated as the table first needs them, and each entry's transports live
 * in storage the table owns (room for two inside the entry, a larger block
 * from a pool when a third comes).  Three hash indexes that grow with their
 * contents give O(1) lookups:
 *   by (lport, pport, ltag)       - ingress packets
 *   by (lport, pport, ptag)       - egress packets
 *   by (lport, pport, peer addr)  - INITs for an existing association,
 *                                   ICMP and out-of-the-blue checks
 * Embryonic entries (INIT seen, no COOKIE-ECHO yet) are limited apart from
 * established ones; when the embryonic limit is reached the oldest embryonic
 * entry is evicted, so an INIT flood never touches established entries.
 * Expiry walks LRU lists from their cold end: O(expired), not O(table).
 */
#ifndef SCTPTUN_TABLE_H
#define SCTPTUN_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define ASSOC_MAX_TRANSPORTS	8

enum assoc_state {
	ASSOC_FREE = 0,
	ASSOC_EMBRYONIC,	/* INIT seen, maybe INIT-ACK: no cookie yet */
	ASSOC_ESTABLISHED,	/* COOKIE-ECHO verified */
	ASSOC_CLOSING,		/* SHUTDOWN or SHUTDOWN-ACK seen */
};

/* Transport flags. */
#define TRANSPORT_LEARNED	0x01	/* port learned from a verified packet */
#define TRANSPORT_FROM_INIT	0x02	/* address listed in INIT / INIT-ACK */
#define TRANSPORT_SILENT	0x04	/* nothing verified from it for a while */

struct transport {
	struct ipaddr	addr;		/* peer address */
	uint16_t	port;		/* remote UDP port, 0 = not known */
	uint8_t		flags;
	uint8_t		num;		/* its place in t[] (internal) */
	uint8_t		via;		/* reached through cluster member
					   via - 1 (its packets come relayed,
					   ours go back through it); 0 =
					   directly.  Never saved: 0 when
					   restored, the next relayed packet
					   sets it again */
	uint32_t	learned_at;	/* table clock (seconds) */
	uint32_t	last_seen;	/* last verified packet from it */
	uint32_t	hnext;		/* addr index chain (internal) */
	uint32_t	fp_slot;	/* the fast path's slot, 0 = none (its
					   owner's; never saved, 0 when
					   restored) */
	uint64_t	rx_packets;	/* verified packets from this address */
	uint64_t	tx_packets;	/* packets sent to this address */
};

struct assoc {
	uint16_t	lport;
	uint16_t	pport;
	uint32_t	ltag;		/* 0 = not known yet */
	uint32_t	ptag;		/* 0 = not known yet */
	uint8_t		state;		/* enum assoc_state */
	uint8_t		ntransports;
	uint8_t		local_initiated;/* the local side sent the INIT */
	uint8_t		pad;
	uint16_t	peer_id;	/* index of the configured peer */
	uint16_t	port;		/* association default remote port */
	uint32_t	created;	/* table clock */
	uint32_t	last_active;	/* table clock */
	uint32_t	id;		/* unique, never reused while running */
	uint64_t	rx_packets, rx_bytes;	/* from UDP to the TUN */
	uint64_t	tx_packets, tx_bytes;	/* from the TUN to UDP */
	/* Internal: hash chains and LRU links, as entry indexes. */
	uint32_t	lnext, pnext;
	uint32_t	lru_prev, lru_next;
	/*
	 * The transports, t[0] to t[ntransports - 1].  In the table they live
	 * in storage the table owns and may move when one is added: a
	 * transport pointer holds until the next table_transport() with
	 * create on the same association.  Outside the table (an entry to
	 * restore, a snapshot) see struct assoc_copy.
	 */
	struct transport *t;
};

/*
 * An association with room for all its transports, outside any table: what
 * the state file loader fills for table_restore() and what a test keeps as
 * a snapshot.  a.t points into the struct itself, so set it up with
 * assoc_copy_init() or assoc_copy() and never copy it by value.
 */
struct assoc_copy {
	struct assoc		a;
	struct transport	t[ASSOC_MAX_TRANSPORTS];
};

struct table_stats {
	uint64_t	created;	/* embryonic entries made */
	uint64_t	established;	/* embryonic -> established */
	uint64_t	removed;	/* by ABORT / SHUTDOWN-COMPLETE */
	uint64_t	expired_idle;
	uint64_t	expired_embryonic;
	uint64_t	evicted_embryonic;	/* to make room for a new one */
	uint64_t	full;		/* no room for an entry */
	uint64_t	ports_learned;	/* first port for a transport */
	uint64_t	ports_changed;	/* a learned port moved */
	uint64_t	transports_full;/* no room for another transport */
};

struct table;

/*
 * What the table tells its owner (the monitor, the fast path) as it
 * happens.  The hook runs before a removed entry is cleared, so the assoc
 * is still whole; tr is NULL for association events.  old_port is the
 * port a changed transport had.  The hook may write the fields its owner
 * owns (fp_slot), nothing else.
 */
enum table_event {
	TABLE_EV_ESTABLISHED,	/* embryonic -> established */
	TABLE_EV_REMOVED,	/* ABORT or SHUTDOWN-COMPLETE */
	TABLE_EV_EXPIRED,	/* idle or embryonic timeout */
	TABLE_EV_EVICTED,	/* oldest embryonic, to make room */
	TABLE_EV_PORT_LEARNED,	/* first port of a transport */
	TABLE_EV_PORT_CHANGED,	/* a learned port moved (NAT rebinding) */
	TABLE_EV_PATH_SILENT,	/* nothing verified from it for a while */
	TABLE_EV_PATH_BACK,	/* a silent transport is heard again */
	TABLE_EV_RETAGGED,	/* a tag of an established or closing
				   association changed (INIT collision) */
};

typedef void (*table_hook_fn)(enum table_event, struct assoc *,
	    struct transport *, uint16_t old_port, void *arg);

/*
 * Returns NULL if memory is short.  max_assocs, max_embryonic >= 1.  Only
 * a small fixed part is allocated here; the rest comes as entries do (a
 * failed allocation then is a full table, counted in stats.full), and
 * stays allocated for reuse after they go.
 */
struct table *table_create(uint32_t max_assocs, uint32_t max_embryonic);
void	table_free(struct table *);
/* The table clock in seconds; the caller advances it (monotonic). */
void	table_set_clock(struct table *, uint32_t now);
uint32_t table_clock(const struct table *);

uint32_t table_count(const struct table *, enum assoc_state);
uint32_t table_max_assocs(const struct table *);
uint32_t table_max_embryonic(const struct table *);
const struct table_stats *table_stats(const struct table *);
/* Bytes the table has allocated: entries, transport blocks, indexes. */
size_t	table_memory(const struct table *);

/* Lookups; NULL when absent.  A tag of 0 never matches. */
struct assoc *table_lookup_ltag(struct table *, uint16_t lport,
	    uint16_t pport, uint32_t ltag);
struct assoc *table_lookup_ptag(struct table *, uint16_t lport,
	    uint16_t pport, uint32_t ptag);
/* The most recently active association with a transport to addr. */
struct assoc *table_lookup_addr(struct table *, uint16_t lport,
	    uint16_t pport, const struct ipaddr *);

/*
 * A new embryonic entry (ports set, tags 0, state ASSOC_EMBRYONIC), evicting
 * the oldest embryonic entry if the embryonic limit is reached.  NULL if the
 * table has no room (counted in stats.full).
 */
struct assoc *table_new(struct table *, uint16_t lport, uint16_t pport,
	    uint16_t peer_id, int local_initiated);
/* Set (or change) a tag, re-indexing the entry. */
void	table_set_ltag(struct table *, struct assoc *, uint32_t);
void	table_set_ptag(struct table *, struct assoc *, uint32_t);
/* Embryonic -> established; -1 if the established limit is reached (the
 * entry stays embryonic, counted in stats.full). */
int	table_establish(struct table *, struct assoc *);
void	table_set_state(struct table *, struct assoc *, enum assoc_state);
/* Note activity now: moves the entry to the hot end of its LRU list. */
void	table_touch(struct table *, struct assoc *);
void	table_remove(struct table *, struct assoc *);

/*
 * The transport for addr, or NULL.  With create, add one if absent (NULL if
 * the association already has ASSOC_MAX_TRANSPORTS or no memory is left for
 * more, counted in stats.transports_full).  Adding one may move the
 * association's transports: earlier transport pointers are then stale.
 */
struct transport *table_transport(struct table *, struct assoc *,
	    const struct ipaddr *, int create);
/*
 * Record port as learned from a verified packet: returns 0 if unchanged,
 * 1 if first learned, 2 if changed (counted in stats).  Updates last_seen.
 * tr is a transport of an entry of this table.
 */
int	table_learn_port(struct table *, struct transport *, uint16_t port);
/*
 * The same for a packet that came through cluster member via - 1 (0:
 * directly).  A change of via alone is a change (2, TABLE_EV_PORT_CHANGED
 * with the same port): the fast path must learn it.  table_learn_port is
 * table_learn_path with via 0.
 */
int	table_learn_path(struct table *, struct transport *, uint16_t port,
	    uint8_t via);
/* The remote port to send to addr: transport's, else the association's
 * default, else 0. */
uint16_t table_port_for(const struct assoc *, const struct ipaddr *);

/*
 * Remove embryonic entries older than embryonic_timeout and others idle
 * longer than idle_timeout (seconds).  Returns how many were removed.
 */
uint32_t table_expire(struct table *, uint32_t idle_timeout,
	    uint32_t embryonic_timeout);

/*
 * Mark learned transports of established associations from which nothing
 * verified came for silent_after seconds (TABLE_EV_PATH_SILENT); the next
 * port learned from one brings it back (TABLE_EV_PATH_BACK).  O(table):
 * call it every few seconds, not per packet.  Returns how many went silent.
 */
uint32_t table_paths_check(struct table *, uint32_t silent_after);

/* The hook for table events; NULL for none. */
void	table_set_hook(struct table *, table_hook_fn, void *arg);

/* Calls fn for every live entry, in no particular order; fn must not
 * remove entries. */
void	table_foreach(struct table *, void (*fn)(struct assoc *, void *),
	    void *);

/*
 * Insert a whole entry saved by an earlier run (sctptund's state file):
 * state, tags, ports, transports (src->t[0] to src->t[ntransports - 1])
 * with their flags, ports and times, id and counters are copied into the
 * table's own storage; the internal links are rebuilt.  Times later than
 * the table clock are clamped to it.  The limits hold (NULL when there is
 * no room; nothing is evicted), ids handed out later stay above src->id
 * (0 gets a fresh id), and the event hook is not called.
 */
struct assoc *table_restore(struct table *, const struct assoc *src);
/*
 * A counter bumped by every change worth saving: new, retagged, state
 * changed, removed or expired entries, transports added, ports learned or
 * moved.  Activity (table_touch) alone does not bump it.
 */
uint64_t table_generation(const struct table *);

const char *assoc_state_name(enum assoc_state);

/* An empty copy: zeroed, a.t pointing at its own transports. */
void	assoc_copy_init(struct assoc_copy *);
/* A deep copy of src (transports too) into dst; returns &dst->a. */
struct assoc *assoc_copy(struct assoc_copy *dst, const struct assoc *src);

#endif
