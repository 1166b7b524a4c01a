/*
 * netlink: the routing state sctptund installs and removes, spoken over a
 * plain NETLINK_ROUTE socket (no libmnl/libnl): request building with a
 * bounded attribute writer, acknowledged requests matched by sequence
 * number, dumps, and the rp_filter sysctls the TUN needs.
 *
 * Messages we receive are parsed with every length checked before a header
 * is looked at.  Error messages returned through *cause are either static
 * strings or a module buffer that is valid until the next failing call.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netlink.h"

#define NL_RECVSZ	65536	/* a full dump message from the kernel */
#define NL_REQSZ	512	/* room for any request we build */
#define NL_IPPROTO_SCTP	132

struct nl {
	int		 fd;
	uint32_t	 seq;
	uint8_t		*buf;
};

/* A request under construction; padding stays zero. */
struct nl_req {
	union {
		struct nlmsghdr	hdr;
		uint8_t		bytes[NL_REQSZ];
	} u;
	int	overflow;
};

/* The attributes of one received message, indexed by type. */
#define NL_ATTR_MAX	32
struct nl_attrs {
	const struct rtattr *a[NL_ATTR_MAX + 1];
};

/* Messages kept from a dump to be sent back as deletions. */
struct nl_stash {
	uint8_t	*buf;
	size_t	 len;
	size_t	 cap;
};

/* What a cleanup dump keeps. */
struct nl_match {
	uint32_t	 table;
	uint32_t	 priority;
	struct nl_stash	 stash;
	int		 failed;
};

/* What RTM_GETROUTE told us about a destination. */
struct nl_routeinfo {
	int		found;
	uint8_t		type;
	uint32_t	oif;
	uint32_t	mtu;
	struct ipaddr	prefsrc;
	int		has_prefsrc;
};

typedef void	(*nl_msg_cb)(const struct nlmsghdr *, void *);

static char	nl_errbuf[160];

static int	nl_dump(struct nl *, uint16_t, int, nl_msg_cb,
		    struct nl_match *);
static void	nl_rule_match_cb(const struct nlmsghdr *, void *);

/* rp_filter values we changed, to put back at exit. */
struct rpfilter_saved {
	char	path[96];
	int	old;
	int	changed;
};
static struct rpfilter_saved rpfilter_saved[2];
/* Where the old value of "all" is kept while it is changed (or NULL). */
static const char *rpfilter_file;

/* Formats "what: strerror(errno)" into the module buffer. */
static const char *
nl_error(const char *what)
{
	snprintf(nl_errbuf, sizeof(nl_errbuf), "%s: %s", what,
	    strerror(errno));
	return (nl_errbuf);
}

/* Opens a NETLINK_ROUTE socket. */
struct nl *
nl_open(void)
{
	struct sockaddr_nl	 sa;
	struct nl		*nl;
	int			 saved;

	if ((nl = calloc(1, sizeof(*nl))) == NULL)
		return (NULL);
	if ((nl->buf = malloc(NL_RECVSZ)) == NULL) {
		free(nl);
		return (NULL);
	}
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd == -1)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		goto fail;
	/* Any start works; the pid keeps two daemons apart in traces. */
	nl->seq = (uint32_t)getpid() << 16;
	return (nl);
fail:
	saved = errno;
	nl_close(nl);
	errno = saved;
	return (NULL);
}

/* Closes the socket and frees the handle. */
void
nl_close(struct nl *nl)
{
	if (nl == NULL)
		return;
	if (nl->fd != -1)
		close(nl->fd);
	free(nl->buf);
	free(nl);
}

/* Starts a request of this type with a fixed family header. */
static void
nl_req_init(struct nl_req *r, uint16_t type, uint16_t flags,
    const void *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	if (NLMSG_SPACE(len) > sizeof(r->u.bytes)) {
		r->overflow = 1;
		len = 0;
	}
	r->u.hdr.nlmsg_len = NLMSG_LENGTH(len);
	r->u.hdr.nlmsg_type = type;
	r->u.hdr.nlmsg_flags = NLM_F_REQUEST | flags;
	if (len > 0)
		memcpy(r->u.bytes + NLMSG_HDRLEN, body, len);
}

