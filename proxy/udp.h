/*
 * udp: the encapsulation sockets, one per address family, bound to the local
 * UDP port, that carry the local address of every datagram (PKTINFO) and its
 * TOS / traffic class both ways, and never let the outer packet fragment.
 */
#ifndef SCTPTUN_UDP_H
#define SCTPTUN_UDP_H

#include <sys/socket.h>
#include <stdint.h>

#include "addr.h"

struct udp {
	int		fd4;	/* -1 if IPv4 is not available */
	int		fd6;	/* -1 if IPv6 is not available */
	uint16_t	port;
};

/* Room for the control messages udp_cmsg_build() writes or a receive
 * returns. */
#define UDP_CMSG_SPACE	128

/* Open and bind both sockets; 0, or -1 with *cause set. */
int	udp_open(struct udp *, uint16_t port, const char **cause);
void	udp_close(struct udp *);
/*
 * Write the send-side control messages (source address, TOS / traffic
 * class) for a datagram from src into buf; returns the msg_controllen.
 */
size_t	udp_cmsg_build(void *buf, const struct ipaddr *src, uint8_t tos);
/*
 * Read the receive-side control messages: the datagram's local (destination)
 * address and TOS.  Returns 0, or -1 if there was no PKTINFO.
 */
int	udp_cmsg_parse(struct msghdr *, struct ipaddr *dst, uint8_t *tos);

#endif
