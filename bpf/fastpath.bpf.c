/*
 * fastpath.bpf: the kernel half of the eBPF fast path (FASTPATH.md).
 *
 * Two tc programs move the packets of paths the daemon installed without
 * waking it:
 *   sctptun_egress  on the TUN's egress: SCTP of an installed path gets the
 *                   8-byte UDP header RFC 6951 puts between IP and SCTP and
 *                   leaves by the uplink the kernel's route names;
 *   sctptun_ingress on every uplink's ingress: UDP to our port of an
 *                   installed path loses its UDP header and enters the TUN
 *                   as if the daemon had written it there.
 * Every other packet goes on untouched (TC_ACT_UNSPEC: the next filter,
 * if any, then the stack) and reaches the daemon as without a fast path.
 * Each decision to let a packet go on is counted (fp_stats); nothing is
 * ever dropped but a packet a helper broke half-way.
 *
 * Headers are read with bpf_skb_load_bytes and written with
 * bpf_skb_store_bytes rather than through packet pointers: the packets are
 * small, the copies cheap, non-linear skbs need no pulling and every
 * verifier since 5.3 accepts the bounds.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fastpath_maps.h"

#define FP_AF_INET		2
#define FP_AF_INET6		10
#define FP_IPPROTO_FRAGMENT	44
#define FP_IP_MF		0x2000
#define FP_IP_OFFSET		0x1fff

#define SCTP_HDRLEN		12
/* More chunks than this in one packet: the daemon looks at it. */
#define FP_MAX_CHUNKS		32
/* 64 KiB in FP_CSUM_CHUNK pieces: the checksum loop's bound. */
#define FP_CSUM_ROUNDS		(65536 / FP_CSUM_CHUNK)

/* Set by the loader before the programs load. */
const volatile __u16 fp_udp_port = 0;		/* network order */
const volatile __u32 fp_tun_ifindex = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);			/* the loader sets it */
	__type(key, struct fp_tx_key);
	__type(value, struct fp_tx_val);
} fp_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct fp_rx_key);
	__type(value, struct fp_rx_val);
} fp_rx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);			/* capacity + 1: slot 0 unused */
	__type(key, __u32);
	__type(value, struct fp_counts);
} fp_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} fp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_config);
} fp_config SEC(".maps");

/* The checksum's scratch: the stack (512 bytes in all) cannot hold it. */
struct fp_scratch {
	__u8	buf[FP_CSUM_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_scratch);
} fp_scratch SEC(".maps");

/* What the parsers learn of a packet. */
struct fp_pkt {
	__u32	l3;		/* offset of the IP header */
	__u32	l4;		/* offset of the header after it */
	__u32	l4len;		/* bytes from l4 to the end of the IP packet */
	__u8	family;
	__u8	tos;
	__u8	saddr[16];
	__u8	daddr[16];
	__u32	flowinfo;	/* IPv6: the first word, network order */
};

/* The first 4 bytes of an SCTP chunk. */
struct fp_chunk {
	__u8	type;
	__u8	flags;
	__u16	len;
};

/* The SCTP common header. */
struct fp_sctp {
	__u16	sport;
	__u16	dport;
	__u32	vtag;
	__u32	crc;
};

static __always_inline void
fp_stat(__u32 which)
{
	__u64	*v;

	if ((v = bpf_map_lookup_elem(&fp_stats, &which)) != NULL)
		*v += 1;
}

/* Chunks the daemon never needs to see: data, their acknowledgements,
 * heartbeats, ECN and PR-SCTP.  All the rest (handshake, ABORT, SHUTDOWN,
 * ERROR, ASCONF, AUTH, RE-CONFIG, unknown) is the daemon's to watch. */
static __always_inline int
fp_chunk_allowed(__u8 type)
{
	switch (type) {
	case 0:		/* DATA */
	case 3:		/* SACK */
	case 4:		/* HEARTBEAT */
	case 5:		/* HEARTBEAT-ACK */
	case 12:	/* ECNE */
	case 13:	/* CWR */
	case 16:	/* NR-SACK */
	case 64:	/* I-DATA */
	case 132:	/* PAD */
	case 192:	/* FORWARD-TSN */
	case 194:	/* I-FORWARD-TSN */
		return 1;
	}
	return 0;
}

