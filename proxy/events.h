/*
 * events: what `sctptunctl monitor` streams.  The data path and the table
 * report what happens (associations up and down, ports learned or changed,
 * paths going silent and coming back, INIT collisions answered, ICMP
 * translated, drop summaries); each event becomes one line, text or JSON,
 * appended to the output of every subscriber (a control connection that
 * asked "monitor" or "json monitor").
 *
 * With no subscriber an event costs one test of nsubs: nothing is
 * formatted or allocated.  A subscriber that does not read is capped at
 * EVENTS_CAP bytes pending: events past it are dropped for it, counted,
 * and announced as "events lost N" once its output drains.
 */
#ifndef SCTPTUN_EVENTS_H
#define SCTPTUN_EVENTS_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>

#include "addr.h"
#include "dtls.h"
#include "sctp.h"
#include "stats.h"
#include "table.h"

#define EVENTS_CAP	(1024 * 1024)	/* pending bytes per subscriber */
#define EVENTS_LINE	2048

struct datapath;
struct udp_error;
struct track_abort;
struct events_sub;

struct events {
	struct datapath		*dp;
	unsigned int		 nsubs;
	TAILQ_HEAD(, events_sub) subs;
	/* The packet being tracked, so that a removal can tell its reason. */
	const struct sctp_pkt	*pkt;
	int			 pkt_from_peer;
	/* Seconds since the last path check and drop summary. */
	uint32_t		 paths_elapsed;
	uint32_t		 drops_elapsed;
	struct stats		 drops_seen;	/* the counters at the last one */
	struct dtls_stats	 dtls_drops_seen;
	uint64_t		 emitted;	/* events formatted */
	uint64_t		 lost;		/* event lines dropped, all subs */
	/* The line being built, in both forms. */
	char			 text[EVENTS_LINE];
	char			 json[EVENTS_LINE];
	size_t			 tlen, jlen;
};

/* Hook into dp's table; NULL if memory is short. */
struct events *events_create(struct datapath *);
/* Unhook and close every subscriber. */
void	events_free(struct events *);
/*
 * Make the control connection bev a subscriber (json: one JSON object per
 * line); it is the events' from now on.  -1 if memory is short (bev is
 * then still the caller's).
 */
int	events_subscribe(struct events *, struct bufferevent *, int json);
/* A table event (the data path's table hook). */
void	events_table(struct events *, enum table_event, const struct assoc *,
	    const struct transport *, uint16_t old_port);
/* Once a second: path silence checks, drop summaries, hung-up clients. */
void	events_tick(struct events *);

/* Note the packet being tracked (NULL after), for removal reasons. */
static inline void
events_packet(struct events *ev, const struct sctp_pkt *sp, int from_peer)
{
	ev->pkt = sp;
	ev->pkt_from_peer = from_peer;
}

/* An INIT from a new port of peer, answered by ABORT (call if nsubs). */
void	events_init_collision(struct events *, const struct ipaddr *peer,
	    const struct sctp_pkt *, const struct track_abort *);
/* A session of an encrypted path changed: logged, and streamed. */
void	events_dtls(struct events *, const struct dtls_event *);
/*
 * An ICMP error e about association a, translated into the packet icmp
 * (len bytes) written to the TUN (call if nsubs).
 */
void	events_icmp(struct events *, const struct assoc *,
	    const struct udp_error *, const uint8_t *icmp, size_t len);

#endif
