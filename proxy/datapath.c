/*
 * datapath: moving packets between the TUN and the UDP sockets.
 *
 * Nothing here allocates, logs or blocks per packet: every buffer is made
 * in datapath_create(), every failure is a counted drop (stats.h).
 */
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/errqueue.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "coalesce.h"
#include "crc32c.h"
#include "cluster.h"
#include "dtlspath.h"
#include "datapath.h"
#include "fastpath.h"
#include "fpsync.h"
#include "ippkt.h"
#include "linkmtu.h"
#include "log.h"
#include "sctp.h"
#include "track.h"

/* Where an ingress datagram came from and what its control messages say. */
struct dp_rx {
	struct ipaddr		 src;
	uint16_t		 sport;
	uint16_t		 peer;	/* index in conf->peers */
	uint8_t			 via;	/* relayed by member via - 1; 0: not */
	struct udp_rxmeta	 meta;
};

/* What an egress packet needs until sendmmsg() has taken it. */
struct dp_slot {
	struct ipaddr		 src;	/* the inner addresses, for ICMP */
	struct ipaddr		 to;
	struct sockaddr_storage	 dst;
	struct iovec		 iov;
	uint8_t			 cmsg[UDP_CMSG_SPACE];
};

/* Seconds since an arbitrary start, monotonic. */
uint32_t
datapath_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)ts.tv_sec;
}

/* Milliseconds since an arbitrary start, monotonic: the reassembly clock. */
static uint64_t
dp_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Copy the reassembly counters into the daemon's. */
static void
dp_reasm_stats(struct datapath *dp)
{
	const struct reasm_stats *rs = reasm_stats(dp->reasm);

	dp->stats.egress_frag_dropped = rs->duplicate + rs->frags_lost;
	dp->stats.egress_frag_duplicate = rs->duplicate;
	dp->stats.egress_frag_overlap = rs->overlap;
	dp->stats.egress_frag_too_long = rs->too_long;
	dp->stats.egress_frag_timeout = rs->timeout;
	dp->stats.egress_frag_evicted = rs->evicted;
}

/* The memo slot of an address: a multiplicative hash of its last word. */
static struct dp_peer_memo *
dp_peer_memo_slot(struct datapath *dp, const struct ipaddr *a)
{
	uint32_t	h;

	memcpy(&h, a->u.bytes + (a->family == AF_INET ? 0 : 12), sizeof(h));
	h ^= a->family == AF_INET ? 0 : ((uint32_t)a->u.bytes[7] << 8 |
	    a->u.bytes[11]);
	return &dp->peer_memo[(h * 2654435761U) >> 24];
}

int
datapath_match_peer(struct datapath *dp, const struct ipaddr *a)
{
	struct dp_peer_memo	*m = dp_peer_memo_slot(dp, a);

	if (m->gen == dp->conf_gen && addr_equal(&m->addr, a))
		return m->peer;
	m->addr = *a;
	m->peer = config_match_peer(dp->conf, a);
	m->gen = dp->conf_gen;
	return m->peer;
}

void
datapath_set_conf(struct datapath *dp, const struct config *conf)
{
	dp->conf = conf;
	/* 0 is never current: a fresh memo's zeroed entries never count. */
	if (++dp->conf_gen == 0)
		dp->conf_gen = 1;
	memset(dp->peer_memo, 0, sizeof(dp->peer_memo));
}

/* Count the failure of one send by errno. */
static void
dp_count_send_error(struct datapath *dp, int err)
{
	static struct log_ratelimit	rl;

	if (err == EMSGSIZE)
		dp->stats.egress_too_big++;
	else if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS)
		dp->stats.egress_no_buffer++;
	else {
		dp->stats.egress_send_error++;
		errno = err;
		log_warn_rl(&rl, "sending over UDP (%" PRIu64 " failed so far)",
		    dp->stats.egress_send_error);
	}
}

/* Write a packet built in dp->icmpbuf to the TUN; 0 or -1 (counted). */
static int
dp_write_icmp(struct datapath *dp, size_t len)
{
	if (len == 0 || write(dp->tun->fd, dp->icmpbuf, len) == -1) {
		dp->stats.icmp_tun_error++;
		return -1;
	}
	dp->stats.tun_tx_packets++;
	dp->stats.tun_tx_bytes += len;
	return 0;
}

/*
 * One error of fd's error queue (read into dp->errbuf).  A local EMSGSIZE
 * only tells the path MTU; an ICMP error is translated if its quote ties it
 * to an association (RFC 6951 5.5), else dropped.
 */
static void
dp_error_one(struct datapath *dp, int family, const struct udp_error *e)
{
	enum icmp_kind	 kind;
	struct assoc	*a;
	uint32_t	 mtu = 0;
	size_t		 len;
	int		 peer;

	if (e->origin == SO_EE_ORIGIN_LOCAL) {
		dp->stats.icmp_local_errors++;
		if (e->err == EMSGSIZE && e->info > ICMP_UDP_OVERHEAD) {
			dp->local_mtu = e->info;
			dp->local_mtu_dst = e->dst;
		}
		return;
	}
	dp->stats.icmp_received++;
	if ((kind = icmp_classify(family, e->origin, e->type, e->code)) ==
	    ICMP_KIND_OTHER) {
		dp->stats.icmp_ignored++;
		return;
	}
	if (kind == ICMP_KIND_TOO_BIG) {
		if (e->info <= ICMP_UDP_OVERHEAD) {
			dp->stats.icmp_ignored++;
			return;
		}
		mtu = e->info - ICMP_UDP_OVERHEAD;
	}
	if (!e->has_local || e->local.family != e->dst.family ||
	    (peer = datapath_match_peer(dp, &e->dst)) == -1 ||
	    (a = icmp_verify(dp->table, &e->dst, e->dport,
	    dp->conf->peers[peer].remote_port, dp->errbuf, e->qlen)) == NULL) {
		dp->stats.icmp_unverified++;
		return;
	}
	len = icmp_build(dp->icmpbuf, kind, &e->local, &e->dst, mtu,
	    dp->errbuf, e->qlen);
	if (dp_write_icmp(dp, len) == -1)
		return;
	dp->stats.icmp_translated++;
	if (dp->events->nsubs > 0)
		events_icmp(dp->events, a, e, dp->icmpbuf, len);
}

