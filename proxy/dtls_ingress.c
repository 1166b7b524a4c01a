/*
 * dtls_ingress: the demultiplexer of the DTLS port.  A datagram is split
 * into records (dtls_record.c) and each goes where it belongs: a
 * ClientHello to its handshake or to the peer's stateless listener,
 * application data to the established session that authenticates it
 * (the replay window telling a replay from a forgery, a newer record
 * moving the port), any other record to the path's handshake or to its
 * established sessions on that port.  The sessions themselves are
 * dtls.c's.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>

#include "dtls_int.h"

/*
 * The smallest fragment an epoch 1 record of s can have: its cipher's
 * explicit nonce and tag.  OpenSSL 3.0 fails the whole session on a
 * shorter one instead of dropping it, so one forged datagram of 14 bytes
 * would end it; those never reach OpenSSL.
 */
static int
dtls_session_short(const struct dtls_session *s, const struct dtls_record *r)
{
	const SSL_CIPHER	*c = SSL_get_current_cipher(s->ssl);
	size_t			 min = 8 + 16;	/* AES-GCM */

	if (c != NULL && SSL_CIPHER_get_cipher_nid(c) == NID_chacha20_poly1305)
		min = 16;
	return r->epoch != 0 && r->len - DTLS_RECORD_HEADER < min;
}

/*
 * A handshake record for s's handshake.  A server that has the client's
 * ChangeCipherSpec and still waits for its Finished after an epoch 1
 * record arrived could not decrypt that Finished: another key.
 */
static void
dtls_session_handshake_in(struct dtls_session *s,
    const struct dtls_record *r)
{
	int	keycheck;

	keycheck = !s->client && r->epoch > 0 &&
	    SSL_get_state(s->ssl) == TLS_ST_SR_CHANGE;
	s->in = r->rec;
	s->in_len = r->len;
	if (dtls_session_drive(s) == -1)
		return;
	if (keycheck && s->state == DTLS_SS_HANDSHAKE &&
	    SSL_get_state(s->ssl) == TLS_ST_SR_CHANGE) {
		dtls_alert(s, SSL_AD_DECRYPT_ERROR);
		dtls_session_fail(s, DTLS_FAIL_BAD_KEY,
		    "the peer's Finished does not decrypt: another key");
	}
}

/* --- the replay window ------------------------------------------------ */

/*
 * Has s authenticated this record already, or is it too old?  The same
 * window as OpenSSL's (64 records), kept here so that a replay is told
 * from a forgery without asking OpenSSL.
 */
static int
dtls_window_seen(const struct dtls_session *s, const struct dtls_record *r)
{
	uint64_t	o = dtls_record_order(r), back;

	if (o >= s->rx_top)
		return 0;
	back = s->rx_top - 1 - o;
	return back >= 64 || ((s->rx_map >> back) & 1) != 0;
}

/* Mark a record authenticated; 1 if it is newer than any before. */
static int
dtls_window_mark(struct dtls_session *s, const struct dtls_record *r)
{
	uint64_t	o = dtls_record_order(r), shift;

	if (o < s->rx_top) {
		s->rx_map |= 1ULL << (s->rx_top - 1 - o);
		return 0;
	}
	shift = o + 1 - s->rx_top;
	s->rx_map = shift >= 64 ? 0 : s->rx_map << shift;
	s->rx_map |= 1;
	s->rx_top = o + 1;
	return 1;
}

/* --- the demultiplexer ------------------------------------------------ */

/*
 * Feed an established session a record it reads as application data or
 * as a control record (a retransmitted Finished, an alert).  The
 * plaintext length, 0 for none; a session the peer closed is marked dead.
 */
static int
dtls_session_read(struct dtls_session *s, const struct dtls_record *r)
{
	struct dtls	*d = s->d;
	int		 n, e;

	s->in = r->rec;
	s->in_len = r->len;
	ERR_clear_error();
	n = SSL_read(s->ssl, d->plain + DTLS_HEADROOM, DTLS_PACKET_MAX);
	s->in = NULL;
	if (n > 0)
		return n;
	e = SSL_get_error(s->ssl, n);
	ERR_clear_error();
	if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SSL ||
	    e == SSL_ERROR_SYSCALL)
		s->dead = 1;
	return 0;
}

