/*
 * cluster: membership, the relay channel's socket, the tag -> member
 * cache, queries with their held packets, and hellos (cluster.h).  The
 * bytes on the wire are relay_msg's; what a relayed packet becomes is the
 * data path's (datapath_ingress_relayed, datapath_send_client).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "cluster.h"
#include "datapath.h"
#include "log.h"
#include "relay_msg.h"
#include "track.h"
#include "udp.h"

#define CLUSTER_BUDGET		64	/* messages read per wakeup */
#define CLUSTER_BUFSIZE		65536
#define CLUSTER_NOBODY		0xff	/* a cache entry: no owner */

struct cluster_member {
	struct ipaddr		 addr;
	int			 used;		/* the slot holds a member */
	int			 state;		/* enum cluster_member_state */
	int			 seen;		/* in the last resolution */
	uint64_t		 last_hello_ms;	/* 0: never */
	uint64_t		 probe_ms;	/* an ICMP error's probe must be
						   answered by then; 0: none */
	struct relay_replay	 window;
	uint64_t		 relayed_to;
	uint64_t		 relayed_from;
};

/* An association as a member without it names it. */
struct cluster_key {
	uint32_t		 vtag;
	uint16_t		 lport, pport;
	uint16_t		 flags;		/* RELAY_F_REFLECTED */
};

struct cluster_cache_entry {
	struct cluster_key	 key;
	uint8_t			 valid;
	uint8_t			 member;	/* index, or CLUSTER_NOBODY */
	uint64_t		 used_ms;
};

/* A packet waiting for the answer to a query. */
struct cluster_held {
	int			 query;		/* its query, -1: slot free */
	size_t			 len;
	struct ipaddr		 src, dst;
	uint16_t		 sport;
	uint8_t			 tos;
	uint8_t			 buf[IP_HEADROOM + CLUSTER_HELD_LEN];
};

struct cluster_query {
	int			 used;
	struct cluster_key	 key;
	uint64_t		 deadline_ms;
	unsigned int		 nheld;
};

static int	cluster_member_of(const struct cluster *,
		    const struct ipaddr *);
static void	cluster_hello(struct cluster *, size_t, uint16_t);

struct cluster {
	struct datapath		*dp;
	struct stats		*st;
	struct relay_key	*key;
	struct udp		 udp;
	struct event		*ev4, *ev6, *ev_tick;
	struct evdns_base	*dns;
	struct evdns_getaddrinfo_request *dns_req;

	struct cluster_member	 members[CLUSTER_MAX_MEMBERS];
	size_t			 nmembers;	/* slots in use or used */
	struct ipaddr		 self4, self6;	/* our member addresses */
	int			 self_warned;	/* said none is ours */

	uint64_t		 epoch;
	uint64_t		 seq;
	uint64_t		 last_hello_ms;
	uint64_t		 last_resolve_ms;

	struct cluster_cache_entry cache[CLUSTER_CACHE_SETS]
				    [CLUSTER_CACHE_WAYS];
	struct cluster_query	 queries[CLUSTER_HELD_MAX];
	struct cluster_held	*held;		/* CLUSTER_HELD_MAX */
	size_t			 nheld;

	uint8_t			 rxbuf[IP_HEADROOM + CLUSTER_BUFSIZE];
	uint8_t			 txbuf[CLUSTER_BUFSIZE];
};

/* Milliseconds, monotonic. */
static uint64_t
cluster_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Seconds of the realtime clock: message timestamps. */
static uint32_t
cluster_realtime(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint32_t)ts.tv_sec;
}

const char *
cluster_state_name(int state)
{
	switch (state) {
	case CLUSTER_MEMBER_UP: return "up";
	case CLUSTER_MEMBER_SELF: return "self";
	default: return "down";
	}
}

/* The one place a member changes state: logged old -> new. */
static void
cluster_member_set_state(struct cluster *c, struct cluster_member *m,
    int state)
{
	char	 buf[ADDR_STRLEN];

	if (m->state == state)
		return;
	log_info("cluster member %s: %s -> %s", addr_ntop(&m->addr, buf,
	    sizeof(buf)), cluster_state_name(m->state),
	    cluster_state_name(state));
	m->state = state;
}

/* The cache set of a key. */
static struct cluster_cache_entry *
cluster_cache_set(struct cluster *c, const struct cluster_key *k)
{
	uint32_t	 h;

	h = k->vtag * 2654435761U;
	h ^= ((uint32_t)k->lport << 16 | k->pport) * 40503U;
	h ^= k->flags;
	return c->cache[(h >> 7) % CLUSTER_CACHE_SETS];
}

