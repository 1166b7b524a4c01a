/*
 * fastpath: loads the eBPF fast path (bpf/fastpath.bpf.c), attaches it
 * with tc and keeps its maps in step with the daemon's slots.
 *
 * Four visible steps: open the skeleton and size its maps, load (the
 * verifier), prepare the TUN (forwarding on for the programs' route
 * lookups, GSO off), attach (clsact + one filter per hook, recognised by
 * FP_TC_HANDLE, FP_TC_PRIORITY and the program's name).  Filters attached
 * over netlink outlive the process: fastpath_close() and
 * fastpath_detach_stale() take them away; the clsact qdiscs stay, as
 * another tool may use them.
 *
 * Slots: 1..capacity, handed out from a free list, then from the high
 * water mark, so that memory follows what is in use.  Each slot keeps the
 * keys it installed, so that update and delete remove exactly those, and
 * the counters it last folded, so that folds return deltas without ever
 * writing to the counters the programs increment.
 */
#include <sys/types.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath.h"

#ifndef HAVE_BPF

int
fastpath_built(void)
{
	return (0);
}

int
fastpath_detach_stale(void)
{
	return (0);
}

struct fastpath *
fastpath_open(unsigned int tun_ifindex, uint16_t udp_port, uint32_t capacity,
    char *why, size_t whylen)
{
	snprintf(why, whylen, "built without the fast path (configure found "
	    "no clang/libbpf/bpftool, or --disable-bpf)");
	errno = ENOTSUP;
	return (NULL);
}

void
fastpath_close(struct fastpath *fp)
{
}

int
fastpath_links(struct fastpath *fp)
{
	return (0);
}

uint32_t
fastpath_add(struct fastpath *fp, const struct fastpath_path *path)
{
	return (0);
}

int
fastpath_update(struct fastpath *fp, uint32_t slot,
    const struct fastpath_path *path)
{
	return (-1);
}

const struct fastpath_path *
fastpath_get(const struct fastpath *fp, uint32_t slot)
{
	return (NULL);
}

void
fastpath_del(struct fastpath *fp, uint32_t slot, struct fastpath_counts *last)
{
	if (last != NULL)
		memset(last, 0, sizeof(*last));
}

int
fastpath_fold(struct fastpath *fp, uint32_t slot,
    struct fastpath_counts *delta)
{
	memset(delta, 0, sizeof(*delta));
	return (-1);
}

uint32_t
fastpath_capacity(const struct fastpath *fp)
{
	return (0);
}

uint32_t
fastpath_used(const struct fastpath *fp)
{
	return (0);
}

uint64_t
fastpath_refused(const struct fastpath *fp)
{
	return (0);
}

void
fastpath_stats(struct fastpath *fp, struct fastpath_stats *st)
{
	memset(st, 0, sizeof(*st));
}

#else /* HAVE_BPF */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>		/* before the linux/ headers */
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/pkt_cls.h>
#include <linux/sockios.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "fastpath_maps.h"
#include "fastpath.skel.h"

/* The same counters in the same order on both sides. */
#define FASTPATH_STAT_ONE(name, desc)	+ 1
_Static_assert((0 FASTPATH_STATS(FASTPATH_STAT_ONE)) == FP_STAT_MAX,
    "FASTPATH_STATS and enum fp_stat differ");
#undef FASTPATH_STAT_ONE
_Static_assert(sizeof(struct fastpath_stats) == FP_STAT_MAX *
    sizeof(uint64_t), "struct fastpath_stats is not FP_STAT_MAX counters");

struct fp_slot {
	struct fastpath_path	path;
	struct fp_tx_key	tx;
	struct fp_rx_key	rx;
	struct fastpath_counts	folded;		/* sums at the last fold */
	uint32_t		next_free;	/* when not in use */
	int			used;
};

struct fastpath {
	struct fastpath_bpf	*skel;
	unsigned int		 tun_ifindex;
	uint16_t		 udp_port;
	uint32_t		 capacity;
	uint32_t		 used;
	uint64_t		 refused;

