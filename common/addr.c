/*
 * addr: IPv4 and IPv6 addresses and prefixes as fixed-size values: setting,
 * comparing, hashing, text conversion, sockaddr conversion and prefix
 * matching.  Bytes past the family's length are kept zero so that memcmp
 * and the hash see only the address.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* Set an IPv4 address from 4 network-order bytes. */
void
addr_set4(struct ipaddr *a, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->u.bytes, bytes, 4);
}

/* Set an IPv6 address from 16 bytes. */
void
addr_set6(struct ipaddr *a, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	memcpy(a->u.bytes, bytes, 16);
}

/* 1 if both are the same family and address. */
int
addr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->u.bytes, b->u.bytes, sizeof(a->u.bytes)) == 0;
}

/* Length of the address bytes: 4, 16, or 0 for an unset address. */
size_t
addr_len(const struct ipaddr *a)
{
	if (a->family == AF_INET)
		return 4;
	if (a->family == AF_INET6)
		return 16;
	return 0;
}

/* IPv4: not 0/8, not multicast 224/4, not 240/4 (255.255.255.255 too). */
static int
addr_is_unicast4(const uint8_t *b)
{
	if (b[0] == 0)
		return 0;
	if (b[0] >= 224)
		return 0;
	return 1;
}

/*
 * IPv6: not ::, not multicast, and not v4-mapped: our sockets are v6only,
 * so a mapped address never names a real peer.
 */
static int
addr_is_unicast6(const uint8_t *b)
{
	static const uint8_t	unspec[16];
	static const uint8_t	mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (memcmp(b, unspec, 16) == 0)
		return 0;
	if (b[0] == 0xff)
		return 0;
	if (memcmp(b, mapped, sizeof(mapped)) == 0)
		return 0;
	return 1;
}

/* 1 for an address an SCTP peer can use; loopback is allowed for tests. */
int
addr_is_unicast(const struct ipaddr *a)
{
	if (a->family == AF_INET)
		return addr_is_unicast4(a->u.bytes);
	if (a->family == AF_INET6)
		return addr_is_unicast6(a->u.bytes);
	return 0;
}

/* Text form into buf; "?" if the family is unknown or buf too small. */
const char *
addr_ntop(const struct ipaddr *a, char *buf, size_t len)
{
	int	af = a->family;

	if ((af != AF_INET && af != AF_INET6) ||
	    inet_ntop(af, a->u.bytes, buf, (socklen_t)len) == NULL) {
		if (len > 0)
			snprintf(buf, len, "?");
	}
	return buf;
}

/* Parse an IPv4 or IPv6 address in the usual text forms. */
int
addr_pton(const char *s, struct ipaddr *a)
{
	uint8_t	b[16];

	if (inet_pton(AF_INET, s, b) == 1) {
		addr_set4(a, b);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		addr_set6(a, b);
		return 0;
	}
	return -1;
}

/* Fill a sockaddr for the address and a host-order port. */
socklen_t
addr_to_sockaddr(const struct ipaddr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&sin.sin_addr, a->u.bytes, 4);
		memcpy(ss, &sin, sizeof(sin));
		return sizeof(sin);
	}
	if (a->family == AF_INET6) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memcpy(&sin6.sin6_addr, a->u.bytes, 16);
		memcpy(ss, &sin6, sizeof(sin6));
		return sizeof(sin6);
	}
	return 0;
}

/* Read a sockaddr_in or sockaddr_in6; -1 for any other family. */
int
addr_from_sockaddr(struct ipaddr *a, uint16_t *port, const struct sockaddr *sa)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		addr_set4(a, &sin.sin_addr);
		if (port != NULL)
			*port = ntohs(sin.sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		addr_set6(a, &sin6.sin6_addr);
		if (port != NULL)
			*port = ntohs(sin6.sin6_port);
		return 0;
	}
	return -1;
}

/* Read a 32-bit word of the address bytes without alignment assumptions. */
static inline uint32_t
addr_word(const uint8_t *p)
{
	uint32_t	w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Multiply-xorshift over the four words, finished with murmur3's fmix32. */
uint32_t
addr_hash(const struct ipaddr *a, uint32_t seed)
{
	uint32_t	h = seed ^ (0x9e3779b9U * (a->family + 1U));
	int		i;

	for (i = 0; i < 16; i += 4) {
		h ^= addr_word(a->u.bytes + i);
		h *= 0x85ebca6bU;
		h ^= h >> 15;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h;
}

/* Parse the decimal prefix length: digits only, at most max. */
static int
prefix_parse_len(const char *s, unsigned int max, uint8_t *len)
{
	unsigned int	v = 0;
	size_t		n;

	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 3)
			return -1;
		v = v * 10 + (unsigned int)(s[n] - '0');
	}
	if (n == 0 || v > max)
		return -1;
	*len = (uint8_t)v;
	return 0;
}

/* 1 if any bit of the address past len is set. */
static int
prefix_host_bits(const struct ipaddr *a, unsigned int len)
{
	size_t	i, alen = addr_len(a);

	for (i = 0; i < alen; i++) {
		if (i * 8 + 8 <= len)
			continue;
		if (i * 8 >= len) {
			if (a->u.bytes[i] != 0)
				return 1;
		} else if (a->u.bytes[i] & (0xff >> (len - i * 8)))
			return 1;
	}
	return 0;
}

/* Parse "addr/len" or a bare address; host bits set are an error. */
int
prefix_parse(const char *s, struct prefix *p, const char **cause)
{
	char		 buf[ADDR_STRLEN];
	const char	*slash;
	size_t		 alen;

	memset(p, 0, sizeof(*p));
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf)) {
		*cause = "invalid address";
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_pton(buf, &p->addr) == -1) {
		*cause = "invalid address";
		return -1;
	}
	p->len = (uint8_t)(addr_len(&p->addr) * 8);
	if (slash != NULL &&
	    prefix_parse_len(slash + 1, p->len, &p->len) == -1) {
		*cause = "invalid prefix length";
		return -1;
	}
	if (prefix_host_bits(&p->addr, p->len)) {
		*cause = "host bits set in prefix";
		return -1;
	}
	return 0;
}

/* 1 if a is of the prefix's family and inside it. */
int
prefix_contains(const struct prefix *p, const struct ipaddr *a)
{
	size_t	whole = p->len / 8;
	uint8_t	mask;

	if (a->family != p->addr.family)
		return 0;
	if (memcmp(a->u.bytes, p->addr.u.bytes, whole) != 0)
		return 0;
	if ((p->len & 7) == 0)
		return 1;
	mask = (uint8_t)(0xff00 >> (p->len & 7));
	return (a->u.bytes[whole] & mask) == p->addr.u.bytes[whole];
}

/* Text form "addr/len" into buf (ADDR_STRLEN bytes); returns buf. */
const char *
prefix_ntop(const struct prefix *p, char *buf, size_t len)
{
	char	a[ADDR_STRLEN];

	addr_ntop(&p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, (unsigned int)p->len);
	return buf;
}