/*
 * Drain fd's error queue, a batch at most: what is left keeps the socket
 * signalling and comes next time, so nothing can spin.
 */
static void
dp_errqueue(struct datapath *dp, int fd)
{
	struct udp_error e;
	int		 i, family;

	family = fd == dp->udp->fd4 ? AF_INET : AF_INET6;
	for (i = 0; i < DP_BATCH; i++) {
		if (udp_read_error(fd, dp->errbuf, sizeof(dp->errbuf), &e) ==
		    -1)
			break;
		if (e.origin == SO_EE_ORIGIN_NONE) {
			dp->stats.icmp_ignored++;
			continue;
		}
		dp_error_one(dp, family, &e);
	}
}

/*
 * A packet of local's to remote did not go (EMSGSIZE) on a path whose MTU
 * is mtu, with overhead bytes of encapsulation: fragmentation needed /
 * packet too big to the TUN with the MTU that is left.
 */
void
datapath_too_big(struct datapath *dp, const struct ipaddr *local,
    const struct ipaddr *remote, const uint8_t *pkt, size_t len,
    uint32_t mtu, uint32_t overhead)
{
	if (mtu <= overhead)
		return;
	if (dp_write_icmp(dp, icmp_build(dp->icmpbuf, ICMP_KIND_TOO_BIG,
	    local, remote, mtu - overhead, pkt, len)) == 0)
		dp->stats.egress_too_big_icmp++;
}

/*
 * A packet did not go because it is bigger than the path MTU (RFC 6951
 * 5.6): tell the local endpoint, as fragmentation needed / packet too
 * big with that MTU less the UDP header.  The MTU comes from the local
 * error the kernel queued, else from the route.
 */
static void
dp_too_big(struct datapath *dp, int fd, const struct mmsghdr *m,
    const struct dp_slot *s)
{
	uint32_t	 mtu;

	dp->local_mtu = 0;
	dp_errqueue(dp, fd);
	if (dp->local_mtu != 0 && addr_equal(&dp->local_mtu_dst, &s->to))
		mtu = dp->local_mtu;
	else
		mtu = udp_path_mtu(dp->udp, &s->to);
	datapath_too_big(dp, &s->src, &s->to, m->msg_hdr.msg_iov->iov_base,
	    m->msg_hdr.msg_iov->iov_len, mtu, ICMP_UDP_OVERHEAD);
}

/*
 * Send a queue with as few sendmmsg() calls as possible.  A message that
 * fails is counted and skipped; the rest of the queue still goes.
 */
static void
dp_send_queue(struct datapath *dp, int fd, struct mmsghdr *q,
    struct dp_slot **slots, unsigned int n)
{
	unsigned int	 off = 0, i;
	int		 r, again = 1;

	while (off < n) {
		r = sendmmsg(fd, q + off, n - off, MSG_DONTWAIT);
		if (r > 0) {
			again = 1;
			dp->stats.egress_batches++;
			for (i = off; i < off + (unsigned int)r; i++) {
				dp->stats.udp_tx_packets++;
				dp->stats.udp_tx_bytes += q[i].msg_len;
			}
			off += (unsigned int)r;
		} else if (r == -1 && errno == EINTR)
			continue;
		else if (r == -1 && again && udp_earlier_error(errno))
			again = 0;	/* udp.h: not this datagram's error */
		else {
			again = 1;
			int err = r == -1 ? errno : EIO;

			dp_count_send_error(dp, err);
			if (err == EMSGSIZE)
				dp_too_big(dp, fd, &q[off], slots[off]);
			off++;
		}
	}
}

/* Send what the egress batch queued. */
static void
dp_flush(struct datapath *dp)
{
	if (dp->n4 > 0)
		dp_send_queue(dp, dp->udp->fd4, dp->equeue4, dp->eqslot4,
		    dp->n4);
	if (dp->n6 > 0)
		dp_send_queue(dp, dp->udp->fd6, dp->equeue6, dp->eqslot6,
		    dp->n6);
	dp->n4 = dp->n6 = 0;
}

/* Point a message at the SCTP packet of slot, for dst:port from src. */
static void
dp_msg_fill(struct dp_slot *s, struct msghdr *msg, const struct ip_pkt *ip,
    uint16_t port)
{
	memset(msg, 0, sizeof(*msg));
	s->src = ip->src;
	s->to = ip->dst;
	s->iov.iov_base = (void *)ip->l4;
	s->iov.iov_len = ip->l4len;
	msg->msg_name = &s->dst;
	msg->msg_namelen = addr_to_sockaddr(&ip->dst, port, &s->dst);
	msg->msg_iov = &s->iov;
	msg->msg_iovlen = 1;
	msg->msg_control = s->cmsg;
	msg->msg_controllen = udp_cmsg_build(s->cmsg, &ip->src, ip->tos);
}