/* Appends one attribute; an overflow marks the request unsendable. */
static void
nl_req_attr(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr	rta;
	size_t		off;

	off = NLMSG_ALIGN(r->u.hdr.nlmsg_len);
	if (r->overflow || len > UINT16_MAX - RTA_LENGTH(0) ||
	    off + RTA_SPACE(len) > sizeof(r->u.bytes)) {
		r->overflow = 1;
		return;
	}
	rta.rta_len = RTA_LENGTH(len);
	rta.rta_type = type;
	memcpy(r->u.bytes + off, &rta, sizeof(rta));
	if (len > 0)
		memcpy(r->u.bytes + off + RTA_LENGTH(0), data, len);
	r->u.hdr.nlmsg_len = off + RTA_SPACE(len);
}

/* Appends a 32-bit attribute. */
static void
nl_req_u32(struct nl_req *r, uint16_t type, uint32_t v)
{
	nl_req_attr(r, type, &v, sizeof(v));
}

/* Sends one message with a fresh sequence number; returns it, or 0. */
static uint32_t
nl_send(struct nl *nl, struct nlmsghdr *hdr)
{
	struct sockaddr_nl	sa;

	if (++nl->seq == 0)
		nl->seq = 1;
	hdr->nlmsg_seq = nl->seq;
	hdr->nlmsg_pid = 0;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(nl->fd, hdr, hdr->nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) != (ssize_t)hdr->nlmsg_len) {
		if (errno == 0)
			errno = EIO;
		return (0);
	}
	return (nl->seq);
}

/*
 * Handles one message of our sequence: 1 when the exchange is over (errno
 * set to the kernel's error, 0 for success), 0 to keep reading.
 */
static int
nl_recv_one(const struct nlmsghdr *h, nl_msg_cb cb, void *arg)
{
	struct nlmsgerr	err;
	int		done;

	if (h->nlmsg_type == NLMSG_ERROR) {
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(err))) {
			errno = EBADMSG;
			return (1);
		}
		memcpy(&err, NLMSG_DATA(h), sizeof(err));
		errno = -err.error;
		return (1);
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		errno = 0;
		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(done))) {
			memcpy(&done, NLMSG_DATA(h), sizeof(done));
			errno = done < 0 ? -done : 0;
		}
		return (1);
	}
	if (cb != NULL)
		cb(h, arg);
	return (0);
}

