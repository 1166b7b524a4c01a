/*
 * icmp: ICMP errors for our UDP packets, turned into ICMP errors for the
 * inner SCTP packets (RFC 6951 5.5, 5.6).  The core is pure: it takes the
 * fields of an error-queue message and the quoted bytes, decides whether
 * the error may be believed, and builds the ICMP packet the data path
 * writes to the TUN.  Nothing here touches a socket or allocates.
 *
 * The translated ICMP comes from the peer's address (the inner packet's
 * destination), not from the router that reported it: the router's address
 * is of the outer path and the local endpoint knows nothing of it, and the
 * kernel's SCTP checks only the quoted packet (addresses, ports, tag).
 */
#ifndef SCTPTUN_ICMP_H
#define SCTPTUN_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "table.h"

/* What an error means for the inner packet. */
enum icmp_kind {
	ICMP_KIND_OTHER = 0,	/* ignored */
	ICMP_KIND_TOO_BIG,	/* fragmentation needed / packet too big */
	ICMP_KIND_UNREACH,	/* port unreachable: SCTP is not there */
};

/* The biggest packet icmp_build() writes: IPv6's 1280. */
#define ICMP_MAXLEN	1280
#define ICMP_UDP_OVERHEAD	8

/*
 * Classify an error of a socket of family (AF_INET / AF_INET6) from its
 * sock_extended_err origin, type and code (linux/errqueue.h).
 */
enum icmp_kind icmp_classify(int family, uint8_t origin, uint8_t type,
	    uint8_t code);

/*
 * Whether the SCTP packet quoted in an error (quote, qlen: the bytes after
 * the UDP header) was ours for an association: its tag is the peer's (or
 * tag 0 and an INIT whose initiate tag is ours) and udp_dport, the quoted
 * UDP destination port, is the one stored for (association, peer), or
 * fallback_port (the configured remote_port) when none is.  Returns the
 * association or NULL.
 */
struct assoc *icmp_verify(struct table *, const struct ipaddr *peer,
	    uint16_t udp_dport, uint16_t fallback_port, const uint8_t *quote,
	    size_t qlen);

/*
 * Build in buf (at least ICMP_MAXLEN bytes) the ICMP error of kind about
 * the SCTP packet sctp (sctplen bytes, possibly a truncated quote) that
 * local sent to peer: from peer to local, quoting the inner IP header and
 * as much of the SCTP packet as fits in 576 (IPv4) / 1280 (IPv6) bytes.
 * mtu is the inner MTU for ICMP_KIND_TOO_BIG.  Returns the length, or 0.
 */
size_t	icmp_build(uint8_t *buf, enum icmp_kind, const struct ipaddr *local,
	    const struct ipaddr *peer, uint32_t mtu, const uint8_t *sctp,
	    size_t sctplen);

#endif
