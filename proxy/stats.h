/*
 * stats: the daemon's global counters.  Each has a name (used as is by
 * `sctptunctl show stats`, in JSON and, prefixed, in the metrics) and a
 * description.  Every drop has its own reason counter: the data path counts,
 * it never logs.
 */
#ifndef SCTPTUN_STATS_H
#define SCTPTUN_STATS_H

#include <stdint.h>

#include "fastpath.h"

/* The relay channel of a cluster (cluster.h); all 0 without one. */
#define STATS_CLUSTER(X)						\
	X(relay_tx_packets,	"packets relayed to their owner (RELAY)")	\
	X(relay_tx_bytes,	"bytes of them (SCTP)")			\
	X(relay_rx_packets,	"packets a member relayed to us, verified " \
	    "as direct ones")						\
	X(relay_rx_bytes,	"bytes of them (SCTP)")			\
	X(send_tx_packets,	"our packets sent through the member that "	\
	    "relays their path (SEND)")					\
	X(send_tx_bytes,	"bytes of them (SCTP)")			\
	X(send_rx_packets,	"packets an owner had us send to a client") \
	X(send_rx_bytes,	"bytes of them (SCTP)")			\
	X(relay_queries,	"queries for the owner of an unknown tag")	\
	X(relay_answers,	"answers naming an owner")		\
	X(relay_query_timeouts,	"queries nobody answered in 500 ms: the "	\
	    "held packets went to the local kernel")			\
	X(relay_hellos,		"authenticated hellos from members")

/* The relay channel's drops, by reason. */
#define STATS_CLUSTER_DROPS(X)						\
	X(relay_auth_failures,	"relay message whose HMAC does not verify")	\
	X(relay_replays,	"relay message seen before, or of an older "	\
	    "epoch")							\
	X(relay_stale,		"relay message more than 30 s from our "	\
	    "clock")							\
	X(relay_malformed,	"relay message too short or malformed, or "	\
	    "a relayed INIT")						\
	X(relay_unknown_member,	"relay message from an address that is no " \
	    "member")							\
	X(relay_held_dropped,	"packet of an unknown tag not held: too "	\
	    "many held or queried, or too big")				\
	X(relay_unowned,	"relayed packet of no association here")	\
	X(relay_peer_refused,	"relayed or sent packet of a peer the relay " \
	    "does not carry (DTLS, or none)")				\
	X(relay_send_error,	"relay message not sent")

#define STATS_TRAFFIC(X)						\
	X(tun_rx_packets,	"packets read from the TUN")		\
	X(tun_rx_bytes,		"bytes read from the TUN")		\
	X(udp_tx_packets,	"encapsulated packets sent")		\
	X(udp_tx_bytes,		"SCTP bytes sent inside UDP")		\
	X(udp_rx_packets,	"UDP datagrams received")		\
	X(udp_rx_bytes,		"UDP payload bytes received")		\
	X(tun_tx_packets,	"packets written to the TUN")		\
	X(tun_tx_bytes,		"bytes written to the TUN")		\
	X(ingress_ootb,		"delivered packets of no known association") \
	X(egress_untracked,	"sent packets of no known association")	\
	X(egress_stripped,	"INIT / INIT-ACK sent without addresses") \
	X(egress_ootb_reply,	"out-of-the-blue replies sent to the port "	\
	    "of the packet they answer")				\
	X(icmp_received,	"ICMP errors read from the error queue")	\
	X(icmp_translated,	"ICMP errors translated to the TUN")	\
	X(icmp_local_errors,	"local errors (EMSGSIZE) on the error queue") \
	X(egress_too_big_icmp,	"EMSGSIZE answered with fragmentation "	\
	    "needed / packet too big on the TUN")			\
	X(egress_batches,	"sendmmsg calls")			\
	X(egress_fragments,	"IP fragments of SCTP read from the TUN") \
	X(egress_reassembled,	"SCTP packets reassembled from fragments "	\
	    "and sent, outer fragmentation allowed")			\
	X(ingress_batches,	"recvmmsg calls with data")		\
	X(ingress_gro,		"datagrams the kernel coalesced (UDP_GRO)")	\
	X(ingress_gro_packets,	"packets split from them, each CRC32c "	\
	    "checked")							\
	X(ingress_local_gso,	"GSO packets a kernel on this host built, "	\
	    "CRC32c left at 0")						\
	X(ingress_local_gso_packets, "packets cut from them and "	\
	    "checksummed here")						\
	X(dtls_udp_rx_packets,	"datagrams received on the DTLS port")	\
	X(dtls_udp_rx_bytes,	"bytes of them (UDP payload)")		\
	X(dtls_udp_tx_packets,	"datagrams sent from the DTLS port")	\
	X(dtls_udp_tx_bytes,	"bytes of them (UDP payload)")		\
	STATS_CLUSTER(X)						\
	FASTPATH_STATS(X)						\
	X(fastpath_paths_refused, "paths the fast path had no slot for "	\
	    "(or the kernel refused): carried by the daemon")

