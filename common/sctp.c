/*
 * sctp: the SCTP packet as sctptund sees it (RFC 9260): common header,
 * chunk walk and bundling rules, INIT / INIT-ACK fixed fields and
 * parameters, stripping of address parameters (RFC 6951 5.7), and the
 * ABORT sctptund sends itself (draft-tuexen-tsvwg-sctp-udp-encaps-cons 4).
 *
 * Padding: RFC 9260 3.2 says the packet includes the last chunk's padding,
 * and that the chunk length excludes the padding of the last parameter.
 * We accept a final chunk (or parameter) whose padding is missing, as long
 * as its length fits, like Linux's chunk walk does: sctptund is a tunnel
 * and leaves such fine points to the receiving stack.  Anything of 1 to 3
 * bytes after a complete final chunk is an error.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "crc32c.h"
#include "sctp.h"

#define SCTP_INIT_FIXEDLEN	16	/* after the chunk header */
#define SCTP_PARAM_HDRLEN	4
#define SCTP_PARAM_IPV4_LEN	8
#define SCTP_PARAM_IPV6_LEN	20
#define SCTP_CAUSE_HDRLEN	4
#define SCTP_CAUSE_PORT_LEN	8

/* Round a length up to the next multiple of 4. */
#define SCTP_PAD4(n)		(((n) + 3) & ~(size_t)3)

/* Read a big-endian 16-bit field. */
static inline uint16_t
sctp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Read a big-endian 32-bit field. */
static inline uint32_t
sctp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Write a big-endian 16-bit field. */
static inline void
sctp_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Write a big-endian 32-bit field. */
static inline void
sctp_put32(uint8_t *p, uint32_t v)
{
	sctp_put16(p, v >> 16);
	sctp_put16(p + 2, v & 0xffff);
}

/* Chunks that RFC 9260 6.10 forbids bundling with anything else. */
static int
sctp_chunk_is_lonely(uint8_t type)
{
	return type == SCTP_INIT || type == SCTP_INIT_ACK ||
	    type == SCTP_SHUTDOWN_COMPLETE;
}

/*
 * Length of the TLV (chunk or parameter: both have a 16-bit length at
 * offset 2) at off in a region of end bytes, and the step to the next one.
 * -1 if the header does not fit, the length is below 4, or the TLV runs
 * past the region.  Only the last TLV may lack its padding.
 */
static int
sctp_tlv_next(const uint8_t *buf, size_t off, size_t end, size_t *tlvlen,
    size_t *step)
{
	size_t	len;

	if (end - off < 4)
		return -1;
	len = sctp_get16(buf + off + 2);
	if (len < 4 || len > end - off)
		return -1;
	*tlvlen = len;
	*step = SCTP_PAD4(len);
	if (*step > end - off)
		*step = end - off;
	return 0;
}

/* Walk INIT / INIT-ACK parameters: valid TLVs, well-formed addresses. */
static int
sctp_params_valid(const uint8_t *params, size_t len)
{
	size_t		off, plen, step;
	uint16_t	type;

	for (off = 0; off < len; off += step) {
		if (sctp_tlv_next(params, off, len, &plen, &step) == -1)
			return 0;
		type = sctp_get16(params + off);
		if (type == SCTP_PARAM_IPV4 && plen != SCTP_PARAM_IPV4_LEN)
			return 0;
		if (type == SCTP_PARAM_IPV6 && plen != SCTP_PARAM_IPV6_LEN)
			return 0;
	}
	return 1;
}

/* Check the INIT / INIT-ACK fixed part and parameters of the first chunk. */
static int
sctp_parse_init(const uint8_t *chunk, size_t clen, struct sctp_pkt *pkt)
{
	if (clen < SCTP_CHUNK_HDRLEN + SCTP_INIT_FIXEDLEN)
		return SCTP_ERR_INIT;
	pkt->init_tag = sctp_get32(chunk + SCTP_CHUNK_HDRLEN);
	if (pkt->init_tag == 0)
		return SCTP_ERR_INIT;
	pkt->params = chunk + SCTP_CHUNK_HDRLEN + SCTP_INIT_FIXEDLEN;
	pkt->params_len = clen - SCTP_CHUNK_HDRLEN - SCTP_INIT_FIXEDLEN;
	if (!sctp_params_valid(pkt->params, pkt->params_len))
		return SCTP_ERR_INIT;
	return SCTP_OK;
}

