/*
 * metrics: the Prometheus endpoint.  An HTTP server (libevent's evhttp) on
 * the address of metrics.listen answers GET /metrics with the counters of
 * stats.h and the table's occupancy, limits and events in the text
 * exposition format 0.0.4.
 */
#ifndef SCTPTUN_METRICS_H
#define SCTPTUN_METRICS_H

#include <event2/event.h>

#include "datapath.h"

struct metrics;

/* Listen on "ADDR:PORT" or "[IPv6]:PORT"; NULL with *cause set. */
struct metrics *metrics_open(struct event_base *, const char *listen,
	    struct datapath *, const char **cause);
/* Stop listening and drop open connections; NULL is allowed. */
void	metrics_close(struct metrics *);

#endif
