/*
 * linkmtu: interface MTUs by index, cached, and forgotten whenever
 * rtnetlink says a link changed.
 *
 * Only datagrams that fail their CRC32c and look like a local GSO packet
 * ask, so a miss (two ioctls) is rare; the cache keeps a bulk transfer
 * from a kernel peer on this host from paying them per datagram.  Without
 * the notification socket nothing is cached: every question goes to the
 * kernel, which is slower but never stale.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linkmtu.h"
#include "log.h"

#define LINKMTU_SLOTS	64	/* direct-mapped by ifindex */

struct linkmtu_slot {
	int		ifindex;	/* 0: empty */
	uint32_t	mtu;
};

struct linkmtu {
	int			 nl;	/* link notifications; -1: no cache */
	int			 ioc;	/* a socket to ask SIOCGIFMTU on */
	struct event		*ev;
	struct linkmtu_slot	 slot[LINKMTU_SLOTS];
};

/* Forget every cached MTU. */
static void
linkmtu_flush(struct linkmtu *lm)
{
	memset(lm->slot, 0, sizeof(lm->slot));
}

/*
 * A link notification (or an overrun of the socket, which may have hidden
 * one): drain the socket and forget everything.
 */
static void
linkmtu_notify_cb(evutil_socket_t fd, short events, void *arg)
{
	struct linkmtu	*lm = arg;
	uint8_t		 buf[8192];
	int		 i;

	for (i = 0; i < 64; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) == -1 &&
		    errno != ENOBUFS && errno != EINTR)
			break;
	linkmtu_flush(lm);
}

/* A netlink socket that receives RTMGRP_LINK notifications; -1 if not. */
static int
linkmtu_subscribe(void)
{
	struct sockaddr_nl	 snl;
	int			 fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (fd == -1)
		return -1;
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_groups = RTMGRP_LINK;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Set up the cache and its notifications. */
struct linkmtu *
linkmtu_create(struct event_base *base)
{
	struct linkmtu	*lm;

	if ((lm = calloc(1, sizeof(*lm))) == NULL)
		return NULL;
	lm->nl = -1;
	lm->ioc = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (lm->ioc == -1)
		lm->ioc = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (lm->ioc == -1) {
		free(lm);
		return NULL;
	}
	if ((lm->nl = linkmtu_subscribe()) == -1)
		log_warn("no rtnetlink link notifications: interface MTUs "
		    "are asked for each time");
	else if ((lm->ev = event_new(base, lm->nl, EV_READ | EV_PERSIST,
	    linkmtu_notify_cb, lm)) == NULL || event_add(lm->ev, NULL) == -1)
		fatalx("cannot register the link notification event");
	return lm;
}

/* Close the sockets and free. */
void
linkmtu_free(struct linkmtu *lm)
{
	if (lm == NULL)
		return;
	if (lm->ev != NULL)
		event_free(lm->ev);
	if (lm->nl != -1)
		close(lm->nl);
	close(lm->ioc);
	free(lm);
}

/* Ask the kernel for the MTU of ifindex; 0 if it cannot be had. */
static uint32_t
linkmtu_ask(struct linkmtu *lm, int ifindex)
{
	struct ifreq	 ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = ifindex;
	if (ioctl(lm->ioc, SIOCGIFNAME, &ifr) == -1 ||
	    ioctl(lm->ioc, SIOCGIFMTU, &ifr) == -1 || ifr.ifr_mtu <= 0)
		return 0;
	return (uint32_t)ifr.ifr_mtu;
}

/* The MTU of interface ifindex, from the cache or the kernel. */
uint32_t
linkmtu_get(struct linkmtu *lm, int ifindex)
{
	struct linkmtu_slot	*s;
	uint32_t		 mtu;

	if (ifindex <= 0)
		return 0;
	s = &lm->slot[(unsigned int)ifindex % LINKMTU_SLOTS];
	if (lm->nl != -1 && s->ifindex == ifindex)
		return s->mtu;
	if ((mtu = linkmtu_ask(lm, ifindex)) != 0 && lm->nl != -1) {
		s->ifindex = ifindex;
		s->mtu = mtu;
	}
	return mtu;
}
