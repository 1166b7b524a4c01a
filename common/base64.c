/*
 * base64: strict decoders.  Strict on purpose: a key or a pin that is one
 * character off must be an error, not a different key.
 */
#include <string.h>

#include "base64.h"

static const char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "abcdefghijklmnopqrstuvwxyz0123456789+/";

/* The value of one base64 character; -1 if it is none. */
static int
base64_value(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(base64_alphabet, c)) == NULL)
		return -1;
	return (int)(p - base64_alphabet);
}

/* Encode base64; see base64.h. */
int
base64_encode(const uint8_t *in, size_t len, char *out, size_t max)
{
	size_t		 i, n = 0;
	uint32_t	 w;

	if ((len + 2) / 3 * 4 + 1 > max)
		return -1;
	for (i = 0; i < len; i += 3) {
		w = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			w |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			w |= in[i + 2];
		out[n++] = base64_alphabet[w >> 18 & 63];
		out[n++] = base64_alphabet[w >> 12 & 63];
		out[n++] = i + 1 < len ? base64_alphabet[w >> 6 & 63] : '=';
		out[n++] = i + 2 < len ? base64_alphabet[w & 63] : '=';
	}
	out[n] = '\0';
	return (int)n;
}

/* Decode base64; see base64.h. */
int
base64_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
	size_t		 i, n = 0;
	int		 v[4], k, pad;
	uint32_t	 w;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad > 0 || (v[k] = base64_value(in[i + k])) ==
			    -1)
				return -1;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if (n + 3 - (size_t)pad > max)
			return -1;
		out[n++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)w;
	}
	return (int)n;
}

/* The value of one hex digit; -1 if it is none. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex; see base64.h. */
int
hex_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
	size_t	i;
	int	hi, lo;

	if (len % 2 != 0 || len / 2 > max)
		return -1;
	for (i = 0; i < len; i += 2) {
		if ((hi = hex_value(in[i])) == -1 ||
		    (lo = hex_value(in[i + 1])) == -1)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}
