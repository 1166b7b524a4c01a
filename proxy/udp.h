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
#include "coalesce.h"

struct udp {
	int		fd4;	/* -1 if IPv4 is not available */
	int		fd6;	/* -1 if IPv6 is not available */
	uint16_t	port;
	int		probe4;	/* path MTU probes, opened on first use */
	int		probe6;
	/* Whether the kernel tells reassembled datagrams apart
	   (IP_RECVFRAGSIZE, Linux >= 4.10), per family. */
	int		fragsize4;
	int		fragsize6;
};

/* What the control messages of a received datagram say. */
struct udp_rxmeta {
	struct ipaddr		dst;	/* our address it was sent to */
	uint8_t			tos;	/* TOS / traffic class */
	struct coalesce_rx	co;	/* interface, UDP_GRO, reassembly */
};

/* One message of a socket's error queue (IP_RECVERR / IPV6_RECVERR). */
struct udp_error {
	int		 err;		/* ee_errno */
	uint8_t		 origin;	/* SO_EE_ORIGIN_* */
	uint8_t		 type, code;	/* ICMP type and code */
	uint32_t	 info;		/* the MTU of a too-big error */
	struct ipaddr	 dst;		/* where the failed datagram went */
	uint16_t	 dport;		/* its UDP destination port */
	struct ipaddr	 local;		/* its source (PKTINFO), if has_local */
	int		 has_local;
	size_t		 qlen;		/* bytes quoted after its UDP header */
};

/* Room for the control messages udp_cmsg_build() writes or a receive
 * returns (PKTINFO, TOS, UDP_GRO and the fragment size: at most 112). */
#define UDP_CMSG_SPACE	160

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
 * address and interface, its TOS, and whether the kernel coalesced or
 * reassembled it.  Returns 0, or -1 if there was no PKTINFO.
 */
int	udp_cmsg_parse(struct msghdr *, struct udp_rxmeta *);

/*
 * Send one datagram of family on fd letting the outer packet fragment: the
 * inner sender allowed fragmentation, so do we, for this datagram only
 * (never for whole inner packets: PLPMTUD probes must not fragment).  For
 * IPv6 an IPV6_DONTFRAG 0 is appended to msg's control messages, which
 * must have room for it in UDP_CMSG_SPACE.  Returns sendmsg()'s result.
 */
ssize_t	udp_send_fragok(int fd, int family, struct msghdr *msg);

/*
 * Whether a send failed with an earlier datagram's error: with IP_RECVERR
 * an ICMP error (port or host unreachable) about any datagram of an
 * unconnected socket is also left pending on it, and the next send, to
 * anyone, fails with it and sends nothing.  Such a send is to be tried
 * once more; if it fails again, the error is its own.
 */
int	udp_earlier_error(int err);
/* sendmsg(), tried once more after an earlier datagram's error. */
ssize_t	udp_sendmsg(int fd, const struct msghdr *msg, int flags);
/*
 * One datagram of len bytes to dst:port through fd, without blocking,
 * from address src with TOS tos (src NULL: the kernel picks both), by
 * udp_sendmsg().
 */
ssize_t	udp_send_one(int fd, const struct ipaddr *src,
	    const struct ipaddr *dst, uint16_t port, uint8_t tos,
	    const void *buf, size_t len);

/* Room for the control messages of an error-queue message. */
#define UDP_ERR_CMSG_SPACE	256

/*
 * Read one message from fd's error queue: the quoted payload goes to buf.
 * Returns 0, or -1 with errno (EAGAIN when the queue is empty).
 */
int	udp_read_error(int fd, uint8_t *buf, size_t bufsize,
	    struct udp_error *);
/*
 * The path MTU the kernel knows towards dst, from a connected probe socket
 * opened once per family and kept; 0 if unknown.
 */
uint32_t udp_path_mtu(struct udp *, const struct ipaddr *dst);

#endif