/* Queue the SCTP packet of slot for the peer at dst:port from src. */
static void
dp_enqueue(struct datapath *dp, struct dp_slot *s, const struct ip_pkt *ip,
    uint16_t port)
{
	struct mmsghdr	*m;

	if (ip->dst.family == AF_INET && dp->udp->fd4 != -1) {
		dp->eqslot4[dp->n4] = s;
		m = &dp->equeue4[dp->n4++];
	} else if (ip->dst.family == AF_INET6 && dp->udp->fd6 != -1) {
		dp->eqslot6[dp->n6] = s;
		m = &dp->equeue6[dp->n6++];
	} else {
		dp->stats.egress_send_error++;
		return;
	}
	memset(m, 0, sizeof(*m));
	dp_msg_fill(s, &m->msg_hdr, ip, port);
}

/*
 * Send a reassembled packet at once, letting the outer packet fragment:
 * the kernel fragmented it, so it allowed that.  What the batch queued so
 * far goes first, to keep the order.
 */
static void
dp_send_fragok(struct datapath *dp, struct dp_slot *s, const struct ip_pkt *ip,
    uint16_t port)
{
	struct msghdr	 msg;
	int		 fd;
	ssize_t		 n;

	fd = ip->dst.family == AF_INET ? dp->udp->fd4 : dp->udp->fd6;
	if (fd == -1) {
		dp->stats.egress_send_error++;
		return;
	}
	dp_flush(dp);
	dp_msg_fill(s, &msg, ip, port);
	if ((n = udp_send_fragok(fd, ip->dst.family, &msg)) == -1) {
		dp_count_send_error(dp, errno);
		return;
	}
	dp->stats.egress_reassembled++;
	dp->stats.udp_tx_packets++;
	dp->stats.udp_tx_bytes += (uint64_t)n;
}

/*
 * Whether the relay carries a peer's packets: never an encrypted peer's
 * (only DTLS may carry them).  A strip_addresses peer's are (clients
 * behind a load balancer's NAT are what it is for): the owner strips its
 * INIT and INIT-ACK before a SEND as before a direct send.
 */
static int
dp_relayable(const struct datapath *dp, int peer)
{
	return dp->conf->peers[peer].dtls == NULL;
}

/*
 * The member that relays the path of an egress packet (transport.via), 0
 * for a direct one.  Looked up before tracking: a final chunk removes the
 * association, and its ABORT or SHUTDOWN-COMPLETE must still go back the
 * way the client's packets came.  A T-bit packet carries our own tag.
 */
static uint8_t
dp_egress_via(struct datapath *dp, const struct sctp_pkt *sp,
    const struct ipaddr *dst)
{
	struct assoc		*a;
	struct transport	*t;

	if (track_reflected(sp))
		a = table_lookup_ltag(dp->table, sp->sport, sp->dport,
		    sp->vtag);
	else
		a = table_lookup_ptag(dp->table, sp->sport, sp->dport,
		    sp->vtag);
	if (a == NULL || (t = table_transport(dp->table, a, dst, 0)) == NULL)
		return 0;
	return t->via;
}

/*
 * An SCTP packet read from the TUN, or reassembled (fragok): track it and
 * send it.  l4 is ip->l4, writable.
 */
static void
dp_egress_sctp(struct datapath *dp, struct dp_slot *s, uint8_t *l4,
    struct ip_pkt *ip, int fragok)
{
	struct sctp_pkt	 sp;
	int		 peer;
	uint16_t	 port;
	uint8_t		 via = 0;

	if (ip->proto != IPPROTO_SCTP_NUM) {
		dp->stats.egress_not_sctp++;
		return;
	}
	if (sctp_parse(ip->l4, ip->l4len, &sp) != SCTP_OK) {
		dp->stats.egress_bad_sctp++;
		return;
	}
	if ((peer = datapath_match_peer(dp, &ip->dst)) == -1) {
		dp->stats.egress_no_peer++;
		return;
	}
	if (dp->cluster != NULL && dp_relayable(dp, peer))
		via = dp_egress_via(dp, &sp, &ip->dst);
	events_packet(dp->events, &sp, 0);
	port = track_egress(dp->table, (uint16_t)peer, &ip->dst, &sp,
	    ip->l4len, &dp->stats);
	events_packet(dp->events, NULL, 0);
	/* The kernel answering an out-of-the-blue packet (cons draft 3). */
	if (port == 0 && (port = track_reply_port(&dp->replies, &ip->src,
	    &ip->dst, &sp, table_clock(dp->table))) != 0)
		dp->stats.egress_ootb_reply++;
	if (port == 0)
		port = dp->conf->peers[peer].remote_port;
	/* RFC 6951 5.7: addresses a NAT rewrites must not travel inside. */
	if (dp->conf->peers[peer].strip_addresses &&
	    (sp.type == SCTP_INIT || sp.type == SCTP_INIT_ACK)) {
		ip->l4len = sctp_strip_addrs(l4, ip->l4len);
		dp->stats.egress_stripped++;
	}
	/* A path a cluster member relays for us: back through it. */
	if (via != 0 && cluster_egress(dp->cluster, via, &ip->dst, port,
	    ip->tos, ip->l4, ip->l4len))
		return;
	/* An encrypted peer never gets cleartext. */
	if (dp->conf->peers[peer].dtls != NULL)
		dtlspath_egress(dp->dtls, peer, &ip->src, &ip->dst, port,
		    ip->l4, ip->l4len, ip->tos);
	else if (fragok)
		dp_send_fragok(dp, s, ip, port);
	else
		dp_enqueue(dp, s, ip, port);
}

