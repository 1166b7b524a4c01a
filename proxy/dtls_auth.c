/*
 * dtls_auth: who an encrypted peer must be.  Owns the files the dtls
 * settings name (read and checked here, for dtls_conf_check and for the
 * engine alike), one SSL_CTX per encrypted peer, the callbacks OpenSSL
 * calls during a handshake (PSK, certificate pin, cookies) and the
 * mapping of OpenSSL's errors to a reason a failed handshake is counted
 * under.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64.h"
#include "dtls_int.h"

#define DTLS_FILE_MAX		(1024 * 1024)
#define DTLS_CIPHERS_PSK	"ECDHE-PSK-CHACHA20-POLY1305"
#define DTLS_CIPHERS_CERT						\
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"	\
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"	\
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define DTLS_GROUPS		"X25519:P-256:P-384"

/* A file's bytes, read whole. */
struct dtls_file {
	uint8_t		*buf;
	size_t		 len;
};

/* Where a setting's problem is reported. */
struct dtls_where {
	const struct config	*conf;
	char			**cause;
	unsigned int		 line;
	char			 setting[64];
};

/* Set the cause to "FILE:LINE: setting: message"; returns -1. */
static int __attribute__((format(printf, 2, 3)))
dtls_auth_error(const struct dtls_where *w, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (w->cause == NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg == NULL || asprintf(w->cause, "%s:%u: %s: %s",
	    w->conf->path != NULL ? w->conf->path : "-",
	    w->line != 0 ? w->line : 1, w->setting, msg) == -1)
		*w->cause = NULL;
	free(msg);
	return -1;
}

/* Point w at a setting and its line. */
static void __attribute__((format(printf, 3, 4)))
dtls_where_set(struct dtls_where *w, unsigned int line, const char *fmt, ...)
{
	va_list	 ap;

	w->line = line;
	va_start(ap, fmt);
	vsnprintf(w->setting, sizeof(w->setting), fmt, ap);
	va_end(ap);
}

/* OpenSSL's reason for the last failure, emptying its error queue. */
static const char *
dtls_auth_ssl_why(void)
{
	const char	*why;

	why = ERR_reason_error_string(ERR_peek_last_error());
	ERR_clear_error();
	return why != NULL ? why : "unknown error";
}

/*
 * Read a whole file.  A secret must not be readable by group or others:
 * a key file anyone can read is a key anyone has.
 */
static int
dtls_file_read(const struct dtls_where *w, const char *path, int secret,
    struct dtls_file *f)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	f->buf = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return dtls_auth_error(w, "%s: cannot read: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > DTLS_FILE_MAX) {
		close(fd);
		return dtls_auth_error(w, "%s: not a regular file of at most "
		    "1 MiB", path);
	}
	if (secret && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
		close(fd);
		return dtls_auth_error(w, "%s: readable by group or others "
		    "(mode %03o): chmod 600 it", path,
		    (unsigned int)st.st_mode & 0777);
	}
	if ((f->buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return dtls_auth_error(w, "out of memory");
	}
	n = read(fd, f->buf, (size_t)st.st_size + 1);
	close(fd);
	if (n < 0 || n > st.st_size) {
		free(f->buf);
		f->buf = NULL;
		return dtls_auth_error(w, "%s: cannot read: %s", path,
		    n < 0 ? strerror(errno) : "file grew while read");
	}
	f->len = (size_t)n;
	return 0;
}

/* Forget a file's bytes, wiping them: it may be a key. */
static void
dtls_file_free(struct dtls_file *f)
{
	if (f->buf != NULL) {
		OPENSSL_cleanse(f->buf, f->len);
		free(f->buf);
	}
	f->buf = NULL;
}

/* A key file must never prompt for a pass phrase on a daemon's terminal. */
static int
dtls_no_passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/*
 * The certificates of a PEM file, first to last; -1 if it holds none or a
 * block that does not parse.
 */
