/*
 * fpsync: the table's decisions written into the fast path's maps, the fast
 * path's counters read back into the table (fpsync.h).
 */
#include <string.h>

#include "datapath.h"
#include "fastpath.h"
#include "fpsync.h"

/* The path a transport should have in the fast path; 0 if none. */
static int
fpsync_want(const struct datapath *dp, const struct assoc *a,
    const struct transport *t, struct fastpath_path *p)
{
	const struct peer_config	*pc;

	if (a->state != ASSOC_ESTABLISHED && a->state != ASSOC_CLOSING)
		return 0;
	if (a->ltag == 0 || a->ptag == 0 || t->port == 0 ||
	    !(t->flags & TRANSPORT_LEARNED))
		return 0;
	/* A path a cluster member relays goes through sctptund, both ways:
	   the fast path would answer it directly. */
	if (t->via != 0)
		return 0;
	if (a->peer_id >= dp->conf->npeers)
		return 0;
	pc = &dp->conf->peers[a->peer_id];
	if (pc->dtls != NULL || pc->strip_addresses)
		return 0;
	memset(p, 0, sizeof(*p));
	p->peer = t->addr;
	p->lport = a->lport;
	p->pport = a->pport;
	p->ltag = a->ltag;
	p->ptag = a->ptag;
	p->udp_port = t->port;
	return 1;
}

/* 1 if two paths differ in what the programs match or write. */
static int
fpsync_differ(const struct fastpath_path *x, const struct fastpath_path *y)
{
	return !addr_equal(&x->peer, &y->peer) || x->lport != y->lport ||
	    x->pport != y->pport || x->ltag != y->ltag ||
	    x->ptag != y->ptag || x->udp_port != y->udp_port;
}

/* Add counts the fast path moved to a transport and its association. */
static void
fpsync_count(struct assoc *a, struct transport *t,
    const struct fastpath_counts *c)
{
	t->rx_packets += c->rx_packets;
	t->tx_packets += c->tx_packets;
	a->rx_packets += c->rx_packets;
	a->rx_bytes += c->rx_bytes;
	a->tx_packets += c->tx_packets;
	a->tx_bytes += c->tx_bytes;
}

/* The same for a live association: the path was heard, it is active. */
static void
fpsync_apply(struct datapath *dp, struct assoc *a, struct transport *t,
    const struct fastpath_counts *c)
{
	if (c->rx_packets == 0 && c->tx_packets == 0)
		return;
	fpsync_count(a, t, c);
	/* Only datagrams that matched the learned port's exact key came
	   in: the path is heard (and back if it was silent), nothing new
	   is learned. */
	if (c->rx_packets > 0)
		(void)table_learn_port(dp->table, t, t->port);
	table_touch(dp->table, a);
}

/* Remove a transport's slot, keeping the counts not folded yet; live:
   the association stays (else it goes: no touch, no learning, but the
   counts still reach the monitor's "down" line). */
static void
fpsync_release(struct datapath *dp, struct assoc *a, struct transport *t,
    int live)
{
	struct fastpath_counts	 last;

	memset(&last, 0, sizeof(last));
	fastpath_del(dp->fp, t->fp_slot, &last);
	t->fp_slot = 0;
	if (live)
		fpsync_apply(dp, a, t, &last);
	else
		fpsync_count(a, t, &last);
}

/* Install, update or remove the slot of one transport. */
static void
fpsync_transport(struct datapath *dp, struct assoc *a, struct transport *t)
{
	struct fastpath_path	 want;
	const struct fastpath_path *have;
	int			 wanted;

	wanted = fpsync_want(dp, a, t, &want);
	if (t->fp_slot != 0) {
		have = fastpath_get(dp->fp, t->fp_slot);
		if (wanted && have != NULL && !fpsync_differ(have, &want))
			return;
		if (wanted && have != NULL) {
			if (fastpath_update(dp->fp, t->fp_slot, &want) == -1)
				t->fp_slot = 0;
			return;
		}
		fpsync_release(dp, a, t, 1);
	}
	if (wanted)
		t->fp_slot = fastpath_add(dp->fp, &want);
}

/* Every transport of an association. */
static void
fpsync_assoc(struct assoc *a, void *arg)
{
	struct datapath	*dp = arg;
	unsigned int	 i;

	for (i = 0; i < a->ntransports; i++)
		fpsync_transport(dp, a, &a->t[i]);
}

/* Remove the slots of an association that goes; its last counts too. */
static void
fpsync_forget(struct datapath *dp, struct assoc *a)
{
	unsigned int	i;

	for (i = 0; i < a->ntransports; i++)
		if (a->t[i].fp_slot != 0)
			fpsync_release(dp, a, &a->t[i], 0);
}

void
fpsync_event(struct datapath *dp, enum table_event e, struct assoc *a,
    struct transport *t)
{
	if (dp->fp == NULL)
		return;
	switch (e) {
	case TABLE_EV_ESTABLISHED:
	case TABLE_EV_RETAGGED:
		fpsync_assoc(a, dp);
		break;
	case TABLE_EV_PORT_LEARNED:
	case TABLE_EV_PORT_CHANGED:
		if (t != NULL)
			fpsync_transport(dp, a, t);
		break;
	case TABLE_EV_REMOVED:
	case TABLE_EV_EXPIRED:
	case TABLE_EV_EVICTED:
		fpsync_forget(dp, a);
		break;
	case TABLE_EV_PATH_SILENT:
	case TABLE_EV_PATH_BACK:
		break;
	}
}

void
fpsync_all(struct datapath *dp)
{
	if (dp->fp != NULL)
		table_foreach(dp->table, fpsync_assoc, dp);
}

/* Remove an association's slots, keeping their counts. */
static void
fpsync_clear_assoc(struct assoc *a, void *arg)
{
	unsigned int	i;

	for (i = 0; i < a->ntransports; i++)
		if (a->t[i].fp_slot != 0)
			fpsync_release(arg, a, &a->t[i], 1);
}

void
fpsync_clear(struct datapath *dp)
{
	if (dp->fp != NULL)
		table_foreach(dp->table, fpsync_clear_assoc, dp);
}

/* Fold one association's slots. */
static void
fpsync_fold_assoc(struct assoc *a, void *arg)
{
	struct datapath		*dp = arg;
	struct fastpath_counts	 d;
	unsigned int		 i;

	for (i = 0; i < a->ntransports; i++) {
		if (a->t[i].fp_slot == 0)
			continue;
		memset(&d, 0, sizeof(d));
		if (fastpath_fold(dp->fp, a->t[i].fp_slot, &d) == 0)
			fpsync_apply(dp, a, &a->t[i], &d);
	}
}

void
fpsync_fold(struct datapath *dp)
{
	if (dp->fp != NULL)
		table_foreach(dp->table, fpsync_fold_assoc, dp);
}