/*
 * An IP fragment from the TUN.  Fragments of SCTP are reassembled (the
 * kernel sends them right after a path MTU drop); others are dropped.
 */
static void
dp_egress_fragment(struct datapath *dp, struct dp_slot *s, uint8_t *buf,
    size_t len)
{
	struct ip_pkt	 ip;
	struct ip_frag	 frag;
	struct reasm_out out;
	int		 r;

	if (ip_parse_fragment(buf, len, &ip, &frag) != IP_OK ||
	    frag.proto != IPPROTO_SCTP_NUM) {
		dp->stats.egress_fragment++;
		return;
	}
	dp->stats.egress_fragments++;
	r = reasm_add(dp->reasm, &ip, &frag, dp_now_ms(), &out);
	dp_reasm_stats(dp);
	if (r != REASM_DONE)
		return;
	ip.src = out.src;
	ip.dst = out.dst;
	ip.tos = out.tos;
	ip.proto = out.proto;
	ip.l4 = out.data;
	ip.l4len = out.len;
	dp_egress_sctp(dp, s, out.data, &ip, 1);
}

/* One packet read from the TUN: check it, track it, queue it. */
static void
dp_egress_one(struct datapath *dp, struct dp_slot *s, uint8_t *buf,
    size_t len)
{
	struct ip_pkt	 ip;
	int		 r;

	if ((r = ip_parse(buf, len, &ip)) != IP_OK) {
		if (r == IP_ERR_FRAGMENT)
			dp_egress_fragment(dp, s, buf, len);
		else
			dp->stats.egress_bad_ip++;
		return;
	}
	dp_egress_sctp(dp, s, buf + (ip.l4 - buf), &ip, 0);
}

#define DP_TUN_GROW	4

/* Read up to want packets from the TUN; how many.  *empty: a read found
   none left. */
static unsigned int
dp_tun_read_batch(struct datapath *dp, unsigned int want, int *empty)
{
	uint8_t		*buf;
	unsigned int	 i;
	ssize_t		 n;

	*empty = 0;
	for (i = 0; i < want; i++) {
		buf = dp->ebuf + (size_t)i * DP_BUFSIZE;
		do
			n = read(dp->tun->fd, buf, DP_BUFSIZE);
		while (n == -1 && errno == EINTR);
		if (n <= 0) {
			*empty = 1;
			break;
		}
		dp->stats.tun_rx_packets++;
		dp->stats.tun_rx_bytes += (uint64_t)n;
		dp_egress_one(dp, &dp->eslot[i], buf, (size_t)n);
	}
	return i;
}

/*
 * The TUN is readable: egress, within the budget.  A TUN cannot say how
 * many packets wait, so reading until EAGAIN costs a read per wakeup:
 * with one packet per wakeup (request/response) a third of the syscalls.
 * Instead up to tun_want are read; a wakeup that fills it returns to the
 * loop, which calls again at once if more wait, and DP_TUN_GROW in a row
 * double it; a read that finds the TUN empty halves it.  One packet per
 * wakeup then costs an EAGAIN read every DP_TUN_GROW + 1 packets; a burst
 * reaches whole batches after a few hundred packets.  A burst still gets
 * whole batches (DP_BATCH, then up to DP_BUDGET of them per wakeup).
 */
static void
dp_tun_cb(evutil_socket_t fd, short events, void *arg)
{
	struct datapath	*dp = arg;
	int		 round, empty;

	table_set_clock(dp->table, datapath_now());
	for (round = 0; round < DP_BUDGET; round++) {
		(void)dp_tun_read_batch(dp, dp->tun_want, &empty);
		dp_flush(dp);
		if (empty) {
			dp->tun_filled = 0;
			if (dp->tun_want > 1)
				dp->tun_want /= 2;
			return;
		}
		if (dp->tun_want < DP_BATCH) {
			if (++dp->tun_filled >= DP_TUN_GROW) {
				dp->tun_want *= 2;
				dp->tun_filled = 0;
			}
			return;
		}
	}
}

/*
 * Answer an INIT from a new port with an encapsulated ABORT (cause 14),
 * encrypted for a DTLS peer.
 */
static void
dp_send_abort(struct datapath *dp, const struct dp_rx *rx,
    const struct sctp_pkt *sp, const struct track_abort *ab)
{
	uint8_t			 pkt[64];
	size_t			 len;
	int			 fd;

	len = sctp_build_abort(pkt, sp->dport, sp->sport, ab->vtag, 0, 1,
	    ab->current_port, ab->new_port);
	if (dp->conf->peers[rx->peer].dtls != NULL) {
		dtlspath_egress(dp->dtls, rx->peer, &rx->meta.dst, &rx->src,
		    rx->sport, pkt, len, 0);
		return;
	}
	fd = rx->src.family == AF_INET ? dp->udp->fd4 : dp->udp->fd6;
	if (udp_send_one(fd, &rx->meta.dst, &rx->src, rx->sport, 0, pkt,
	    len) == -1)
		dp_count_send_error(dp, errno);
	else {
		dp->stats.udp_tx_packets++;
		dp->stats.udp_tx_bytes += len;
	}
}

/* Count an SCTP parse error of an ingress packet. */
static void
dp_count_sctp_error(struct datapath *dp, int err)
{
	if (err == SCTP_ERR_SHORT)
		dp->stats.ingress_short++;
	else if (err == SCTP_ERR_VTAG)
		dp->stats.ingress_bad_vtag++;
	else
		dp->stats.ingress_bad_chunk++;
}

