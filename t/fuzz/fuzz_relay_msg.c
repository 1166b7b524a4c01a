/*
 * fuzz_relay_msg: libFuzzer entry point for the relay channel's codec.
 * The input is a message as received: it must be refused (it cannot carry
 * a valid HMAC), and relay_parse must never read out of bounds.  The same
 * bytes signed with the key (the trailer rewritten, as a member holding
 * the key would) must then decode exactly as relay_parse says, re-encode
 * to the same bytes, and feed a replay window that never accepts a
 * (epoch, seq) twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "relay_msg.h"

static const uint8_t fuzz_secret[] =
    "fuzz relay key: thirty-two bytes or more";

/* The fixed key and receiver every input is checked with. */
static struct relay_key *
fuzz_key(void)
{
	static struct relay_key	*k;

	if (k == NULL)
		k = relay_key_new(fuzz_secret, sizeof(fuzz_secret) - 1);
	FUZZ_ASSERT(k != NULL);
	return k;
}

/* Sign copy the way relay_encode does, through a round trip. */
static void
fuzz_signed(uint8_t *copy, size_t len, const struct ipaddr *rcv)
{
	struct relay_msg	 p, d, again;
	struct relay_replay	 w;
	uint8_t			*buf;
	size_t			 n;
	enum relay_result	 rp;

	rp = relay_parse(copy, len, &p);
	if (rp != RELAY_OK)
		return;
	if ((buf = malloc(len)) == NULL)
		return;
	n = relay_encode(buf, len, &p, fuzz_key(), rcv);
	FUZZ_ASSERT(n == len);
	FUZZ_ASSERT(relay_decode(buf, n, fuzz_key(), rcv, &d) == RELAY_OK);
	FUZZ_ASSERT(d.type == p.type && d.flags == p.flags &&
	    d.epoch == p.epoch && d.seq == p.seq && d.vtag == p.vtag &&
	    d.pktlen == p.pktlen && d.client_port == p.client_port);
	/* The body is what was sent, but for IPv4 padding the parser
	   refuses anyway. */
	FUZZ_ASSERT(memcmp(buf, copy, len - RELAY_MACLEN) == 0);
	memset(&w, 0, sizeof(w));
	if (relay_replay_check(&w, &d, d.timestamp) == RELAY_OK) {
		again = d;
		FUZZ_ASSERT(relay_replay_check(&w, &again, d.timestamp) ==
		    RELAY_ERR_REPLAY);
		again.seq = d.seq + 1;
		if (again.seq != 0)
			FUZZ_ASSERT(relay_replay_check(&w, &again,
			    d.timestamp) == RELAY_OK);
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct relay_msg	 m;
	struct ipaddr		 rcv;
	uint8_t			*copy;
	static const uint8_t	 a4[4] = { 10, 0, 0, 2 };

	addr_set4(&rcv, a4);
	if ((copy = malloc(len ? len : 1)) == NULL)
		return 0;
	memcpy(copy, data, len);
	(void)relay_decode(copy, len, fuzz_key(), &rcv, &m);
	if (relay_parse(copy, len, &m) == RELAY_OK && m.pkt != NULL)
		FUZZ_ASSERT(m.pkt + m.pktlen == copy + len - RELAY_MACLEN);
	fuzz_signed(copy, len, &rcv);
	free(copy);
	return 0;
}
