/*
 * ippkt: parsing and building of the IPv4 and IPv6 headers that wrap the
 * SCTP packets read from and written to the TUN.
 *
 * Every field is read with explicit byte loads after a length check; no
 * header struct is ever laid over the buffer.  IPv6 extension headers are
 * walked inside the payload length, at most IP6_MAX_EXTHDRS of them, so a
 * crafted chain costs a bounded amount of work.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "ippkt.h"

#define IP4_DF			0x4000
/* MF and the fragment offset. */
#define IP4_FRAG_MASK		0x3fff
#define IP4_MF			0x2000
#define IP4_OFF_MASK		0x1fff
#define IP6_FRAGHDR_LEN		8
#define IP_MAXLEN		0xffff
#define IP_DEFAULT_TTL		64
#define IP6_MAX_EXTHDRS		8

/* IPv6 next-header values the walk knows. */
#define IP6_NH_HOPOPTS		0
#define IP6_NH_ROUTING		43
#define IP6_NH_FRAGMENT		44
#define IP6_NH_AH		51
#define IP6_NH_NONE		59
#define IP6_NH_DSTOPTS		60

/* Read a big-endian 16-bit field. */
static inline uint16_t
ip_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Write a big-endian 16-bit field. */
static inline void
ip_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Ones' complement sum of big-endian 16-bit words, folded to 16 bits. */
uint16_t
inet_cksum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t	*p = buf;
	uint64_t	 acc = sum;

	for (; len >= 2; p += 2, len -= 2)
		acc += ip_get16(p);
	if (len == 1)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* The folded sum of a whole buffer: 0xffff over a valid IPv4 header. */
uint16_t
inet_cksum(const void *buf, size_t len)
{
	return inet_cksum_partial(buf, len, 0);
}

/* The fields of an IPv4 header whose lengths were checked. */
static void
ip_fill4(const uint8_t *buf, size_t hdrlen, size_t totlen,
    struct ip_pkt *pkt)
{
	addr_set4(&pkt->src, buf + 12);
	addr_set4(&pkt->dst, buf + 16);
	pkt->tos = buf[1];
	pkt->ttl = buf[8];
	pkt->proto = buf[9];
	pkt->hdrlen = (uint16_t)hdrlen;
	pkt->l4 = buf + hdrlen;
	pkt->l4len = totlen - hdrlen;
}

/* Parse an IPv4 header: IHL, total length, checksum, then fragments. */
static int
ip_parse4(const uint8_t *buf, size_t len, struct ip_pkt *pkt)
{
	size_t	hdrlen, totlen;

	if (len < IPV4_HDRLEN)
		return IP_ERR_SHORT;
	hdrlen = (size_t)(buf[0] & 0x0f) * 4;
	if (hdrlen < IPV4_HDRLEN)
		return IP_ERR_VERSION;
	totlen = ip_get16(buf + 2);
	if (len < hdrlen || totlen < hdrlen || totlen > len)
		return IP_ERR_SHORT;
	/* A corrupt header's fragment bits mean nothing: checksum first. */
	if (inet_cksum(buf, hdrlen) != 0xffff)
		return IP_ERR_CHECKSUM;
	if (ip_get16(buf + 6) & IP4_FRAG_MASK)
		return IP_ERR_FRAGMENT;
	ip_fill4(buf, hdrlen, totlen, pkt);
	return IP_OK;
}

/*
 * Walk the IPv6 extension headers between off and end.  On success *nh is
 * the first next-header value that is not an extension header and *off
 * where it starts.  Hop-by-hop is only valid right after the fixed header
 * (RFC 8200 4.1).  A header running past the payload length is malformed
 * rather than short: the buffer itself was already checked against it.
 */
