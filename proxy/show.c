/*
 * show: reports on the table and the counters, as aligned text for people
 * and as JSON (one object, keys stable) for scripts and tests.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "dtls.h"
#include "dtlspath.h"
#include "show.h"

struct show_ctx {
	struct evbuffer		*out;
	struct datapath		*dp;
	uint32_t		 now;
	int			 json;
	int			 count;
};

/* Append s as a JSON string, escaped. */
static void
show_json_str(struct evbuffer *out, const char *s)
{
	evbuffer_add(out, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			evbuffer_add_printf(out, "\\%c", c);
		else if (c < 0x20)
			evbuffer_add_printf(out, "\\u%04x", c);
		else
			evbuffer_add(out, s, 1);
	}
	evbuffer_add(out, "\"", 1);
}

/* The configured name of an association's peer. */
static const char *
show_peer_name(const struct show_ctx *c, const struct assoc *a)
{
	if (a->peer_id < c->dp->conf->npeers)
		return c->dp->conf->peers[a->peer_id].name;
	return "?";
}

/* Whether an association's peer is reached over DTLS. */
static int
show_encrypted(const struct show_ctx *c, const struct assoc *a)
{
	return a->peer_id < c->dp->conf->npeers &&
	    c->dp->conf->peers[a->peer_id].dtls != NULL;
}

/* Seconds from then to now, clamped at 0. */
static uint32_t
show_ago(const struct show_ctx *c, uint32_t then)
{
	return c->now >= then ? c->now - then : 0;
}

/* One transport, as text. */
static void
show_transport_text(struct show_ctx *c, const struct transport *t)
{
	char	 addr[ADDR_STRLEN];

	addr_ntop(&t->addr, addr, sizeof(addr));
	evbuffer_add_printf(c->out, "    transport %s: udp port ", addr);
	if (t->port == 0)
		evbuffer_add_printf(c->out, "none");
	else if (t->flags & TRANSPORT_LEARNED)
		evbuffer_add_printf(c->out, "%u (learned %" PRIu32 " s ago)",
		    t->port, show_ago(c, t->learned_at));
	else
		evbuffer_add_printf(c->out, "%u", t->port);
	evbuffer_add_printf(c->out, ", packets %" PRIu64 " in %" PRIu64
	    " out%s%s%s", t->rx_packets, t->tx_packets,
	    (t->flags & TRANSPORT_FROM_INIT) ? ", listed in INIT" : "",
	    (t->flags & TRANSPORT_SILENT) ? ", silent" : "",
	    t->fp_slot != 0 ? ", fast path" : "");
	if (t->via != 0)
		evbuffer_add_printf(c->out, ", via %s", cluster_via_name(
		    c->dp->cluster, t->via, addr, sizeof(addr)));
	evbuffer_add_printf(c->out, "\n");
}

/* One association, as text. */
static void
show_assoc_text(struct show_ctx *c, const struct assoc *a)
{
	int	 i;

	evbuffer_add_printf(c->out,
	    "assoc %" PRIu32 " %s: local port %u, peer port %u, peer %s%s\n"
	    "    tags: local 0x%08" PRIx32 ", peer 0x%08" PRIx32
	    "; udp port %u; up %" PRIu32 " s, idle %" PRIu32 " s\n"
	    "    packets %" PRIu64 " in %" PRIu64 " out, bytes %" PRIu64
	    " in %" PRIu64 " out\n",
	    a->id, assoc_state_name(a->state), a->lport, a->pport,
	    show_peer_name(c, a), show_encrypted(c, a) ? " (dtls)" : "",
	    a->ltag, a->ptag, a->port,
	    show_ago(c, a->created), show_ago(c, a->last_active),
	    a->rx_packets, a->tx_packets, a->rx_bytes, a->tx_bytes);
	for (i = 0; i < a->ntransports; i++)
		show_transport_text(c, &a->t[i]);
}

/* One transport, as a JSON object. */
static void
show_transport_json(struct show_ctx *c, const struct transport *t, int first)
{
	char	 addr[ADDR_STRLEN];

	addr_ntop(&t->addr, addr, sizeof(addr));
	evbuffer_add_printf(c->out, "%s{\"address\":\"%s\",\"udp_port\":%u,"
	    "\"learned\":%s,\"learned_ago\":%" PRIu32 ",\"from_init\":%s,"
	    "\"last_seen_ago\":%" PRIu32 ",\"rx_packets\":%" PRIu64
	    ",\"tx_packets\":%" PRIu64 ",\"silent\":%s,\"fastpath\":%s",
	    first ? "" : ",", addr, t->port,
	    (t->flags & TRANSPORT_LEARNED) ? "true" : "false",
	    show_ago(c, t->learned_at),
	    (t->flags & TRANSPORT_FROM_INIT) ? "true" : "false",
	    show_ago(c, t->last_seen), t->rx_packets, t->tx_packets,
	    (t->flags & TRANSPORT_SILENT) ? "true" : "false",
	    t->fp_slot != 0 ? "true" : "false");
	/* The member that relays the path, null when it is direct. */
	if (t->via != 0)
		evbuffer_add_printf(c->out, ",\"via\":\"%s\"}",
		    cluster_via_name(c->dp->cluster, t->via, addr,
		    sizeof(addr)));
	else
		evbuffer_add_printf(c->out, ",\"via\":null}");
}

