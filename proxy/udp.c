/*
 * udp: the encapsulation sockets.
 *
 * RFC 6951 section 5.2 wants the outer addresses to be the SCTP addresses:
 * we send each datagram from the inner source with IP_PKTINFO / IPV6_PKTINFO
 * and learn the inner destination of a received one from the same option.
 * The IPv6 socket is IPV6_V6ONLY so that each family has its own socket
 * and IPv4 never shows up as v4-mapped addresses.
 *
 * Receiving, both sockets ask for UDP_GRO, so that datagrams the kernel
 * coalesces come with their segment size, and for the size of the largest
 * IP fragment of a reassembled datagram: together with the interface from
 * PKTINFO, that is how a GSO packet built by a kernel on this host is told
 * from one that crossed a wire (coalesce.h).
 *
 * Sending, sctptund does not use UDP GSO (UDP_SEGMENT), although a bulk
 * transfer gives it runs of equal-sized packets to one destination.  A UDP
 * GSO datagram is cut into datagrams only where it leaves the host; one
 * that stays inside it (a veth to another pod or namespace) reaches the
 * receiving socket whole.  Another sctptund would split it (UDP_GRO), but
 * a Linux kernel with its own RFC 6951 takes it for one SCTP packet: on
 * Debian's 6.1.192 kernel, two packets sent as one UDP GSO datagram to
 * net.sctp.udp_port crash that kernel (BUG in sctp_inq_pop, seen in the
 * test VM).  sendmmsg() already sends a whole batch in one system call.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <linux/errqueue.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "udp.h"

#define UDP_SOCKBUF	(4 * 1024 * 1024)

/* Set an int socket option; 0 or -1. */
static int
udp_setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

/* Ask for big socket buffers: bursts from the TUN must not be dropped. */
static void
udp_bufsizes(int fd)
{
	if (udp_setopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, UDP_SOCKBUF) == -1)
		(void)udp_setopt(fd, SOL_SOCKET, SO_RCVBUF, UDP_SOCKBUF);
	if (udp_setopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, UDP_SOCKBUF) == -1)
		(void)udp_setopt(fd, SOL_SOCKET, SO_SNDBUF, UDP_SOCKBUF);
}

/*
 * Ask for what tells coalesced and reassembled datagrams apart.  UDP_GRO
 * is only an optimisation (Linux >= 5.0); the fragment size is needed to
 * fill in any CRC32c, so *fragsize says whether the kernel gives it.
 */
static void
udp_coalesce_opts(int fd, int level, int fragopt, int *fragsize)
{
	(void)udp_setopt(fd, SOL_UDP, UDP_GRO, 1);
	*fragsize = udp_setopt(fd, level, fragopt, 1) == 0;
}

/* The IPv4 socket: PKTINFO and TOS both ways, DF always set. */
static int
udp_open4(uint16_t port, int *fragsize, const char **cause)
{
	struct sockaddr_in	 sin;
	int			 fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*cause = "socket(AF_INET, SOCK_DGRAM)";
		return -1;
	}
	if (udp_setopt(fd, IPPROTO_IP, IP_PKTINFO, 1) == -1 ||
	    udp_setopt(fd, IPPROTO_IP, IP_RECVTOS, 1) == -1 ||
	    udp_setopt(fd, IPPROTO_IP, IP_RECVERR, 1) == -1 ||
	    udp_setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO) == -1) {
		*cause = "setsockopt on the IPv4 UDP socket";
		close(fd);
		return -1;
	}
	udp_bufsizes(fd);
	udp_coalesce_opts(fd, IPPROTO_IP, IP_RECVFRAGSIZE, fragsize);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		*cause = "bind of the IPv4 UDP socket";
		close(fd);
		return -1;
	}
	return fd;
}

