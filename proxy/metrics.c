/*
 * metrics: the Prometheus endpoint and the exposition of every counter.
 *
 * The families come from the X-macros of stats.h, so a counter added there
 * is exported without a change here: each traffic counter is its own
 * sctptun_<name>_total, the drop reasons are one family sctptun_drops_total
 * with a reason label.  The table adds gauges (associations by state,
 * transports, limits) and its event counters.
 *
 * evhttp is bounded so that a slow or hostile client cannot hold memory or
 * the loop: small header and body limits, a read/write timeout, and only
 * GET and HEAD of /metrics do any work.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "config.h"
#include "cluster.h"
#include "dtls.h"
#include "dtlspath.h"
#include "log.h"
#include "metrics.h"

#define METRICS_PATH		"/metrics"
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_MAX_HEADERS	8192	/* bytes of request line + headers */
#define METRICS_MAX_BODY	1024	/* a scrape has no body */
#define METRICS_TIMEOUT		10	/* seconds to read or write */

struct metrics {
	struct evhttp		*http;
	struct datapath		*dp;
};

/* A counter of the table, found by its offset in struct table_stats. */
struct metrics_table_counter {
	const char	*name;
	const char	*help;
	size_t		 off;
};

static const struct metrics_table_counter metrics_table_counters[] = {
	{ "sctptun_associations_created_total",
	    "Embryonic entries made (INIT seen).",
	    offsetof(struct table_stats, created) },
	{ "sctptun_associations_established_total",
	    "Entries that went from embryonic to established.",
	    offsetof(struct table_stats, established) },
	{ "sctptun_associations_removed_total",
	    "Entries removed on ABORT or SHUTDOWN-COMPLETE.",
	    offsetof(struct table_stats, removed) },
	{ "sctptun_associations_expired_idle_total",
	    "Entries removed after limits.idle_timeout without traffic.",
	    offsetof(struct table_stats, expired_idle) },
	{ "sctptun_associations_expired_embryonic_total",
	    "Embryonic entries removed after limits.embryonic_timeout.",
	    offsetof(struct table_stats, expired_embryonic) },
	{ "sctptun_associations_evicted_embryonic_total",
	    "Oldest embryonic entries pushed out to make room for a new one.",
	    offsetof(struct table_stats, evicted_embryonic) },
	{ "sctptun_table_full_total",
	    "Entries not made or not established: the table was full.",
	    offsetof(struct table_stats, full) },
	{ "sctptun_ports_learned_total",
	    "Remote UDP ports learned for a transport for the first time.",
	    offsetof(struct table_stats, ports_learned) },
	{ "sctptun_port_changes_total",
	    "Learned remote UDP ports that moved (NAT rebinding).",
	    offsetof(struct table_stats, ports_changed) },
	{ "sctptun_transports_full_total",
	    "Peer addresses not tracked: the association had no room left.",
	    offsetof(struct table_stats, transports_full) },
};

static const enum assoc_state metrics_states[] = {
	ASSOC_EMBRYONIC, ASSOC_ESTABLISHED, ASSOC_CLOSING
};

