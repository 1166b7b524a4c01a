/*
 * events: the monitor's event stream; owns the subscribers, the line
 * formats, the table hook, the path silence checks and the drop summaries.
 *
 * A line is built once per event, in both forms at the same time (text
 * "TIME EVENT key=value ..." and JSON {"time":...,"event":...,"key":...}
 * where a key's '-' becomes '_'), into fixed buffers; then it is appended
 * to each subscriber's output in the form it asked for.
 */
#include <sys/socket.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "cluster.h"
#include "datapath.h"
#include "dtls.h"
#include "dtlspath.h"
#include "events.h"
#include "log.h"
#include "track.h"
#include "udp.h"

struct events_sub {
	TAILQ_ENTRY(events_sub)	 entry;
	struct events		*ev;
	struct bufferevent	*bev;
	int			 json;
	uint64_t		 lost;	/* since the last "events lost" */
};

/* Append printf output to a line buffer, truncating at its end. */
static void __attribute__((format(printf, 3, 4)))
events_put(char *buf, size_t *len, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (*len >= EVENTS_LINE - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, EVENTS_LINE - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < EVENTS_LINE - *len ? (size_t)n :
		    EVENTS_LINE - 1 - *len;
}

/* Start a line: the wall clock time (ISO 8601, UTC, ms) and the event. */
static void
events_begin(struct events *ev, const char *name)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	ev->tlen = ev->jlen = 0;
	events_put(ev->text, &ev->tlen, "%s.%03ldZ %s", when,
	    ts.tv_nsec / 1000000, name);
	events_put(ev->json, &ev->jlen,
	    "{\"time\":\"%s.%03ldZ\",\"event\":\"%s\"", when,
	    ts.tv_nsec / 1000000, name);
}

/* The JSON form of a key: '-' becomes '_'. */
static void
events_json_key(struct events *ev, const char *key)
{
	char	 k[32];
	size_t	 i;

	for (i = 0; key[i] != '\0' && i < sizeof(k) - 1; i++)
		k[i] = key[i] == '-' ? '_' : key[i];
	k[i] = '\0';
	events_put(ev->json, &ev->jlen, ",\"%s\":", k);
}

/*
 * A string field.  Names and addresses need no quoting in text; a value
 * with a blank or a quote (a certificate subject, OpenSSL's words) is
 * quoted, so that every line splits on blanks into key=value.
 */
static void
events_str(struct events *ev, const char *key, const char *val)
{
	const char	*p;

	if (strpbrk(val, " \t\"") == NULL)
		events_put(ev->text, &ev->tlen, " %s=%s", key, val);
	else {
		events_put(ev->text, &ev->tlen, " %s=\"", key);
		for (p = val; *p != '\0'; p++)
			events_put(ev->text, &ev->tlen, *p == '"' ? "\\\"" :
			    "%c", *p);
		events_put(ev->text, &ev->tlen, "\"");
	}
	events_json_key(ev, key);
	events_put(ev->json, &ev->jlen, "\"");
	for (p = val; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			events_put(ev->json, &ev->jlen, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			events_put(ev->json, &ev->jlen, "\\u%04x", *p);
		else
			events_put(ev->json, &ev->jlen, "%c", *p);
	}
	events_put(ev->json, &ev->jlen, "\"");
}

/* A number field. */
static void
events_num(struct events *ev, const char *key, uint64_t val)
{
	events_put(ev->text, &ev->tlen, " %s=%" PRIu64, key, val);
	events_json_key(ev, key);
	events_put(ev->json, &ev->jlen, "%" PRIu64, val);
}

/* A verification tag: hex in text, a number in JSON (as show assocs). */
static void
events_tag(struct events *ev, const char *key, uint32_t val)
{
	events_put(ev->text, &ev->tlen, " %s=0x%08" PRIx32, key, val);
	events_json_key(ev, key);
	events_put(ev->json, &ev->jlen, "%" PRIu32, val);
}

/* An address field. */
static void
events_addr(struct events *ev, const char *key, const struct ipaddr *a)
{
	char	 buf[ADDR_STRLEN];

	events_str(ev, key, addr_ntop(a, buf, sizeof(buf)));
}

/* Append len bytes to a subscriber, or count them lost past the cap. */
static void
events_send(struct events_sub *s, const char *line, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);

	if (s->lost > 0 || evbuffer_get_length(out) + len > EVENTS_CAP) {
		s->lost++;
		s->ev->lost++;
		return;
	}
	evbuffer_add(out, line, len);
}

