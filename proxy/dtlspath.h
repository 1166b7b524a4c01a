/*
 * dtlspath: the data path's side of encrypted peers.  It owns the UDP
 * sockets of dtls.port and the DTLS engine (dtls.h), reads the sockets
 * (recvmmsg, budgeted like the cleartext ones), checks where each datagram
 * comes from before the engine sees it, and gives the engine its ops:
 * sending a datagram from a path's local address with PKTINFO, handing a
 * decrypted SCTP packet back to the data path, reporting an event.
 *
 * The data path calls dtlspath_egress() instead of its cleartext queue for
 * every packet to a peer with a dtls group: nothing for such a peer ever
 * leaves in cleartext, not even the ABORT of an INIT collision.
 */
#ifndef SCTPTUN_DTLSPATH_H
#define SCTPTUN_DTLSPATH_H

#include <stdint.h>

#include "addr.h"
#include "config.h"

struct datapath;
struct dtlspath;
struct dtls;

/*
 * Open dtls.port and start the engine for dp's configuration; NULL with
 * *cause allocated ("file:line: ..." for a configuration file problem).
 */
struct dtlspath	*dtlspath_create(struct datapath *, char **cause);
void		 dtlspath_free(struct dtlspath *);
/* A new configuration (reload); -1 with *cause, the old one kept. */
int		 dtlspath_reload(struct dtlspath *, const struct config *,
		    char **cause);
/* An SCTP packet for encrypted peer (index in the configuration). */
void		 dtlspath_egress(struct dtlspath *, int peer,
		    const struct ipaddr *local, const struct ipaddr *remote,
		    uint16_t port, const uint8_t *pkt, size_t len, uint8_t tos);
/* The engine, for show and metrics. */
struct dtls	*dtlspath_engine(struct dtlspath *);

#endif
