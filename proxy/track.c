/*
 * track: association tracking from the chunks crossing sctptund.
 *
 * Tags, seen from sctptund: ltag is the tag of the local endpoint (behind
 * the TUN), carried by packets from the peer; ptag the peer's, carried by
 * packets to the peer.  The handshake fills them in:
 *
 *   local initiates:  egress INIT (init tag = ltag)  -> new entry
 *                     ingress INIT-ACK (vtag ltag, init tag = ptag)
 *   peer initiates:   ingress INIT (init tag = ptag) -> new entry
 *                     egress INIT-ACK (vtag ptag, init tag = ltag)
 *
 * and COOKIE-ACK, in either direction, establishes the association.
 */
#include <string.h>

#include "track.h"

/* Peer addresses an INIT or INIT-ACK lists become transports. */
static void
track_add_addrs(struct table *tb, struct assoc *a, const struct sctp_pkt *sp)
{
	struct ipaddr		 addrs[ASSOC_MAX_TRANSPORTS];
	struct transport	*t;
	size_t			 i, n;

	n = sctp_init_addrs(sp, addrs, ASSOC_MAX_TRANSPORTS);
	if (n > ASSOC_MAX_TRANSPORTS)
		n = ASSOC_MAX_TRANSPORTS;
	for (i = 0; i < n; i++) {
		if (!addr_is_unicast(&addrs[i]))
			continue;
		if ((t = table_transport(tb, a, &addrs[i], 1)) != NULL)
			t->flags |= TRANSPORT_FROM_INIT;
	}
}

/* State changes that the chunks of a verified packet imply. */
static void
track_chunks(struct table *tb, struct assoc *a, const struct sctp_pkt *sp)
{
	if (sctp_has_chunk(sp, SCTP_COOKIE_ACK) &&
	    a->state == ASSOC_EMBRYONIC)
		(void)table_establish(tb, a);
	if ((sctp_has_chunk(sp, SCTP_SHUTDOWN) ||
	    sctp_has_chunk(sp, SCTP_SHUTDOWN_ACK)) &&
	    a->state == ASSOC_ESTABLISHED)
		table_set_state(tb, a, ASSOC_CLOSING);
}

/* 1 if the packet ends the association: ABORT or SHUTDOWN-COMPLETE. */
static int
track_is_final(const struct sctp_pkt *sp)
{
	return sctp_has_chunk(sp, SCTP_ABORT) ||
	    sp->type == SCTP_SHUTDOWN_COMPLETE;
}

/* 1 if the packet carries the sender's own tag (T bit, RFC 9260 8.5.1). */
int
track_reflected(const struct sctp_pkt *sp)
{
	return (sp->type == SCTP_ABORT ||
	    sp->type == SCTP_SHUTDOWN_COMPLETE) && (sp->flags & SCTP_FLAG_T);
}

/* Egress INIT: a new association, or a retransmission of its INIT. */
static struct assoc *
track_egress_init(struct table *tb, uint16_t peer_id,
    const struct sctp_pkt *sp)
{
	struct assoc	*a;

	a = table_lookup_ltag(tb, sp->sport, sp->dport, sp->init_tag);
	if (a != NULL)
		return a;
	if ((a = table_new(tb, sp->sport, sp->dport, peer_id, 1)) != NULL)
		table_set_ltag(tb, a, sp->init_tag);
	return a;
}

/* Egress INIT-ACK: the local endpoint answers the peer's INIT. */
static struct assoc *
track_egress_init_ack(struct table *tb, uint16_t peer_id,
    const struct sctp_pkt *sp)
{
	struct assoc	*a;

	a = table_lookup_ptag(tb, sp->sport, sp->dport, sp->vtag);
	if (a == NULL) {
		/* We missed the INIT (restart of sctptund): start here. */
		if ((a = table_new(tb, sp->sport, sp->dport, peer_id, 0)) ==
		    NULL)
			return NULL;
		table_set_ptag(tb, a, sp->vtag);
	}
	table_set_ltag(tb, a, sp->init_tag);
	return a;
}

