/*
 * dtls_int: what the engine's files share (dtls.c the paths, sessions,
 * held packets and timers; dtls_ingress.c the demultiplexer; dtls_auth.c
 * the contexts, files and callbacks; dtls_bio.c the datagram BIO).  Not
 * for the rest of the daemon: dtls.h is the interface.
 */
#ifndef SCTPTUN_DTLS_INT_H
#define SCTPTUN_DTLS_INT_H

#include <openssl/ssl.h>

#include "dtls.h"
#include "dtls_record.h"

#define DTLS_PATH_SESSIONS	4	/* per path, dtls.h */
#define DTLS_PATHS_MAX		4096	/* paths the engine keeps at most */
#define DTLS_PATH_BUCKETS	1024
#define DTLS_BACKOFF_MAX	30	/* seconds between client attempts */
#define DTLS_TICK_MS		250	/* rekeys, retirements, retries */
#define DTLS_COOKIE_ROTATE	300	/* seconds a cookie secret serves */
#define DTLS_COOKIE_LEN		16	/* HMAC-SHA256, truncated */
#define DTLS_SECRET_LEN		32
/* Handshake fragments fit the IPv6 minimum MTU (1280 - 40 - 8). */
#define DTLS_HANDSHAKE_MTU	1200
/*
 * Without renegotiation a session has two epochs: 0 for the handshake, 1
 * for everything after ChangeCipherSpec.  An epoch 1 record a handshake
 * may take is a Finished or an alert: small (OpenSSL buffers up to 100
 * records of the next epoch, so their size is what a flood could cost).
 */
#define DTLS_EPOCH_LAST		1
#define DTLS_FINISHED_MAX	128
#define DTLS_PSK_MIN		16
#define DTLS_PSK_MAX		64
#define DTLS_IDENTITY_MAX	256	/* a certificate subject, shortened */

/* One encrypted peer's authentication: a context and what it checks. */
struct dtls_auth {
	struct dtls	*d;
	SSL_CTX		*ctx;
	unsigned int	 refs;		/* the peer and each session */
	int		 psk;		/* 1 PSK, 0 certificates */
	char		 identity[CONFIG_PSK_ID_MAX];
	uint8_t		 key[DTLS_PSK_MAX];
	size_t		 keylen;
	int		 has_ca;
	int		 has_pin;
	uint8_t		 pin[CONFIG_PIN_LEN];
	uint8_t		 digest[32];	/* settings and files: reload
					   keeps the context if equal */
};

enum dtls_state {
	DTLS_SS_LISTEN,			/* a peer's stateless listener */
	DTLS_SS_HANDSHAKE,
	DTLS_SS_UP,
	DTLS_SS_RETIRING
};

struct dtls_path;

/*
 * A session (or a peer's listener, which has no path): one SSL and the
 * addresses its datagrams go to.
 */
struct dtls_session {
	struct dtls		*d;
	struct dtls_path	*path;		/* NULL for a listener */
	struct dtls_auth	*auth;		/* one reference */
	SSL			*ssl;
	struct event		*timer;		/* handshake retransmission */
	enum dtls_state		 state;
	int			 client;
	struct ipaddr		 local, remote;
	uint16_t		 port;
	uint64_t		 started, up, retired;	/* ms */
	uint64_t		 last_read, active;	/* ms, by the tick */
	uint64_t		 mark_in, mark_out;	/* records then */
	/* replay window of application data, as OpenSSL keeps it */
	uint64_t		 rx_top;	/* highest order + 1; 0 none */
	uint64_t		 rx_map;	/* bit i: rx_top - 1 - i seen */
	uint64_t		 tx_seq0;	/* next epoch 0 sequence */
	uint8_t			 random[DTLS_RANDOM_LEN];	/* client's */
	int			 fail_pin;	/* the pin did not match */
	int			 dead;		/* reap at the next tick */
	const char		*cipher;
	char			 identity[DTLS_IDENTITY_MAX];
	uint64_t		 records_in, records_out;
	uint64_t		 bytes_in, bytes_out;
	uint64_t		 replayed, forged;
	/* the record being fed to OpenSSL, and what the next write carries */
	const uint8_t		*in;
	size_t			 in_len;
	const uint8_t		*inner;
	size_t			 inner_len;
	uint8_t			 tos;
};