/* 1 if the chunks from off tile the packet up to end exactly and each is
 * allowed.  Lengths are checked here only as far as the walk needs: the
 * kernel's SCTP (or the peer's) checks the rest, as it would anyway. */
static __always_inline int
fp_chunks_ok(struct __sk_buff *skb, __u32 off, __u32 end)
{
	struct fp_chunk	ch;
	__u32		len;
	int		i;

	if (off >= end)
		return 0;
	for (i = 0; i < FP_MAX_CHUNKS; i++) {
		if (off + sizeof(ch) > end)
			return 0;
		if (bpf_skb_load_bytes(skb, off, &ch, sizeof(ch)) != 0)
			return 0;
		if (!fp_chunk_allowed(ch.type))
			return 0;
		len = bpf_ntohs(ch.len);
		if (len < sizeof(ch))
			return 0;
		off += (len + 3) & ~3U;
		if (off == end)
			return 1;
		if (off > end)
			return 0;
	}
	return 0;
}

static __always_inline __u16
fp_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* One piece of the checksum: n bytes (a constant) at *done, if that many
 * are left. */
#define FP_CSUM_TAIL(n)							\
	if (len - done >= (n)) {					\
		if (bpf_skb_load_bytes(skb, off + done, s->buf, (n)))	\
			return -1;					\
		sum = bpf_csum_diff(NULL, 0, (__be32 *)s->buf, (n),	\
		    (__u32)sum);					\
		if (sum < 0)						\
			return -1;					\
		done += (n);						\
	}

/* The 32-bit one's complement sum of len bytes at off (a multiple of 4,
 * at most 64 KiB) added to seed; -1 if a helper failed.  512-byte pieces,
 * then constant-size tails, so that the verifier bounds every copy. */
static __always_inline __s64
fp_csum(struct __sk_buff *skb, __u32 off, __u32 len, __u32 seed)
{
	struct fp_scratch	*s;
	__u32			 zero = 0, done = 0;
	__s64			 sum = seed;
	int			 i;

	if ((len & 3) != 0 || len > 65535)
		return -1;
	if ((s = bpf_map_lookup_elem(&fp_scratch, &zero)) == NULL)
		return -1;
	for (i = 0; i < FP_CSUM_ROUNDS; i++) {
		if (len - done < FP_CSUM_CHUNK)
			break;
		if (bpf_skb_load_bytes(skb, off + done, s->buf,
		    FP_CSUM_CHUNK) != 0)
			return -1;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)s->buf, FP_CSUM_CHUNK,
		    (__u32)sum);
		if (sum < 0)
			return -1;
		done += FP_CSUM_CHUNK;
	}
	FP_CSUM_TAIL(256)
	FP_CSUM_TAIL(128)
	FP_CSUM_TAIL(64)
	FP_CSUM_TAIL(32)
	FP_CSUM_TAIL(16)
	FP_CSUM_TAIL(8)
	FP_CSUM_TAIL(4)
	return sum;
}

/* The UDP pseudo-header and header, laid out for one bpf_csum_diff. */
struct fp_pseudo4 {
	__u8	saddr[4];
	__u8	daddr[4];
	__u8	zero;
	__u8	proto;
	__u16	len;
	struct udphdr udp;
};

struct fp_pseudo6 {
	__u8	saddr[16];
	__u8	daddr[16];
	__u32	len;
	__u8	zero[3];
	__u8	proto;
	struct udphdr udp;
};

/* The one's complement sum of the pseudo-header and the UDP header udp
 * (its check field as it is) plus payload, a partial sum; -1 on error. */