static int
cluster_key_equal(const struct cluster_key *a, const struct cluster_key *b)
{
	return a->vtag == b->vtag && a->lport == b->lport &&
	    a->pport == b->pport && a->flags == b->flags;
}

/* Whether an entry is still good at now. */
static int
cluster_cache_live(const struct cluster_cache_entry *e, uint64_t now)
{
	uint64_t	 ttl;

	if (!e->valid)
		return 0;
	ttl = e->member == CLUSTER_NOBODY ? CLUSTER_NOBODY_MS :
	    CLUSTER_CACHE_IDLE_MS;
	return now - e->used_ms < ttl;
}

/* The entry of a key, or NULL; a hit counts as use. */
static struct cluster_cache_entry *
cluster_cache_get(struct cluster *c, const struct cluster_key *k,
    uint64_t now)
{
	struct cluster_cache_entry	*set = cluster_cache_set(c, k);
	int				 i;

	for (i = 0; i < CLUSTER_CACHE_WAYS; i++) {
		if (!cluster_cache_live(&set[i], now) ||
		    !cluster_key_equal(&set[i].key, k))
			continue;
		set[i].used_ms = now;
		return &set[i];
	}
	return NULL;
}

/* Record the owner of a key: its entry, a dead one, or the oldest. */
static void
cluster_cache_put(struct cluster *c, const struct cluster_key *k,
    uint8_t member, uint64_t now)
{
	struct cluster_cache_entry	*set = cluster_cache_set(c, k), *v;
	int				 i;

	v = &set[0];
	for (i = 0; i < CLUSTER_CACHE_WAYS; i++) {
		if (set[i].valid && cluster_key_equal(&set[i].key, k)) {
			v = &set[i];
			break;
		}
		if (!cluster_cache_live(&set[i], now))
			v = &set[i];
		else if (cluster_cache_live(v, now) &&
		    set[i].used_ms < v->used_ms)
			v = &set[i];
	}
	v->key = *k;
	v->valid = 1;
	v->member = member;
	v->used_ms = now;
}

/* Drop the entry of a key if it names member i. */
static void
cluster_cache_drop(struct cluster *c, const struct cluster_key *k, size_t i)
{
	struct cluster_cache_entry	*set = cluster_cache_set(c, k);
	int				 w;

	for (w = 0; w < CLUSTER_CACHE_WAYS; w++)
		if (set[w].valid && set[w].member == i &&
		    cluster_key_equal(&set[w].key, k))
			set[w].valid = 0;
}

/* Drop every cache entry naming member i. */
static void
cluster_cache_forget(struct cluster *c, size_t i)
{
	size_t	 s, w;

	for (s = 0; s < CLUSTER_CACHE_SETS; s++)
		for (w = 0; w < CLUSTER_CACHE_WAYS; w++)
			if (c->cache[s][w].member == i)
				c->cache[s][w].valid = 0;
}

size_t
cluster_cache_entries(const struct cluster *c)
{
	uint64_t	 now = cluster_now_ms();
	size_t		 s, w, n = 0;

	for (s = 0; s < CLUSTER_CACHE_SETS; s++)
		for (w = 0; w < CLUSTER_CACHE_WAYS; w++)
			n += cluster_cache_live(&c->cache[s][w], now);
	return n;
}

/* Encode m for member i and send it; 0 or -1 (counted). */
static int
cluster_send(struct cluster *c, size_t i, struct relay_msg *m)
{
	struct cluster_member	*mb = &c->members[i];
	const struct ipaddr	*self;
	size_t			 len;
	int			 fd;

	fd = mb->addr.family == AF_INET ? c->udp.fd4 : c->udp.fd6;
	self = mb->addr.family == AF_INET ? &c->self4 : &c->self6;
	m->epoch = c->epoch;
	m->seq = c->seq++;
	m->timestamp = cluster_realtime();
	if (fd == -1 || (len = relay_encode(c->txbuf, sizeof(c->txbuf), m,
	    c->key, &mb->addr)) == 0) {
		c->st->relay_send_error++;
		return -1;
	}
	if (udp_send_one(fd, self->family != 0 ? self : NULL, &mb->addr,
	    c->udp.port, 0, c->txbuf, len) == -1) {
		c->st->relay_send_error++;
		return -1;
	}
	return 0;
}

