/*
 * sctp: bounds-checked parsing and building of SCTP packets (RFC 9260):
 * the common header, the chunk walk with its bundling rules, INIT and
 * INIT-ACK fixed fields and address parameters, the T bit of ABORT and
 * SHUTDOWN-COMPLETE, and the ABORT sctptund itself sends.
 */
#ifndef SCTPTUN_SCTP_H
#define SCTPTUN_SCTP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define SCTP_COMMON_HDRLEN	12
#define SCTP_CHUNK_HDRLEN	4

enum sctp_chunk_type {
	SCTP_DATA = 0,
	SCTP_INIT = 1,
	SCTP_INIT_ACK = 2,
	SCTP_SACK = 3,
	SCTP_HEARTBEAT = 4,
	SCTP_HEARTBEAT_ACK = 5,
	SCTP_ABORT = 6,
	SCTP_SHUTDOWN = 7,
	SCTP_SHUTDOWN_ACK = 8,
	SCTP_ERROR = 9,
	SCTP_COOKIE_ECHO = 10,
	SCTP_COOKIE_ACK = 11,
	SCTP_ECNE = 12,
	SCTP_CWR = 13,
	SCTP_SHUTDOWN_COMPLETE = 14,
	SCTP_AUTH = 15,
	SCTP_I_DATA = 64,
	SCTP_ASCONF_ACK = 128,
	SCTP_RECONFIG = 130,
	SCTP_PAD = 132,
	SCTP_FORWARD_TSN = 192,
	SCTP_ASCONF = 193,
	SCTP_I_FORWARD_TSN = 194,
};

/* The T bit of ABORT and SHUTDOWN-COMPLETE (RFC 9260 3.3.7, 3.3.13). */
#define SCTP_FLAG_T		0x01

/* Parameter types found in INIT / INIT-ACK. */
#define SCTP_PARAM_IPV4		5
#define SCTP_PARAM_IPV6		6

/* Error cause of the cons draft section 4. */
#define SCTP_CAUSE_NEW_ENCAPS_PORT	14

enum sctp_error {
	SCTP_OK = 0,
	SCTP_ERR_SHORT = -1,	/* no room for the common header */
	SCTP_ERR_CHUNK = -2,	/* a chunk length < 4 or past the packet,
				   or no chunk at all */
	SCTP_ERR_BUNDLE = -3,	/* INIT, INIT-ACK or SHUTDOWN-COMPLETE
				   bundled with another chunk */
	SCTP_ERR_INIT = -4,	/* INIT / INIT-ACK shorter than its fixed
				   part, initiate tag 0, or bad parameter */
	SCTP_ERR_VTAG = -5,	/* INIT with a verification tag other than 0 */
};

/*
 * What sctptund needs to know about a packet.  Chunks after the first are
 * only walked for validity; chunk_types records (type & 63) of every chunk
 * seen, as a bit mask, for quick tests such as "contains ABORT".
 */
struct sctp_pkt {
	uint16_t	 sport;
	uint16_t	 dport;
	uint32_t	 vtag;
	uint8_t		 type;		/* first chunk's type */
	uint8_t		 flags;		/* first chunk's flags */
	uint16_t	 nchunks;
	uint64_t	 chunk_types;	/* bit (type & 63) per chunk seen */
	/* INIT and INIT-ACK only (type == SCTP_INIT or SCTP_INIT_ACK): */
	uint32_t	 init_tag;	/* Initiate Tag */
	const uint8_t	*params;	/* variable parameters of the chunk */
	size_t		 params_len;
};

/*
 * Parse and validate an SCTP packet (common header and the chunk walk).
 * Does not check the CRC32c (see crc32c.h).  Returns 0 or a negative
 * enum sctp_error.
 */
int	sctp_parse(const uint8_t *, size_t, struct sctp_pkt *);

/* 1 if any chunk of the packet has the given type. */
int	sctp_has_chunk(const struct sctp_pkt *, uint8_t type);

/*
 * Copy up to max IPv4 / IPv6 address parameters of an INIT or INIT-ACK into
 * out; returns how many were found in all (which may exceed max).
 */
size_t	sctp_init_addrs(const struct sctp_pkt *, struct ipaddr *, size_t);

/*
 * Remove the IPv4 and IPv6 address parameters from the INIT or INIT-ACK
 * chunk of the packet at pkt (len bytes), shifting what follows, fixing the
 * chunk length and the CRC32c.  Returns the new packet length.
 */
size_t	sctp_strip_addrs(uint8_t *pkt, size_t len);

/*
 * Build an ABORT packet into buf (at least 32 bytes): ports as given, vtag,
 * T bit if tbit, and if cause_new_port is set the error cause 14 carrying
 * (current_port, new_port).  Sets the CRC32c.  Returns the length.
 */
size_t	sctp_build_abort(uint8_t *buf, uint16_t sport, uint16_t dport,
	    uint32_t vtag, int tbit, int cause_new_port,
	    uint16_t current_port, uint16_t new_port);

/* Short name of a chunk type for logs and stats ("DATA", "INIT", ...). */
const char *sctp_chunk_name(uint8_t);

#endif