static int
dtls_pem_certs(const struct dtls_where *w, const char *path,
    const struct dtls_file *f, STACK_OF(X509) **out)
{
	STACK_OF(X509)	*sk;
	BIO		*bio;
	X509		*x;
	unsigned long	 e;
	int		 n;

	if ((sk = sk_X509_new_null()) == NULL ||
	    (bio = BIO_new_mem_buf(f->buf, (int)f->len)) == NULL) {
		sk_X509_free(sk);
		return dtls_auth_error(w, "out of memory");
	}
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(bio, NULL, dtls_no_passphrase_cb,
	    NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	}
	BIO_free(bio);
	e = ERR_peek_last_error();
	n = sk_X509_num(sk);
	/* PEM_read_bio_X509 ends every file with "no start line". */
	if (n == 0 || ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		sk_X509_pop_free(sk, X509_free);
		return dtls_auth_error(w, "%s: bad PEM certificate: %s", path,
		    n == 0 && ERR_GET_LIB(e) == ERR_LIB_PEM &&
		    ERR_GET_REASON(e) == PEM_R_NO_START_LINE ?
		    "no certificate in it" : dtls_auth_ssl_why());
	}
	ERR_clear_error();
	*out = sk;
	return 0;
}

/* The private key of a PEM file. */
static int
dtls_pem_key(const struct dtls_where *w, const char *path,
    const struct dtls_file *f, EVP_PKEY **out)
{
	BIO	*bio;

	if ((bio = BIO_new_mem_buf(f->buf, (int)f->len)) == NULL)
		return dtls_auth_error(w, "out of memory");
	ERR_clear_error();
	*out = PEM_read_bio_PrivateKey(bio, NULL, dtls_no_passphrase_cb,
	    NULL);
	BIO_free(bio);
	if (*out == NULL)
		return dtls_auth_error(w, "%s: bad PEM private key (or one "
		    "with a pass phrase): %s", path, dtls_auth_ssl_why());
	return 0;
}

/*
 * The key of a PSK file: hex when every character is a hex digit, else
 * base64; white space around it is ignored.
 */
static int
dtls_psk_parse(const struct dtls_where *w, const char *path,
    const struct dtls_file *f, struct dtls_auth *a)
{
	const char	*s = (const char *)f->buf;
	size_t		 n = f->len;
	int		 r;

	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' ||
	    *s == '\r')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if ((r = hex_decode(s, n, a->key, DTLS_PSK_MAX)) == -1 &&
	    (r = base64_decode(s, n, a->key, DTLS_PSK_MAX)) == -1)
		return dtls_auth_error(w, "%s: not a key in hex or base64 "
		    "(%d to %d bytes)", path, DTLS_PSK_MIN, DTLS_PSK_MAX);
	a->keylen = (size_t)r;
	if (a->keylen < DTLS_PSK_MIN)
		return dtls_auth_error(w, "%s: the key is %zu bytes, at least "
		    "%d needed", path, a->keylen, DTLS_PSK_MIN);
	return 0;
}

/* Add a setting's bytes to the digest reload compares. */
static void
dtls_digest_add(EVP_MD_CTX *md, const void *p, size_t len)
{
	uint32_t	n = (uint32_t)len;

	/* The length first, so that fields cannot run into each other. */
	EVP_DigestUpdate(md, &n, sizeof(n));
	EVP_DigestUpdate(md, p, len);
}

/* Settings common to both kinds of contexts. */
static SSL_CTX *
dtls_ctx_new(void)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(DTLS_method())) == NULL)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set1_groups_list(ctx, DTLS_GROUPS)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Nothing of a session is kept: no cache, no tickets. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

/* The client's PSK: our identity for this peer and its key. */
static unsigned int
dtls_psk_client_cb(SSL *ssl, const char *hint, char *identity,
    unsigned int max_identity, unsigned char *psk, unsigned int max_psk)
{
	struct dtls_auth	*a = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	size_t			 n = strlen(a->identity);

	if (n + 1 > max_identity || a->keylen > max_psk)
		return 0;
	memcpy(identity, a->identity, n + 1);
	memcpy(psk, a->key, a->keylen);
	return (unsigned int)a->keylen;
}

/*
 * The server's PSK: only for the identity configured for the peer whose
 * address sent the ClientHello (the context is that peer's).  0 makes
 * OpenSSL answer unknown_psk_identity.
 */
static unsigned int
dtls_psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
    unsigned int max_psk)
{
	struct dtls_auth	*a = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	if (identity == NULL || strcmp(identity, a->identity) != 0 ||
	    a->keylen > max_psk)
		return 0;
	memcpy(psk, a->key, a->keylen);
	return (unsigned int)a->keylen;
}