/* The HELP and TYPE lines of a family; help is escaped as 0.0.4 asks. */
static void
metrics_family(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s ", name);
	for (; *help != '\0'; help++) {
		if (*help == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*help == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, help, 1);
	}
	evbuffer_add_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* A family of one unlabelled sample. */
static void
metrics_single(struct evbuffer *out, const char *name, const char *type,
    const char *help, uint64_t value)
{
	metrics_family(out, name, type, help);
	evbuffer_add_printf(out, "%s %" PRIu64 "\n", name, value);
}

/* The traffic counters and the drops by reason, from stats.h (and
 * dtls.h with an engine: its drops are reasons of the same family). */
static void
metrics_stats(struct evbuffer *out, const struct stats *st,
    const struct dtls_stats *ds)
{
#define METRICS_TRAFFIC(name, desc)					\
	metrics_single(out, "sctptun_" #name "_total", "counter", desc ".",	\
	    st->name);
	STATS_TRAFFIC(METRICS_TRAFFIC)
#undef METRICS_TRAFFIC

	metrics_family(out, "sctptun_drops_total", "counter",
	    "Packets dropped, by reason (see stats.h or sctptunctl show "
	    "stats).");
#define METRICS_DROP(name, desc)					\
	evbuffer_add_printf(out, "sctptun_drops_total{reason=\"" #name	\
	    "\"} %" PRIu64 "\n", st->name);
	STATS_DROPS(METRICS_DROP)
	if (ds != NULL) {
#define METRICS_DTLS_DROP(name, desc)					\
		evbuffer_add_printf(out, "sctptun_drops_total{reason=\"" #name \
		    "\"} %" PRIu64 "\n", ds->name);
		DTLS_DROPS(METRICS_DTLS_DROP)
#undef METRICS_DTLS_DROP
#define METRICS_DTLS(name, desc)					\
		metrics_single(out, "sctptun_" #name "_total", "counter",	\
		    desc ".", ds->name);
		DTLS_STATS(METRICS_DTLS)
#undef METRICS_DTLS
	}
#undef METRICS_DROP
}

/* dtls_foreach_session() callback: count the sessions by state. */
static void
metrics_sessions_cb(const struct dtls_session_info *si, void *arg)
{
	uint64_t	*n = arg;

	if (strcmp(si->state, "up") == 0)
		n[0]++;
	else if (strcmp(si->state, "handshake") == 0)
		n[1]++;
	else
		n[2]++;
}

/* The DTLS sessions: a gauge by state. */
static void
metrics_sessions(struct evbuffer *out, struct dtls *d)
{
	uint64_t	 n[3] = { 0, 0, 0 };

	dtls_foreach_session(d, metrics_sessions_cb, n);
	metrics_family(out, "sctptun_dtls_sessions", "gauge",
	    "DTLS sessions with encrypted peers, by state.");
	evbuffer_add_printf(out, "sctptun_dtls_sessions{state=\"up\"} %"
	    PRIu64 "\nsctptun_dtls_sessions{state=\"handshake\"} %" PRIu64
	    "\nsctptun_dtls_sessions{state=\"retiring\"} %" PRIu64 "\n",
	    n[0], n[1], n[2]);
}

/* The cluster: members by state, the cache, held packets (gauges). */
static void
metrics_cluster(struct evbuffer *out, const struct cluster *cl)
{
	struct cluster_member_info	 m;
	uint64_t			 n[3] = { 0, 0, 0 };
	size_t				 i;

	for (i = 0; i < cluster_nmembers(cl); i++)
		if (cluster_member(cl, i, &m) == 0 && m.state >= 0 &&
		    m.state < 3)
			n[m.state]++;
	metrics_family(out, "sctptun_cluster_members", "gauge",
	    "Cluster members, by state (self: this replica).");
	evbuffer_add_printf(out, "sctptun_cluster_members{state=\"up\"} %"
	    PRIu64 "\nsctptun_cluster_members{state=\"down\"} %" PRIu64
	    "\nsctptun_cluster_members{state=\"self\"} %" PRIu64 "\n",
	    n[CLUSTER_MEMBER_UP], n[CLUSTER_MEMBER_DOWN],
	    n[CLUSTER_MEMBER_SELF]);
	metrics_single(out, "sctptun_cluster_cache_entries", "gauge",
	    "Associations whose owner the tag cache names.",
	    cluster_cache_entries(cl));
	metrics_single(out, "sctptun_cluster_held_packets", "gauge",
	    "Packets held while the members are asked for their owner.",
	    cluster_held_packets(cl));
}

/* table_foreach() callback: count the transports. */
static void
metrics_transports_cb(struct assoc *a, void *arg)
{
	uint64_t	*n = arg;

	*n += a->ntransports;
}

/* Occupancy and limits of the table: gauges. */
static void
metrics_table_gauges(struct evbuffer *out, struct table *t)
{
	uint64_t	 transports = 0;
	size_t		 i;

	metrics_family(out, "sctptun_associations", "gauge",
	    "Associations in the table, by state.");
	for (i = 0; i < sizeof(metrics_states) / sizeof(metrics_states[0]);
	    i++)
		evbuffer_add_printf(out, "sctptun_associations{state=\"%s\"} "
		    "%" PRIu32 "\n", assoc_state_name(metrics_states[i]),
		    table_count(t, metrics_states[i]));
	/* A walk of the table, but only once per scrape. */
	table_foreach(t, metrics_transports_cb, &transports);
	metrics_single(out, "sctptun_transports", "gauge",
	    "Peer addresses tracked over all associations.", transports);
	metrics_single(out, "sctptun_associations_limit", "gauge",
	    "limits.associations: the most entries the table holds.",
	    table_max_assocs(t));
	metrics_single(out, "sctptun_embryonic_limit", "gauge",
	    "limits.embryonic: the most embryonic entries.",
	    table_max_embryonic(t));
}

/* The table's event counters. */
static void
metrics_table_events(struct evbuffer *out, struct table *t)
{
	const struct table_stats *ts = table_stats(t);
	const struct metrics_table_counter *c;
	uint64_t	 v;
	size_t		 i;

	for (i = 0; i < sizeof(metrics_table_counters) /
	    sizeof(metrics_table_counters[0]); i++) {
		c = &metrics_table_counters[i];
		memcpy(&v, (const char *)ts + c->off, sizeof(v));
		metrics_single(out, c->name, "counter", c->help, v);
	}
}

/* The whole exposition. */
static void
metrics_write(struct evbuffer *out, struct datapath *dp)
{
	struct dtls	*d = dtlspath_engine(dp->dtls);
	uint32_t	 now = datapath_now();

	metrics_single(out, "sctptun_uptime_seconds", "gauge",
	    "Seconds since the data path started.",
	    now >= dp->started ? now - dp->started : 0);
	metrics_stats(out, &dp->stats, d != NULL ? dtls_stats(d) : NULL);
	metrics_table_gauges(out, dp->table);
	metrics_table_events(out, dp->table);
	if (d != NULL)
		metrics_sessions(out, d);
	if (dp->cluster != NULL)
		metrics_cluster(out, dp->cluster);
}

/* A short text/plain answer: errors and refusals. */
static void
metrics_reply_text(struct evhttp_request *req, int code, const char *reason)
{
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);
	struct evbuffer		*body;

	evhttp_add_header(hdr, "Content-Type", "text/plain; charset=utf-8");
	if ((body = evbuffer_new()) != NULL)
		evbuffer_add_printf(body, "%d %s\n", code, reason);
	evhttp_send_reply(req, code, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

/* Every request: GET or HEAD of /metrics, else 404 or 405. */
static void
metrics_request_cb(struct evhttp_request *req, void *arg)
{
	struct metrics		*m = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = NULL;
	struct evkeyvalq	*hdr;
	struct evbuffer		*body;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	char			 len[24];

	if (uri != NULL)
		path = evhttp_uri_get_path(uri);
	if (path == NULL || strcmp(path, METRICS_PATH) != 0) {
		metrics_reply_text(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		metrics_reply_text(req, 405, "Method Not Allowed");
		return;
	}
	if ((body = evbuffer_new()) == NULL) {
		metrics_reply_text(req, HTTP_INTERNAL, "Out of memory");
		return;
	}
	metrics_write(body, m->dp);
	hdr = evhttp_request_get_output_headers(req);
	evhttp_add_header(hdr, "Content-Type", METRICS_CONTENT_TYPE);
	/* evhttp 2.1 sends a HEAD answer's body: give it only the length. */
	if (cmd == EVHTTP_REQ_HEAD) {
		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
		evhttp_add_header(hdr, "Content-Length", len);
		evhttp_send_reply(req, HTTP_OK, "OK", NULL);
	} else
		evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

/* Listen on "ADDR:PORT" or "[IPv6]:PORT"; NULL with *cause set. */
struct metrics *
metrics_open(struct event_base *base, const char *listen,
    struct datapath *dp, const char **cause)
{
	struct metrics	*m;
	struct ipaddr	 addr;
	uint16_t	 port;
	char		 host[ADDR_STRLEN];

	if (config_parse_listen(listen, &addr, &port, cause) == -1)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->http = evhttp_new(base)) == NULL) {
		free(m);
		*cause = "out of memory";
		return NULL;
	}
	m->dp = dp;
	evhttp_set_max_headers_size(m->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, METRICS_MAX_BODY);
	evhttp_set_timeout(m->http, METRICS_TIMEOUT);
	/* Let every method reach the callback, which answers 405. */
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(m->http, metrics_request_cb, m);
	addr_ntop(&addr, host, sizeof(host));
	if (evhttp_bind_socket_with_handle(m->http, host, port) == NULL) {
		*cause = strerror(errno);
		metrics_close(m);
		return NULL;
	}
	log_info("metrics on http://%s/metrics", listen);
	return m;
}

/* Stop listening and drop open connections. */
void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	evhttp_free(m->http);
	free(m);
}
