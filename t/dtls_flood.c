/*
 * dtls_flood: half-open DTLS handshakes against a sctptund, for the test
 * of its cap on them.  Each of count clients, from its own UDP port, does
 * what a real one does up to the ClientHello that carries the server's
 * cookie, then goes silent: it never reads the server's flight, so every
 * one of them holds a server handshake open until the server gives up.
 * The clients offer the ciphers sctptund accepts, so the server does
 * answer; they hold no key worth anything.
 *
 *	dtls_flood [-s srcaddr] [-t secs] dstaddr port count
 *
 * Drives the handshakes for up to 3 s, then keeps the sockets open (and
 * silent) for -t seconds (default 5).  Prints how many clients sent the
 * ClientHello with the cookie.  Exit status 0, or 1 on a setup error.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define FLOOD_MAX	4096

struct flood_client {
	int	 fd;
	SSL	*ssl;
	BIO	*rbio, *wbio;	/* memory BIOs: the I/O is done here */
	int	 hellos;	/* ClientHellos sent */
};

/* A PSK client callback: an identity and a key nobody configured. */
static unsigned int
flood_psk_cb(SSL *ssl, const char *hint, char *identity,
    unsigned int max_identity, unsigned char *psk, unsigned int max_psk)
{
	(void)ssl;
	(void)hint;
	snprintf(identity, max_identity, "flood");
	memset(psk, 0x5a, max_psk < 32 ? max_psk : 32);
	return max_psk < 32 ? max_psk : 32;
}

/* Milliseconds on the monotonic clock. */
static long long
flood_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connected UDP socket from src (or any) to dst:port (left in sd); -1
 * on error. */
static int
flood_socket(const char *src, const char *dst, int port,
    struct sockaddr_storage *out)
{
	struct sockaddr_storage	 ss, sd;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	socklen_t		 len;
	int			 fd, family;

	memset(&ss, 0, sizeof(ss));
	memset(&sd, 0, sizeof(sd));
	family = strchr(dst, ':') != NULL ? AF_INET6 : AF_INET;
	if (family == AF_INET6) {
		s6->sin6_family = AF_INET6;
		if (src != NULL && inet_pton(AF_INET6, src, &s6->sin6_addr) != 1)
			return -1;
		len = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		if (src != NULL && inet_pton(AF_INET, src, &s4->sin_addr) != 1)
			return -1;
		len = sizeof(*s4);
	}
	memcpy(&sd, &ss, sizeof(ss));
	if (family == AF_INET6) {
		((struct sockaddr_in6 *)&sd)->sin6_port = htons(port);
		if (inet_pton(AF_INET6, dst,
		    &((struct sockaddr_in6 *)&sd)->sin6_addr) != 1)
			return -1;
	} else {
		((struct sockaddr_in *)&sd)->sin_port = htons(port);
		if (inet_pton(AF_INET, dst,
		    &((struct sockaddr_in *)&sd)->sin_addr) != 1)
			return -1;
	}
	if ((fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    connect(fd, (struct sockaddr *)&sd, len) == -1) {
		close(fd);
		return -1;
	}
	*out = sd;
	return fd;
}

/* Count the ClientHellos a client writes (the second has the cookie). */
static void
flood_msg_cb(int write_p, int version, int content_type, const void *buf,
    size_t len, SSL *ssl, void *arg)
{
	struct flood_client	*c = arg;

	(void)version;
	(void)ssl;
	if (write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
	    ((const unsigned char *)buf)[0] == SSL3_MT_CLIENT_HELLO)
		c->hellos++;
}

/* One client: its socket and an SSL object that will start a handshake. */
static int
flood_client_new(SSL_CTX *ctx, struct flood_client *c, const char *src,
    const char *dst, int port)
{
	struct sockaddr_storage	 sd;

	if ((c->fd = flood_socket(src, dst, port, &sd)) == -1 ||
	    (c->ssl = SSL_new(ctx)) == NULL ||
	    (c->rbio = BIO_new(BIO_s_mem())) == NULL ||
	    (c->wbio = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_options(c->ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(c->ssl, 1200);
	SSL_set_msg_callback(c->ssl, flood_msg_cb);
	SSL_set_msg_callback_arg(c->ssl, c);
	SSL_set_connect_state(c->ssl);
	return 0;
}

/*
 * Drive a client one step: what the server sent goes in only until the
 * ClientHello with the cookie went out, so the server's real flight is
 * never read and never answered, whatever the timing.
 */
static void
flood_step(struct flood_client *c)
{
	unsigned char	 buf[4096];
	ssize_t		 n;
	char		*p;
	long		 len;

	while ((n = recv(c->fd, buf, sizeof(buf), 0)) > 0)
		if (c->hellos < 2)
			BIO_write(c->rbio, buf, (int)n);
	if (c->hellos >= 2)
		return;
	(void)SSL_do_handshake(c->ssl);
	ERR_clear_error();
	if ((len = BIO_get_mem_data(c->wbio, &p)) > 0) {
		(void)send(c->fd, p, (size_t)len, 0);
		(void)BIO_reset(c->wbio);
	}
}

int
main(int argc, char **argv)
{
	static struct flood_client clients[FLOOD_MAX];
	SSL_CTX		*ctx;
	const char	*src = NULL;
	long long	 end;
	int		 ch, i, n, port, secs = 5, cookied = 0;

	while ((ch = getopt(argc, argv, "s:t:")) != -1) {
		switch (ch) {
		case 's': src = optarg; break;
		case 't': secs = atoi(optarg); break;
		default: goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3 || (n = atoi(argv[2])) < 1 || n > FLOOD_MAX)
		goto usage;
	port = atoi(argv[1]);
	if ((ctx = SSL_CTX_new(DTLS_client_method())) == NULL)
		return 1;
	SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
	SSL_CTX_set_cipher_list(ctx, "ECDHE-PSK-CHACHA20-POLY1305:"
	    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
	SSL_CTX_set_psk_client_callback(ctx, flood_psk_cb);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	for (i = 0; i < n; i++)
		if (flood_client_new(ctx, &clients[i], src, argv[0],
		    port) == -1) {
			perror("dtls_flood: client");
			return 1;
		}
	end = flood_now() + 3000;
	while (flood_now() < end) {
		for (i = 0; i < n; i++)
			flood_step(&clients[i]);
		usleep(20000);
	}
	for (i = 0; i < n; i++)
		cookied += clients[i].hellos >= 2;
	printf("dtls_flood: %d of %d clients sent a ClientHello with the "
	    "server's cookie, and stopped\n", cookied, n);
	fflush(stdout);
	sleep((unsigned int)secs);
	return 0;
usage:
	fprintf(stderr, "usage: dtls_flood [-s srcaddr] [-t secs] dstaddr "
	    "port count\n");
	return 1;
}