/* Reads until the ACK, error or end of dump for seq; 0 or -1 with errno. */
static int
nl_recv(struct nl *nl, uint32_t seq, nl_msg_cb cb, void *arg)
{
	struct sockaddr_nl	 sa;
	struct iovec		 iov;
	struct msghdr		 msg;
	const struct nlmsghdr	*h;
	ssize_t			 n;
	size_t			 left;
	uint8_t			*p;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = nl->buf;
		iov.iov_len = NL_RECVSZ;
		msg.msg_name = &sa;
		msg.msg_namelen = sizeof(sa);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if ((n = recvmsg(nl->fd, &msg, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (msg.msg_flags & MSG_TRUNC) {
			errno = EMSGSIZE;
			return (-1);
		}
		if (sa.nl_pid != 0)
			continue;	/* not from the kernel */
		for (p = nl->buf, left = n; left >= NLMSG_HDRLEN;) {
			h = (const struct nlmsghdr *)p;
			if (h->nlmsg_len < NLMSG_HDRLEN ||
			    h->nlmsg_len > left) {
				errno = EBADMSG;
				return (-1);
			}
			if (h->nlmsg_seq == seq &&
			    nl_recv_one(h, cb, arg))
				return (errno == 0 ? 0 : -1);
			if (NLMSG_ALIGN(h->nlmsg_len) >= left)
				break;
			left -= NLMSG_ALIGN(h->nlmsg_len);
			p += NLMSG_ALIGN(h->nlmsg_len);
		}
	}
}

/* Sends a request, waits for its ACK and passes any reply to cb. */
static int
nl_talk(struct nl *nl, struct nlmsghdr *hdr, nl_msg_cb cb, void *arg)
{
	uint32_t	seq;

	hdr->nlmsg_flags |= NLM_F_ACK;
	if ((seq = nl_send(nl, hdr)) == 0)
		return (-1);
	return (nl_recv(nl, seq, cb, arg));
}

/* As nl_talk for a built request, with an overflow check. */
static int
nl_req_talk(struct nl *nl, struct nl_req *r, nl_msg_cb cb, void *arg)
{
	if (r->overflow) {
		errno = EMSGSIZE;
		return (-1);
	}
	return (nl_talk(nl, &r->u.hdr, cb, arg));
}

/* Indexes a run of attributes; later duplicates win. */
static void
nl_attrs_index(const struct rtattr *rta, size_t left, struct nl_attrs *at)
{
	memset(at, 0, sizeof(*at));
	for (; RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		if (rta->rta_type <= NL_ATTR_MAX)
			at->a[rta->rta_type] = rta;
	}
}

/* Indexes the attributes that follow a family header of hdrlen bytes. */
static int
nl_attrs_parse(const struct nlmsghdr *h, size_t hdrlen, struct nl_attrs *at)
{
	size_t	off;

	memset(at, 0, sizeof(*at));
	if (h->nlmsg_len < NLMSG_LENGTH(hdrlen))
		return (-1);
	off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	if (off < h->nlmsg_len)
		nl_attrs_index((const struct rtattr *)((const uint8_t *)h +
		    off), h->nlmsg_len - off, at);
	return (0);
}

/* Reads a 32-bit attribute; 0 if present and long enough. */
static int
nl_attr_u32(const struct rtattr *rta, uint32_t *v)
{
	if (rta == NULL || RTA_PAYLOAD(rta) < sizeof(*v))
		return (-1);
	memcpy(v, RTA_DATA(rta), sizeof(*v));
	return (0);
}

/* Address length of a family: 4, 16, or 0 if unsupported. */
static size_t
nl_family_len(int family)
{
	if (family == AF_INET)
		return (4);
	if (family == AF_INET6)
		return (16);
	return (0);
}

/* Set the link's MTU (if nonzero) and its up/down state. */
int
nl_link_set(struct nl *nl, int ifindex, uint32_t mtu, int up,
    const char **cause)
{
	struct ifinfomsg	ifi;
	struct nl_req		r;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = ifindex;
	ifi.ifi_change = IFF_UP;
	ifi.ifi_flags = up ? IFF_UP : 0;
	nl_req_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (mtu != 0)
		nl_req_u32(&r, IFLA_MTU, mtu);
	if (nl_req_talk(nl, &r, NULL, NULL) == -1) {
		*cause = nl_error("RTM_NEWLINK (mtu, up)");
		return (-1);
	}
	return (0);
}

/* Builds "ipproto 132 to prefix lookup table pref priority". */
static void
nl_rule_build(struct nl_req *r, uint16_t type, uint16_t flags,
    const struct prefix *pfx, uint32_t table, uint32_t priority)
{
	struct fib_rule_hdr	frh;
	uint8_t			proto = NL_IPPROTO_SCTP;

	memset(&frh, 0, sizeof(frh));
	frh.family = pfx->addr.family;
	frh.dst_len = pfx->len;
	frh.table = table < 256 ? table : RT_TABLE_UNSPEC;
	frh.action = FR_ACT_TO_TBL;
	nl_req_init(r, type, flags, &frh, sizeof(frh));
	if (pfx->len > 0)
		nl_req_attr(r, FRA_DST, pfx->addr.u.bytes,
		    nl_family_len(pfx->addr.family));
	nl_req_u32(r, FRA_TABLE, table);
	nl_req_u32(r, FRA_PRIORITY, priority);
	nl_req_attr(r, FRA_IP_PROTO, &proto, sizeof(proto));
}

/* 1 if a kept rule message has this destination prefix. */
static int
nl_rule_has_dst(const struct nlmsghdr *h, const struct prefix *pfx)
{
	struct fib_rule_hdr	 frh;
	struct nl_attrs		 at;
	const struct rtattr	*dst;
	size_t			 alen = nl_family_len(pfx->addr.family);

	if (nl_attrs_parse(h, sizeof(frh), &at) == -1)
		return (0);
	memcpy(&frh, NLMSG_DATA(h), sizeof(frh));
	if (frh.family != pfx->addr.family || frh.dst_len != pfx->len)
		return (0);
	if (pfx->len == 0)
		return (1);
	dst = at.a[FRA_DST];
	return (dst != NULL && RTA_PAYLOAD(dst) >= alen &&
	    memcmp(RTA_DATA(dst), pfx->addr.u.bytes, alen) == 0);
}

/*
 * Checks that the rule just added carries ipproto 132.  Kernels before
 * 4.17 ignore FRA_IP_PROTO and would install a rule catching all traffic
 * to the prefix, our own UDP included.
 */
static int
nl_rule_verify(struct nl *nl, const struct prefix *pfx, uint32_t table,
    uint32_t priority)
{
	struct nl_match		 m;
	const struct nlmsghdr	*h;
	size_t			 off;
	int			 found = 0;

	memset(&m, 0, sizeof(m));
	m.table = table;
	m.priority = priority;
	if (nl_dump(nl, RTM_GETRULE, pfx->addr.family, nl_rule_match_cb,
	    &m) == -1) {
		free(m.stash.buf);
		return (-1);
	}
	for (off = 0; off < m.stash.len && !found;
	    off += NLMSG_ALIGN(h->nlmsg_len)) {
		h = (const struct nlmsghdr *)(m.stash.buf + off);
		found = nl_rule_has_dst(h, pfx);
	}
	free(m.stash.buf);
	return (found ? 0 : 1);
}

/* Install "ipproto 132 to prefix lookup table pref priority". */
int
nl_rule_add(struct nl *nl, const struct prefix *pfx, uint32_t table,
    uint32_t priority, const char **cause)
{
	struct nl_req	r;
	size_t		alen;
	int		rv;

	alen = nl_family_len(pfx->addr.family);
	if (alen == 0 || pfx->len > alen * 8) {
		*cause = "rule: bad prefix";
		return (-1);
	}
	nl_rule_build(&r, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, pfx,
	    table, priority);
	/* With NLM_F_EXCL the kernel says EEXIST only for an identical rule. */
	if (nl_req_talk(nl, &r, NULL, NULL) == -1 && errno != EEXIST) {
		*cause = nl_error("RTM_NEWRULE");
		return (-1);
	}
	if ((rv = nl_rule_verify(nl, pfx, table, priority)) == -1) {
		*cause = nl_error("RTM_GETRULE");
		return (-1);
	}
	if (rv == 1) {
		/* The kernel drops FRA_IP_PROTO here too: same rule goes. */
		nl_rule_build(&r, RTM_DELRULE, 0, pfx, table, priority);
		(void)nl_req_talk(nl, &r, NULL, NULL);
		*cause = "rule: kernel ignores ipproto (Linux >= 4.17 needed)";
		return (-1);
	}
	return (0);
}

/* Install a route for prefix through ifindex in table, src optional. */
int
nl_route_add(struct nl *nl, const struct prefix *pfx, int ifindex,
    uint32_t table, const struct ipaddr *src, const char **cause)
{
	struct rtmsg	rtm;
	struct nl_req	r;
	size_t		alen;

	alen = nl_family_len(pfx->addr.family);
	if (alen == 0 || pfx->len > alen * 8 ||
	    (src != NULL && src->family != pfx->addr.family)) {
		*cause = "route: bad prefix or source";
		return (-1);
	}
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = pfx->addr.family;
	rtm.rtm_dst_len = pfx->len;
	rtm.rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	rtm.rtm_protocol = RTPROT_STATIC;
	rtm.rtm_scope = RT_SCOPE_LINK;
	rtm.rtm_type = RTN_UNICAST;
	/* Replace: a persistent TUN may still carry a crashed run's route. */
	nl_req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rtm,
	    sizeof(rtm));
	if (pfx->len > 0)
		nl_req_attr(&r, RTA_DST, pfx->addr.u.bytes, alen);
	nl_req_u32(&r, RTA_TABLE, table);
	nl_req_u32(&r, RTA_OIF, (uint32_t)ifindex);
	if (src != NULL)
		nl_req_attr(&r, RTA_PREFSRC, src->u.bytes, alen);
	if (nl_req_talk(nl, &r, NULL, NULL) == -1) {
		*cause = nl_error("RTM_NEWROUTE");
		return (-1);
	}
	return (0);
}

/* Remove a rule nl_rule_add() installed. */
int
nl_rule_del(struct nl *nl, const struct prefix *pfx, uint32_t table,
    uint32_t priority, const char **cause)
{
	struct nl_req	r;

	nl_rule_build(&r, RTM_DELRULE, 0, pfx, table, priority);
	if (nl_req_talk(nl, &r, NULL, NULL) == -1 && errno != ENOENT) {
		*cause = nl_error("RTM_DELRULE");
		return (-1);
	}
	return (0);
}

/* The header of a route of ours in table. */
static void
nl_route_msg(struct rtmsg *rtm, int family, uint8_t len, uint32_t table,
    uint8_t type)
{
	memset(rtm, 0, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = len;
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = type == RTN_UNICAST ? RT_SCOPE_LINK :
	    RT_SCOPE_UNIVERSE;
	rtm->rtm_type = type;
}

/* Remove a route nl_route_add() installed. */
int
nl_route_del(struct nl *nl, const struct prefix *pfx, uint32_t table,
    const char **cause)
{
	struct rtmsg	rtm;
	struct nl_req	r;
	size_t		alen;

	if ((alen = nl_family_len(pfx->addr.family)) == 0) {
		*cause = "route: bad prefix";
		return (-1);
	}
	nl_route_msg(&rtm, pfx->addr.family, pfx->len, table, RTN_UNICAST);
	rtm.rtm_scope = RT_SCOPE_NOWHERE;	/* any scope */
	nl_req_init(&r, RTM_DELROUTE, 0, &rtm, sizeof(rtm));
	if (pfx->len > 0)
		nl_req_attr(&r, RTA_DST, pfx->addr.u.bytes, alen);
	nl_req_u32(&r, RTA_TABLE, table);
	if (nl_req_talk(nl, &r, NULL, NULL) == -1 && errno != ESRCH &&
	    errno != ENOENT) {
		*cause = nl_error("RTM_DELROUTE");
		return (-1);
	}
	return (0);
}

/* The fail-closed default route; see netlink.h. */
int
nl_route_add_blackhole(struct nl *nl, int family, uint32_t table,
    const char **cause)
{
	struct rtmsg	rtm;
	struct nl_req	r;

	nl_route_msg(&rtm, family, 0, table, RTN_BLACKHOLE);
	nl_req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rtm,
	    sizeof(rtm));
	nl_req_u32(&r, RTA_TABLE, table);
	nl_req_u32(&r, RTA_PRIORITY, UINT32_MAX);
	if (nl_req_talk(nl, &r, NULL, NULL) == -1) {
		*cause = nl_error("RTM_NEWROUTE blackhole");
		return (-1);
	}
	return (0);
}

/* Install "default dev ifindex table table" for one family. */
int
nl_route_add_default(struct nl *nl, int family, int ifindex,
    uint32_t table, const char **cause)
{
	struct prefix	pfx;

	memset(&pfx, 0, sizeof(pfx));
	pfx.addr.family = family;
	return (nl_route_add(nl, &pfx, ifindex, table, NULL, cause));
}

/* Keeps a copy of a dumped message. */
static int
nl_stash_add(struct nl_stash *st, const struct nlmsghdr *h)
{
	size_t	 need, cap;
	uint8_t	*p;

	need = NLMSG_ALIGN(h->nlmsg_len);
	if (st->len + need > st->cap) {
		cap = st->cap ? st->cap * 2 : 4096;
		while (cap < st->len + need)
			cap *= 2;
		if ((p = realloc(st->buf, cap)) == NULL)
			return (-1);
		st->buf = p;
		st->cap = cap;
	}
	memset(st->buf + st->len, 0, need);
	memcpy(st->buf + st->len, h, h->nlmsg_len);
	st->len += need;
	return (0);
}

/* Table of a rule or route: the 32-bit attribute wins over the header. */
static uint32_t
nl_table(const struct rtattr *rta, uint8_t hdr_table)
{
	uint32_t	table;

	if (nl_attr_u32(rta, &table) == 0)
		return (table);
	return (hdr_table);
}

/* Dump callback: keeps our rules (priority, table, ipproto 132). */
static void
nl_rule_match_cb(const struct nlmsghdr *h, void *arg)
{
	struct nl_match		*m = arg;
	struct fib_rule_hdr	 frh;
	struct nl_attrs		 at;
	uint32_t		 prio;
	const struct rtattr	*proto;

	if (h->nlmsg_type != RTM_NEWRULE ||
	    nl_attrs_parse(h, sizeof(frh), &at) == -1)
		return;
	memcpy(&frh, NLMSG_DATA(h), sizeof(frh));
	proto = at.a[FRA_IP_PROTO];
	if (nl_attr_u32(at.a[FRA_PRIORITY], &prio) == -1 ||
	    prio != m->priority ||
	    nl_table(at.a[FRA_TABLE], frh.table) != m->table ||
	    proto == NULL || RTA_PAYLOAD(proto) < 1 ||
	    *(const uint8_t *)RTA_DATA(proto) != NL_IPPROTO_SCTP)
		return;
	if (nl_stash_add(&m->stash, h) == -1)
		m->failed = 1;
}

/* Dump callback: keeps every route of our table. */
static void
nl_route_match_cb(const struct nlmsghdr *h, void *arg)
{
	struct nl_match	*m = arg;
	struct rtmsg	 rtm;
	struct nl_attrs	 at;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    nl_attrs_parse(h, sizeof(rtm), &at) == -1)
		return;
	memcpy(&rtm, NLMSG_DATA(h), sizeof(rtm));
	if (rtm.rtm_flags & RTM_F_CLONED)
		return;
	if (nl_table(at.a[RTA_TABLE], rtm.rtm_table) != m->table)
		return;
	if (nl_stash_add(&m->stash, h) == -1)
		m->failed = 1;
}

