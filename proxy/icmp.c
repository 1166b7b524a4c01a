/*
 * icmp: verification and translation of ICMP errors (RFC 6951 5.5, 5.6).
 *
 * The kernel's SCTP (sctp_err_lookup) finds the association from the
 * quoted inner IP addresses and SCTP ports and believes the error only if
 * the quoted tag is the peer's, or 0 with an INIT carrying its own tag: the
 * quote we build has exactly those fields from the original packet.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/errqueue.h>
#include <arpa/inet.h>
#include <string.h>

#include "icmp.h"
#include "ippkt.h"
#include "sctp.h"

#define ICMP4_DEST_UNREACH	3
#define ICMP4_PROT_UNREACH	2
#define ICMP4_PORT_UNREACH	3
#define ICMP4_FRAG_NEEDED	4
#define ICMP6_DST_UNREACH	1
#define ICMP6_PORT_UNREACH	4
#define ICMP6_PACKET_TOO_BIG	2
#define ICMP6_PARAM_PROB	4
#define ICMP6_UNKNOWN_NEXTHDR	1
#define ICMP6_NEXTHDR_OFFSET	6	/* next header field of IPv6 */
#define IPPROTO_ICMP_NUM	1
#define IPPROTO_ICMPV6_NUM	58
#define ICMP_HDRLEN		8
#define ICMP4_MAXLEN		576

/* A 16- or 32-bit big-endian value at p. */
static uint32_t
icmp_get32(const uint8_t *p)
{
	uint32_t	 v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static uint16_t
icmp_get16(const uint8_t *p)
{
	uint16_t	 v;

	memcpy(&v, p, 2);
	return ntohs(v);
}

/* What an error from the error queue means for the inner packet. */
enum icmp_kind
icmp_classify(int family, uint8_t origin, uint8_t type, uint8_t code)
{
	if (family == AF_INET && origin == SO_EE_ORIGIN_ICMP &&
	    type == ICMP4_DEST_UNREACH) {
		if (code == ICMP4_FRAG_NEEDED)
			return ICMP_KIND_TOO_BIG;
		if (code == ICMP4_PORT_UNREACH)
			return ICMP_KIND_UNREACH;
	}
	if (family == AF_INET6 && origin == SO_EE_ORIGIN_ICMP6) {
		if (type == ICMP6_PACKET_TOO_BIG)
			return ICMP_KIND_TOO_BIG;
		if (type == ICMP6_DST_UNREACH && code == ICMP6_PORT_UNREACH)
			return ICMP_KIND_UNREACH;
	}
	return ICMP_KIND_OTHER;
}

/* Tie a quoted SCTP packet to an association, or NULL. */
struct assoc *
icmp_verify(struct table *tb, const struct ipaddr *peer, uint16_t udp_dport,
    uint16_t fallback_port, const uint8_t *quote, size_t qlen)
{
	struct assoc	*a;
	uint16_t	 sport, dport, port;
	uint32_t	 vtag;

	/* A quote that ends in the common header proves nothing. */
	if (qlen < SCTP_COMMON_HDRLEN)
		return NULL;
	sport = icmp_get16(quote);
	dport = icmp_get16(quote + 2);
	vtag = icmp_get32(quote + 4);
	if (vtag != 0)
		a = table_lookup_ptag(tb, sport, dport, vtag);
	else if (qlen >= SCTP_COMMON_HDRLEN + SCTP_CHUNK_HDRLEN + 4 &&
	    quote[SCTP_COMMON_HDRLEN] == SCTP_INIT)
		a = table_lookup_ltag(tb, sport, dport, icmp_get32(quote +
		    SCTP_COMMON_HDRLEN + SCTP_CHUNK_HDRLEN));
	else
		a = NULL;
	if (a == NULL)
		return NULL;
	if ((port = table_port_for(a, peer)) == 0)
		port = fallback_port;
	return port == udp_dport ? a : NULL;
}

/* Write the ICMP header (checksum 0) of kind for a family. */
static uint8_t
icmp_header(uint8_t *h, int family, enum icmp_kind kind, uint32_t mtu)
{
	uint32_t	 v = 0;

	memset(h, 0, ICMP_HDRLEN);
	if (family == AF_INET) {
		h[0] = ICMP4_DEST_UNREACH;
		if (kind == ICMP_KIND_TOO_BIG) {
			h[1] = ICMP4_FRAG_NEEDED;
			v = htonl(mtu > 0xffff ? 0xffff : mtu);
		} else
			h[1] = ICMP4_PROT_UNREACH;
		memcpy(h + 4, &v, 4);
		return IPPROTO_ICMP_NUM;
	}
	if (kind == ICMP_KIND_TOO_BIG) {
		h[0] = ICMP6_PACKET_TOO_BIG;
		v = htonl(mtu);
	} else {
		h[0] = ICMP6_PARAM_PROB;
		h[1] = ICMP6_UNKNOWN_NEXTHDR;
		v = htonl(ICMP6_NEXTHDR_OFFSET);
	}
	memcpy(h + 4, &v, 4);
	return IPPROTO_ICMPV6_NUM;
}

/* The ICMP checksum: ICMPv6 sums the pseudo-header too (RFC 8200 8.1). */
static void
icmp_checksum(uint8_t *h, size_t len, const struct ipaddr *src,
    const struct ipaddr *dst)
{
	uint32_t	 sum = 0;
	uint16_t	 ck;
	uint8_t		 tail[8];

	if (src->family == AF_INET6) {
		sum = inet_cksum_partial(src->u.bytes, 16, 0);
		sum = inet_cksum_partial(dst->u.bytes, 16, sum);
		memset(tail, 0, sizeof(tail));
		tail[0] = (uint8_t)(len >> 24);
		tail[1] = (uint8_t)(len >> 16);
		tail[2] = (uint8_t)(len >> 8);
		tail[3] = (uint8_t)len;
		tail[7] = IPPROTO_ICMPV6_NUM;
		sum = inet_cksum_partial(tail, sizeof(tail), sum);
	}
	ck = htons((uint16_t)~inet_cksum_partial(h, len, sum));
	memcpy(h + 2, &ck, 2);
}

/* Build the ICMP error for the inner packet local -> peer. */
size_t
icmp_build(uint8_t *buf, enum icmp_kind kind, const struct ipaddr *local,
    const struct ipaddr *peer, uint32_t mtu, const uint8_t *sctp,
    size_t sctplen)
{
	size_t	 hl, max, qlen, icmplen;
	uint8_t	*icmp, *inner, proto;

	if (kind == ICMP_KIND_OTHER || local->family != peer->family ||
	    (local->family != AF_INET && local->family != AF_INET6))
		return 0;
	hl = local->family == AF_INET ? IPV4_HDRLEN : IPV6_HDRLEN;
	max = local->family == AF_INET ? ICMP4_MAXLEN : ICMP_MAXLEN;
	qlen = max - 2 * hl - ICMP_HDRLEN;
	if (qlen > sctplen)
		qlen = sctplen;
	icmp = buf + hl;
	inner = icmp + ICMP_HDRLEN + hl;
	memmove(inner, sctp, qlen);
	/* The quoted header tells the original length, as a router's does. */
	if (ip_build(inner, local, peer, 0, IPPROTO_SCTP_NUM, sctplen) == 0)
		return 0;
	proto = icmp_header(icmp, local->family, kind, mtu);
	icmplen = ICMP_HDRLEN + hl + qlen;
	icmp_checksum(icmp, icmplen, peer, local);
	if (ip_build(icmp, peer, local, 0, proto, icmplen) == 0)
		return 0;
	return hl + icmplen;
}
