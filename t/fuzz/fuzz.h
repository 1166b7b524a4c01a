/*
 * fuzz: what the fuzz targets share.  Each target defines the libFuzzer
 * entry point; clang's -fsanitize=fuzzer links it into a fuzzer (make
 * fuzz), replay.c into a program that runs a corpus (make check).
 *
 * Inputs that are a sequence of steps are read through a cursor that
 * gives zeros past the end, so every input, however short, is a valid
 * sequence.  An invariant that fails aborts, which libFuzzer reports as a
 * crash and keeps the input.
 */
#ifndef SCTPTUN_FUZZ_H
#define SCTPTUN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort, saying which invariant broke, if cond is false. */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

struct fuzz_in {
	const uint8_t	*p;
	size_t		 len;
};

/* The next byte, 0 past the end. */
static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	if (in->len == 0)
		return 0;
	in->len--;
	return *in->p++;
}

/* The next two bytes, big-endian. */
static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t	v = fuzz_u8(in);

	return (uint16_t)(v << 8 | fuzz_u8(in));
}

/* Up to n bytes from the input: how many there were, at *p. */
static inline size_t
fuzz_bytes(struct fuzz_in *in, size_t n, const uint8_t **p)
{
	if (n > in->len)
		n = in->len;
	*p = in->p;
	in->p += n;
	in->len -= n;
	return n;
}

#endif