static __always_inline __s64
fp_udp_sum(const struct fp_pkt *p, const struct udphdr *udp, __s64 payload)
{
	struct fp_pseudo4	ph4 = {};
	struct fp_pseudo6	ph6 = {};

	if (payload < 0)
		return -1;
	if (p->family == FP_AF_INET) {
		__builtin_memcpy(ph4.saddr, p->saddr, 4);
		__builtin_memcpy(ph4.daddr, p->daddr, 4);
		ph4.proto = IPPROTO_UDP;
		ph4.len = udp->len;
		ph4.udp = *udp;
		return bpf_csum_diff(NULL, 0, (__be32 *)&ph4, sizeof(ph4),
		    (__u32)payload);
	}
	__builtin_memcpy(ph6.saddr, p->saddr, 16);
	__builtin_memcpy(ph6.daddr, p->daddr, 16);
	ph6.len = bpf_htonl(bpf_ntohs(udp->len));
	ph6.proto = IPPROTO_UDP;
	ph6.udp = *udp;
	return bpf_csum_diff(NULL, 0, (__be32 *)&ph6, sizeof(ph6),
	    (__u32)payload);
}

/*
 * 1 if udp's check field holds what a stack of this host leaves in a
 * CHECKSUM_PARTIAL datagram for the device to finish: the pseudo-header's
 * sum alone, folded (udp4_hwcsum, udp_set_csum, udp6_hwcsum_outgoing).  A
 * peer in another namespace of this host, over a veth, sends those.
 */
static __always_inline int
fp_udp_partial(const struct fp_pkt *p, const struct udphdr *udp)
{
	struct fp_pseudo4	ph4 = {};
	struct fp_pseudo6	ph6 = {};
	__s64			sum;

	if (p->family == FP_AF_INET) {
		__builtin_memcpy(ph4.saddr, p->saddr, 4);
		__builtin_memcpy(ph4.daddr, p->daddr, 4);
		ph4.proto = IPPROTO_UDP;
		ph4.len = udp->len;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)&ph4, sizeof(ph4), 0);
	} else {
		__builtin_memcpy(ph6.saddr, p->saddr, 16);
		__builtin_memcpy(ph6.daddr, p->daddr, 16);
		ph6.len = bpf_htonl(bpf_ntohs(udp->len));
		ph6.proto = IPPROTO_UDP;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)&ph6, sizeof(ph6), 0);
	}
	return sum >= 0 && udp->check == fp_fold(sum);
}

/* Verdicts of the parsers. */
enum fp_verdict {
	FP_NOT_OURS,	/* nothing to count: not a packet of ours at all */
	FP_PUNT,	/* ours, but the daemon must see it */
	FP_MISS,	/* no installed path */
	FP_ERROR,	/* a helper failed */
	FP_HIT,
};

/*
 * The IP header at p->l3 with the next protocol proto directly after it:
 * IPv4 without options and not a fragment, IPv6 without extension
 * headers.  Fills p; FP_HIT, FP_PUNT or FP_NOT_OURS (another protocol).
 * skb_len: the bytes from l3 on; the IP length may be shorter (Ethernet
 * padding) but never longer.
 */
static __always_inline int
fp_parse_ip(struct __sk_buff *skb, struct fp_pkt *p, __u8 proto)
{
	__u32	skb_len = skb->len - p->l3, iplen;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr	ip;

		if (bpf_skb_load_bytes(skb, p->l3, &ip, sizeof(ip)) != 0)
			return FP_NOT_OURS;
		if (ip.version != 4 || ip.protocol != proto)
			return FP_NOT_OURS;
		if (ip.ihl != 5 ||
		    (ip.frag_off & bpf_htons(FP_IP_MF | FP_IP_OFFSET)) != 0)
			return FP_PUNT;
		iplen = bpf_ntohs(ip.tot_len);
		if (iplen < sizeof(ip) || iplen > skb_len)
			return FP_PUNT;
		p->family = FP_AF_INET;
		p->tos = ip.tos;
		__builtin_memcpy(p->saddr, &ip.saddr, 4);
		__builtin_memcpy(p->daddr, &ip.daddr, 4);
		p->l4 = p->l3 + sizeof(ip);
		p->l4len = iplen - sizeof(ip);
		return FP_HIT;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr	ip6;

		if (bpf_skb_load_bytes(skb, p->l3, &ip6, sizeof(ip6)) != 0)
			return FP_NOT_OURS;
		if (ip6.version != 6)
			return FP_NOT_OURS;
		if (ip6.nexthdr != proto)
			return FP_NOT_OURS;
		iplen = sizeof(ip6) + bpf_ntohs(ip6.payload_len);
		if (iplen > skb_len)
			return FP_PUNT;
		p->family = FP_AF_INET6;
		__builtin_memcpy(&p->flowinfo, &ip6, 4);
		__builtin_memcpy(p->saddr, &ip6.saddr, 16);
		__builtin_memcpy(p->daddr, &ip6.daddr, 16);
		p->l4 = p->l3 + sizeof(ip6);
		p->l4len = iplen - sizeof(ip6);
		return FP_HIT;
	}
	return FP_NOT_OURS;
}

