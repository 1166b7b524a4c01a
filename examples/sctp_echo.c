/*
 * sctp_echo: the example kernel SCTP application used by the scenario tests
 * and the demo.  It owns both ends of a verified echo exchange over
 * one-to-many (SOCK_SEQPACKET) sockets: a multihomed server that echoes every
 * message on the same stream with the same PPID, a client that sends
 * patterned messages round-robin over several streams and checks every echoed
 * byte, plus "probe" (does the kernel speak SCTP?) and "selftest" (the
 * pattern generator and verifier, runnable without kernel SCTP).
 *
 * Only APIs present in lksctp-tools 1.0.19 and Linux 6.1 are used.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ECHO_MSG_MAX		65536	/* largest message -s accepts */
#define ECHO_RECV_CAP		(ECHO_MSG_MAX + 4096)
#define ECHO_HDR_LEN		16
#define ECHO_MAGIC		0x53454348u	/* "SECH" */
#define ECHO_PPID_BASE		1000u
#define ECHO_PPID_SPREAD	8u
#define ECHO_MAX_ADDRS		16
#define ECHO_DEFAULT_PORT	7777
#define ECHO_RECV_BUDGET	64	/* messages drained per wake-up */
#define ECHO_SEND_BUDGET	64	/* messages sent per wake-up */
#define ECHO_SERVER_STATS	256	/* associations tracked by the server */
#define ECHO_ERRORS_SHOWN	10	/* verification errors printed */
#define ECHO_SERVER_BUF		(4UL << 20)	/* socket buffers, bytes */
#define ECHO_CLIENT_BUF_MAX	(16UL << 20)

enum {
	ECHO_EXIT_OK = 0,
	ECHO_EXIT_VERIFY = 1,
	ECHO_EXIT_SETUP = 2,
	ECHO_EXIT_TIMEOUT = 3
};

struct echo_addrs {
	struct sockaddr_storage	 ss[ECHO_MAX_ADDRS];
	int			 count;
};

struct echo_opts {
	struct echo_addrs	 local;
	struct echo_addrs	 peer;
	unsigned long		 port;
	unsigned long		 count;
	unsigned long		 size;
	unsigned long		 streams;
	unsigned long		 window;
	unsigned long		 timeout_s;
	unsigned long		 interval_ms;
	unsigned long		 max_assocs;
	int			 verbose;
	int			 quiet;
	int			 default_bufs;	/* -D: leave SO_SNDBUF/RCVBUF */
};

/* One received message, possibly assembled from partial-delivery pieces. */
struct echo_msg {
	unsigned char		*buf;
	size_t			 len;
	int			 flags;
	int			 partial;	/* pieces seen, no MSG_EOR */
	int			 oversize;	/* bytes beyond buf discarded */
	int			 have_info;
	struct sctp_rcvinfo	 info;
};

/* What the verifier knows about the exchange and where each stream is. */
struct echo_verify {
	uint32_t		 count;
	uint32_t		 size;
	uint16_t		 nstreams;
	uint32_t		*next;		/* next index due per stream */
	uint64_t		 accounted;	/* indices seen or skipped */
};

struct echo_client {
	const struct echo_opts	*o;
	int			 fd;
	sctp_assoc_t		 assoc;
	int			 up;		/* 1 up, -1 went down */
	uint16_t		 nstreams;
	struct echo_verify	 ver;
	struct echo_msg		 rx;
	unsigned char		*tx;
	uint64_t		 sent;
	uint64_t		 received;
	uint64_t		 bytes;
	uint64_t		 verified;
	uint64_t		 errors;
	int64_t			 start_ms;
	int64_t			 deadline_ms;
	int64_t			 next_send_ms;
	int			 send_blocked;
};

struct echo_assoc_stat {
	sctp_assoc_t		 id;
	int			 used;
	uint64_t		 msgs;
	uint64_t		 bytes;
};

struct echo_server {
	const struct echo_opts	*o;
	int			 fd;
	struct echo_msg		 rx;
	struct echo_assoc_stat	 stats[ECHO_SERVER_STATS];
	unsigned long		 completed;
	uint64_t		 msgs;
	uint64_t		 bytes;
	uint64_t		 errors;
};

static volatile sig_atomic_t echo_stop;

static void	usage(void) __attribute__((noreturn));

/* Print how to call the program and leave with the usage status. */
static void
usage(void)
{
	fprintf(stderr,
	    "usage: sctp_echo server [-Dqv] [-b addr]... [-c assocs] "
	    "[-p port] [-S streams]\n"
	    "       sctp_echo client [-Dqv] -a addr [-a addr]... "
	    "[-b addr]... [-i ms]\n"
	    "                 [-n count] [-p port] [-S streams] [-s size] "
	    "[-t seconds]\n"
	    "                 [-w window]\n"
	    "       sctp_echo probe\n"
	    "       sctp_echo selftest\n");
	exit(ECHO_EXIT_SETUP);
}

/* Milliseconds on the monotonic clock: deadlines survive clock steps. */
static int64_t
echo_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Parse a decimal option value within [min, max]. */
static int
echo_number(const char *s, unsigned long min, unsigned long max,
    unsigned long *out, const char *what)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno == ERANGE ||
	    v < min || v > max) {
		warnx("%s: %s: want a number from %lu to %lu", what, s, min,
		    max);
		return (-1);
	}
	*out = v;
	return (0);
}

