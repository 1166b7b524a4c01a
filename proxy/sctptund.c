/*
 * sctptund: carries the native SCTP of local applications over UDP
 * (RFC 6951).  Start-up order: configuration, the user to become and its
 * directories, fail-closed routing (rules and blackholes: kept from an
 * earlier run, or installed), TUN, UDP sockets, table (and the state
 * file), data path, the TUN's routes, rules of prefixes no longer
 * configured pruned, control socket, metrics, then privileges dropped.
 * On SIGTERM / SIGINT the loop ends and the process lets go of what it
 * holds, but the rules and blackholes stay (routing.h): stopped, as when
 * killed, sctptund fails closed.  "sctptund -C" removes everything for
 * good.  Reload is in reload.c, the state file's timer in persist.c.
 */
#include <sys/types.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "dtls.h"
#include "fastpath.h"
#include "log.h"
#include "routing.h"
#include "sctptund.h"

/* RFC 6951 section 5.6: the UDP header costs 8 bytes. */
#define ENCAPS_OVERHEAD		8
#define DEFAULT_EGRESS_MTU	1500

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: sctptund [-dnv] [-f file]\n"
	    "       sctptund -C [-f file]\n");
	exit(1);
}

/* The TUN MTU: configured, or the smallest route MTU to a peer minus 8. */
uint32_t
sctptund_mtu(struct sctptund *d)
{
	const struct config	*c = d->conf;
	uint32_t		 mtu, min = 0;
	size_t			 i, j;

	if (c->tun_mtu != 0)
		return c->tun_mtu;
	for (i = 0; i < c->npeers; i++)
		for (j = 0; j < c->peers[i].nprefixes; j++) {
			mtu = nl_route_mtu(d->nl, &c->peers[i].prefixes[j].addr);
			if (mtu != 0 && (min == 0 || mtu < min))
				min = mtu;
		}
	if (min == 0)
		min = DEFAULT_EGRESS_MTU;
	/* A record of the costliest cipher must fit as well. */
	if (c->dtls.enabled)
		min -= DTLS_OVERHEAD_MAX;
	return min - ENCAPS_OVERHEAD;
}

/*
 * Before the TUN exists: SCTP to every peer prefix goes to the table, where
 * a blackhole waits.  From here on, whatever stops us, nothing leaves
 * natively.  An earlier run's rules and blackholes are simply kept.
 */