/* Rewrite the IP header at p->l3 for a new protocol and a payload
 * grown or shrunk by diff bytes.  The IPv4 header checksum is computed
 * anew: the header's one's complement sum then stays what it was, so a
 * CHECKSUM_COMPLETE skb->csum stays right.  IPv6 has no header checksum:
 * skb->csum gets the difference (bpf_csum_update only acts on
 * CHECKSUM_COMPLETE).  0, or -1 if a helper failed. */
static __always_inline int
fp_rewrite_ip(struct __sk_buff *skb, const struct fp_pkt *p, __u8 proto,
    int diff)
{
	if (p->family == FP_AF_INET) {
		struct iphdr	ip;
		__s64		sum;

		if (bpf_skb_load_bytes(skb, p->l3, &ip, sizeof(ip)) != 0)
			return -1;
		ip.tot_len = bpf_htons(bpf_ntohs(ip.tot_len) + diff);
		ip.protocol = proto;
		ip.check = 0;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)&ip, sizeof(ip), 0);
		if (sum < 0)
			return -1;
		ip.check = ~fp_fold(sum);
		return bpf_skb_store_bytes(skb, p->l3, &ip, sizeof(ip), 0) ?
		    -1 : 0;
	} else {
		__u32	old[2], new[2];
		__s64	d;
		__u16	plen;

		if (bpf_skb_load_bytes(skb, p->l3, old, sizeof(old)) != 0)
			return -1;
		new[0] = old[0];
		new[1] = old[1];
		/* payload_len, then next header, then hop limit */
		__builtin_memcpy(&plen, (__u8 *)new + 4, 2);
		plen = bpf_htons(bpf_ntohs(plen) + diff);
		__builtin_memcpy((__u8 *)new + 4, &plen, 2);
		((__u8 *)new)[6] = proto;
		d = bpf_csum_diff(&old[1], 4, &new[1], 4, 0);
		if (d < 0)
			return -1;
		if (bpf_skb_store_bytes(skb, p->l3 + 4, &new[1], 4, 0) != 0)
			return -1;
		bpf_csum_update(skb, (__u32)d);
		return 0;
	}
}

static __always_inline void
fp_count(__u32 slot, int rx, __u32 bytes)
{
	struct fp_counts	*c;

	if ((c = bpf_map_lookup_elem(&fp_counts, &slot)) == NULL)
		return;
	if (rx) {
		c->rx_packets++;
		c->rx_bytes += bytes;
	} else {
		c->tx_packets++;
		c->tx_bytes += bytes;
	}
}

/* A route lookup for a UDP packet like p, as if it came from the TUN:
 * forwarding is on there (the loader sees to it), not necessarily on the
 * uplinks, and bpf_fib_lookup refuses input lookups from a device that
 * does not forward. */
static __always_inline void
fp_fib_params(struct bpf_fib_lookup *fib, const struct fp_pkt *p,
    __u16 sport, __u16 dport)
{
	fib->family = p->family;
	fib->l4_protocol = IPPROTO_UDP;
	fib->sport = sport;
	fib->dport = dport;
	fib->ifindex = fp_tun_ifindex;
	if (p->family == FP_AF_INET) {
		fib->tos = p->tos;
		__builtin_memcpy(&fib->ipv4_src, p->saddr, 4);
		__builtin_memcpy(&fib->ipv4_dst, p->daddr, 4);
	} else {
		fib->flowinfo = p->flowinfo & bpf_htonl(0x0fffffff);
		__builtin_memcpy(fib->ipv6_src, p->saddr, 16);
		__builtin_memcpy(fib->ipv6_dst, p->daddr, 16);
	}
}