/* Dumps rules or routes of one family into m through cb. */
static int
nl_dump(struct nl *nl, uint16_t type, int family, nl_msg_cb cb,
    struct nl_match *m)
{
	struct nl_req	r;
	struct rtmsg	rtm;	/* fib_rule_hdr has the same first byte */
	uint32_t	seq;

	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = family;
	nl_req_init(&r, type, NLM_F_DUMP, &rtm, sizeof(rtm));
	if ((seq = nl_send(nl, &r.u.hdr)) == 0)
		return (-1);
	if (nl_recv(nl, seq, cb, m) == -1)
		return (-1);
	if (m->failed) {
		errno = ENOMEM;
		return (-1);
	}
	return (0);
}

/* Sends each kept message back as a deletion; returns how many went. */
static int
nl_stash_delete(struct nl *nl, struct nl_stash *st, uint16_t type)
{
	struct nlmsghdr	*h;
	size_t		 off;
	int		 n = 0;

	for (off = 0; off < st->len; off += NLMSG_ALIGN(h->nlmsg_len)) {
		h = (struct nlmsghdr *)(st->buf + off);
		h->nlmsg_type = type;
		h->nlmsg_flags = NLM_F_REQUEST;
		if (nl_talk(nl, h, NULL, NULL) == 0)
			n++;
		else if (errno != ENOENT && errno != ESRCH)
			return (-1);
	}
	return (n);
}