/*
 * An authenticated record of s: mark it, move the port if it came from
 * another one and is newer than any before (dtls.h, Ports), deliver it.
 */
static void
dtls_session_accept(struct dtls_session *s, const struct dtls_record *r,
    uint16_t sport, size_t n, uint8_t tos)
{
	struct dtls		*d = s->d;
	struct dtls_path	*p = s->path;
	uint16_t		 old = s->port;

	s->records_in++;
	s->bytes_in += n;
	d->stats.dtls_records_in++;
	if (dtls_window_mark(s, r) && sport != s->port) {
		s->port = sport;
		if (p->current == s)
			p->port = sport;
		d->stats.dtls_roams++;
		dtls_emit(d, DTLS_EV_ROAMED, p, s, 0, NULL, old);
	}
	d->ops.deliver(d->arg, p->peer, &p->local, &p->remote, s->port,
	    d->plain + DTLS_HEADROOM, n, tos);
}

/*
 * The order application data is tried in: the sessions of the port it
 * came from first, the current one first among them.
 */
static int
dtls_data_order(const struct dtls_path *p, uint16_t sport,
    struct dtls_session **out)
{
	struct dtls_session	*s;
	int			 i, pass, n = 0;

	for (pass = 0; pass < 4; pass++)
		for (i = 0; i < DTLS_PATH_SESSIONS; i++) {
			s = p->sess[i];
			if (s == NULL || s->dead ||
			    (s->state != DTLS_SS_UP &&
			    s->state != DTLS_SS_RETIRING) ||
			    (s == p->current) != (pass % 2 == 0) ||
			    (s->port == sport) != (pass < 2))
				continue;
			out[n++] = s;
		}
	return n;
}

/*
 * A record for which no session of its own can decrypt it: the peer has
 * a session we lost (we restarted) or made one we never saw.  Become its
 * client, within the half-open cap and the path's back-off.
 */
static void
dtls_ingress_orphan(struct dtls *d, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t sport)
{
	struct dtls_path	*p;

	d->stats.dtls_no_session++;
	p = dtls_path_find(d, peer, local, remote);
	if (p != NULL && dtls_path_handshake(p) != NULL)
		return;
	if (d->handshakes >= d->conf->dtls.max_handshakes) {
		d->stats.dtls_halfopen_full++;
		return;
	}
	if (p == NULL && (p = dtls_path_get(d, peer, local, remote)) == NULL)
		return;
	dtls_path_connect(p, sport, dtls_now());
}

/*
 * Our client handshake on the path that has the server's ChangeCipherSpec
 * and waits for its Finished: the server may already send on the session,
 * and OpenSSL keeps such records until the handshake is done.
 */
static struct dtls_session *
dtls_path_finishing(const struct dtls_path *p, uint16_t sport,
    const struct dtls_record *r)
{
	struct dtls_session	*hs;

	if ((hs = dtls_path_handshake(p)) == NULL || !hs->client ||
	    hs->port != sport || SSL_get_state(hs->ssl) != TLS_ST_CR_CHANGE ||
	    dtls_session_short(hs, r))
		return NULL;
	return hs;
}

/*
 * An application-data record: tried on the path's established sessions
 * (dtls_data_order), a replay told from a forgery by the window.
 */
static void
dtls_ingress_data(struct dtls *d, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t sport,
    const struct dtls_record *r, uint8_t tos)
{
	struct dtls_path	*p = dtls_path_find(d, peer, local, remote);
	struct dtls_session	*try[DTLS_PATH_SESSIONS], *hs;
	int			 i, n = 0, len, seen = 0;

	if (p != NULL)
		n = dtls_data_order(p, sport, try);
	for (i = 0; i < n; i++) {
		if (dtls_session_short(try[i], r))
			continue;
		if (dtls_window_seen(try[i], r)) {
			seen = 1;
			continue;
		}
		if ((len = dtls_session_read(try[i], r)) > 0) {
			dtls_session_accept(try[i], r, sport, (size_t)len, tos);
			return;
		}
	}
	if (p != NULL && (hs = dtls_path_finishing(p, sport, r)) != NULL)
		dtls_session_handshake_in(hs, r);
	else if (n == 0)
		dtls_ingress_orphan(d, peer, local, remote, sport);
	else if (seen) {
		d->stats.dtls_replayed++;
		try[0]->replayed++;
	} else {
		d->stats.dtls_forged++;
		try[0]->forged++;
	}
}

