/*
 * fuzz_dtls_record: libFuzzer entry point for the DTLS demultiplexer's
 * view of a datagram: dtls_record_check, then every record in turn as
 * dtls_ingress walks them.  Whatever the input, nothing may read out of
 * bounds, the records must tile the datagram exactly when the check
 * passes, and a ClientHello is only ever found in epoch 0.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtls_record.h"
#include "fuzz.h"

/* Walk the records; abort on any broken promise of dtls_record.h. */
static void
fuzz_walk(const uint8_t *data, size_t len, int good)
{
	struct dtls_record	 r;
	size_t			 off = 0, before;
	int			 n;

	for (;;) {
		before = off;
		if ((n = dtls_record_next(data, len, &off, &r)) != 1)
			break;
		if (r.rec != data + before || r.len < DTLS_RECORD_HEADER ||
		    off != before + r.len || off > len)
			abort();
		if (r.type < DTLS_CT_CCS || r.type > DTLS_CT_DATA)
			abort();
		if (r.kind == DTLS_RK_HELLO &&
		    (r.epoch != 0 || r.type != DTLS_CT_HANDSHAKE))
			abort();
		if ((r.kind == DTLS_RK_DATA) != (r.type == DTLS_CT_DATA))
			abort();
		if (r.seq >> 48 != 0)
			abort();
	}
	if (n == -1 && off != before)
		abort();
	if (good && (n != 0 || off != len))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint8_t	*copy;

	/* An exact-size copy, so that ASan sees one byte past the end. */
	if ((copy = malloc(len ? len : 1)) == NULL)
		return 0;
	memcpy(copy, data, len);
	fuzz_walk(copy, len, dtls_record_check(copy, len) == 0);
	free(copy);
	return 0;
}