/* Removes our rules or routes of one family; count, or -1. */
static int
nl_cleanup_one(struct nl *nl, uint16_t dump, uint16_t del, int family,
    nl_msg_cb cb, uint32_t table, uint32_t priority)
{
	struct nl_match	m;
	int		n;

	memset(&m, 0, sizeof(m));
	m.table = table;
	m.priority = priority;
	if (nl_dump(nl, dump, family, cb, &m) == -1)
		n = -1;
	else
		n = nl_stash_delete(nl, &m.stash, del);
	free(m.stash.buf);
	return (n);
}

/* Drop from a stash the rules whose destination is one of keep[]. */
static void
nl_stash_keep_out(struct nl_stash *st, const struct prefix *keep,
    size_t nkeep)
{
	struct nlmsghdr	*h;
	size_t		 off = 0, len, i;

	while (off < st->len) {
		h = (struct nlmsghdr *)(st->buf + off);
		len = NLMSG_ALIGN(h->nlmsg_len);
		for (i = 0; i < nkeep; i++)
			if (nl_rule_has_dst(h, &keep[i]))
				break;
		if (i == nkeep) {
			off += len;
			continue;
		}
		memmove(st->buf + off, st->buf + off + len,
		    st->len - off - len);
		st->len -= len;
	}
}

