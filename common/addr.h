/*
 * addr: IP addresses and prefixes as sctptun stores them.
 *
 * struct ipaddr is a fixed-size value (no pointers) so it can be hashed,
 * compared with memcmp and stored in the association table.  Bytes beyond
 * the family's length are always zero.
 */
#ifndef SCTPTUN_ADDR_H
#define SCTPTUN_ADDR_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct ipaddr {
	uint8_t		family;		/* AF_INET or AF_INET6 */
	uint8_t		pad[3];		/* always zero */
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
		uint8_t		bytes[16];
	} u;
};

struct prefix {
	struct ipaddr	addr;		/* host bits are zero */
	uint8_t		len;		/* 0..32 or 0..128 */
};

/* Longest text form of an address or a prefix, with the NUL. */
#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 5)

/* Set from raw bytes (4 or 16), zeroing the rest. */
void	addr_set4(struct ipaddr *, const void *);
void	addr_set6(struct ipaddr *, const void *);
int	addr_equal(const struct ipaddr *, const struct ipaddr *);
/* Length of the address bytes: 4 or 16. */
size_t	addr_len(const struct ipaddr *);
/* 1 for a unicast address usable as an SCTP endpoint: not unspecified,
 * multicast, broadcast (255.255.255.255) or loopback-from-the-wire. */
int	addr_is_unicast(const struct ipaddr *);
/* Text form into buf (ADDR_STRLEN bytes); returns buf. */
const char *addr_ntop(const struct ipaddr *, char *, size_t);
/* Parse an IPv4 or IPv6 address; 0 on success, -1 on error. */
int	addr_pton(const char *, struct ipaddr *);
/* Fill a sockaddr_in/sockaddr_in6 (port in host order); returns its length. */
socklen_t addr_to_sockaddr(const struct ipaddr *, uint16_t,
	    struct sockaddr_storage *);
/* From a sockaddr_in/in6 (v4-mapped IPv6 stays IPv6); port may be NULL. */
int	addr_from_sockaddr(struct ipaddr *, uint16_t *, const struct sockaddr *);
/* A 32-bit hash of the address mixed with seed. */
uint32_t addr_hash(const struct ipaddr *, uint32_t);

/* Parse "a.b.c.d/n", "x::/n" or a bare address (full length).  Host bits
 * set in the address are an error.  0 on success, -1 with *cause set to a
 * static message on error. */
int	prefix_parse(const char *, struct prefix *, const char **);
int	prefix_contains(const struct prefix *, const struct ipaddr *);
const char *prefix_ntop(const struct prefix *, char *, size_t);

#endif