/*
 * Check where a datagram comes from: a unicast peer we are configured for,
 * from a real port.  Returns the peer index or -1 (counted).
 */
int
datapath_check_source(struct datapath *dp, const struct ipaddr *src,
    uint16_t sport, const struct ipaddr *dst)
{
	int	 peer;

	if (sport == 0) {
		dp->stats.ingress_src_port_zero++;
		return -1;
	}
	if (!addr_is_unicast(src) || !addr_is_unicast(dst)) {
		dp->stats.ingress_not_unicast++;
		return -1;
	}
	if ((peer = datapath_match_peer(dp, src)) == -1)
		dp->stats.ingress_unknown_peer++;
	return peer;
}

/* Write a checked SCTP packet to the TUN behind an IP header. */
static void
dp_deliver(struct datapath *dp, uint8_t *payload, size_t len,
    const struct ipaddr *src, const struct ipaddr *dst, uint8_t tos)
{
	static struct log_ratelimit	 rl;
	size_t				 hlen;

	hlen = ip_build(payload, src, dst, tos, IPPROTO_SCTP_NUM, len);
	if (hlen == 0 || write(dp->tun->fd, payload - hlen, hlen + len) == -1) {
		dp->stats.ingress_tun_error++;
		log_warn_rl(&rl, "writing to %s (%" PRIu64 " failed so far)",
		    dp->tun->name, dp->stats.ingress_tun_error);
		return;
	}
	dp->stats.tun_tx_packets++;
	dp->stats.tun_tx_bytes += hlen + len;
}

/*
 * One SCTP packet of a datagram, parsed, its CRC32c good: track it, then
 * deliver it or answer it.  pkt has room for an IP header in front of it
 * (the headroom, or the tail of a packet of the same datagram already
 * delivered).
 */
static void
dp_ingress_packet(struct datapath *dp, uint8_t *pkt, size_t len,
    const struct sctp_pkt *sp, const struct dp_rx *rx)
{
	struct track_abort	 ab;
	int			 r;

	events_packet(dp->events, sp, 1);
	r = track_ingress(dp->table, rx->peer, &rx->src, sp, len, rx->sport,
	    rx->via, &ab, &dp->stats);
	events_packet(dp->events, NULL, 0);
	switch (r) {
	case TRACK_DELIVER:
		dp_deliver(dp, pkt, len, &rx->src, &rx->meta.dst, rx->meta.tos);
		break;
	case TRACK_DELIVER_OOTB:
		/* Relayed to us as ours, yet not ours: never relayed on,
		   and the member is told. */
		if (rx->via != 0) {
			dp->stats.relay_unowned++;
			cluster_not_owner(dp->cluster, rx->via, sp);
			break;
		}
		/* Not ours, maybe another member's (cluster.h). */
		if (dp->cluster != NULL && sp->type != SCTP_INIT &&
		    dp_relayable(dp, rx->peer) &&
		    cluster_ingress_unknown(dp->cluster, pkt, len, sp,
		    &rx->src, rx->sport, &rx->meta.dst, rx->meta.tos))
			break;
		track_reply_note(&dp->replies, &rx->meta.dst, &rx->src, sp,
		    rx->sport, table_clock(dp->table));
		dp_deliver(dp, pkt, len, &rx->src, &rx->meta.dst, rx->meta.tos);
		break;
	case TRACK_DROP_VTAG:
		dp->stats.ingress_bad_vtag++;
		break;
	case TRACK_ABORT_NEW_PORT:
		dp->stats.ingress_init_port++;
		dp_send_abort(dp, rx, sp, &ab);
		if (dp->events->nsubs > 0)
			events_init_collision(dp->events, &rx->src, sp, &ab);
		break;
	}
}

/*
 * A GSO packet a kernel on this host built, CRC32c left at 0 (coalesce.h):
 * cut it back into packets no larger than its link carries, each with the
 * common header and its own CRC32c, and take them one by one.  Each
 * piece's header is written over the tail of the piece before it, which is
 * delivered by then.
 */
static void
dp_ingress_local_gso(struct datapath *dp, uint8_t *buf, size_t len,
    const struct dp_rx *rx, size_t max)
{
	struct sctp_pkt	 sp;
	uint8_t		 hdr[SCTP_COMMON_HDRLEN], *pkt;
	size_t		 off, end, plen;
	int		 r;

	dp->stats.ingress_local_gso++;
	memcpy(hdr, buf, sizeof(hdr));
	for (off = SCTP_COMMON_HDRLEN; off < len; off = end) {
		if ((end = coalesce_gso_next(buf, len, off, max)) == 0) {
			dp->stats.ingress_bad_chunk++;
			return;
		}
		pkt = buf + off - SCTP_COMMON_HDRLEN;
		plen = end - off + SCTP_COMMON_HDRLEN;
		if (pkt != buf)
			memcpy(pkt, hdr, sizeof(hdr));
		sctp_checksum_set(pkt, plen);
		if ((r = sctp_parse(pkt, plen, &sp)) != SCTP_OK) {
			dp_count_sctp_error(dp, r);
			continue;
		}
		dp->stats.ingress_local_gso_packets++;
		dp_ingress_packet(dp, pkt, plen, &sp, rx);
	}
}

/*
 * Whether a datagram that failed its CRC32c is a local GSO packet; if so,
 * *max gets the largest packet its link carries.
 */