	struct fp_slot		*slots;		/* [0] unused */
	uint32_t		 nslots;	/* allocated, with [0] */
	uint32_t		 high;		/* slots 1..high handed out once */
	uint32_t		 free_head;	/* 0: empty */

	int			 ncpu;
	void			*percpu;	/* ncpu values of the largest */
	size_t			 percpu_len;

	uint32_t		 egress_id, ingress_id;	/* program ids */
};

/* libbpf's warnings (the verifier's log among them) into ours. */
static int
fastpath_libbpf_print(enum libbpf_print_level level, const char *fmt,
    va_list ap)
{
	char	buf[512];
	size_t	n;

	if (level == LIBBPF_DEBUG)
		return (0);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	/* Debug only: the caller says what failed and why in one line
	 * ("fastpath = auto" falls back with exactly one); libbpf's own
	 * account (a whole verifier log on a refused load, the kernel's
	 * extack on an expected refusal) is for -v. */
	log_debug("libbpf: %s", buf);
	return (0);
}

int
fastpath_built(void)
{
	return (1);
}

/* The name of program id, or "" if it is gone. */
static void
fastpath_prog_name(uint32_t id, char *name, size_t len)
{
	struct bpf_prog_info	info;
	uint32_t		ilen = sizeof(info);
	int			fd;

	name[0] = '\0';
	if ((fd = bpf_prog_get_fd_by_id(id)) < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) == 0)
		snprintf(name, len, "%s", info.name);
	close(fd);
}

/*
 * Detach our filter from one hook of ifindex if it is there and, with
 * want_id set, runs that program, else any program of ours by name.
 * 1 if detached, 0 if none, -1 on error.
 */
static int
fastpath_detach_hook(int ifindex, enum bpf_tc_attach_point point,
    uint32_t want_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
	    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE,
	    .priority = FP_TC_PRIORITY);
	char	name[BPF_OBJ_NAME_LEN];

	if (bpf_tc_query(&hook, &opts) != 0)
		return (0);		/* no clsact, or no filter there */
	if (want_id != 0) {
		if (opts.prog_id != want_id)
			return (0);
	} else {
		fastpath_prog_name(opts.prog_id, name, sizeof(name));
		if (strcmp(name, point == BPF_TC_EGRESS ? FP_PROG_EGRESS :
		    FP_PROG_INGRESS) != 0)
			return (0);	/* someone else's at our handle */
	}
	opts.prog_id = 0;
	opts.prog_fd = 0;
	opts.flags = 0;
	if (bpf_tc_detach(&hook, &opts) != 0 && errno != ENOENT)
		return (-1);
	return (1);
}

/* Detach ours from every link of the namespace: by program id if ids are
 * given, else by name.  How many were removed, -1 if one failed. */
static int
fastpath_detach_all(uint32_t egress_id, uint32_t ingress_id)
{
	struct if_nameindex	*ifs, *i;
	int			 n = 0, r, failed = 0;

	if ((ifs = if_nameindex()) == NULL)
		return (-1);
	for (i = ifs; i->if_index != 0; i++) {
		r = fastpath_detach_hook(i->if_index, BPF_TC_EGRESS,
		    egress_id);
		failed |= r < 0;
		n += r > 0;
		r = fastpath_detach_hook(i->if_index, BPF_TC_INGRESS,
		    ingress_id);
		failed |= r < 0;
		n += r > 0;
	}
	if_freenameindex(ifs);
	return (failed ? -1 : n);
}

int
fastpath_detach_stale(void)
{
	libbpf_set_print(fastpath_libbpf_print);
	return (fastpath_detach_all(0, 0));
}

/* What an operator should read for an errno of the bpf() calls. */
static const char *
fastpath_bpf_hint(int err)
{
	if (err == EPERM || err == EACCES)
		return (" (loading needs CAP_BPF, CAP_PERFMON and "
		    "CAP_NET_ADMIN)");
	if (err == ENOSYS)
		return (" (kernel without CONFIG_BPF_SYSCALL)");
	if (err == EINVAL || err == E2BIG)
		return (" (kernel too old? the fast path needs 5.10 or later)");
	return ("");
}

