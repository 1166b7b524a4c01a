/*
 * test_dtls: the DTLS engine with real OpenSSL handshakes and no network.
 * Two engines, A and B, share one event_base; each one's datagrams go
 * through an in-test network (a queue drained by an event of the loop)
 * to the other's dtls_ingress.  The network can drop, duplicate,
 * reorder, tamper with, truncate and replay datagrams and change source
 * ports as a NAT rebinding would; it also checks that nothing it carries
 * is cleartext.  Keys and certificates are made here, at run time, in a
 * temporary directory.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dtls.h"
#include "dtls_record.h"
#include "log.h"
#include "tap.h"

#define MARKER		"SCTP-CLEARTEXT!!"	/* in every test packet */
#define MARKER_LEN	16
#define SEQ_MAX		65536
#define NODES_MAX	40

struct node {
	char		 name[16];
	struct config	 conf;
	struct peer_config peer;
	struct peer_dtls pd;
	struct dtls	*dtls;
	struct ipaddr	 addr;
	uint16_t	 port;		/* its DTLS port */
	uint16_t	 nat_port;	/* the port it is seen from; 0: port */
	/* what reached it */
	unsigned int	 delivered, corrupt, order_errors;
	int		 next_seq;
	uint16_t	 last_port;	/* of the last delivered packet */
	uint8_t		 got[SEQ_MAX / 8];
	unsigned int	 events[DTLS_EV_DOWN + 1];
	enum dtls_fail	 fail;
	int		 fails;
	uint16_t	 roam_from, roam_to;
	char		 cipher[64], identity[256];
};

struct dgram {
	TAILQ_ENTRY(dgram)	 entry;
	struct node		*to;
	struct ipaddr		 src;
	uint16_t		 sport, dport;
	uint8_t			 tos;
	size_t			 len;
	uint8_t			 data[];
};
TAILQ_HEAD(dgram_queue, dgram);

enum hook_verdict { PASS, DROP, DUP };

static struct {
	struct event_base	*base;
	struct event		*ev;
	struct dgram_queue	 q;
	unsigned int		 sent, cleartext, leaks, bad_inner, queued;
	int			 reorder;
	uint32_t		 rng;
	enum hook_verdict	 (*hook)(struct dgram *);
	struct dgram		*saved;		/* last data record to B */
} net;

static struct node	 nodes[NODES_MAX];
static int		 nnodes;
static struct node	*A = &nodes[0], *B = &nodes[1];
static char		 dir[64];
static uint8_t		 pin_b[32], pin_other[32];

/* --- clock and files ------------------------------------------------- */

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A file in the temporary directory with that content and mode. */
static const char *
file(const char *name, const char *content, mode_t mode)
{
	static char	path[8][128];
	static int	n;
	char		*p = path[n++ % 8];
	FILE		*f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	if ((f = fopen(p, "w")) == NULL)
		return p;
	fputs(content, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

/* Remove the temporary directory (it holds files only). */
static void
rmtree(const char *path)
{
	char	 cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		diag("could not remove %s", path);
}

/* --- certificates ---------------------------------------------------- */

/* A certificate for key named cn, signed by issuer (self if NULL). */
static X509 *
cert_make(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
    int ca, long days)
{
	static long	 serial = 1;
	X509		*x = X509_new();
	X509_NAME	*name = X509_NAME_new();
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), days < 0 ? 86400 * days * 2 :
	    -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400 * days);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256());
	X509_NAME_free(name);
	return x;
}

/* Write a certificate and/or a key as PEM into dir/name. */
static void
pem_write(const char *name, X509 *x, EVP_PKEY *key)
{
	char	 path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return;
	if (x != NULL)
		PEM_write_X509(f, x);
	if (key != NULL)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	chmod(path, 0600);
}

/* The SHA-256 of a certificate's SubjectPublicKeyInfo. */
static void
pin_of(X509 *x, uint8_t *out)
{
	uint8_t		*der = NULL;
	unsigned int	 len;
	int		 n;

	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	EVP_Digest(der, (size_t)n, out, &len, EVP_sha256(), NULL);
	OPENSSL_free(der);
}

/*
 * Two CAs; A and B signed by the first; "rogue" by the second; B's key in
 * an expired certificate too; a key that belongs to no certificate.
 */
static void
certs_make(void)
{
	EVP_PKEY	*kca = EVP_EC_gen("P-256"), *kca2 = EVP_EC_gen("P-256");
	EVP_PKEY	*ka = EVP_EC_gen("P-256"), *kb = EVP_EC_gen("P-256");
	EVP_PKEY	*kr = EVP_EC_gen("P-256"), *ko = EVP_EC_gen("P-256");
	X509		*ca = cert_make(kca, "test CA", NULL, NULL, 1, 30);
	X509		*ca2 = cert_make(kca2, "other CA", NULL, NULL, 1, 30);
	X509		*xa = cert_make(ka, "node a", ca, kca, 0, 30);
	X509		*xb = cert_make(kb, "node b", ca, kca, 0, 30);
	X509		*xr = cert_make(kr, "rogue", ca2, kca2, 0, 30);
	X509		*xe = cert_make(kb, "node b", ca, kca, 0, -1);

	pem_write("ca.pem", ca, NULL);
	pem_write("ca2.pem", ca2, NULL);
	pem_write("a.pem", xa, NULL);
	pem_write("a.key", NULL, ka);
	pem_write("b.pem", xb, NULL);
	pem_write("b.key", NULL, kb);
	pem_write("rogue.pem", xr, NULL);
	pem_write("rogue.key", NULL, kr);
	pem_write("expired.pem", xe, NULL);
	pem_write("other.key", NULL, ko);
	pin_of(xb, pin_b);
	pin_of(xr, pin_other);
	X509_free(ca);
	X509_free(ca2);
	X509_free(xa);
	X509_free(xb);
	X509_free(xr);
	X509_free(xe);
	EVP_PKEY_free(kca);
	EVP_PKEY_free(kca2);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kr);
	EVP_PKEY_free(ko);
}

/* --- test packets ------------------------------------------------------ */

/* An SCTP-sized test packet: its number, the marker, a pattern. */
static void
pkt_fill(uint8_t *p, uint32_t seq, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 131 + i * 7);
	memcpy(p, &seq, sizeof(seq));
	if (len >= 4 + MARKER_LEN)
		memcpy(p + 4, MARKER, MARKER_LEN);
}

/* Does p hold test packet seq of len bytes? */
static int
pkt_good(const uint8_t *p, size_t len, uint32_t *seq)
{
	uint8_t	want[DTLS_PACKET_MAX];

	if (len < 4 + MARKER_LEN || len > DTLS_PACKET_MAX)
		return 0;
	memcpy(seq, p, sizeof(*seq));
	pkt_fill(want, *seq, len);
	return memcmp(p, want, len) == 0;
}

/* Send packet seq of len bytes from n to its peer. */
static void
pkt_send(struct node *n, uint32_t seq, size_t len)
{
	static uint8_t	 buf[DTLS_PACKET_MAX + 1];
	struct node	*to = n == A ? B : A;

	pkt_fill(buf, seq, len);
	dtls_egress(n->dtls, 0, &n->addr, &to->addr, to->port, buf, len, 0);
}

/* --- the network -------------------------------------------------------- */