/* Does the verification error only say the chain has no anchor? */
static int
dtls_trust_error(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
		return 1;
	}
	return 0;
}

/* Is the SHA-256 of x's SubjectPublicKeyInfo the pin? */
static int
dtls_pin_match(const struct dtls_auth *a, X509 *x)
{
	uint8_t		*der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	int		 n, ok;

	if ((n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der)) <= 0)
		return 0;
	ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) &&
	    mdlen == CONFIG_PIN_LEN &&
	    CRYPTO_memcmp(md, a->pin, CONFIG_PIN_LEN) == 0;
	OPENSSL_free(der);
	return ok;
}

/*
 * Chain verification, then the pin on the leaf.  With a pin and no CA
 * there is no anchor to chain to: only that error is forgiven, not an
 * expired or badly signed certificate.
 */
static int
dtls_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL			*ssl;
	struct dtls_session	*s;
	struct dtls_auth	*a;

	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (s = SSL_get_app_data(ssl)) == NULL)
		return 0;
	a = s->auth;
	if (!ok && !a->has_ca &&
	    dtls_trust_error(X509_STORE_CTX_get_error(xs)))
		ok = 1;
	if (ok && a->has_pin && X509_STORE_CTX_get_error_depth(xs) == 0 &&
	    !dtls_pin_match(a, X509_STORE_CTX_get_current_cert(xs))) {
		s->fail_pin = 1;
		/* OpenSSL answers this one with bad_certificate. */
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
		ok = 0;
	}
	return ok;
}

/*
 * The cookie of a ClientHello: an HMAC of both ends' addresses and ports
 * under secret, so that only the sender of the first ClientHello can
 * come back with it and nothing needs to be kept meanwhile.
 */
static void
dtls_cookie(const struct dtls_session *s, const uint8_t *secret,
    uint8_t *out)
{
	uint8_t		 in[1 + 16 + 2 + 16 + 2], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	uint16_t	 lport = s->d->conf->dtls.port;

	in[0] = s->remote.family;
	memcpy(in + 1, s->local.u.bytes, 16);
	in[17] = (uint8_t)(lport >> 8);
	in[18] = (uint8_t)lport;
	memcpy(in + 19, s->remote.u.bytes, 16);
	in[35] = (uint8_t)(s->port >> 8);
	in[36] = (uint8_t)s->port;
	if (HMAC(EVP_sha256(), secret, DTLS_SECRET_LEN, in, sizeof(in), md,
	    &mdlen) == NULL)
		memset(md, 0, sizeof(md));
	memcpy(out, md, DTLS_COOKIE_LEN);
}

/* A cookie for a HelloVerifyRequest, under the current secret. */
static int
dtls_cookie_generate_cb(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
	struct dtls_session	*s = SSL_get_app_data(ssl);

	if (s == NULL)
		return 0;
	dtls_cookie(s, s->d->secret[0], cookie);
	*len = DTLS_COOKIE_LEN;
	s->d->stats.dtls_cookies_sent++;
	return 1;
}

/* A cookie is good under the current secret or the one before. */
static int
dtls_cookie_verify_cb(SSL *ssl, const unsigned char *cookie,
    unsigned int len)
{
	struct dtls_session	*s = SSL_get_app_data(ssl);
	uint8_t			 want[DTLS_COOKIE_LEN];
	int			 i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 2 && len == DTLS_COOKIE_LEN; i++) {
		dtls_cookie(s, s->d->secret[i], want);
		if (CRYPTO_memcmp(want, cookie, DTLS_COOKIE_LEN) == 0)
			return 1;
	}
	s->d->stats.dtls_bad_cookie++;
	return 0;
}

/* The PSK half of a context: the key file, the cipher, the callbacks. */
static int
dtls_auth_psk(struct dtls_where *w, const struct peer_dtls *pd,
    struct dtls_auth *a, EVP_MD_CTX *md)
{
	struct dtls_file	 f;
	int			 r;