/* One association, as a JSON object. */
static void
show_assoc_json(struct show_ctx *c, const struct assoc *a)
{
	int	 i;

	evbuffer_add_printf(c->out, "%s{\"id\":%" PRIu32 ",\"state\":\"%s\","
	    "\"local_port\":%u,\"peer_port\":%u,\"peer\":",
	    c->count > 0 ? "," : "", a->id, assoc_state_name(a->state),
	    a->lport, a->pport);
	show_json_str(c->out, show_peer_name(c, a));
	evbuffer_add_printf(c->out, ",\"dtls\":%s,\"local_tag\":%" PRIu32
	    ",\"peer_tag\":%" PRIu32 ",\"udp_port\":%u,\"local_initiated\":%s,"
	    "\"up\":%" PRIu32 ",\"idle\":%" PRIu32 ",\"rx_packets\":%" PRIu64
	    ",\"tx_packets\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
	    ",\"tx_bytes\":%" PRIu64 ",\"transports\":[",
	    show_encrypted(c, a) ? "true" : "false", a->ltag, a->ptag, a->port, a->local_initiated ? "true" : "false",
	    show_ago(c, a->created), show_ago(c, a->last_active),
	    a->rx_packets, a->tx_packets, a->rx_bytes, a->tx_bytes);
	for (i = 0; i < a->ntransports; i++)
		show_transport_json(c, &a->t[i], i == 0);
	evbuffer_add_printf(c->out, "]}");
}

/* table_foreach() callback. */
static void
show_assoc_cb(struct assoc *a, void *arg)
{
	struct show_ctx	*c = arg;

	if (c->json)
		show_assoc_json(c, a);
	else
		show_assoc_text(c, a);
	c->count++;
}

/* The association table. */
void
show_assocs(struct evbuffer *out, struct datapath *dp, int json)
{
	struct show_ctx	 c = { out, dp, table_clock(dp->table), json, 0 };

	if (json)
		evbuffer_add_printf(out, "{\"associations\":[");
	table_foreach(dp->table, show_assoc_cb, &c);
	if (json)
		evbuffer_add_printf(out, "]}\n");
	else if (c.count == 0)
		evbuffer_add_printf(out, "no associations\n");
}

/* A counter: "name value" or "\"name\":value". */
static void
show_counter(struct evbuffer *out, int json, int *first, const char *name,
    uint64_t value)
{
	if (json)
		evbuffer_add_printf(out, "%s\"%s\":%" PRIu64,
		    *first ? "" : ",", name, value);
	else
		evbuffer_add_printf(out, "  %-24s %" PRIu64 "\n", name, value);
	*first = 0;
}

/* Open a group of counters. */
static void
show_group(struct evbuffer *out, int json, int first_group, const char *name,
    int *first)
{
	if (json)
		evbuffer_add_printf(out, "%s\"%s\":{", first_group ? "" : "},",
		    name);
	else
		evbuffer_add_printf(out, "%s:\n", name);
	*first = 1;
}

/* The table's own counters and occupancy. */
static void
show_table_counters(struct evbuffer *out, struct datapath *dp, int json)
{
	const struct table_stats *ts = table_stats(dp->table);
	int	 f;

	show_group(out, json, 0, "table", &f);
	show_counter(out, json, &f, "embryonic",
	    table_count(dp->table, ASSOC_EMBRYONIC));
	show_counter(out, json, &f, "established",
	    table_count(dp->table, ASSOC_ESTABLISHED));
	show_counter(out, json, &f, "closing",
	    table_count(dp->table, ASSOC_CLOSING));
	show_counter(out, json, &f, "max_associations",
	    table_max_assocs(dp->table));
	show_counter(out, json, &f, "max_embryonic",
	    table_max_embryonic(dp->table));
#define SHOW_TS(n) show_counter(out, json, &f, #n "_total", ts->n)
	SHOW_TS(created); SHOW_TS(established); SHOW_TS(removed);
	SHOW_TS(expired_idle); SHOW_TS(expired_embryonic);
	SHOW_TS(evicted_embryonic); SHOW_TS(full); SHOW_TS(ports_learned);
	SHOW_TS(ports_changed); SHOW_TS(transports_full);
#undef SHOW_TS
}