static int
ip_walk6(const uint8_t *buf, size_t end, uint8_t *nh, size_t *off)
{
	size_t	extlen;
	int	n;

	for (n = 0;; n++) {
		switch (*nh) {
		case IP6_NH_HOPOPTS:
			if (n != 0)
				return IP_ERR_EXTHDR;
			/* FALLTHROUGH */
		case IP6_NH_ROUTING:
		case IP6_NH_DSTOPTS:
		case IP6_NH_AH:
			if (n == IP6_MAX_EXTHDRS || end - *off < 2)
				return IP_ERR_EXTHDR;
			if (*nh == IP6_NH_AH)
				extlen = ((size_t)buf[*off + 1] + 2) * 4;
			else
				extlen = ((size_t)buf[*off + 1] + 1) * 8;
			if (extlen > end - *off)
				return IP_ERR_EXTHDR;
			*nh = buf[*off];
			*off += extlen;
			break;
		case IP6_NH_FRAGMENT:
			return IP_ERR_FRAGMENT;
		default:
			return IP_OK;
		}
	}
}

/* Parse an IPv6 header and its extension headers. */
static int
ip_parse6(const uint8_t *buf, size_t len, struct ip_pkt *pkt)
{
	size_t	end, off = IPV6_HDRLEN;
	uint8_t	nh;
	int	rc;

	if (len < IPV6_HDRLEN)
		return IP_ERR_SHORT;
	end = IPV6_HDRLEN + (size_t)ip_get16(buf + 4);
	if (end > len)
		return IP_ERR_SHORT;
	nh = buf[6];
	if ((rc = ip_walk6(buf, end, &nh, &off)) != IP_OK)
		return rc;
	addr_set6(&pkt->src, buf + 8);
	addr_set6(&pkt->dst, buf + 24);
	pkt->tos = (uint8_t)((buf[0] & 0x0f) << 4 | buf[1] >> 4);
	pkt->ttl = buf[7];
	pkt->proto = nh;
	pkt->hdrlen = (uint16_t)off;
	pkt->l4 = buf + off;
	pkt->l4len = end - off;
	return IP_OK;
}

/* Parse an IP packet from the TUN; see ippkt.h for the results. */
int
ip_parse(const uint8_t *buf, size_t len, struct ip_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	if (len < 1)
		return IP_ERR_SHORT;
	switch (buf[0] >> 4) {
	case 4:
		return ip_parse4(buf, len, pkt);
	case 6:
		return ip_parse6(buf, len, pkt);
	default:
		return IP_ERR_VERSION;
	}
}

/* Check what IPv4 and IPv6 fragments have in common; IP_OK or an error. */
static int
ip_frag_check(const struct ip_frag *f, size_t before)
{
	if (f->len == 0 || (f->more && f->len % 8 != 0))
		return IP_ERR_BADFRAG;
	if (before + f->offset + f->len > IP_MAXLEN)
		return IP_ERR_BADFRAG;
	return IP_OK;
}

/* The fragment fields of an IPv4 header ip_parse() already checked. */
static int
ip_frag4(const uint8_t *buf, struct ip_pkt *pkt, struct ip_frag *f)
{
	size_t		hdrlen = (size_t)(buf[0] & 0x0f) * 4;
	uint16_t	fo = ip_get16(buf + 6);

	ip_fill4(buf, hdrlen, ip_get16(buf + 2), pkt);
	f->id = ip_get16(buf + 4);
	f->offset = (uint32_t)(fo & IP4_OFF_MASK) * 8;
	f->more = (fo & IP4_MF) != 0;
	f->proto = pkt->proto;
	f->data = pkt->l4;
	f->len = pkt->l4len;
	return ip_frag_check(f, hdrlen);
}

/*
 * The fragment header of an IPv6 packet ip_parse() called a fragment: the
 * walk stops at it again.  The whole packet's unfragmentable headers are
 * the ones in front of it, less the fragment header itself.
 */