	a->psk = 1;
	snprintf(a->identity, sizeof(a->identity), "%s", pd->psk_identity);
	if (dtls_file_read(w, pd->psk_file, 1, &f) == -1)
		return -1;
	r = dtls_psk_parse(w, pd->psk_file, &f, a);
	dtls_file_free(&f);
	if (r == -1)
		return -1;
	dtls_digest_add(md, a->identity, strlen(a->identity));
	dtls_digest_add(md, a->key, a->keylen);
	if (a->ctx == NULL)
		return 0;
	if (!SSL_CTX_set_cipher_list(a->ctx, DTLS_CIPHERS_PSK))
		return dtls_auth_error(w, "cipher %s: %s", DTLS_CIPHERS_PSK,
		    dtls_auth_ssl_why());
	SSL_CTX_set_psk_client_callback(a->ctx, dtls_psk_client_cb);
	SSL_CTX_set_psk_server_callback(a->ctx, dtls_psk_server_cb);
	return 0;
}

/* Read one of our own files, dtls.certificate or dtls.key. */
static int
dtls_own_file(struct dtls_where *w, unsigned int line, const char *setting,
    const char *path, EVP_MD_CTX *md, struct dtls_file *f)
{
	dtls_where_set(w, line, "%s", setting);
	if (path[0] == '\0')
		return dtls_auth_error(w, "missing: certificates need "
		    "dtls.certificate and dtls.key");
	if (dtls_file_read(w, path, strcmp(setting, "dtls.key") == 0, f) ==
	    -1)
		return -1;
	dtls_digest_add(md, f->buf, f->len);
	return 0;
}

/* Our certificate chain and key, read from their files. */
static int
dtls_own_read(struct dtls_where *w, const struct dtls_config *dc,
    EVP_MD_CTX *md, STACK_OF(X509) **chain, EVP_PKEY **key)
{
	struct dtls_file	 f;
	int			 r;

	if (dtls_own_file(w, dc->certificate_line, "dtls.certificate",
	    dc->certificate, md, &f) == -1)
		return -1;
	r = dtls_pem_certs(w, dc->certificate, &f, chain);
	dtls_file_free(&f);
	if (r == -1 || dtls_own_file(w, dc->key_line, "dtls.key", dc->key,
	    md, &f) == -1)
		return -1;
	r = dtls_pem_key(w, dc->key, &f, key);
	dtls_file_free(&f);
	return r;
}

/* Our certificate chain and key, checked against each other and used. */
static int
dtls_auth_own(struct dtls_where *w, const struct config *conf,
    struct dtls_auth *a, EVP_MD_CTX *md)
{
	const struct dtls_config *dc = &conf->dtls;
	STACK_OF(X509)		*chain = NULL;
	EVP_PKEY		*key = NULL;
	int			 i, r = -1;

	if (dtls_own_read(w, dc, md, &chain, &key) == -1)
		goto out;
	if (!X509_check_private_key(sk_X509_value(chain, 0), key)) {
		ERR_clear_error();
		dtls_auth_error(w, "%s: does not match the certificate in %s",
		    dc->key, dc->certificate);
		goto out;
	}
	if (a->ctx != NULL && (!SSL_CTX_use_certificate(a->ctx,
	    sk_X509_value(chain, 0)) || !SSL_CTX_use_PrivateKey(a->ctx, key))) {
		dtls_auth_error(w, "%s: %s", dc->key, dtls_auth_ssl_why());
		goto out;
	}
	for (i = 1; a->ctx != NULL && i < sk_X509_num(chain); i++)
		if (!SSL_CTX_add1_chain_cert(a->ctx, sk_X509_value(chain, i))) {
			dtls_auth_error(w, "%s: %s", dc->certificate,
			    dtls_auth_ssl_why());
			goto out;
		}
	r = 0;
out:
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	return r;
}