/* 1 for the IPv6 extension headers a packet of ours may carry. */
static __always_inline int
fp_ipv6_ext(__u8 nexthdr)
{
	return nexthdr == 0 || nexthdr == 43 || nexthdr == FP_IPPROTO_FRAGMENT ||
	    nexthdr == 60;	/* hop-by-hop, routing, fragment, destination */
}

/* A TUN packet fp_parse_ip turned down: SCTP behind IPv6 extension
 * headers is the daemon's to carry (a punt).  One header's look-ahead
 * tells it from what the kernel sends on any interface (MLD reports
 * behind a hop-by-hop header...), which is nobody's business here. */
static __always_inline int
fp_egress_odd(struct __sk_buff *skb)
{
	__u8	nexthdr, next2;

	if (skb->protocol != bpf_htons(ETH_P_IPV6) ||
	    bpf_skb_load_bytes(skb, offsetof(struct ipv6hdr, nexthdr),
	    &nexthdr, 1) != 0 || !fp_ipv6_ext(nexthdr) ||
	    bpf_skb_load_bytes(skb, sizeof(struct ipv6hdr), &next2, 1) != 0)
		return FP_NOT_OURS;
	if (next2 == IPPROTO_SCTP || fp_ipv6_ext(next2))
		return FP_PUNT;
	return FP_NOT_OURS;
}

/*
 * Egress: where the packet goes.  Fills fib (the uplink and next hop) and
 * *val.  The payload checksum (the SCTP bytes) in *payload_sum.
 */
static __always_inline int
fp_egress_classify(struct __sk_buff *skb, struct fp_pkt *p,
    struct fp_tx_val *val, struct bpf_fib_lookup *fib, __s64 *payload_sum)
{
	struct fp_tx_key	 key = {};
	struct fp_tx_val	*v;
	struct fp_sctp		 sh;
	int			 r;

	p->l3 = 0;			/* the TUN has no link-layer header */
	if ((r = fp_parse_ip(skb, p, IPPROTO_SCTP)) == FP_NOT_OURS)
		return fp_egress_odd(skb);
	if (r != FP_HIT)
		return r;
	if (p->l4 + p->l4len != skb->len || p->l4len < SCTP_HDRLEN)
		return FP_PUNT;
	if (bpf_skb_load_bytes(skb, p->l4, &sh, sizeof(sh)) != 0)
		return FP_PUNT;
	key.family = p->family;
	key.ptag = sh.vtag;
	key.lport = sh.sport;
	key.pport = sh.dport;
	__builtin_memcpy(key.peer, p->daddr, 16);
	if ((v = bpf_map_lookup_elem(&fp_tx, &key)) == NULL)
		return FP_MISS;
	*val = *v;
	/* SCTP builds GSO skbs only if the TUN offers GSO; the loader turns
	 * it off, but never trust it: adjust_room refuses SCTP GSO. */
	if (skb->gso_size != 0 || (p->l4len & 3) != 0)
		return FP_PUNT;
	if (!fp_chunks_ok(skb, p->l4 + SCTP_HDRLEN, p->l4 + p->l4len))
		return FP_PUNT;

	/* The outer packet's route, as the kernel would pick it for the
	 * daemon's UDP socket, with the final length so that a path MTU it
	 * does not fit turns it down. */
	fp_fib_params(fib, p, fp_udp_port, val->udp_port);
	fib->tot_len = (p->family == FP_AF_INET ? sizeof(struct iphdr) :
	    sizeof(struct ipv6hdr)) + sizeof(struct udphdr) + p->l4len;
	r = bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
	if (r < 0)
		return FP_ERROR;
	/* Anything but a route with a resolved neighbour is the daemon's:
	 * FRAG_NEEDED, unreachable, blackhole, a local destination (it
	 * answers with ICMP or drops as today), and NO_NEIGH too.
	 * bpf_redirect_neigh would queue the skb on an unresolved neighbour,
	 * but the skb still holds the TUN route's dst, and once resolved
	 * __neigh_update sends queued skbs through the neighbour of their
	 * dst: the TUN's, which writes no Ethernet header, and the packet
	 * is lost.  The daemon's own send resolves the neighbour, so the
	 * next packets hit. */
	if (r != BPF_FIB_LKUP_RET_SUCCESS)
		return r == BPF_FIB_LKUP_RET_FWD_DISABLED ? FP_ERROR : FP_PUNT;
	if (fib->ifindex == fp_tun_ifindex)
		return FP_PUNT;		/* would loop into the TUN */

