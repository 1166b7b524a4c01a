/*
 * fuzz_track.h: how an input of the tracker's fuzz target (fuzz_track.c)
 * reads as a sequence of steps; the seed generator (mkseeds.c) writes
 * them.  Every byte string is a valid sequence (fuzz.h's cursor gives
 * zeros past the end).  A step starts with an op byte, taken modulo
 * FT_NOPS:
 *
 *   FT_EGRESS, FT_INGRESS, FT_ICMP: a packet built from 4 more bytes,
 *	chunk	bits 0-3 first chunk (enum ft_type, modulo), bit 4 its T
 *		flag, bits 5-6 a second chunk bundled (enum ft_bundle)
 *	where	bits 0-1 peer address, bits 2-3 its UDP port, bit 4 local
 *		SCTP port, bit 5 peer SCTP port (pools in fuzz_track.c)
 *	tags	bits 0-3 verification tag, bits 4-7 initiate tag (pool of 16,
 *		index 0 is tag 0)
 *	addrs	bits 0-1 how many address parameters an INIT or INIT-ACK
 *		lists, then 2 bits for each (a pool of 4)
 *	then, for FT_ICMP only, how many bytes of the packet an ICMP error
 *	quotes
 *   FT_TICK: one byte, the seconds the clock advances; then expiry and the
 *	path silence check run
 *   FT_RAW_EGRESS, FT_RAW_INGRESS: a where byte as above, a length byte,
 *	then that many bytes of SCTP packet as they are
 *
 * The first byte of the input, before any step, sets the table's limits:
 * associations 1 + (b & 7), embryonic 1 + (b >> 3 & 3).
 */
#ifndef SCTPTUN_FUZZ_TRACK_H
#define SCTPTUN_FUZZ_TRACK_H

enum ft_op {
	FT_EGRESS,
	FT_INGRESS,
	FT_ICMP,
	FT_TICK,
	FT_RAW_EGRESS,
	FT_RAW_INGRESS,
	FT_NOPS
};

enum ft_type {
	FT_INIT,
	FT_INIT_ACK,
	FT_COOKIE_ECHO,
	FT_COOKIE_ACK,
	FT_DATA,
	FT_SACK,
	FT_HEARTBEAT,
	FT_HEARTBEAT_ACK,
	FT_ABORT,
	FT_SHUTDOWN,
	FT_SHUTDOWN_ACK,
	FT_SHUTDOWN_COMPLETE,
	FT_ERROR,
	FT_NTYPES
};

enum ft_bundle {
	FT_BUNDLE_NONE,
	FT_BUNDLE_DATA,
	FT_BUNDLE_ABORT,
	FT_BUNDLE_SHUTDOWN,
};

/* The bytes of a step, for the seed generator. */
#define FT_CHUNK(type, tbit, bundle)	\
	((type) | ((tbit) ? 0x10 : 0) | (bundle) << 5)
#define FT_WHERE(peer, udp, lport, pport)	\
	((peer) | (udp) << 2 | (lport) << 4 | (pport) << 5)
#define FT_TAGS(vtag, itag)		((vtag) | (itag) << 4)
#define FT_ADDRS1(a)			(1 | (a) << 2)
#define FT_ADDRS2(a, b)			(2 | (a) << 2 | (b) << 4)
#define FT_LIMITS(assocs, embryonic)	\
	(((assocs) - 1) | ((embryonic) - 1) << 3)

#endif