/*
 * A handshake, change cipher spec or alert record: for the path's
 * handshake on that port, else for its established sessions on that port
 * (a client's retransmitted Finished, an alert); records of other keys
 * are dropped by OpenSSL unread.
 */
static void
dtls_ingress_control(struct dtls *d, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t sport,
    const struct dtls_record *r)
{
	struct dtls_path	*p = dtls_path_find(d, peer, local, remote);
	struct dtls_session	*s;
	int			 i, fed = 0, shortrec = 0;

	if (p != NULL && (s = dtls_path_handshake(p)) != NULL &&
	    s->port == sport) {
		if (r->epoch != 0 && (r->len > DTLS_FINISHED_MAX ||
		    dtls_session_short(s, r)))
			d->stats.dtls_forged++;
		else
			dtls_session_handshake_in(s, r);
		return;
	}
	for (i = 0; p != NULL && r->epoch != 0 && i < DTLS_PATH_SESSIONS;
	    i++) {
		s = p->sess[i];
		if (s == NULL || s->port != sport || s->dead ||
		    s->state == DTLS_SS_HANDSHAKE)
			continue;
		if (dtls_session_short(s, r))
			shortrec = 1;
		else {
			(void)dtls_session_read(s, r);
			fed = 1;
		}
	}
	if (shortrec && !fed)
		d->stats.dtls_forged++;
	else if (!fed)
		d->stats.dtls_no_session++;
}

/*
 * Does a ClientHello cross our own client handshake on the path and lose
 * to it (the higher client random wins, and both sides judge alike)?  Its
 * random is remembered: the peer gives that attempt up when it sees ours,
 * but its copies in flight may still come.
 */
static int
dtls_hello_loses(struct dtls_path *p, const uint8_t *random)
{
	struct dtls_session	*hs;
	uint8_t			 ours[DTLS_RANDOM_LEN];

	if (p == NULL)
		return 0;
	if ((hs = dtls_path_handshake(p)) == NULL || !hs->client)
		return memcmp(p->lost, random, DTLS_RANDOM_LEN) == 0;
	SSL_get_client_random(hs->ssl, ours, sizeof(ours));
	if (memcmp(ours, random, sizeof(ours)) < 0)
		return 0;
	memcpy(p->lost, random, DTLS_RANDOM_LEN);
	return 1;
}

/*
 * May a verified ClientHello go on?  Not if it lost a crossing; if it
 * won one, our own attempt is given up, not failed: the peer's session
 * will carry what the path holds.
 */
static int
dtls_hello_wins(struct dtls *d, struct dtls_path *p, const uint8_t *random)
{
	struct dtls_session	*hs;

	if (dtls_hello_loses(p, random)) {
		d->stats.dtls_simultaneous++;
		return 0;
	}
	if (p != NULL && (hs = dtls_path_handshake(p)) != NULL && hs->client) {
		d->stats.dtls_simultaneous++;
		dtls_session_free(hs, 0);
	}
	return 1;
}

/* Make a server handshake of the listener's verified ClientHello. */
static void
dtls_hello_accept(struct dtls *d, struct dtls_session *lis,
    struct dtls_path *p, uint16_t sport, const uint8_t *random)
{
	struct dtls_session	*s, *old;
	SSL			*ssl = lis->ssl;

	if ((old = dtls_path_handshake(p)) != NULL)
		dtls_session_free(old, 0);	/* the peer started again */
	if (dtls_listener_renew(lis) == -1) {
		lis->ssl = ssl;
		return;
	}
	if ((s = dtls_session_new(p, 0, sport, ssl)) == NULL) {
		SSL_free(ssl);
		d->stats.dtls_halfopen_full++;
		return;
	}
	memcpy(s->random, random, DTLS_RANDOM_LEN);
	BIO_set_data(SSL_get_rbio(ssl), s);
	SSL_set_app_data(ssl, s);
	SSL_set_mtu(ssl, DTLS_HANDSHAKE_MTU);
	(void)dtls_session_drive(s);
}

