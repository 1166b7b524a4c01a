/*
 * reasm: reassembly of the IP fragments of SCTP packets read from the TUN.
 *
 * Right after a path MTU drop the kernel's SCTP retransmits chunks sized
 * for the old MTU with fragmentation allowed, and they reach the TUN as IP
 * fragments.  A small table made once holds up to REASM_SLOTS packets being
 * reassembled, keyed by (addresses, id, protocol).  Pure functions: the
 * caller gives the time and reads the counters.
 */
#ifndef SCTPTUN_REASM_H
#define SCTPTUN_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "ippkt.h"

#define REASM_SLOTS	8
#define REASM_MAXLEN	65535		/* reassembled payload, bytes */
#define REASM_TIMEOUT	2000		/* milliseconds */

/* Why fragments were dropped; every fragment dropped is counted once. */
struct reasm_stats {
	uint64_t	 fragments;	/* fragments given to reasm_add() */
	uint64_t	 done;		/* packets reassembled */
	uint64_t	 duplicate;	/* fragment seen before: dropped alone */
	uint64_t	 overlap;	/* entries dropped: overlap, or a last
					   fragment that disagrees */
	uint64_t	 too_long;	/* entries dropped: past REASM_MAXLEN */
	uint64_t	 timeout;	/* entries expired */
	uint64_t	 evicted;	/* entries pushed out by a new one */
	uint64_t	 frags_lost;	/* fragments held by dropped entries */
};

/* A reassembled packet: valid until the next call on the table. */
struct reasm_out {
	struct ipaddr	 src, dst;
	uint8_t		 tos;
	uint8_t		 proto;
	uint8_t		*data;
	size_t		 len;
};

enum reasm_result {
	REASM_HELD = 0,		/* kept, the packet is not complete yet */
	REASM_DONE = 1,		/* complete: see the reasm_out */
	REASM_DROPPED = -1,	/* dropped (counted in the stats) */
};

struct reasm;

/* Allocate an empty table (the only allocation); NULL on failure. */
struct reasm	*reasm_new(void);
void		 reasm_free(struct reasm *);
/*
 * Add the fragment frag of the packet ip (from ip_parse_fragment()) at
 * time now (milliseconds, monotonic).  REASM_DONE fills out.
 */
int		 reasm_add(struct reasm *, const struct ip_pkt *ip,
		    const struct ip_frag *frag, uint64_t now,
		    struct reasm_out *out);
/* Drop the entries older than REASM_TIMEOUT; returns how many. */
unsigned int	 reasm_expire(struct reasm *, uint64_t now);
/* The counters, and how many entries are in use. */
const struct reasm_stats *reasm_stats(const struct reasm *);
unsigned int	 reasm_used(const struct reasm *);

#endif
