/*
 * test_relay_msg: the relay channel's codec, its authentication and its
 * replay window.
 */
#include <stdlib.h>
#include <string.h>

#include "relay_msg.h"
#include "tap.h"

static const uint8_t secret[] = "0123456789abcdef0123456789abcdef-cluster";

static struct ipaddr
ip(const char *s)
{
	struct ipaddr	a;

	if (addr_pton(s, &a) == -1)
		abort();
	return a;
}

static struct relay_msg
msg(int type, uint64_t epoch, uint64_t seq, uint32_t ts)
{
	struct relay_msg	m;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	m.epoch = epoch;
	m.seq = seq;
	m.timestamp = ts;
	return m;
}

static void
test_round_trip(struct relay_key *k)
{
	static const uint8_t	 pkt[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	    12, 13, 14, 15, 16 };
	struct ipaddr		 rcv = ip("10.0.0.2"), rcv6 = ip("fd00::2");
	struct relay_msg	 m, d;
	uint8_t			 buf[256];
	size_t			 n;

	m = msg(RELAY_HELLO, 77, 1, 1000);
	n = relay_encode(buf, sizeof(buf), &m, k, &rcv);
	ok(n == RELAY_HDRLEN + RELAY_MACLEN, "hello: header and MAC only");
	ok(relay_decode(buf, n, k, &rcv, &d) == RELAY_OK &&
	    d.type == RELAY_HELLO && d.epoch == 77 && d.seq == 1 &&
	    d.timestamp == 1000, "hello decodes");

	m = msg(RELAY_QUERY, 1, 2, 3);
	m.vtag = 0xdeadbeef;
	m.lport = 3868;
	m.pport = 40000;
	m.flags = RELAY_F_REFLECTED;
	n = relay_encode(buf, sizeof(buf), &m, k, &rcv6);
	ok(relay_decode(buf, n, k, &rcv6, &d) == RELAY_OK &&
	    d.type == RELAY_QUERY && d.vtag == 0xdeadbeef &&
	    d.lport == 3868 && d.pport == 40000 &&
	    d.flags == RELAY_F_REFLECTED, "query round trip (IPv6 receiver)");

	m = msg(RELAY_RELAY, 1, 3, 3);
	m.client = ip("192.0.2.7");
	m.client_port = 51000;
	m.tos = 0x2e;
	m.pkt = pkt;
	m.pktlen = sizeof(pkt);
	n = relay_encode(buf, sizeof(buf), &m, k, &rcv);
	ok(n == RELAY_OVERHEAD + sizeof(pkt), "relay: overhead %d bytes",
	    RELAY_OVERHEAD);
	ok(relay_decode(buf, n, k, &rcv, &d) == RELAY_OK &&
	    d.type == RELAY_RELAY && addr_equal(&d.client, &m.client) &&
	    d.client_port == 51000 && d.tos == 0x2e &&
	    d.pktlen == sizeof(pkt) && memcmp(d.pkt, pkt, sizeof(pkt)) == 0,
	    "relay round trip: client, port, tos, packet");

	m.type = RELAY_SEND;
	m.client = ip("2001:db8::9");
	n = relay_encode(buf, sizeof(buf), &m, k, &rcv);
	ok(relay_decode(buf, n, k, &rcv, &d) == RELAY_OK &&
	    d.type == RELAY_SEND && addr_equal(&d.client, &m.client),
	    "send round trip, IPv6 client");
	ok(relay_encode(buf, RELAY_OVERHEAD + sizeof(pkt) - 1, &m, k,
	    &rcv) == 0, "no room: nothing encoded");
	m.pktlen = 0;
	ok(relay_encode(buf, sizeof(buf), &m, k, &rcv) == 0,
	    "a relay without a packet is not encoded");
	m = msg(9, 1, 1, 1);
	ok(relay_encode(buf, sizeof(buf), &m, k, &rcv) == 0,
	    "an unknown type is not encoded");
}

static void
test_refusals(struct relay_key *k)
{
	static const uint8_t	 pkt[40];
	struct ipaddr		 rcv = ip("10.0.0.2");
	struct relay_msg	 m, d;
	struct relay_key	*other;
	uint8_t			 buf[256];
	size_t			 n, i;
	int			 good = 1;

	m = msg(RELAY_RELAY, 5, 9, 100);
	m.client = ip("192.0.2.1");
	m.client_port = 9;
	m.pkt = pkt;
	m.pktlen = sizeof(pkt);
	n = relay_encode(buf, sizeof(buf), &m, k, &rcv);

	{
		struct ipaddr other_rcv = ip("10.0.0.3");

		ok(relay_decode(buf, n, k, &other_rcv, &d) == RELAY_ERR_AUTH,
		    "reflected to another member: refused");
	}
	other = relay_key_new((const uint8_t *)
	    "another secret of at least thirty-two bytes", 43);
	ok(other != NULL && relay_decode(buf, n, other, &rcv, &d) ==
	    RELAY_ERR_AUTH, "another key: refused");
	relay_key_free(other);

	for (i = 0; i < n; i++) {
		buf[i] ^= 0x40;
		if (relay_decode(buf, n, k, &rcv, &d) == RELAY_OK)
			good = 0;
		buf[i] ^= 0x40;
	}
	ok(good, "any flipped bit: refused");
	good = 1;
	for (i = 0; i < n; i++)
		if (relay_decode(buf, i, k, &rcv, &d) == RELAY_OK)
			good = 0;
	ok(good, "every truncation: refused");
	ok(relay_decode(buf, n, k, &rcv, &d) == RELAY_OK,
	    "the original still verifies");
	ok(relay_decode(buf, RELAY_HDRLEN + RELAY_MACLEN - 1, k, &rcv, &d) ==
	    RELAY_ERR_MALFORMED, "shorter than header and MAC: malformed");

	/* Authenticated but malformed bodies. */
	m = msg(RELAY_QUERY, 1, 1, 1);
	n = relay_encode(buf, sizeof(buf), &m, k, &rcv);
	buf[1] = RELAY_HELLO;
	ok(relay_parse(buf, n, &d) == RELAY_ERR_MALFORMED,
	    "a hello with a body is malformed");
	buf[1] = 0;
	ok(relay_parse(buf, n, &d) == RELAY_ERR_MALFORMED, "type 0: malformed");
	buf[1] = RELAY_QUERY;
	buf[0] = 2;
	ok(relay_decode(buf, n, k, &rcv, &d) == RELAY_ERR_MALFORMED,
	    "another version: malformed");
	ok(relay_key_new((const uint8_t *)"short", 5) == NULL,
	    "a key shorter than %d bytes is refused", RELAY_KEY_MIN);
}

