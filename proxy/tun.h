/*
 * tun: the TUN device that carries the applications' native SCTP packets
 * (IFF_TUN | IFF_NO_PI: each read or write is one bare IP packet).
 */
#ifndef SCTPTUN_TUN_H
#define SCTPTUN_TUN_H

#include <net/if.h>

struct tun {
	int	fd;			/* non-blocking, close-on-exec */
	int	ifindex;
	char	name[IFNAMSIZ];
};

/* Create (or attach to) the named TUN; 0, or -1 with *cause. */
int	tun_open(struct tun *, const char *name, const char **cause);
void	tun_close(struct tun *);

#endif