#define STATS_DROPS(X)							\
	X(egress_bad_ip,	"TUN packet with a malformed IP header")	\
	X(egress_fragment,	"IP fragment not of SCTP, or malformed") \
	X(egress_frag_dropped,	"IP fragments of SCTP dropped, for the "	\
	    "reasons below")						\
	X(egress_frag_duplicate, "fragment already held")		\
	X(egress_frag_overlap,	"reassembly dropped: overlapping or "	\
	    "inconsistent fragments")					\
	X(egress_frag_too_long,	"reassembly dropped: longer than 65535")	\
	X(egress_frag_timeout,	"reassembly dropped: incomplete after 2 s") \
	X(egress_frag_evicted,	"reassembly dropped: table full, oldest "	\
	    "pushed out")						\
	X(egress_not_sctp,	"TUN packet that is not SCTP")		\
	X(egress_bad_sctp,	"TUN packet with a malformed SCTP packet") \
	X(egress_no_peer,	"destination in no peer's prefixes")	\
	X(egress_too_big,	"send failed: EMSGSIZE (path MTU)")	\
	X(egress_no_buffer,	"send failed: no buffer space")		\
	X(egress_send_error,	"send failed: other error")		\
	X(ingress_truncated,	"datagram larger than the buffer")	\
	X(ingress_no_pktinfo,	"datagram without its destination address") \
	X(ingress_src_port_zero, "UDP source port 0")			\
	X(ingress_not_unicast,	"source or destination not unicast")	\
	X(ingress_unknown_peer,	"source address in no peer's prefixes") \
	X(ingress_short,	"shorter than an SCTP common header")	\
	X(ingress_bad_chunk,	"malformed chunk or illegal bundling")	\
	X(ingress_bad_crc,	"CRC32c mismatch")			\
	X(ingress_bad_vtag,	"verification tag of no association")	\
	X(ingress_init_port,	"INIT of an association from a new port") \
	X(ingress_tun_error,	"write to the TUN failed")		\
	X(ingress_cleartext_from_dtls_peer, "cleartext datagram from a "	\
	    "peer configured for DTLS")					\
	X(dtls_plain_peer,	"datagram on the DTLS port from a peer not "	\
	    "configured for DTLS")					\
	X(icmp_unverified,	"ICMP error whose quote ties it to no "	\
	    "association")						\
	X(icmp_ignored,		"ICMP error of a type not translated")	\
	X(icmp_tun_error,	"write of a translated ICMP to the TUN failed") \
	STATS_CLUSTER_DROPS(X)

struct stats {
#define STATS_FIELD(name, desc)	uint64_t name;
	STATS_TRAFFIC(STATS_FIELD)
	STATS_DROPS(STATS_FIELD)
#undef STATS_FIELD
};

#endif