static int
dp_local_gso(struct datapath *dp, const uint8_t *buf, size_t len,
    const struct dp_rx *rx, size_t *max)
{
	int		 family = rx->src.family, fragsize;
	uint32_t	 mtu;

	fragsize = family == AF_INET ? dp->udp->fragsize4 : dp->udp->fragsize6;
	if (!coalesce_gso_candidate(buf, len, &rx->meta.co, fragsize))
		return 0;
	mtu = linkmtu_get(dp->linkmtu, rx->meta.co.ifindex);
	if (!coalesce_is_local_gso(buf, len, family, &rx->meta.co, fragsize,
	    mtu))
		return 0;
	*max = coalesce_max_packet(family, mtu);
	return 1;
}

/* One datagram as it crossed the wire (or a local GSO packet): check it. */
static void
dp_ingress_datagram(struct datapath *dp, uint8_t *buf, size_t len,
    const struct dp_rx *rx)
{
	struct sctp_pkt	 sp;
	size_t		 max;
	int		 r;

	if ((r = sctp_parse(buf, len, &sp)) != SCTP_OK) {
		dp_count_sctp_error(dp, r);
		return;
	}
	if (sctp_checksum_ok(buf, len))
		dp_ingress_packet(dp, buf, len, &sp, rx);
	else if (dp_local_gso(dp, buf, len, rx, &max))
		dp_ingress_local_gso(dp, buf, len, rx, max);
	else
		dp->stats.ingress_bad_crc++;
}

/*
 * An SCTP packet an encrypted peer sent, decrypted and authenticated by the
 * DTLS engine: checked and delivered like a cleartext one.  Its CRC32c
 * is the sender's TUN's, never one left to offload: checked as always.
 */
void
datapath_ingress_decrypted(struct datapath *dp, int peer,
    const struct ipaddr *local, const struct ipaddr *remote, uint16_t port,
    uint8_t *pkt, size_t len, uint8_t tos)
{
	struct sctp_pkt	 sp;
	struct dp_rx	 rx;
	int		 r;

	memset(&rx, 0, sizeof(rx));
	rx.src = *remote;
	rx.sport = port;
	rx.peer = (uint16_t)peer;
	rx.meta.dst = *local;
	rx.meta.tos = tos;
	if ((r = sctp_parse(pkt, len, &sp)) != SCTP_OK)
		dp_count_sctp_error(dp, r);
	else if (!sctp_checksum_ok(pkt, len))
		dp->stats.ingress_bad_crc++;
	else
		dp_ingress_packet(dp, pkt, len, &sp, &rx);
}

/*
 * An SCTP packet member via - 1 relayed from client:port, that came to our
 * address local: checked exactly as the datagram would be had it come
 * here (source, peer, not a DTLS peer, structure, CRC32c, tag),
 * then delivered with local as its destination.  A member never relays
 * an INIT: one that does is refused.
 */
void
datapath_ingress_relayed(struct datapath *dp, uint8_t via,
    const struct ipaddr *client, uint16_t port, const struct ipaddr *local,
    uint8_t tos, uint8_t *pkt, size_t len)
{
	struct sctp_pkt	 sp;
	struct dp_rx	 rx;
	int		 peer, r;

	if (client->family != local->family) {
		dp->stats.relay_malformed++;
		return;
	}
	if ((peer = datapath_check_source(dp, client, port, local)) == -1)
		return;
	if (!dp_relayable(dp, peer)) {
		dp->stats.relay_peer_refused++;
		return;
	}
	memset(&rx, 0, sizeof(rx));
	rx.src = *client;
	rx.sport = port;
	rx.peer = (uint16_t)peer;
	rx.via = via;
	rx.meta.dst = *local;
	rx.meta.tos = tos;
	if ((r = sctp_parse(pkt, len, &sp)) != SCTP_OK)
		dp_count_sctp_error(dp, r);
	else if (sp.type == SCTP_INIT)
		dp->stats.relay_malformed++;
	else if (!sctp_checksum_ok(pkt, len))
		dp->stats.ingress_bad_crc++;
	else
		dp_ingress_packet(dp, pkt, len, &sp, &rx);
}

/*
 * A packet the cluster held for a query nobody answered: to the local
 * kernel as an out-of-the-blue packet, as it would have gone without a
 * cluster.
 */
void
datapath_deliver_unknown(struct datapath *dp, uint8_t *pkt, size_t len,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint8_t tos)
{
	struct sctp_pkt	 sp;

	if (sctp_parse(pkt, len, &sp) != SCTP_OK)
		return;
	track_reply_note(&dp->replies, dst, src, &sp, sport,
	    table_clock(dp->table));
	dp_deliver(dp, pkt, len, src, dst, tos);
}

/*
 * An owner's packet for client:port that we are to send (SEND): from our
 * encapsulation socket, whose flow the load balancer chose, with the
 * source address the kernel picks.  The client must be a peer the relay
 * carries; the packet must be SCTP.
 */
void
datapath_send_client(struct datapath *dp, const struct ipaddr *client,
    uint16_t port, uint8_t tos, const uint8_t *pkt, size_t len)
{
	struct ipaddr		 any;
	struct sctp_pkt		 sp;
	int			 fd, peer;

	if (port == 0 || !addr_is_unicast(client) ||
	    (peer = datapath_match_peer(dp, client)) == -1 ||
	    !dp_relayable(dp, peer)) {
		dp->stats.relay_peer_refused++;
		return;
	}
	if (sctp_parse(pkt, len, &sp) != SCTP_OK) {
		dp->stats.relay_malformed++;
		return;
	}
	fd = client->family == AF_INET ? dp->udp->fd4 : dp->udp->fd6;
	if (fd == -1) {
		dp->stats.egress_send_error++;
		return;
	}
	memset(&any, 0, sizeof(any));
	any.family = client->family;
	if (udp_send_one(fd, &any, client, port, tos, pkt, len) == -1)
		dp_count_send_error(dp, errno);
	else {
		dp->stats.udp_tx_packets++;
		dp->stats.udp_tx_bytes += len;
	}
}

