/*
 * track: association tracking.  Watches the chunks that cross sctptund in
 * each direction, keeps the table up to date and decides, for each packet,
 * where it goes: the UDP port an egress packet is sent to, and whether an
 * ingress packet is delivered to the TUN and may teach us a port.
 *
 * Only packets whose verification tag checks (RFC 9260 section 8.5, with
 * its INIT and T-bit exceptions) change learned state (RFC 6951 5.4).
 */
#ifndef SCTPTUN_TRACK_H
#define SCTPTUN_TRACK_H

#include <stdint.h>

#include "addr.h"
#include "sctp.h"
#include "stats.h"
#include "table.h"

enum track_verdict {
	TRACK_DELIVER = 0,	/* write it to the TUN */
	TRACK_DROP_VTAG,	/* tag matches none of the peer's assocs */
	TRACK_ABORT_NEW_PORT,	/* INIT of an existing association from a
				   new port: answer with ABORT, cause 14 */
	TRACK_DELIVER_OOTB,	/* write it to the TUN; it is of no known
				   association, the kernel may answer it
				   (note the reply port: track_reply_note) */
};

/*
 * The out-of-the-blue reply map (cons draft section 3): for a few seconds
 * after an out-of-the-blue packet came in over UDP, the kernel's ABORT or
 * SHUTDOWN-COMPLETE answering it goes back to the UDP port it came from.
 * Fixed size, no allocation: TRACK_REPLY_WAYS-way sets indexed by a hash
 * of the key, the oldest entry of a set overwritten.
 */
#define TRACK_REPLY_SETS	64
#define TRACK_REPLY_WAYS	4
#define TRACK_REPLY_TTL		5	/* seconds */

struct track_reply {
	struct ipaddr	local;		/* the local endpoint's address */
	struct ipaddr	peer;
	uint16_t	lport, pport;	/* SCTP ports */
	uint16_t	udp_port;	/* 0: slot free */
	uint32_t	at;		/* clock when noted */
	uint64_t	seq;		/* order of notes: the oldest goes */
};

struct track_replies {
	struct track_reply r[TRACK_REPLY_SETS][TRACK_REPLY_WAYS];
	uint64_t	noted;		/* entries written */
	uint64_t	hits;		/* replies sent to a noted port */
};

/* What the data path needs to answer an INIT from a new port. */
struct track_abort {
	uint32_t	vtag;		/* the INIT's initiate tag */
	uint16_t	current_port;
	uint16_t	new_port;
};

/*
 * A packet from the TUN (local -> peer): update the table and return the
 * UDP port to send it to, or 0 if no port is known (the caller uses the
 * peer's configured remote_port).
 */
uint16_t track_egress(struct table *, uint16_t peer_id,
	    const struct ipaddr *peer, const struct sctp_pkt *, size_t len,
	    struct stats *);

/*
 * A packet from UDP (peer -> local), already checked for structure and
 * CRC32c, that came from peer at UDP port sport, directly (via 0) or
 * relayed by cluster member via - 1 (table_learn_path).  Returns a
 * verdict; for TRACK_ABORT_NEW_PORT, *abort says what to send.
 */
enum track_verdict track_ingress(struct table *, uint16_t peer_id,
	    const struct ipaddr *peer, const struct sctp_pkt *, size_t len,
	    uint16_t sport, uint8_t via, struct track_abort *,
	    struct stats *);

/*
 * 1 if the packet carries its sender's own tag (an ABORT or SHUTDOWN-
 * COMPLETE with the T bit): it is looked up by the peer's tag.
 */
int	track_reflected(const struct sctp_pkt *);

/*
 * An out-of-the-blue packet (TRACK_DELIVER_OOTB) from peer:sport to local:
 * remember where an answer must go.  now is the table clock.
 */
void	track_reply_note(struct track_replies *, const struct ipaddr *local,
	    const struct ipaddr *peer, const struct sctp_pkt *, uint16_t sport,
	    uint32_t now);

/*
 * An egress packet of no known association from local to peer: if it is
 * an ABORT or SHUTDOWN-COMPLETE answering a noted packet, the UDP port
 * that packet came from (counted in hits), else 0.
 */
uint16_t track_reply_port(struct track_replies *, const struct ipaddr *local,
	    const struct ipaddr *peer, const struct sctp_pkt *, uint32_t now);

#endif
