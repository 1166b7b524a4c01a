/*
 * fuzz_packet: the packet path a TUN read takes: ip_parse, then sctp_parse
 * of the transport payload, the INIT addresses, and sctp_strip_addrs on a
 * private copy (it writes).  Whatever the input, nothing may read or write
 * out of bounds, and a stripped packet must parse again with a valid
 * checksum.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "crc32c.h"
#include "fuzz.h"
#include "ippkt.h"
#include "sctp.h"

/* Strip a private copy and check the result is still a good packet. */
static void
fuzz_strip(const uint8_t *l4, size_t len)
{
	struct sctp_pkt	 sp;
	uint8_t		*copy;
	size_t		 n;

	if ((copy = malloc(len ? len : 1)) == NULL)
		return;
	memcpy(copy, l4, len);
	sctp_checksum_set(copy, len);
	n = sctp_strip_addrs(copy, len);
	if (n > len)
		abort();
	if (n != len && (sctp_parse(copy, n, &sp) != SCTP_OK ||
	    !sctp_checksum_ok(copy, n)))
		abort();
	free(copy);
}

/* One input: an IP packet as read from the TUN, or failing that raw SCTP. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ip_pkt	 ip;
	struct sctp_pkt	 sp;
	struct ipaddr	 addrs[8];
	const uint8_t	*l4 = data;
	size_t		 l4len = size;

	if (ip_parse(data, size, &ip) == IP_OK) {
		if (ip.l4 + ip.l4len > data + size)
			abort();
		l4 = ip.l4;
		l4len = ip.l4len;
	}
	if (sctp_parse(l4, l4len, &sp) == SCTP_OK) {
		if (sp.params != NULL &&
		    sp.params + sp.params_len > l4 + l4len)
			abort();
		sctp_init_addrs(&sp, addrs, 8);
		sctp_has_chunk(&sp, SCTP_ABORT);
		sctp_chunk_name(sp.type);
	}
	fuzz_strip(l4, l4len);
	return 0;
}
