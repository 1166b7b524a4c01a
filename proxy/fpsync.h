/*
 * fpsync: keeps the fast path's maps in step with the table, which stays
 * the one truth.  A transport gets a fast path slot when its association is
 * established (or closing), both tags are known, its port was learned from
 * a verified packet, and its peer is neither encrypted (DTLS) nor one whose
 * INITs are rewritten (strip_addresses).  The table's events install,
 * update and remove slots; once a second the slots' counters are folded
 * back into the table, so idle aging, path silence, `show assocs`, the
 * monitor and the state file see the packets the daemon never woke for.
 */
#ifndef SCTPTUN_FPSYNC_H
#define SCTPTUN_FPSYNC_H

#include "table.h"

struct datapath;

/* A table event (called by the data path's table hook, first). */
void	fpsync_event(struct datapath *, enum table_event, struct assoc *,
	    struct transport *);
/* Bring every association in step: at start (a restored table) and after
 * a reload (peers may have changed). */
void	fpsync_all(struct datapath *);
/* Remove every slot (the fast path goes away). */
void	fpsync_clear(struct datapath *);
/* Fold the slots' counters back into the table; once a second. */
void	fpsync_fold(struct datapath *);

#endif
