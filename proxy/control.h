/*
 * control: the daemon's control socket (AF_UNIX, stream).  A client sends
 * one request line ("show assocs", "show stats", optionally prefixed by
 * "json "; or "reload"); the daemon writes the answer and closes the connection.  An
 * answer that starts with "error: " is a failure.  "monitor" (or "json
 * monitor") keeps the connection open and streams events (events.h) until
 * the client hangs up; a half-close after the request does not end it.
 */
#ifndef SCTPTUN_CONTROL_H
#define SCTPTUN_CONTROL_H

#include <event2/event.h>
#include <event2/buffer.h>

#include "datapath.h"

struct control;

/* Listen on path (replacing a stale socket); NULL with *cause set. */
struct control *control_open(struct event_base *, const char *path,
	    struct datapath *, const char **cause);
void	control_close(struct control *);
/*
 * What "reload" runs: re-read the configuration and apply it, writing one
 * line to out ("error: file:line: ..." on failure).
 */
typedef void (*control_reload_fn)(struct evbuffer *out, void *arg);
void	control_set_reload(struct control *, control_reload_fn, void *arg);

#endif
