/*
 * sctptund: the daemon's own state, shared by its main file (setup and
 * teardown), reload.c (configuration reload) and persist.c (the state
 * file's timer).  The daemon owns everything here; the modules it points to
 * own their insides.
 */
#ifndef SCTPTUN_SCTPTUND_H
#define SCTPTUN_SCTPTUND_H

#include <limits.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "config.h"
#include "control.h"
#include "datapath.h"
#include "metrics.h"
#include "netlink.h"
#include "privs.h"
#include "state.h"
#include "table.h"
#include "tun.h"
#include "udp.h"

struct sctptund {
	struct config		*conf;
	struct event_base	*base;
	struct nl		*nl;
	struct tun		 tun;
	struct udp		 udp;
	struct table		*table;
	struct datapath		*dp;
	struct fastpath		*fp;		/* the eBPF fast path, or NULL */
	struct control		*ctl;
	struct metrics		*metrics;
	struct event		*ev_sigterm, *ev_sigint, *ev_sighup;
	char			 rpfilter_file[PATH_MAX];
	struct event		*ev_state;	/* the state file timer */
	struct state_mark	 state_mark;	/* the last save */
	int			 state_failing;	/* the last save failed */
	int			 verbose;	/* -v: debug, whatever the file says */
	struct privs		 privs;		/* who we become after setup */
	uint32_t		 mtu;		/* of the TUN */
};

/* sctptund.c */
/* The TUN MTU: configured, or the smallest route MTU to a peer minus 8. */
uint32_t sctptund_mtu(struct sctptund *);
/* Undo the setup: TUN, rules, routes, sockets (also on a failed start). */
void	sctptund_teardown(struct sctptund *);

/* reload.c: SIGHUP and "sctptunctl reload". */
void	reload_hup_cb(evutil_socket_t, short, void *);
void	reload_ctl(struct evbuffer *, void *);

/* decommission.c: "sctptund -C", remove everything for good. */
int	decommission(const struct config *);
/* Where the old value of rp_filter "all" waits while sctptund changed it. */
void	sctptund_rpfilter_file(const struct config *, char *, size_t);

/* persist.c: load the state file and save it every state.interval; save
 * it a last time and stop. */
void	sctptund_state_start(struct sctptund *);
void	sctptund_state_stop(struct sctptund *);

#endif