/* The node that has address a. */
static struct node *
node_at(const struct ipaddr *a)
{
	int	i;

	for (i = 0; i < nnodes; i++)
		if (addr_equal(&nodes[i].addr, a))
			return &nodes[i];
	return NULL;
}

/* Is the datagram a DTLS record of nothing but ciphertext? */
static void
net_inspect(const uint8_t *dgram, size_t len, const uint8_t *inner,
    size_t inner_len)
{
	uint32_t	seq;

	if (dtls_record_check(dgram, len) != 0)
		net.cleartext++;
	if (memmem(dgram, len, MARKER, MARKER_LEN) != NULL)
		net.leaks++;
	if (inner != NULL && !pkt_good(inner, inner_len, &seq))
		net.bad_inner++;
}

/* Queue a datagram for node to; at a random place when reordering. */
static void
net_queue(struct dgram *g)
{
	struct dgram	*at;
	uint32_t	 n;

	net.queued++;
	if (!net.reorder || TAILQ_EMPTY(&net.q)) {
		TAILQ_INSERT_TAIL(&net.q, g, entry);
	} else {
		net.rng = net.rng * 1103515245 + 12345;
		n = (net.rng >> 16) % 3;
		at = TAILQ_LAST(&net.q, dgram_queue);
		while (n-- > 0 && at != NULL && TAILQ_PREV(at, dgram_queue,
		    entry) != NULL)
			at = TAILQ_PREV(at, dgram_queue, entry);
		TAILQ_INSERT_BEFORE(at, g, entry);
	}
	event_active(net.ev, EV_READ, 0);
}

/* A copy of a datagram, for a duplicate or a replay. */
static struct dgram *
net_copy(const struct dgram *g)
{
	struct dgram	*c = malloc(sizeof(*c) + g->len);

	memcpy(c, g, sizeof(*c) + g->len);
	return c;
}

/* dtls_ops.send: into the network. */
static int
net_send(void *arg, const struct ipaddr *local, const struct ipaddr *remote,
    uint16_t port, const uint8_t *dgram, size_t len, uint8_t tos,
    const uint8_t *inner, size_t inner_len)
{
	struct node		*from = arg, *to = node_at(remote);
	struct dgram		*g;
	enum hook_verdict	 v = PASS;

	net.sent++;
	net_inspect(dgram, len, inner, inner_len);
	if (to == NULL || to->dtls == NULL)
		return 0;
	g = malloc(sizeof(*g) + len);
	g->to = to;
	g->src = from->addr;
	g->sport = from->nat_port != 0 ? from->nat_port : from->port;
	g->dport = port;
	g->tos = tos;
	g->len = len;
	memcpy(g->data, dgram, len);
	if (inner != NULL && to == B) {
		free(net.saved);
		net.saved = net_copy(g);
	}
	if (net.hook != NULL)
		v = net.hook(g);
	if (v == DROP) {
		free(g);
		return 0;
	}
	if (v == DUP)
		net_queue(net_copy(g));
	net_queue(g);
	return 0;
}

/* Hand a datagram to its node, as the data path would. */
static void
net_hand(struct dgram *g)
{
	struct node	*to = g->to;

	/* A NAT in front of the node maps its public port back. */
	if (to->dtls != NULL && (g->dport == to->port ||
	    (to->nat_port != 0 && g->dport == to->nat_port)))
		dtls_ingress(to->dtls, 0, &to->addr, &g->src, g->sport,
		    g->data, g->len, g->tos);
}

/* The network's event: deliver what is queued now (a budget of it). */
static void
net_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dgram	*g;
	int		 n = 256;

	while (n-- > 0 && (g = TAILQ_FIRST(&net.q)) != NULL) {
		TAILQ_REMOVE(&net.q, g, entry);
		net_hand(g);
		free(g);
	}
	if (!TAILQ_EMPTY(&net.q))
		event_active(net.ev, EV_READ, 0);
}

/* Forget whatever is in flight. */
static void
net_flush(void)
{
	struct dgram	*g;

	while ((g = TAILQ_FIRST(&net.q)) != NULL) {
		TAILQ_REMOVE(&net.q, g, entry);
		free(g);
	}
	free(net.saved);
	net.saved = NULL;
}

/* Run the loop until pred holds or ms pass; whether it held. */
static int
run_until(int (*pred)(void), int ms)
{
	uint64_t	end = now_ms() + (uint64_t)ms;

	while (pred == NULL || !pred()) {
		if (now_ms() >= end)
			return 0;
		event_base_loop(net.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (TAILQ_EMPTY(&net.q))
			usleep(500);
	}
	return 1;
}

/* Run the loop for ms. */
static void
run_for(int ms)
{
	(void)run_until(NULL, ms);
}

/* --- the daemon side ----------------------------------------------------- */

/* dtls_ops.deliver: check the packet and where it is said to be from. */
static void
node_deliver(void *arg, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t port, uint8_t *pkt, size_t len,
    uint8_t tos)
{
	struct node	*n = arg;
	uint32_t	 seq;

	memset(pkt - DTLS_HEADROOM, 0, DTLS_HEADROOM);	/* it is ours */
	if (peer != 0 || !addr_equal(local, &n->addr) ||
	    !pkt_good(pkt, len, &seq) || seq >= SEQ_MAX) {
		n->corrupt++;
		return;
	}
	if ((int)seq != n->next_seq)
		n->order_errors++;
	n->next_seq = (int)seq + 1;
	n->got[seq / 8] |= (uint8_t)(1 << (seq % 8));
	n->delivered++;
	n->last_port = port;
}

/* dtls_ops.event: count them, keep the last failure and roam. */
static void
node_event(void *arg, const struct dtls_event *ev)
{
	struct node	*n = arg;

	n->events[ev->kind]++;
	if (ev->kind == DTLS_EV_FAILED) {
		n->fail = ev->reason;
		n->fails++;
	}
	if (ev->kind == DTLS_EV_ROAMED) {
		n->roam_from = ev->old_port;
		n->roam_to = ev->port;
	}
	if (ev->cipher != NULL)
		snprintf(n->cipher, sizeof(n->cipher), "%s", ev->cipher);
	if (ev->identity != NULL)
		snprintf(n->identity, sizeof(n->identity), "%s", ev->identity);
}

static const struct dtls_ops node_ops = {
	net_send, node_deliver, node_event
};

/* A node at address with DTLS port port, its one peer "peer". */
static void
node_init(struct node *n, const char *name, const char *address,
    uint16_t port)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	addr_pton(address, &n->addr);
	n->port = port;
	n->conf.path = "test.conf";
	n->conf.npeers = 1;
	n->conf.peers = &n->peer;
	n->conf.idle_timeout = 600;
	snprintf(n->peer.name, sizeof(n->peer.name), "peer");
	n->peer.dtls = &n->pd;
	n->pd.line = 20;
	n->pd.psk_file_line = 21;
	n->pd.ca_line = 22;
	n->pd.pin_line = 23;
	n->conf.dtls.enabled = 1;
	n->conf.dtls.port = port;
	n->conf.dtls.rekey_seconds = 3600;
	n->conf.dtls.handshake_timeout = 2;
	n->conf.dtls.max_handshakes = 64;
	n->conf.dtls.line = 10;
	n->conf.dtls.certificate_line = 11;
	n->conf.dtls.key_line = 12;
	n->conf.dtls.ca_line = 13;
}