/* Append a numeric IPv4 or IPv6 address (with %scope) to a list. */
static int
addr_parse(const char *s, struct echo_addrs *list)
{
	struct addrinfo	 hints, *res;
	int		 rc;

	if (list->count >= ECHO_MAX_ADDRS) {
		warnx("%s: at most %d addresses", s, ECHO_MAX_ADDRS);
		return (-1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_SEQPACKET;
	if ((rc = getaddrinfo(s, NULL, &hints, &res)) != 0) {
		warnx("%s: not a numeric address: %s", s, gai_strerror(rc));
		return (-1);
	}
	memcpy(&list->ss[list->count++], res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return (0);
}

/* Length of a sockaddr of one of the two families we handle. */
static socklen_t
addr_len(const struct sockaddr *sa)
{
	return (sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in));
}

/* Render an address as "a.b.c.d:port" or "[v6]:port". */
static void
addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	char			 host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin.sin_port));
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6.sin6_port));
	} else
		snprintf(buf, len, "(family %d)", sa->sa_family);
}

/*
 * Pack a list into the back-to-back sockaddr array sctp_bindx() and
 * sctp_connectx() want, all with the same port.
 */
static size_t
addr_pack(const struct echo_addrs *list, unsigned long port,
    unsigned char *out)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	size_t			 off = 0;
	int			 i;

	for (i = 0; i < list->count; i++) {
		if (list->ss[i].ss_family == AF_INET6) {
			memcpy(&sin6, &list->ss[i], sizeof(sin6));
			sin6.sin6_port = htons(port);
			memcpy(out + off, &sin6, sizeof(sin6));
			off += sizeof(sin6);
		} else {
			memcpy(&sin, &list->ss[i], sizeof(sin));
			sin.sin_port = htons(port);
			memcpy(out + off, &sin, sizeof(sin));
			off += sizeof(sin);
		}
	}
	return (off);
}

/*
 * An AF_INET6 socket as soon as one address is IPv6: Linux SCTP accepts
 * plain AF_INET addresses on it too (it is not V6ONLY), so one run may mix.
 */
static int
addr_family(const struct echo_addrs *list)
{
	int	i;

	for (i = 0; i < list->count; i++)
		if (list->ss[i].ss_family == AF_INET6)
			return (AF_INET6);
	return (AF_INET);
}

/*
 * Open a one-to-many socket asking for that many streams each way, with
 * association and path events and per-message receive info.
 */
static int
sock_open(int family, unsigned long streams, int quiet)
{
	struct sctp_initmsg		init;
	struct sctp_event_subscribe	ev;
	int				fd, on = 1, off = 0;

	if ((fd = socket(family, SOCK_SEQPACKET, IPPROTO_SCTP)) == -1) {
		warn("socket(SCTP)");
		return (-1);
	}
	memset(&init, 0, sizeof(init));
	init.sinit_num_ostreams = streams;
	init.sinit_max_instreams = streams;
	if (setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &init,
	    sizeof(init)) == -1)
		goto fail;
	/*
	 * Only the leading fields: an older kernel rejects a struct longer
	 * than its own, and these three are in every version.
	 */
	memset(&ev, 0, sizeof(ev));
	ev.sctp_association_event = 1;
	ev.sctp_address_event = 1;
	if (setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev,
	    offsetof(struct sctp_event_subscribe, sctp_address_event) + 1) ==
	    -1)
		goto fail;
	if (setsockopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on,
	    sizeof(on)) == -1)
		goto fail;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &off, sizeof(off)) == -1 && !quiet)
		warn("IPV6_V6ONLY off (IPv4 peers may fail)");
	return (fd);
fail:
	warn("setsockopt");
	close(fd);
	return (-1);
}

/*
 * Grow both socket buffers: kernel SCTP drops DATA once the receiver's
 * buffer is over, then backs its RTO off, so a window of large messages
 * in default buffers crawls.  Root may exceed rmem_max/wmem_max.
 */
static void
sock_buffers(int fd, unsigned long bytes)
{
	int	v = bytes > INT_MAX ? INT_MAX : (int)bytes;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/* Allocate the receive buffer once, sized for the largest message. */
static int
msg_init(struct echo_msg *m)
{
	memset(m, 0, sizeof(*m));
	if ((m->buf = malloc(ECHO_RECV_CAP)) == NULL)
		return (-1);
	return (0);
}

/* Forget the message just handled so the next one starts empty. */
static void
msg_reset(struct echo_msg *m)
{
	m->len = 0;
	m->flags = 0;
	m->partial = 0;
	m->oversize = 0;
	m->have_info = 0;
}

/*
 * Read one piece into m.  Returns 1 once a whole message (MSG_EOR) is
 * there, 0 when nothing more is ready now (EAGAIN, EINTR), -1 on error.
 * A message larger than the buffer is read to its end and marked oversize,
 * so the stream of messages stays in step.
 */
static int
msg_recv(int fd, struct echo_msg *m)
{
	unsigned char		 sink[4096];
	union {
		struct cmsghdr	 align;
		unsigned char	 space[CMSG_SPACE(sizeof(struct sctp_rcvinfo))
				    + 64];
	}			 cbuf;
	struct msghdr		 mh;
	struct iovec		 iov;
	struct cmsghdr		*c;
	ssize_t			 n;

	if (m->len < ECHO_RECV_CAP) {
		iov.iov_base = m->buf + m->len;
		iov.iov_len = ECHO_RECV_CAP - m->len;
	} else {
		iov.iov_base = sink;
		iov.iov_len = sizeof(sink);
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.space;
	mh.msg_controllen = sizeof(cbuf.space);
	if ((n = recvmsg(fd, &mh, 0)) == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? 0 : -1);
	if (n == 0 && !(mh.msg_flags & MSG_EOR)) {
		/* The receive side is shut: never spin on it. */
		errno = ECONNRESET;
		return (-1);
	}
	if (iov.iov_base == sink)
		m->oversize = 1;
	else
		m->len += n;
	if (!m->partial) {
		m->flags = mh.msg_flags & MSG_NOTIFICATION;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL;
		    c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != IPPROTO_SCTP ||
			    c->cmsg_type != SCTP_RCVINFO ||
			    c->cmsg_len < CMSG_LEN(sizeof(m->info)))
				continue;
			memcpy(&m->info, CMSG_DATA(c), sizeof(m->info));
			m->have_info = 1;
		}
	}
	if (mh.msg_flags & MSG_EOR)
		return (1);
	m->partial = 1;
	return (0);
}