/* Send one packet to member i as RELAY or SEND. */
static int
cluster_send_packet(struct cluster *c, size_t i, int type,
    const struct ipaddr *client, uint16_t port, uint8_t tos,
    const uint8_t *pkt, size_t len)
{
	struct relay_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	m.client = *client;
	m.client_port = port;
	m.tos = tos;
	m.pkt = pkt;
	m.pktlen = len;
	if (cluster_send(c, i, &m) == -1)
		return -1;
	c->members[i].relayed_to++;
	if (type == RELAY_RELAY) {
		c->st->relay_tx_packets++;
		c->st->relay_tx_bytes += len;
	} else {
		c->st->send_tx_packets++;
		c->st->send_tx_bytes += len;
	}
	return 0;
}

/* The key of a packet from a client, as its owner's table names it. */
static void
cluster_key_of(const struct sctp_pkt *sp, struct cluster_key *k)
{
	k->vtag = sp->vtag;
	k->lport = sp->dport;
	k->pport = sp->sport;
	k->flags = track_reflected(sp) ? RELAY_F_REFLECTED : 0;
}

/* The query of a key in flight, or -1. */
static int
cluster_query_find(struct cluster *c, const struct cluster_key *k)
{
	int	 q;

	for (q = 0; q < CLUSTER_HELD_MAX; q++)
		if (c->queries[q].used && cluster_key_equal(&c->queries[q].key,
		    k))
			return q;
	return -1;
}

/* Hold a copy of a packet for query q; 0, or -1 (counted). */
static int
cluster_hold(struct cluster *c, int q, const uint8_t *pkt, size_t len,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint8_t tos)
{
	struct cluster_held	*h;
	size_t			 i;

	if (len > CLUSTER_HELD_LEN ||
	    c->queries[q].nheld >= CLUSTER_HELD_PER_TAG ||
	    c->nheld >= CLUSTER_HELD_MAX) {
		c->st->relay_held_dropped++;
		return -1;
	}
	for (i = 0; i < CLUSTER_HELD_MAX && c->held[i].query != -1; i++)
		;
	h = &c->held[i];
	h->query = q;
	h->len = len;
	h->src = *src;
	h->sport = sport;
	h->dst = *dst;
	h->tos = tos;
	memcpy(h->buf + IP_HEADROOM, pkt, len);
	c->queries[q].nheld++;
	c->nheld++;
	return 0;
}

/*
 * Ask every member that is up who owns k: the query's index, -1 if no
 * query can start (too many in flight), -2 if no member is up.
 */
static int
cluster_query_start(struct cluster *c, const struct cluster_key *k,
    uint64_t now)
{
	struct relay_msg	 m;
	size_t			 i;
	int			 q, asked = 0;

	for (q = 0; q < CLUSTER_HELD_MAX && c->queries[q].used; q++)
		;
	if (q == CLUSTER_HELD_MAX || c->nheld >= CLUSTER_HELD_MAX)
		return -1;
	memset(&m, 0, sizeof(m));
	m.type = RELAY_QUERY;
	m.flags = k->flags;
	m.vtag = k->vtag;
	m.lport = k->lport;
	m.pport = k->pport;
	for (i = 0; i < c->nmembers; i++)
		if (c->members[i].used &&
		    c->members[i].state == CLUSTER_MEMBER_UP &&
		    cluster_send(c, i, &m) == 0)
			asked++;
	if (asked == 0)
		return -2;
	c->st->relay_queries++;
	c->queries[q].used = 1;
	c->queries[q].key = *k;
	c->queries[q].deadline_ms = now + CLUSTER_QUERY_MS;
	c->queries[q].nheld = 0;
	return q;
}

/*
 * End query q: its held packets go to member (relayed), or with
 * CLUSTER_NOBODY to the local kernel.
 */
static void
cluster_query_end(struct cluster *c, int q, uint8_t member)
{
	struct cluster_held	*h;
	size_t			 i;

	for (i = 0; i < CLUSTER_HELD_MAX; i++) {
		h = &c->held[i];
		if (h->query != q)
			continue;
		if (member == CLUSTER_NOBODY)
			datapath_deliver_unknown(c->dp, h->buf + IP_HEADROOM,
			    h->len, &h->src, h->sport, &h->dst, h->tos);
		else
			(void)cluster_send_packet(c, member, RELAY_RELAY,
			    &h->src, h->sport, h->tos, h->buf + IP_HEADROOM,
			    h->len);
		h->query = -1;
		c->nheld--;
	}
	c->queries[q].used = 0;
}

