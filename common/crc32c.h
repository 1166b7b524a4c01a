/*
 * crc32c: the Castagnoli CRC used by SCTP (RFC 9260 appendix B), with a
 * slicing-by-8 table implementation and one using the SSE4.2 crc32
 * instruction, chosen at run time.
 */
#ifndef SCTPTUN_CRC32C_H
#define SCTPTUN_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * The raw update functions take and return the CRC register without the
 * initial and final inversion: crc32c_value() = ~update(~0, buf, len).
 */
uint32_t crc32c_update_sw(uint32_t, const void *, size_t);
uint32_t crc32c_update_hw(uint32_t, const void *, size_t);
int	crc32c_hw_available(void);

/* Picks the implementation; called once, implicitly by crc32c_update(). */
void	crc32c_init(void);
const char *crc32c_impl_name(void);
uint32_t crc32c_update(uint32_t, const void *, size_t);
/* The finished CRC32c of a buffer, as RFC 3720's test vectors give it. */
uint32_t crc32c_value(const void *, size_t);

/*
 * SCTP packet checksum.  pkt points at the SCTP common header.  The field
 * is stored in network order of the little-endian CRC, as Linux does.
 * sctp_checksum() treats the checksum field as zero without writing it.
 */
uint32_t sctp_checksum(const uint8_t *pkt, size_t len);
int	sctp_checksum_ok(const uint8_t *pkt, size_t len);
void	sctp_checksum_set(uint8_t *pkt, size_t len);

#endif