	*payload_sum = fp_csum(skb, p->l4, p->l4len, 0);
	if (*payload_sum < 0)
		return FP_ERROR;
	return FP_HIT;
}

/* Egress, on a hit: push and fill the UDP header, then what
 * bpf_redirect_neigh needs on an L3 device. */
static __always_inline int
fp_egress_encap(struct __sk_buff *skb, const struct fp_pkt *p,
    const struct fp_tx_val *val, __s64 payload_sum)
{
	struct udphdr	udp;
	__s64		sum;

	udp.source = fp_udp_port;
	udp.dest = val->udp_port;
	udp.len = bpf_htons(sizeof(udp) + p->l4len);
	udp.check = 0;
	sum = fp_udp_sum(p, &udp, payload_sum);
	if (sum < 0)
		return -1;
	udp.check = ~fp_fold(sum);
	if (udp.check == 0)
		udp.check = 0xffff;	/* 0 means none; IPv6 forbids none */

	if (bpf_skb_adjust_room(skb, sizeof(udp), BPF_ADJ_ROOM_NET, 0) != 0)
		return -1;
	/* From here on the packet is changed: a failure must drop it. */
	if (bpf_skb_store_bytes(skb, p->l4, &udp, sizeof(udp), 0) != 0)
		return -2;
	if (fp_rewrite_ip(skb, p, IPPROTO_UDP, sizeof(udp)) != 0)
		return -2;
	/* __bpf_redirect_neigh wants a MAC header before the network
	 * header (it pulls it and lets the neighbour layer write the real
	 * one); on the TUN both are at the same place.  change_head pushes
	 * 14 zero bytes and resets the MAC header onto them. */
	if (bpf_skb_change_head(skb, ETH_HLEN, 0) != 0)
		return -2;
	return 0;
}

SEC("tc")
int
sctptun_egress(struct __sk_buff *skb)
{
	struct bpf_fib_lookup	fib = {};
	struct bpf_redir_neigh	nh = {};
	struct fp_pkt		p = {};
	struct fp_tx_val	val = {};
	__s64			payload_sum = 0;
	int			r;

	switch (fp_egress_classify(skb, &p, &val, &fib, &payload_sum)) {
	case FP_HIT:
		break;
	case FP_NOT_OURS:
		return TC_ACT_UNSPEC;
	case FP_MISS:
		fp_stat(FP_STAT_TX_MISS);
		return TC_ACT_UNSPEC;
	case FP_ERROR:
		fp_stat(FP_STAT_ERRORS);
		return TC_ACT_UNSPEC;
	default:
		fp_stat(FP_STAT_TX_PUNT);
		return TC_ACT_UNSPEC;
	}
	if ((r = fp_egress_encap(skb, &p, &val, payload_sum)) != 0) {
		fp_stat(FP_STAT_ERRORS);
		return r == -1 ? TC_ACT_UNSPEC : TC_ACT_SHOT;
	}
	/* The route's next hop (an IPv4 route may have an IPv6 one). */
	nh.nh_family = fib.family;
	if (fib.family == FP_AF_INET)
		nh.ipv4_nh = fib.ipv4_dst;
	else
		__builtin_memcpy(nh.ipv6_nh, fib.ipv6_dst, 16);
	fp_count(val.slot, 0, p.l4len);
	fp_stat(FP_STAT_TX_PACKETS);
	return bpf_redirect_neigh(fib.ifindex, &nh, sizeof(nh), 0);
}

