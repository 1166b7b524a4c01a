/*
 * relay_msg: the messages replicas of a cluster exchange on the relay
 * channel (CLUSTER.md), as bytes: encoding, decoding, authentication and
 * the replay window.  No I/O, no clock, no allocation per message: the
 * caller passes the time and the buffers, so the codec is unit-tested and
 * fuzzed alone.
 *
 * A message is, all integers in network byte order:
 *
 *   header (24 bytes)  version u8 (1), type u8, flags u16,
 *                      epoch u64 (the sender's CLOCK_REALTIME in ns when it
 *                      started), seq u64 (the sender's counter, per epoch),
 *                      timestamp u32 (the sender's realtime seconds)
 *   body, by type      HELLO   nothing
 *                      QUERY   vtag u32, lport u16, pport u16
 *                      ANSWER  vtag u32, lport u16, pport u16
 *                      RELAY   client block, then the SCTP packet
 *                      SEND    client block, then the SCTP packet
 *                      client block (20 bytes): family u8 (4 or 6), tos u8,
 *                      port u16, address (16 bytes, IPv4 in the first 4,
 *                      the rest zero)
 *   trailer (16 bytes) HMAC-SHA256, truncated, over header and body and the
 *                      receiver's address (family u8, then its 16 bytes):
 *                      a message made for one member is refused by another,
 *                      so a captured one cannot be reflected elsewhere.
 *
 * QUERY and ANSWER name the association as its owner's table does: ports
 * in the owner's view (lport: the owner's SCTP port) and the tag packets
 * from the client carry.  RELAY_F_REFLECTED says that tag is the client's
 * own (a packet with the T bit): look it up as the owner's ptag.  An
 * ANSWER with RELAY_F_NOT_OWNER answers a RELAY of an association the
 * sender does not hold: the relaying member forgets that it does.
 *
 * Authentication comes before anything past the header is read.  Replay
 * protection (relay_replay_check) is apart, run after it: a message is
 * accepted iff its timestamp is within RELAY_MAX_SKEW seconds of the
 * receiver's clock (members need clocks in step: NTP), and its epoch is
 * newer than the last seen from that sender (the window restarts: the
 * sender restarted), or equal and its seq new within a RELAY_WINDOW-entry
 * sliding window.  An older epoch is refused.
 */
#ifndef SCTPTUN_RELAY_MSG_H
#define SCTPTUN_RELAY_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define RELAY_VERSION		1
#define RELAY_HDRLEN		24
#define RELAY_CLIENTLEN		20
#define RELAY_TAGLEN		8	/* QUERY, ANSWER bodies */
#define RELAY_MACLEN		16
#define RELAY_OVERHEAD		(RELAY_HDRLEN + RELAY_CLIENTLEN + RELAY_MACLEN)
#define RELAY_MAX_SKEW		30	/* seconds */
#define RELAY_WINDOW		1024	/* seqs remembered per sender */
#define RELAY_KEY_MIN		32	/* bytes of secret */
#define RELAY_KEY_MAX		1024

enum relay_type {
	RELAY_HELLO = 1,
	RELAY_QUERY,
	RELAY_ANSWER,
	RELAY_RELAY,
	RELAY_SEND,
};

#define RELAY_F_REFLECTED	0x0001	/* QUERY, ANSWER: the tag is the
					   client's own (T bit) */
#define RELAY_F_NOT_OWNER	0x0002	/* ANSWER: the sender does not hold
					   it (any more): forget it */

/* What decoding or the replay check says. */
enum relay_result {
	RELAY_OK = 0,
	RELAY_ERR_MALFORMED,	/* short, unknown version or type, bad body */
	RELAY_ERR_AUTH,		/* the HMAC does not verify */
	RELAY_ERR_STALE,	/* timestamp too far from now */
	RELAY_ERR_REPLAY,	/* seq seen, below the window, or older epoch */
};

struct relay_msg {
	uint8_t		 type;		/* enum relay_type */
	uint16_t	 flags;
	uint64_t	 epoch;
	uint64_t	 seq;
	uint32_t	 timestamp;
	/* QUERY, ANSWER */
	uint32_t	 vtag;
	uint16_t	 lport, pport;
	/* RELAY, SEND */
	struct ipaddr	 client;
	uint16_t	 client_port;
	uint8_t		 tos;
	const uint8_t	*pkt;		/* points into the decoded buffer */
	size_t		 pktlen;
};

/* The sliding window of one sender. */
struct relay_replay {
	int		 valid;		/* something was accepted */
	uint64_t	 epoch;
	uint64_t	 top;		/* highest seq accepted in epoch */
	uint64_t	 bits[RELAY_WINDOW / 64 + 1];
};

struct relay_key;

/*
 * A key from the secret (at least RELAY_KEY_MIN bytes, at most
 * RELAY_KEY_MAX); NULL if too short or long, or OpenSSL has no HMAC.
 */
struct relay_key *relay_key_new(const uint8_t *secret, size_t len);
void	relay_key_free(struct relay_key *);

/*
 * Encode m (the packet of RELAY and SEND from m->pkt) for receiver into
 * buf.  Returns the length, or 0 if it does not fit or m is not valid.
 */
size_t	relay_encode(uint8_t *buf, size_t size, const struct relay_msg *m,
	    struct relay_key *, const struct ipaddr *receiver);
/*
 * Check and parse a message received at address receiver.  On RELAY_OK m
 * is filled (m->pkt points into buf).  Nothing past the header is read
 * unless the HMAC verifies.
 */
enum relay_result relay_decode(const uint8_t *buf, size_t len,
	    struct relay_key *, const struct ipaddr *receiver,
	    struct relay_msg *m);
/*
 * Parse header and body without checking the HMAC (len includes the
 * trailer).  Only for tests and the fuzzer: received data goes through
 * relay_decode.
 */
enum relay_result relay_parse(const uint8_t *buf, size_t len,
	    struct relay_msg *m);

/*
 * The replay check of an authenticated message from one sender at now
 * (realtime seconds): RELAY_OK (and the window records it), RELAY_ERR_STALE
 * or RELAY_ERR_REPLAY (nothing changes).
 */
enum relay_result relay_replay_check(struct relay_replay *,
	    const struct relay_msg *, uint32_t now);

const char *relay_type_name(int);

#endif
