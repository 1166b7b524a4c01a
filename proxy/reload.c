/*
 * reload: SIGHUP and "sctptunctl reload" re-read the configuration and
 * apply the difference to the running daemon: rules and routes of peers
 * added and removed, peers' options, timeouts and the log level; the
 * association table is kept whole.  All or nothing: a file with an error or
 * a change only a restart can apply leaves the running configuration.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtls.h"
#include "dtlspath.h"
#include "fpsync.h"
#include "log.h"
#include "routing.h"
#include "sctptund.h"

/*
 * An association's peer in a new configuration: the one whose prefixes
 * hold its addresses, as the data path matches each packet (a renamed
 * peer keeps its associations).
 */
static void
sctptund_remap_cb(struct assoc *a, void *arg)
{
	int	peer = config_match_assoc(arg, a);

	/* UINT16_MAX: the peer is gone. */
	a->peer_id = peer == -1 ? UINT16_MAX : (uint16_t)peer;
}

/* With tun.mtu = 0 the TUN follows the peers' route MTUs. */
static void
sctptund_reload_mtu(struct sctptund *d)
{
	const char	*cause;
	uint32_t	 mtu;

	if ((mtu = sctptund_mtu(d)) == d->mtu)
		return;
	if (nl_link_set(d->nl, d->tun.ifindex, mtu, 1, &cause) == -1) {
		log_warnx("%s mtu %u: %s", d->tun.name, mtu, cause);
		return;
	}
	log_info("%s mtu %u -> %u", d->tun.name, d->mtu, mtu);
	d->mtu = mtu;
}

/* Make new the running configuration; routing is already updated. */
static void
sctptund_switch(struct sctptund *d, struct config *new)
{
	struct config	*old = d->conf;

	table_foreach(d->table, sctptund_remap_cb, new);
	d->conf = new;
	datapath_set_conf(d->dp, new);
	log_setlevel(d->verbose ? LOG_DEBUG : new->log_level);
	sctptund_reload_mtu(d);
	/* Peers may have turned to DTLS, to strip_addresses, or gone. */
	fpsync_all(d->dp);
	config_free(old);
}

/*
 * Re-read the configuration file and apply what changed: peers and their
 * prefixes (rules and routes added and removed, nothing else touched), ports
 * and options of peers, timeouts and the log level.  The table is kept.  A
 * file with an error, or one that changes what only a restart can, leaves
 * the running configuration as it was.  0, or -1; msg says what happened.
 */
static int
sctptund_reload(struct sctptund *d, char *msg, size_t len)
{
	struct config		*new;
	struct routing_diff	 diff;
	char			*cause, keys[256], err[ROUTING_ERR_MAX];

	if ((new = config_load(d->conf->path, &cause)) == NULL) {
		snprintf(msg, len, "%s", cause != NULL ? cause :
		    "out of memory reading the configuration");
		free(cause);
		return -1;
	}
	if (config_restart_needed(d->conf, new, keys, sizeof(keys)) > 0) {
		snprintf(msg, len, "%s: changing %s needs a restart; nothing "
		    "applied", new->path, keys);
		config_free(new);
		return -1;
	}
	if (new->dtls.enabled && dtls_conf_check(new, &cause) == -1) {
		snprintf(msg, len, "%s; nothing applied", cause != NULL ?
		    cause : "out of memory");
		free(cause);
		config_free(new);
		return -1;
	}
	if (routing_update(d->nl, d->conf, new, d->tun.ifindex, &diff, err,
	    sizeof(err)) == -1) {
		snprintf(msg, len, "%s: %s; nothing applied", new->path, err);
		config_free(new);
		return -1;
	}
	if (d->dp->dtls != NULL && dtlspath_reload(d->dp->dtls, new,
	    &cause) == -1) {
		/* Files checked a moment ago: memory, or a race with an edit. */
		snprintf(msg, len, "%s; nothing applied", cause != NULL ?
		    cause : "out of memory");
		free(cause);
		(void)routing_update(d->nl, new, d->conf, d->tun.ifindex,
		    &diff, err, sizeof(err));
		config_free(new);
		return -1;
	}
	sctptund_switch(d, new);
	snprintf(msg, len, "reloaded %s: %zu peers, %zu prefixes added, %zu "
	    "removed", d->conf->path, d->conf->npeers, diff.added,
	    diff.removed);
	return 0;
}

/* Reload and log the outcome. */
static int
sctptund_reload_log(struct sctptund *d, char *msg, size_t len)
{
	int	rv;

	if ((rv = sctptund_reload(d, msg, len)) == -1)
		log_warnx("reload failed, running configuration kept: %s",
		    msg);
	else
		log_notice("%s", msg);
	return rv;
}

/* SIGHUP: reload. */
void
reload_hup_cb(evutil_socket_t sig, short events, void *arg)
{
	char	msg[512];

	(void)sctptund_reload_log(arg, msg, sizeof(msg));
}

/* sctptunctl reload. */
void
reload_ctl(struct evbuffer *out, void *arg)
{
	char	msg[512];

	if (sctptund_reload_log(arg, msg, sizeof(msg)) == -1)
		evbuffer_add_printf(out, "error: %s\n", msg);
	else
		evbuffer_add_printf(out, "%s\n", msg);
}