/* Remove our rules whose destination is none of keep[]; see netlink.h. */
int
nl_rule_prune(struct nl *nl, uint32_t table, uint32_t priority,
    const struct prefix *keep, size_t nkeep, const char **cause)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct nl_match	 m;
	size_t		 i;
	int		 n, total = 0;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.table = table;
		m.priority = priority;
		if (nl_dump(nl, RTM_GETRULE, families[i], nl_rule_match_cb,
		    &m) == -1)
			n = -1;
		else {
			nl_stash_keep_out(&m.stash, keep, nkeep);
			n = nl_stash_delete(nl, &m.stash, RTM_DELRULE);
		}
		free(m.stash.buf);
		if (n == -1) {
			*cause = nl_error("pruning rules");
			return (-1);
		}
		total += n;
	}
	return (total);
}

/* Delete the interface called name; see netlink.h. */
int
nl_link_del(struct nl *nl, const char *name, const char **cause)
{
	struct ifinfomsg	ifi;
	struct nl_req		r;
	size_t			len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ) {
		*cause = "link: bad interface name";
		return (-1);
	}
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	nl_req_init(&r, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	nl_req_attr(&r, IFLA_IFNAME, name, len + 1);
	if (nl_req_talk(nl, &r, NULL, NULL) == -1) {
		if (errno == ENODEV)
			return (0);
		*cause = nl_error("RTM_DELLINK");
		return (-1);
	}
	return (1);
}

/* Remove what a run installed: our rules, then our table's routes. */
int
nl_cleanup(struct nl *nl, uint32_t table, uint32_t priority,
    const char **cause)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t		 i;
	int		 n, total = 0;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		n = nl_cleanup_one(nl, RTM_GETRULE, RTM_DELRULE, families[i],
		    nl_rule_match_cb, table, priority);
		if (n == -1) {
			*cause = nl_error("cleanup: rules");
			return (-1);
		}
		total += n;
		n = nl_cleanup_one(nl, RTM_GETROUTE, RTM_DELROUTE,
		    families[i], nl_route_match_cb, table, priority);
		if (n == -1) {
			*cause = nl_error("cleanup: routes");
			return (-1);
		}
		total += n;
	}
	return (total);
}

