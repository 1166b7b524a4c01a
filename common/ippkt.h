/*
 * ippkt: bounds-checked parsing and building of the IPv4 and IPv6 headers
 * around SCTP packets.  Nothing here allocates; nothing casts a buffer to a
 * header struct before checking its length.
 */
#ifndef SCTPTUN_IPPKT_H
#define SCTPTUN_IPPKT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define IPPROTO_SCTP_NUM	132
#define IPV4_HDRLEN		20
#define IPV6_HDRLEN		40
/* Room to leave in front of a payload for the largest header we build. */
#define IP_HEADROOM		IPV6_HDRLEN

/* Results of ip_parse(): 0 or one of these (negative). */
enum ip_error {
	IP_OK = 0,
	IP_ERR_SHORT = -1,	/* shorter than its headers or length field */
	IP_ERR_VERSION = -2,	/* not 4 or 6, or IHL < 5 */
	IP_ERR_FRAGMENT = -3,	/* a fragment (MF or offset, or IPv6 frag hdr) */
	IP_ERR_EXTHDR = -4,	/* malformed or unsupported extension header */
	IP_ERR_CHECKSUM = -5,	/* IPv4 header checksum wrong */
	IP_ERR_NOT_FRAGMENT = -6, /* ip_parse_fragment(): a whole packet */
	IP_ERR_BADFRAG = -7,	/* fragment with impossible offset / length */
};

struct ip_pkt {
	struct ipaddr	 src;
	struct ipaddr	 dst;
	uint8_t		 tos;		/* IPv4 TOS or IPv6 traffic class */
	uint8_t		 proto;		/* last next-header: 132 for SCTP */
	uint8_t		 ttl;		/* TTL or hop limit */
	uint16_t	 hdrlen;	/* all IP headers, extensions included */
	const uint8_t	*l4;		/* transport header */
	size_t		 l4len;		/* from the length field, not the buffer */
};

/*
 * Parse an IP packet read from the TUN.  IPv6 extension headers (hop-by-hop,
 * routing, destination options, AH) are walked; a fragment header makes it
 * IP_ERR_FRAGMENT.  Bytes after the length the header gives are ignored.
 */
int	ip_parse(const uint8_t *, size_t, struct ip_pkt *);

/* What a fragment adds to its struct ip_pkt (ip_parse_fragment()). */
struct ip_frag {
	uint32_t	 id;		/* IPv4: 16 bits; IPv6: 32 bits */
	uint32_t	 offset;	/* of data in the whole payload, bytes */
	int		 more;		/* MF / M: not the last fragment */
	uint8_t		 proto;		/* of the whole packet (IPv6: the
					   fragment header's next header) */
	const uint8_t	*data;		/* this fragment's part of the payload */
	size_t		 len;
};

/*
 * Parse a packet that ip_parse() calls IP_ERR_FRAGMENT.  Returns IP_OK and
 * fills pkt (src, dst, tos, ttl, hdrlen; proto, l4 and l4len as in frag)
 * and frag; IP_ERR_NOT_FRAGMENT for a whole packet; IP_ERR_BADFRAG for an
 * empty fragment, a non-last one whose length is not a multiple of 8, or
 * one that ends past 65535 bytes of IP packet; else what ip_parse() says.
 */
int	ip_parse_fragment(const uint8_t *, size_t, struct ip_pkt *,
	    struct ip_frag *);

/*
 * Write an IP header for a payload of paylen bytes so that it ends exactly
 * at end: the header starts at end - 20 (IPv4) or end - 40 (IPv6); src and
 * dst must be of the same family.  IPv4 gets DF, TTL 64, a checksum and id 0;
 * IPv6 hop limit 64, flow label 0.  Returns the header length, or 0 if
 * paylen is too large for the family.
 */
size_t	ip_build(uint8_t *end, const struct ipaddr *src,
	    const struct ipaddr *dst, uint8_t tos, uint8_t proto, size_t paylen);

/* The Internet checksum (RFC 1071) of a buffer, folded, not inverted. */
uint16_t inet_cksum_partial(const void *, size_t, uint32_t);
uint16_t inet_cksum(const void *, size_t);

#endif