/* Send one whole message on a stream of an association. */
static int
msg_send(int fd, const void *buf, size_t len, uint16_t sid, uint32_t ppid,
    uint16_t flags, sctp_assoc_t assoc, int sflags)
{
	union {
		struct cmsghdr	 align;
		unsigned char	 space[CMSG_SPACE(sizeof(struct sctp_sndinfo))];
	}			 cbuf;
	struct sctp_sndinfo	 snd;
	struct msghdr		 mh;
	struct iovec		 iov;
	struct cmsghdr		*c;

	memset(&snd, 0, sizeof(snd));
	snd.snd_sid = sid;
	snd.snd_flags = flags;
	snd.snd_ppid = ppid;
	snd.snd_assoc_id = assoc;
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.space;
	mh.msg_controllen = sizeof(cbuf.space);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = IPPROTO_SCTP;
	c->cmsg_type = SCTP_SNDINFO;
	c->cmsg_len = CMSG_LEN(sizeof(snd));
	memcpy(CMSG_DATA(c), &snd, sizeof(snd));
	return (sendmsg(fd, &mh, sflags) == -1 ? -1 : 0);
}

/* Name an SCTP_ASSOC_CHANGE state for the log lines. */
static const char *
notify_state_name(int state)
{
	switch (state) {
	case SCTP_COMM_UP:
		return ("up");
	case SCTP_COMM_LOST:
		return ("down (communication lost)");
	case SCTP_RESTART:
		return ("restarted");
	case SCTP_SHUTDOWN_COMP:
		return ("down (shutdown complete)");
	case SCTP_CANT_STR_ASSOC:
		return ("failed (cannot start)");
	default:
		return ("in unknown state");
	}
}

/* Report a path (peer address) changing state; failover tests read this. */
static void
notify_peer_addr(const struct echo_opts *o, const union sctp_notification *n)
{
	static const char	*names[] = { "available", "unreachable",
				    "removed", "added", "made primary",
				    "confirmed", "potentially failed" };
	const struct sctp_paddr_change *pc = &n->sn_paddr_change;
	char			 a[INET6_ADDRSTRLEN + 16];
	const char		*what = "changed";

	if (o->quiet)
		return;
	if (pc->spc_state >= 0 && (size_t)pc->spc_state <
	    sizeof(names) / sizeof(names[0]))
		what = names[pc->spc_state];
	addr_format((const struct sockaddr *)&pc->spc_aaddr, a, sizeof(a));
	fprintf(stderr, "sctp_echo: assoc %d path %s %s\n",
	    (int)pc->spc_assoc_id, a, what);
}

/* The pattern's PRNG seed: a different byte stream per (index, stream). */
static uint32_t
pattern_seed(uint32_t index, uint16_t stream)
{
	uint32_t	s;

	s = index * 0x9e3779b1u;
	s ^= ((uint32_t)stream + 1) * 0x85ebca77u;
	s ^= 0x5ec7e70u;
	return (s != 0 ? s : 1);
}

/* The PPID message index carries (host order; sent in network order). */
static uint32_t
pattern_ppid(uint32_t index)
{
	return (ECHO_PPID_BASE + index % ECHO_PPID_SPREAD);
}

/* Store a big-endian 32-bit value; the header is plain bytes on the wire. */
static void
pattern_put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Load a big-endian 32-bit value. */
static uint32_t
pattern_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/*
 * Fill a message: header (magic, index, stream, length) then xorshift32
 * bytes seeded by (index, stream), so every byte is checkable on return.
 */
static void
pattern_fill(unsigned char *p, size_t len, uint32_t index, uint16_t stream)
{
	uint32_t	x = pattern_seed(index, stream);
	size_t		i;

	pattern_put32(p, ECHO_MAGIC);
	pattern_put32(p + 4, index);
	p[8] = stream >> 8;
	p[9] = stream;
	p[10] = p[11] = 0;
	pattern_put32(p + 12, len);
	for (i = ECHO_HDR_LEN; i < len; i++) {
		if ((i & 3) == 0) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
		}
		p[i] = x >> (8 * (i & 3));
	}
}

/*
 * Check one echoed message against what was sent on stream sid with PPID
 * ppid (host order).  Returns 0 and the index, or -1 and why.
 */
static int
pattern_check(const struct echo_verify *v, const unsigned char *p,
    size_t len, uint16_t sid, uint32_t ppid, uint32_t *indexp,
    const char **why)
{
	uint32_t	index, x;
	size_t		i;

	if (len != v->size || len < ECHO_HDR_LEN)
		return (*why = "wrong length", -1);
	if (pattern_get32(p) != ECHO_MAGIC || p[10] != 0 || p[11] != 0 ||
	    pattern_get32(p + 12) != len)
		return (*why = "corrupt header", -1);
	index = pattern_get32(p + 4);
	*indexp = index;
	if (index >= v->count)
		return (*why = "index out of range", -1);
	if (((uint16_t)p[8] << 8 | p[9]) != sid || index % v->nstreams != sid)
		return (*why = "wrong stream", -1);
	if (ppid != pattern_ppid(index))
		return (*why = "wrong PPID", -1);
	x = pattern_seed(index, sid);
	for (i = ECHO_HDR_LEN; i < len; i++) {
		if ((i & 3) == 0) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
		}
		if (p[i] != (unsigned char)(x >> (8 * (i & 3))))
			return (*why = "payload byte differs", -1);
	}
	return (0);
}

/*
 * Check a verified index against its stream's order.  A gap means loss
 * (the stream resynchronises past it), an older index a duplicate or
 * reordering.
 */