/* Reply callback of RTM_GETROUTE. */
static void
nl_route_get_cb(const struct nlmsghdr *h, void *arg)
{
	struct nl_routeinfo	*ri = arg;
	struct rtmsg		 rtm;
	struct nl_attrs		 at, mx;
	const struct rtattr	*src;
	size_t			 alen;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    nl_attrs_parse(h, sizeof(rtm), &at) == -1)
		return;
	memcpy(&rtm, NLMSG_DATA(h), sizeof(rtm));
	ri->found = 1;
	ri->type = rtm.rtm_type;
	(void)nl_attr_u32(at.a[RTA_OIF], &ri->oif);
	if ((src = at.a[RTA_PREFSRC]) != NULL &&
	    (alen = nl_family_len(rtm.rtm_family)) != 0 &&
	    RTA_PAYLOAD(src) >= alen) {
		memset(&ri->prefsrc, 0, sizeof(ri->prefsrc));
		ri->prefsrc.family = rtm.rtm_family;
		memcpy(ri->prefsrc.u.bytes, RTA_DATA(src), alen);
		ri->has_prefsrc = 1;
	}
	if (at.a[RTA_METRICS] == NULL)
		return;
	nl_attrs_index(RTA_DATA(at.a[RTA_METRICS]),
	    RTA_PAYLOAD(at.a[RTA_METRICS]), &mx);
	(void)nl_attr_u32(mx.a[RTAX_MTU], &ri->mtu);
}

/* Asks the kernel how it would route to dst (as `ip route get`). */
static int
nl_route_get(struct nl *nl, const struct ipaddr *dst,
    struct nl_routeinfo *ri)
{
	struct rtmsg	rtm;
	struct nl_req	r;
	size_t		alen;

	memset(ri, 0, sizeof(*ri));
	if ((alen = nl_family_len(dst->family)) == 0) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = dst->family;
	rtm.rtm_dst_len = alen * 8;
	nl_req_init(&r, RTM_GETROUTE, 0, &rtm, sizeof(rtm));
	nl_req_attr(&r, RTA_DST, dst->u.bytes, alen);
	if (nl_req_talk(nl, &r, nl_route_get_cb, ri) == -1)
		return (-1);
	if (!ri->found || (ri->type != RTN_UNICAST && ri->type != RTN_LOCAL)) {
		errno = ENETUNREACH;
		return (-1);
	}
	return (0);
}

/* Reply callback of RTM_GETLINK: the device MTU. */
static void
nl_link_mtu_cb(const struct nlmsghdr *h, void *arg)
{
	struct nl_attrs	at;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nl_attrs_parse(h, sizeof(struct ifinfomsg), &at) == -1)
		return;
	(void)nl_attr_u32(at.a[IFLA_MTU], arg);
}

/* The MTU of the main route to dst, or of its device; 0 if none. */
uint32_t
nl_route_mtu(struct nl *nl, const struct ipaddr *dst)
{
	struct nl_routeinfo	ri;
	struct ifinfomsg	ifi;
	struct nl_req		r;
	uint32_t		mtu = 0;

	if (nl_route_get(nl, dst, &ri) == -1)
		return (0);
	if (ri.mtu != 0)
		return (ri.mtu);
	if (ri.oif == 0)
		return (0);
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = ri.oif;
	nl_req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	if (nl_req_talk(nl, &r, nl_link_mtu_cb, &mtu) == -1)
		return (0);
	return (mtu);
}

/* The source address the kernel would pick towards dst; 0 or -1. */
int
nl_route_src(struct nl *nl, const struct ipaddr *dst, struct ipaddr *src)
{
	struct nl_routeinfo	ri;

	if (nl_route_get(nl, dst, &ri) == -1)
		return (-1);
	if (!ri.has_prefsrc) {
		errno = EADDRNOTAVAIL;
		return (-1);
	}
	*src = ri.prefsrc;
	return (0);
}

/* Reads a small integer sysctl; 0 or -1. */
static int
rpfilter_read(const char *path, int *v)
{
	char	buf[32];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	*v = atoi(buf);
	return (0);
}

/* Writes a small integer to an open file; 0 or -1 (closes fd). */
static int
rpfilter_write_fd(int fd, int v)
{
	char	buf[32];
	int	len, rv = 0;

	if (fd == -1)
		return (-1);
	len = snprintf(buf, sizeof(buf), "%d\n", v);
	if (write(fd, buf, len) != len)
		rv = -1;
	if (close(fd) == -1)
		rv = -1;
	return (rv);
}