/* End the line and hand it to every subscriber. */
static void
events_end(struct events *ev)
{
	struct events_sub *s;

	/* Room for the newline and "}\n" is kept by events_put's - 1. */
	if (ev->tlen > EVENTS_LINE - 2)
		ev->tlen = EVENTS_LINE - 2;
	ev->text[ev->tlen++] = '\n';
	if (ev->jlen > EVENTS_LINE - 3)
		ev->jlen = EVENTS_LINE - 3;
	ev->json[ev->jlen++] = '}';
	ev->json[ev->jlen++] = '\n';
	ev->emitted++;
	TAILQ_FOREACH(s, &ev->subs, entry) {
		if (s->json)
			events_send(s, ev->json, ev->jlen);
		else
			events_send(s, ev->text, ev->tlen);
	}
}

/* Close a subscriber. */
static void
events_sub_free(struct events_sub *s)
{
	TAILQ_REMOVE(&s->ev->subs, s, entry);
	s->ev->nsubs--;
	bufferevent_free(s->bev);
	free(s);
}

/* A subscriber's output drained: tell it what it missed. */
static void
events_sub_write_cb(struct bufferevent *bev, void *arg)
{
	struct events_sub *s = arg;
	struct evbuffer	*out = bufferevent_get_output(bev);

	if (s->lost == 0)
		return;
	if (s->json)
		evbuffer_add_printf(out, "{\"event\":\"events-lost\","
		    "\"lost\":%" PRIu64 "}\n", s->lost);
	else
		evbuffer_add_printf(out, "events lost %" PRIu64 "\n", s->lost);
	s->lost = 0;
}

/* Whatever a subscriber sends after its request is ignored. */
static void
events_sub_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

/*
 * EOF is only the client's half-close after its request (sctptunctl does
 * that): stop reading, keep sending; events_tick() notices a real hang-up.
 */
static void
events_sub_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct events_sub *s = arg;

	if (what & BEV_EVENT_ERROR)
		events_sub_free(s);
	else if (what & BEV_EVENT_EOF)
		bufferevent_disable(bev, EV_READ);
}

/* Take over a control connection as a subscriber. */
int
events_subscribe(struct events *ev, struct bufferevent *bev, int json)
{
	struct events_sub *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->ev = ev;
	s->bev = bev;
	s->json = json;
	if (ev->nsubs == 0)
		ev->drops_seen = ev->dp->stats;
	TAILQ_INSERT_TAIL(&ev->subs, s, entry);
	ev->nsubs++;
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_setwatermark(bev, EV_WRITE, EVENTS_CAP / 4, 0);
	bufferevent_setcb(bev, events_sub_read_cb, events_sub_write_cb,
	    events_sub_event_cb, s);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	events_sub_read_cb(bev, s);
	return 0;
}

/* The configured name of an association's peer. */
static const char *
events_peer_name(struct events *ev, const struct assoc *a)
{
	if (a->peer_id < ev->dp->conf->npeers)
		return ev->dp->conf->peers[a->peer_id].name;
	return "?";
}

/* The transport an association is best known by: learned first. */
static const struct transport *
events_main_transport(const struct assoc *a)
{
	int	 i;

	for (i = 0; i < a->ntransports; i++)
		if (a->t[i].flags & TRANSPORT_LEARNED)
			return &a->t[i];
	return a->ntransports > 0 ? &a->t[0] : NULL;
}

/* The fields every association event starts with. */
static void
events_assoc_fields(struct events *ev, const struct assoc *a)
{
	const struct transport *tr;

	events_num(ev, "id", a->id);
	events_str(ev, "peer", events_peer_name(ev, a));
	events_num(ev, "local-port", a->lport);
	events_num(ev, "peer-port", a->pport);
	if ((tr = events_main_transport(a)) != NULL)
		events_addr(ev, "addr", &tr->addr);
}