/* Write value to /proc/sys/net/<family>/conf/<ifname>/<key>. */
static int
fastpath_sysctl(const char *family, const char *ifname, const char *key,
    const char *value)
{
	char	path[128];
	int	fd, ok;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family,
	    ifname, key);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return (-1);
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	close(fd);
	return (ok ? 0 : -1);
}

/*
 * What the programs need of the TUN.  Forwarding on: bpf_fib_lookup
 * refuses input lookups from a device without it, and the programs look
 * routes up as from the TUN (the uplinks may not forward).  On the TUN it
 * forwards nothing new: only the daemon and the ingress program put
 * packets there, all for local addresses.  GSO off: adjust_room refuses
 * SCTP GSO skbs, and SCTP builds them only where the device offers GSO.
 */
static int
fastpath_prepare_tun(unsigned int ifindex, char *why, size_t whylen)
{
	struct ethtool_value	ev;
	struct ifreq		ifr;
	char			name[IF_NAMESIZE];
	int			s, r;

	if (if_indextoname(ifindex, name) == NULL) {
		snprintf(why, whylen, "TUN ifindex %u: %s", ifindex,
		    strerror(errno));
		return (-1);
	}
	if (fastpath_sysctl("ipv4", name, "forwarding", "1\n") == -1) {
		snprintf(why, whylen, "net.ipv4.conf.%s.forwarding=1: %s",
		    name, strerror(errno));
		return (-1);
	}
	/* A kernel without IPv6 (or with it disabled) has no such file. */
	(void)fastpath_sysctl("ipv6", name, "forwarding", "1\n");

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return (-1);
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	memset(&ev, 0, sizeof(ev));
	ev.cmd = ETHTOOL_SGSO;
	ev.data = 0;
	ifr.ifr_data = (void *)&ev;
	r = ioctl(s, SIOCETHTOOL, &ifr);
	close(s);
	if (r == -1) {
		snprintf(why, whylen, "turning GSO off on %s: %s", name,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* Attach prog to one hook of ifindex; 0, or -1 with why. */
static int
fastpath_attach_hook(int ifindex, enum bpf_tc_attach_point point,
    const struct bpf_program *prog, char *why, size_t whylen)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
	    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE,
	    .priority = FP_TC_PRIORITY, .flags = BPF_TC_F_REPLACE,
	    .prog_fd = bpf_program__fd(prog));
	char	name[IF_NAMESIZE];
	int	r;

	if (if_indextoname(ifindex, name) == NULL)
		snprintf(name, sizeof(name), "#%d", ifindex);
	r = bpf_tc_hook_create(&hook);
	if (r != 0 && r != -EEXIST) {
		snprintf(why, whylen, "no clsact qdisc on %s: %s%s", name,
		    strerror(-r), r == -ENOENT || r == -EOPNOTSUPP ?
		    " (sch_ingress module missing?)" : fastpath_bpf_hint(-r));
		return (-1);
	}
	if ((r = bpf_tc_attach(&hook, &opts)) != 0) {
		snprintf(why, whylen, "attaching %s to %s: %s%s",
		    bpf_program__name(prog), name, strerror(-r),
		    r == -ENOENT || r == -EOPNOTSUPP ?
		    " (cls_bpf module missing?)" : fastpath_bpf_hint(-r));
		return (-1);
	}
	return (0);
}

/* 1 for a link the ingress program belongs on: Ethernet (it expects a
 * 14-byte header in front of IP), not loopback, not the TUN. */
static int
fastpath_uplink(const struct fastpath *fp, unsigned int ifindex,
    const char *name)
{
	struct ifreq	ifr;
	int		s, r;

	if (ifindex == fp->tun_ifindex || strlen(name) >= IFNAMSIZ)
		return (0);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	r = ioctl(s, SIOCGIFHWADDR, &ifr) == 0 &&
	    ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
	close(s);
	return (r);
}

/* Tell the ingress program the TUN's MTU (it may have changed). */
static int
fastpath_tun_mtu(struct fastpath *fp)
{
	struct fp_config	cfg;
	struct ifreq		ifr;
	uint32_t		zero = 0;
	int			s, r;

	memset(&ifr, 0, sizeof(ifr));
	if (if_indextoname(fp->tun_ifindex, ifr.ifr_name) == NULL)
		return (-1);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	r = ioctl(s, SIOCGIFMTU, &ifr);
	close(s);
	if (r == -1)
		return (-1);
	memset(&cfg, 0, sizeof(cfg));
	cfg.tun_mtu = (uint32_t)ifr.ifr_mtu;
	return (bpf_map_update_elem(bpf_map__fd(fp->skel->maps.fp_config),
	    &zero, &cfg, BPF_ANY) == 0 ? 0 : -1);
}

int
fastpath_links(struct fastpath *fp)
{
	struct if_nameindex	*ifs, *i;
	char			 why[256];
	int			 n = 0, failed = 0;

	if (fastpath_tun_mtu(fp) == -1)
		log_warn("fast path: reading the TUN's MTU");
	if ((ifs = if_nameindex()) == NULL)
		return (-1);
	for (i = ifs; i->if_index != 0; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = i->if_index,
		    .attach_point = BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts,
		    .handle = FP_TC_HANDLE, .priority = FP_TC_PRIORITY);

		if (!fastpath_uplink(fp, i->if_index, i->if_name))
			continue;
		/* Already there (a link keeps its filter until it goes;
		 * a new link with a reused index has none). */
		if (bpf_tc_query(&hook, &opts) == 0 &&
		    opts.prog_id == fp->ingress_id)
			continue;
		if (fastpath_attach_hook(i->if_index, BPF_TC_INGRESS,
		    fp->skel->progs.sctptun_ingress, why, sizeof(why)) == -1) {
			log_warnx("fast path: %s", why);
			failed = 1;
			continue;
		}
		n++;
	}
	if_freenameindex(ifs);
	return (failed ? -1 : n);
}