/* Each transport reached through member via: directly from now on. */
static void
dp_forget_via_cb(struct assoc *a, void *arg)
{
	struct datapath	*dp = arg;
	unsigned int	 i;

	for (i = 0; i < a->ntransports; i++) {
		if (a->t[i].via != dp->forget_via)
			continue;
		a->t[i].via = 0;
		fpsync_event(dp, TABLE_EV_PORT_CHANGED, a, &a->t[i]);
	}
}

void
datapath_forget_via(struct datapath *dp, uint8_t via)
{
	dp->forget_via = via;
	table_foreach(dp->table, dp_forget_via_cb, dp);
	dp->forget_via = 0;
}

/* One datagram of a recvmmsg() batch. */
static void
dp_ingress_one(struct datapath *dp, unsigned int i)
{
	struct msghdr	*msg = &dp->imsg[i].msg_hdr;
	uint8_t		*payload = dp->iiov[i].iov_base;
	size_t		 len = dp->imsg[i].msg_len, off, seg;
	struct dp_rx	 rx;
	int		 peer;

	dp->stats.udp_rx_packets++;
	dp->stats.udp_rx_bytes += len;
	if (msg->msg_flags & MSG_TRUNC) {
		dp->stats.ingress_truncated++;
		return;
	}
	if (udp_cmsg_parse(msg, &rx.meta) == -1 ||
	    addr_from_sockaddr(&rx.src, &rx.sport, msg->msg_name) == -1) {
		dp->stats.ingress_no_pktinfo++;
		return;
	}
	if ((peer = datapath_check_source(dp, &rx.src, rx.sport,
	    &rx.meta.dst)) == -1)
		return;
	/* An encrypted peer's cleartext is nobody's. */
	if (dp->conf->peers[peer].dtls != NULL) {
		dp->stats.ingress_cleartext_from_dtls_peer++;
		return;
	}
	rx.peer = (uint16_t)peer;
	rx.via = 0;
	seg = rx.meta.co.gro_size;
	if (seg == 0 || len <= seg) {
		dp_ingress_datagram(dp, payload, len, &rx);
		return;
	}
	/* The kernel coalesced datagrams of one flow (UDP_GRO). */
	dp->stats.ingress_gro++;
	for (off = 0; off < len; off += seg) {
		dp->stats.ingress_gro_packets++;
		dp_ingress_datagram(dp, payload + off,
		    len - off < seg ? len - off : seg, &rx);
	}
}

/* Point the receive vectors of message i back at its buffers. */
static void
dp_ingress_reset(struct datapath *dp, unsigned int i)
{
	struct msghdr	*msg = &dp->imsg[i].msg_hdr;

	dp->iiov[i].iov_base = dp->ibuf + (size_t)i * DP_BUFSIZE + IP_HEADROOM;
	dp->iiov[i].iov_len = DP_BUFSIZE - IP_HEADROOM;
	msg->msg_name = &dp->isrc[i];
	msg->msg_namelen = sizeof(dp->isrc[i]);
	msg->msg_iov = &dp->iiov[i];
	msg->msg_iovlen = 1;
	msg->msg_control = dp->icmsg[i];
	msg->msg_controllen = UDP_CMSG_SPACE;
	msg->msg_flags = 0;
}

/* A UDP socket is readable: ingress, within the budget. */
static void
dp_udp_cb(evutil_socket_t fd, short events, void *arg)
{
	struct datapath	*dp = arg;
	int		 round, n, i;

	table_set_clock(dp->table, datapath_now());
	for (round = 0; round < DP_BUDGET; round++) {
		n = recvmmsg(fd, dp->imsg, DP_BATCH, MSG_DONTWAIT, NULL);
		/*
		 * Woken with nothing to read: an error is queued (recvmmsg
		 * reports it once; the queue signals until drained).
		 */
		if (n <= 0 && (round == 0 || errno != EAGAIN))
			dp_errqueue(dp, fd);
		if (n <= 0)
			break;
		dp->stats.ingress_batches++;
		for (i = 0; i < n; i++) {
			dp_ingress_one(dp, (unsigned int)i);
			dp_ingress_reset(dp, (unsigned int)i);
		}
		if (n < DP_BATCH)
			break;
	}
}

/* Say when the table had no room for an association since last time. */
static void
dp_warn_full(struct datapath *dp)
{
	static struct log_ratelimit	 rl;
	uint64_t			 full = table_stats(dp->table)->full;

	if (full > dp->table_full_seen)
		log_warnx_rl(&rl, "association table full (limits.associations "
		    "%u): %" PRIu64 " associations not tracked in the last "
		    "second", table_max_assocs(dp->table),
		    full - dp->table_full_seen);
	dp->table_full_seen = full;
}

/* The fast path's counters, in the daemon's. */
static void
dp_fastpath_stats(struct datapath *dp)
{
	struct fastpath_stats	fs;

	fastpath_stats(dp->fp, &fs);
#define DP_FS(name, desc)	dp->stats.name = fs.name;
	FASTPATH_STATS(DP_FS)
#undef DP_FS
	dp->stats.fastpath_paths_refused = fastpath_refused(dp->fp);
}