/* The IPv6 socket: v6 only, PKTINFO and traffic class, never fragment. */
static int
udp_open6(uint16_t port, int *fragsize, const char **cause)
{
	struct sockaddr_in6	 sin6;
	int			 fd;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*cause = "socket(AF_INET6, SOCK_DGRAM)";
		return -1;
	}
	if (udp_setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) == -1 ||
	    udp_setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) == -1 ||
	    udp_setopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1) == -1 ||
	    udp_setopt(fd, IPPROTO_IPV6, IPV6_RECVERR, 1) == -1 ||
	    udp_setopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
	    IPV6_PMTUDISC_DO) == -1 ||
	    udp_setopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1) == -1) {
		*cause = "setsockopt on the IPv6 UDP socket";
		close(fd);
		return -1;
	}
	udp_bufsizes(fd);
	udp_coalesce_opts(fd, IPPROTO_IPV6, IPV6_RECVFRAGSIZE, fragsize);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1) {
		*cause = "bind of the IPv6 UDP socket";
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Open both sockets.  A family the host lacks (EAFNOSUPPORT, IPv6 disabled)
 * is left out; failing both, or any other error, fails.
 */
int
udp_open(struct udp *u, uint16_t port, const char **cause)
{
	const char	*cause6 = NULL;

	u->port = port;
	u->probe4 = u->probe6 = -1;
	u->fragsize4 = u->fragsize6 = 0;
	u->fd4 = udp_open4(port, &u->fragsize4, cause);
	if (u->fd4 == -1 && errno != EAFNOSUPPORT)
		return -1;
	u->fd6 = udp_open6(port, &u->fragsize6, &cause6);
	if (u->fd6 == -1 && errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL) {
		*cause = cause6;
		udp_close(u);
		return -1;
	}
	if (u->fd4 == -1 && u->fd6 == -1) {
		*cause = "no IPv4 or IPv6 UDP socket";
		return -1;
	}
	return 0;
}

/* Close the sockets. */
void
udp_close(struct udp *u)
{
	if (u->fd4 != -1)
		close(u->fd4);
	if (u->fd6 != -1)
		close(u->fd6);
	if (u->probe4 != -1)
		close(u->probe4);
	if (u->probe6 != -1)
		close(u->probe6);
	u->fd4 = u->fd6 = u->probe4 = u->probe6 = -1;
}

/* Append one control message to buf at *off. */
static void
udp_cmsg_put(void *buf, size_t *off, int level, int type, const void *data,
    size_t len)
{
	struct cmsghdr	 cm;
	uint8_t		*p = (uint8_t *)buf + *off;

	memset(&cm, 0, sizeof(cm));
	cm.cmsg_level = level;
	cm.cmsg_type = type;
	cm.cmsg_len = CMSG_LEN(len);
	memset(p, 0, CMSG_SPACE(len));
	memcpy(p, &cm, sizeof(cm));
	memcpy(p + CMSG_LEN(0), data, len);
	*off += CMSG_SPACE(len);
}

/* Control messages that send a datagram from src with TOS tos. */
size_t
udp_cmsg_build(void *buf, const struct ipaddr *src, uint8_t tos)
{
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;
	size_t			 off = 0;
	int			 tclass = tos;

	if (src->family == AF_INET) {
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = src->u.v4;
		udp_cmsg_put(buf, &off, IPPROTO_IP, IP_PKTINFO, &pi,
		    sizeof(pi));
		udp_cmsg_put(buf, &off, IPPROTO_IP, IP_TOS, &tclass,
		    sizeof(tclass));
	} else {
		memset(&pi6, 0, sizeof(pi6));
		pi6.ipi6_addr = src->u.v6;
		udp_cmsg_put(buf, &off, IPPROTO_IPV6, IPV6_PKTINFO, &pi6,
		    sizeof(pi6));
		udp_cmsg_put(buf, &off, IPPROTO_IPV6, IPV6_TCLASS, &tclass,
		    sizeof(tclass));
	}
	return off;
}

int
udp_earlier_error(int err)
{
	return err == ECONNREFUSED || err == EHOSTUNREACH ||
	    err == ENETUNREACH || err == EHOSTDOWN;
}

ssize_t
udp_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t	 n;

	if ((n = sendmsg(fd, msg, flags)) == -1 && udp_earlier_error(errno))
		n = sendmsg(fd, msg, flags);
	return n;
}

ssize_t
udp_send_one(int fd, const struct ipaddr *src, const struct ipaddr *dst,
    uint16_t port, uint8_t tos, const void *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	uint8_t			 cmsg[UDP_CMSG_SPACE];
	struct iovec		 iov;
	struct msghdr		 msg;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_name = &ss;
	msg.msg_namelen = addr_to_sockaddr(dst, port, &ss);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (src != NULL) {
		msg.msg_control = cmsg;
		msg.msg_controllen = udp_cmsg_build(cmsg, src, tos);
	}
	return udp_sendmsg(fd, &msg, MSG_DONTWAIT);
}

/*
 * Send with path MTU discovery off for this one datagram, then back on.
 * If it cannot be turned off, nothing is sent.
 */