int
cluster_ingress_unknown(struct cluster *c, const uint8_t *pkt, size_t len,
    const struct sctp_pkt *sp, const struct ipaddr *src, uint16_t sport,
    const struct ipaddr *dst, uint8_t tos)
{
	struct cluster_cache_entry	*e;
	struct cluster_key		 k;
	uint64_t			 now = cluster_now_ms();
	int				 q;

	cluster_key_of(sp, &k);
	if ((e = cluster_cache_get(c, &k, now)) != NULL) {
		if (e->member == CLUSTER_NOBODY)
			return 0;
		if (c->members[e->member].state == CLUSTER_MEMBER_UP) {
			(void)cluster_send_packet(c, e->member, RELAY_RELAY,
			    src, sport, tos, pkt, len);
			return 1;
		}
		e->valid = 0;
	}
	if ((q = cluster_query_find(c, &k)) == -1)
		q = cluster_query_start(c, &k, now);
	/* Nobody to ask: nobody else can own it. */
	if (q == -2)
		return 0;
	if (q == -1)
		c->st->relay_held_dropped++;
	else
		(void)cluster_hold(c, q, pkt, len, src, sport, dst, tos);
	return 1;
}

int
cluster_egress(struct cluster *c, uint8_t via, const struct ipaddr *client,
    uint16_t port, uint8_t tos, const uint8_t *pkt, size_t len)
{
	size_t	 i = (size_t)via - 1;

	if (via == 0 || i >= c->nmembers || !c->members[i].used ||
	    c->members[i].state != CLUSTER_MEMBER_UP)
		return 0;
	(void)cluster_send_packet(c, i, RELAY_SEND, client, port, tos, pkt,
	    len);
	return 1;
}

void
cluster_not_owner(struct cluster *c, uint8_t via, const struct sctp_pkt *sp)
{
	struct cluster_key	 k;
	struct relay_msg	 m;
	size_t			 i = (size_t)via - 1;

	if (via == 0 || i >= c->nmembers || !c->members[i].used)
		return;
	cluster_key_of(sp, &k);
	memset(&m, 0, sizeof(m));
	m.type = RELAY_ANSWER;
	m.flags = k.flags | RELAY_F_NOT_OWNER;
	m.vtag = k.vtag;
	m.lport = k.lport;
	m.pport = k.pport;
	(void)cluster_send(c, i, &m);
}