/* The kernel's id of a loaded program. */
static uint32_t
fastpath_prog_id(const struct bpf_program *prog)
{
	struct bpf_prog_info	info;
	uint32_t		len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) != 0)
		return (0);
	return (info.id);
}

/* Open the skeleton, size the maps, set the constants, load. */
static int
fastpath_load(struct fastpath *fp, char *why, size_t whylen)
{
	struct fastpath_bpf	*skel;
	int			 r;

	libbpf_set_print(fastpath_libbpf_print);
	/* libbpf >= 1.0 raises RLIMIT_MEMLOCK itself where the kernel
	 * (< 5.11) still charges BPF memory to it. */
	if ((skel = fastpath_bpf__open()) == NULL) {
		snprintf(why, whylen, "no BPF: opening the programs: %s",
		    strerror(errno));
		return (-1);
	}
	fp->skel = skel;
	skel->rodata->fp_udp_port = htons(fp->udp_port);
	skel->rodata->fp_tun_ifindex = fp->tun_ifindex;
	if (bpf_map__set_max_entries(skel->maps.fp_tx, fp->capacity) != 0 ||
	    bpf_map__set_max_entries(skel->maps.fp_rx, fp->capacity) != 0 ||
	    bpf_map__set_max_entries(skel->maps.fp_counts,
	    fp->capacity + 1) != 0) {
		snprintf(why, whylen, "sizing the maps: %s", strerror(errno));
		return (-1);
	}
	if ((r = fastpath_bpf__load(skel)) != 0) {
		snprintf(why, whylen, "no BPF: loading the programs: %s%s",
		    strerror(-r), fastpath_bpf_hint(-r));
		return (-1);
	}
	fp->egress_id = fastpath_prog_id(skel->progs.sctptun_egress);
	fp->ingress_id = fastpath_prog_id(skel->progs.sctptun_ingress);
	return (0);
}