static void
sctptund_fail_closed(struct sctptund *d)
{
	char	err[ROUTING_ERR_MAX];

	if (routing_fail_closed(d->nl, d->conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
}

/*
 * The TUN's routes, in front of the blackholes; then the rules an earlier
 * run left for prefixes this configuration lacks go.
 */
static void
sctptund_attach(struct sctptund *d)
{
	char	err[ROUTING_ERR_MAX];
	int	n;

	if (routing_attach(d->nl, d->conf, d->tun.ifindex, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	if ((n = routing_prune(d->nl, d->conf, err, sizeof(err))) == -1)
		fatalx("removing rules of prefixes no longer configured: %s",
		    err);
	if (n > 0)
		log_notice("removed %d rules of prefixes no longer configured",
		    n);
}

/* Where the old value of rp_filter "all" waits while we changed it. */
void
sctptund_rpfilter_file(const struct config *c, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s.rp_filter", c->control_socket) >=
	    (int)len)
		fatalx("control.socket path too long");
}

/*
 * Before anything changes in the system: the user to become, and the
 * directories it will write in.
 */
static void
sctptund_privs_prepare(struct sctptund *d)
{
	const struct config	*c = d->conf;
	char			 err[512];

	if (privs_lookup(c->user, &d->privs, err, sizeof(err)) == -1 ||
	    privs_dir(&d->privs, c->control_socket, err, sizeof(err)) == -1 ||
	    privs_dir(&d->privs, c->state_file, err, sizeof(err)) == -1)
		fatalx("%s: %s", c->path, err);
}

/* Everything is set up: give up root. */
static void
sctptund_privs_drop(struct sctptund *d)
{
	char	err[512];

	/* Loading the fast path needed CAP_PERFMON; nothing else does. */
	if (!d->privs.active && privs_shed_perfmon(err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		sctptund_teardown(d);
		exit(1);
	}

	if (privs_chown(&d->privs, d->conf->control_socket, err,
	    sizeof(err)) == -1 ||
	    privs_drop(&d->privs, err, sizeof(err)) == -1) {
		/* Still privileged enough to undo the setup. */
		log_warnx("%s", err);
		sctptund_teardown(d);
		exit(1);
	}
	if (d->privs.active)
		log_info("running as user %s (uid %u) with CAP_NET_ADMIN%s only",
		    d->privs.name, (unsigned int)d->privs.uid,
		    d->privs.keep_bpf ? " and CAP_BPF" : "");
}

/*
 * Slots of the fast path: a path per transport, two per association.  Each
 * slot's counters are a per-CPU array entry (32 bytes on every possible
 * CPU, allocated when the programs load), so the kernel memory they take is
 * held to 32 MB: 131072 slots up to 8 CPUs, 8192 on 128.  Paths beyond
 * the slots go through sctptund as without the fast path.
 */
#define FASTPATH_COUNTER_BUDGET	(32U << 20)
#define FASTPATH_SLOT_BYTES	32U
static uint32_t
sctptund_fastpath_capacity(const struct config *c)
{
	uint64_t	n = (uint64_t)c->max_assocs * 2, cap;
	long		cpus = sysconf(_SC_NPROCESSORS_CONF);

	if (cpus < 1)
		cpus = 1;
	cap = FASTPATH_COUNTER_BUDGET / FASTPATH_SLOT_BYTES / (uint64_t)cpus;
	if (cap > 131072)
		cap = 131072;
	return (uint32_t)(n < cap ? n : cap);
}

/*
 * The eBPF fast path, once the TUN exists and before its routes do (so no
 * SCTP socket ever sees the TUN with GSO on: fastpath_open turns it off).
 * Programs an earlier run left go first, whatever the mode.  "auto" falls
 * back to the user-space path with one line saying why; "on" refuses to
 * start.
 */
static void
sctptund_fastpath(struct sctptund *d)
{
	const struct config	*c = d->conf;
	char			 why[256];
	int			 n;

	if ((n = fastpath_detach_stale()) > 0)
		log_notice("removed %d fast path program%s an earlier run left",
		    n, n == 1 ? "" : "s");
	if (c->fastpath == FASTPATH_OFF)
		return;
	why[0] = '\0';
	if (d->privs.active && !privs_have_cap_bpf())
		snprintf(why, sizeof(why), "user %s would need CAP_SYS_ADMIN "
		    "for the maps on this kernel (no CAP_BPF before 5.8)",
		    d->privs.name);
	else
		d->fp = fastpath_open((unsigned int)d->tun.ifindex,
		    c->udp_port, sctptund_fastpath_capacity(c), why,
		    sizeof(why));
	if (d->fp == NULL) {
		if (c->fastpath == FASTPATH_ON)
			fatalx("fastpath = \"on\": %s", why);
		log_notice("fast path off, packets go through user space: %s",
		    why);
		return;
	}
	d->privs.keep_bpf = d->privs.active;
	log_info("fast path on: %s egress and ingress of the other links "
	    "(%u paths)", d->tun.name, fastpath_capacity(d->fp));
}

/* Everything up to the first packet. */
static void
sctptund_setup(struct sctptund *d)
{
	const struct config	*c = d->conf;
	const char		*cause;
	char			*errcause = NULL;
	uint32_t		 mtu;

	sctptund_privs_prepare(d);
	if ((d->nl = nl_open()) == NULL)
		fatal("netlink socket");
	sctptund_fail_closed(d);
	if (tun_open(&d->tun, c->tun_name, &cause) == -1)
		fatalx("TUN %s: %s", c->tun_name, cause);
	d->mtu = mtu = sctptund_mtu(d);
	if (nl_link_set(d->nl, d->tun.ifindex, mtu, 1, &cause) == -1)
		fatalx("setting up %s: %s", d->tun.name, cause);
	sctptund_rpfilter_file(c, d->rpfilter_file, sizeof(d->rpfilter_file));
	if (rpfilter_disable(d->tun.name, d->rpfilter_file, &cause) == -1)
		fatal("rp_filter: %s", cause);
	sctptund_fastpath(d);
	if (udp_open(&d->udp, c->udp_port, &cause) == -1)
		fatal("UDP port %u: %s", c->udp_port, cause);
	if ((d->table = table_create(c->max_assocs, c->max_embryonic)) == NULL)
		fatalx("no memory for a table of %u associations",
		    c->max_assocs);
	sctptund_state_start(d);
	if ((d->dp = datapath_create(d->base, c, d->table, &d->tun,
	    &d->udp, &errcause)) == NULL)
		fatalx("%s", errcause != NULL ? errcause : "out of memory");
	datapath_set_fastpath(d->dp, d->fp);
	sctptund_attach(d);
	if ((d->ctl = control_open(d->base, c->control_socket, d->dp,
	    &cause)) == NULL)
		fatal("%s: %s", c->control_socket, cause);
	control_set_reload(d->ctl, reload_ctl, d);
	if (c->metrics_listen[0] != '\0' && (d->metrics = metrics_open(d->base,
	    c->metrics_listen, d->dp, &cause)) == NULL)
		fatalx("metrics on %s: %s", c->metrics_listen, cause);
	sctptund_privs_drop(d);
	log_info("sctptund running: %s mtu %u, udp port %u, %zu peers, "
	    "fast path %s", d->tun.name, mtu, c->udp_port, c->npeers,
	    d->fp != NULL ? "on" : "off");
}

/*
 * Let go of what sctptund_setup() took, but for the fail-closed routing:
 * the TUN's routes go with the TUN, the rules and blackholes stay.  The
 * rp_filter values go back (nothing needs them without a TUN).
 */
void
sctptund_teardown(struct sctptund *d)
{
	metrics_close(d->metrics);
	control_close(d->ctl);
	rpfilter_restore();
	datapath_free(d->dp);
	/* Nothing is carried once the daemon that vouches for it is gone. */
	if (d->fp != NULL) {
		fastpath_close(d->fp);
		d->fp = NULL;
		(void)fastpath_detach_stale();
	}
	sctptund_state_stop(d);
	if (d->table != NULL)
		table_free(d->table);
	udp_close(&d->udp);
	tun_close(&d->tun);
	if (d->nl != NULL)
		nl_close(d->nl);
}

/* SIGTERM, SIGINT: leave the loop; teardown follows. */
static void
sctptund_stop_cb(evutil_socket_t sig, short events, void *arg)
{
	struct sctptund	*d = arg;

	log_info("signal %d: exiting", (int)sig);
	event_base_loopexit(d->base, NULL);
}

/* Catch the signals through the event loop. */
static void
sctptund_signals(struct sctptund *d)
{
	signal(SIGPIPE, SIG_IGN);
	d->ev_sigterm = evsignal_new(d->base, SIGTERM, sctptund_stop_cb, d);
	d->ev_sigint = evsignal_new(d->base, SIGINT, sctptund_stop_cb, d);
	d->ev_sighup = evsignal_new(d->base, SIGHUP, reload_hup_cb, d);
	if (d->ev_sigterm == NULL || d->ev_sigint == NULL ||
	    d->ev_sighup == NULL || evsignal_add(d->ev_sigterm, NULL) == -1 ||
	    evsignal_add(d->ev_sigint, NULL) == -1 ||
	    evsignal_add(d->ev_sighup, NULL) == -1)
		fatalx("cannot install signal handlers");
}

/*
 * -n: check the configuration and every file it names (certificates,
 * keys), print it with -v, free it.
 */
static int
sctptund_check(struct config *conf, int verbose)
{
	char	*cause = NULL;
	uint8_t	 key[CONFIG_CLUSTER_KEY_MAX + 1];
	size_t	 keylen;

	if ((conf->dtls.enabled && dtls_conf_check(conf, &cause) == -1) ||
	    (conf->cluster.enabled && config_cluster_key(conf, key,
	    sizeof(key), &keylen, &cause) == -1)) {
		fprintf(stderr, "%s\n", cause != NULL ? cause : "out of memory");
		free(cause);
		config_free(conf);
		return 1;
	}
	explicit_bzero(key, sizeof(key));
	if (verbose)
		config_print(stdout, conf);
	fprintf(stderr, "configuration OK\n");
	config_free(conf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sctptund	 d;
	const char	*path = SYSCONFDIR "/sctptun.conf";
	char		*cause;
	int		 ch, foreground = 0, check = 0, verbose = 0, clean = 0;

	while ((ch = getopt(argc, argv, "Cdf:nv")) != -1) {
		switch (ch) {
		case 'C': clean = 1; break;
		case 'd': foreground = 1; break;
		case 'f': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		default: usage();
		}
	}
	if (optind != argc || (clean && (check || foreground)))
		usage();

	memset(&d, 0, sizeof(d));
	d.verbose = verbose;
	d.tun.fd = d.udp.fd4 = d.udp.fd6 = -1;
	if ((d.conf = config_load(path, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause != NULL ? cause :
		    "out of memory reading the configuration");
		free(cause);
		return 1;
	}
	if (check)
		return sctptund_check(d.conf, verbose);
	if (clean)
		return decommission(d.conf);

	/* Log to stderr until set up, so start-up errors are seen. */
	log_init(1, verbose ? LOG_DEBUG : d.conf->log_level, "sctptund");
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	sctptund_signals(&d);
	sctptund_setup(&d);
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, verbose ? LOG_DEBUG : d.conf->log_level,
		    "sctptund");
		if (event_reinit(d.base) == -1)
			fatalx("event_reinit");
	}
	event_base_dispatch(d.base);
	sctptund_teardown(&d);
	log_info("stopped");
	event_free(d.ev_sigterm);
	event_free(d.ev_sigint);
	event_free(d.ev_sighup);
	event_base_free(d.base);
	config_free(d.conf);
	return 0;
}