/* A QUERY: answer it if the association is ours. */
static void
cluster_on_query(struct cluster *c, size_t i, const struct relay_msg *q)
{
	struct relay_msg	 m;
	struct assoc		*a;

	if (q->flags & RELAY_F_REFLECTED)
		a = table_lookup_ptag(c->dp->table, q->lport, q->pport,
		    q->vtag);
	else
		a = table_lookup_ltag(c->dp->table, q->lport, q->pport,
		    q->vtag);
	if (a == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.type = RELAY_ANSWER;
	m.flags = q->flags & RELAY_F_REFLECTED;
	m.vtag = q->vtag;
	m.lport = q->lport;
	m.pport = q->pport;
	(void)cluster_send(c, i, &m);
}

/* An ANSWER: member i owns the association; what waited goes to it. */
static void
cluster_on_answer(struct cluster *c, size_t i, const struct relay_msg *m)
{
	struct cluster_key	 k;
	int			 q;

	k.vtag = m->vtag;
	k.lport = m->lport;
	k.pport = m->pport;
	k.flags = m->flags & RELAY_F_REFLECTED;
	/* Not (or no longer) its: the next packet asks again. */
	if (m->flags & RELAY_F_NOT_OWNER) {
		cluster_cache_drop(c, &k, i);
		return;
	}
	c->st->relay_answers++;
	cluster_cache_put(c, &k, (uint8_t)i, cluster_now_ms());
	if ((q = cluster_query_find(c, &k)) != -1)
		cluster_query_end(c, q, (uint8_t)i);
}

/* An authenticated message from member i that came to our local. */
static void
cluster_dispatch(struct cluster *c, size_t i, const struct ipaddr *local,
    const struct relay_msg *m)
{
	struct cluster_member	*mb = &c->members[i];

	switch (m->type) {
	case RELAY_HELLO:
		c->st->relay_hellos++;
		mb->last_hello_ms = cluster_now_ms();
		mb->probe_ms = 0;
		cluster_member_set_state(c, mb, CLUSTER_MEMBER_UP);
		if (m->flags & RELAY_F_PROBE)
			cluster_hello(c, i, 0);
		break;
	case RELAY_QUERY:
		cluster_on_query(c, i, m);
		break;
	case RELAY_ANSWER:
		cluster_on_answer(c, i, m);
		break;
	case RELAY_RELAY:
		mb->relayed_from++;
		c->st->relay_rx_packets++;
		c->st->relay_rx_bytes += m->pktlen;
		datapath_ingress_relayed(c->dp, (uint8_t)(i + 1), &m->client,
		    m->client_port, local, m->tos, (uint8_t *)(uintptr_t)m->pkt,
		    m->pktlen);
		break;
	case RELAY_SEND:
		mb->relayed_from++;
		c->st->send_rx_packets++;
		c->st->send_rx_bytes += m->pktlen;
		datapath_send_client(c->dp, &m->client, m->client_port, m->tos,
		    m->pkt, m->pktlen);
		break;
	}
}

/* The member slot of a source address, or -1. */
static int
cluster_member_of(const struct cluster *c, const struct ipaddr *a)
{
	size_t	 i;

	for (i = 0; i < c->nmembers; i++)
		if (c->members[i].used && addr_equal(&c->members[i].addr, a))
			return (int)i;
	return -1;
}

/* One datagram of len bytes in rxbuf: authenticate, check, dispatch. */
static void
cluster_one(struct cluster *c, struct msghdr *msg, size_t len)
{
	struct udp_rxmeta	 meta;
	struct relay_msg	 m;
	struct ipaddr		 src;
	uint16_t		 sport;
	int			 i;

	if ((msg->msg_flags & MSG_TRUNC) || udp_cmsg_parse(msg, &meta) == -1 ||
	    addr_from_sockaddr(&src, &sport, msg->msg_name) == -1) {
		c->st->relay_malformed++;
		return;
	}
	if ((i = cluster_member_of(c, &src)) == -1 ||
	    c->members[i].state == CLUSTER_MEMBER_SELF) {
		c->st->relay_unknown_member++;
		return;
	}
	switch (relay_decode(c->rxbuf + IP_HEADROOM, len, c->key, &meta.dst,
	    &m)) {
	case RELAY_OK:
		break;
	case RELAY_ERR_AUTH:
		c->st->relay_auth_failures++;
		return;
	default:
		c->st->relay_malformed++;
		return;
	}
	switch (relay_replay_check(&c->members[i].window, &m,
	    cluster_realtime())) {
	case RELAY_OK:
		break;
	case RELAY_ERR_STALE:
		c->st->relay_stale++;
		return;
	default:
		c->st->relay_replays++;
		return;
	}
	cluster_dispatch(c, (size_t)i, &meta.dst, &m);
}

/*
 * Drain the error queue, a budget at most.  A member whose host says its
 * port or itself is unreachable is probed (cluster.h): if it does not
 * answer within CLUSTER_PROBE_MS it is down, and a killed owner's
 * associations get their ABORT without waiting CLUSTER_DOWN_MS.
 */
static void
cluster_errqueue(struct cluster *c, int fd)
{
	struct udp_error	 e;
	int			 i, m;

	for (i = 0; i < CLUSTER_BUDGET; i++) {
		if (udp_read_error(fd, c->txbuf, sizeof(c->txbuf), &e) == -1)
			break;
		if ((e.origin != SO_EE_ORIGIN_ICMP &&
		    e.origin != SO_EE_ORIGIN_ICMP6) ||
		    (e.err != ECONNREFUSED && e.err != EHOSTUNREACH &&
		    e.err != ENETUNREACH) ||
		    (m = cluster_member_of(c, &e.dst)) == -1 ||
		    c->members[m].state != CLUSTER_MEMBER_UP ||
		    c->members[m].probe_ms != 0)
			continue;
		c->members[m].probe_ms = cluster_now_ms() + CLUSTER_PROBE_MS;
		c->st->relay_probes++;
		cluster_hello(c, (size_t)m, RELAY_F_PROBE);
	}
}

/* The relay socket is readable: a budget of messages. */
static void
cluster_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct cluster		*c = arg;
	struct sockaddr_storage	 ss;
	uint8_t			 cmsg[UDP_CMSG_SPACE];
	struct iovec		 iov;
	struct msghdr		 msg;
	ssize_t			 n;
	int			 round;

	table_set_clock(c->dp->table, datapath_now());
	for (round = 0; round < CLUSTER_BUDGET; round++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = c->rxbuf + IP_HEADROOM;
		iov.iov_len = CLUSTER_BUFSIZE;
		msg.msg_name = &ss;
		msg.msg_namelen = sizeof(ss);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cmsg;
		msg.msg_controllen = sizeof(cmsg);
		if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				cluster_errqueue(c, fd);
			break;
		}
		cluster_one(c, &msg, (size_t)n);
	}
}