/* Writes a small integer sysctl; 0 or -1. */
static int
rpfilter_write(const char *path, int v)
{
	return (rpfilter_write_fd(open(path, O_WRONLY | O_CLOEXEC), v));
}

/* Writes a small integer to a new file, private to us; 0 or -1. */
static int
rpfilter_write_new(const char *path, int v)
{
	return (rpfilter_write_fd(open(path,
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), v));
}

/*
 * The value of "all" an earlier run saved in file before it changed it,
 * and did not put back (it was killed): the value to restore, since the
 * one in the kernel now is that run's 0.  -1 if none.
 */
static int
rpfilter_saved_all(const char *file)
{
	int	v;

	if (file == NULL || rpfilter_read(file, &v) == -1 || v < 0 || v > 2)
		return (-1);
	return (v);
}

/* Remember the old value of "all" in file (before it changes). */
static int
rpfilter_save_all(const char *file, int v, const char **cause)
{
	char	tmp[PATH_MAX];

	if (file == NULL)
		return (0);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int)sizeof(tmp)) {
		*cause = "rp_filter: file name too long";
		return (-1);
	}
	(void)unlink(tmp);
	if (rpfilter_write_new(tmp, v) == -1 || rename(tmp, file) == -1) {
		(void)unlink(tmp);
		*cause = nl_error(file);
		return (-1);
	}
	return (0);
}

/*
 * Sets one rp_filter to 0 if it is not, remembering the old value; with a
 * file, that value is written there first, or taken from there if a killed
 * run left it.
 */
static int
rpfilter_clear(struct rpfilter_saved *s, const char *conf,
    const char *file, const char **cause)
{
	int	v, saved;

	if (s->changed)
		return (0);	/* already ours: keep the first old value */
	snprintf(s->path, sizeof(s->path),
	    "/proc/sys/net/ipv4/conf/%s/rp_filter", conf);
	if (rpfilter_read(s->path, &v) == -1) {
		*cause = nl_error(s->path);
		return (-1);
	}
	/* A killed run left its 0 in the kernel, and the old value here. */
	if ((saved = rpfilter_saved_all(file)) != -1)
		v = saved;
	else if (v != 0 && rpfilter_save_all(file, v, cause) == -1)
		return (-1);
	if (v == 0) {
		if (file != NULL)
			(void)unlink(file);
		return (0);
	}
	if (rpfilter_write(s->path, 0) == -1) {
		*cause = nl_error(s->path);
		return (-1);
	}
	s->old = v;
	s->changed = 1;
	return (0);
}

/* Turn off reverse-path filtering on "all" and ifname. */
int
rpfilter_disable(const char *ifname, const char *file, const char **cause)
{
	size_t	len = strlen(ifname);

	/* The name becomes a path component. */
	if (len == 0 || len >= IFNAMSIZ || strchr(ifname, '/') != NULL ||
	    strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0) {
		*cause = "rp_filter: bad interface name";
		return (-1);
	}
	rpfilter_file = file;
	if (rpfilter_clear(&rpfilter_saved[0], "all", file, cause) == -1 ||
	    rpfilter_clear(&rpfilter_saved[1], ifname, NULL, cause) == -1)
		return (-1);
	return (0);
}

/* Put back the rp_filter values rpfilter_disable() changed. */
void
rpfilter_restore(void)
{
	size_t	i;

	for (i = 0; i < sizeof(rpfilter_saved) / sizeof(rpfilter_saved[0]);
	    i++) {
		if (!rpfilter_saved[i].changed)
			continue;
		/* The interface may be gone already; nothing to restore. */
		(void)rpfilter_write(rpfilter_saved[i].path,
		    rpfilter_saved[i].old);
		rpfilter_saved[i].changed = 0;
	}
	if (rpfilter_file != NULL)
		(void)unlink(rpfilter_file);
	rpfilter_file = NULL;
}

/* Put back "all" as a killed run saved it in file; see netlink.h. */
int
rpfilter_restore_saved(const char *file, const char **cause)
{
	int	v;

	if ((v = rpfilter_saved_all(file)) == -1)
		return (-1);
	if (rpfilter_write("/proc/sys/net/ipv4/conf/all/rp_filter", v) == -1) {
		*cause = nl_error("/proc/sys/net/ipv4/conf/all/rp_filter");
		return (-2);
	}
	(void)unlink(file);
	return (v);
}
