/*
 * fastpath_maps: the keys, values and counters the fast path's programs
 * (bpf/fastpath.bpf.c) and their loader (proxy/fastpath.c) share.
 *
 * Ports, tags and addresses are kept in network order, as on the wire, so
 * that the programs copy them from the packet without swapping.  IPv4
 * addresses fill the first 4 bytes of peer[]; the rest stays zero, as in
 * struct ipaddr.
 */
#ifndef SCTPTUN_FASTPATH_MAPS_H
#define SCTPTUN_FASTPATH_MAPS_H

#include <linux/types.h>

/* Program names: fastpath_detach_stale() recognises ours by them (the
 * kernel keeps 15 characters). */
#define FP_PROG_EGRESS		"sctptun_egress"
#define FP_PROG_INGRESS		"sctptun_ingress"

/* tc handle and priority of our filters: 0x9899 like the default UDP port,
 * table and rule priority, so "tc filter show" tells them at a glance. */
#define FP_TC_HANDLE		0x9899
#define FP_TC_PRIORITY		0x9899

/* Egress, TUN -> UDP: a packet to (peer, pport) from lport carrying ptag. */
struct fp_tx_key {
	__u8	family;		/* AF_INET or AF_INET6 */
	__u8	pad[3];		/* zero */
	__u32	ptag;
	__u16	lport;
	__u16	pport;
	__u8	peer[16];
};

struct fp_tx_val {
	__u32	slot;
	__u16	udp_port;	/* the peer's UDP port */
	__u16	pad;
};

/* Ingress, UDP -> TUN: a datagram from (peer, udp_port) carrying SCTP from
 * pport to lport with ltag. */
struct fp_rx_key {
	__u8	family;
	__u8	pad;		/* zero */
	__u16	udp_port;
	__u16	lport;
	__u16	pport;
	__u32	ltag;
	__u8	peer[16];
};

struct fp_rx_val {
	__u32	slot;
};

/* Per slot and per CPU; bytes are SCTP bytes (no IP or UDP header). */
struct fp_counts {
	__u64	rx_packets, rx_bytes;
	__u64	tx_packets, tx_bytes;
};

/* What may change while the programs run, in fp_config[0]. */
struct fp_config {
	__u32	tun_mtu;	/* the TUN's MTU: bigger packets are punted,
				 * redirecting them into the TUN drops them */
};

/* Indexes of the global per-CPU counters: the order of FASTPATH_STATS in
 * proxy/fastpath.h (the loader checks the count). */
enum fp_stat {
	FP_STAT_RX_PACKETS,
	FP_STAT_TX_PACKETS,
	FP_STAT_RX_MISS,
	FP_STAT_RX_PUNT,
	FP_STAT_TX_MISS,
	FP_STAT_TX_PUNT,
	FP_STAT_ERRORS,
	FP_STAT_MAX
};

/* Bytes of the checksum scratch buffer (bpf_csum_diff's limit). */
#define FP_CSUM_CHUNK		512

#endif
