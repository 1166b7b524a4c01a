/*
 * dtlspath: the DTLS port's sockets and the engine's ops; see dtlspath.h.
 *
 * Received datagrams are checked as cleartext ones are before anything
 * reads them (a real source port, unicast addresses, a configured peer)
 * and must come from a peer with a dtls group; the engine then parses
 * them.  The sockets are the cleartext ones' kind (udp.h): PKTINFO, TOS,
 * DF, IP_RECVERR.  Their error queue is drained and counted; ICMP quotes
 * an encrypted record, which ties it to no association, so only the local
 * EMSGSIZE of a send is acted on (fragmentation needed for the inner
 * packet, with the record's overhead taken off).
 */
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "datapath.h"
#include "dtls.h"
#include "dtlspath.h"
#include "events.h"
#include "log.h"
#include "udp.h"

#define DTLSPATH_BATCH	32
#define DTLSPATH_BUFSIZE (DTLS_HEADROOM + 65536)

struct dtlspath {
	struct datapath		*dp;
	struct udp		 udp;
	struct dtls		*engine;
	struct event		*ev4, *ev6;
	uint8_t			*buf;		/* DTLSPATH_BATCH buffers */
	struct mmsghdr		 msg[DTLSPATH_BATCH];
	struct iovec		 iov[DTLSPATH_BATCH];
	struct sockaddr_storage	 src[DTLSPATH_BATCH];
	uint8_t			 cmsg[DTLSPATH_BATCH][UDP_CMSG_SPACE];
	uint8_t			 errbuf[256];
};

/* Point receive vector i back at its buffer. */
static void
dtlspath_reset(struct dtlspath *p, unsigned int i)
{
	struct msghdr	*m = &p->msg[i].msg_hdr;

	p->iov[i].iov_base = p->buf + (size_t)i * DTLSPATH_BUFSIZE +
	    DTLS_HEADROOM;
	p->iov[i].iov_len = DTLSPATH_BUFSIZE - DTLS_HEADROOM;
	memset(m, 0, sizeof(*m));
	m->msg_name = &p->src[i];
	m->msg_namelen = sizeof(p->src[i]);
	m->msg_iov = &p->iov[i];
	m->msg_iovlen = 1;
	m->msg_control = p->cmsg[i];
	m->msg_controllen = UDP_CMSG_SPACE;
}

/* The engine's ops.send: one datagram from local to remote:port. */
static int
dtlspath_send_op(void *arg, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t port, const uint8_t *dgram,
    size_t len, uint8_t tos, const uint8_t *inner, size_t inner_len)
{
	struct dtlspath		*p = arg;
	struct datapath		*dp = p->dp;
	int			 fd;

	fd = remote->family == AF_INET ? p->udp.fd4 : p->udp.fd6;
	if (fd == -1) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (udp_send_one(fd, local, remote, port, tos, dgram, len) == -1) {
		if (errno == EMSGSIZE && inner != NULL)
			datapath_too_big(dp, local, remote, inner, inner_len,
			    udp_path_mtu(&p->udp, remote),
			    ICMP_UDP_OVERHEAD + DTLS_OVERHEAD_MAX);
		return -1;
	}
	dp->stats.dtls_udp_tx_packets++;
	dp->stats.dtls_udp_tx_bytes += len;
	return 0;
}

/* The engine's ops.deliver: a decrypted SCTP packet. */
static void
dtlspath_deliver_op(void *arg, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t port, uint8_t *pkt, size_t len,
    uint8_t tos)
{
	struct dtlspath	*p = arg;

	datapath_ingress_decrypted(p->dp, peer, local, remote, port, pkt, len,
	    tos);
}

/* The engine's ops.event: log it and stream it to monitors. */
static void
dtlspath_event_op(void *arg, const struct dtls_event *e)
{
	struct dtlspath	*p = arg;

	events_dtls(p->dp->events, e);
}

static const struct dtls_ops dtlspath_ops = {
	dtlspath_send_op, dtlspath_deliver_op, dtlspath_event_op
};

