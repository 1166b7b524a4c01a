/*
 * routing: rules and routes for the configured peers; see routing.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "routing.h"

/* Same prefix, as parsed (host bits are zero after prefix_parse). */
static int
routing_same(const struct prefix *a, const struct prefix *b)
{
	return a->addr.family == b->addr.family && a->len == b->len &&
	    memcmp(a->addr.u.bytes, b->addr.u.bytes,
	    sizeof(a->addr.u.bytes)) == 0;
}

/* Does conf hold prefix p? */
static int
routing_has(const struct config *conf, const struct prefix *p)
{
	size_t	i, j;

	for (i = 0; i < conf->npeers; i++)
		for (j = 0; j < conf->peers[i].nprefixes; j++)
			if (routing_same(&conf->peers[i].prefixes[j], p))
				return 1;
	return 0;
}

/* Does conf use family? */
static int
routing_uses(const struct config *conf, int family)
{
	size_t	i, j;

	for (i = 0; conf != NULL && i < conf->npeers; i++)
		for (j = 0; j < conf->peers[i].nprefixes; j++)
			if (conf->peers[i].prefixes[j].addr.family == family)
				return 1;
	return 0;
}

/*
 * The route for p through the TUN with the source address the main table
 * would pick: the kernel's SCTP takes each path's source address from the
 * route, and a multihomed association must keep each path's own.
 */
static int
routing_prefix_route(struct nl *nl, const struct prefix *p, int ifindex,
    uint32_t table, const char **cause)
{
	struct ipaddr	 src;
	char		 buf[ADDR_STRLEN];

	if (nl_route_src(nl, &p->addr, &src) == -1) {
		log_warnx("no route to %s in the main table: its paths will "
		    "use the default source address",
		    prefix_ntop(p, buf, sizeof(buf)));
		return 0;
	}
	return nl_route_add(nl, p, ifindex, table, &src, cause);
}

/* Rule and route for one prefix; -1 with err filled. */
static int
routing_add_prefix(struct nl *nl, const struct config *conf,
    const struct prefix *p, int ifindex, char *err, size_t errlen)
{
	const char	*cause;
	char		 buf[ADDR_STRLEN];

	if (nl_rule_add(nl, p, conf->tun_table, conf->rule_priority,
	    &cause) == -1) {
		snprintf(err, errlen, "ip rule for %s: %s",
		    prefix_ntop(p, buf, sizeof(buf)), cause);
		return -1;
	}
	if (routing_prefix_route(nl, p, ifindex, conf->tun_table,
	    &cause) == -1) {
		snprintf(err, errlen, "route for %s in table %u: %s",
		    prefix_ntop(p, buf, sizeof(buf)), conf->tun_table, cause);
		(void)nl_rule_del(nl, p, conf->tun_table, conf->rule_priority,
		    &cause);
		return -1;
	}
	return 0;
}

/* Take one prefix's rule and route away; failures are only logged. */
static void
routing_del_prefix(struct nl *nl, const struct config *conf,
    const struct prefix *p)
{
	const char	*cause;
	char		 buf[ADDR_STRLEN];

	prefix_ntop(p, buf, sizeof(buf));
	if (nl_rule_del(nl, p, conf->tun_table, conf->rule_priority,
	    &cause) == -1)
		log_warnx("removing the ip rule for %s: %s", buf, cause);
	if (nl_route_del(nl, p, conf->tun_table, &cause) == -1)
		log_warnx("removing the route for %s: %s", buf, cause);
}

/* The blackhole route of one family: nothing passes it. */
static int
routing_blackhole(struct nl *nl, const struct config *conf, int family,
    char *err, size_t errlen)
{
	const char	*cause;

	if (nl_route_add_blackhole(nl, family, conf->tun_table, &cause) ==
	    -1) {
		snprintf(err, errlen, "IPv%d blackhole route in table %u: %s",
		    family == AF_INET ? 4 : 6, conf->tun_table, cause);
		return -1;
	}
	return 0;
}

/* The default route of one family through the TUN. */
static int
routing_default(struct nl *nl, const struct config *conf, int family,
    int ifindex, char *err, size_t errlen)
{
	const char	*cause;

	if (nl_route_add_default(nl, family, ifindex, conf->tun_table,
	    &cause) == -1) {
		snprintf(err, errlen, "IPv%d default route in table %u: %s",
		    family == AF_INET ? 4 : 6, conf->tun_table, cause);
		return -1;
	}
	return 0;
}