struct fastpath *
fastpath_open(unsigned int tun_ifindex, uint16_t udp_port, uint32_t capacity,
    char *why, size_t whylen)
{
	struct fastpath	*fp;

	if (capacity == 0 || capacity > (1U << 24)) {
		snprintf(why, whylen, "fast path capacity %u out of range",
		    capacity);
		return (NULL);
	}
	if ((fp = calloc(1, sizeof(*fp))) == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		return (NULL);
	}
	fp->tun_ifindex = tun_ifindex;
	fp->udp_port = udp_port;
	fp->capacity = capacity;
	if ((fp->ncpu = libbpf_num_possible_cpus()) <= 0) {
		snprintf(why, whylen, "cannot count the CPUs: %s",
		    strerror(-fp->ncpu));
		goto fail;
	}
	/* Per-CPU values are read and written as ncpu 8-byte aligned
	 * values: room for the largest, fp_counts. */
	fp->percpu_len = (size_t)fp->ncpu * sizeof(struct fp_counts);
	if ((fp->percpu = calloc(1, fp->percpu_len)) == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto fail;
	}
	if (fastpath_load(fp, why, whylen) == -1)
		goto fail;
	if (fastpath_prepare_tun(tun_ifindex, why, whylen) == -1)
		goto fail;
	if (fastpath_tun_mtu(fp) == -1) {
		snprintf(why, whylen, "reading the TUN's MTU: %s",
		    strerror(errno));
		goto fail;
	}
	if (fastpath_attach_hook(tun_ifindex, BPF_TC_EGRESS,
	    fp->skel->progs.sctptun_egress, why, whylen) == -1)
		goto fail;
	if (fastpath_links(fp) == -1) {
		snprintf(why, whylen, "attaching to the uplinks failed "
		    "(see the log)");
		goto fail;
	}
	return (fp);
fail:
	fastpath_close(fp);
	return (NULL);
}

void
fastpath_close(struct fastpath *fp)
{
	if (fp == NULL)
		return;
	if (fp->egress_id != 0 || fp->ingress_id != 0) {
		if (fastpath_detach_all(fp->egress_id, fp->ingress_id) == -1)
			log_warn("fast path: detaching the programs");
	}
	fastpath_bpf__destroy(fp->skel);
	free(fp->slots);
	free(fp->percpu);
	free(fp);
}

/* The keys of a path; -1 if the path is not one the programs can see. */
static int
fastpath_keys(const struct fastpath_path *path, struct fp_tx_key *tx,
    struct fp_rx_key *rx)
{
	size_t	alen;

	if (path->peer.family == AF_INET)
		alen = 4;
	else if (path->peer.family == AF_INET6)
		alen = 16;
	else
		return (-1);
	memset(tx, 0, sizeof(*tx));
	tx->family = path->peer.family;
	tx->ptag = htonl(path->ptag);
	tx->lport = htons(path->lport);
	tx->pport = htons(path->pport);
	memcpy(tx->peer, path->peer.u.bytes, alen);

	memset(rx, 0, sizeof(*rx));
	rx->family = path->peer.family;
	rx->udp_port = htons(path->udp_port);
	rx->lport = htons(path->lport);
	rx->pport = htons(path->pport);
	rx->ltag = htonl(path->ltag);
	memcpy(rx->peer, path->peer.u.bytes, alen);
	return (0);
}

static struct fp_slot *
fastpath_slot(const struct fastpath *fp, uint32_t slot)
{
	if (fp == NULL || slot == 0 || slot > fp->high ||
	    !fp->slots[slot].used)
		return (NULL);
	return (&fp->slots[slot]);
}

