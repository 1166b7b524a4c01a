/*
 * netlink: the routing state sctptund installs over rtnetlink, and removes:
 * policy rules "ipproto 132 to <prefix> lookup <table> pref <priority>",
 * default routes of that table through the TUN, link MTU and state, and
 * the rp_filter sysctls the TUN needs.
 */
#ifndef SCTPTUN_NETLINK_H
#define SCTPTUN_NETLINK_H

#include <stdint.h>

#include "addr.h"

struct nl;

/* Opens a NETLINK_ROUTE socket; NULL with errno on failure. */
struct nl *nl_open(void);
void	nl_close(struct nl *);

/* Each returns 0, or -1 with *cause set to a static or allocated message. */
int	nl_link_set(struct nl *, int ifindex, uint32_t mtu, int up,
	    const char **cause);
int	nl_rule_add(struct nl *, const struct prefix *, uint32_t table,
	    uint32_t priority, const char **cause);
int	nl_route_add_default(struct nl *, int family, int ifindex,
	    uint32_t table, const char **cause);
/*
 * A route for one prefix through ifindex in table, with preferred source
 * src (NULL for none): lets each tunnelled path keep the source address
 * the main table would pick for it (see nl_route_src).
 */
int	nl_route_add(struct nl *, const struct prefix *, int ifindex,
	    uint32_t table, const struct ipaddr *src, const char **cause);
/* Undo nl_rule_add / nl_route_add; a missing object is not an error. */
int	nl_rule_del(struct nl *, const struct prefix *, uint32_t table,
	    uint32_t priority, const char **cause);
int	nl_route_del(struct nl *, const struct prefix *, uint32_t table,
	    const char **cause);
/*
 * A blackhole default route in table with the worst metric: when the TUN
 * disappears with a killed sctptund, its routes go with it, and this one
 * keeps the kernel's SCTP from leaving natively through the main table.
 */
int	nl_route_add_blackhole(struct nl *, int family, uint32_t table,
	    const char **cause);
/*
 * Remove every rule with this priority and table whose ip protocol is 132,
 * and every route in the table, for both families: what a run (or a crashed
 * one) installed.  Returns the number of objects removed, -1 on error.
 */
int	nl_cleanup(struct nl *, uint32_t table, uint32_t priority,
	    const char **cause);
/*
 * Remove our rules (as nl_cleanup finds them) whose destination is none of
 * keep[0..nkeep): what an earlier run installed for prefixes no longer
 * configured.  Returns the number removed, -1 on error.
 */
int	nl_rule_prune(struct nl *, uint32_t table, uint32_t priority,
	    const struct prefix *keep, size_t nkeep, const char **cause);
/* Delete the interface called name: 1 if it went, 0 if there was none,
 * -1 on error. */
int	nl_link_del(struct nl *, const char *name, const char **cause);
/*
 * The MTU of the interface the main table would use to reach dst; 0 if no
 * route.  Used to size the TUN when tun.mtu is 0.
 */
uint32_t nl_route_mtu(struct nl *, const struct ipaddr *dst);
/* The source address the main routing would pick towards dst (as
 * `ip route get` without ipproto); 0, or -1 with errno. */
int	nl_route_src(struct nl *, const struct ipaddr *dst,
	    struct ipaddr *src);

/*
 * Set net.ipv4.conf.<ifname>.rp_filter (and "all") to 0, remembering the
 * old values; rpfilter_restore() puts them back.  The old value of "all"
 * is also written to file (if not NULL) until restored, so that what a
 * killed run changed can still be put back: a later start takes the
 * value from there instead of the kernel's 0, and so does
 * rpfilter_restore_saved().
 */
int	rpfilter_disable(const char *ifname, const char *file,
	    const char **cause);
void	rpfilter_restore(void);
/*
 * Put back the value of "all" a run saved in file and did not restore,
 * and remove file.  Returns that value, -1 if there was none, -2 on error
 * (*cause set).
 */
int	rpfilter_restore_saved(const char *file, const char **cause);

#endif