/* The DTLS engine's counters, if there is one. */
static void
show_dtls_counters(struct evbuffer *out, struct datapath *dp, int json)
{
	struct dtls		*d = dtlspath_engine(dp->dtls);
	const struct dtls_stats	*ds;
	int			 f;

	if (d == NULL)
		return;
	ds = dtls_stats(d);
	show_group(out, json, 0, "dtls", &f);
#define SHOW_DS(name, desc) show_counter(out, json, &f, #name, ds->name);
	DTLS_STATS(SHOW_DS)
	show_group(out, json, 0, "dtls_drops", &f);
	DTLS_DROPS(SHOW_DS)
#undef SHOW_DS
}

/* The global counters: traffic, drops by reason, table. */
void
show_stats(struct evbuffer *out, struct datapath *dp, int json)
{
	const struct stats *st = &dp->stats;
	int	 f;

	if (json)
		evbuffer_add_printf(out, "{");
	show_group(out, json, 1, "traffic", &f);
#define SHOW_ST(name, desc) show_counter(out, json, &f, #name, st->name);
	STATS_TRAFFIC(SHOW_ST)
	show_group(out, json, 0, "drops", &f);
	STATS_DROPS(SHOW_ST)
#undef SHOW_ST
	show_table_counters(out, dp, json);
	show_dtls_counters(out, dp, json);
	if (json)
		evbuffer_add_printf(out, "}}\n");
}

/* What peers and sessions show_peers walks. */
struct show_peers_ctx {
	struct evbuffer		*out;
	int			 json;
	int			 peer;		/* the peer being shown */
	int			 count;		/* its sessions so far */
};

/* One session of the peer being shown. */
static void
show_session_cb(const struct dtls_session_info *si, void *arg)
{
	struct show_peers_ctx	*c = arg;
	char			 l[ADDR_STRLEN], r[ADDR_STRLEN];

	if (si->peer != c->peer)
		return;
	addr_ntop(&si->local, l, sizeof(l));
	addr_ntop(&si->remote, r, sizeof(r));
	if (!c->json) {
		evbuffer_add_printf(c->out, "    session %s -> %s port %u: %s%s"
		    ", %s, %s\n      identity %s; age %" PRIu32 " s, idle %"
		    PRIu32 " s; records %" PRIu64 " in %" PRIu64 " out, bytes %"
		    PRIu64 " in %" PRIu64 " out; dropped %" PRIu64 " replayed %"
		    PRIu64 " forged\n", l, r, si->port, si->state,
		    si->current ? " (current)" : "",
		    si->client ? "client" : "server",
		    si->cipher != NULL ? si->cipher : "no cipher yet",
		    si->identity != NULL ? si->identity : "-", si->age,
		    si->idle, si->records_in, si->records_out, si->bytes_in,
		    si->bytes_out, si->replayed, si->forged);
		c->count++;
		return;
	}
	evbuffer_add_printf(c->out, "%s{\"local\":\"%s\",\"remote\":\"%s\","
	    "\"udp_port\":%u,\"state\":\"%s\",\"current\":%s,\"role\":"
	    "\"%s\",\"cipher\":", c->count > 0 ? "," : "", l, r, si->port,
	    si->state, si->current ? "true" : "false",
	    si->client ? "client" : "server");
	show_json_str(c->out, si->cipher != NULL ? si->cipher : "");
	evbuffer_add_printf(c->out, ",\"identity\":");
	show_json_str(c->out, si->identity != NULL ? si->identity : "");
	evbuffer_add_printf(c->out, ",\"age\":%" PRIu32 ",\"idle\":%" PRIu32
	    ",\"records_in\":%" PRIu64 ",\"records_out\":%" PRIu64
	    ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
	    ",\"replayed\":%" PRIu64 ",\"forged\":%" PRIu64 "}", si->age,
	    si->idle, si->records_in, si->records_out, si->bytes_in,
	    si->bytes_out, si->replayed, si->forged);
	c->count++;
}

/* How a peer is reached, in a few words. */
static const char *
show_peer_mode(const struct peer_config *p)
{
	if (p->dtls == NULL)
		return "cleartext";
	if (p->dtls->psk_identity[0] != '\0')
		return "dtls-psk";
	return "dtls-certificate";
}