/*
 * Ingress: whether the datagram is one of an installed path.  Fills p
 * (l4 is the UDP header) and *slot.
 */
static __always_inline int
fp_ingress_classify(struct __sk_buff *skb, struct fp_pkt *p, __u32 *slot)
{
	struct bpf_fib_lookup	 fib = {};
	struct fp_rx_key	 key = {};
	struct fp_rx_val	*v;
	struct fp_config	*cfg;
	struct udphdr		 udp;
	struct fp_sctp		 sh;
	__s64			 sum;
	__u32			 sctp_len, inner_len, zero = 0;
	int			 r;

	p->l3 = ETH_HLEN;
	if ((r = fp_parse_ip(skb, p, IPPROTO_UDP)) != FP_HIT) {
		if (r == FP_PUNT)
			return FP_NOT_OURS;	/* see fp_ingress_odd() */
		return r;
	}
	if (bpf_skb_load_bytes(skb, p->l4, &udp, sizeof(udp)) != 0)
		return FP_NOT_OURS;
	if (udp.dest != fp_udp_port)
		return FP_NOT_OURS;

	/* Ours from here on: count whatever the daemon gets. */
	if (p->l4len < sizeof(udp) + SCTP_HDRLEN + 4 ||
	    bpf_ntohs(udp.len) != p->l4len || (p->l4len & 3) != 0)
		return FP_PUNT;
	/* Not our MAC, a VLAN a VLAN device should see first, or GRO's
	 * work: the stack's to handle. */
	if (skb->pkt_type != PACKET_HOST || skb->vlan_present ||
	    skb->gso_size != 0 || skb->gso_segs > 1)
		return FP_PUNT;
	if (p->family == FP_AF_INET) {
		if ((p->daddr[0] & 0xf0) == 0xe0 || p->daddr[0] == 0xff)
			return FP_PUNT;		/* multicast, broadcast */
	} else {
		if (p->daddr[0] == 0xff ||
		    (p->daddr[0] == 0xfe && (p->daddr[1] & 0xc0) == 0x80))
			return FP_PUNT;		/* multicast, link-local */
	}
	sctp_len = p->l4len - sizeof(udp);
	if (bpf_skb_load_bytes(skb, p->l4 + sizeof(udp), &sh,
	    sizeof(sh)) != 0)
		return FP_PUNT;
	key.family = p->family;
	key.udp_port = udp.source;
	key.lport = sh.dport;
	key.pport = sh.sport;
	key.ltag = sh.vtag;
	__builtin_memcpy(key.peer, p->saddr, 16);
	if ((v = bpf_map_lookup_elem(&fp_rx, &key)) == NULL)
		return FP_MISS;
	*slot = v->slot;
	/* The daemon's write to the TUN takes any size, a redirect into it
	 * only what its MTU allows (is_skb_forwardable). */
	inner_len = p->l4 - p->l3 + p->l4len - sizeof(udp);
	if ((cfg = bpf_map_lookup_elem(&fp_config, &zero)) == NULL ||
	    inner_len > cfg->tun_mtu)
		return FP_PUNT;
	if (!fp_chunks_ok(skb, p->l4 + sizeof(udp) + SCTP_HDRLEN,
	    p->l4 + p->l4len))
		return FP_PUNT;

	/* For a local address?  The lookup answers NOT_FWDED for local
	 * (and for unroutable) destinations; a packet this host would
	 * forward is not ours. */
	fp_fib_params(&fib, p, udp.source, udp.dest);
	r = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (r < 0 || r == BPF_FIB_LKUP_RET_FWD_DISABLED)
		return FP_ERROR;
	if (r != BPF_FIB_LKUP_RET_NOT_FWDED)
		return FP_PUNT;

	/* The UDP checksum, in full: the kernel would have checked it, and
	 * it covers the addresses and ports the key trusts.  A zero
	 * (none) or a wrong one goes to the stack, which counts and drops
	 * it.
	 *
	 * But a datagram of this host (a peer in another namespace, over a
	 * veth) is CHECKSUM_PARTIAL: its check field holds the pseudo-
	 * header's sum alone, and the kernel does not check it either
	 * (skb_csum_unnecessary).  Those are carried.  Decapsulated, their
	 * csum_start points before the SCTP header (into the IP header
	 * the pop moved up), so the kernel's SCTP finds no usable offload
	 * state and checks the CRC32c in software: what the kernel's own
	 * RFC 6951 skips for such packets, we keep.  A datagram from a
	 * wire that merely looks so gets the same CRC32c check, and the
	 * destination is local (above), so the skb is never transmitted
	 * with that csum_start.  t/scn/echo.bash (fast path) sends bad
	 * CRC32c both ways and sees the kernel drop them. */
	if (udp.check == 0)
		return FP_PUNT;
	if (fp_udp_partial(p, &udp))
		return FP_HIT;
	sum = fp_udp_sum(p, &udp, fp_csum(skb, p->l4 + sizeof(udp),
	    sctp_len, 0));
	if (sum < 0)
		return FP_ERROR;
	if (fp_fold(sum) != 0xffff)
		return FP_PUNT;
	return FP_HIT;
}

