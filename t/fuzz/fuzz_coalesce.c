/*
 * fuzz_coalesce: cutting a local GSO packet back into packets
 * (common/coalesce.c), over any bytes.  The input's first four bytes
 * choose the link MTU, the family, UDP_GRO and fragment sizes; the rest is
 * the datagram.
 *
 * Whatever the input: pieces never run past the datagram, each starts
 * where the last ended, each takes at least one chunk, none holds an AUTH
 * chunk but at its start, a piece larger than the link allows is a single
 * chunk, and a datagram the kernel coalesced or reassembled, or whose
 * checksum is not 0, is never taken for a local GSO packet.
 */
#include <sys/socket.h>
#include <string.h>

#include "coalesce.h"
#include "fuzz.h"
#include "sctp.h"

/* The chunk length at off, padded, as the cutter reads it. */
static size_t
fc_step(const uint8_t *p, size_t len, size_t off)
{
	size_t	clen = (size_t)p[off + 2] << 8 | p[off + 3], step;

	step = (clen + 3) & ~(size_t)3;
	return step > len - off ? len - off : step;
}

/* Check one piece, from off to end. */
static void
fc_piece(const uint8_t *p, size_t len, size_t off, size_t end, size_t max)
{
	size_t	at, chunks = 0;

	FUZZ_ASSERT(end > off && end <= len);
	for (at = off; at < end; at += fc_step(p, len, at)) {
		FUZZ_ASSERT(len - at >= SCTP_CHUNK_HDRLEN);
		FUZZ_ASSERT(at == off || p[at] != SCTP_AUTH);
		chunks++;
	}
	FUZZ_ASSERT(at == end);
	FUZZ_ASSERT(SCTP_COMMON_HDRLEN + end - off <= max || chunks == 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coalesce_rx	 rx;
	const uint8_t		*p;
	size_t			 len, off, end, max;
	uint32_t		 mtu;
	int			 family;

	if (size < 4)
		return 0;
	mtu = (uint32_t)data[0] << 8 | data[1];
	family = data[2] & 1 ? AF_INET6 : AF_INET;
	memset(&rx, 0, sizeof(rx));
	rx.gro_size = data[2] & 2 ? data[3] : 0;
	rx.frag_size = data[2] & 4 ? 1280 : 0;
	p = data + 4;
	len = size - 4;
	if (coalesce_is_local_gso(p, len, family, &rx, data[2] & 8, mtu))
		FUZZ_ASSERT(rx.gro_size == 0 && rx.frag_size == 0 &&
		    (data[2] & 8) && len >= SCTP_COMMON_HDRLEN &&
		    p[8] == 0 && p[9] == 0 && p[10] == 0 && p[11] == 0 &&
		    len > coalesce_max_packet(family, mtu));
	if ((max = coalesce_max_packet(family, mtu)) == 0)
		max = 1;
	for (off = SCTP_COMMON_HDRLEN; off < len; off = end) {
		if ((end = coalesce_gso_next(p, len, off, max)) == 0)
			break;
		fc_piece(p, len, off, end, max);
	}
	return 0;
}