/* A free slot number, growing the table if needed; 0 if full. */
static uint32_t
fastpath_slot_alloc(struct fastpath *fp)
{
	struct fp_slot	*ns;
	uint32_t	 slot, n;

	if ((slot = fp->free_head) != 0) {
		fp->free_head = fp->slots[slot].next_free;
		return (slot);
	}
	if (fp->high >= fp->capacity)
		return (0);
	if (fp->high + 1 >= fp->nslots) {
		n = fp->nslots == 0 ? 64 : fp->nslots * 2;
		if (n > fp->capacity + 1)
			n = fp->capacity + 1;
		if ((ns = reallocarray(fp->slots, n, sizeof(*ns))) == NULL)
			return (0);
		memset(ns + fp->nslots, 0, (n - fp->nslots) * sizeof(*ns));
		fp->slots = ns;
		fp->nslots = n;
	}
	return (++fp->high);
}

static void
fastpath_slot_free(struct fastpath *fp, uint32_t slot)
{
	memset(&fp->slots[slot], 0, sizeof(fp->slots[slot]));
	fp->slots[slot].next_free = fp->free_head;
	fp->free_head = slot;
	fp->used--;
}

/* The counters of a slot summed over the CPUs. */
static int
fastpath_slot_sum(struct fastpath *fp, uint32_t slot,
    struct fastpath_counts *sum)
{
	const struct fp_counts	*c = fp->percpu;
	int			 i;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(bpf_map__fd(fp->skel->maps.fp_counts), &slot,
	    fp->percpu) != 0)
		return (-1);
	for (i = 0; i < fp->ncpu; i++) {
		sum->rx_packets += c[i].rx_packets;
		sum->rx_bytes += c[i].rx_bytes;
		sum->tx_packets += c[i].tx_packets;
		sum->tx_bytes += c[i].tx_bytes;
	}
	return (0);
}

uint32_t
fastpath_add(struct fastpath *fp, const struct fastpath_path *path)
{
	struct fp_tx_val	 txv;
	struct fp_rx_val	 rxv;
	struct fp_slot		*s;
	uint32_t		 slot;
	int			 txfd, rxfd;

	if (fp == NULL)
		return (0);
	if ((slot = fastpath_slot_alloc(fp)) == 0) {
		fp->refused++;
		return (0);
	}
	s = &fp->slots[slot];
	memset(s, 0, sizeof(*s));
	s->used = 1;
	fp->used++;
	if (fastpath_keys(path, &s->tx, &s->rx) == -1)
		goto refused;
	s->path = *path;

	/* Counters first: the programs count as soon as a key is in. */
	memset(fp->percpu, 0, fp->percpu_len);
	if (bpf_map_update_elem(bpf_map__fd(fp->skel->maps.fp_counts), &slot,
	    fp->percpu, BPF_ANY) != 0)
		goto refused;

	txfd = bpf_map__fd(fp->skel->maps.fp_tx);
	rxfd = bpf_map__fd(fp->skel->maps.fp_rx);
	memset(&txv, 0, sizeof(txv));
	txv.slot = slot;
	txv.udp_port = htons(path->udp_port);
	rxv.slot = slot;
	/* BPF_NOEXIST: a key another slot holds is a daemon bug, refused
	 * rather than stolen. */
	if (bpf_map_update_elem(txfd, &s->tx, &txv, BPF_NOEXIST) != 0)
		goto refused;
	if (bpf_map_update_elem(rxfd, &s->rx, &rxv, BPF_NOEXIST) != 0) {
		(void)bpf_map_delete_elem(txfd, &s->tx);
		goto refused;
	}
	return (slot);
refused:
	fastpath_slot_free(fp, slot);
	fp->refused++;
	return (0);
}