/* A datagram fp_parse_ip turned down: count it as a punt if it is ours
 * (options, a first fragment, an IPv6 fragment header) and its UDP header
 * is in sight. */
static __always_inline void
fp_ingress_odd(struct __sk_buff *skb)
{
	struct udphdr	udp;
	__u32		off = 0;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr	ip;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) != 0 ||
		    ip.protocol != IPPROTO_UDP ||
		    (ip.frag_off & bpf_htons(FP_IP_OFFSET)) != 0)
			return;
		off = ETH_HLEN + ip.ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr	ip6;
		__u8		frag[8];

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) != 0 ||
		    ip6.nexthdr != FP_IPPROTO_FRAGMENT)
			return;
		off = ETH_HLEN + sizeof(ip6);
		if (bpf_skb_load_bytes(skb, off, frag, sizeof(frag)) != 0 ||
		    frag[0] != IPPROTO_UDP || frag[2] != 0 ||
		    (frag[3] & 0xf8) != 0)
			return;
		off += sizeof(frag);
	} else
		return;
	if (bpf_skb_load_bytes(skb, off, &udp, sizeof(udp)) == 0 &&
	    udp.dest == fp_udp_port)
		fp_stat(FP_STAT_RX_PUNT);
}

SEC("tc")
int
sctptun_ingress(struct __sk_buff *skb)
{
	struct fp_pkt	p = {};
	__u32		slot = 0;

	switch (fp_ingress_classify(skb, &p, &slot)) {
	case FP_HIT:
		break;
	case FP_NOT_OURS:
		fp_ingress_odd(skb);
		return TC_ACT_UNSPEC;
	case FP_MISS:
		fp_stat(FP_STAT_RX_MISS);
		return TC_ACT_UNSPEC;
	case FP_ERROR:
		fp_stat(FP_STAT_ERRORS);
		return TC_ACT_UNSPEC;
	default:
		fp_stat(FP_STAT_RX_PUNT);
		return TC_ACT_UNSPEC;
	}
	/* Never BPF_F_ADJ_ROOM_NO_CSUM_RESET: a NIC's CHECKSUM_UNNECESSARY
	 * vouched for the UDP checksum, not for SCTP's CRC32c, which the
	 * kernel's SCTP must still check. */
	if (bpf_skb_adjust_room(skb, -(__s32)sizeof(struct udphdr),
	    BPF_ADJ_ROOM_NET, 0) != 0) {
		fp_stat(FP_STAT_ERRORS);
		return TC_ACT_UNSPEC;
	}
	if (fp_rewrite_ip(skb, &p, IPPROTO_SCTP,
	    -(int)sizeof(struct udphdr)) != 0) {
		fp_stat(FP_STAT_ERRORS);
		return TC_ACT_SHOT;
	}
	fp_count(slot, 1, p.l4len - sizeof(struct udphdr));
	fp_stat(FP_STAT_RX_PACKETS);
	return bpf_redirect(fp_tun_ifindex, BPF_F_INGRESS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