/* PSK settings of a node. */
static void
node_psk(struct node *n, const char *identity, const char *keyfile)
{
	snprintf(n->pd.psk_identity, sizeof(n->pd.psk_identity), "%s",
	    identity);
	snprintf(n->pd.psk_file, sizeof(n->pd.psk_file), "%s/%s", dir,
	    keyfile);
}

/* Certificate settings of a node: its own, the CA file, maybe a pin. */
static void
node_cert(struct node *n, const char *cert, const char *key,
    const char *ca, const uint8_t *pin)
{
	snprintf(n->conf.dtls.certificate, sizeof(n->conf.dtls.certificate),
	    "%s/%s", dir, cert);
	snprintf(n->conf.dtls.key, sizeof(n->conf.dtls.key), "%s/%s", dir,
	    key);
	if (ca != NULL)
		snprintf(n->pd.ca, sizeof(n->pd.ca), "%s/%s", dir, ca);
	if (pin != NULL) {
		n->pd.has_pin = 1;
		memcpy(n->pd.pin, pin, sizeof(n->pd.pin));
	}
}

/* Start a node's engine; 0 on success. */
static int
node_start(struct node *n)
{
	char	*cause = NULL;

	n->dtls = dtls_create(net.base, &n->conf, &node_ops, n, &cause);
	if (n->dtls == NULL) {
		diag("%s: %s", n->name, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Stop a node's engine and forget what reached it. */
static void
node_stop(struct node *n)
{
	dtls_free(n->dtls);
	n->dtls = NULL;
	n->delivered = n->corrupt = n->order_errors = 0;
	n->next_seq = 0;
	memset(n->got, 0, sizeof(n->got));
	memset(n->events, 0, sizeof(n->events));
	n->fails = 0;
}

/* A and B as at the start of each test; the network clean. */
static void
pair_init(void)
{
	node_init(A, "a", "192.0.2.1", 4433);
	node_init(B, "b", "192.0.2.2", 4433);
	nnodes = 2;
	net_flush();
	net.hook = NULL;
	net.reorder = 0;
	net.sent = net.cleartext = net.leaks = net.bad_inner = 0;
}

/* Start both; 0 if both started. */
static int
pair_start(void)
{
	return node_start(A) == 0 && node_start(B) == 0 ? 0 : -1;
}

/* Stop both and empty the network. */
static void
pair_stop(void)
{
	node_stop(A);
	node_stop(B);
	net_flush();
	nnodes = 2;
}

/* --- what the engines say ------------------------------------------------ */

struct count {
	int	up, handshake, retiring, current, client;
	char	cipher[64], identity[256];
};

static void
count_cb(const struct dtls_session_info *i, void *arg)
{
	struct count	*c = arg;

	if (strcmp(i->state, "up") == 0)
		c->up++;
	else if (strcmp(i->state, "handshake") == 0)
		c->handshake++;
	else if (strcmp(i->state, "retiring") == 0)
		c->retiring++;
	if (i->current) {
		c->current++;
		c->client = i->client;
		snprintf(c->cipher, sizeof(c->cipher), "%s",
		    i->cipher != NULL ? i->cipher : "");
		snprintf(c->identity, sizeof(c->identity), "%s",
		    i->identity != NULL ? i->identity : "");
	}
}

/* The sessions of a node, counted by state. */
static struct count
sessions(const struct node *n)
{
	struct count	c;

	memset(&c, 0, sizeof(c));
	if (n->dtls != NULL)
		dtls_foreach_session(n->dtls, count_cb, &c);
	return c;
}

static const struct dtls_stats *
st(const struct node *n)
{
	return dtls_stats(n->dtls);
}

static int
both_up(void)
{
	return sessions(A).current == 1 && sessions(B).current == 1;
}

static int	want_a, want_b;

static int
delivered_all(void)
{
	return (int)A->delivered >= want_a && (int)B->delivered >= want_b;
}

static int
a_failed(void)
{
	return A->fails > 0;
}

static int
both_failed(void)
{
	return A->fails > 0 && B->fails > 0;
}

/* Nothing the network carried was cleartext or a broken packet. */
static int
wire_clean(void)
{
	return net.cleartext == 0 && net.leaks == 0 && net.bad_inner == 0;
}

/* Exchange n packets each way; 1 if all arrived intact and in order. */
static int
exchange(int n, size_t len, uint32_t first)
{
	int	i;

	want_a = (int)A->delivered + n;
	want_b = (int)B->delivered + n;
	A->next_seq = B->next_seq = (int)first;
	A->order_errors = B->order_errors = 0;
	for (i = 0; i < n; i++) {
		pkt_send(A, first + (uint32_t)i, len);
		pkt_send(B, first + (uint32_t)i, len);
	}
	if (run_until(delivered_all, 5000) && A->corrupt == 0 &&
	    B->corrupt == 0)
		return 1;
	diag("exchange: A got %u of %d, B %u of %d; corrupt %u %u",
	    A->delivered, want_a, B->delivered, want_b, A->corrupt,
	    B->corrupt);
	return 0;
}

/*
 * Send packet seq from n every 200 ms until its peer has it, as SCTP
 * retransmits; 1 if it arrived within ms.
 */
static int
send_until(struct node *n, uint32_t seq, int ms)
{
	struct node	*to = n == A ? B : A;
	unsigned int	 before = to->delivered;
	uint64_t	 end = now_ms() + (uint64_t)ms;

	while (now_ms() < end) {
		to->next_seq = (int)seq;
		pkt_send(n, seq, 500);
		run_for(200);
		if (to->delivered > before)
			return 1;
	}
	return 0;
}

/* A copy of n's configuration, to change and reload. */
static void
conf_copy(const struct node *n, struct config *c, struct peer_config *pc,
    struct peer_dtls *pd)
{
	*c = n->conf;
	*pc = n->peer;
	*pd = n->pd;
	c->peers = pc;
	pc->dtls = pd;
}

/* Make a changed copy n's own configuration. */
static void
conf_adopt(struct node *n, const struct config *c,
    const struct peer_dtls *pd)
{
	n->conf = *c;
	n->pd = *pd;
	n->conf.peers = &n->peer;
	n->peer.dtls = &n->pd;
}

/* A and B with the same PSK and a session that carries packets. */
static int
psk_session(const char *what)
{
	pair_init();
	node_psk(A, "node-a", "k1");
	node_psk(B, "node-a", "k1");
	return ok(pair_start() == 0 && exchange(5, 600, 0),
	    "%s: a session carries packets", what);
}

/* --- tests ------------------------------------------------------------- */

/*
 * Hand B a record of type and len random bytes, in epoch, with
 * the next sequence number A would use, from A's address and port.
 */
static void
forge(size_t len, uint16_t epoch, uint8_t type)
{
	struct dgram	*g = malloc(sizeof(*g) + DTLS_RECORD_HEADER + len);
	size_t		 i;

	memcpy(g, net.saved, sizeof(*g));
	g->len = DTLS_RECORD_HEADER + len;
	memcpy(g->data, net.saved->data, DTLS_RECORD_HEADER);
	g->data[0] = type;
	g->data[3] = (uint8_t)(epoch >> 8);
	g->data[4] = (uint8_t)epoch;
	g->data[10]++;
	g->data[11] = (uint8_t)(len >> 8);
	g->data[12] = (uint8_t)len;
	for (i = 0; i < len; i++)
		g->data[DTLS_RECORD_HEADER + i] = (uint8_t)(i * 13 + len);
	net_hand(g);
	free(g);
}

/*
 * Forged records of every length, shorter than a cipher's nonce and tag
 * included (OpenSSL would end the session on those), of each type; 1 if
 * the application data ones were all counted as forged.
 */
static int
forge_all(const char *what)
{
	static const size_t lens[] = {
		0, 1, 8, 15, 16, 17, 23, 24, 28, 29, 36, 37, 100, 1400,
		16384, 16704, 16705, 17000, DTLS_RECORD_FRAGMENT
	};
	const size_t	 n = sizeof(lens) / sizeof(lens[0]);
	uint64_t	 forged = st(B)->dtls_forged;
	size_t		 i;

	for (i = 0; i < n; i++)
		forge(lens[i], 1, DTLS_CT_DATA);
	forge(64, 2, DTLS_CT_DATA);
	forge(64, 0xffff, DTLS_CT_DATA);
	if (st(B)->dtls_forged != forged + n + 2) {
		diag("%s: %llu of %zu counted as forged", what,
		    (unsigned long long)(st(B)->dtls_forged - forged), n + 2);
		return 0;
	}
	for (i = 0; i < n; i++) {
		forge(lens[i], 1, DTLS_CT_ALERT);
		forge(lens[i], 1, DTLS_CT_HANDSHAKE);
		forge(lens[i], 1, DTLS_CT_CCS);
		forge(lens[i], 0, DTLS_CT_ALERT);
	}
	return 1;
}

/* PSK: a first packet starts the handshake; held ones arrive in order. */
static void
test_psk(void)
{
	struct count	c;
	int		i;

	pair_init();
	node_psk(A, "node-a", "k1");
	node_psk(B, "node-a", "k1");
	if (!ok(pair_start() == 0, "psk: both engines start"))
		return;
	for (i = 0; i < 5; i++)
		pkt_send(A, (uint32_t)i, 200 + 250 * (size_t)i);
	ok(st(A)->dtls_held == 5, "psk: 5 packets held before the session");
	want_a = 0;
	want_b = 5;
	ok(run_until(delivered_all, 3000) && B->order_errors == 0 &&
	    B->corrupt == 0, "psk: the held packets arrive, intact and in "
	    "order");
	ok(both_up() && A->events[DTLS_EV_UP] == 1 &&
	    B->events[DTLS_EV_UP] == 1, "psk: one session up on each side");
	c = sessions(A);
	ok(strcmp(c.cipher, "ECDHE-PSK-CHACHA20-POLY1305") == 0 &&
	    strcmp(c.identity, "node-a") == 0 && c.client,
	    "psk: A is the client, ECDHE-PSK-CHACHA20-POLY1305, node-a "
	    "(%s, %s)", c.cipher, c.identity);
	c = sessions(B);
	ok(strcmp(B->identity, "node-a") == 0 && !c.client,
	    "psk: B served it, knows the identity");
	ok(exchange(50, 1400, 100) && A->order_errors == 0 &&
	    B->order_errors == 0, "psk: 1400-byte packets both ways");
	ok(exchange(3, DTLS_PACKET_MAX, 200), "psk: 16384-byte packets (the "
	    "largest) both ways");
	pkt_send(A, 300, DTLS_PACKET_MAX + 1);
	ok(st(A)->dtls_too_big == 1, "psk: one byte more is too big, "
	    "counted");
	ok(st(A)->dtls_handshakes_done == 1 && st(B)->dtls_handshakes_done ==
	    1 && st(B)->dtls_cookies_sent == 1, "psk: one handshake, one "
	    "cookie");
	ok(st(A)->dtls_records_out == 58 && st(B)->dtls_records_in == 58,
	    "psk: records counted (%llu out, %llu in)",
	    (unsigned long long)st(A)->dtls_records_out,
	    (unsigned long long)st(B)->dtls_records_in);
	ok(wire_clean() && net.sent > 0, "psk: nothing on the wire in "
	    "cleartext (%u datagrams)", net.sent);
	pair_stop();
}

/* Certificates: CA, pin, CA and pin; and the subject as identity. */
static void
test_certs(void)
{
	static const struct {
		const char	*what;
		int		 ca, pin;
	} v[] = { { "ca", 1, 0 }, { "pin", 0, 1 }, { "ca+pin", 1, 1 } };
	uint8_t		 pin_a[32];
	char		 path[128];
	size_t		 i;
	FILE		*f;
	X509		*x;

	snprintf(path, sizeof(path), "%s/a.pem", dir);
	f = fopen(path, "r");
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	pin_of(x, pin_a);
	X509_free(x);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		pair_init();
		node_cert(A, "a.pem", "a.key", v[i].ca ? "ca.pem" : NULL,
		    v[i].pin ? pin_b : NULL);
		node_cert(B, "b.pem", "b.key", v[i].ca ? "ca.pem" : NULL,
		    v[i].pin ? pin_a : NULL);
		if (!ok(pair_start() == 0, "certs %s: both start", v[i].what))
			continue;
		ok(exchange(20, 1200, 0) && both_up() && wire_clean(),
		    "certs %s: packets both ways", v[i].what);
		ok(forge_all(v[i].what) && exchange(5, 1200, 20) &&
		    sessions(B).current == 1 && st(B)->dtls_rekeys == 0,
		    "certs %s: forged records of any length dropped, the "
		    "session undisturbed", v[i].what);
		ok(strstr(A->identity, "node b") != NULL &&
		    strstr(B->identity, "node a") != NULL &&
		    strstr(A->cipher, "ECDHE-ECDSA") != NULL, "certs %s: "
		    "subjects %s / %s, %s", v[i].what, A->identity,
		    B->identity, A->cipher);
		pair_stop();
	}
}

/* The counter of failures for reason r. */
static uint64_t
fail_count(const struct dtls_stats *s, int r)
{
	const uint64_t	by_reason[DTLS_FAIL_MAX] = {
		s->dtls_fail_timeout, s->dtls_fail_bad_cert,
		s->dtls_fail_unknown_ca, s->dtls_fail_bad_pin,
		s->dtls_fail_unknown_psk, s->dtls_fail_bad_key,
		s->dtls_fail_protocol
	};

	return r >= 0 && r < DTLS_FAIL_MAX ? by_reason[r] : 0;
}

/*
 * A handshake that must fail: A sends, nothing is delivered, both sides
 * count a failure (A with reason ra, B with rb), the held packets are
 * dropped.
 */
static void
refused(const char *what, int ra, int rb)
{
	int	i;

	if (!ok(pair_start() == 0, "%s: both start", what))
		return;
	for (i = 0; i < 3; i++)
		pkt_send(A, (uint32_t)i, 500);
	ok(run_until(both_failed, 6000),
	    "%s: the handshake fails", what);
	ok(A->fail == (enum dtls_fail)ra && fail_count(st(A), ra) >= 1 &&
	    st(A)->dtls_handshakes_failed >= 1, "%s: A says %s (%s), "
	    "counted", what, dtls_fail_name((enum dtls_fail)ra),
	    dtls_fail_name(A->fail));
	ok(B->fail == (enum dtls_fail)rb && fail_count(st(B), rb) >= 1,
	    "%s: B says %s (%s), counted", what,
	    dtls_fail_name((enum dtls_fail)rb), B->fails ?
	    dtls_fail_name(B->fail) : "nothing");
	run_for(100);
	ok(A->delivered == 0 && B->delivered == 0 &&
	    st(A)->dtls_held_dropped == 3 && wire_clean() &&
	    sessions(A).up == 0 && sessions(B).up == 0,
	    "%s: nothing delivered, the 3 held packets dropped, no session, "
	    "nothing cleartext", what);
	pair_stop();
}

/* Each way of being the wrong peer, with the reason it is counted under. */
static void
test_refused(void)
{
	pair_init();
	node_psk(A, "node-a", "k1");
	node_psk(B, "node-a", "k2");
	refused("wrong psk", DTLS_FAIL_BAD_KEY, DTLS_FAIL_BAD_KEY);
	pair_init();
	node_psk(A, "node-x", "k1");
	node_psk(B, "node-a", "k1");
	refused("unknown psk identity", DTLS_FAIL_UNKNOWN_PSK,
	    DTLS_FAIL_UNKNOWN_PSK);
	pair_init();
	node_cert(A, "a.pem", "a.key", "ca.pem", NULL);
	node_cert(B, "rogue.pem", "rogue.key", "ca2.pem", NULL);
	refused("unknown ca", DTLS_FAIL_UNKNOWN_CA, DTLS_FAIL_UNKNOWN_CA);
	pair_init();
	node_cert(A, "a.pem", "a.key", NULL, pin_other);
	node_cert(B, "b.pem", "b.key", "ca.pem", NULL);
	refused("wrong pin", DTLS_FAIL_BAD_PIN, DTLS_FAIL_BAD_CERT);
	pair_init();
	node_cert(A, "a.pem", "a.key", "ca.pem", NULL);
	node_cert(B, "expired.pem", "b.key", "ca.pem", NULL);
	refused("expired certificate", DTLS_FAIL_BAD_CERT, DTLS_FAIL_BAD_CERT);
	pair_init();
	node_psk(A, "node-a", "k1");
	node_cert(B, "b.pem", "b.key", "ca.pem", NULL);
	refused("psk against certificates", DTLS_FAIL_PROTOCOL,
	    DTLS_FAIL_PROTOCOL);
}

/* Replace the next data record to B by a tampered copy. */
static enum hook_verdict
hook_tamper(struct dgram *g)
{
	if (g->to == B && g->data[0] == DTLS_CT_DATA) {
		g->data[g->len / 2] ^= 0x40;
		net.hook = NULL;
	}
	return PASS;
}

/* Tampered, truncated, replayed and foreign records on a live session. */
static void
test_bad_records(void)
{
	struct dgram	*g;
	uint64_t	 forged, replayed, notdtls;

	if (!psk_session("bad records"))
		return;
	forged = st(B)->dtls_forged;
	net.hook = hook_tamper;
	pkt_send(A, 5, 800);
	run_for(50);
	ok(st(B)->dtls_forged == forged + 1 && B->delivered == 5,
	    "tampered: dropped as forged, nothing delivered");
	g = net_copy(net.saved);
	notdtls = st(B)->dtls_not_dtls;
	g->len -= 7;
	net_hand(g);
	ok(st(B)->dtls_not_dtls == notdtls + 1, "truncated: no DTLS record");
	g->len = 5;
	net_hand(g);
	free(g);
	ok(st(B)->dtls_not_dtls == notdtls + 2, "5 bytes: no DTLS record");
	pkt_send(A, 6, 800);
	run_for(50);
	replayed = st(B)->dtls_replayed;
	g = net_copy(net.saved);
	net_hand(g);
	net_hand(g);
	free(g);
	ok(st(B)->dtls_replayed == replayed + 2 && B->delivered == 6,
	    "replayed twice: both dropped as replays, nothing delivered");
	ok(forge_all("psk"), "forged records of every length from 0 to "
	    "18432, and of epochs 2 and 65535, dropped as forged");
	ok(sessions(B).current == 1 && exchange(10, 800, 7) &&
	    B->order_errors == 0, "forged alerts and handshake records too; "
	    "the session is undisturbed: 10 more "
	    "packets each way");
	ok(st(A)->dtls_rekeys == 0 && st(B)->dtls_handshakes_done == 1,
	    "no new handshake was needed");
	pair_stop();
}

/* Replay the saved record from another port. */
static void
replay_from(uint16_t sport)
{
	struct dgram	*g = net_copy(net.saved);

	g->sport = sport;
	net_hand(g);
	free(g);
}

/* A NAT rebinding moves the port only on an authenticated, newer record. */
static void
test_rebinding(void)
{
	struct dgram	*g;
	uint64_t	 roams;
	uint8_t		 hello[] = {
		22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0
	};

	if (!psk_session("rebinding"))
		return;
	pkt_send(A, 5, 600);
	run_for(50);
	g = net_copy(net.saved);		/* record 5, from 4433 */
	A->nat_port = 40000;
	pkt_send(A, 6, 600);
	run_for(50);
	ok(st(B)->dtls_roams == 1 && B->roam_from == 4433 &&
	    B->roam_to == 40000 && B->last_port == 40000 &&
	    B->events[DTLS_EV_ROAMED] == 1, "an authenticated, newer record "
	    "from port 40000 moves it (%u -> %u)", B->roam_from, B->roam_to);
	ok(exchange(5, 600, 7) && A->delivered == 10, "B answers on the new "
	    "port");
	roams = st(B)->dtls_roams;
	replay_from(41000);
	ok(st(B)->dtls_roams == roams && st(B)->dtls_replayed == 1,
	    "a replayed record from port 41000 moves nothing");
	g->sport = 42000;
	net_hand(g);
	free(g);
	ok(st(B)->dtls_roams == roams, "an older authentic record from port "
	    "42000 moves nothing");
	{
		struct dgram *h = malloc(sizeof(*h) + sizeof(hello));

		memset(h, 0, sizeof(*h));
		h->to = B;
		h->src = A->addr;
		h->sport = 43000;
		h->dport = B->port;
		h->len = sizeof(hello);
		memcpy(h->data, hello, sizeof(hello));
		net_hand(h);
		free(h);
	}
	ok(st(B)->dtls_roams == roams, "a handshake record from port 43000 "
	    "moves nothing");
	ok(exchange(5, 600, 12) && B->last_port == 40000 && wire_clean(),
	    "traffic still flows on port 40000");
	pair_stop();
}

/* A peer that restarts gets a new session by itself. */
static void
test_restart(void)
{
	int	r;

	if (!psk_session("restart"))
		return;
	node_stop(B);
	ok(node_start(B) == 0, "restart: B restarted (its sessions lost)");
	want_a = 5;
	want_b = 0;
	pkt_send(A, 5, 600);
	run_for(100);
	ok(st(B)->dtls_no_session >= 1 && B->delivered == 0,
	    "restart: B cannot read A's record: no session, counted");
	want_b = 1;
	(void)run_until(both_up, 3000);
	pkt_send(A, 6, 600);
	pkt_send(A, 7, 600);
	want_b = 2;
	r = run_until(delivered_all, 3000);
	ok(r, "restart: B started a handshake itself; A's next packets "
	    "arrive (%u)", B->delivered);
	ok(exchange(5, 600, 8) && wire_clean(), "restart: both ways again");
	ok(st(A)->dtls_rekeys == 1 && sessions(A).current == 1,
	    "restart: the new session replaced A's old one");
	/* B restarts and is the one to send first. */
	node_stop(B);
	ok(node_start(B) == 0, "restart 2: B restarted again");
	pkt_send(B, 0, 600);
	want_a = 11;
	want_b = 0;
	ok(run_until(delivered_all, 3000) && A->delivered == 11,
	    "restart 2: B's first packet starts it and arrives");
	ok(exchange(5, 600, 20), "restart 2: both ways again");
	pair_stop();
}

/* Stream packets both ways for ms, one pair every step ms. */
static void
stream(int ms, int step, uint32_t *seq)
{
	uint64_t	end = now_ms() + (uint64_t)ms;

	while (now_ms() < end) {
		pkt_send(A, *seq, 1000);
		pkt_send(B, *seq, 1000);
		(*seq)++;
		run_for(step);
	}
}

/* Rekeying by age, make-before-break: no packet lost. */
static void
test_rekey(void)
{
	struct count	c;
	uint32_t	seq = 0;
	int		client;

	pair_init();
	node_psk(A, "node-a", "k1");
	node_psk(B, "node-a", "k1");
	A->conf.dtls.rekey_seconds = 1;
	B->conf.dtls.rekey_seconds = 1;
	if (!ok(pair_start() == 0, "rekey: both start"))
		return;
	stream(300, 10, &seq);
	client = sessions(A).client;
	stream(3200, 10, &seq);
	want_a = want_b = (int)seq;
	run_until(delivered_all, 2000);
	ok(st(A)->dtls_rekeys >= 2 && st(B)->dtls_rekeys >= 2,
	    "rekey: rekeyed by age (A %llu, B %llu)",
	    (unsigned long long)st(A)->dtls_rekeys,
	    (unsigned long long)st(B)->dtls_rekeys);
	ok(A->delivered == seq && B->delivered == seq &&
	    A->order_errors == 0 && B->order_errors == 0,
	    "rekey: every packet of %u each way arrived, in order (A %u, "
	    "B %u)", seq, A->delivered, B->delivered);
	c = sessions(A);
	ok(c.client == client && sessions(B).client != client &&
	    c.current == 1 && sessions(B).current == 1 && A->fails == 0 &&
	    B->fails == 0, "rekey: the client of the first session rekeys "
	    "(A %s); one current session each; no failure",
	    client ? "client" : "server");
	c = sessions(A);
	ok(c.up + c.retiring + c.handshake <= 4, "rekey: retiring sessions "
	    "bounded (%d up, %d retiring)", c.up, c.retiring);
	pair_stop();
}

/* Both send first at once. */
static void
test_simultaneous(void)
{
	struct count	ca, cb;
	int		i;

	for (i = 0; i < 3; i++) {
		pair_init();
		node_psk(A, "node-a", "k1");
		node_psk(B, "node-a", "k1");
		if (!ok(pair_start() == 0, "simultaneous %d: both start", i))
			return;
		pkt_send(A, 0, 500);
		pkt_send(B, 0, 500);
		want_a = want_b = 1;
		ok(run_until(delivered_all, 4000), "simultaneous %d: both "
		    "first packets arrive", i);
		run_for(100);
		ca = sessions(A);
		cb = sessions(B);
		ok(ca.current == 1 && cb.current == 1 && ca.up == 1 &&
		    cb.up == 1 && ca.handshake == 0 && cb.handshake == 0 &&
		    ca.client != cb.client, "simultaneous %d: one session, "
		    "the same on both sides (A %s, B %s)", i,
		    ca.client ? "client" : "server",
		    cb.client ? "client" : "server");
		ok(st(A)->dtls_simultaneous + st(B)->dtls_simultaneous >= 1 &&
		    A->fails == 0 && B->fails == 0, "simultaneous %d: the "
		    "crossing settled, no failure", i);
		ok(exchange(10, 500, 1), "simultaneous %d: both ways", i);
		pair_stop();
	}
}

static struct dgram	*hello;

/*
 * Drop what B says to the flood, except its HelloVerifyRequests; keep a
 * copy of the first ClientHello.
 */
static enum hook_verdict
hook_flood(struct dgram *g)
{
	if (hello == NULL && g->to == B)
		hello = net_copy(g);
	if (g->to != A && g->to != B && g->data[0] == DTLS_CT_HANDSHAKE &&
	    g->len > DTLS_RECORD_HEADER &&
	    g->data[DTLS_RECORD_HEADER] != 3)
		return DROP;
	return PASS;
}

/* 1 once B holds no half-open handshake. */
static int
no_halfopen_b(void)
{
	return sessions(B).handshake == 0;
}

/* ClientHellos from many addresses: at most max_handshakes sessions. */
static void
test_flood(void)
{
	struct count	c;
	uint64_t	cookies;
	char		addr[32];
	int		i;

	pair_init();
	node_psk(B, "node-a", "k1");
	B->conf.dtls.max_handshakes = 4;
	B->conf.dtls.handshake_timeout = 1;
	ok(node_start(B) == 0, "flood: B starts, max_handshakes 4");
	for (i = 2; i < 2 + 30; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		node_init(&nodes[i], "flood", addr, 5000);
		node_psk(&nodes[i], "node-a", "k1");
		nodes[i].conf.dtls.handshake_timeout = 10;
		(void)node_start(&nodes[i]);
	}
	nnodes = 32;
	net.hook = hook_flood;
	for (i = 2; i < 32; i++) {
		uint8_t	pkt[100];

		pkt_fill(pkt, 0, sizeof(pkt));
		dtls_egress(nodes[i].dtls, 0, &nodes[i].addr, &B->addr,
		    B->port, pkt, sizeof(pkt), 0);
	}
	run_for(300);
	ok(hello != NULL, "flood: a ClientHello seen on the wire");
	cookies = st(B)->dtls_cookies_sent;
	for (i = 1; hello != NULL && i <= 1000; i++) {
		/* Another random each time: not a retransmission. */
		hello->data[DTLS_RECORD_HEADER + 14] ^= (uint8_t)i;
		hello->data[DTLS_RECORD_HEADER + 15] ^= (uint8_t)(i >> 8);
		hello->sport = (uint16_t)(10000 + i);
		net_hand(hello);
		hello->data[DTLS_RECORD_HEADER + 14] ^= (uint8_t)i;
		hello->data[DTLS_RECORD_HEADER + 15] ^= (uint8_t)(i >> 8);
	}
	free(hello);
	hello = NULL;
	c = sessions(B);
	ok(st(B)->dtls_cookies_sent == cookies + 1000 && c.handshake == 4,
	    "flood: 1000 more hellos without a cookie, each answered "
	    "statelessly, no session made");
	c = sessions(B);
	ok(c.handshake == 4 && c.up == 0, "flood: B holds 4 half-open "
	    "handshakes, no more (%d)", c.handshake);
	ok(st(B)->dtls_halfopen_full >= 26 && st(B)->dtls_cookies_sent >= 30,
	    "flood: the rest dropped and counted (%llu), every hello answered "
	    "statelessly (%llu cookies)",
	    (unsigned long long)st(B)->dtls_halfopen_full,
	    (unsigned long long)st(B)->dtls_cookies_sent);
	run_for(1500);
	c = sessions(B);
	ok(c.handshake <= 4 && st(B)->dtls_fail_timeout >= 4,
	    "flood: half-open ones time out (%llu), still at most 4",
	    (unsigned long long)st(B)->dtls_fail_timeout);
	for (i = 2; i < 32; i++)
		node_stop(&nodes[i]);
	nnodes = 2;
	net.hook = NULL;
	free(hello);
	hello = NULL;
	node_psk(A, "node-a", "k1");
	/* The last half-open ones go within handshake_timeout (1 s); then A,
	   retransmitting as SCTP would (a slow build may let B's own first
	   attempt, with its 1 s deadline, drop what it held). */
	(void)run_until(no_halfopen_b, 3000);
	ok(node_start(A) == 0 && send_until(A, 0, 5000) &&
	    send_until(B, 1, 5000), "flood: after it, A gets a session, "
	    "both ways");
	pair_stop();
}

/* Nothing answers: the deadline, the held packets, the back-off. */
static void
test_deadline(void)
{
	uint64_t	t0, t1;
	int		i;

	pair_init();
	node_psk(A, "node-a", "k1");
	node_psk(B, "node-a", "k1");
	A->conf.dtls.handshake_timeout = 1;
	if (!ok(pair_start() == 0, "deadline: both start"))
		return;
	node_stop(B);
	t0 = now_ms();
	for (i = 0; i < 3; i++)
		pkt_send(A, (uint32_t)i, 500);
	ok(run_until(a_failed, 3000), "deadline: the handshake is abandoned");
	t1 = now_ms();
	ok(A->fail == DTLS_FAIL_TIMEOUT && st(A)->dtls_fail_timeout == 1 &&
	    t1 - t0 >= 900 && t1 - t0 < 1600, "deadline: as a timeout, after "
	    "%llu ms (handshake_timeout 1 s)", (unsigned long long)(t1 - t0));
	ok(st(A)->dtls_held_dropped == 3 && sessions(A).handshake == 0,
	    "deadline: the 3 held packets dropped and counted");
	pkt_send(A, 3, 500);
	run_for(100);
	ok(sessions(A).handshake == 0 && st(A)->dtls_held == 4,
	    "deadline: a packet right after is held, no new attempt "
	    "(back-off)");
	run_for(1200);
	ok(sessions(A).handshake == 1 || A->fails == 2, "deadline: after the "
	    "1 s back-off it tries again");
	ok(node_start(B) == 0, "deadline: B is back");
	ok(send_until(A, 0, 8000), "deadline: a later attempt carries a "
	    "packet sent again (back-off %d fails)", A->fails);
	pair_stop();
}

/* Write a key file k with a new random key. */
static void
psk_file(const char *name, const char *hex)
{
	file(name, hex, 0600);
}

/* A reload that swaps the PSK: new sessions, traffic goes on. */
static void
test_reload(void)
{
	static struct config	ca, cb;
	static struct peer_config pa, pb;
	static struct peer_dtls	da, db;
	char			*cause = NULL;
	uint32_t		 seq = 0;
	uint64_t		 done_a, done_b;
	int			 r;

	if (!psk_session("reload"))
		return;
	seq = 5;
	done_a = st(A)->dtls_handshakes_done;
	done_b = st(B)->dtls_handshakes_done;
	conf_copy(A, &ca, &pa, &da);
	conf_copy(B, &cb, &pb, &db);
	snprintf(da.psk_file, sizeof(da.psk_file), "%s/k3", dir);
	snprintf(db.psk_file, sizeof(db.psk_file), "%s/k3", dir);
	snprintf(db.psk_identity, sizeof(db.psk_identity), "nope");
	r = dtls_reload(B->dtls, &cb, &cause);
	ok(r == -1 && cause != NULL && strstr(cause, "k3") != NULL,
	    "reload: a missing key file is refused (%s)", cause);
	free(cause);
	ok(exchange(5, 700, seq), "reload: the old settings go on");
	seq += 5;
	psk_file("k3", "00112233445566778899aabbccddeeff00112233\n");
	snprintf(db.psk_identity, sizeof(db.psk_identity), "node-a");
	ok(dtls_reload(A->dtls, &ca, &cause) == 0 &&
	    dtls_reload(B->dtls, &cb, &cause) == 0, "reload: both take k3");
	stream(600, 10, &seq);
	want_a = want_b = (int)seq;
	run_until(delivered_all, 2000);
	ok(A->delivered == seq && B->delivered == seq, "reload: every packet "
	    "arrived across the swap (%u of %u)", B->delivered, seq);
	ok(st(A)->dtls_handshakes_done > done_a &&
	    st(B)->dtls_handshakes_done > done_b &&
	    st(A)->dtls_rekeys + st(B)->dtls_rekeys >= 2,
	    "reload: a new session replaced the old one on both sides");
	ok(A->fails == 0, "reload: no handshake failed (%d)", A->fails);
	/* A session with the new key only: B restarted with k3 alone. */
	node_stop(B);
	conf_adopt(B, &cb, &db);
	ok(node_start(B) == 0, "reload: B restarts with k3");
	conf_adopt(A, &ca, &da);
	ok(dtls_reload(A->dtls, &A->conf, &cause) == 0 &&
	    send_until(A, 0, 5000) && exchange(5, 700, 1),
	    "reload: A's k3 sessions work against it");
	pair_stop();
}

/*
 * A reload on one side only: its rekey fails (retried with back-off), the
 * session of the old key goes on carrying packets, and once the other
 * side has the new key too the rekey succeeds.
 */
static void
test_reload_one_side(void)
{
	static struct config	ca, cb;
	static struct peer_config pa, pb;
	static struct peer_dtls	da, db;
	char			*cause = NULL;
	uint64_t		 rekeys;
	uint32_t		 seq = 5;
	int			 r;

	if (!psk_session("reload one side"))
		return;
	conf_copy(A, &ca, &pa, &da);
	conf_copy(B, &cb, &pb, &db);
	snprintf(da.psk_file, sizeof(da.psk_file), "%s/k2", dir);
	snprintf(db.psk_file, sizeof(db.psk_file), "%s/k2", dir);
	ok(dtls_reload(A->dtls, &ca, &cause) == 0, "reload one side: A "
	    "takes k2");
	r = run_until(a_failed, 3000);
	ok(r && A->fail == DTLS_FAIL_BAD_KEY, "reload one side: the rekey "
	    "with k2 fails (%s)", A->fails ? dtls_fail_name(A->fail) : "no");
	ok(sessions(A).up == 1 && A->events[DTLS_EV_DOWN] == 0 &&
	    exchange(5, 700, seq), "reload one side: the session of the old "
	    "key goes on carrying packets");
	seq += 5;
	rekeys = st(A)->dtls_rekeys + st(B)->dtls_rekeys;
	ok(dtls_reload(B->dtls, &cb, &cause) == 0, "reload one side: then B "
	    "takes k2 too");
	run_for(2500);
	ok(st(A)->dtls_rekeys + st(B)->dtls_rekeys > rekeys &&
	    exchange(5, 700, seq), "reload one side: the retried rekey "
	    "succeeds and packets flow on the new session");
	conf_adopt(A, &ca, &da);
	conf_adopt(B, &cb, &db);
	dtls_reload(A->dtls, &A->conf, &cause);
	dtls_reload(B->dtls, &B->conf, &cause);
	pair_stop();
}

/* A reload that makes the peer cleartext closes its sessions. */
static void
test_reload_removed(void)
{
	static struct config	ca;
	static struct peer_config pa;
	char			*cause = NULL;
	uint64_t		 held;
	unsigned int		 sent;

	if (!psk_session("reload cleartext"))
		return;
	ca = A->conf;
	pa = A->peer;
	ca.peers = &pa;
	pa.dtls = NULL;
	ok(dtls_reload(A->dtls, &ca, &cause) == 0 && sessions(A).up == 0 &&
	    A->events[DTLS_EV_DOWN] == 1, "reload cleartext: A closes the "
	    "session");
	run_for(100);
	ok(sessions(B).up == 0 && B->events[DTLS_EV_DOWN] == 1,
	    "reload cleartext: B got the close_notify and closed its side");
	held = st(A)->dtls_held;
	sent = net.sent;
	pkt_send(A, 9, 500);
	ok(st(A)->dtls_held_dropped == 1 && st(A)->dtls_held == held &&
	    net.sent == sent, "reload cleartext: a packet given for it "
	    "anyway is dropped, counted, never sent");
	pair_stop();
}

/* Duplicated and reordered datagrams, handshake included. */
static enum hook_verdict
hook_dup(struct dgram *g)
{
	return DUP;
}

static void
test_dup_reorder(void)
{
	int	r;

	pair_init();
	node_psk(A, "node-a", "k1");
	node_psk(B, "node-a", "k1");
	net.hook = hook_dup;
	net.reorder = 1;
	net.rng = 7;
	if (!ok(pair_start() == 0, "dup+reorder: both start"))
		return;
	r = exchange(20, 900, 0);
	ok(r && A->delivered == 20 && B->delivered == 20,
	    "dup+reorder: every packet once, handshake included (%u, %u)",
	    A->delivered, B->delivered);
	ok(st(B)->dtls_replayed >= 10 && st(A)->dtls_handshakes_done == 1,
	    "dup+reorder: the duplicates counted as replays (%llu)",
	    (unsigned long long)st(B)->dtls_replayed);
	pair_stop();
}

/* One failing dtls_conf_check; cause must hold want. */
static void
check_fails(struct node *n, const char *what, const char *want)
{
	char	*cause = NULL;
	int	 r = dtls_conf_check(&n->conf, &cause);

	ok(r == -1 && cause != NULL && strstr(cause, want) != NULL,
	    "conf_check: %s (%s)", what, cause != NULL ? cause : "no error");
	free(cause);
}

/* dtls_conf_check: every file, with file:line. */
static void
test_conf_check(void)
{
	char	*cause = NULL;

	pair_init();
	node_psk(A, "node-a", "k1");
	ok(dtls_conf_check(&A->conf, &cause) == 0 && cause == NULL,
	    "conf_check: a hex PSK file");
	psk_file("b64", "  ABEiM0RVZneImaq7zN3u/w==\n\n");
	node_psk(A, "node-a", "b64");
	ok(dtls_conf_check(&A->conf, &cause) == 0, "conf_check: a base64 "
	    "PSK file with white space around");
	node_psk(A, "node-a", "missing");
	check_fails(A, "unreadable PSK file",
	    "test.conf:21: peers[0].dtls.psk_file: ");
	file("open", "00112233445566778899aabbccddeeff", 0640);
	node_psk(A, "node-a", "open");
	check_fails(A, "group-readable PSK file", "readable by group");
	psk_file("short", "0011223344556677\n");
	node_psk(A, "node-a", "short");
	check_fails(A, "8-byte PSK", "the key is 8 bytes");
	psk_file("badhex", "00112233445566778899aabbccddeeff0\n");
	node_psk(A, "node-a", "badhex");
	check_fails(A, "odd number of hex digits", "not a key in hex or "
	    "base64");
	psk_file("badchar", "00112233-44556677-8899aabb-ccddeeff\n");
	node_psk(A, "node-a", "badchar");
	check_fails(A, "hex with dashes", "not a key in hex or base64");
	psk_file("badb64", "ABEiM0RVZneImaq7zN3u/w=!\n");
	node_psk(A, "node-a", "badb64");
	check_fails(A, "bad base64", "not a key in hex or base64");
	pair_init();
	node_cert(A, "a.pem", "a.key", "ca.pem", NULL);
	ok(dtls_conf_check(&A->conf, &cause) == 0, "conf_check: certificates");
	node_cert(A, "a.pem", "b.key", "ca.pem", NULL);
	check_fails(A, "key of another certificate",
	    "test.conf:12: dtls.key: ");
	file("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at "
	    "all!\n-----END CERTIFICATE-----\n", 0644);
	node_cert(A, "garbage.pem", "a.key", "ca.pem", NULL);
	check_fails(A, "bad PEM certificate",
	    "test.conf:11: dtls.certificate: ");
	file("empty.pem", "nothing here\n", 0644);
	node_cert(A, "a.pem", "a.key", "empty.pem", NULL);
	check_fails(A, "CA bundle without a certificate",
	    "test.conf:22: peers[0].dtls.ca: ");
	node_cert(A, "a.pem", "a.pem", "ca.pem", NULL);
	check_fails(A, "no key in the key file", "bad PEM private key");
	node_cert(A, "a.pem", "nokey", "ca.pem", NULL);
	check_fails(A, "missing key file", "cannot read");
	pair_init();
	node_cert(A, "a.pem", "a.key", NULL, NULL);
	check_fails(A, "certificates with neither ca nor pin",
	    "test.conf:20: peers[0].dtls: ");
	pair_init();
	snprintf(A->pd.ca, sizeof(A->pd.ca), "%s/ca.pem", dir);
	check_fails(A, "certificates without dtls.certificate",
	    "dtls.certificate: missing");
	pair_init();
	node_psk(A, "node-a", "k1");
	node_cert(A, "a.pem", "zz", NULL, NULL);
	A->pd.ca[0] = '\0';
	check_fails(A, "a named but unused key file is checked too",
	    "test.conf:12: dtls.key: ");
}

/* dtls_create fails as dtls_conf_check would. */
static void
test_create_fails(void)
{
	char	*cause = NULL;

	pair_init();
	node_psk(A, "node-a", "short");
	A->dtls = dtls_create(net.base, &A->conf, &node_ops, A, &cause);
	ok(A->dtls == NULL && cause != NULL &&
	    strstr(cause, "the key is 8 bytes") != NULL,
	    "create: refuses a bad configuration (%s)", cause);
	free(cause);
}

int
main(void)
{
	char	*tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_dtls.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("1..0 # SKIP no temporary directory\n");
		return 77;
	}
	log_init(1, LOG_WARNING, "test_dtls");
	net.base = event_base_new();
	net.ev = event_new(net.base, -1, 0, net_cb, NULL);
	TAILQ_INIT(&net.q);
	certs_make();
	psk_file("k1", "000102030405060708090a0b0c0d0e0f\n");
	psk_file("k2", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n");
	test_conf_check();
	test_create_fails();
	test_psk();
	test_certs();
	test_refused();
	test_bad_records();
	test_rebinding();
	test_restart();
	test_rekey();
	test_simultaneous();
	test_flood();
	test_deadline();
	test_reload();
	test_reload_one_side();
	test_reload_removed();
	test_dup_reorder();
	event_free(net.ev);
	event_base_free(net.base);
	rmtree(dir);
	return tap_done(0);
}