static int
verify_track(struct echo_verify *v, uint16_t sid, uint32_t index,
    const char **why)
{
	uint32_t	expect = v->next[sid];

	if (index == expect) {
		v->next[sid] = expect + v->nstreams;
		v->accounted++;
		return (0);
	}
	if (index < expect)
		return (*why = "duplicate or reordered message", -1);
	v->accounted += (index - expect) / v->nstreams + 1;
	v->next[sid] = index + v->nstreams;
	return (*why = "message(s) lost before this one", -1);
}

/* Set up the verifier for count messages of size bytes over nstreams. */
static int
verify_init(struct echo_verify *v, uint32_t count, uint32_t size,
    uint16_t nstreams)
{
	uint16_t	s;

	v->count = count;
	v->size = size;
	v->nstreams = nstreams;
	v->accounted = 0;
	if ((v->next = calloc(nstreams, sizeof(*v->next))) == NULL)
		return (-1);
	for (s = 0; s < nstreams; s++)
		v->next[s] = s;
	return (0);
}

/* Print one TAP line for the self-test and count failures. */
static void
selftest_ok(int cond, int *n, int *failed, const char *what)
{
	++*n;
	printf("%sok %d - %s\n", cond ? "" : "not ", *n, what);
	if (!cond)
		++*failed;
}

/* Every single-byte flip of a message must be caught. */
static int
selftest_flips(struct echo_verify *v, unsigned char *p)
{
	uint32_t	 idx;
	const char	*why;
	size_t		 i;
	int		 missed = 0;

	for (i = 0; i < v->size; i++) {
		pattern_fill(p, v->size, 5, 1);
		p[i] ^= 0x01;
		if (pattern_check(v, p, v->size, 1, pattern_ppid(5), &idx,
		    &why) == 0)
			missed++;
	}
	return (missed);
}

/* Exercise the pattern generator, the verifier and the order tracker. */
static int
selftest_run(void)
{
	struct echo_verify	 v;
	unsigned char		*p, *q;
	const char		*why = "";
	uint32_t		 idx = 0;
	int			 n = 0, failed = 0, rc;

	if (verify_init(&v, 100, 64, 4) == -1 ||
	    (p = malloc(ECHO_MSG_MAX)) == NULL ||
	    (q = malloc(ECHO_MSG_MAX)) == NULL)
		err(ECHO_EXIT_SETUP, "malloc");
	printf("1..13\n");
	pattern_fill(p, 64, 5, 1);
	rc = pattern_check(&v, p, 64, 1, pattern_ppid(5), &idx, &why);
	selftest_ok(rc == 0 && idx == 5, &n, &failed, "intact message passes");
	selftest_ok(selftest_flips(&v, p) == 0, &n, &failed,
	    "every flipped byte is caught");
	pattern_fill(p, 64, 5, 1);
	selftest_ok(pattern_check(&v, p, 64, 2, pattern_ppid(5), &idx,
	    &why) == -1, &n, &failed, "wrong receive stream is caught");
	pattern_fill(p, 64, 6, 1);
	selftest_ok(pattern_check(&v, p, 64, 1, pattern_ppid(6), &idx,
	    &why) == -1, &n, &failed, "index not of that stream is caught");
	pattern_fill(p, 64, 5, 1);
	selftest_ok(pattern_check(&v, p, 64, 1, pattern_ppid(6), &idx,
	    &why) == -1, &n, &failed, "wrong PPID is caught");
	pattern_fill(p, 64, 5, 1);
	pattern_fill(q, 64, 9, 1);
	memcpy(p + 4, q + 4, 4);
	selftest_ok(pattern_check(&v, p, 64, 1, pattern_ppid(9), &idx,
	    &why) == -1, &n, &failed, "index swapped into another body");
	selftest_ok(pattern_check(&v, p, 63, 1, pattern_ppid(5), &idx,
	    &why) == -1, &n, &failed, "short message is caught");
	selftest_ok(verify_track(&v, 1, 1, &why) == 0 &&
	    verify_track(&v, 1, 5, &why) == 0, &n, &failed,
	    "in-order indices pass the tracker");
	selftest_ok(verify_track(&v, 1, 5, &why) == -1, &n, &failed,
	    "duplicate is caught");
	selftest_ok(verify_track(&v, 1, 13, &why) == -1 &&
	    v.next[1] == 17 && v.accounted == 4, &n, &failed,
	    "gap (loss) is caught and the stream resynchronises");
	selftest_ok(verify_track(&v, 1, 9, &why) == -1, &n, &failed,
	    "reordered older index is caught");
	free(v.next);
	if (verify_init(&v, 3, ECHO_MSG_MAX, 65535) == -1)
		err(ECHO_EXIT_SETUP, "calloc");
	pattern_fill(p, ECHO_MSG_MAX, 2, 2);
	selftest_ok(pattern_check(&v, p, ECHO_MSG_MAX, 2, pattern_ppid(2),
	    &idx, &why) == 0, &n, &failed, "64 KiB message, 65535 streams");
	p[ECHO_MSG_MAX - 1] ^= 0x80;
	selftest_ok(pattern_check(&v, p, ECHO_MSG_MAX, 2, pattern_ppid(2),
	    &idx, &why) == -1, &n, &failed, "flip in last byte of 64 KiB");
	free(v.next);
	free(p);
	free(q);
	return (failed == 0 ? ECHO_EXIT_OK : ECHO_EXIT_VERIFY);
}

/* Say whether the running kernel can open SCTP sockets. */
static int
probe_run(void)
{
	int	fd;

	if ((fd = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP)) == -1) {
		printf("sctp_echo: no kernel SCTP: socket(AF_INET, "
		    "SOCK_SEQPACKET, IPPROTO_SCTP): %s\n", strerror(errno));
		return (1);
	}
	close(fd);
	printf("sctp_echo: kernel SCTP available\n");
	return (0);
}

/* Stop the server loop at the next interruption. */
static void
server_signal_cb(int sig)
{
	echo_stop = 1;
}