/* Seconds from then to the table's now, clamped at 0. */
static uint32_t
events_ago(struct events *ev, uint32_t then)
{
	uint32_t now = table_clock(ev->dp->table);

	return now >= then ? now - then : 0;
}

/* An association came up. */
static void
events_assoc_up(struct events *ev, const struct assoc *a)
{
	events_begin(ev, "assoc-up");
	events_assoc_fields(ev, a);
	events_num(ev, "udp-port", a->port);
	events_tag(ev, "ltag", a->ltag);
	events_tag(ev, "ptag", a->ptag);
	events_str(ev, "initiator", a->local_initiated ? "local" : "peer");
	events_end(ev);
}

/* Why a removed entry went: the packet being tracked says, if known. */
static const char *
events_removed_reason(struct events *ev, const struct assoc *a)
{
	if (ev->pkt != NULL)
		return sctp_has_chunk(ev->pkt, SCTP_ABORT) ? "abort" :
		    "shutdown";
	return a->state == ASSOC_CLOSING ? "shutdown" : "abort";
}

/*
 * An entry left the table.  Established (or closing) ones were up:
 * assoc-down.  Embryonic ones never were: assoc-failed.
 */
static void
events_assoc_gone(struct events *ev, enum table_event e,
    const struct assoc *a)
{
	const char	*reason;

	if (e == TABLE_EV_REMOVED)
		reason = events_removed_reason(ev, a);
	else if (e == TABLE_EV_EVICTED)
		reason = "evicted";
	else
		reason = a->state == ASSOC_EMBRYONIC ? "embryonic-timeout" :
		    "idle";
	events_begin(ev, a->state == ASSOC_EMBRYONIC ? "assoc-failed" :
	    "assoc-down");
	events_assoc_fields(ev, a);
	events_str(ev, "reason", reason);
	if (e == TABLE_EV_REMOVED && ev->pkt != NULL)
		events_str(ev, "from", ev->pkt_from_peer ? "peer" : "local");
	events_num(ev, "up-for", events_ago(ev, a->created));
	events_num(ev, "rx-packets", a->rx_packets);
	events_num(ev, "tx-packets", a->tx_packets);
	events_end(ev);
}

/* A transport event: port learned or changed, path silent or back. */
static void
events_path(struct events *ev, enum table_event e, const struct assoc *a,
    const struct transport *tr, uint16_t old_port)
{
	char			 buf[ADDR_STRLEN];
	static const char *const names[] = {
		[TABLE_EV_PORT_LEARNED] = "port-learned",
		[TABLE_EV_PORT_CHANGED] = "port-changed",
		[TABLE_EV_PATH_SILENT] = "path-silent",
		[TABLE_EV_PATH_BACK] = "path-back",
	};

	events_begin(ev, names[e]);
	events_num(ev, "id", a->id);
	events_str(ev, "peer", events_peer_name(ev, a));
	events_addr(ev, "addr", &tr->addr);
	if (e == TABLE_EV_PORT_CHANGED)
		events_num(ev, "old-port", old_port);
	events_num(ev, "udp-port", tr->port);
	/* A path a cluster member relays (a change of via alone is a
	   port-changed event with the same port). */
	if (tr->via != 0 && (e == TABLE_EV_PORT_LEARNED ||
	    e == TABLE_EV_PORT_CHANGED))
		events_str(ev, "via", cluster_via_name(ev->dp->cluster,
		    tr->via, buf, sizeof(buf)));
	if (e == TABLE_EV_PATH_SILENT)
		events_num(ev, "silent-for", events_ago(ev, tr->last_seen));
	events_end(ev);
}

/* A table event (the data path's table hook passes them on). */
void
events_table(struct events *ev, enum table_event e, const struct assoc *a,
    const struct transport *tr, uint16_t old_port)
{
	static struct log_ratelimit	 rl_evict;

	if (e == TABLE_EV_EVICTED)
		log_warnx_rl(&rl_evict, "association setups full "
		    "(limits.embryonic %u): the oldest, id %u, forgotten to make "
		    "room; an INIT flood?", table_max_embryonic(ev->dp->table),
		    a->id);
	if (ev->nsubs == 0)
		return;
	switch (e) {
	case TABLE_EV_ESTABLISHED:
		events_assoc_up(ev, a);
		break;
	case TABLE_EV_REMOVED:
	case TABLE_EV_EXPIRED:
	case TABLE_EV_EVICTED:
		events_assoc_gone(ev, e, a);
		break;
	case TABLE_EV_PORT_LEARNED:
	case TABLE_EV_PORT_CHANGED:
	case TABLE_EV_PATH_SILENT:
	case TABLE_EV_PATH_BACK:
		if (tr != NULL)
			events_path(ev, e, a, tr, old_port);
		break;
	case TABLE_EV_RETAGGED:
		break;
	}
}