/* Forget member slot i: it left the DNS answer. */
static void
cluster_member_forget(struct cluster *c, size_t i)
{
	struct cluster_member	*mb = &c->members[i];
	char			 buf[ADDR_STRLEN];

	log_info("cluster member %s left", addr_ntop(&mb->addr, buf,
	    sizeof(buf)));
	cluster_cache_forget(c, i);
	datapath_forget_via(c->dp, (uint8_t)(i + 1));
	memset(mb, 0, sizeof(*mb));
}

/* Add a member (a free slot); -1 if none is left. */
static int
cluster_member_add(struct cluster *c, const struct ipaddr *a)
{
	size_t	 i;
	char	 buf[ADDR_STRLEN];

	for (i = 0; i < c->nmembers && c->members[i].used; i++)
		;
	if (i == CLUSTER_MAX_MEMBERS)
		return -1;
	if (i == c->nmembers)
		c->nmembers++;
	memset(&c->members[i], 0, sizeof(c->members[i]));
	c->members[i].used = 1;
	c->members[i].addr = *a;
	c->members[i].state = CLUSTER_MEMBER_DOWN;
	log_info("cluster member %s added", addr_ntop(a, buf, sizeof(buf)));
	return 0;
}

/* Which members are this host: their state, and our source addresses. */
static void
cluster_find_self(struct cluster *c)
{
	struct ifaddrs		*ifa, *p;
	struct ipaddr		 a;
	struct cluster_member	*mb;
	size_t			 i;
	int			 self;

	if (getifaddrs(&ifa) == -1)
		return;
	memset(&c->self4, 0, sizeof(c->self4));
	memset(&c->self6, 0, sizeof(c->self6));
	for (i = 0; i < c->nmembers; i++) {
		mb = &c->members[i];
		if (!mb->used)
			continue;
		self = 0;
		for (p = ifa; p != NULL && !self; p = p->ifa_next)
			if (p->ifa_addr != NULL && addr_from_sockaddr(&a, NULL,
			    p->ifa_addr) == 0 && addr_equal(&a, &mb->addr))
				self = 1;
		if (self) {
			cluster_member_set_state(c, mb, CLUSTER_MEMBER_SELF);
			if (mb->addr.family == AF_INET)
				c->self4 = mb->addr;
			else
				c->self6 = mb->addr;
		} else if (mb->state == CLUSTER_MEMBER_SELF)
			cluster_member_set_state(c, mb, CLUSTER_MEMBER_DOWN);
	}
	freeifaddrs(ifa);
	/* The others know us by our address in their list: without one,
	   our messages leave from whatever address the kernel picks. */
	if (c->self4.family == 0 && c->self6.family == 0 && c->nmembers > 0) {
		if (!c->self_warned)
			log_warnx("cluster: no member is an address of this "
			    "host; the others will not know our messages");
		c->self_warned = 1;
	} else
		c->self_warned = 0;
}

/* The answer to the members' DNS name. */
static void
cluster_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	static struct log_ratelimit	 rl;
	struct cluster			*c = arg;
	struct evutil_addrinfo		*p;
	struct ipaddr			 a;
	size_t				 i;
	int				 k;

	c->dns_req = NULL;
	if (result != 0) {
		if (result != EVUTIL_EAI_CANCEL)
			log_warnx_rl(&rl, "cluster.dns %s: %s; members kept",
			    c->dp->conf->cluster.dns,
			    evutil_gai_strerror(result));
		return;
	}
	for (i = 0; i < c->nmembers; i++)
		c->members[i].seen = 0;
	for (p = res; p != NULL; p = p->ai_next) {
		if (addr_from_sockaddr(&a, NULL, p->ai_addr) == -1 ||
		    !addr_is_unicast(&a))
			continue;
		if ((k = cluster_member_of(c, &a)) == -1 &&
		    cluster_member_add(c, &a) == 0)
			k = cluster_member_of(c, &a);
		if (k != -1)
			c->members[k].seen = 1;
	}
	evutil_freeaddrinfo(res);
	for (i = 0; i < c->nmembers; i++)
		if (c->members[i].used && !c->members[i].seen)
			cluster_member_forget(c, i);
	cluster_find_self(c);
}

/* Resolve the members' name again, unless a resolution is under way. */
static void
cluster_resolve(struct cluster *c)
{
	struct evutil_addrinfo	 hints;

	if (c->dns == NULL) {
		cluster_find_self(c);
		return;
	}
	if (c->dns_req != NULL)
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	c->dns_req = evdns_getaddrinfo(c->dns, c->dp->conf->cluster.dns, NULL,
	    &hints, cluster_dns_cb, c);
}