/* One received datagram: from an encrypted peer, to the engine. */
static void
dtlspath_one(struct dtlspath *p, unsigned int i)
{
	struct datapath		*dp = p->dp;
	struct msghdr		*m = &p->msg[i].msg_hdr;
	struct udp_rxmeta	 meta;
	struct ipaddr		 src;
	uint16_t		 sport;
	int			 peer;

	dp->stats.dtls_udp_rx_packets++;
	dp->stats.dtls_udp_rx_bytes += p->msg[i].msg_len;
	if (m->msg_flags & MSG_TRUNC) {
		dp->stats.ingress_truncated++;
		return;
	}
	if (udp_cmsg_parse(m, &meta) == -1 ||
	    addr_from_sockaddr(&src, &sport, m->msg_name) == -1) {
		dp->stats.ingress_no_pktinfo++;
		return;
	}
	if ((peer = datapath_check_source(dp, &src, sport, &meta.dst)) == -1)
		return;
	if (dp->conf->peers[peer].dtls == NULL) {
		dp->stats.dtls_plain_peer++;
		return;
	}
	dtls_ingress(p->engine, peer, &meta.dst, &src, sport, p->iov[i].iov_base,
	    p->msg[i].msg_len, meta.tos);
}

/* Drain the error queue of fd, counting what is there. */
static void
dtlspath_errqueue(struct dtlspath *p, int fd)
{
	struct udp_error	 e;
	int			 i;

	for (i = 0; i < DTLSPATH_BATCH; i++) {
		if (udp_read_error(fd, p->errbuf, sizeof(p->errbuf), &e) == -1)
			break;
		if (e.origin == SO_EE_ORIGIN_LOCAL)
			p->dp->stats.icmp_local_errors++;
		else {
			p->dp->stats.icmp_received++;
			p->dp->stats.icmp_ignored++;
		}
	}
}

/* A DTLS socket is readable: a budget of batches. */
static void
dtlspath_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dtlspath	*p = arg;
	int		 round, n, i;

	for (round = 0; round < DP_BUDGET; round++) {
		n = recvmmsg(fd, p->msg, DTLSPATH_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0 && (round == 0 || errno != EAGAIN))
			dtlspath_errqueue(p, fd);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			dtlspath_one(p, (unsigned int)i);
			dtlspath_reset(p, (unsigned int)i);
		}
		if (n < DTLSPATH_BATCH)
			break;
	}
}

/* Register a read event on fd, if it is open. */
static struct event *
dtlspath_watch(struct dtlspath *p, int fd)
{
	struct event	*ev;

	if (fd == -1)
		return NULL;
	if ((ev = event_new(p->dp->base, fd, EV_READ | EV_PERSIST,
	    dtlspath_read_cb, p)) == NULL || event_add(ev, NULL) == -1)
		fatalx("cannot register an event for the DTLS port");
	return ev;
}

/* Open the DTLS port and start the engine. */
struct dtlspath *
dtlspath_create(struct datapath *dp, char **cause)
{
	struct dtlspath	*p;
	const char	*why;
	unsigned int	 i;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->buf = malloc((size_t)DTLSPATH_BATCH * DTLSPATH_BUFSIZE)) ==
	    NULL) {
		free(p);
		*cause = strdup("no memory for the DTLS port");
		return NULL;
	}
	p->dp = dp;
	p->udp.fd4 = p->udp.fd6 = p->udp.probe4 = p->udp.probe6 = -1;
	if (udp_open(&p->udp, dp->conf->dtls.port, &why) == -1) {
		if (asprintf(cause, "dtls.port %u: %s: %s",
		    dp->conf->dtls.port, why, strerror(errno)) == -1)
			*cause = NULL;
		dtlspath_free(p);
		return NULL;
	}
	if ((p->engine = dtls_create(dp->base, dp->conf, &dtlspath_ops, p,
	    cause)) == NULL) {
		dtlspath_free(p);
		return NULL;
	}
	for (i = 0; i < DTLSPATH_BATCH; i++)
		dtlspath_reset(p, i);
	p->ev4 = dtlspath_watch(p, p->udp.fd4);
	p->ev6 = dtlspath_watch(p, p->udp.fd6);
	return p;
}

/* Stop the engine, close the port. */
void
dtlspath_free(struct dtlspath *p)
{
	if (p == NULL)
		return;
	if (p->ev4 != NULL)
		event_free(p->ev4);
	if (p->ev6 != NULL)
		event_free(p->ev6);
	dtls_free(p->engine);
	udp_close(&p->udp);
	free(p->buf);
	free(p);
}

/* A new configuration for the engine. */
int
dtlspath_reload(struct dtlspath *p, const struct config *conf, char **cause)
{
	return dtls_reload(p->engine, conf, cause);
}

/* An SCTP packet for an encrypted peer. */
void
dtlspath_egress(struct dtlspath *p, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t port, const uint8_t *pkt,
    size_t len, uint8_t tos)
{
	dtls_egress(p->engine, peer, local, remote, port, pkt, len, tos);
}

/* The engine, for show and metrics. */
struct dtls *
dtlspath_engine(struct dtlspath *p)
{
	return p != NULL ? p->engine : NULL;
}
