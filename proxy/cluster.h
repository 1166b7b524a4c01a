/*
 * cluster: replicas of sctptund behind a UDP load balancer keep each
 * association whole by relaying to each other, over an authenticated UDP
 * channel, the datagrams of associations they do not hold (CLUSTER.md).
 *
 * The owner of an association is the replica whose kernel holds it (where
 * its INIT landed).  A replica that gets a non-INIT datagram of no
 * association it knows (TRACK_DELIVER_OOTB) asks this module instead of its
 * kernel: the owner is found in a tag -> member cache, else asked of every
 * member that is up while the packet is held; the owner gets it as RELAY,
 * with the client's outer address, port and TOS, and checks it as a direct
 * datagram.  The owner's packets for a path it learned through a member go
 * back as SEND to that member, which sends them from its own encapsulation
 * socket, so the load balancer's reverse translation applies.  Nobody
 * answering within CLUSTER_QUERY_MS means nobody owns it: the held packets
 * go to the local kernel, whose ABORT (T bit) makes the client start over.
 *
 * Choices made here (the design left them open):
 * - The relay socket is one per family on cluster.port, opened with the
 *   encapsulation socket's options (udp.h) but letting datagrams fragment
 *   (a relayed full-size packet is RELAY_OVERHEAD bytes larger) and
 *   without UDP_GRO.  Our messages leave from our own member address when
 *   we are in the list (PKTINFO), since the receiver names the sender by
 *   its source address.
 * - The owner writes a relayed packet to its TUN with, as destination, the
 *   local address the RELAY came to: the members list must hold the
 *   addresses the service's datagrams arrive on (a pod's IP), which is
 *   the address the kernel's association uses.
 * - dns = "NAME" is resolved with libevent's evdns (asynchronous: the data
 *   path never waits), at start and every resolve_seconds; a failed
 *   resolution keeps the members as they were.  A member whose address is
 *   one of this host's (getifaddrs, checked at each resolution) is self.
 * - A member keeps its slot (index) while its address resolves; a slot
 *   that goes is forgotten everywhere (cache, transports' via) before it
 *   may be reused.
 * - The cache is set-associative (CLUSTER_CACHE_SETS x CLUSTER_CACHE_WAYS),
 *   an entry expires after CLUSTER_CACHE_IDLE_MS unused; a query that
 *   times out leaves a "nobody" entry for CLUSTER_NOBODY_MS so the next
 *   packets of that tag go to the kernel at once.
 * - Held packets: CLUSTER_HELD_MAX in all, CLUSTER_HELD_PER_TAG per tag,
 *   each at most CLUSTER_HELD_LEN bytes; beyond, counted drops
 *   (relay_held_dropped).  Queries in flight are as many as held packets.
 * - An owner whose member for a path is down sends that path's packets
 *   directly: a path may still answer, and a dead member surely will not.
 * - A member is down at once when its host answers a message with port
 *   or host unreachable (its daemon was killed), else after
 *   CLUSTER_DOWN_MS without a hello.
 * - A SEND the member cannot send (EMSGSIZE on its path) is dropped and
 *   counted there; the owner's kernel is not told, its PLPMTUD and
 *   retransmissions recover.  Relay messages themselves may fragment.
 * - Peers with dtls are never relayed (their packets go only in DTLS).
 *   strip_addresses peers are, although the design first excluded them:
 *   clients behind a load balancer's NAT are exactly what strip_addresses
 *   is for (examples/k8s), and the owner strips before a SEND as before a
 *   direct send, so nothing bypasses it.
 * - relay_queries and relay_answers count queries we sent and answers we
 *   got; "relayed_to" / "relayed_from" of a member count the RELAY and
 *   SEND messages (packets) to and from it.
 *
 * The clocks of the members must agree within RELAY_MAX_SKEW (30 s): run
 * NTP.  Messages are authenticated and replay-checked (relay_msg.h).  A
 * sender's epoch is its realtime clock at start: a member restarted with
 * its clock set back behind its previous start is refused (relay_replays)
 * by the others until they restart too; NTP keeps that from happening.
 */
#ifndef SCTPTUN_CLUSTER_H
#define SCTPTUN_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "addr.h"
#include "sctp.h"

#define CLUSTER_TICK_MS		100
#define CLUSTER_HELLO_MS	1000
#define CLUSTER_DOWN_MS		3000
#define CLUSTER_QUERY_MS	500
#define CLUSTER_CACHE_SETS	1024
#define CLUSTER_CACHE_WAYS	4
#define CLUSTER_CACHE_IDLE_MS	60000
#define CLUSTER_NOBODY_MS	2000
#define CLUSTER_HELD_MAX	64
#define CLUSTER_HELD_PER_TAG	8
#define CLUSTER_HELD_LEN	9216

struct cluster;
struct datapath;

enum cluster_member_state {
	CLUSTER_MEMBER_DOWN = 0,	/* no hello for CLUSTER_DOWN_MS */
	CLUSTER_MEMBER_UP,		/* an authenticated hello lately */
	CLUSTER_MEMBER_SELF,		/* one of our addresses */
};

/* What `show cluster` says of a member. */
struct cluster_member_info {
	struct ipaddr	 addr;
	int		 state;		/* enum cluster_member_state */
	int64_t		 last_hello_ms;	/* ago; -1: never */
	uint64_t	 relayed_to;
	uint64_t	 relayed_from;
};

/*
 * Read the key, open the relay port, start the hellos (and resolution):
 * before privileges are dropped.  NULL on failure with *cause allocated.
 * Counters go to the data path's stats.
 */
struct cluster *cluster_create(struct datapath *, char **cause);
void	cluster_free(struct cluster *);

/*
 * An ingress packet (not an INIT) of no association here, from src:sport
 * to our dst: 1 if the cluster took it (relayed, held, or dropped and
 * counted), 0 if it goes to the local kernel as today.  pkt is copied
 * when held.
 */
int	cluster_ingress_unknown(struct cluster *, const uint8_t *pkt,
	    size_t len, const struct sctp_pkt *, const struct ipaddr *src,
	    uint16_t sport, const struct ipaddr *dst, uint8_t tos);
/*
 * An egress packet for a path reached through member via - 1: 1 if it
 * went as SEND (or was dropped, counted), 0 if it is to go directly (the
 * member is down or gone).
 */
int	cluster_egress(struct cluster *, uint8_t via,
	    const struct ipaddr *client, uint16_t port, uint8_t tos,
	    const uint8_t *pkt, size_t len);

/*
 * A packet member via - 1 relayed to us is of no association here (it
 * ended, or our kernel lost it): tell the member, so that it stops
 * relaying that association's packets and asks again (then, nobody
 * answering, its kernel ABORTs), instead of relaying them into a void
 * as long as the client retransmits.
 */
void	cluster_not_owner(struct cluster *, uint8_t via,
	    const struct sctp_pkt *);

/* For show and metrics. */
uint16_t cluster_port(const struct cluster *);
size_t	cluster_nmembers(const struct cluster *);
/* Member i (0 <= i < cluster_nmembers): 0, or -1 if the slot is empty. */
int	cluster_member(const struct cluster *, size_t i,
	    struct cluster_member_info *);
/* The address of member via - 1 into buf, or "?". */
const char *cluster_via_name(const struct cluster *, uint8_t via, char *buf,
	    size_t len);
size_t	cluster_cache_entries(const struct cluster *);
size_t	cluster_held_packets(const struct cluster *);
const char *cluster_state_name(int);

#endif