/* The per-association counters, or NULL when the table is full. */
static struct echo_assoc_stat *
server_stat(struct echo_server *s, sctp_assoc_t id, int create)
{
	int	i, free_slot = -1;

	for (i = 0; i < ECHO_SERVER_STATS; i++) {
		if (s->stats[i].used && s->stats[i].id == id)
			return (&s->stats[i]);
		if (!s->stats[i].used && free_slot == -1)
			free_slot = i;
	}
	if (!create || free_slot == -1)
		return (NULL);
	memset(&s->stats[free_slot], 0, sizeof(s->stats[free_slot]));
	s->stats[free_slot].used = 1;
	s->stats[free_slot].id = id;
	return (&s->stats[free_slot]);
}

/* Print an association's peer addresses after it came up. */
static void
server_print_up(struct echo_server *s, const struct sctp_assoc_change *ac)
{
	struct sockaddr	*addrs;
	unsigned char	*p;
	char		 a[INET6_ADDRSTRLEN + 16];
	int		 i, n;

	fprintf(stderr, "sctp_echo: assoc %d up: streams in=%u out=%u peer",
	    (int)ac->sac_assoc_id, ac->sac_inbound_streams,
	    ac->sac_outbound_streams);
	if ((n = sctp_getpaddrs(s->fd, ac->sac_assoc_id, &addrs)) > 0) {
		p = (unsigned char *)addrs;
		for (i = 0; i < n; i++) {
			addr_format((struct sockaddr *)p, a, sizeof(a));
			fprintf(stderr, "%s%s", i ? "," : " ", a);
			p += addr_len((struct sockaddr *)p);
		}
		sctp_freepaddrs(addrs);
	} else
		fprintf(stderr, " unknown");
	fprintf(stderr, "\n");
}

/* Log association changes and count associations that have ended. */
static void
server_assoc_change(struct echo_server *s, const struct sctp_assoc_change *ac)
{
	struct echo_assoc_stat	*st;

	switch (ac->sac_state) {
	case SCTP_COMM_UP:
		server_stat(s, ac->sac_assoc_id, 1);
		if (!s->o->quiet)
			server_print_up(s, ac);
		return;
	case SCTP_COMM_LOST:
	case SCTP_SHUTDOWN_COMP:
		s->completed++;
		break;
	}
	st = server_stat(s, ac->sac_assoc_id, 0);
	if (!s->o->quiet)
		fprintf(stderr, "sctp_echo: assoc %d %s: messages=%llu "
		    "bytes=%llu\n", (int)ac->sac_assoc_id,
		    notify_state_name(ac->sac_state),
		    st ? (unsigned long long)st->msgs : 0ULL,
		    st ? (unsigned long long)st->bytes : 0ULL);
	if (st != NULL && ac->sac_state != SCTP_RESTART)
		st->used = 0;
}

/* Dispatch a notification the server subscribed to. */
static void
server_notification(struct echo_server *s)
{
	union sctp_notification	n;

	if (s->rx.len < sizeof(n.sn_header))
		return;
	memset(&n, 0, sizeof(n));
	memcpy(&n, s->rx.buf, s->rx.len < sizeof(n) ? s->rx.len : sizeof(n));
	if (n.sn_header.sn_type == SCTP_ASSOC_CHANGE &&
	    s->rx.len >= sizeof(n.sn_assoc_change))
		server_assoc_change(s, &n.sn_assoc_change);
	else if (n.sn_header.sn_type == SCTP_PEER_ADDR_CHANGE &&
	    s->rx.len >= sizeof(n.sn_paddr_change))
		notify_peer_addr(s->o, &n);
}

/*
 * Echo a data message on its stream, PPID and ordering to its association.
 * The socket blocks (bounded by SO_SNDTIMEO): a slow client slows us down
 * rather than having its echoes dropped.
 */
static void
server_echo(struct echo_server *s)
{
	const struct sctp_rcvinfo	*ri = &s->rx.info;
	struct echo_assoc_stat		*st;
	int				 rc;

	if (!s->rx.have_info || s->rx.oversize) {
		s->errors++;
		warnx("%s message dropped", s->rx.oversize ? "oversize" :
		    "info-less");
		return;
	}
	if (s->o->verbose)
		fprintf(stderr, "sctp_echo: assoc %d stream %u ppid %u "
		    "len %zu%s\n", (int)ri->rcv_assoc_id, ri->rcv_sid,
		    ntohl(ri->rcv_ppid), s->rx.len,
		    ri->rcv_flags & SCTP_UNORDERED ? " unordered" : "");
	while ((rc = msg_send(s->fd, s->rx.buf, s->rx.len, ri->rcv_sid,
	    ri->rcv_ppid, ri->rcv_flags & SCTP_UNORDERED, ri->rcv_assoc_id,
	    0)) == -1 && errno == EINTR && !echo_stop)
		;
	if (rc == -1) {
		s->errors++;
		warn("echo to assoc %d stream %u", (int)ri->rcv_assoc_id,
		    ri->rcv_sid);
		return;
	}
	s->msgs++;
	s->bytes += s->rx.len;
	if ((st = server_stat(s, ri->rcv_assoc_id, 1)) != NULL) {
		st->msgs++;
		st->bytes += s->rx.len;
	}
}