/* Default and blackhole routes of the families conf uses and old did not. */
static int
routing_defaults(struct nl *nl, const struct config *old,
    const struct config *conf, int ifindex, char *err, size_t errlen)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t		 i;
	int		 f;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		f = families[i];
		if (!routing_uses(conf, f) || routing_uses(old, f))
			continue;
		if (routing_default(nl, conf, f, ifindex, err, errlen) == -1 ||
		    routing_blackhole(nl, conf, f, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* Remove the prefixes of new that old lacks (a failed update's undo). */
static void
routing_undo(struct nl *nl, const struct config *old,
    const struct config *new, size_t upto)
{
	size_t	i, j, n = 0;

	for (i = 0; i < new->npeers; i++)
		for (j = 0; j < new->peers[i].nprefixes; j++) {
			const struct prefix *p = &new->peers[i].prefixes[j];

			if (routing_has(old, p))
				continue;
			if (n++ == upto)
				return;
			routing_del_prefix(nl, new, p);
		}
}

/* Add new's prefixes that old lacks. */
static int
routing_add_new(struct nl *nl, const struct config *old,
    const struct config *new, int ifindex, size_t *added, char *err,
    size_t errlen)
{
	size_t	i, j;

	for (i = 0; i < new->npeers; i++)
		for (j = 0; j < new->peers[i].nprefixes; j++) {
			const struct prefix *p = &new->peers[i].prefixes[j];

			if (old != NULL && routing_has(old, p))
				continue;
			if (routing_add_prefix(nl, new, p, ifindex, err,
			    errlen) == -1)
				return -1;
			(*added)++;
		}
	return 0;
}

/* Fail closed: blackholes and rules for conf; see routing.h. */
int
routing_fail_closed(struct nl *nl, const struct config *conf, char *err,
    size_t errlen)
{
	static const int families[] = { AF_INET, AF_INET6 };
	const char	*cause;
	char		 buf[ADDR_STRLEN];
	size_t		 i, j;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (routing_uses(conf, families[i]) &&
		    routing_blackhole(nl, conf, families[i], err, errlen) == -1)
			return -1;
	for (i = 0; i < conf->npeers; i++)
		for (j = 0; j < conf->peers[i].nprefixes; j++) {
			const struct prefix *p = &conf->peers[i].prefixes[j];

			if (nl_rule_add(nl, p, conf->tun_table,
			    conf->rule_priority, &cause) == -1) {
				snprintf(err, errlen, "ip rule for %s: %s",
				    prefix_ntop(p, buf, sizeof(buf)), cause);
				return -1;
			}
		}
	return 0;
}

/* Routes through the TUN for conf; see routing.h. */
int
routing_attach(struct nl *nl, const struct config *conf, int ifindex,
    char *err, size_t errlen)
{
	static const int families[] = { AF_INET, AF_INET6 };
	const char	*cause;
	char		 buf[ADDR_STRLEN];
	size_t		 i, j;

	for (i = 0; i < conf->npeers; i++)
		for (j = 0; j < conf->peers[i].nprefixes; j++) {
			const struct prefix *p = &conf->peers[i].prefixes[j];

			if (routing_prefix_route(nl, p, ifindex,
			    conf->tun_table, &cause) == -1) {
				snprintf(err, errlen, "route for %s in table "
				    "%u: %s", prefix_ntop(p, buf, sizeof(buf)),
				    conf->tun_table, cause);
				return -1;
			}
		}
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (routing_uses(conf, families[i]) &&
		    routing_default(nl, conf, families[i], ifindex, err,
		    errlen) == -1)
			return -1;
	return 0;
}

/* Rules of prefixes conf no longer has; see routing.h. */
int
routing_prune(struct nl *nl, const struct config *conf, char *err,
    size_t errlen)
{
	struct prefix	*keep;
	const char	*cause;
	size_t		 i, j, n = 0;
	int		 removed;

	for (i = 0; i < conf->npeers; i++)
		n += conf->peers[i].nprefixes;
	if ((keep = calloc(n + 1, sizeof(*keep))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0, n = 0; i < conf->npeers; i++)
		for (j = 0; j < conf->peers[i].nprefixes; j++)
			keep[n++] = conf->peers[i].prefixes[j];
	removed = nl_rule_prune(nl, conf->tun_table, conf->rule_priority,
	    keep, n, &cause);
	free(keep);
	if (removed == -1)
		snprintf(err, errlen, "%s", cause);
	return removed;
}

/* From old's prefixes to new's; see routing.h. */
int
routing_update(struct nl *nl, const struct config *old,
    const struct config *new, int ifindex, struct routing_diff *diff,
    char *err, size_t errlen)
{
	size_t	i, j;

	memset(diff, 0, sizeof(*diff));
	if (routing_add_new(nl, old, new, ifindex, &diff->added, err,
	    errlen) == -1 ||
	    routing_defaults(nl, old, new, ifindex, err, errlen) == -1) {
		routing_undo(nl, old, new, diff->added);
		diff->added = 0;
		return -1;
	}
	for (i = 0; i < old->npeers; i++)
		for (j = 0; j < old->peers[i].nprefixes; j++) {
			const struct prefix *p = &old->peers[i].prefixes[j];

			if (routing_has(new, p))
				continue;
			routing_del_prefix(nl, old, p);
			diff->removed++;
		}
	return 0;
}