/* A hello to member i, with flags (RELAY_F_PROBE: answer now). */
static void
cluster_hello(struct cluster *c, size_t i, uint16_t flags)
{
	struct relay_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = RELAY_HELLO;
	m.flags = flags;
	(void)cluster_send(c, i, &m);
}

/* Member i is down: its cached associations are nobody's now. */
static void
cluster_member_down(struct cluster *c, size_t i)
{
	c->members[i].probe_ms = 0;
	cluster_member_set_state(c, &c->members[i], CLUSTER_MEMBER_DOWN);
	cluster_cache_forget(c, i);
}

/*
 * Every tick: a member that let a probe's deadline pass is down.  Every
 * CLUSTER_HELLO_MS (hellos set): hellos to every member but ourselves,
 * and members silent too long go down.
 */
static void
cluster_members_check(struct cluster *c, uint64_t now, int hellos)
{
	struct cluster_member	*mb;
	size_t			 i;

	for (i = 0; i < c->nmembers; i++) {
		mb = &c->members[i];
		if (!mb->used || mb->state == CLUSTER_MEMBER_SELF)
			continue;
		if (mb->probe_ms != 0 && now >= mb->probe_ms)
			cluster_member_down(c, i);
		if (!hellos)
			continue;
		cluster_hello(c, i, 0);
		if (mb->state == CLUSTER_MEMBER_UP &&
		    now - mb->last_hello_ms > CLUSTER_DOWN_MS)
			cluster_member_down(c, i);
	}
}

/* Every CLUSTER_TICK_MS: queries that timed out, hellos, resolution. */
static void
cluster_tick_cb(evutil_socket_t fd, short events, void *arg)
{
	struct cluster	*c = arg;
	uint64_t	 now = cluster_now_ms();
	int		 q;

	table_set_clock(c->dp->table, datapath_now());
	for (q = 0; q < CLUSTER_HELD_MAX; q++) {
		if (!c->queries[q].used || now < c->queries[q].deadline_ms)
			continue;
		c->st->relay_query_timeouts++;
		cluster_cache_put(c, &c->queries[q].key, CLUSTER_NOBODY, now);
		cluster_query_end(c, q, CLUSTER_NOBODY);
	}
	if (now - c->last_hello_ms >= CLUSTER_HELLO_MS) {
		c->last_hello_ms = now;
		cluster_members_check(c, now, 1);
	} else
		cluster_members_check(c, now, 0);
	if (now - c->last_resolve_ms >=
	    (uint64_t)c->dp->conf->cluster.resolve_seconds * 1000) {
		c->last_resolve_ms = now;
		cluster_resolve(c);
	}
}

/* Open the relay port: the encapsulation socket's kind, fragments let
   through, no GRO (one message per datagram). */
static int
cluster_open(struct cluster *c, uint16_t port, char **cause)
{
	const char	*why;
	int		 dont = IP_PMTUDISC_DONT, dont6 = IPV6_PMTUDISC_DONT;
	int		 zero = 0;

	if (udp_open(&c->udp, port, &why) == -1) {
		if (asprintf(cause, "cluster.port %u: %s: %s", port, why,
		    strerror(errno)) == -1)
			*cause = NULL;
		return -1;
	}
	if (c->udp.fd4 != -1) {
		(void)setsockopt(c->udp.fd4, IPPROTO_IP, IP_MTU_DISCOVER,
		    &dont, sizeof(dont));
		(void)setsockopt(c->udp.fd4, SOL_UDP, UDP_GRO, &zero,
		    sizeof(zero));
	}
	if (c->udp.fd6 != -1) {
		(void)setsockopt(c->udp.fd6, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
		    &dont6, sizeof(dont6));
		(void)setsockopt(c->udp.fd6, IPPROTO_IPV6, IPV6_DONTFRAG,
		    &zero, sizeof(zero));
		(void)setsockopt(c->udp.fd6, SOL_UDP, UDP_GRO, &zero,
		    sizeof(zero));
	}
	return 0;
}

/* The key, from the file the configuration names. */
static int
cluster_key_load(struct cluster *c, char **cause)
{
	const struct config	*conf = c->dp->conf;
	uint8_t			 secret[CONFIG_CLUSTER_KEY_MAX + 1];
	size_t			 len;

	if (config_cluster_key(conf, secret, sizeof(secret), &len,
	    cause) == -1)
		return -1;
	c->key = relay_key_new(secret, len);
	explicit_bzero(secret, sizeof(secret));
	if (c->key == NULL) {
		*cause = strdup("cluster.key_file: OpenSSL has no HMAC-SHA256");
		return -1;
	}
	return 0;
}