/* Update the table for a packet from the TUN; the port to send it to. */
uint16_t
track_egress(struct table *tb, uint16_t peer_id, const struct ipaddr *peer,
    const struct sctp_pkt *sp, size_t len, struct stats *st)
{
	struct assoc		*a;
	struct transport	*t;
	uint16_t		 port;

	if (sp->type == SCTP_INIT)
		a = track_egress_init(tb, peer_id, sp);
	else if (sp->type == SCTP_INIT_ACK)
		a = track_egress_init_ack(tb, peer_id, sp);
	else if (track_reflected(sp))
		a = table_lookup_ltag(tb, sp->sport, sp->dport, sp->vtag);
	else
		a = table_lookup_ptag(tb, sp->sport, sp->dport, sp->vtag);
	if (a == NULL) {
		st->egress_untracked++;
		return 0;
	}
	if ((t = table_transport(tb, a, peer, 1)) != NULL)
		t->tx_packets++;
	a->tx_packets++;
	a->tx_bytes += len;
	port = table_port_for(a, peer);
	if (track_is_final(sp)) {
		table_remove(tb, a);
		return port;
	}
	track_chunks(tb, a, sp);
	table_touch(tb, a);
	return port;
}

/*
 * The learned port an INIT from peer:sport would move on a, or 0: an
 * established or closing association defends the port of each path.
 */
static uint16_t
track_defended_port(struct table *tb, struct assoc *a,
    const struct ipaddr *peer, uint16_t sport)
{
	struct transport	*t;

	if (a == NULL || a->state == ASSOC_EMBRYONIC ||
	    (t = table_transport(tb, a, peer, 0)) == NULL || t->port == 0 ||
	    t->port == sport)
		return 0;
	return t->port;
}

/*
 * Ingress INIT.  Its tag is 0 and proves nothing, so it may not move a port
 * an existing association learned (cons draft section 4): from another
 * port it is refused with an ABORT; otherwise it starts (or restarts) an
 * association whose first port is the INIT's.  Both associations it could
 * belong to are checked: the latest one with this peer address, and the
 * one whose peer tag its initiate tag repeats (they differ when the peer
 * restarted on the same ports and the old entry has not expired yet).
 */
static enum track_verdict
track_ingress_init(struct table *tb, uint16_t peer_id,
    const struct ipaddr *peer, const struct sctp_pkt *sp, size_t len,
    uint16_t sport, struct track_abort *abort)
{
	struct assoc		*a;
	struct transport	*t;
	uint16_t		 port;

	a = table_lookup_ptag(tb, sp->dport, sp->sport, sp->init_tag);
	port = track_defended_port(tb, table_lookup_addr(tb, sp->dport,
	    sp->sport, peer), peer, sport);
	if (port == 0)
		port = track_defended_port(tb, a, peer, sport);
	if (port != 0) {
		abort->vtag = sp->init_tag;
		abort->current_port = port;
		abort->new_port = sport;
		return TRACK_ABORT_NEW_PORT;
	}
	if (a == NULL) {
		a = table_new(tb, sp->dport, sp->sport, peer_id, 0);
		if (a == NULL)
			return TRACK_DELIVER;
		table_set_ptag(tb, a, sp->init_tag);
	}
	if ((t = table_transport(tb, a, peer, 1)) != NULL) {
		(void)table_learn_port(tb, t, sport);
		t->rx_packets++;
	}
	a->rx_packets++;
	a->rx_bytes += len;
	track_add_addrs(tb, a, sp);
	table_touch(tb, a);
	return TRACK_DELIVER;
}

/*
 * A packet whose tag matches no association.  If the peer has an
 * association on these ports, the tag is wrong: drop it (the kernel would,
 * RFC 9260 8.5).  Otherwise it is out of the blue: the kernel must see it
 * to answer as RFC 9260 8.4 says, but it teaches us nothing.
 */
static enum track_verdict
track_unverified(struct table *tb, const struct ipaddr *peer,
    const struct sctp_pkt *sp, struct stats *st)
{
	if (table_lookup_addr(tb, sp->dport, sp->sport, peer) != NULL)
		return TRACK_DROP_VTAG;
	st->ingress_ootb++;
	return TRACK_DELIVER_OOTB;
}

