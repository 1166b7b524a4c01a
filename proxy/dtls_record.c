/*
 * dtls_record: record headers and the ClientHello fields the engine needs,
 * read from untrusted bytes.  Every read goes through a cursor that checks
 * the length first; a record is accepted only whole.
 */
#include <string.h>

#include "dtls_record.h"

#define DTLS_MT_CLIENT_HELLO	1
#define DTLS_HS_HEADER		12	/* type, length, seq, offset, length */

struct dtls_cursor {
	const uint8_t	*p;
	size_t		 left;
};

/* Take n bytes; NULL if fewer are left. */
static const uint8_t *
dtls_cursor_take(struct dtls_cursor *c, size_t n)
{
	const uint8_t	*p = c->p;

	if (c->left < n)
		return NULL;
	c->p += n;
	c->left -= n;
	return p;
}

/* A big-endian number of n (1 to 8) bytes; -1 if fewer are left. */
static int
dtls_cursor_num(struct dtls_cursor *c, size_t n, uint64_t *v)
{
	const uint8_t	*p;
	size_t		 i;

	if ((p = dtls_cursor_take(c, n)) == NULL)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++)
		*v = *v << 8 | p[i];
	return 0;
}

/*
 * Fill random and cookie if the fragment is the first fragment of a
 * ClientHello that holds them; 0 if so, -1 otherwise (not an error: the
 * record is then another handshake message).
 */
static int
dtls_record_hello(const uint8_t *frag, size_t len, struct dtls_record *r)
{
	struct dtls_cursor	 c = { frag, len };
	uint64_t		 type, msglen, fragoff, fraglen, n;
	const uint8_t		*random;

	if (dtls_cursor_num(&c, 1, &type) == -1 ||
	    type != DTLS_MT_CLIENT_HELLO ||
	    dtls_cursor_num(&c, 3, &msglen) == -1 ||
	    dtls_cursor_take(&c, 2) == NULL ||
	    dtls_cursor_num(&c, 3, &fragoff) == -1 ||
	    dtls_cursor_num(&c, 3, &fraglen) == -1 ||
	    fragoff != 0 || fraglen > msglen || fraglen > c.left)
		return -1;
	c.left = (size_t)fraglen;
	if (dtls_cursor_take(&c, 2) == NULL ||
	    (random = dtls_cursor_take(&c, DTLS_RANDOM_LEN)) == NULL ||
	    dtls_cursor_num(&c, 1, &n) == -1 ||
	    dtls_cursor_take(&c, (size_t)n) == NULL ||
	    dtls_cursor_num(&c, 1, &n) == -1 ||
	    dtls_cursor_take(&c, (size_t)n) == NULL)
		return -1;
	memcpy(r->random, random, DTLS_RANDOM_LEN);
	r->cookie = n != 0;
	return 0;
}

/* The record at *off; see dtls_record.h. */
int
dtls_record_next(const uint8_t *dgram, size_t len, size_t *off,
    struct dtls_record *r)
{
	struct dtls_cursor	 c;
	uint64_t		 type, version, epoch, seq, flen;
	const uint8_t		*frag;

	if (*off >= len)
		return 0;
	c.p = dgram + *off;
	c.left = len - *off;
	if (dtls_cursor_num(&c, 1, &type) == -1 ||
	    dtls_cursor_num(&c, 2, &version) == -1 ||
	    dtls_cursor_num(&c, 2, &epoch) == -1 ||
	    dtls_cursor_num(&c, 6, &seq) == -1 ||
	    dtls_cursor_num(&c, 2, &flen) == -1)
		return -1;
	if (type < DTLS_CT_CCS || type > DTLS_CT_DATA ||
	    (version != 0xfefd && version != 0xfeff) ||
	    flen > DTLS_RECORD_FRAGMENT ||
	    (frag = dtls_cursor_take(&c, (size_t)flen)) == NULL)
		return -1;
	memset(r, 0, sizeof(*r));
	r->type = (uint8_t)type;
	r->version = (uint16_t)version;
	r->epoch = (uint16_t)epoch;
	r->seq = seq;
	r->rec = dgram + *off;
	r->len = DTLS_RECORD_HEADER + (size_t)flen;
	if (type == DTLS_CT_DATA)
		r->kind = DTLS_RK_DATA;
	else if (type == DTLS_CT_HANDSHAKE && epoch == 0 &&
	    dtls_record_hello(frag, (size_t)flen, r) == 0)
		r->kind = DTLS_RK_HELLO;
	else
		r->kind = DTLS_RK_CONTROL;
	*off += r->len;
	return 1;
}

/* Is the whole datagram records?  See dtls_record.h. */
int
dtls_record_check(const uint8_t *dgram, size_t len)
{
	struct dtls_record	 r;
	size_t			 off = 0;
	int			 n;

	if (len == 0)
		return -1;
	while ((n = dtls_record_next(dgram, len, &off, &r)) == 1)
		;
	return n;
}

/* Epoch and sequence as one number: the order records were sent in. */
uint64_t
dtls_record_order(const struct dtls_record *r)
{
	return (uint64_t)r->epoch << 48 | r->seq;
}