/* A packet held while its path has no session. */
struct dtls_held {
	uint16_t	 len;
	uint8_t		 tos;
	uint16_t	 next;		/* free list */
};

struct dtls_path {
	struct dtls		*d;
	struct dtls_path	*next;		/* hash chain */
	int			 peer;
	struct ipaddr		 local, remote;
	struct dtls_session	*sess[DTLS_PATH_SESSIONS];
	struct dtls_session	*current;
	uint16_t		 hold[DTLS_HOLD_PATH];	/* slots, a ring */
	unsigned int		 hold_head, hold_count;
	/* the random of a ClientHello that crossed ours and lost */
	uint8_t			 lost[DTLS_RANDOM_LEN];
	uint32_t		 backoff;	/* seconds; 0 after a success */
	uint64_t		 next_try;	/* ms: no client attempt before */
	uint16_t		 port;		/* of the last attempt */
};

struct dtls_peer {
	char			 name[CONFIG_NAME_MAX];
	struct dtls_auth	*auth;		/* NULL: a cleartext peer */
	struct dtls_session	*listener;
};

struct dtls {
	struct event_base	*base;
	const struct config	*conf;
	struct dtls_ops		 ops;
	void			*arg;
	struct dtls_peer	*peers;		/* as conf->peers */
	size_t			 npeers;
	struct dtls_path	*bucket[DTLS_PATH_BUCKETS];
	uint32_t		 npaths;
	uint32_t		 seed;
	unsigned int		 handshakes;	/* in progress, both roles */
	struct event		*tick;
	BIO_METHOD		*bio_method;
	BIO_ADDR		*listen_addr;
	uint8_t			 secret[2][DTLS_SECRET_LEN];	/* cookies */
	uint64_t		 secret_born;
	uint8_t			*hold;		/* DTLS_HOLD_TOTAL packets */
	struct dtls_held	 held[DTLS_HOLD_TOTAL];
	uint16_t		 hold_free;	/* DTLS_HOLD_TOTAL: none */
	uint8_t			 plain[DTLS_HEADROOM + DTLS_PACKET_MAX];
	struct dtls_stats	 stats;
};

/* dtls.c: paths and sessions */
uint64_t dtls_now(void);
void	dtls_emit(struct dtls *, enum dtls_event_kind,
	    const struct dtls_path *, const struct dtls_session *,
	    enum dtls_fail, const char *, uint16_t);
struct dtls_path *dtls_path_find(struct dtls *, int, const struct ipaddr *,
	    const struct ipaddr *);
struct dtls_path *dtls_path_get(struct dtls *, int, const struct ipaddr *,
	    const struct ipaddr *);
struct dtls_session *dtls_path_handshake(const struct dtls_path *);
void	dtls_path_connect(struct dtls_path *, uint16_t, uint64_t);
struct dtls_session *dtls_session_new(struct dtls_path *, int, uint16_t,
	    SSL *);
void	dtls_session_free(struct dtls_session *, int);
int	dtls_session_drive(struct dtls_session *);
void	dtls_session_fail(struct dtls_session *, enum dtls_fail,
	    const char *);
int	dtls_output(struct dtls_session *, const uint8_t *, size_t);
void	dtls_alert(struct dtls_session *, uint8_t);
int	dtls_listener_renew(struct dtls_session *);

/* dtls_auth.c */
struct dtls_auth *dtls_auth_new(struct dtls *, const struct config *,
	    size_t peer, char **cause);
void	dtls_auth_unref(struct dtls_auth *);
enum dtls_fail dtls_auth_reason(struct dtls_session *, int ssl_error,
	    const char **detail);
void	dtls_auth_identity(struct dtls_session *);

/* dtls_bio.c */
BIO_METHOD *dtls_bio_method_new(void);
BIO	*dtls_bio_new(BIO_METHOD *, struct dtls_session *);

#endif