/* An INIT of a known association from a new port, answered by ABORT. */
void
events_init_collision(struct events *ev, const struct ipaddr *peer,
    const struct sctp_pkt *sp, const struct track_abort *ab)
{
	struct assoc	*a;

	a = table_lookup_addr(ev->dp->table, sp->dport, sp->sport, peer);
	events_begin(ev, "init-collision");
	if (a != NULL) {
		events_num(ev, "id", a->id);
		events_str(ev, "peer", events_peer_name(ev, a));
	}
	events_num(ev, "local-port", sp->dport);
	events_num(ev, "peer-port", sp->sport);
	events_addr(ev, "addr", peer);
	events_num(ev, "udp-port", ab->current_port);
	events_num(ev, "new-port", ab->new_port);
	events_tag(ev, "init-tag", ab->vtag);
	events_str(ev, "answer", "abort");
	events_end(ev);
}

/* An ICMP error translated into the TUN: what came, what went. */
void
events_icmp(struct events *ev, const struct assoc *a,
    const struct udp_error *e, const uint8_t *icmp, size_t len)
{
	size_t	 hl;

	hl = e->dst.family == AF_INET ? 20 : 40;
	if (len > 0 && e->dst.family == AF_INET)
		hl = (size_t)(icmp[0] & 0x0f) * 4;
	events_begin(ev, "icmp");
	if (a != NULL)
		events_num(ev, "id", a->id);
	events_addr(ev, "addr", &e->dst);
	events_num(ev, "udp-port", e->dport);
	events_num(ev, "in-type", e->type);
	events_num(ev, "in-code", e->code);
	if (len >= hl + 2) {
		events_num(ev, "out-type", icmp[hl]);
		events_num(ev, "out-code", icmp[hl + 1]);
	}
	if (e->info != 0)
		events_num(ev, "mtu", e->info);
	events_end(ev);
}

/* The names of the events of an encrypted path. */
static const char *const events_dtls_names[] = {
	[DTLS_EV_UP] = "dtls-up",
	[DTLS_EV_FAILED] = "dtls-failed",
	[DTLS_EV_REKEYED] = "dtls-rekeyed",
	[DTLS_EV_ROAMED] = "dtls-roamed",
	[DTLS_EV_DOWN] = "dtls-down",
};

/* Log a DTLS event: rare, but failures can be provoked, so limited. */
static void
events_dtls_log(struct events *ev, const struct dtls_event *e)
{
	static struct log_ratelimit	 rl;
	char				 addr[ADDR_STRLEN];
	const char			*peer;

	peer = ev->dp->conf->peers[e->peer].name;
	addr_ntop(&e->remote, addr, sizeof(addr));
	if (e->kind == DTLS_EV_FAILED)
		log_warnx_rl(&rl, "DTLS with %s (%s port %u) failed: %s%s%s",
		    peer, addr, e->port, dtls_fail_name(e->reason),
		    e->detail != NULL ? ": " : "",
		    e->detail != NULL ? e->detail : "");
	else
		log_info("DTLS with %s (%s port %u): %s%s%s", peer, addr,
		    e->port, events_dtls_names[e->kind] + 5,
		    e->cipher != NULL ? ", " : "",
		    e->cipher != NULL ? e->cipher : "");
}