/* Open, bind every -b address (or the wildcard) and listen. */
static int
server_listen(struct echo_server *s, const struct echo_opts *o)
{
	struct echo_addrs	 any;
	unsigned char		 packed[ECHO_MAX_ADDRS *
				    sizeof(struct sockaddr_in6)];
	const struct echo_addrs	*bind = &o->local;
	struct timeval		 tv = { 10, 0 };
	char			 a[INET6_ADDRSTRLEN + 16];
	size_t			 off;
	int			 i;

	if (bind->count == 0) {
		/* Dual-stack wildcard, or IPv4 only where IPv6 is absent. */
		memset(&any, 0, sizeof(any));
		any.count = 1;
		any.ss[0].ss_family = AF_INET6;
		if ((s->fd = sock_open(AF_INET6, o->streams, 1)) == -1)
			any.ss[0].ss_family = AF_INET;
		bind = &any;
	} else
		s->fd = -1;
	if (s->fd == -1 &&
	    (s->fd = sock_open(addr_family(bind), o->streams, o->quiet)) == -1)
		return (-1);
	if (!o->default_bufs)
		sock_buffers(s->fd, ECHO_SERVER_BUF);
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		warn("SO_SNDTIMEO");
	addr_pack(bind, o->port, packed);
	if (sctp_bindx(s->fd, (struct sockaddr *)packed, bind->count,
	    SCTP_BINDX_ADD_ADDR) == -1)
		return (warn("sctp_bindx"), -1);
	if (listen(s->fd, 64) == -1)
		return (warn("listen"), -1);
	if (o->quiet)
		return (0);
	fprintf(stderr, "sctp_echo: listening on");
	for (i = 0, off = 0; i < bind->count; i++) {
		addr_format((struct sockaddr *)(packed + off), a, sizeof(a));
		off += addr_len((struct sockaddr *)(packed + off));
		fprintf(stderr, "%s%s", i ? "," : " ", a);
	}
	fprintf(stderr, " streams=%lu\n", o->streams);
	return (0);
}