/* The CA bundle a peer's chain is verified against. */
static int
dtls_auth_ca(struct dtls_where *w, const char *path, struct dtls_auth *a,
    EVP_MD_CTX *md)
{
	struct dtls_file	 f;
	STACK_OF(X509)		*cas;
	X509_STORE		*store;
	int			 i, r;

	if (dtls_file_read(w, path, 0, &f) == -1)
		return -1;
	dtls_digest_add(md, f.buf, f.len);
	r = dtls_pem_certs(w, path, &f, &cas);
	dtls_file_free(&f);
	if (r == -1)
		return -1;
	store = a->ctx != NULL ? SSL_CTX_get_cert_store(a->ctx) : NULL;
	for (i = 0; store != NULL && i < sk_X509_num(cas); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(cas, i))) {
			sk_X509_pop_free(cas, X509_free);
			return dtls_auth_error(w, "%s: %s", path,
			    dtls_auth_ssl_why());
		}
	sk_X509_pop_free(cas, X509_free);
	a->has_ca = 1;
	return 0;
}

/* The certificate half of a context: ours, the peer's CA and pin. */
static int
dtls_auth_cert(struct dtls_where *w, const struct config *conf,
    size_t peer, struct dtls_auth *a, EVP_MD_CTX *md)
{
	const struct peer_dtls	*pd = conf->peers[peer].dtls;
	const char		*ca = pd->ca[0] != '\0' ? pd->ca :
				    conf->dtls.ca;

	if (dtls_auth_own(w, conf, a, md) == -1)
		return -1;
	if (pd->ca[0] != '\0')
		dtls_where_set(w, pd->ca_line, "peers[%zu].dtls.ca", peer);
	else
		dtls_where_set(w, conf->dtls.ca_line, "dtls.ca");
	if (ca[0] != '\0' && dtls_auth_ca(w, ca, a, md) == -1)
		return -1;
	a->has_pin = pd->has_pin;
	memcpy(a->pin, pd->pin, sizeof(a->pin));
	dtls_digest_add(md, a->pin, a->has_pin ? sizeof(a->pin) : 0);
	dtls_where_set(w, pd->line, "peers[%zu].dtls", peer);
	if (!a->has_ca && !a->has_pin)
		return dtls_auth_error(w, "certificates need a ca (here or in "
		    "dtls.ca) or a pin");
	if (a->ctx == NULL)
		return 0;
	if (!SSL_CTX_set_cipher_list(a->ctx, DTLS_CIPHERS_CERT))
		return dtls_auth_error(w, "ciphers: %s", dtls_auth_ssl_why());
	SSL_CTX_set_verify(a->ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, dtls_verify_cb);
	return 0;
}

/*
 * A peer's context for the engine d.  With d NULL only the files are
 * checked and no context is made (dtls_conf_check).
 */
struct dtls_auth *
dtls_auth_new(struct dtls *d, const struct config *conf, size_t peer,
    char **cause)
{
	const struct peer_dtls	*pd = conf->peers[peer].dtls;
	struct dtls_where	 w = { conf, cause, pd->line, "" };
	struct dtls_auth	*a;
	EVP_MD_CTX		*md;
	int			 r;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL) {
		free(a);
		dtls_auth_error(&w, "out of memory");
		return NULL;
	}
	a->d = d;
	a->refs = 1;
	if (d != NULL && (a->ctx = dtls_ctx_new()) == NULL) {
		dtls_where_set(&w, pd->line, "peers[%zu].dtls", peer);
		dtls_auth_error(&w, "%s", dtls_auth_ssl_why());
		r = -1;
	} else if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		r = dtls_auth_error(&w, "%s", dtls_auth_ssl_why());
	} else if (pd->psk_identity[0] != '\0') {
		dtls_where_set(&w, pd->psk_file_line,
		    "peers[%zu].dtls.psk_file", peer);
		r = dtls_auth_psk(&w, pd, a, md);
	} else
		r = dtls_auth_cert(&w, conf, peer, a, md);
	if (r == 0)
		EVP_DigestFinal_ex(md, a->digest, NULL);
	EVP_MD_CTX_free(md);
	if (r == -1) {
		dtls_auth_unref(a);
		return NULL;
	}
	if (a->ctx != NULL) {
		SSL_CTX_set_app_data(a->ctx, a);
		SSL_CTX_set_cookie_generate_cb(a->ctx, dtls_cookie_generate_cb);
		SSL_CTX_set_cookie_verify_cb(a->ctx, dtls_cookie_verify_cb);
	}
	return a;
}

/* Drop a reference; the last one frees the context and wipes the key. */
void
dtls_auth_unref(struct dtls_auth *a)
{
	if (a == NULL || --a->refs > 0)
		return;
	SSL_CTX_free(a->ctx);
	OPENSSL_cleanse(a->key, sizeof(a->key));
	free(a);
}