/* Register a read event on fd, if it is open. */
static struct event *
cluster_watch(struct cluster *c, int fd)
{
	struct event	*ev;

	if (fd == -1)
		return NULL;
	if ((ev = event_new(c->dp->base, fd, EV_READ | EV_PERSIST,
	    cluster_read_cb, c)) == NULL || event_add(ev, NULL) == -1)
		fatalx("cannot register an event for the cluster port");
	return ev;
}

/* The members and how they are found. */
static int
cluster_members_init(struct cluster *c, char **cause)
{
	const struct cluster_config	*cc = &c->dp->conf->cluster;
	size_t				 i;
	int				 r;

	for (i = 0; i < cc->nmembers; i++)
		(void)cluster_member_add(c, &cc->members[i]);
	if (cc->dns[0] == '\0')
		return 0;
	if ((c->dns = evdns_base_new(c->dp->base,
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL) {
		*cause = strdup("cluster.dns: cannot set up the resolver");
		return -1;
	}
	/* /etc/hosts, then the name servers; none listed: libevent asks
	   127.0.0.1, and a name in /etc/hosts still resolves. */
	r = evdns_base_resolv_conf_parse(c->dns, DNS_OPTIONS_ALL,
	    "/etc/resolv.conf");
	if (r != 0 && r != 6)
		log_warnx("cluster.dns: /etc/resolv.conf unusable (%d), asking "
		    "127.0.0.1", r);
	return 0;
}

struct cluster *
cluster_create(struct datapath *dp, char **cause)
{
	struct cluster	*c;
	struct timeval	 tick = { 0, CLUSTER_TICK_MS * 1000 };
	struct timespec	 ts;
	size_t		 i;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->held = calloc(CLUSTER_HELD_MAX, sizeof(*c->held))) == NULL) {
		free(c);
		*cause = strdup("no memory for the cluster");
		return NULL;
	}
	c->dp = dp;
	c->st = &dp->stats;
	c->udp.fd4 = c->udp.fd6 = c->udp.probe4 = c->udp.probe6 = -1;
	for (i = 0; i < CLUSTER_HELD_MAX; i++)
		c->held[i].query = -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->epoch = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	if (cluster_key_load(c, cause) == -1 ||
	    cluster_open(c, dp->conf->cluster.port, cause) == -1 ||
	    cluster_members_init(c, cause) == -1) {
		cluster_free(c);
		return NULL;
	}
	c->ev4 = cluster_watch(c, c->udp.fd4);
	c->ev6 = cluster_watch(c, c->udp.fd6);
	c->ev_tick = event_new(dp->base, -1, EV_PERSIST, cluster_tick_cb, c);
	if (c->ev_tick == NULL || event_add(c->ev_tick, &tick) == -1)
		fatalx("cannot register the cluster timer");
	cluster_resolve(c);
	c->last_resolve_ms = cluster_now_ms();
	return c;
}

void
cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	if (c->ev4 != NULL)
		event_free(c->ev4);
	if (c->ev6 != NULL)
		event_free(c->ev6);
	if (c->ev_tick != NULL)
		event_free(c->ev_tick);
	if (c->dns_req != NULL)
		evdns_getaddrinfo_cancel(c->dns_req);
	if (c->dns != NULL)
		evdns_base_free(c->dns, 0);
	udp_close(&c->udp);
	relay_key_free(c->key);
	free(c->held);
	free(c);
}

uint16_t
cluster_port(const struct cluster *c)
{
	return c->udp.port;
}

size_t
cluster_nmembers(const struct cluster *c)
{
	return c->nmembers;
}

int
cluster_member(const struct cluster *c, size_t i,
    struct cluster_member_info *info)
{
	const struct cluster_member	*mb;

	if (i >= c->nmembers || !c->members[i].used)
		return -1;
	mb = &c->members[i];
	info->addr = mb->addr;
	info->state = mb->state;
	info->last_hello_ms = mb->last_hello_ms == 0 ? -1 :
	    (int64_t)(cluster_now_ms() - mb->last_hello_ms);
	info->relayed_to = mb->relayed_to;
	info->relayed_from = mb->relayed_from;
	return 0;
}

const char *
cluster_via_name(const struct cluster *c, uint8_t via, char *buf,
    size_t len)
{
	size_t	 i = (size_t)via - 1;

	if (c == NULL || via == 0 || i >= c->nmembers || !c->members[i].used)
		return "?";
	return addr_ntop(&c->members[i].addr, buf, len);
}

size_t
cluster_held_packets(const struct cluster *c)
{
	return c->nheld;
}
