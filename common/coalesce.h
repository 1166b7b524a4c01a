/*
 * coalesce: datagrams that the kernel hands to the UDP socket holding more
 * than one SCTP packet, and how to take them apart.
 *
 * What the kernel hands over (checked on Linux 6.1 and 6.18):
 *
 *  - A plain datagram: one SCTP packet, as it crossed the wire.  Its CRC32c
 *    is checked; a bad one is dropped.
 *
 *  - A UDP_GRO run (the socket has UDP_GRO on, and the control message
 *    gives a segment size): the kernel glued several datagrams of one flow
 *    together, all of that size but the last.  Each crossed the wire on its
 *    own with its own CRC32c: split at the segment size, check each.
 *
 *  - A local GSO packet: a Linux kernel with its own RFC 6951 on this host
 *    (a pod or namespace on the same veth or bridge, possibly through a
 *    forwarding or NAT namespace) builds one SCTP GSO packet for a burst
 *    and leaves each segment's CRC32c to the segmentation, which never
 *    happens on a path that stays inside the host.  It reaches the socket
 *    whole: one SCTP common header with checksum 0, then the chunks of all
 *    the segments; no UDP_GRO message (that is only for UDP GSO).
 *
 * sctptund fills in a CRC32c only for the last kind, and knows a datagram
 * is of that kind only when all of these hold: its checksum field is 0;
 * the kernel did not coalesce it (no UDP_GRO message) and did not reassemble
 * it from IP fragments (no IP_RECVFRAGSIZE / IPV6_RECVFRAGSIZE message); and
 * with its IP and UDP headers it is larger than the MTU of the interface it
 * arrived on.  A packet that big that is neither reassembled nor coalesced
 * never crossed a link as one frame (veth, bridges and routers drop or
 * fragment what exceeds the MTU; only GSO packets pass whole): it was built
 * in this host's memory, where nothing corrupts it, so there is nothing a
 * CRC32c could catch.  Everything that crossed a wire is checked.  The
 * verification tag is checked afterwards for every packet as always.
 *
 * The local GSO packet is cut back into the packets it was made of, at
 * chunk boundaries, each no larger than the arrival link allows (the
 * segments the sending kernel would have made for that link); a segment
 * that the sender authenticated starts with its AUTH chunk, so an AUTH
 * chunk always starts a new packet.
 */
#ifndef SCTPTUN_COALESCE_H
#define SCTPTUN_COALESCE_H

#include <stddef.h>
#include <stdint.h>

/* What the control messages of a received datagram said. */
struct coalesce_rx {
	uint32_t	gro_size;	/* UDP_GRO segment size; 0: none */
	uint32_t	frag_size;	/* largest IP fragment; 0: not reassembled */
	int		ifindex;	/* the interface it arrived on; 0: unknown */
};

/*
 * Whether a datagram whose CRC32c failed may be a local GSO packet, before
 * its size is weighed against its link: checksum field 0, neither coalesced
 * nor reassembled (fragsize_known: see below).
 */
int	coalesce_gso_candidate(const uint8_t *pkt, size_t len,
	    const struct coalesce_rx *rx, int fragsize_known);

/*
 * Whether a datagram whose CRC32c failed is a local GSO packet (see above):
 * family is AF_INET or AF_INET6, link_mtu the MTU of rx->ifindex (0 if
 * unknown, which answers no).  fragsize_known is 0 when the socket could not
 * ask for IP_RECVFRAGSIZE: then reassembled datagrams cannot be told apart,
 * and the answer is no.
 */
int	coalesce_is_local_gso(const uint8_t *pkt, size_t len, int family,
	    const struct coalesce_rx *rx, int fragsize_known,
	    uint32_t link_mtu);

/*
 * The largest SCTP packet a link of this MTU carries encapsulated: the MTU
 * less the IP and UDP headers; 0 if the MTU cannot carry one.
 */
size_t	coalesce_max_packet(int family, uint32_t link_mtu);

/*
 * Where the next packet cut out of a local GSO packet ends.  pkt is the
 * whole datagram (common header and chunks, already validated by
 * sctp_parse), off the offset of the first chunk of this piece (12 for the
 * first).  The piece takes whole chunks while the common header and them
 * fit in max bytes, always at least one, and stops before an AUTH chunk
 * that is not its first.  Returns the end offset (> off), or 0 if a chunk
 * header is malformed.
 */
size_t	coalesce_gso_next(const uint8_t *pkt, size_t len, size_t off,
	    size_t max);

#endif