/* Serve until killed or -c associations have ended. */
static int
server_run(const struct echo_opts *o)
{
	static struct echo_server	s;
	struct sigaction		sa;
	int				rc;

	s.o = o;
	if (msg_init(&s.rx) == -1)
		err(ECHO_EXIT_SETUP, "malloc");
	if (server_listen(&s, o) == -1)
		return (ECHO_EXIT_SETUP);
	/* No SA_RESTART: recvmsg() must return so the loop sees echo_stop. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = server_signal_cb;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!echo_stop &&
	    (o->max_assocs == 0 || s.completed < o->max_assocs)) {
		if ((rc = msg_recv(s.fd, &s.rx)) == -1) {
			warn("recvmsg");
			return (ECHO_EXIT_SETUP);
		}
		if (rc == 0)
			continue;
		if (s.rx.flags & MSG_NOTIFICATION)
			server_notification(&s);
		else
			server_echo(&s);
		msg_reset(&s.rx);
	}
	if (!o->quiet)
		fprintf(stderr, "sctp_echo: server done: associations=%lu "
		    "messages=%llu bytes=%llu errors=%llu\n", s.completed,
		    (unsigned long long)s.msgs, (unsigned long long)s.bytes,
		    (unsigned long long)s.errors);
	close(s.fd);
	return (s.errors ? ECHO_EXIT_VERIFY : ECHO_EXIT_OK);
}

/* Parse the server's options. */
static int
server_main(int argc, char **argv)
{
	struct echo_opts	o;
	int			ch;

	memset(&o, 0, sizeof(o));
	o.port = ECHO_DEFAULT_PORT;
	o.streams = 256;
	while ((ch = getopt(argc, argv, "b:c:Dp:qS:v")) != -1) {
		switch (ch) {
		case 'D':
			o.default_bufs = 1;
			break;
		case 'b':
			if (addr_parse(optarg, &o.local) == -1)
				usage();
			break;
		case 'c':
			if (echo_number(optarg, 1, ULONG_MAX, &o.max_assocs,
			    "-c") == -1)
				usage();
			break;
		case 'p':
			if (echo_number(optarg, 1, 65535, &o.port, "-p") == -1)
				usage();
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'S':
			if (echo_number(optarg, 1, 65535, &o.streams,
			    "-S") == -1)
				usage();
			break;
		case 'v':
			o.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	return (server_run(&o));
}

/* Record a verification failure, printing the first few. */
static void
client_error(struct echo_client *c, const char *why, uint16_t sid,
    uint32_t index)
{
	if (++c->errors <= ECHO_ERRORS_SHOWN)
		warnx("stream %u index %u: %s", sid, index, why);
	else if (c->errors == ECHO_ERRORS_SHOWN + 1)
		warnx("further errors not shown");
}

/* Verify one echoed data message as it arrives. */
static void
client_data(struct echo_client *c)
{
	const struct sctp_rcvinfo	*ri = &c->rx.info;
	const char			*why = NULL;
	uint32_t			 index = 0;

	c->received++;
	c->bytes += c->rx.len;
	if (!c->rx.have_info)
		why = "no receive info";
	else if (c->rx.oversize)
		why = "oversize message";
	else if (ri->rcv_assoc_id != c->assoc)
		why = "foreign association";
	else if (ri->rcv_sid >= c->nstreams)
		why = "stream out of range";
	else if (pattern_check(&c->ver, c->rx.buf, c->rx.len, ri->rcv_sid,
	    ntohl(ri->rcv_ppid), &index, &why) == 0)
		verify_track(&c->ver, ri->rcv_sid, index, &why);
	if (why != NULL) {
		client_error(c, why, c->rx.have_info ? ri->rcv_sid : 0, index);
		return;
	}
	c->verified++;
	if (c->o->verbose)
		fprintf(stderr, "sctp_echo: echo index %u stream %u ppid %u "
		    "ok\n", index, ri->rcv_sid, ntohl(ri->rcv_ppid));
}

/* Track our association's state from notifications. */
static void
client_notification(struct echo_client *c)
{
	union sctp_notification		 n;
	const struct sctp_assoc_change	*ac = &n.sn_assoc_change;

	if (c->rx.len < sizeof(n.sn_header))
		return;
	memset(&n, 0, sizeof(n));
	memcpy(&n, c->rx.buf, c->rx.len < sizeof(n) ? c->rx.len : sizeof(n));
	if (n.sn_header.sn_type == SCTP_PEER_ADDR_CHANGE &&
	    c->rx.len >= sizeof(n.sn_paddr_change))
		notify_peer_addr(c->o, &n);
	if (n.sn_header.sn_type != SCTP_ASSOC_CHANGE ||
	    c->rx.len < sizeof(n.sn_assoc_change))
		return;
	if (!c->o->quiet)
		fprintf(stderr, "sctp_echo: assoc %d %s\n",
		    (int)ac->sac_assoc_id, notify_state_name(ac->sac_state));
	if (ac->sac_state == SCTP_COMM_UP && c->up == 0) {
		/* The id from sctp_connectx() may be 0 on old libraries. */
		c->assoc = ac->sac_assoc_id;
		c->up = 1;
		c->nstreams = c->o->streams;
		if (ac->sac_outbound_streams < c->nstreams)
			c->nstreams = ac->sac_outbound_streams;
		if (ac->sac_inbound_streams < c->nstreams)
			c->nstreams = ac->sac_inbound_streams;
	} else if (ac->sac_state != SCTP_COMM_UP &&
	    ac->sac_state != SCTP_RESTART)
		c->up = -1;
}

/* Drain what has arrived, within a budget. Returns -1 on socket error. */
static int
client_receive(struct echo_client *c)
{
	int	i, rc;

	for (i = 0; i < ECHO_RECV_BUDGET; i++) {
		if ((rc = msg_recv(c->fd, &c->rx)) == -1) {
			warn("recvmsg");
			return (-1);
		}
		if (rc == 0)
			return (0);
		if (c->rx.flags & MSG_NOTIFICATION)
			client_notification(c);
		else if (c->up == 1)
			client_data(c);
		msg_reset(&c->rx);
		c->send_blocked = 0;
	}
	return (0);
}

/* Whether the window, the interval and the count let us send now. */
static int
client_may_send(const struct echo_client *c, int64_t now)
{
	return (c->up == 1 && !c->send_blocked && c->sent < c->o->count &&
	    c->sent - c->ver.accounted < c->o->window &&
	    now >= c->next_send_ms);
}

/* Send messages while allowed. Returns -1 when the association failed. */
static int
client_send(struct echo_client *c)
{
	uint32_t	index;
	uint16_t	sid;
	int		i;

	for (i = 0; i < ECHO_SEND_BUDGET && client_may_send(c,
	    echo_now_ms()); i++) {
		index = c->sent;
		sid = index % c->nstreams;
		pattern_fill(c->tx, c->o->size, index, sid);
		if (msg_send(c->fd, c->tx, c->o->size, sid,
		    htonl(pattern_ppid(index)), 0, c->assoc,
		    MSG_DONTWAIT) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS) {
				c->send_blocked = 1;
				return (0);
			}
			if (errno == EINTR)
				return (0);
			warn("sendmsg index %u", index);
			return (-1);
		}
		c->sent++;
		if (c->o->interval_ms)
			c->next_send_ms = echo_now_ms() + c->o->interval_ms;
	}
	return (0);
}

/* How long poll() may sleep before a deadline or the next send is due. */
static int
client_poll_ms(const struct echo_client *c, int64_t now)
{
	int64_t	wait = c->deadline_ms - now;

	if (c->send_blocked && wait > 5)
		wait = 5;	/* POLLOUT is no promise of a whole message */
	if (c->up == 1 && c->sent < c->o->count &&
	    c->next_send_ms > now && c->next_send_ms - now < wait)
		wait = c->next_send_ms - now;
	return (wait < 0 ? 0 : (int)wait);
}

/* Done: everything sent and every index seen or known lost. */
static int
client_done(const struct echo_client *c)
{
	return (c->up == 1 && c->sent == c->o->count &&
	    c->ver.accounted >= c->o->count);
}

/*
 * Run the poll loop until until() holds, the association goes down or the
 * deadline passes.  Returns 0, -1 on failure, or 1 on timeout.
 */
static int
client_loop(struct echo_client *c, int (*until)(const struct echo_client *),
    int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		now;

	for (;;) {
		if (until(c))
			return (0);
		if (c->up == -1)
			return (-1);
		if ((now = echo_now_ms()) >= deadline)
			return (1);
		if (c->ver.next != NULL && client_send(c) == -1)
			return (-1);
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if (client_may_send(c, now))
			pfd.events |= POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, client_poll_ms(c, now)) == -1) {
			if (errno == EINTR)
				continue;
			return (warn("poll"), -1);
		}
		if (pfd.revents & (POLLIN | POLLERR | POLLHUP) &&
		    client_receive(c) == -1)
			return (-1);
		if (c->send_blocked && !(pfd.revents & POLLIN))
			c->send_blocked = 0;
	}
}

/* Condition for the connect phase. */
static int
client_is_up(const struct echo_client *c)
{
	return (c->up == 1);
}

/* Condition for the shutdown phase. */
static int
client_is_down(const struct echo_client *c)
{
	return (c->up == -1);
}

/* Open, bind the -b addresses and start the association to the -a ones. */
static int
client_connect(struct echo_client *c)
{
	const struct echo_opts	*o = c->o;
	unsigned char		 packed[ECHO_MAX_ADDRS *
				    sizeof(struct sockaddr_in6)];
	unsigned long		 want;
	int			 family;

	family = addr_family(&o->peer) == AF_INET6 ||
	    addr_family(&o->local) == AF_INET6 ? AF_INET6 : AF_INET;
	if ((c->fd = sock_open(family, o->streams, o->quiet)) == -1)
		return (-1);
	want = 2 * o->window * (o->size + 1024);
	if (!o->default_bufs)
		sock_buffers(c->fd, want < ECHO_CLIENT_BUF_MAX ? want :
		    ECHO_CLIENT_BUF_MAX);
	if (o->local.count > 0) {
		addr_pack(&o->local, 0, packed);
		if (sctp_bindx(c->fd, (struct sockaddr *)packed,
		    o->local.count, SCTP_BINDX_ADD_ADDR) == -1)
			return (warn("sctp_bindx"), -1);
	}
	/* Non-blocking: connectx must not outlive -t retrying INITs. */
	if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) == -1)
		return (warn("fcntl"), -1);
	addr_pack(&o->peer, o->port, packed);
	if (sctp_connectx(c->fd, (struct sockaddr *)packed, o->peer.count,
	    &c->assoc) == -1 && errno != EINPROGRESS)
		return (warn("sctp_connectx"), -1);
	return (0);
}

