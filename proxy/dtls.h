/*
 * dtls: encrypted peers.  DTLS 1.2 sessions between two sctptund (RFC 8261
 * layering: one whole SCTP packet is one DTLS application-data record),
 * over memory BIOs, driven by the data path's libevent loop.  The engine
 * knows nothing of sockets: the data path hands it the datagrams received
 * on the DTLS port and the SCTP packets to send to encrypted peers, and
 * gets back, through struct dtls_ops, datagrams to send and decrypted SCTP
 * packets to verify and deliver.
 *
 * Paths and sessions.  A path is (local address, remote address), as this
 * side sees them (behind a NAT the two sides see different pairs; each
 * keys by its own).  Every association between those two addresses shares
 * the path's session.  A path has at most one current session (the one
 * packets are sent on), one handshake in progress, and sessions being
 * retired after a rekey; 4 at most (a new one pushes the oldest retiring
 * one out).  A path whose current session carried no record either way
 * for limits.idle_timeout is closed (close_notify).
 *
 * Who starts a handshake: either side, as client, when it has a packet for
 * a path with no usable session, or when it receives application data on
 * a path that no session of its own can decrypt (the peer restarted, or we
 * did), unless a handshake already runs on the path.  Failed attempts
 * are rate limited per path (back-off 1, 2, 4 ... 30 s).  If both sides
 * start at once, their ClientHellos cross: the one with the higher client
 * random (SSL_get_client_random) goes on, and the side whose random is
 * lower gives its own attempt up (not a failure: dtls_simultaneous); both
 * judge alike, so one session results (two handshakes on the same ports
 * could not be told apart: both roles send Certificate, ChangeCipherSpec
 * and Finished).  The newest established session is current.  A side never
 * initiates a rekey of a session it serves: the client of the current
 * session rekeys it when it is dtls.rekey_seconds old or has carried
 * DTLS_REKEY_RECORDS records either way (make-before-break: a new
 * handshake, the new session becomes current when established, the old one
 * keeps accepting records for DTLS_RETIRE_SECONDS, then is freed).
 *
 * Ports.  A session has the remote port of its handshake.  A datagram
 * from a path's remote address on another port is tried against the
 * path's sessions; the port moves only when an application-data record
 * authenticates and is newer (epoch, sequence) than any the session has
 * authenticated (the DTLS analogue of RFC 6951 5.4).  Handshake records,
 * alerts and records that fail never move a port.  A handshake is started
 * towards the port the caller gives (the association's learned port, or
 * the peer's remote_port).
 *
 * Server side.  A ClientHello (epoch 0) is first answered statelessly
 * (DTLSv1_listen: HelloVerifyRequest with a cookie, an HMAC of the local
 * and remote address and port under a secret rotated every few minutes);
 * only a ClientHello with a valid cookie creates a session, and at most
 * dtls.max_handshakes server handshakes may be in progress at once (more
 * are dropped and counted).  A handshake, either role, that is not done
 * within dtls.handshake_timeout seconds is abandoned (OpenSSL's own
 * give-up takes minutes).
 *
 * Cleartext never leaves for an encrypted peer: while a path has no
 * current session its packets are held (DTLS_HOLD_PATH per path,
 * DTLS_HOLD_TOTAL in all, buffers allocated once) and sent when the
 * session is up, or dropped and counted (dtls_held_dropped) when the hold
 * is full or the handshake fails.
 *
 * Authentication.  One SSL_CTX per encrypted peer.  PSK: cipher
 * ECDHE-PSK-CHACHA20-POLY1305 (forward secret), the client sends
 * psk_identity, the server accepts only the identity configured for the
 * peer that holds the datagram's source address.  Certificates: both sides
 * present dtls.certificate / dtls.key and require the other's
 * (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT); the chain is
 * verified against the peer's ca (or dtls.ca) when one is set, and the
 * leaf's SubjectPublicKeyInfo SHA-256 must equal pin when one is set;
 * ciphers ECDHE with AES-GCM or ChaCha20-Poly1305 only.  A wrong pin is
 * answered with bad_certificate.  A peer with another PSK is told so too:
 * OpenSSL drops a Finished it cannot decrypt without a word (RFC 6347
 * 4.1.2.7), so the server, whose handshake stops there, sends the
 * decrypt_error alert itself.  DTLS 1.2 only,
 * SSL_OP_NO_RENEGOTIATION, no compression, SSL_OP_NO_QUERY_MTU with
 * SSL_set_mtu for handshake fragmentation.  Session keys live in OpenSSL's
 * memory only: nothing of a session is ever written to disk.
 *
 * Nothing here logs per packet: every drop is a counter (DTLS_STATS),
 * every session change an event (struct dtls_event) that the daemon logs
 * and streams to monitors.
 */
#ifndef SCTPTUN_DTLS_H
#define SCTPTUN_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "addr.h"
#include "config.h"

/* Record overhead of the ciphers allowed: 13 header + 8 explicit nonce +
   16 tag for AES-GCM (ChaCha20-Poly1305: 29).  The TUN MTU leaves it. */
