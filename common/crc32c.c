/*
 * crc32c: the CRC32c (Castagnoli) of RFC 9260 appendix B and the SCTP
 * packet checksum built on it.
 *
 * Two implementations compute the same raw register update: a portable
 * slicing-by-8 table walk, and one using the SSE4.2 crc32 instruction.
 * crc32c_init() picks one at run time and crc32c_update() calls it through
 * a function pointer.  The tables are computed on first use rather than
 * written out as 8 KB of constants.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define CRC32C_X86	1
#endif

#include "crc32c.h"

/* The reflected Castagnoli polynomial 0x1EDC6F41. */
#define CRC32C_POLY	0x82f63b78U

/* Offset of the checksum field in the SCTP common header. */
#define SCTP_CKSUM_OFF	8

typedef uint32_t (*crc32c_fn)(uint32_t, const void *, size_t);

static uint32_t		crc32c_table[8][256];
static int		crc32c_table_ready;
static crc32c_fn	crc32c_impl;
static const char	*crc32c_name = "none";

/* Fill the slicing-by-8 tables. */
static void
crc32c_table_init(void)
{
	uint32_t	crc;
	int		i, j;

	for (i = 0; i < 256; i++) {
		crc = i;
		for (j = 0; j < 8; j++)
			crc = (crc >> 1) ^ (CRC32C_POLY & -(crc & 1));
		crc32c_table[0][i] = crc;
	}
	for (i = 0; i < 256; i++) {
		crc = crc32c_table[0][i];
		for (j = 1; j < 8; j++) {
			crc = crc32c_table[0][crc & 0xff] ^ (crc >> 8);
			crc32c_table[j][i] = crc;
		}
	}
	crc32c_table_ready = 1;
}

/* Load 4 bytes as the little-endian value the reflected CRC wants. */
static inline uint32_t
crc32c_load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Slicing-by-8: eight table look-ups consume eight bytes per round. */
uint32_t
crc32c_update_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint32_t	 lo, hi;

	if (!crc32c_table_ready)
		crc32c_table_init();
	/* Byte-wise up to 8-byte alignment so the main loop reads whole
	 * words from cache lines it does not straddle. */
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		len--;
	}
	while (len >= 8) {
		lo = crc32c_load_le32(p) ^ crc;
		hi = crc32c_load_le32(p + 4);
		crc = crc32c_table[7][lo & 0xff] ^
		    crc32c_table[6][(lo >> 8) & 0xff] ^
		    crc32c_table[5][(lo >> 16) & 0xff] ^
		    crc32c_table[4][lo >> 24] ^
		    crc32c_table[3][hi & 0xff] ^
		    crc32c_table[2][(hi >> 8) & 0xff] ^
		    crc32c_table[1][(hi >> 16) & 0xff] ^
		    crc32c_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#ifdef CRC32C_X86
/* The SSE4.2 crc32 instruction computes exactly the CRC32c register. */
__attribute__((target("sse4.2"))) static uint32_t
crc32c_update_sse42(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t	*p = buf;

	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		crc = _mm_crc32_u8(crc, *p++);
		len--;
	}
#ifdef __x86_64__
	{
		uint64_t	c = crc, w;

		for (; len >= 8; p += 8, len -= 8) {
			memcpy(&w, p, sizeof(w));
			c = _mm_crc32_u64(c, w);
		}
		crc = (uint32_t)c;
	}
#else
	{
		uint32_t	w;

		for (; len >= 4; p += 4, len -= 4) {
			memcpy(&w, p, sizeof(w));
			crc = _mm_crc32_u32(crc, w);
		}
	}
#endif
	while (len-- > 0)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}
#endif

/* 1 if the CPU has the crc32 instruction. */
int
crc32c_hw_available(void)
{
#ifdef CRC32C_X86
	__builtin_cpu_init();
	return __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
	return 0;
#endif
}

/* The instruction if there is one, else the tables, so callers never fault. */
uint32_t
crc32c_update_hw(uint32_t crc, const void *buf, size_t len)
{
#ifdef CRC32C_X86
	if (crc32c_hw_available())
		return crc32c_update_sse42(crc, buf, len);
#endif
	return crc32c_update_sw(crc, buf, len);
}

/* Pick the fastest implementation the CPU supports. */
void
crc32c_init(void)
{
#ifdef CRC32C_X86
	if (crc32c_hw_available()) {
		crc32c_impl = crc32c_update_sse42;
		crc32c_name = "sse4.2";
		return;
	}
#endif
	crc32c_table_init();
	crc32c_impl = crc32c_update_sw;
	crc32c_name = "slicing-by-8";
}

/* Name of the implementation in use, for logs and stats. */
const char *
crc32c_impl_name(void)
{
	if (crc32c_impl == NULL)
		crc32c_init();
	return crc32c_name;
}

/* Update the raw register with whichever implementation was picked. */
uint32_t
crc32c_update(uint32_t crc, const void *buf, size_t len)
{
	if (crc32c_impl == NULL)
		crc32c_init();
	return crc32c_impl(crc, buf, len);
}

/* The finished CRC: initial and final inversion. */
uint32_t
crc32c_value(const void *buf, size_t len)
{
	return ~crc32c_update(~0U, buf, len);
}

/* CRC32c of an SCTP packet with its checksum field read as zero. */
uint32_t
sctp_checksum(const uint8_t *pkt, size_t len)
{
	static const uint8_t	zero[4];
	uint32_t		crc;

	if (len < SCTP_CKSUM_OFF + sizeof(zero))
		return ~crc32c_update(~0U, pkt, len);
	crc = crc32c_update(~0U, pkt, SCTP_CKSUM_OFF);
	crc = crc32c_update(crc, zero, sizeof(zero));
	crc = crc32c_update(crc, pkt + SCTP_CKSUM_OFF + sizeof(zero),
	    len - SCTP_CKSUM_OFF - sizeof(zero));
	return ~crc;
}

/*
 * Linux stores cpu_to_le32(crc) in the field (include/net/sctp/checksum.h):
 * the first byte on the wire is the least significant byte of the CRC.
 */
int
sctp_checksum_ok(const uint8_t *pkt, size_t len)
{
	if (len < SCTP_CKSUM_OFF + 4)
		return 0;
	return crc32c_load_le32(pkt + SCTP_CKSUM_OFF) ==
	    sctp_checksum(pkt, len);
}

/* Compute the checksum and store it the way sctp_checksum_ok() reads it. */
void
sctp_checksum_set(uint8_t *pkt, size_t len)
{
	uint32_t	crc;

	if (len < SCTP_CKSUM_OFF + 4)
		return;
	crc = sctp_checksum(pkt, len);
	pkt[SCTP_CKSUM_OFF] = crc & 0xff;
	pkt[SCTP_CKSUM_OFF + 1] = (crc >> 8) & 0xff;
	pkt[SCTP_CKSUM_OFF + 2] = (crc >> 16) & 0xff;
	pkt[SCTP_CKSUM_OFF + 3] = crc >> 24;
}
