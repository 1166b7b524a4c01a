/*
 * dtls_bio: the BIO between OpenSSL and the engine.  A read returns the
 * one record the engine is feeding (the demultiplexer splits datagrams
 * into records, so each is judged alone); a write is one datagram, sent at
 * once.  BIO_s_mem would merge datagrams, and BIO_s_dgram_mem only exists
 * from OpenSSL 3.2.
 */
#include <string.h>

#include "dtls_int.h"

/* Hand OpenSSL the record being fed, once. */
static int
dtls_bio_read(BIO *b, char *buf, int len)
{
	struct dtls_session	*s = BIO_get_data(b);
	size_t			 n;

	BIO_clear_retry_flags(b);
	if (s == NULL || s->in == NULL || len <= 0) {
		BIO_set_retry_read(b);
		return -1;
	}
	n = s->in_len < (size_t)len ? s->in_len : (size_t)len;
	memcpy(buf, s->in, n);
	s->in = NULL;
	s->in_len = 0;
	return (int)n;
}

/*
 * Send one datagram.  It always succeeds for OpenSSL: a datagram the
 * socket refused is lost like any other (counted by dtls_output), and a
 * failed write would leave OpenSSL retrying it before the next record.
 */
static int
dtls_bio_write(BIO *b, const char *buf, int len)
{
	struct dtls_session	*s = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (s != NULL && len > 0)
		(void)dtls_output(s, (const uint8_t *)buf, (size_t)len);
	return len;
}

/* The controls DTLS asks a datagram BIO for; no others. */
static long
dtls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct dtls_session	*s = BIO_get_data(b);

	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
		/* IP and UDP headers, for OpenSSL's smallest MTU check. */
		return s != NULL && s->remote.family == AF_INET6 ? 48 : 28;
	default:
		return 0;
	}
}

/* Nothing to set up: the session is attached with BIO_set_data. */
static int
dtls_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* The method, once per engine. */
BIO_METHOD *
dtls_bio_method_new(void)
{
	BIO_METHOD	*m;

	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "sctptun dtls");
	if (m == NULL)
		return NULL;
	if (!BIO_meth_set_read(m, dtls_bio_read) ||
	    !BIO_meth_set_write(m, dtls_bio_write) ||
	    !BIO_meth_set_ctrl(m, dtls_bio_ctrl) ||
	    !BIO_meth_set_create(m, dtls_bio_create)) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}

/* A BIO reading from and writing for session s. */
BIO *
dtls_bio_new(BIO_METHOD *m, struct dtls_session *s)
{
	BIO	*b;

	if ((b = BIO_new(m)) == NULL)
		return NULL;
	BIO_set_data(b, s);
	return b;
}
