/*
 * coalesce: telling a kernel-built GSO packet from a damaged datagram, and
 * cutting it back into packets.  See coalesce.h for what the kernel hands
 * over and why each rule is safe.
 */
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "coalesce.h"
#include "sctp.h"

#define COALESCE_UDP_HDRLEN	8
#define COALESCE_IPV4_HDRLEN	20
#define COALESCE_IPV6_HDRLEN	40

/* The largest SCTP packet a link of this MTU carries inside UDP. */
size_t
coalesce_max_packet(int family, uint32_t link_mtu)
{
	size_t	hdrs = COALESCE_UDP_HDRLEN;

	hdrs += family == AF_INET6 ? COALESCE_IPV6_HDRLEN :
	    COALESCE_IPV4_HDRLEN;
	if (link_mtu <= hdrs + SCTP_COMMON_HDRLEN)
		return 0;
	return link_mtu - hdrs;
}

/* Whether a datagram that failed its CRC32c may be a local GSO packet. */
int
coalesce_gso_candidate(const uint8_t *pkt, size_t len,
    const struct coalesce_rx *rx, int fragsize_known)
{
	if (len < SCTP_COMMON_HDRLEN || !fragsize_known)
		return 0;
	/* The kernel leaves the field 0 for the segmentation to fill. */
	if (pkt[8] != 0 || pkt[9] != 0 || pkt[10] != 0 || pkt[11] != 0)
		return 0;
	return rx->gro_size == 0 && rx->frag_size == 0;
}

/* Whether a datagram that failed its CRC32c is a local GSO packet. */
int
coalesce_is_local_gso(const uint8_t *pkt, size_t len, int family,
    const struct coalesce_rx *rx, int fragsize_known, uint32_t link_mtu)
{
	size_t	max;

	if (!coalesce_gso_candidate(pkt, len, rx, fragsize_known))
		return 0;
	if ((max = coalesce_max_packet(family, link_mtu)) == 0)
		return 0;
	return len > max;
}

/* The length of the chunk at off and its padded step; -1 if malformed. */
static int
coalesce_chunk(const uint8_t *pkt, size_t len, size_t off, size_t *step)
{
	size_t	clen;

	if (len - off < SCTP_CHUNK_HDRLEN)
		return -1;
	clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
	if (clen < SCTP_CHUNK_HDRLEN || clen > len - off)
		return -1;
	*step = (clen + 3) & ~(size_t)3;
	if (*step > len - off)
		*step = len - off;
	return 0;
}

/* Where the next packet cut out of a local GSO packet ends. */
size_t
coalesce_gso_next(const uint8_t *pkt, size_t len, size_t off, size_t max)
{
	size_t	end = off, step;

	if (off < SCTP_COMMON_HDRLEN || off >= len)
		return 0;
	while (end < len) {
		if (coalesce_chunk(pkt, len, end, &step) == -1)
			return 0;
		if (end > off && (pkt[end] == SCTP_AUTH ||
		    SCTP_COMMON_HDRLEN + (end - off) + step > max))
			break;
		end += step;
	}
	return end;
}