/* Once a second: the fast path's counters folded in, then the table aged
   (a path the fast path carried is not idle). */
static void
dp_tick_cb(evutil_socket_t fd, short events, void *arg)
{
	struct datapath	*dp = arg;

	table_set_clock(dp->table, datapath_now());
	if (dp->fp != NULL) {
		fpsync_fold(dp);
		dp_fastpath_stats(dp);
		(void)fastpath_links(dp->fp);
	}
	(void)reasm_expire(dp->reasm, dp_now_ms());
	dp_reasm_stats(dp);
	(void)table_expire(dp->table, dp->conf->idle_timeout,
	    dp->conf->embryonic_timeout);
	events_tick(dp->events);
	dp_warn_full(dp);
}

/* Allocate the batch buffers and the vectors that point into them. */
static int
dp_alloc(struct datapath *dp)
{
	unsigned int	 i;

	dp->ebuf = malloc((size_t)DP_BATCH * DP_BUFSIZE);
	dp->ibuf = malloc((size_t)DP_BATCH * DP_BUFSIZE);
	dp->eslot = calloc(DP_BATCH, sizeof(*dp->eslot));
	dp->icmsg = calloc(DP_BATCH, sizeof(*dp->icmsg));
	dp->reasm = reasm_new();
	if (dp->ebuf == NULL || dp->ibuf == NULL || dp->eslot == NULL ||
	    dp->icmsg == NULL || dp->reasm == NULL)
		return -1;
	for (i = 0; i < DP_BATCH; i++)
		dp_ingress_reset(dp, i);
	return 0;
}

/* Register a persistent read event on fd, if fd is open. */
static struct event *
dp_watch(struct datapath *dp, int fd, event_callback_fn cb)
{
	struct event	*ev;

	if (fd == -1)
		return NULL;
	if ((ev = event_new(dp->base, fd, EV_READ | EV_PERSIST, cb, dp)) ==
	    NULL || event_add(ev, NULL) == -1)
		fatalx("cannot register an event for fd %d", fd);
	return ev;
}

/* The table's hook: the fast path first (a removed association's last
   counts reach the monitor's line), then the monitor. */
static void
dp_table_hook(enum table_event e, struct assoc *a, struct transport *t,
    uint16_t old_port, void *arg)
{
	struct datapath	*dp = arg;

	fpsync_event(dp, e, a, t);
	if (dp->events != NULL)
		events_table(dp->events, e, a, t, old_port);
}

void
datapath_set_fastpath(struct datapath *dp, struct fastpath *fp)
{
	if (dp->fp != NULL) {
		fpsync_fold(dp);
		fpsync_clear(dp);
	}
	dp->fp = fp;
	fpsync_all(dp);
}

/* Set up the data path on an event base. */
struct datapath *
datapath_create(struct event_base *base, const struct config *conf,
    struct table *table, struct tun *tun, struct udp *udp, char **cause)
{
	struct datapath	*dp;
	struct timeval	 second = { 1, 0 };

	crc32c_init();
	if ((dp = calloc(1, sizeof(*dp))) == NULL)
		return NULL;
	dp->base = base;
	datapath_set_conf(dp, conf);
	dp->table = table;
	dp->tun = tun;
	dp->udp = udp;
	dp->started = datapath_now();
	dp->tun_want = 1;
	if (dp_alloc(dp) == -1 || (dp->events = events_create(dp)) == NULL ||
	    (dp->linkmtu = linkmtu_create(base)) == NULL) {
		datapath_free(dp);
		*cause = strdup("no memory for the data path");
		return NULL;
	}
	if (conf->dtls.enabled && (dp->dtls = dtlspath_create(dp,
	    cause)) == NULL) {
		datapath_free(dp);
		return NULL;
	}
	if (conf->cluster.enabled && (dp->cluster = cluster_create(dp,
	    cause)) == NULL) {
		datapath_free(dp);
		return NULL;
	}
	table_set_clock(table, datapath_now());
	table_set_hook(table, dp_table_hook, dp);
	dp->ev_tun = dp_watch(dp, tun->fd, dp_tun_cb);
	dp->ev_udp4 = dp_watch(dp, udp->fd4, dp_udp_cb);
	dp->ev_udp6 = dp_watch(dp, udp->fd6, dp_udp_cb);
	dp->ev_tick = event_new(base, -1, EV_PERSIST, dp_tick_cb, dp);
	if (dp->ev_tick == NULL || event_add(dp->ev_tick, &second) == -1)
		fatalx("cannot register the table timer");
	return dp;
}

/* Unregister and free. */
void
datapath_free(struct datapath *dp)
{
	if (dp == NULL)
		return;
	table_set_hook(dp->table, NULL, NULL);
	if (dp->fp != NULL)
		datapath_set_fastpath(dp, NULL);
	cluster_free(dp->cluster);
	dtlspath_free(dp->dtls);
	events_free(dp->events);
	linkmtu_free(dp->linkmtu);
	if (dp->ev_tun != NULL)
		event_free(dp->ev_tun);
	if (dp->ev_udp4 != NULL)
		event_free(dp->ev_udp4);
	if (dp->ev_udp6 != NULL)
		event_free(dp->ev_udp6);
	if (dp->ev_tick != NULL)
		event_free(dp->ev_tick);
	free(dp->ebuf);
	free(dp->ibuf);
	free(dp->eslot);
	free(dp->icmsg);
	reasm_free(dp->reasm);
	free(dp);
}