#define DTLS_OVERHEAD_MAX	37
/* Packets held per path while its handshake runs, and in all. */
#define DTLS_HOLD_PATH		32
#define DTLS_HOLD_TOTAL		1024
/* Records either way after which the client of a session rekeys it. */
#define DTLS_REKEY_RECORDS	(1ULL << 24)
/* How long a session replaced by a rekey still accepts records. */
#define DTLS_RETIRE_SECONDS	10
/* Largest SCTP packet carried (plaintext of one record). */
#define DTLS_PACKET_MAX		16384

/* Why a handshake failed. */
enum dtls_fail {
	DTLS_FAIL_TIMEOUT,	/* not done within dtls.handshake_timeout */
	DTLS_FAIL_BAD_CERT,	/* no, expired or otherwise bad certificate */
	DTLS_FAIL_UNKNOWN_CA,	/* chain does not verify against ca */
	DTLS_FAIL_BAD_PIN,	/* public key is not the pinned one */
	DTLS_FAIL_UNKNOWN_PSK,	/* PSK identity not the one configured */
	DTLS_FAIL_BAD_KEY,	/* PSK or key mismatch (bad record MAC,
				   decrypt error in the handshake) */
	DTLS_FAIL_PROTOCOL,	/* any other alert or protocol error */
	DTLS_FAIL_MAX
};

/* What happened to a session (for the log and sctptunctl monitor). */
enum dtls_event_kind {
	DTLS_EV_UP,		/* handshake done, session current */
	DTLS_EV_FAILED,		/* handshake failed (reason) */
	DTLS_EV_REKEYED,	/* a new session replaced the current one */
	DTLS_EV_ROAMED,		/* the port moved (old_port -> port) */
	DTLS_EV_DOWN		/* the last session of a path went away */
};

struct dtls_event {
	enum dtls_event_kind	 kind;
	int			 peer;		/* index in conf->peers */
	struct ipaddr		 local;
	struct ipaddr		 remote;
	uint16_t		 port;
	uint16_t		 old_port;	/* DTLS_EV_ROAMED */
	int			 client;	/* our role in the handshake */
	enum dtls_fail		 reason;	/* DTLS_EV_FAILED */
	const char		*cipher;	/* UP, REKEYED; NULL otherwise */
	const char		*identity;	/* PSK identity or the peer
						   certificate's subject */
	const char		*detail;	/* OpenSSL's reason, or NULL */
};

/*
 * What the engine needs from the data path.  All three are called from
 * inside dtls_egress, dtls_ingress, dtls_reload or the engine's timers;
 * their buffers and strings are the engine's, valid for the call only.
 * None may call back into the engine, except that deliver may call
 * dtls_egress (an answer sent at once) and any may read dtls_stats and
 * dtls_foreach_session.
 */
struct dtls_ops {
	/*
	 * Send one datagram on the DTLS socket, from local to remote:port,
	 * with that TOS / traffic class.  inner is the SCTP packet a record
	 * carries (NULL for handshake datagrams), so that the caller can
	 * answer EMSGSIZE with fragmentation-needed for it.  0, or -1 with
	 * errno.
	 */
	int	(*send)(void *arg, const struct ipaddr *local,
		    const struct ipaddr *remote, uint16_t port,
		    const uint8_t *dgram, size_t len, uint8_t tos,
		    const uint8_t *inner, size_t inner_len);
	/*
	 * One decrypted, authenticated SCTP packet from a path of peer, to
	 * be checked (CRC32c, tag) and delivered like a cleartext one that
	 * came from port.  pkt is writable and has DTLS_HEADROOM bytes of
	 * room in front of it for the IP header.
	 */
	void	(*deliver)(void *arg, int peer, const struct ipaddr *local,
		    const struct ipaddr *remote, uint16_t port, uint8_t *pkt,
		    size_t len, uint8_t tos);
	/* A session event. */
	void	(*event)(void *arg, const struct dtls_event *);
};
#define DTLS_HEADROOM		40

/* The engine's counters; every drop has its reason. */
#define DTLS_STATS(X)							\
	X(dtls_records_in,	"application-data records decrypted")	\
	X(dtls_records_out,	"application-data records sent")	\
	X(dtls_handshakes_done,	"handshakes completed")			\
	X(dtls_handshakes_failed, "handshakes failed, all reasons")	\
	X(dtls_fail_timeout,	"handshakes failed: timeout")		\
	X(dtls_fail_bad_cert,	"handshakes failed: bad certificate")	\
	X(dtls_fail_unknown_ca,	"handshakes failed: unknown CA")	\
	X(dtls_fail_bad_pin,	"handshakes failed: public key not the "	\
	    "pinned one")						\
	X(dtls_fail_unknown_psk, "handshakes failed: unknown PSK identity") \
	X(dtls_fail_bad_key,	"handshakes failed: key mismatch")	\
	X(dtls_fail_protocol,	"handshakes failed: other alert or error") \
	X(dtls_rekeys,		"sessions replaced by a rekey")		\
	X(dtls_roams,		"path ports moved by an authenticated, "	\
	    "newer record")						\
	X(dtls_cookies_sent,	"HelloVerifyRequests sent (stateless)")	\
	X(dtls_simultaneous,	"handshakes that crossed: the lower client "	\
	    "random gave way")						\
	X(dtls_held,		"packets held while a handshake ran")

