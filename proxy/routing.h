/*
 * routing: the policy rules and tunnel-table routes that hand the kernel's
 * SCTP for the configured peers to the TUN, installed from a configuration
 * and brought from one configuration to the next on reload without
 * touching the prefixes both have in common.
 *
 * Per prefix: "ipproto 132 to PREFIX lookup TABLE pref PRIORITY" and a
 * route for PREFIX through the TUN with the source address the main table
 * picks.  Per family used: a default route through the TUN, and a
 * blackhole default route with the worst metric that is left when the TUN
 * vanishes with a killed sctptund, so SCTP never leaves natively.
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

/* Install everything for conf; -1 with err filled. */
int	routing_install(struct nl *, const struct config *, int ifindex,
	    char *err, size_t errlen);
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
