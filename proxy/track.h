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
 * CRC32c, that came from peer at UDP port sport.  Returns a verdict; for
 * TRACK_ABORT_NEW_PORT, *abort says what to send.
 */
enum track_verdict track_ingress(struct table *, uint16_t peer_id,
	    const struct ipaddr *peer, const struct sctp_pkt *, size_t len,
	    uint16_t sport, struct track_abort *, struct stats *);

#endif