#define DTLS_DROPS(X)							\
	X(dtls_not_dtls,	"datagram on the DTLS port that is no DTLS "	\
	    "record")							\
	X(dtls_no_session,	"record of a path with no session that "	\
	    "could read it")						\
	X(dtls_replayed,	"record already seen (replay window)")	\
	X(dtls_forged,		"record that failed authentication")	\
	X(dtls_bad_cookie,	"ClientHello with a cookie that does not "	\
	    "verify")							\
	X(dtls_halfopen_full,	"ClientHello dropped: dtls.max_handshakes "	\
	    "in progress")						\
	X(dtls_held_dropped,	"packet for an encrypted peer dropped: no "	\
	    "session and the hold full, or the handshake failed")	\
	X(dtls_too_big,		"SCTP packet larger than a record carries")	\
	X(dtls_send_error,	"datagram the socket refused")

struct dtls_stats {
#define DTLS_STATS_FIELD(name, desc)	uint64_t name;
	DTLS_STATS(DTLS_STATS_FIELD)
	DTLS_DROPS(DTLS_STATS_FIELD)
#undef DTLS_STATS_FIELD
};

/* One session, as sctptunctl shows it. */
struct dtls_session_info {
	int			 peer;		/* index in conf->peers */
	struct ipaddr		 local;
	struct ipaddr		 remote;
	uint16_t		 port;
	const char		*state;		/* "handshake", "up",
						   "retiring" */
	int			 current;	/* the one packets go on */
	int			 client;	/* our role */
	const char		*cipher;	/* NULL before it is up */
	const char		*identity;	/* PSK identity or subject */
	uint32_t		 age;		/* seconds since it came up
						   (handshake: since started) */
	uint32_t		 idle;		/* seconds since the last record
						   read */
	uint64_t		 records_in, records_out;
	uint64_t		 bytes_in, bytes_out;	/* SCTP bytes */
	uint64_t		 replayed, forged;	/* records dropped */
};

struct dtls;

/*
 * Check every file conf's dtls settings name, as a start would load them:
 * readable, PEM that parses, the key matching the certificate, a CA bundle
 * with at least one certificate, a PSK file that is not readable by group
 * or others and holds 16 to 64 bytes in hex or base64 (surrounding white
 * space ignored).  Also: certificates are needed (dtls.certificate and
 * dtls.key) when any peer uses them.  0, or -1 with *cause an allocated
 * "FILE:LINE: dtls...: message" naming the setting's line in conf->path.
 */
int	dtls_conf_check(const struct config *, char **cause);

/*
 * An engine for conf's encrypted peers, its timers on base (a tick every
 * 250 ms, a timer per handshake: nothing to call from outside).  NULL
 * with *cause allocated (as dtls_conf_check) on failure.  conf must
 * outlive the engine, or be replaced with dtls_reload().  dtls_free says
 * nothing to the peers (their sessions time out or are replaced when this
 * side comes back) and calls no op.
 */
struct dtls *dtls_create(struct event_base *, const struct config *,
	    const struct dtls_ops *, void *arg, char **cause);
void	dtls_free(struct dtls *);
/*
 * A new configuration (reload): peers are matched by name.  A peer whose
 * authentication settings or files changed gets new contexts, and its
 * sessions are rekeyed make-before-break by this side, whatever its role:
 * a session of the old key goes on carrying packets until one of the new
 * key is up.  A rekey that fails (the peer has not taken the new key yet)
 * is counted and tried again with back-off, so the two sides of a link
 * may be reloaded one after the other without an outage; to stop using an
 * old key at once, restart sctptund.  Sessions of removed peers, or peers
 * no longer encrypted, are closed.
 * On error returns -1 with *cause, and the engine keeps the old settings.
 */
int	dtls_reload(struct dtls *, const struct config *, char **cause);

/*
 * An SCTP packet (len <= DTLS_PACKET_MAX) from local for peer's address
 * remote: encrypt it in one record and send it on the path's current
 * session; else hold it and start a handshake towards remote:port.
 */
void	dtls_egress(struct dtls *, int peer, const struct ipaddr *local,
	    const struct ipaddr *remote, uint16_t port, const uint8_t *pkt,
	    size_t len, uint8_t tos);
/*
 * A datagram received on the DTLS port, sent by remote:sport (a unicast
 * address of peer, sport != 0) to local.  Writable: it may be decrypted
 * in place.
 */
void	dtls_ingress(struct dtls *, int peer, const struct ipaddr *local,
	    const struct ipaddr *remote, uint16_t sport, uint8_t *dgram,
	    size_t len, uint8_t tos);

const struct dtls_stats *dtls_stats(const struct dtls *);
/* Every session, in no particular order. */
void	dtls_foreach_session(const struct dtls *,
	    void (*)(const struct dtls_session_info *, void *), void *);
/* The name of a failure reason ("timeout", "bad-certificate", ...). */
const char *dtls_fail_name(enum dtls_fail);

#endif