int
fastpath_update(struct fastpath *fp, uint32_t slot,
    const struct fastpath_path *path)
{
	struct fp_tx_key	 tx;
	struct fp_rx_key	 rx;
	struct fp_tx_val	 txv;
	struct fp_rx_val	 rxv;
	struct fp_slot		*s;
	int			 txfd, rxfd, newtx = 0, newrx = 0;

	if ((s = fastpath_slot(fp, slot)) == NULL)
		return (-1);
	txfd = bpf_map__fd(fp->skel->maps.fp_tx);
	rxfd = bpf_map__fd(fp->skel->maps.fp_rx);
	if (fastpath_keys(path, &tx, &rx) == -1)
		goto refused;
	memset(&txv, 0, sizeof(txv));
	txv.slot = slot;
	txv.udp_port = htons(path->udp_port);
	rxv.slot = slot;

	/* The new keys go in before the old ones go: packets of the path
	 * never miss in between.  The old ones are gone when this returns,
	 * so no packet to or from the old port is carried after. */
	if (memcmp(&tx, &s->tx, sizeof(tx)) == 0) {
		if (bpf_map_update_elem(txfd, &tx, &txv, BPF_EXIST) != 0)
			goto refused;
	} else {
		if (bpf_map_update_elem(txfd, &tx, &txv, BPF_NOEXIST) != 0)
			goto refused;
		newtx = 1;
	}
	if (memcmp(&rx, &s->rx, sizeof(rx)) != 0) {
		if (bpf_map_update_elem(rxfd, &rx, &rxv, BPF_NOEXIST) != 0)
			goto refused;
		newrx = 1;
	}
	if (newtx)
		(void)bpf_map_delete_elem(txfd, &s->tx);
	if (newrx)
		(void)bpf_map_delete_elem(rxfd, &s->rx);
	s->tx = tx;
	s->rx = rx;
	s->path = *path;
	return (0);
refused:
	if (newtx)
		(void)bpf_map_delete_elem(txfd, &tx);
	fp->refused++;
	fastpath_del(fp, slot, NULL);
	return (-1);
}

const struct fastpath_path *
fastpath_get(const struct fastpath *fp, uint32_t slot)
{
	struct fp_slot	*s;

	if ((s = fastpath_slot(fp, slot)) == NULL)
		return (NULL);
	return (&s->path);
}

void
fastpath_del(struct fastpath *fp, uint32_t slot, struct fastpath_counts *last)
{
	struct fp_slot	*s;

	if (last != NULL)
		memset(last, 0, sizeof(*last));
	if ((s = fastpath_slot(fp, slot)) == NULL)
		return;
	(void)bpf_map_delete_elem(bpf_map__fd(fp->skel->maps.fp_tx), &s->tx);
	(void)bpf_map_delete_elem(bpf_map__fd(fp->skel->maps.fp_rx), &s->rx);
	if (last != NULL)
		(void)fastpath_fold(fp, slot, last);
	fastpath_slot_free(fp, slot);
}

int
fastpath_fold(struct fastpath *fp, uint32_t slot,
    struct fastpath_counts *delta)
{
	struct fastpath_counts	 now;
	struct fp_slot		*s;

	memset(delta, 0, sizeof(*delta));
	if ((s = fastpath_slot(fp, slot)) == NULL)
		return (-1);
	if (fastpath_slot_sum(fp, slot, &now) == -1)
		return (-1);
	delta->rx_packets = now.rx_packets - s->folded.rx_packets;
	delta->rx_bytes = now.rx_bytes - s->folded.rx_bytes;
	delta->tx_packets = now.tx_packets - s->folded.tx_packets;
	delta->tx_bytes = now.tx_bytes - s->folded.tx_bytes;
	s->folded = now;
	return (0);
}

uint32_t
fastpath_capacity(const struct fastpath *fp)
{
	return (fp != NULL ? fp->capacity : 0);
}

uint32_t
fastpath_used(const struct fastpath *fp)
{
	return (fp != NULL ? fp->used : 0);
}

uint64_t
fastpath_refused(const struct fastpath *fp)
{
	return (fp != NULL ? fp->refused : 0);
}

void
fastpath_stats(struct fastpath *fp, struct fastpath_stats *st)
{
	const uint64_t	*v = fp != NULL ? fp->percpu : NULL;
	uint64_t	*out = (uint64_t *)st;
	uint32_t	 k;
	int		 i;

	memset(st, 0, sizeof(*st));
	if (fp == NULL)
		return;
	for (k = 0; k < FP_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(fp->skel->maps.fp_stats),
		    &k, fp->percpu) != 0)
			continue;
		for (i = 0; i < fp->ncpu; i++)
			out[k] += v[i];
	}
}

#endif /* HAVE_BPF */