/* A session of an encrypted path changed. */
void
events_dtls(struct events *ev, const struct dtls_event *e)
{
	events_dtls_log(ev, e);
	if (ev->nsubs == 0)
		return;
	events_begin(ev, events_dtls_names[e->kind]);
	events_str(ev, "peer", ev->dp->conf->peers[e->peer].name);
	events_addr(ev, "local", &e->local);
	events_addr(ev, "addr", &e->remote);
	if (e->kind == DTLS_EV_ROAMED)
		events_num(ev, "old-port", e->old_port);
	events_num(ev, "udp-port", e->port);
	events_str(ev, "role", e->client ? "client" : "server");
	if (e->kind == DTLS_EV_FAILED)
		events_str(ev, "reason", dtls_fail_name(e->reason));
	if (e->cipher != NULL)
		events_str(ev, "cipher", e->cipher);
	if (e->identity != NULL)
		events_str(ev, "identity", e->identity);
	if (e->detail != NULL)
		events_str(ev, "detail", e->detail);
	events_end(ev);
}

/* The counters of the DTLS engine, or zeros without one. */
static const struct dtls_stats *
events_dtls_stats(struct events *ev)
{
	static const struct dtls_stats	 none;
	struct dtls			*d = dtlspath_engine(ev->dp->dtls);

	return d != NULL ? dtls_stats(d) : &none;
}

/* The drop counters that moved since the last summary, if any did. */
static void
events_drops(struct events *ev)
{
	const struct stats *now = &ev->dp->stats, *then = &ev->drops_seen;
	const struct dtls_stats *dnow = events_dtls_stats(ev);
	const struct dtls_stats *dthen = &ev->dtls_drops_seen;
	uint64_t	 total = 0;

#define EVENTS_SUM(name, desc)	total += now->name - then->name;
	STATS_DROPS(EVENTS_SUM)
#undef EVENTS_SUM
#define EVENTS_DSUM(name, desc)	total += dnow->name - dthen->name;
	DTLS_DROPS(EVENTS_DSUM)
#undef EVENTS_DSUM
	if (total != 0 && ev->nsubs > 0) {
		events_begin(ev, "drops");
		events_num(ev, "interval", ev->drops_elapsed);
		events_num(ev, "total", total);
#define EVENTS_DELTA(name, desc)					\
		if (now->name != then->name)				\
			events_num(ev, #name, now->name - then->name);
		STATS_DROPS(EVENTS_DELTA)
#undef EVENTS_DELTA
#define EVENTS_DDELTA(name, desc)					\
		if (dnow->name != dthen->name)				\
			events_num(ev, #name, dnow->name - dthen->name);
		DTLS_DROPS(EVENTS_DDELTA)
#undef EVENTS_DDELTA
		events_end(ev);
	}
	ev->drops_seen = *now;
	ev->dtls_drops_seen = *dnow;
}

/* Close subscribers whose client is gone (after a half-close, only POLLHUP
 * tells: reading says EOF either way). */
static void
events_reap(struct events *ev)
{
	struct events_sub *s, *next;
	struct pollfd	 pfd;

	for (s = TAILQ_FIRST(&ev->subs); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		pfd.fd = bufferevent_getfd(s->bev);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd == -1 || (poll(&pfd, 1, 0) == 1 &&
		    (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))))
			events_sub_free(s);
	}
}

/* How often paths are checked: min(5, ceil(silent / 2)) seconds, >= 1. */
static uint32_t
events_paths_every(uint32_t silent)
{
	uint32_t every = silent / 2 + silent % 2;

	if (every > 5)
		every = 5;
	return every == 0 ? 1 : every;
}

/* Once a second. */
void
events_tick(struct events *ev)
{
	const struct config *conf = ev->dp->conf;

	if (++ev->paths_elapsed >= events_paths_every(conf->path_silent)) {
		ev->paths_elapsed = 0;
		(void)table_paths_check(ev->dp->table, conf->path_silent);
	}
	if (++ev->drops_elapsed >= conf->drop_summary) {
		events_drops(ev);
		ev->drops_elapsed = 0;
	}
	if (ev->nsubs > 0)
		events_reap(ev);
}

/* Hook into the data path's table. */
struct events *
events_create(struct datapath *dp)
{
	struct events	*ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	ev->dp = dp;
	TAILQ_INIT(&ev->subs);
	ev->drops_seen = dp->stats;
	return ev;
}

/* Unhook and close every subscriber. */
void
events_free(struct events *ev)
{
	if (ev == NULL)
		return;
	while (!TAILQ_EMPTY(&ev->subs))
		events_sub_free(TAILQ_FIRST(&ev->subs));
	free(ev);
}
