/*
 * base64: decoding of standard base64 (RFC 4648 section 4, with padding)
 * and of hex, for keys and digests written in configuration files.
 */
#ifndef SCTPTUN_BASE64_H
#define SCTPTUN_BASE64_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode len characters of base64 at in into out (room for max bytes).
 * Returns the number of bytes, or -1 if the text is not base64 (bad
 * character, bad padding, length not a multiple of 4) or does not fit.
 */
int	base64_decode(const char *in, size_t len, uint8_t *out, size_t max);
/* Encode len bytes as base64 with padding into out (room for max, NUL
 * included); returns the length, or -1 if it does not fit. */
int	base64_encode(const uint8_t *in, size_t len, char *out, size_t max);
/* The same for hex digits (either case, an even number of them). */
int	hex_decode(const char *in, size_t len, uint8_t *out, size_t max);

#endif