/*
 * The session a ClientHello with this random started (a server's), or
 * that has it (one up): a retransmission, or a replay.
 */
static struct dtls_session *
dtls_path_random(const struct dtls_path *p, const uint8_t *random)
{
	int	i;

	for (i = 0; i < DTLS_PATH_SESSIONS; i++)
		if (p->sess[i] != NULL && (!p->sess[i]->client ||
		    p->sess[i]->state != DTLS_SS_HANDSHAKE) &&
		    memcmp(p->sess[i]->random, random, DTLS_RANDOM_LEN) == 0)
			return p->sess[i];
	return NULL;
}

/*
 * A ClientHello.  Its retransmission goes to the handshake it started, a
 * replay of one that made a session is dropped;
 * any other is answered statelessly (DTLSv1_listen) until it comes back
 * with a cookie, and only then may it cost a session.
 */
static void
dtls_ingress_hello(struct dtls *d, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t sport,
    const struct dtls_record *r)
{
	struct dtls_path	*p = dtls_path_find(d, peer, local, remote);
	struct dtls_session	*hs, *lis = d->peers[peer].listener;
	int			 n;

	if (p != NULL && (hs = dtls_path_random(p, r->random)) != NULL) {
		if (hs->state == DTLS_SS_HANDSHAKE && hs->port == sport)
			dtls_session_handshake_in(hs, r);
		else
			d->stats.dtls_replayed++;
		return;
	}
	if (lis == NULL || lis->ssl == NULL) {
		d->stats.dtls_no_session++;
		return;
	}
	if (!r->cookie)
		(void)dtls_hello_loses(p, r->random);
	lis->local = *local;
	lis->remote = *remote;
	lis->port = sport;
	lis->in = r->rec;
	lis->in_len = r->len;
	ERR_clear_error();
	n = DTLSv1_listen(lis->ssl, d->listen_addr);
	lis->in = NULL;
	ERR_clear_error();
	if (n <= 0 || !dtls_hello_wins(d, p, r->random))
		return;
	if (d->handshakes >= d->conf->dtls.max_handshakes) {
		d->stats.dtls_halfopen_full++;
		return;
	}
	if (p == NULL && (p = dtls_path_get(d, peer, local, remote)) == NULL) {
		d->stats.dtls_halfopen_full++;
		return;
	}
	dtls_hello_accept(d, lis, p, sport, r->random);
}

/* Reap the sessions of a path that died while in use. */
static void
dtls_path_reap(struct dtls_path *p)
{
	int	i;

	for (i = 0; i < DTLS_PATH_SESSIONS; i++)
		if (p->sess[i] != NULL && p->sess[i]->dead)
			dtls_session_free(p->sess[i], 0);
}

/* A datagram from the DTLS port; see dtls.h. */
void
dtls_ingress(struct dtls *d, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t sport, uint8_t *dgram, size_t len,
    uint8_t tos)
{
	struct dtls_record	 r;
	struct dtls_path	*p;
	size_t			 off = 0;

	if (peer < 0 || (size_t)peer >= d->npeers ||
	    d->peers[peer].auth == NULL) {
		d->stats.dtls_no_session++;
		return;
	}
	if (dtls_record_check(dgram, len) == -1) {
		d->stats.dtls_not_dtls++;
		return;
	}
	while (dtls_record_next(dgram, len, &off, &r) == 1) {
		if (r.epoch > DTLS_EPOCH_LAST ||
		    (r.kind == DTLS_RK_DATA && r.epoch == 0))
			d->stats.dtls_forged++;
		else if (r.kind == DTLS_RK_HELLO)
			dtls_ingress_hello(d, peer, local, remote, sport, &r);
		else if (r.kind == DTLS_RK_DATA)
			dtls_ingress_data(d, peer, local, remote, sport, &r,
			    tos);
		else
			dtls_ingress_control(d, peer, local, remote, sport,
			    &r);
	}
	if ((p = dtls_path_find(d, peer, local, remote)) != NULL)
		dtls_path_reap(p);
}