/* Check seq of epoch at now against w. */
static enum relay_result
seen(struct relay_replay *w, uint64_t epoch, uint64_t seq, uint32_t ts,
    uint32_t now)
{
	struct relay_msg	m = msg(RELAY_HELLO, epoch, seq, ts);

	return relay_replay_check(w, &m, now);
}

static void
test_replay(void)
{
	struct relay_replay	 w;
	uint64_t		 s;
	int			 good = 1;

	memset(&w, 0, sizeof(w));
	ok(seen(&w, 10, 5, 1000, 1000) == RELAY_OK, "first message accepted");
	ok(seen(&w, 10, 5, 1000, 1000) == RELAY_ERR_REPLAY,
	    "the same seq again: replay");
	ok(seen(&w, 10, 4, 1000, 1000) == RELAY_OK,
	    "an older seq not seen yet: accepted (reordering)");
	ok(seen(&w, 10, 4, 1000, 1000) == RELAY_ERR_REPLAY, "and only once");
	ok(seen(&w, 10, 6, 1030, 1000) == RELAY_OK, "30 s ahead: accepted");
	ok(seen(&w, 10, 7, 1031, 1000) == RELAY_ERR_STALE, "31 s ahead: stale");
	ok(seen(&w, 10, 7, 969, 1000) == RELAY_ERR_STALE, "31 s old: stale");
	ok(seen(&w, 10, 7, 970, 1000) == RELAY_OK,
	    "a stale refusal did not burn the seq");

	/* The window's edges. */
	ok(seen(&w, 10, 7 + RELAY_WINDOW, 1000, 1000) == RELAY_OK,
	    "a jump of the window's size");
	ok(seen(&w, 10, 8, 1000, 1000) == RELAY_OK,
	    "top - %d is still in the window", RELAY_WINDOW - 1);
	ok(seen(&w, 10, 7, 1000, 1000) == RELAY_ERR_REPLAY,
	    "top - %d is below it: refused", RELAY_WINDOW);
	ok(seen(&w, 10, 6, 1000, 1000) == RELAY_ERR_REPLAY,
	    "further below: refused");
	for (s = 9; s < 7 + RELAY_WINDOW; s++)
		if (seen(&w, 10, s, 1000, 1000) != RELAY_OK)
			good = 0;
	ok(good, "every seq of the window once");
	good = 1;
	for (s = 8; s <= 7 + RELAY_WINDOW; s++)
		if (seen(&w, 10, s, 1000, 1000) != RELAY_ERR_REPLAY)
			good = 0;
	ok(good, "and none twice");
	ok(seen(&w, 10, 1000000, 1000, 1000) == RELAY_OK,
	    "a jump far ahead");
	ok(seen(&w, 10, 1000000 - 64, 1000, 1000) == RELAY_OK,
	    "a word the jump cleared is fresh");

	/* Epochs. */
	ok(seen(&w, 9, 2000000, 1000, 1000) == RELAY_ERR_REPLAY,
	    "an older epoch: refused");
	ok(seen(&w, 11, 0, 1000, 1000) == RELAY_OK,
	    "a newer epoch (the sender restarted) starts over at seq 0");
	ok(seen(&w, 11, 0, 1000, 1000) == RELAY_ERR_REPLAY,
	    "its seq 0 only once");
	ok(seen(&w, 10, 1000001, 1000, 1000) == RELAY_ERR_REPLAY,
	    "the old epoch is refused from now on");
	ok(seen(&w, 11, 1, 1000, 1000) == RELAY_OK, "the new one goes on");
}

int
main(void)
{
	struct relay_key	*k;

	k = relay_key_new(secret, sizeof(secret) - 1);
	ok(k != NULL, "a key of %zu bytes", sizeof(secret) - 1);
	if (k == NULL)
		return tap_done(0);
	test_round_trip(k);
	test_refusals(k);
	test_replay();
	ok(strcmp(relay_type_name(RELAY_SEND), "send") == 0, "type names");
	relay_key_free(k);
	return tap_done(0);
}
