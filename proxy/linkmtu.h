/*
 * linkmtu: the MTU of the interface a datagram arrived on, by index, for
 * telling kernel-built GSO packets from datagrams that crossed a link (see
 * coalesce.h).  Asked of the kernel on a miss and kept in a small cache that
 * a subscription to rtnetlink's link notifications empties whenever any
 * interface is added, changed or removed, so an MTU is never older than the
 * last change.
 */
#ifndef SCTPTUN_LINKMTU_H
#define SCTPTUN_LINKMTU_H

#include <stdint.h>

#include <event2/event.h>

struct linkmtu;

/* Open the notification socket and the cache; NULL on failure (errno). */
struct linkmtu	*linkmtu_create(struct event_base *);
void		 linkmtu_free(struct linkmtu *);
/* The MTU of interface ifindex; 0 if it cannot be had. */
uint32_t	 linkmtu_get(struct linkmtu *, int ifindex);

#endif