/* Walk every chunk, recording types; *first_len gets the first's length. */
static int
sctp_walk_chunks(const uint8_t *buf, size_t len, struct sctp_pkt *pkt,
    size_t *first_len, int *lonely)
{
	size_t	off, clen, step;
	uint8_t	type;

	if (len == SCTP_COMMON_HDRLEN)
		return SCTP_ERR_CHUNK;
	for (off = SCTP_COMMON_HDRLEN; off < len; off += step) {
		if (sctp_tlv_next(buf, off, len, &clen, &step) == -1)
			return SCTP_ERR_CHUNK;
		type = buf[off];
		if (off == SCTP_COMMON_HDRLEN) {
			pkt->type = type;
			pkt->flags = buf[off + 1];
			*first_len = clen;
		}
		if (sctp_chunk_is_lonely(type))
			*lonely = 1;
		pkt->chunk_types |= (uint64_t)1 << (type & 63);
		/* Saturate: a jumbo buffer must not wrap the count to 0. */
		if (pkt->nchunks < UINT16_MAX)
			pkt->nchunks++;
	}
	return SCTP_OK;
}

/* Parse and validate an SCTP packet; see sctp.h. */
int
sctp_parse(const uint8_t *buf, size_t len, struct sctp_pkt *pkt)
{
	size_t	first_len = 0;
	int	lonely = 0, rc;

	memset(pkt, 0, sizeof(*pkt));
	if (len < SCTP_COMMON_HDRLEN)
		return SCTP_ERR_SHORT;
	pkt->sport = sctp_get16(buf);
	pkt->dport = sctp_get16(buf + 2);
	pkt->vtag = sctp_get32(buf + 4);
	if ((rc = sctp_walk_chunks(buf, len, pkt, &first_len, &lonely)) != 0)
		return rc;
	if (lonely && pkt->nchunks > 1)
		return SCTP_ERR_BUNDLE;
	if (pkt->type != SCTP_INIT && pkt->type != SCTP_INIT_ACK)
		return SCTP_OK;
	if ((rc = sctp_parse_init(buf + SCTP_COMMON_HDRLEN, first_len,
	    pkt)) != 0)
		return rc;
	if (pkt->type == SCTP_INIT && pkt->vtag != 0)
		return SCTP_ERR_VTAG;
	return SCTP_OK;
}

/* 1 if a chunk of this type (modulo 64, see sctp.h) was seen. */
int
sctp_has_chunk(const struct sctp_pkt *pkt, uint8_t type)
{
	return (pkt->chunk_types >> (type & 63)) & 1;
}

/* Copy the address parameters of an INIT / INIT-ACK; returns the count. */
size_t
sctp_init_addrs(const struct sctp_pkt *pkt, struct ipaddr *out, size_t max)
{
	const uint8_t	*p = pkt->params;
	size_t		 off, plen, step, n = 0;
	uint16_t	 type;

	if ((pkt->type != SCTP_INIT && pkt->type != SCTP_INIT_ACK) ||
	    p == NULL)
		return 0;
	for (off = 0; off < pkt->params_len; off += step) {
		if (sctp_tlv_next(p, off, pkt->params_len, &plen, &step) == -1)
			break;
		type = sctp_get16(p + off);
		if (type == SCTP_PARAM_IPV4 && plen == SCTP_PARAM_IPV4_LEN) {
			if (n < max)
				addr_set4(&out[n], p + off + 4);
			n++;
		} else if (type == SCTP_PARAM_IPV6 &&
		    plen == SCTP_PARAM_IPV6_LEN) {
			if (n < max)
				addr_set6(&out[n], p + off + 4);
			n++;
		}
	}
	return n;
}

/*
 * Compact the parameters in place, dropping address parameters.  Returns
 * the new parameter length, counting the last kept parameter without its
 * padding as RFC 9260 3.2 wants; *removed says whether anything went.
 */
static size_t
sctp_params_compact(uint8_t *p, size_t len, int *removed)
{
	size_t		off, plen, step, w = 0, used = 0;
	uint16_t	type;

	*removed = 0;
	for (off = 0; off < len; off += step) {
		if (sctp_tlv_next(p, off, len, &plen, &step) == -1)
			break;
		type = sctp_get16(p + off);
		if (type == SCTP_PARAM_IPV4 || type == SCTP_PARAM_IPV6) {
			*removed = 1;
			continue;
		}
		memmove(p + w, p + off, step);
		used = w + plen;
		w += step;
	}
	return used;
}

