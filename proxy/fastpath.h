/*
 * fastpath: the eBPF fast path's loader and its maps (FASTPATH.md).
 *
 * Two tc programs (bpf/fastpath.bpf.c) move the packets of paths the
 * daemon already vouches for, without waking it:
 *   egress, on the TUN:   SCTP to (peer, lport, pport, ptag) -> push the
 *                         8-byte UDP header (our port -> udp_port) and
 *                         redirect to the uplink the route names;
 *   ingress, on uplinks:  UDP to our port from (peer, udp_port) carrying
 *                         SCTP (lport, pport, ltag) -> pull the UDP header
 *                         and redirect into the TUN's ingress.
 * Anything else (a miss, INIT and handshake chunks, ABORT, SHUTDOWN, IP
 * options or extension headers, fragments, GSO, a path MTU the packet does
 * not fit) passes untouched: the daemon sees it as without a fast path.
 *
 * The daemon stays the one truth.  It installs a path (a slot) once the
 * path's association is established and its port known, updates it when a
 * tag or the port moves, removes it when the association goes, and reads
 * each slot's counters back every second (fastpath_fold) so its table sees
 * every packet.  Slots are numbered 1..capacity; 0 means none.
 *
 * Without libbpf at build time every call fails with the reason.
 */
#ifndef SCTPTUN_FASTPATH_H
#define SCTPTUN_FASTPATH_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct fastpath;

/* What the programs match and write for one path (one transport). */
struct fastpath_path {
	struct ipaddr	peer;		/* the peer's address of the path */
	uint16_t	lport;		/* SCTP port of the local endpoint */
	uint16_t	pport;		/* SCTP port of the peer */
	uint32_t	ltag;		/* tag packets from the peer carry */
	uint32_t	ptag;		/* tag packets to the peer carry */
	uint16_t	udp_port;	/* the peer's UDP port on this path */
};

/* Packets and bytes (SCTP, without the UDP header) a slot moved. */
struct fastpath_counts {
	uint64_t	rx_packets, rx_bytes;	/* decapsulated into the TUN */
	uint64_t	tx_packets, tx_bytes;	/* encapsulated from the TUN */
};

/* Why the programs passed packets to the daemon, and their failures. */
#define FASTPATH_STATS(X)						\
	X(fastpath_rx_packets,	"datagrams decapsulated into the TUN "	\
	    "by the fast path")						\
	X(fastpath_tx_packets,	"packets encapsulated by the fast path") \
	X(fastpath_rx_miss,	"datagrams to our port of no fast path "	\
	    "entry, passed to the daemon")				\
	X(fastpath_rx_punt,	"datagrams passed to the daemon: "	\
	    "fragment, GSO, IP options or extensions, not for a local "	\
	    "address, or a chunk the daemon must see")			\
	X(fastpath_tx_miss,	"TUN packets of no fast path entry, "	\
	    "passed to the daemon")					\
	X(fastpath_tx_punt,	"TUN packets passed to the daemon: "	\
	    "options, GSO, no route, path MTU, or a chunk the daemon "	\
	    "must see")							\
	X(fastpath_errors,	"packets a helper failed on, passed to "	\
	    "the daemon")

#define FASTPATH_STAT_FIELD(name, desc)	uint64_t name;
struct fastpath_stats {
	FASTPATH_STATS(FASTPATH_STAT_FIELD)
};
#undef FASTPATH_STAT_FIELD

/* 1 if this binary was built with the fast path. */
int	fastpath_built(void);

/*
 * Detach the programs a run killed earlier left on this namespace's links
 * (ours are recognised by their tc handle and priority and program name).
 * Call at start, before fastpath_open(), and after fastpath_close() at
 * exit; idempotent.  Returns how many were removed, -1 on error.
 */
int	fastpath_detach_stale(void);

/*
 * Load the programs and create the maps (capacity slots), attach egress
 * to the TUN (tun_ifindex) and ingress to every other link of the
 * namespace but lo.  udp_port is our UDP port (host order).  On failure
 * returns NULL and writes why (kernel or privilege reason) into why.
 * It also turns forwarding on (net.ipv4/ipv6.conf.<tun>.forwarding: the
 * programs' route lookups are made as from the TUN) and GSO off on the
 * TUN.  Ingress goes on Ethernet links only.  Map updates after a
 * privilege drop need CAP_BPF on kernels before 5.19 when
 * kernel.unprivileged_bpf_disabled is set.
 */
struct fastpath *fastpath_open(unsigned int tun_ifindex, uint16_t udp_port,
	    uint32_t capacity, char *why, size_t whylen);
/* Detach and unload everything. */
void	fastpath_close(struct fastpath *);
/* Attach ingress to links that appeared since and pass the TUN's MTU on
 * to the programs; cheap, call every second.  Returns how many were
 * attached, -1 on error. */
int	fastpath_links(struct fastpath *);

/* Install a path; its slot (>= 1), or 0 if the fast path is full or the
 * kernel refused (counted in fastpath_refused()). */
uint32_t fastpath_add(struct fastpath *, const struct fastpath_path *);
/* Change an installed path (a tag or the port moved); its counters go
 * on.  -1 if the kernel refused: the slot is then removed. */
int	fastpath_update(struct fastpath *, uint32_t slot,
	    const struct fastpath_path *);
/* The path a slot holds. */
const struct fastpath_path *fastpath_get(const struct fastpath *,
	    uint32_t slot);
/* Remove a path; *last gets the counts not folded yet (may be NULL). */
void	fastpath_del(struct fastpath *, uint32_t slot,
	    struct fastpath_counts *last);
/* The counts of a slot since the last fold (or its install). */
int	fastpath_fold(struct fastpath *, uint32_t slot,
	    struct fastpath_counts *delta);

uint32_t fastpath_capacity(const struct fastpath *);
uint32_t fastpath_used(const struct fastpath *);
/* Installs the kernel refused. */
uint64_t fastpath_refused(const struct fastpath *);
/* The programs' counters, summed over CPUs. */
void	fastpath_stats(struct fastpath *, struct fastpath_stats *);

#endif