/* The global files, as a start would read them, even if no peer uses them. */
static int
dtls_conf_check_global(const struct config *conf, char **cause)
{
	const struct dtls_config *dc = &conf->dtls;
	struct dtls_where	 w = { conf, cause, dc->line, "" };
	struct dtls_auth	 a;
	EVP_MD_CTX		*md;
	int			 r = 0;

	memset(&a, 0, sizeof(a));
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return dtls_auth_error(&w, "out of memory");
	}
	if (dc->certificate[0] != '\0' || dc->key[0] != '\0')
		r = dtls_auth_own(&w, conf, &a, md);
	if (r == 0 && dc->ca[0] != '\0') {
		dtls_where_set(&w, dc->ca_line, "dtls.ca");
		r = dtls_auth_ca(&w, dc->ca, &a, md);
	}
	EVP_MD_CTX_free(md);
	return r;
}

/* Check every file conf's dtls settings name; see dtls.h. */
int
dtls_conf_check(const struct config *conf, char **cause)
{
	struct dtls_auth	*a;
	size_t			 i;

	*cause = NULL;
	if (!conf->dtls.enabled)
		return 0;
	if (dtls_conf_check_global(conf, cause) == -1)
		return -1;
	for (i = 0; i < conf->npeers; i++) {
		if (conf->peers[i].dtls == NULL)
			continue;
		if ((a = dtls_auth_new(NULL, conf, i, cause)) == NULL)
			return -1;
		dtls_auth_unref(a);
	}
	return 0;
}

/* The reason a received alert names, or -1 if it names none we count. */
static int
dtls_alert_reason(int reason)
{
	switch (reason) {
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
		return DTLS_FAIL_UNKNOWN_CA;
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
	case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
	case SSL_R_NO_CERTIFICATES_RETURNED:
		return DTLS_FAIL_BAD_CERT;
	case SSL_R_PSK_IDENTITY_NOT_FOUND:
	case SSL_R_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY:
		return DTLS_FAIL_UNKNOWN_PSK;
	case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
	case SSL_R_SSLV3_ALERT_BAD_RECORD_MAC:
	case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC:
	case SSL_R_DIGEST_CHECK_FAILED:
		return DTLS_FAIL_BAD_KEY;
	}
	return -1;
}

/*
 * Why s's handshake failed, from OpenSSL's error queue (emptied) and the
 * verification result; *detail is OpenSSL's text for it.
 */
enum dtls_fail
dtls_auth_reason(struct dtls_session *s, int ssl_error, const char **detail)
{
	unsigned long	 e = ERR_peek_error();
	long		 v;
	int		 r;

	*detail = ERR_reason_error_string(e);
	r = ERR_GET_LIB(e) == ERR_LIB_SSL ?
	    dtls_alert_reason(ERR_GET_REASON(e)) : -1;
	if (s->fail_pin) {
		*detail = "public key is not the pinned one";
		r = DTLS_FAIL_BAD_PIN;
	} else if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
		v = SSL_get_verify_result(s->ssl);
		*detail = X509_verify_cert_error_string(v);
		r = dtls_trust_error((int)v) ? DTLS_FAIL_UNKNOWN_CA :
		    DTLS_FAIL_BAD_CERT;
	}
	ERR_clear_error();
	if (r == -1)
		r = DTLS_FAIL_PROTOCOL;
	if (*detail == NULL && ssl_error == SSL_ERROR_ZERO_RETURN)
		*detail = "closed by the peer";
	return (enum dtls_fail)r;
}

/* Who the peer proved to be: its PSK identity or certificate subject. */
void
dtls_auth_identity(struct dtls_session *s)
{
	X509	*x;

	s->cipher = SSL_get_cipher_name(s->ssl);
	if (s->auth->psk) {
		snprintf(s->identity, sizeof(s->identity), "%s",
		    s->auth->identity);
		return;
	}
	s->identity[0] = '\0';
	if ((x = SSL_get0_peer_certificate(s->ssl)) != NULL)
		X509_NAME_oneline(X509_get_subject_name(x), s->identity,
		    sizeof(s->identity));
}