ssize_t
udp_send_fragok(int fd, int family, struct msghdr *msg)
{
	size_t	 off = msg->msg_controllen;
	ssize_t	 n;
	int	 saved, level, name, off_val, on_val, zero = 0;

	if (family == AF_INET) {
		level = IPPROTO_IP;
		name = IP_MTU_DISCOVER;
		off_val = IP_PMTUDISC_DONT;
		on_val = IP_PMTUDISC_DO;
	} else {
		level = IPPROTO_IPV6;
		name = IPV6_MTU_DISCOVER;
		off_val = IPV6_PMTUDISC_DONT;
		on_val = IPV6_PMTUDISC_DO;
		udp_cmsg_put(msg->msg_control, &off, IPPROTO_IPV6,
		    IPV6_DONTFRAG, &zero, sizeof(zero));
		msg->msg_controllen = off;
	}
	if (udp_setopt(fd, level, name, off_val) == -1)
		return -1;
	do
		n = udp_sendmsg(fd, msg, MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	saved = errno;
	(void)udp_setopt(fd, level, name, on_val);
	errno = saved;
	return n;
}

/* An int-sized control message's value. */
static uint32_t
udp_cmsg_u32(struct cmsghdr *cm)
{
	int	v;

	if (cm->cmsg_len < CMSG_LEN(sizeof(v)))
		return 0;
	memcpy(&v, CMSG_DATA(cm), sizeof(v));
	return v > 0 ? (uint32_t)v : 0;
}

/* One IPPROTO_IP control message of a received datagram. */
static int
udp_cmsg_ip(struct cmsghdr *cm, struct udp_rxmeta *m)
{
	struct in_pktinfo	 pi;

	if (cm->cmsg_type == IP_PKTINFO &&
	    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
		memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		addr_set4(&m->dst, &pi.ipi_addr);
		m->co.ifindex = pi.ipi_ifindex;
		return 1;
	}
	if (cm->cmsg_type == IP_TOS && cm->cmsg_len >= CMSG_LEN(1))
		m->tos = *(uint8_t *)CMSG_DATA(cm);
	else if (cm->cmsg_type == IP_RECVFRAGSIZE)
		m->co.frag_size = udp_cmsg_u32(cm);
	return 0;
}

/* One IPPROTO_IPV6 control message of a received datagram. */
static int
udp_cmsg_ip6(struct cmsghdr *cm, struct udp_rxmeta *m)
{
	struct in6_pktinfo	 pi6;

	if (cm->cmsg_type == IPV6_PKTINFO &&
	    cm->cmsg_len >= CMSG_LEN(sizeof(pi6))) {
		memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
		addr_set6(&m->dst, &pi6.ipi6_addr);
		m->co.ifindex = (int)pi6.ipi6_ifindex;
		return 1;
	}
	if (cm->cmsg_type == IPV6_TCLASS)
		m->tos = (uint8_t)udp_cmsg_u32(cm);
	else if (cm->cmsg_type == IPV6_RECVFRAGSIZE)
		m->co.frag_size = udp_cmsg_u32(cm);
	return 0;
}

/* The destination address, TOS and coalescing of a received datagram. */
int
udp_cmsg_parse(struct msghdr *msg, struct udp_rxmeta *m)
{
	struct cmsghdr	*cm;
	int		 found = 0;

	memset(m, 0, sizeof(*m));
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP)
			found |= udp_cmsg_ip(cm, m);
		else if (cm->cmsg_level == IPPROTO_IPV6)
			found |= udp_cmsg_ip6(cm, m);
		else if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO)
			m->co.gro_size = udp_cmsg_u32(cm);
	}
	return found ? 0 : -1;
}

/* Fill e from the extended error control message of an error. */
static int
udp_error_cmsg(struct msghdr *msg, struct udp_error *e)
{
	struct cmsghdr		*cm;
	struct sock_extended_err ee;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (!((cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_RECVERR) ||
		    (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_RECVERR)) ||
		    cm->cmsg_len < CMSG_LEN(sizeof(ee)))
			continue;
		memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
		e->err = (int)ee.ee_errno;
		e->origin = ee.ee_origin;
		e->type = ee.ee_type;
		e->code = ee.ee_code;
		e->info = ee.ee_info;
		return 0;
	}
	return -1;
}

/* Read one message of fd's error queue. */
int
udp_read_error(int fd, uint8_t *buf, size_t bufsize, struct udp_error *e)
{
	uint8_t			 cmsg[UDP_ERR_CMSG_SPACE];
	struct sockaddr_storage	 ss;
	struct iovec		 iov;
	struct msghdr		 msg;
	struct udp_rxmeta	 m;
	ssize_t			 n;

	memset(e, 0, sizeof(*e));
	memset(&msg, 0, sizeof(msg));
	memset(&ss, 0, sizeof(ss));
	iov.iov_base = buf;
	iov.iov_len = bufsize;
	msg.msg_name = &ss;
	msg.msg_namelen = sizeof(ss);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsg;
	msg.msg_controllen = sizeof(cmsg);
	do
		n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	e->qlen = (size_t)n;
	if (udp_error_cmsg(&msg, e) == -1 ||
	    addr_from_sockaddr(&e->dst, &e->dport,
	    (struct sockaddr *)&ss) == -1) {
		e->origin = SO_EE_ORIGIN_NONE;
		return 0;
	}
	if ((e->has_local = udp_cmsg_parse(&msg, &m) == 0))
		e->local = m.dst;
	return 0;
}

/* The path MTU towards dst: connect a kept probe socket, ask the route. */
uint32_t
udp_path_mtu(struct udp *u, const struct ipaddr *dst)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl, ol;
	int			*fd, mtu = 0;

	fd = dst->family == AF_INET ? &u->probe4 : &u->probe6;
	if (*fd == -1)
		*fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*fd == -1)
		return 0;
	sl = addr_to_sockaddr(dst, u->port, &ss);
	ol = sizeof(mtu);
	if (connect(*fd, (struct sockaddr *)&ss, sl) == -1 ||
	    (dst->family == AF_INET ?
	    getsockopt(*fd, IPPROTO_IP, IP_MTU, &mtu, &ol) :
	    getsockopt(*fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &ol)) == -1)
		return 0;
	return mtu > 0 ? (uint32_t)mtu : 0;
}