/* Update the table for a packet from UDP; whether to deliver it. */
enum track_verdict
track_ingress(struct table *tb, uint16_t peer_id, const struct ipaddr *peer,
    const struct sctp_pkt *sp, size_t len, uint16_t sport, uint8_t via,
    struct track_abort *abort, struct stats *st)
{
	struct assoc		*a;
	struct transport	*t;

	if (sp->type == SCTP_INIT)
		return track_ingress_init(tb, peer_id, peer, sp, len, sport,
		    abort);
	if (track_reflected(sp))
		a = table_lookup_ptag(tb, sp->dport, sp->sport, sp->vtag);
	else
		a = table_lookup_ltag(tb, sp->dport, sp->sport, sp->vtag);
	if (a == NULL)
		return track_unverified(tb, peer, sp, st);

	/* The tag checks: this packet may teach us its path's port. */
	if ((t = table_transport(tb, a, peer, 1)) != NULL) {
		(void)table_learn_path(tb, t, sport, via);
		t->rx_packets++;
	}
	a->rx_packets++;
	a->rx_bytes += len;
	if (track_is_final(sp)) {
		table_remove(tb, a);
		return TRACK_DELIVER;
	}
	if (sp->type == SCTP_INIT_ACK) {
		table_set_ptag(tb, a, sp->init_tag);
		track_add_addrs(tb, a, sp);
	}
	track_chunks(tb, a, sp);
	table_touch(tb, a);
	return TRACK_DELIVER;
}

/* The set of the reply map that holds a key. */
static struct track_reply *
track_reply_set(struct track_replies *rm, const struct ipaddr *local,
    const struct ipaddr *peer, uint16_t lport, uint16_t pport)
{
	uint32_t	 h;

	h = addr_hash(local, ((uint32_t)lport << 16) | pport);
	h = addr_hash(peer, h);
	return rm->r[h % TRACK_REPLY_SETS];
}

/* 1 if slot r holds the key and is young enough. */
static int
track_reply_match(const struct track_reply *r, const struct ipaddr *local,
    const struct ipaddr *peer, uint16_t lport, uint16_t pport, uint32_t now)
{
	return r->udp_port != 0 && r->lport == lport && r->pport == pport &&
	    now - r->at <= TRACK_REPLY_TTL && addr_equal(&r->local, local) &&
	    addr_equal(&r->peer, peer);
}

/* Remember the UDP port an out-of-the-blue packet came from. */
void
track_reply_note(struct track_replies *rm, const struct ipaddr *local,
    const struct ipaddr *peer, const struct sctp_pkt *sp, uint16_t sport,
    uint32_t now)
{
	struct track_reply	*set, *r, *victim;
	int			 i;

	set = track_reply_set(rm, local, peer, sp->dport, sp->sport);
	victim = &set[0];
	for (i = 0; i < TRACK_REPLY_WAYS; i++) {
		r = &set[i];
		if (track_reply_match(r, local, peer, sp->dport, sp->sport,
		    now)) {
			victim = r;
			break;
		}
		/* Free slots first, then the oldest. */
		if (r->udp_port == 0 || (victim->udp_port != 0 &&
		    r->seq < victim->seq))
			victim = r;
	}
	victim->local = *local;
	victim->peer = *peer;
	victim->lport = sp->dport;
	victim->pport = sp->sport;
	victim->udp_port = sport;
	victim->at = now;
	victim->seq = ++rm->noted;
}

/* The UDP port a kernel's out-of-the-blue answer goes to, or 0. */
uint16_t
track_reply_port(struct track_replies *rm, const struct ipaddr *local,
    const struct ipaddr *peer, const struct sctp_pkt *sp, uint32_t now)
{
	struct track_reply	*set;
	int			 i;

	if (sp->type != SCTP_ABORT && sp->type != SCTP_SHUTDOWN_COMPLETE)
		return 0;
	set = track_reply_set(rm, local, peer, sp->sport, sp->dport);
	for (i = 0; i < TRACK_REPLY_WAYS; i++) {
		if (track_reply_match(&set[i], local, peer, sp->sport,
		    sp->dport, now)) {
			rm->hits++;
			return set[i].udp_port;
		}
	}
	return 0;
}
