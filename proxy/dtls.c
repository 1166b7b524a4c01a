/*
 * dtls: the engine of encrypted peers.  Owns the paths (local, remote
 * address) of encrypted peers, their sessions and held packets, the send
 * side and the timers; dtls.h states the rules.  dtls_ingress.c is the
 * demultiplexer of the DTLS port, dtls_auth.c who a peer must be,
 * dtls_bio.c how records reach OpenSSL, dtls_record.c how a datagram is
 * split into them.
 *
 * A session is a state machine with one function per event: a record in
 * (dtls_ingress.c), its timer (dtls_session_timer_cb), a packet to send
 * (dtls_session_send); its transitions go through dtls_session_up,
 * dtls_session_fail and dtls_session_free.  Sessions are freed only
 * outside OpenSSL's calls on them; the tick reaps those marked dead.
 *
 * A path runs one handshake at a time.  Two on the same ports could not
 * be told apart (both roles send Certificate, ChangeCipherSpec and
 * Finished), so a simultaneous open is settled when the second
 * ClientHello meets the first: the higher client random goes on, the
 * other side gives its own attempt up (dtls_ingress.c, dtls_hello_wins).
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "dtls_int.h"
#include "log.h"

#define DTLS_MS(sec)	((uint64_t)(sec) * 1000)

static void	dtls_session_timer_cb(evutil_socket_t, short, void *);

/* Milliseconds on a monotonic clock. */
uint64_t
dtls_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The name of a failure reason. */
const char *
dtls_fail_name(enum dtls_fail f)
{
	static const char *const names[DTLS_FAIL_MAX] = {
		"timeout", "bad-certificate", "unknown-ca", "bad-pin",
		"unknown-psk-identity", "bad-key", "protocol"
	};

	return (unsigned int)f < DTLS_FAIL_MAX ? names[f] : "unknown";
}

/* The counters. */
const struct dtls_stats *
dtls_stats(const struct dtls *d)
{
	return &d->stats;
}

/* Tell the daemon what happened to a session (or, s NULL, a path). */
void
dtls_emit(struct dtls *d, enum dtls_event_kind kind,
    const struct dtls_path *p, const struct dtls_session *s,
    enum dtls_fail reason, const char *detail, uint16_t old_port)
{
	struct dtls_event	ev;