/* Remove the address parameters of an INIT / INIT-ACK; see sctp.h. */
size_t
sctp_strip_addrs(uint8_t *pkt, size_t len)
{
	struct sctp_pkt	 sp;
	uint8_t		*chunk, *params;
	size_t		 clen, newlen;
	int		 removed;

	if (sctp_parse(pkt, len, &sp) != SCTP_OK ||
	    (sp.type != SCTP_INIT && sp.type != SCTP_INIT_ACK))
		return len;
	/* Never give a corrupted packet a valid checksum. */
	if (!sctp_checksum_ok(pkt, len))
		return len;
	chunk = pkt + SCTP_COMMON_HDRLEN;
	params = chunk + SCTP_CHUNK_HDRLEN + SCTP_INIT_FIXEDLEN;
	clen = SCTP_CHUNK_HDRLEN + SCTP_INIT_FIXEDLEN +
	    sctp_params_compact(params, sp.params_len, &removed);
	if (!removed)
		return len;
	sctp_put16(chunk + 2, (uint16_t)clen);
	newlen = SCTP_COMMON_HDRLEN + SCTP_PAD4(clen);
	memset(pkt + SCTP_COMMON_HDRLEN + clen, 0,
	    newlen - SCTP_COMMON_HDRLEN - clen);
	sctp_checksum_set(pkt, newlen);
	return newlen;
}

/* Build an ABORT, optionally with error cause 14; see sctp.h. */
size_t
sctp_build_abort(uint8_t *buf, uint16_t sport, uint16_t dport, uint32_t vtag,
    int tbit, int cause_new_port, uint16_t current_port, uint16_t new_port)
{
	uint8_t	*chunk = buf + SCTP_COMMON_HDRLEN;
	size_t	 clen = SCTP_CHUNK_HDRLEN;

	sctp_put16(buf, sport);
	sctp_put16(buf + 2, dport);
	sctp_put32(buf + 4, vtag);
	sctp_put32(buf + 8, 0);
	chunk[0] = SCTP_ABORT;
	chunk[1] = tbit ? SCTP_FLAG_T : 0;
	if (cause_new_port) {
		sctp_put16(chunk + clen, SCTP_CAUSE_NEW_ENCAPS_PORT);
		sctp_put16(chunk + clen + 2, SCTP_CAUSE_PORT_LEN);
		sctp_put16(chunk + clen + 4, current_port);
		sctp_put16(chunk + clen + 6, new_port);
		clen += SCTP_CAUSE_PORT_LEN;
	}
	sctp_put16(chunk + 2, (uint16_t)clen);
	sctp_checksum_set(buf, SCTP_COMMON_HDRLEN + clen);
	return SCTP_COMMON_HDRLEN + clen;
}

/* Short name of a chunk type for logs and stats. */
const char *
sctp_chunk_name(uint8_t type)
{
	static const char *const names[] = {
		[SCTP_DATA] = "DATA",
		[SCTP_INIT] = "INIT",
		[SCTP_INIT_ACK] = "INIT-ACK",
		[SCTP_SACK] = "SACK",
		[SCTP_HEARTBEAT] = "HEARTBEAT",
		[SCTP_HEARTBEAT_ACK] = "HEARTBEAT-ACK",
		[SCTP_ABORT] = "ABORT",
		[SCTP_SHUTDOWN] = "SHUTDOWN",
		[SCTP_SHUTDOWN_ACK] = "SHUTDOWN-ACK",
		[SCTP_ERROR] = "ERROR",
		[SCTP_COOKIE_ECHO] = "COOKIE-ECHO",
		[SCTP_COOKIE_ACK] = "COOKIE-ACK",
		[SCTP_ECNE] = "ECNE",
		[SCTP_CWR] = "CWR",
		[SCTP_SHUTDOWN_COMPLETE] = "SHUTDOWN-COMPLETE",
		[SCTP_AUTH] = "AUTH",
		[SCTP_I_DATA] = "I-DATA",
		[SCTP_ASCONF_ACK] = "ASCONF-ACK",
		[SCTP_RECONFIG] = "RE-CONFIG",
		[SCTP_PAD] = "PAD",
		[SCTP_FORWARD_TSN] = "FORWARD-TSN",
		[SCTP_ASCONF] = "ASCONF",
		[SCTP_I_FORWARD_TSN] = "I-FORWARD-TSN",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type] != NULL)
		return names[type];
	return "UNKNOWN";
}