/* One peer and, if it is encrypted, its sessions. */
static void
show_peer(struct show_peers_ctx *c, struct datapath *dp, int i)
{
	const struct peer_config	*p = &dp->conf->peers[i];
	struct dtls			*d = dtlspath_engine(dp->dtls);
	char				 buf[ADDR_STRLEN];
	size_t				 j;

	if (c->json) {
		evbuffer_add_printf(c->out, "%s{\"name\":", i > 0 ? "," : "");
		show_json_str(c->out, p->name);
		evbuffer_add_printf(c->out, ",\"mode\":\"%s\",\"remote_port\":"
		    "%u,\"prefixes\":[", show_peer_mode(p), p->remote_port);
	} else
		evbuffer_add_printf(c->out, "peer %s: %s, remote port %u, "
		    "prefixes", p->name, show_peer_mode(p), p->remote_port);
	for (j = 0; j < p->nprefixes; j++)
		evbuffer_add_printf(c->out, c->json ? "%s\"%s\"" : "%s%s",
		    c->json ? (j > 0 ? "," : "") : " ",
		    prefix_ntop(&p->prefixes[j], buf, sizeof(buf)));
	if (!c->json)
		evbuffer_add_printf(c->out, "\n");
	else
		evbuffer_add_printf(c->out, "],\"sessions\":[");
	c->peer = i;
	c->count = 0;
	if (d != NULL && p->dtls != NULL)
		dtls_foreach_session(d, show_session_cb, c);
	if (c->json)
		evbuffer_add_printf(c->out, "]}");
	else if (p->dtls != NULL && c->count == 0)
		evbuffer_add_printf(c->out, "    no session\n");
}

/* The peers: how each is reached, and the DTLS sessions of each. */
void
show_peers(struct evbuffer *out, struct datapath *dp, int json)
{
	struct show_peers_ctx	 c = { out, json, 0, 0 };
	size_t			 i;

	if (json)
		evbuffer_add_printf(out, "{\"peers\":[");
	for (i = 0; i < dp->conf->npeers; i++)
		show_peer(&c, dp, (int)i);
	if (json)
		evbuffer_add_printf(out, "]}\n");
}

/* One member of the cluster. */
static void
show_cluster_member(struct evbuffer *out, const struct cluster_member_info *m,
    int json, int first)
{
	char	 addr[ADDR_STRLEN];

	addr_ntop(&m->addr, addr, sizeof(addr));
	if (json) {
		evbuffer_add_printf(out, "%s{\"address\":\"%s\",\"state\":"
		    "\"%s\",\"last_hello_ms\":%" PRId64 ",\"relayed_to\":%"
		    PRIu64 ",\"relayed_from\":%" PRIu64 "}", first ? "" : ",",
		    addr, cluster_state_name(m->state), m->last_hello_ms,
		    m->relayed_to, m->relayed_from);
		return;
	}
	evbuffer_add_printf(out, "  member %s: %s", addr,
	    cluster_state_name(m->state));
	if (m->state != CLUSTER_MEMBER_SELF) {
		if (m->last_hello_ms >= 0)
			evbuffer_add_printf(out, ", last hello %" PRId64
			    " ms ago", m->last_hello_ms);
		else
			evbuffer_add_printf(out, ", never heard");
	}
	evbuffer_add_printf(out, ", relayed %" PRIu64 " to, %" PRIu64
	    " from\n", m->relayed_to, m->relayed_from);
}

/* The cluster: members, cache, held packets, the relay's counters. */
void
show_cluster(struct evbuffer *out, struct datapath *dp, int json)
{
	const struct stats		*st = &dp->stats;
	struct cluster			*cl = dp->cluster;
	struct cluster_member_info	 m;
	size_t				 i;
	int				 f = 1;

	if (cl == NULL) {
		if (json)
			evbuffer_add_printf(out, "{\"enabled\":false,"
			    "\"port\":0,\"members\":[]}\n");
		else
			evbuffer_add_printf(out, "no cluster configured\n");
		return;
	}
	if (json)
		evbuffer_add_printf(out, "{\"enabled\":true,\"port\":%u,"
		    "\"members\":[", cluster_port(cl));
	else
		evbuffer_add_printf(out, "cluster on udp port %u\n",
		    cluster_port(cl));
	for (i = 0; i < cluster_nmembers(cl); i++)
		if (cluster_member(cl, i, &m) == 0) {
			show_cluster_member(out, &m, json, f);
			f = 0;
		}
	if (json)
		evbuffer_add_printf(out, "],");
	f = 1;
	show_counter(out, json, &f, "cache_entries",
	    cluster_cache_entries(cl));
	show_counter(out, json, &f, "held_packets", cluster_held_packets(cl));
#define SHOW_CL(name, desc) show_counter(out, json, &f, #name, st->name);
	STATS_CLUSTER(SHOW_CL)
	STATS_CLUSTER_DROPS(SHOW_CL)
#undef SHOW_CL
	if (json)
		evbuffer_add_printf(out, "}\n");
}
