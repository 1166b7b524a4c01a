/*
 * datapath: the two directions of sctptund, driven by one libevent loop.
 *
 * Egress: TUN -> parse -> track -> sendmmsg() on the UDP socket of the
 * family.  Ingress: recvmmsg() -> validate -> track -> IP header built in
 * the headroom in front of the payload -> write() to the TUN.  All buffers,
 * iovecs and mmsghdr arrays are allocated once in datapath_create(); each
 * callback handles at most DP_BUDGET batches of DP_BATCH packets and then
 * returns to the loop, so neither direction can starve the other.
 */
#ifndef SCTPTUN_DATAPATH_H
#define SCTPTUN_DATAPATH_H

#include <sys/socket.h>
#include <event2/event.h>

#include "config.h"
#include "events.h"
#include "reasm.h"
#include "icmp.h"
#include "ippkt.h"
#include "linkmtu.h"
#include "stats.h"
#include "table.h"
#include "track.h"
#include "tun.h"
#include "udp.h"

#define DP_BATCH	64
#define DP_PEER_MEMO	256	/* addresses whose peer is remembered */
#define DP_BUDGET	4
/* Room for the largest IP packet, and for an IP header in front of the
   largest UDP payload. */
#define DP_BUFSIZE	(65536 + IP_HEADROOM)

struct cluster;
struct dp_slot;
struct dtlspath;
struct fastpath;

struct datapath {
	struct event_base	*base;
	const struct config	*conf;
	struct table		*table;
	struct tun		*tun;
	struct udp		*udp;
	struct stats		 stats;
	struct events		*events;	/* the monitor's stream */
	struct linkmtu		*linkmtu;	/* MTUs of arrival links */
	struct dtlspath		*dtls;		/* encrypted peers, or NULL */
	struct fastpath		*fp;		/* the eBPF fast path, or NULL */
	struct cluster		*cluster;	/* the relay, or NULL */
	uint8_t			 forget_via;	/* datapath_forget_via's */
	uint64_t		 started;	/* monotonic seconds */
	uint64_t		 table_full_seen; /* stats.full at the last tick */

	struct event		*ev_tun;
	struct event		*ev_udp4;
	struct event		*ev_udp6;
	struct event		*ev_tick;

	/* Egress: one slot per packet of a batch, two send queues. */
	uint8_t			*ebuf;
	struct dp_slot		*eslot;
	struct mmsghdr		 equeue4[DP_BATCH];
	struct mmsghdr		 equeue6[DP_BATCH];
	struct dp_slot		*eqslot4[DP_BATCH];
	struct dp_slot		*eqslot6[DP_BATCH];
	unsigned int		 n4, n6;
	/* TUN reads per wakeup before returning to the loop unasked (the
	   loop is level-triggered: what is left wakes us again); grows when
	   wakeups keep filling it, halves when a read finds the TUN empty.
	   So a lone packet costs no read that returns EAGAIN. */
	unsigned int		 tun_want;
	unsigned int		 tun_filled;	/* wakeups in a row that did */

	/* Inner fragments of SCTP, held until the packet is whole. */
	struct reasm		*reasm;

	/* Out-of-the-blue replies: where the kernel's answers go. */
	struct track_replies	 replies;

	/* The error queue: a quote, the ICMP made of it, the last MTU a
	   local EMSGSIZE gave. */
	uint8_t			 errbuf[2048];
	uint8_t			 icmpbuf[ICMP_MAXLEN];
	uint32_t		 local_mtu;
	struct ipaddr		 local_mtu_dst;

	/* The peer of recently seen addresses: the prefix scan once per
	   address, not per packet.  An entry counts if its gen is
	   conf_gen, which a reload bumps. */
	struct dp_peer_memo {
		struct ipaddr	 addr;
		int32_t		 peer;
		uint32_t	 gen;
	}			 peer_memo[DP_PEER_MEMO];
	uint32_t		 conf_gen;

	/* Ingress: recvmmsg() vectors. */
	uint8_t			*ibuf;
	struct mmsghdr		 imsg[DP_BATCH];
	struct iovec		 iiov[DP_BATCH];
	struct sockaddr_storage	 isrc[DP_BATCH];
	uint8_t			(*icmsg)[UDP_CMSG_SPACE];
};

/*
 * Allocate the buffers, register the events and, with a dtls group, open
 * the DTLS port; NULL on failure with *cause allocated.
 */
struct datapath *datapath_create(struct event_base *, const struct config *,
	    struct table *, struct tun *, struct udp *, char **cause);
void	datapath_free(struct datapath *);
/*
 * Where a datagram comes from: the index of the peer whose prefixes hold
 * src, if sport is not 0 and src and dst are unicast; else -1, counted.
 */
int	datapath_check_source(struct datapath *, const struct ipaddr *src,
	    uint16_t sport, const struct ipaddr *dst);
/* An SCTP packet the DTLS engine decrypted: check it, deliver it. */
void	datapath_ingress_decrypted(struct datapath *, int peer,
	    const struct ipaddr *local, const struct ipaddr *remote,
	    uint16_t port, uint8_t *pkt, size_t len, uint8_t tos);
/*
 * The cluster's entry points (cluster.h).  A packet member via - 1
 * relayed from client:port to our address local: checked as a direct
 * datagram, then delivered (pkt has IP_HEADROOM in front of it).
 */
void	datapath_ingress_relayed(struct datapath *, uint8_t via,
	    const struct ipaddr *client, uint16_t port,
	    const struct ipaddr *local, uint8_t tos, uint8_t *pkt, size_t len);
/* A held packet nobody owns: to the local kernel (IP_HEADROOM in front). */
void	datapath_deliver_unknown(struct datapath *, uint8_t *pkt, size_t len,
	    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
	    uint8_t tos);
/* An owner's packet to send to client:port from our encapsulation port. */
void	datapath_send_client(struct datapath *, const struct ipaddr *client,
	    uint16_t port, uint8_t tos, const uint8_t *pkt, size_t len);
/* Member via - 1 is gone: its transports are reached directly again. */
void	datapath_forget_via(struct datapath *, uint8_t via);
/*
 * local's packet to remote did not fit a path of MTU mtu with overhead
 * bytes of encapsulation: tell local (fragmentation needed / too big).
 */
void	datapath_too_big(struct datapath *, const struct ipaddr *local,
	    const struct ipaddr *remote, const uint8_t *pkt, size_t len,
	    uint32_t mtu, uint32_t overhead);
/*
 * Hand the fast path to the data path (it is the daemon's: opened and
 * closed there): every established path the table vouches for is
 * installed now and kept in step from here on (fpsync.h).  NULL takes it
 * away, removing every slot first.
 */
void	datapath_set_fastpath(struct datapath *, struct fastpath *);
/* A new configuration (reload): what was derived from the old one goes. */
void	datapath_set_conf(struct datapath *, const struct config *);
/* The peer whose prefixes hold addr (config_match_peer), remembered. */
int	datapath_match_peer(struct datapath *, const struct ipaddr *);
/* Seconds since an arbitrary start, monotonic. */
uint32_t datapath_now(void);

#endif