/* Shut the association down gracefully, waiting a little for the end. */
static void
client_shutdown(struct echo_client *c)
{
	int64_t	deadline = echo_now_ms() + 5000;

	if (c->up != 1)
		return;
	if (msg_send(c->fd, NULL, 0, 0, 0, SCTP_EOF, c->assoc, 0) == -1) {
		warn("shutdown");
		return;
	}
	if (deadline > c->deadline_ms)
		deadline = c->deadline_ms;
	/* Closing: no more sends; SHUTDOWN_COMP will set up to -1. */
	c->up = 2;
	if (client_loop(c, client_is_down, deadline) == 1 && !c->o->quiet)
		warnx("shutdown not confirmed in time");
}

/* Connect, exchange, verify and report. */
static int
client_run(const struct echo_opts *o)
{
	static struct echo_client	c;
	int				rc;

	c.o = o;
	c.start_ms = echo_now_ms();
	c.deadline_ms = c.start_ms + (int64_t)o->timeout_s * 1000;
	if (msg_init(&c.rx) == -1 || (c.tx = malloc(o->size)) == NULL)
		err(ECHO_EXIT_SETUP, "malloc");
	if (client_connect(&c) == -1)
		return (ECHO_EXIT_SETUP);
	if ((rc = client_loop(&c, client_is_up, c.deadline_ms)) != 0) {
		warnx("association %s", rc == 1 ? "not up in time" :
		    "could not be established");
		return (rc == 1 ? ECHO_EXIT_TIMEOUT : ECHO_EXIT_SETUP);
	}
	if (c.nstreams < o->streams && !o->quiet)
		warnx("peer granted %u of %lu streams", c.nstreams,
		    o->streams);
	if (c.nstreams == 0 || verify_init(&c.ver, o->count, o->size,
	    c.nstreams) == -1)
		return (warnx("no streams"), ECHO_EXIT_SETUP);
	rc = client_loop(&c, client_done, c.deadline_ms);
	if (rc == -1) {
		warnx("association lost after %llu of %lu messages",
		    (unsigned long long)c.ver.accounted, o->count);
		c.errors++;
	} else if (rc == 1)
		warnx("timeout after %lu s", o->timeout_s);
	else
		client_shutdown(&c);
	printf("sent=%llu received=%llu bytes=%llu verified=%llu errors=%llu "
	    "streams=%u elapsed_ms=%lld\n", (unsigned long long)c.sent,
	    (unsigned long long)c.received, (unsigned long long)c.bytes,
	    (unsigned long long)c.verified, (unsigned long long)c.errors,
	    c.nstreams, (long long)(echo_now_ms() - c.start_ms));
	close(c.fd);
	if (c.errors > 0 || c.verified != o->count)
		return (rc == 1 && c.errors == 0 ? ECHO_EXIT_TIMEOUT :
		    ECHO_EXIT_VERIFY);
	return (ECHO_EXIT_OK);
}

/* Parse one client option; returns -1 on a bad one. */
static int
client_option(struct echo_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'a':
		return (addr_parse(arg, &o->peer));
	case 'b':
		return (addr_parse(arg, &o->local));
	case 'D':
		o->default_bufs = 1;
		return (0);
	case 'i':
		return (echo_number(arg, 0, 3600000, &o->interval_ms, "-i"));
	case 'n':
		return (echo_number(arg, 1, UINT32_MAX, &o->count, "-n"));
	case 'p':
		return (echo_number(arg, 1, 65535, &o->port, "-p"));
	case 'q':
		o->quiet = 1;
		return (0);
	case 'S':
		return (echo_number(arg, 1, 65535, &o->streams, "-S"));
	case 's':
		return (echo_number(arg, ECHO_HDR_LEN, ECHO_MSG_MAX, &o->size,
		    "-s"));
	case 't':
		return (echo_number(arg, 1, 86400, &o->timeout_s, "-t"));
	case 'v':
		o->verbose = 1;
		return (0);
	case 'w':
		return (echo_number(arg, 1, 1000000, &o->window, "-w"));
	default:
		return (-1);
	}
}

/* Parse the client's options. */
static int
client_main(int argc, char **argv)
{
	struct echo_opts	o;
	int			ch;

	memset(&o, 0, sizeof(o));
	o.port = ECHO_DEFAULT_PORT;
	o.count = 1000;
	o.size = 512;
	o.streams = 4;
	o.window = 16;
	o.timeout_s = 30;
	while ((ch = getopt(argc, argv, "a:b:Di:n:p:qS:s:t:vw:")) != -1)
		if (client_option(&o, ch, optarg) == -1)
			usage();
	if (optind != argc)
		usage();
	if (o.peer.count == 0) {
		warnx("client needs at least one -a peer address");
		usage();
	}
	return (client_run(&o));
}

int
main(int argc, char **argv)
{
	const char	*mode;

	if (argc < 2)
		usage();
	mode = argv[1];
	/* A dead association must surface as EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	argc--;
	argv++;
	if (strcmp(mode, "server") == 0)
		return (server_main(argc, argv));
	if (strcmp(mode, "client") == 0)
		return (client_main(argc, argv));
	if (strcmp(mode, "probe") == 0 && argc == 1)
		return (probe_run());
	if (strcmp(mode, "selftest") == 0 && argc == 1)
		return (selftest_run());
	usage();
}
