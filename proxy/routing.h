/*
 * routing: the policy rules and tunnel-table routes that hand the kernel's
 * SCTP for the configured peers to the TUN, installed from a configuration
 * and brought from one configuration to the next on reload without
 * touching the prefixes both have in common.
 *
 * Per prefix: "ipproto 132 to PREFIX lookup TABLE pref PRIORITY" and a
 * route for PREFIX through the TUN with the source address the main table
 * picks.  Per family used: a default route through the TUN, and a
 * blackhole default route with the worst metric.
 *
 * Fail closed: the rules and the blackholes stay when sctptund exits,
 * however it exits; the TUN's routes go with the TUN.  So while sctptund
 * is down the kernel's SCTP to the peers is dropped (and retransmitted
 * later), never sent natively, and the next start takes over: it installs
 * the same rules and blackholes again (already there: nothing changes),
 * then the TUN's routes, and only then prunes the rules of prefixes the
 * configuration no longer has.  Only a reload that removes a prefix, and
 * "sctptund -C", remove rules.
 */
#ifndef SCTPTUN_ROUTING_H
#define SCTPTUN_ROUTING_H

#include <stddef.h>

#include "config.h"
#include "netlink.h"

#define ROUTING_ERR_MAX	256

/* What routing_update() changed. */
struct routing_diff {
	size_t	added;		/* prefixes */
	size_t	removed;
};

/*
 * Fail closed for conf: a blackhole route for each family it uses and a
 * rule for each prefix (idempotent: what an earlier run left is kept as
 * it is).  -1 with err filled.
 */
int	routing_fail_closed(struct nl *, const struct config *, char *err,
	    size_t errlen);
/* Routes for conf's prefixes and families through the TUN; -1 with err. */
int	routing_attach(struct nl *, const struct config *, int ifindex,
	    char *err, size_t errlen);
/*
 * Remove the rules an earlier run left for prefixes conf does not have;
 * the number removed, or -1 with err filled.
 */
int	routing_prune(struct nl *, const struct config *, char *err,
	    size_t errlen);
/*
 * Go from old's prefixes to new's: add what is new first (on failure,
 * take back what this call added and return -1 with err filled: old's
 * routing stays whole), then remove what is gone.  table and priority must
 * be the same in both.
 */
int	routing_update(struct nl *, const struct config *old,
	    const struct config *new, int ifindex, struct routing_diff *,
	    char *err, size_t errlen);

#endif
