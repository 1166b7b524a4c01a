/*
 * relay_msg: the relay channel's codec, HMAC and replay window
 * (relay_msg.h).  One EVP_MAC context per key, set up once and re-armed
 * for each message: nothing is allocated per message.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "relay_msg.h"

struct relay_key {
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;
};

/* Big-endian stores and loads. */
static void
relay_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
relay_put32(uint8_t *p, uint32_t v)
{
	relay_put16(p, (uint16_t)(v >> 16));
	relay_put16(p + 2, (uint16_t)v);
}

static void
relay_put64(uint8_t *p, uint64_t v)
{
	relay_put32(p, (uint32_t)(v >> 32));
	relay_put32(p + 4, (uint32_t)v);
}

static uint16_t
relay_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
relay_get32(const uint8_t *p)
{
	return (uint32_t)relay_get16(p) << 16 | relay_get16(p + 2);
}

static uint64_t
relay_get64(const uint8_t *p)
{
	return (uint64_t)relay_get32(p) << 32 | relay_get32(p + 4);
}

/* A key from the shared secret. */
struct relay_key *
relay_key_new(const uint8_t *secret, size_t len)
{
	struct relay_key	*k;
	OSSL_PARAM		 params[2];
	char			 digest[] = "SHA256";

	if (len < RELAY_KEY_MIN || len > RELAY_KEY_MAX)
		return NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((k->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (k->ctx = EVP_MAC_CTX_new(k->mac)) == NULL ||
	    EVP_MAC_init(k->ctx, secret, len, params) != 1) {
		relay_key_free(k);
		return NULL;
	}
	return k;
}

void
relay_key_free(struct relay_key *k)
{
	if (k == NULL)
		return;
	EVP_MAC_CTX_free(k->ctx);
	EVP_MAC_free(k->mac);
	free(k);
}

/* The truncated HMAC of buf[0..len) and the receiver's address. */
static int
relay_mac(struct relay_key *k, const uint8_t *buf, size_t len,
    const struct ipaddr *receiver, uint8_t out[RELAY_MACLEN])
{
	uint8_t		 full[EVP_MAX_MD_SIZE], who[17];
	size_t		 outl = 0;

	memset(who, 0, sizeof(who));
	who[0] = receiver->family == AF_INET ? 4 : 6;
	memcpy(who + 1, receiver->u.bytes, 16);
	if (EVP_MAC_init(k->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(k->ctx, buf, len) != 1 ||
	    EVP_MAC_update(k->ctx, who, sizeof(who)) != 1 ||
	    EVP_MAC_final(k->ctx, full, &outl, sizeof(full)) != 1 ||
	    outl < RELAY_MACLEN)
		return -1;
	memcpy(out, full, RELAY_MACLEN);
	return 0;
}

/* Whether a type carries a client block and a packet. */
static int
relay_has_packet(int type)
{
	return type == RELAY_RELAY || type == RELAY_SEND;
}

/* The body of m at p (room checked by the caller); its length. */
static size_t
relay_encode_body(uint8_t *p, const struct relay_msg *m)
{
	switch (m->type) {
	case RELAY_QUERY:
	case RELAY_ANSWER:
		relay_put32(p, m->vtag);
		relay_put16(p + 4, m->lport);
		relay_put16(p + 6, m->pport);
		return RELAY_TAGLEN;
	case RELAY_RELAY:
	case RELAY_SEND:
		p[0] = m->client.family == AF_INET ? 4 : 6;
		p[1] = m->tos;
		relay_put16(p + 2, m->client_port);
		memcpy(p + 4, m->client.u.bytes, 16);
		memcpy(p + RELAY_CLIENTLEN, m->pkt, m->pktlen);
		return RELAY_CLIENTLEN + m->pktlen;
	default:
		return 0;
	}
}

size_t
relay_encode(uint8_t *buf, size_t size, const struct relay_msg *m,
    struct relay_key *k, const struct ipaddr *receiver)
{
	size_t	 body, len;

	if (m->type < RELAY_HELLO || m->type > RELAY_SEND)
		return 0;
	body = m->type == RELAY_HELLO ? 0 : RELAY_TAGLEN;
	if (relay_has_packet(m->type)) {
		if ((m->client.family != AF_INET &&
		    m->client.family != AF_INET6) || m->pktlen == 0)
			return 0;
		body = RELAY_CLIENTLEN + m->pktlen;
	}
	if (body > size || RELAY_HDRLEN + RELAY_MACLEN > size - body)
		return 0;
	buf[0] = RELAY_VERSION;
	buf[1] = m->type;
	relay_put16(buf + 2, m->flags);
	relay_put64(buf + 4, m->epoch);
	relay_put64(buf + 12, m->seq);
	relay_put32(buf + 20, m->timestamp);
	len = RELAY_HDRLEN + relay_encode_body(buf + RELAY_HDRLEN, m);
	if (relay_mac(k, buf, len, receiver, buf + len) == -1)
		return 0;
	return len + RELAY_MACLEN;
}

/* Parse the client block and packet of a RELAY or SEND body. */
static enum relay_result
relay_parse_client(const uint8_t *p, size_t len, struct relay_msg *m)
{
	size_t	 i;

	if (len <= RELAY_CLIENTLEN)
		return RELAY_ERR_MALFORMED;
	memset(&m->client, 0, sizeof(m->client));
	if (p[0] == 4) {
		for (i = 8; i < RELAY_CLIENTLEN; i++)
			if (p[i] != 0)
				return RELAY_ERR_MALFORMED;
		addr_set4(&m->client, p + 4);
	} else if (p[0] == 6)
		addr_set6(&m->client, p + 4);
	else
		return RELAY_ERR_MALFORMED;
	m->tos = p[1];
	m->client_port = relay_get16(p + 2);
	m->pkt = p + RELAY_CLIENTLEN;
	m->pktlen = len - RELAY_CLIENTLEN;
	return RELAY_OK;
}

enum relay_result
relay_parse(const uint8_t *buf, size_t len, struct relay_msg *m)
{
	const uint8_t	*body;
	size_t		 blen;

	memset(m, 0, sizeof(*m));
	if (len < RELAY_HDRLEN + RELAY_MACLEN || buf[0] != RELAY_VERSION ||
	    buf[1] < RELAY_HELLO || buf[1] > RELAY_SEND)
		return RELAY_ERR_MALFORMED;
	m->type = buf[1];
	m->flags = relay_get16(buf + 2);
	m->epoch = relay_get64(buf + 4);
	m->seq = relay_get64(buf + 12);
	m->timestamp = relay_get32(buf + 20);
	body = buf + RELAY_HDRLEN;
	blen = len - RELAY_HDRLEN - RELAY_MACLEN;
	switch (m->type) {
	case RELAY_HELLO:
		return blen == 0 ? RELAY_OK : RELAY_ERR_MALFORMED;
	case RELAY_QUERY:
	case RELAY_ANSWER:
		if (blen != RELAY_TAGLEN)
			return RELAY_ERR_MALFORMED;
		m->vtag = relay_get32(body);
		m->lport = relay_get16(body + 4);
		m->pport = relay_get16(body + 6);
		return RELAY_OK;
	default:
		return relay_parse_client(body, blen, m);
	}
}

enum relay_result
relay_decode(const uint8_t *buf, size_t len, struct relay_key *k,
    const struct ipaddr *receiver, struct relay_msg *m)
{
	uint8_t	 mac[RELAY_MACLEN];

	memset(m, 0, sizeof(*m));
	if (len < RELAY_HDRLEN + RELAY_MACLEN || buf[0] != RELAY_VERSION)
		return RELAY_ERR_MALFORMED;
	if (relay_mac(k, buf, len - RELAY_MACLEN, receiver, mac) == -1 ||
	    CRYPTO_memcmp(mac, buf + len - RELAY_MACLEN, RELAY_MACLEN) != 0)
		return RELAY_ERR_AUTH;
	return relay_parse(buf, len, m);
}

/* Forget the window and start it at seq of epoch. */
static void
relay_replay_reset(struct relay_replay *w, uint64_t epoch, uint64_t seq)
{
	memset(w->bits, 0, sizeof(w->bits));
	w->valid = 1;
	w->epoch = epoch;
	w->top = seq;
}

#define RELAY_WORDS	(RELAY_WINDOW / 64 + 1)

/* Whether seq is in the window and recorded; with mark, record it. */
static int
relay_replay_bit(struct relay_replay *w, uint64_t seq, int mark)
{
	uint64_t	*word = &w->bits[(seq / 64) % RELAY_WORDS];
	uint64_t	 bit = (uint64_t)1 << (seq % 64);
	int		 seen = (*word & bit) != 0;

	if (mark)
		*word |= bit;
	return seen;
}

/*
 * The window is a ring of RELAY_WORDS words of which one is always being
 * filled: moving the top clears the words the new top passes, so any seq
 * within RELAY_WINDOW of the top has its own bit.
 */
enum relay_result
relay_replay_check(struct relay_replay *w, const struct relay_msg *m,
    uint32_t now)
{
	int64_t		 skew = (int64_t)now - (int64_t)m->timestamp;
	uint64_t	 from, to, i;

	if (skew > RELAY_MAX_SKEW || skew < -RELAY_MAX_SKEW)
		return RELAY_ERR_STALE;
	if (!w->valid || m->epoch > w->epoch) {
		relay_replay_reset(w, m->epoch, m->seq);
		(void)relay_replay_bit(w, m->seq, 1);
		return RELAY_OK;
	}
	if (m->epoch < w->epoch)
		return RELAY_ERR_REPLAY;
	if (m->seq > w->top) {
		from = w->top / 64 + 1;
		to = m->seq / 64;
		if (to >= from && to - from >= RELAY_WORDS)
			from = to - RELAY_WORDS + 1;
		for (i = from; i <= to; i++)
			w->bits[i % RELAY_WORDS] = 0;
		w->top = m->seq;
		(void)relay_replay_bit(w, m->seq, 1);
		return RELAY_OK;
	}
	if (w->top - m->seq >= RELAY_WINDOW)
		return RELAY_ERR_REPLAY;
	if (relay_replay_bit(w, m->seq, 1))
		return RELAY_ERR_REPLAY;
	return RELAY_OK;
}

const char *
relay_type_name(int type)
{
	switch (type) {
	case RELAY_HELLO: return "hello";
	case RELAY_QUERY: return "query";
	case RELAY_ANSWER: return "answer";
	case RELAY_RELAY: return "relay";
	case RELAY_SEND: return "send";
	}
	return "?";
}