	if (d->ops.event == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.peer = p->peer;
	ev.local = p->local;
	ev.remote = p->remote;
	ev.port = s != NULL ? s->port : p->port;
	ev.old_port = old_port;
	ev.client = s != NULL && s->client;
	ev.reason = reason;
	if (s != NULL && (kind == DTLS_EV_UP || kind == DTLS_EV_REKEYED))
		ev.cipher = s->cipher;
	if (s != NULL && s->identity[0] != '\0')
		ev.identity = s->identity;
	ev.detail = detail;
	d->ops.event(d->arg, &ev);
}

/* Count a failed handshake under its reason. */
static void
dtls_count_fail(struct dtls *d, enum dtls_fail reason)
{
	struct dtls_stats	*st = &d->stats;
	uint64_t		*const by_reason[DTLS_FAIL_MAX] = {
		&st->dtls_fail_timeout, &st->dtls_fail_bad_cert,
		&st->dtls_fail_unknown_ca, &st->dtls_fail_bad_pin,
		&st->dtls_fail_unknown_psk, &st->dtls_fail_bad_key,
		&st->dtls_fail_protocol
	};

	st->dtls_handshakes_failed++;
	if ((unsigned int)reason >= DTLS_FAIL_MAX)
		reason = DTLS_FAIL_PROTOCOL;
	(*by_reason[reason])++;
}

/* --- paths ------------------------------------------------------------ */

/* The hash chain of (local, remote). */
static struct dtls_path **
dtls_path_bucket(struct dtls *d, const struct ipaddr *local,
    const struct ipaddr *remote)
{
	uint32_t	h;

	h = addr_hash(remote, addr_hash(local, d->seed));
	return &d->bucket[h & (DTLS_PATH_BUCKETS - 1)];
}

/* The path of peer from local to remote, or NULL. */
struct dtls_path *
dtls_path_find(struct dtls *d, int peer, const struct ipaddr *local,
    const struct ipaddr *remote)
{
	struct dtls_path	*p;

	for (p = *dtls_path_bucket(d, local, remote); p != NULL; p = p->next)
		if (p->peer == peer && addr_equal(&p->remote, remote) &&
		    addr_equal(&p->local, local))
			return p;
	return NULL;
}

/* The path, made if there is none and room for one; NULL otherwise. */
struct dtls_path *
dtls_path_get(struct dtls *d, int peer, const struct ipaddr *local,
    const struct ipaddr *remote)
{
	struct dtls_path	*p, **b;

	if ((p = dtls_path_find(d, peer, local, remote)) != NULL)
		return p;
	if (d->npaths >= DTLS_PATHS_MAX ||
	    (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->d = d;
	p->peer = peer;
	p->local = *local;
	p->remote = *remote;
	b = dtls_path_bucket(d, local, remote);
	p->next = *b;
	*b = p;
	d->npaths++;
	return p;
}

/* The path's handshake in progress (there is one at most), or NULL. */
struct dtls_session *
dtls_path_handshake(const struct dtls_path *p)
{
	int	i;

	for (i = 0; i < DTLS_PATH_SESSIONS; i++)
		if (p->sess[i] != NULL &&
		    p->sess[i]->state == DTLS_SS_HANDSHAKE)
			return p->sess[i];
	return NULL;
}

/* Has the path a session that is up or retiring? */
static int
dtls_path_established(const struct dtls_path *p)
{
	int	i;

	for (i = 0; i < DTLS_PATH_SESSIONS; i++)
		if (p->sess[i] != NULL &&
		    (p->sess[i]->state == DTLS_SS_UP ||
		    p->sess[i]->state == DTLS_SS_RETIRING))
			return 1;
	return 0;
}

/* Has the path no session at all? */
static int
dtls_path_empty(const struct dtls_path *p)
{
	int	i;

	for (i = 0; i < DTLS_PATH_SESSIONS; i++)
		if (p->sess[i] != NULL)
			return 0;
	return 1;
}

/* --- held packets ---------------------------------------------------- */

/* Hold a packet until the path has a session; drop it if full. */
static void
dtls_hold_put(struct dtls_path *p, struct dtls *d, const uint8_t *pkt,
    size_t len, uint8_t tos)
{
	uint16_t	slot = d->hold_free;

	if (p->hold_count == DTLS_HOLD_PATH || slot == DTLS_HOLD_TOTAL) {
		d->stats.dtls_held_dropped++;
		return;
	}
	d->hold_free = d->held[slot].next;
	d->held[slot].len = (uint16_t)len;
	d->held[slot].tos = tos;
	memcpy(d->hold + (size_t)slot * DTLS_PACKET_MAX, pkt, len);
	p->hold[(p->hold_head + p->hold_count) % DTLS_HOLD_PATH] = slot;
	p->hold_count++;
	d->stats.dtls_held++;
}

/* Take the oldest held packet's slot off the path. */
static uint16_t
dtls_hold_take(struct dtls_path *p)
{
	uint16_t	slot = p->hold[p->hold_head];

	p->hold_head = (p->hold_head + 1) % DTLS_HOLD_PATH;
	p->hold_count--;
	return slot;
}

/* Give a slot back. */
static void
dtls_hold_release(struct dtls *d, uint16_t slot)
{
	d->held[slot].next = d->hold_free;
	d->hold_free = slot;
}

/* Drop every packet the path holds, counting them. */
static void
dtls_hold_drop(struct dtls_path *p, struct dtls *d)
{
	while (p->hold_count > 0) {
		dtls_hold_release(d, dtls_hold_take(p));
		d->stats.dtls_held_dropped++;
	}
}

/* --- sessions --------------------------------------------------------- */

/* Send a datagram OpenSSL wrote for s; see dtls_bio.c. */
int
dtls_output(struct dtls_session *s, const uint8_t *buf, size_t len)
{
	struct dtls		*d = s->d;
	struct dtls_record	 r;
	size_t			 off = 0;

	/* Handshake datagrams: note the epoch 0 sequence (dtls_alert). */
	while (s->inner == NULL && dtls_record_next(buf, len, &off, &r) == 1)
		if (r.epoch == 0 && r.seq >= s->tx_seq0)
			s->tx_seq0 = r.seq + 1;
	if (d->ops.send(d->arg, &s->local, &s->remote, s->port, buf, len,
	    s->tos, s->inner, s->inner_len) == -1) {
		d->stats.dtls_send_error++;
		return -1;
	}
	return 0;
}

/*
 * Send a fatal alert in epoch 0.  OpenSSL drops a record that does not
 * decrypt without a word (RFC 6347 4.1.2.7), so a peer with another key
 * would only ever time out; the server, which sees it first, says so.
 */
void
dtls_alert(struct dtls_session *s, uint8_t description)
{
	uint8_t		rec[DTLS_RECORD_HEADER + 2];
	uint64_t	seq = s->tx_seq0;
	int		i;

	rec[0] = DTLS_CT_ALERT;
	rec[1] = 0xfe;
	rec[2] = 0xfd;
	rec[3] = rec[4] = 0;
	for (i = 0; i < 6; i++)
		rec[5 + i] = (uint8_t)(seq >> (40 - 8 * i));
	rec[11] = 0;
	rec[12] = 2;
	rec[13] = 2;			/* fatal */
	rec[14] = description;
	s->inner = NULL;
	(void)dtls_output(s, rec, sizeof(rec));
}

/* An SSL for s, with its BIO, from s's context. */
static int
dtls_session_ssl(struct dtls_session *s)
{
	BIO	*b;

	if ((s->ssl = SSL_new(s->auth->ctx)) == NULL)
		return -1;
	if ((b = dtls_bio_new(s->d->bio_method, s)) == NULL) {
		SSL_free(s->ssl);
		s->ssl = NULL;
		return -1;
	}
	SSL_set_bio(s->ssl, b, b);
	SSL_set_app_data(s->ssl, s);
	SSL_set_mtu(s->ssl, DTLS_HANDSHAKE_MTU);
	return 0;
}

/* Make room on a path for one more session: retire the oldest retiring. */
static int
dtls_path_room(struct dtls_path *p)
{
	struct dtls_session	*old = NULL;
	int			 i;

	for (i = 0; i < DTLS_PATH_SESSIONS; i++) {
		if (p->sess[i] == NULL)
			return i;
		if (p->sess[i]->state == DTLS_SS_RETIRING &&
		    (old == NULL || p->sess[i]->retired < old->retired))
			old = p->sess[i];
	}
	if (old == NULL)
		return -1;
	dtls_session_free(old, 0);
	return dtls_path_room(p);
}

/*
 * A handshake on path p towards port, of our role client; with ssl
 * (a listener's, its ClientHello verified) or a new one.
 */
struct dtls_session *
dtls_session_new(struct dtls_path *p, int client, uint16_t port, SSL *ssl)
{
	struct dtls		*d = p->d;
	struct dtls_session	*s;
	int			 slot;

	if ((slot = dtls_path_room(p)) == -1 ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->d = d;
	s->path = p;
	s->auth = d->peers[p->peer].auth;
	s->auth->refs++;
	s->state = DTLS_SS_HANDSHAKE;
	s->client = client;
	s->local = p->local;
	s->remote = p->remote;
	s->port = port;
	s->started = s->last_read = s->active = dtls_now();
	s->ssl = ssl;
	if ((s->timer = evtimer_new(d->base, dtls_session_timer_cb, s)) ==
	    NULL ||
	    (ssl == NULL && dtls_session_ssl(s) == -1)) {
		if (s->timer != NULL)
			event_free(s->timer);
		dtls_auth_unref(s->auth);
		free(s);
		return NULL;
	}
	p->sess[slot] = s;
	d->handshakes++;
	return s;
}

/*
 * Free a session; notify sends close_notify first.  The last established
 * session of a path going is the path going down.
 */
void
dtls_session_free(struct dtls_session *s, int notify)
{
	struct dtls		*d = s->d;
	struct dtls_path	*p = s->path;
	int			 i, established;

	established = s->state == DTLS_SS_UP || s->state == DTLS_SS_RETIRING;
	if (s->state == DTLS_SS_HANDSHAKE)
		d->handshakes--;
	if (notify && established && !s->dead) {
		ERR_clear_error();
		(void)SSL_shutdown(s->ssl);
		ERR_clear_error();
	}
	for (i = 0; i < DTLS_PATH_SESSIONS; i++)
		if (p->sess[i] == s)
			p->sess[i] = NULL;
	if (p->current == s)
		p->current = NULL;
	if (established && !dtls_path_established(p))
		dtls_emit(d, DTLS_EV_DOWN, p, s, 0, NULL, 0);
	event_free(s->timer);
	SSL_free(s->ssl);
	dtls_auth_unref(s->auth);
	free(s);
}

/* Arm a handshake's timer: OpenSSL's retransmission, or our deadline. */
static void
dtls_session_arm(struct dtls_session *s)
{
	struct timeval	 tv;
	uint64_t	 now = dtls_now(), end, left, t;

	end = s->started + DTLS_MS(s->d->conf->dtls.handshake_timeout);
	left = end > now ? end - now : 0;
	if (DTLSv1_get_timeout(s->ssl, &tv) == 1) {
		t = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
		if (t < left)
			left = t;
	}
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	evtimer_add(s->timer, &tv);
}

/* Encrypt one packet in one record on s. */
static void
dtls_session_send(struct dtls_session *s, const uint8_t *pkt, size_t len,
    uint8_t tos)
{
	struct dtls	*d = s->d;
	uint64_t	 errors = d->stats.dtls_send_error;
	int		 n;

	s->inner = pkt;
	s->inner_len = len;
	s->tos = tos;
	ERR_clear_error();
	n = SSL_write(s->ssl, pkt, (int)len);
	s->inner = NULL;
	s->inner_len = 0;
	s->tos = 0;
	if (n <= 0) {
		/* The session is broken: the next packet makes a new one. */
		ERR_clear_error();
		d->stats.dtls_send_error++;
		s->dead = 1;
		return;
	}
	s->records_out++;
	s->bytes_out += len;
	if (d->stats.dtls_send_error == errors)
		d->stats.dtls_records_out++;
}

/* Send what the path held, in order, on its new current session. */
static void
dtls_hold_flush(struct dtls_path *p, struct dtls *d)
{
	uint16_t	slot;

	while (p->hold_count > 0 && p->current != NULL &&
	    !p->current->dead) {
		slot = dtls_hold_take(p);
		dtls_session_send(p->current,
		    d->hold + (size_t)slot * DTLS_PACKET_MAX,
		    d->held[slot].len, d->held[slot].tos);
		dtls_hold_release(d, slot);
	}
	dtls_hold_drop(p, d);
}

/* Application data OpenSSL kept back while the handshake ended. */
static void
dtls_session_drain(struct dtls_session *s)
{
	struct dtls		*d = s->d;
	struct dtls_path	*p = s->path;
	int			 n;

	for (;;) {
		ERR_clear_error();
		n = SSL_read(s->ssl, d->plain + DTLS_HEADROOM, DTLS_PACKET_MAX);
		if (n <= 0)
			break;
		s->records_in++;
		s->bytes_in += (uint64_t)n;
		d->stats.dtls_records_in++;
		d->ops.deliver(d->arg, p->peer, &p->local, &p->remote, s->port,
		    d->plain + DTLS_HEADROOM, (size_t)n, 0);
	}
	ERR_clear_error();
}

/*
 * A handshake is done: the session is the newest, so it becomes current
 * and the one it replaces retires; what the path held goes out on it.
 */
static void
dtls_session_up(struct dtls_session *s)
{
	struct dtls		*d = s->d;
	struct dtls_path	*p = s->path;
	struct dtls_session	*old = p->current;
	uint64_t		 now = dtls_now();

	evtimer_del(s->timer);
	s->state = DTLS_SS_UP;
	s->up = s->last_read = s->active = now;
	d->handshakes--;
	SSL_get_client_random(s->ssl, s->random, sizeof(s->random));
	dtls_auth_identity(s);
	d->stats.dtls_handshakes_done++;
	p->current = s;
	p->backoff = 0;
	p->next_try = 0;
	if (old != NULL) {
		old->state = DTLS_SS_RETIRING;
		old->retired = now;
		d->stats.dtls_rekeys++;
	}
	log_debug("dtls: peer %d session up (%s, %s)", p->peer,
	    s->client ? "client" : "server", s->cipher);
	dtls_emit(d, old != NULL ? DTLS_EV_REKEYED : DTLS_EV_UP, p, s, 0,
	    NULL, 0);
	dtls_hold_flush(p, d);
	dtls_session_drain(s);
}

/*
 * A handshake failed: count it, say it, back off if it was ours.  The
 * held packets go if nothing is left to carry them.  A reload's rekey
 * that failed leaves the session of the old key carrying packets: the
 * peer has not taken the new key yet (operators reload the two sides one
 * after the other), and the rekey is tried again with back-off until it
 * has.
 */
void
dtls_session_fail(struct dtls_session *s, enum dtls_fail reason,
    const char *detail)
{
	struct dtls		*d = s->d;
	struct dtls_path	*p = s->path;
	dtls_count_fail(d, reason);
	dtls_emit(d, DTLS_EV_FAILED, p, s, reason, detail, 0);
	if (s->client) {
		p->backoff = p->backoff == 0 ? 1 : p->backoff * 2;
		if (p->backoff > DTLS_BACKOFF_MAX)
			p->backoff = DTLS_BACKOFF_MAX;
		p->next_try = dtls_now() + DTLS_MS(p->backoff);
	}
	dtls_session_free(s, 0);
	if (p->current == NULL)
		dtls_hold_drop(p, d);
}

/*
 * Run s's handshake as far as the records fed allow.  0, or -1 if it
 * failed and s is gone.
 */
int
dtls_session_drive(struct dtls_session *s)
{
	const char	*detail;
	enum dtls_fail	 reason;
	int		 r, e;

	ERR_clear_error();
	r = SSL_do_handshake(s->ssl);
	s->in = NULL;
	if (r == 1) {
		dtls_session_up(s);
		return 0;
	}
	e = SSL_get_error(s->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		dtls_session_arm(s);
		return 0;
	}
	reason = dtls_auth_reason(s, e, &detail);
	dtls_session_fail(s, reason, detail);
	return -1;
}

/* A handshake's timer: retransmit, or give up at the deadline. */
static void
dtls_session_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dtls_session	*s = arg;
	uint64_t		 end;

	if (s->state != DTLS_SS_HANDSHAKE)
		return;
	end = s->started + DTLS_MS(s->d->conf->dtls.handshake_timeout);
	if (dtls_now() >= end) {
		dtls_session_fail(s, DTLS_FAIL_TIMEOUT,
		    "not done within handshake_timeout");
		return;
	}
	ERR_clear_error();
	if (DTLSv1_handle_timeout(s->ssl) < 0) {
		ERR_clear_error();
		dtls_session_fail(s, DTLS_FAIL_TIMEOUT,
		    "OpenSSL gave up retransmitting");
		return;
	}
	dtls_session_arm(s);
}

/* --- the send side ---------------------------------------------------- */

/*
 * Start a client handshake on p towards port, unless one is running or
 * the path is backing off.
 */
void
dtls_path_connect(struct dtls_path *p, uint16_t port, uint64_t now)
{
	struct dtls_session	*s;

	p->port = port;
	if (dtls_path_handshake(p) != NULL || now < p->next_try)
		return;
	if ((s = dtls_session_new(p, 1, port, NULL)) == NULL)
		return;
	SSL_set_connect_state(s->ssl);
	(void)dtls_session_drive(s);
}

/* An SCTP packet for an encrypted peer; see dtls.h. */
void
dtls_egress(struct dtls *d, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t port, const uint8_t *pkt,
    size_t len, uint8_t tos)
{
	struct dtls_path	*p;

	if (peer < 0 || (size_t)peer >= d->npeers ||
	    d->peers[peer].auth == NULL) {
		d->stats.dtls_held_dropped++;
		return;
	}
	if (len > DTLS_PACKET_MAX) {
		d->stats.dtls_too_big++;
		return;
	}
	p = dtls_path_find(d, peer, local, remote);
	if (p != NULL && p->current != NULL && !p->current->dead) {
		dtls_session_send(p->current, pkt, len, tos);
		return;
	}
	if (p == NULL && (p = dtls_path_get(d, peer, local, remote)) == NULL) {
		d->stats.dtls_held_dropped++;
		return;
	}
	dtls_hold_put(p, d, pkt, len, tos);
	dtls_path_connect(p, port, dtls_now());
}

/* --- time: rekeys, retirements, retries ------------------------------- */

/* Close every session of a path and drop what it holds. */
static void
dtls_path_close(struct dtls_path *p, int notify)
{
	int	i;

	for (i = 0; i < DTLS_PATH_SESSIONS; i++)
		if (p->sess[i] != NULL)
			dtls_session_free(p->sess[i], notify);
	dtls_hold_drop(p, p->d);
}

/*
 * Should the client of s replace it: old enough, many records, or a key a
 * reload changed (then whichever role we had)?
 */
static int
dtls_session_due(const struct dtls_session *s, uint64_t now)
{
	const struct dtls	*d = s->d;

	if (s->auth != d->peers[s->path->peer].auth)
		return 1;
	return s->client && (now - s->up >=
	    DTLS_MS(d->conf->dtls.rekey_seconds) ||
	    s->records_in + s->records_out >= DTLS_REKEY_RECORDS);
}

/*
 * Note when s last carried records.  The tick looks, not each record:
 * the data path reads no clock for it.
 */
static void
dtls_session_watch(struct dtls_session *s, uint64_t now)
{
	if (s->records_in != s->mark_in) {
		s->mark_in = s->records_in;
		s->last_read = s->active = now;
	}
	if (s->records_out != s->mark_out) {
		s->mark_out = s->records_out;
		s->active = now;
	}
}

/* One path's timekeeping; 1 if nothing is left of it and it may go. */
static int
dtls_path_tick(struct dtls_path *p, uint64_t now)
{
	const struct config	*conf = p->d->conf;
	struct dtls_session	*s, *c;
	int			 i;

	for (i = 0; i < DTLS_PATH_SESSIONS; i++) {
		if ((s = p->sess[i]) == NULL)
			continue;
		dtls_session_watch(s, now);
		if (s->dead || (s->state == DTLS_SS_RETIRING &&
		    now - s->retired >= DTLS_MS(DTLS_RETIRE_SECONDS)))
			dtls_session_free(s, 0);
	}
	if ((c = p->current) != NULL) {
		if (conf->idle_timeout != 0 &&
		    now - c->active >= DTLS_MS(conf->idle_timeout))
			dtls_path_close(p, 1);
		else if (dtls_session_due(c, now))
			dtls_path_connect(p, c->port, now);
	} else if (p->hold_count > 0)
		dtls_path_connect(p, p->port, now);
	return dtls_path_empty(p) && p->hold_count == 0 && now >= p->next_try;
}

/* A new cookie secret every few minutes; the one before stays valid. */
static void
dtls_secret_rotate(struct dtls *d, uint64_t now)
{
	if (now - d->secret_born < DTLS_MS(DTLS_COOKIE_ROTATE))
		return;
	memcpy(d->secret[1], d->secret[0], DTLS_SECRET_LEN);
	if (RAND_bytes(d->secret[0], DTLS_SECRET_LEN) != 1)
		memcpy(d->secret[0], d->secret[1], DTLS_SECRET_LEN);
	d->secret_born = now;
}

/* The engine's tick: every path's timekeeping, and the cookie secret. */
static void
dtls_tick_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dtls		*d = arg;
	struct dtls_path	*p, **pp;
	uint64_t		 now = dtls_now();
	size_t			 i;

	dtls_secret_rotate(d, now);
	for (i = 0; i < DTLS_PATH_BUCKETS; i++) {
		for (pp = &d->bucket[i]; (p = *pp) != NULL;) {
			if (!dtls_path_tick(p, now)) {
				pp = &p->next;
				continue;
			}
			*pp = p->next;
			free(p);
			d->npaths--;
		}
	}
}

/* --- the engine -------------------------------------------------------- */

/* A listener's SSL, fresh: it answers ClientHellos of its peer. */
int
dtls_listener_renew(struct dtls_session *lis)
{
	lis->ssl = NULL;
	if (dtls_session_ssl(lis) == -1)
		return -1;
	SSL_set_accept_state(lis->ssl);
	return 0;
}

/* A peer's listener: answers its ClientHellos before any state exists. */
static struct dtls_session *
dtls_listener_new(struct dtls *d, struct dtls_auth *a)
{
	struct dtls_session	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->d = d;
	s->auth = a;
	a->refs++;
	s->state = DTLS_SS_LISTEN;
	if (dtls_listener_renew(s) == -1) {
		dtls_auth_unref(a);
		free(s);
		return NULL;
	}
	return s;
}

/* Free the per-peer state of a configuration. */
static void
dtls_peers_free(struct dtls_peer *peers, size_t n)
{
	size_t	i;

	for (i = 0; peers != NULL && i < n; i++) {
		if (peers[i].listener != NULL) {
			SSL_free(peers[i].listener->ssl);
			dtls_auth_unref(peers[i].listener->auth);
			free(peers[i].listener);
		}
		dtls_auth_unref(peers[i].auth);
	}
	free(peers);
}

/* The current context of the peer named name, if it has the digest. */
static struct dtls_auth *
dtls_peer_same(const struct dtls *d, const char *name,
    const struct dtls_auth *a)
{
	size_t	i;

	for (i = 0; i < d->npeers; i++)
		if (strcmp(d->peers[i].name, name) == 0 &&
		    d->peers[i].auth != NULL &&
		    memcmp(d->peers[i].auth->digest, a->digest,
		    sizeof(a->digest)) == 0)
			return d->peers[i].auth;
	return NULL;
}

/*
 * Contexts and listeners for conf's encrypted peers.  A peer whose
 * settings and files are unchanged keeps its context, so its sessions are
 * not rekeyed.
 */
static struct dtls_peer *
dtls_peers_new(struct dtls *d, const struct config *conf, char **cause)
{
	struct dtls_peer	*peers;
	struct dtls_auth	*a, *same;
	size_t			 i;

	if ((peers = calloc(conf->npeers + 1, sizeof(*peers))) == NULL)
		return NULL;
	for (i = 0; i < conf->npeers; i++) {
		snprintf(peers[i].name, sizeof(peers[i].name), "%s",
		    conf->peers[i].name);
		if (conf->peers[i].dtls == NULL)
			continue;
		if ((a = dtls_auth_new(d, conf, i, cause)) == NULL)
			goto fail;
		if ((same = dtls_peer_same(d, peers[i].name, a)) != NULL) {
			dtls_auth_unref(a);
			a = same;
			a->refs++;
		}
		peers[i].auth = a;
		if ((peers[i].listener = dtls_listener_new(d, a)) == NULL)
			goto fail;
	}
	return peers;
fail:
	dtls_peers_free(peers, conf->npeers);
	return NULL;
}

/* The index of the encrypted peer named name in peers, or -1. */
static int
dtls_peer_index(const struct dtls_peer *peers, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (peers[i].auth != NULL && strcmp(peers[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * Move the paths to the new configuration's peer indexes; close those of
 * peers that went or are no longer encrypted (their events still name
 * the old index).
 */
static void
dtls_paths_remap(struct dtls *d, const struct dtls_peer *peers, size_t n)
{
	struct dtls_path	*p, **pp;
	size_t			 i;
	int			 j;

	for (i = 0; i < DTLS_PATH_BUCKETS; i++) {
		for (pp = &d->bucket[i]; (p = *pp) != NULL;) {
			j = dtls_peer_index(peers, n, d->peers[p->peer].name);
			if (j != -1) {
				p->peer = j;
				pp = &p->next;
				continue;
			}
			dtls_path_close(p, 1);
			*pp = p->next;
			free(p);
			d->npaths--;
		}
	}
}

/* An engine; see dtls.h. */
struct dtls *
dtls_create(struct event_base *base, const struct config *conf,
    const struct dtls_ops *ops, void *arg, char **cause)
{
	struct dtls	*d;
	struct timeval	 tv = { 0, DTLS_TICK_MS * 1000 };
	uint16_t	 i;

	*cause = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto fail;
	d->base = base;
	d->conf = conf;
	d->ops = *ops;
	d->arg = arg;
	d->secret_born = dtls_now();
	if (RAND_bytes((uint8_t *)&d->seed, sizeof(d->seed)) != 1 ||
	    RAND_bytes(d->secret[0], DTLS_SECRET_LEN) != 1 ||
	    RAND_bytes(d->secret[1], DTLS_SECRET_LEN) != 1 ||
	    (d->bio_method = dtls_bio_method_new()) == NULL ||
	    (d->listen_addr = BIO_ADDR_new()) == NULL ||
	    (d->hold = malloc((size_t)DTLS_HOLD_TOTAL * DTLS_PACKET_MAX)) ==
	    NULL)
		goto fail;
	for (i = 0; i < DTLS_HOLD_TOTAL; i++)
		d->held[i].next = i + 1;
	if ((d->peers = dtls_peers_new(d, conf, cause)) == NULL)
		goto fail;
	d->npeers = conf->npeers;
	if ((d->tick = event_new(base, -1, EV_PERSIST, dtls_tick_cb, d)) ==
	    NULL || event_add(d->tick, &tv) == -1)
		goto fail;
	return d;
fail:
	if (*cause == NULL)
		*cause = strdup("dtls: out of memory");
	dtls_free(d);
	return NULL;
}

/* Free an engine, saying nothing to the peers nor to the daemon. */
void
dtls_free(struct dtls *d)
{
	struct dtls_path	*p;
	size_t			 i;

	if (d == NULL)
		return;
	d->ops.event = NULL;
	for (i = 0; i < DTLS_PATH_BUCKETS; i++) {
		while ((p = d->bucket[i]) != NULL) {
			dtls_path_close(p, 0);
			d->bucket[i] = p->next;
			free(p);
		}
	}
	dtls_peers_free(d->peers, d->npeers);
	if (d->tick != NULL)
		event_free(d->tick);
	BIO_meth_free(d->bio_method);
	BIO_ADDR_free(d->listen_addr);
	free(d->hold);
	free(d);
}

/* A new configuration; see dtls.h. */
int
dtls_reload(struct dtls *d, const struct config *conf, char **cause)
{
	struct dtls_peer	*peers;

	*cause = NULL;
	if ((peers = dtls_peers_new(d, conf, cause)) == NULL) {
		if (*cause == NULL)
			*cause = strdup("dtls: out of memory");
		return -1;
	}
	dtls_paths_remap(d, peers, conf->npeers);
	dtls_peers_free(d->peers, d->npeers);
	d->peers = peers;
	d->npeers = conf->npeers;
	d->conf = conf;
	return 0;
}

/* Describe one session. */
static void
dtls_session_info(const struct dtls_session *s, uint64_t now,
    struct dtls_session_info *i)
{
	static const char *const states[] = {
		"listen", "handshake", "up", "retiring"
	};
	const struct dtls_path	*p = s->path;

	memset(i, 0, sizeof(*i));
	i->peer = p->peer;
	i->local = p->local;
	i->remote = p->remote;
	i->port = s->port;
	i->state = states[s->state];
	i->current = p->current == s;
	i->client = s->client;
	i->cipher = s->state == DTLS_SS_HANDSHAKE ? NULL : s->cipher;
	i->identity = s->identity[0] != '\0' ? s->identity : NULL;
	i->age = (uint32_t)((now - (s->state == DTLS_SS_HANDSHAKE ?
	    s->started : s->up)) / 1000);
	i->idle = (uint32_t)((now - s->last_read) / 1000);
	i->records_in = s->records_in;
	i->records_out = s->records_out;
	i->bytes_in = s->bytes_in;
	i->bytes_out = s->bytes_out;
	i->replayed = s->replayed;
	i->forged = s->forged;
}

/* Every session; see dtls.h. */
void
dtls_foreach_session(const struct dtls *d,
    void (*cb)(const struct dtls_session_info *, void *), void *arg)
{
	struct dtls_session_info info;
	const struct dtls_path	*p;
	uint64_t		 now = dtls_now();
	size_t			 i;
	int			 j;

	for (i = 0; i < DTLS_PATH_BUCKETS; i++)
		for (p = d->bucket[i]; p != NULL; p = p->next)
			for (j = 0; j < DTLS_PATH_SESSIONS; j++) {
				if (p->sess[j] == NULL)
					continue;
				dtls_session_info(p->sess[j], now, &info);
				cb(&info, arg);
			}
}