static int
ip_frag6(const uint8_t *buf, struct ip_pkt *pkt, struct ip_frag *f)
{
	size_t		end, off = IPV6_HDRLEN;
	uint16_t	fo;
	uint8_t		nh = buf[6];

	end = IPV6_HDRLEN + (size_t)ip_get16(buf + 4);
	if (ip_walk6(buf, end, &nh, &off) != IP_ERR_FRAGMENT)
		return IP_ERR_EXTHDR;
	if (end - off < IP6_FRAGHDR_LEN)
		return IP_ERR_EXTHDR;
	addr_set6(&pkt->src, buf + 8);
	addr_set6(&pkt->dst, buf + 24);
	pkt->tos = (uint8_t)((buf[0] & 0x0f) << 4 | buf[1] >> 4);
	pkt->ttl = buf[7];
	pkt->proto = buf[off];
	pkt->hdrlen = (uint16_t)(off + IP6_FRAGHDR_LEN);
	pkt->l4 = buf + off + IP6_FRAGHDR_LEN;
	pkt->l4len = end - off - IP6_FRAGHDR_LEN;
	fo = ip_get16(buf + off + 2);
	f->offset = (uint32_t)(fo >> 3) * 8;
	f->more = fo & 1;
	f->id = (uint32_t)ip_get16(buf + off + 4) << 16 |
	    ip_get16(buf + off + 6);
	f->proto = pkt->proto;
	f->data = pkt->l4;
	f->len = pkt->l4len;
	return ip_frag_check(f, off - IPV6_HDRLEN);
}

/* Parse a fragment; see ippkt.h. */
int
ip_parse_fragment(const uint8_t *buf, size_t len, struct ip_pkt *pkt,
    struct ip_frag *f)
{
	int	rc;

	memset(f, 0, sizeof(*f));
	if ((rc = ip_parse(buf, len, pkt)) != IP_ERR_FRAGMENT)
		return rc == IP_OK ? IP_ERR_NOT_FRAGMENT : rc;
	if (buf[0] >> 4 == 4)
		rc = ip_frag4(buf, pkt, f);
	else
		rc = ip_frag6(buf, pkt, f);
	if (rc != IP_OK) {
		memset(pkt, 0, sizeof(*pkt));
		memset(f, 0, sizeof(*f));
	}
	return rc;
}

/* Write a 20-byte IPv4 header ending at end. */
static size_t
ip_build4(uint8_t *end, const struct ipaddr *src, const struct ipaddr *dst,
    uint8_t tos, uint8_t proto, size_t paylen)
{
	uint8_t	*h = end - IPV4_HDRLEN;

	if (paylen > 0xffff - IPV4_HDRLEN)
		return 0;
	h[0] = 0x45;
	h[1] = tos;
	ip_put16(h + 2, (uint16_t)(IPV4_HDRLEN + paylen));
	ip_put16(h + 4, 0);
	ip_put16(h + 6, IP4_DF);
	h[8] = IP_DEFAULT_TTL;
	h[9] = proto;
	ip_put16(h + 10, 0);
	memcpy(h + 12, src->u.bytes, 4);
	memcpy(h + 16, dst->u.bytes, 4);
	ip_put16(h + 10, (uint16_t)~inet_cksum(h, IPV4_HDRLEN));
	return IPV4_HDRLEN;
}

/* Write a 40-byte IPv6 header ending at end. */
static size_t
ip_build6(uint8_t *end, const struct ipaddr *src, const struct ipaddr *dst,
    uint8_t tos, uint8_t proto, size_t paylen)
{
	uint8_t	*h = end - IPV6_HDRLEN;

	if (paylen > 0xffff)
		return 0;
	h[0] = 0x60 | tos >> 4;
	h[1] = (uint8_t)(tos << 4);
	h[2] = 0;
	h[3] = 0;
	ip_put16(h + 4, (uint16_t)paylen);
	h[6] = proto;
	h[7] = IP_DEFAULT_TTL;
	memcpy(h + 8, src->u.bytes, 16);
	memcpy(h + 24, dst->u.bytes, 16);
	return IPV6_HDRLEN;
}

/* Write the IP header in front of a payload; see ippkt.h. */
size_t
ip_build(uint8_t *end, const struct ipaddr *src, const struct ipaddr *dst,
    uint8_t tos, uint8_t proto, size_t paylen)
{
	if (src->family != dst->family)
		return 0;
	if (src->family == AF_INET)
		return ip_build4(end, src, dst, tos, proto, paylen);
	if (src->family == AF_INET6)
		return ip_build6(end, src, dst, tos, proto, paylen);
	return 0;
}
