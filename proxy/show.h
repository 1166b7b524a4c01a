/*
 * show: the text and JSON reports of `sctptunctl show ...`.
 */
#ifndef SCTPTUN_SHOW_H
#define SCTPTUN_SHOW_H

#include <event2/buffer.h>

#include "datapath.h"

void	show_assocs(struct evbuffer *, struct datapath *, int json);
void	show_stats(struct evbuffer *, struct datapath *, int json);
void	show_peers(struct evbuffer *, struct datapath *, int json);
void	show_cluster(struct evbuffer *, struct datapath *, int json);

#endif
