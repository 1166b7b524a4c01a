/*
 * pump: the packet pump of t/bench/pump.bash: crafted SCTP packets
 * between two namespaces A and B, as fast as one sender can, or one in
 * flight at a time.
 *
 *	pump handshake -y nsB -l A -p B
 *	pump blast    [-r] -l local -p peer [-u port] [-s size] [-d secs]
 *	pump sink     [-r] -l local -p peer [-u port] [-d secs]
 *	pump pingpong [-r] -y nsB -l A -p B [-u port] [-s size] [-d secs]
 *
 * With -r the endpoints are raw IPPROTO 132 sockets (the packets are SCTP
 * and cross whatever tunnel policy routing sends them into); without, UDP
 * sockets bound to port that carry the same SCTP packets as payload (the
 * bare veth, or a tunnel that carries UDP).  size counts the SCTP packet:
 * common header, DATA chunk header and user data.
 *
 *   handshake  INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK between raw sockets
 *              in A and B, each waited for on the far side: both ends'
 *              trackers then hold an established association;
 *   blast      send DATA packets from local to peer for secs seconds,
 *              in batches (sendmmsg); prints what it sent;
 *   sink       count what arrives from peer (recvmmsg) until SIGTERM or
 *              secs; prints "ready" once bound, then what it received;
 *   pingpong   one DATA packet A -> B, then one B -> A, and again, for
 *              secs seconds: round-trip times.
 *
 * handshake and pingpong start in A, open A's socket, then enter B's
 * namespace (nsB, a /run/netns path) for B's: one process, one clock.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "gen.h"
#include "sctp.h"

#define PUMP_APORT	5000		/* SCTP port of A's endpoint */
#define PUMP_BPORT	6000		/* SCTP port of B's endpoint */
#define PUMP_ATAG	0x11223344u	/* A's verification tag */
#define PUMP_BTAG	0x55667788u	/* B's verification tag */
#define PUMP_BATCH	64
#define PUMP_MAXPKT	1500
#define PUMP_SOCKBUF	(16 << 20)
#define PUMP_WAIT_MS	500		/* later than this: lost */
#define PUMP_TRIES	5		/* sends of each handshake chunk */
#define PUMP_MAXRTT	1000000		/* round trips kept */
#define PUMP_DATAHDR	(SCTP_COMMON_HDRLEN + 16)

struct pump {
	int			 raw;
	struct sockaddr_in	 local;	/* port set for UDP only */
	struct sockaddr_in	 peer;
	const char		*bpath;		/* B's namespace */
	size_t			 size;
	double			 secs;
};

static volatile sig_atomic_t pump_stop;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pump handshake|blast|sink|pingpong [-r] "
	    "[-y nsB] -l local -p peer [-u port] [-s size] [-d secs]\n");
	exit(2);
}

/* Nanoseconds, monotonic. */
static int64_t
pump_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The share of one CPU this process used since it started, in percent. */
static double
pump_cpu_pct(int64_t t0)
{
	struct rusage	 ru;
	double		 used;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
	used = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return 100 * used / ((double)(pump_ns() - t0) / 1e9);
}

/* A common header and one chunk header; the padded packet length. */
static size_t
pump_header(uint8_t *p, int from_a, uint8_t type, size_t chunklen)
{
	memset(p, 0, SCTP_COMMON_HDRLEN + ((chunklen + 3) & ~(size_t)3));
	gen_put16(p, from_a ? PUMP_APORT : PUMP_BPORT);
	gen_put16(p + 2, from_a ? PUMP_BPORT : PUMP_APORT);
	/* The receiver's tag; INIT alone carries 0. */
	if (type != SCTP_INIT)
		gen_put32(p + 4, from_a ? PUMP_BTAG : PUMP_ATAG);
	p[12] = type;
	gen_put16(p + 14, (uint32_t)chunklen);
	return SCTP_COMMON_HDRLEN + ((chunklen + 3) & ~(size_t)3);
}

/* One chunk of the handshake: INIT from A, then INIT-ACK (with a state
 * cookie), COOKIE-ECHO, COOKIE-ACK, as the trackers expect them. */
static size_t
pump_handshake_chunk(uint8_t *p, uint8_t type)
{
	size_t	 len;

	switch (type) {
	case SCTP_INIT:
	case SCTP_INIT_ACK:
		len = pump_header(p, type == SCTP_INIT, type,
		    type == SCTP_INIT ? 20 : 28);
		gen_put32(p + 16, type == SCTP_INIT ? PUMP_ATAG : PUMP_BTAG);
		gen_put32(p + 20, 65536);	/* a_rwnd */
		gen_put16(p + 24, 10);		/* streams */
		gen_put16(p + 26, 10);
		gen_put32(p + 28, 1);		/* initial TSN */
		if (type == SCTP_INIT_ACK) {
			gen_put16(p + 32, 7);	/* State Cookie */
			gen_put16(p + 34, 8);
			gen_put32(p + 36, 0xc00c1e);
		}
		break;
	case SCTP_COOKIE_ECHO:
		len = pump_header(p, 1, type, 8);
		gen_put32(p + 16, 0xc00c1e);
		break;
	default:
		len = pump_header(p, 0, type, 4);
		break;
	}
	sctp_checksum_set(p, len);
	return len;
}

/* A DATA packet of exactly size bytes (a multiple of 4). */
static size_t
pump_data(uint8_t *p, int from_a, uint32_t tsn, size_t size)
{
	size_t	 len;

	len = pump_header(p, from_a, SCTP_DATA, size - SCTP_COMMON_HDRLEN);
	p[13] = 3;			/* B and E: unfragmented */
	gen_put32(p + 16, tsn);
	gen_put32(p + 24, 51);		/* PPID */
	memset(p + PUMP_DATAHDR, 0xa5, size - PUMP_DATAHDR);
	sctp_checksum_set(p, len);
	return len;
}

/* A socket of this namespace: raw, or UDP bound to addr's port. */
static int
pump_socket(const struct pump *pu, const struct sockaddr_in *addr)
{
	int	 fd, big = PUMP_SOCKBUF;

	fd = pu->raw ? gen_raw(addr) : gen_udp(addr, ntohs(addr->sin_port));
	/* Root may exceed rmem_max: a sink that falls behind for a moment
	 * should not count as a lossy path. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	return fd;
}

/*
 * The SCTP packet in a datagram of n bytes from a raw socket (behind the
 * IPv4 header) or UDP socket (all of it), if it came from peer; its length,
 * or -1.
 */
static ssize_t
pump_sctp(const struct pump *pu, const uint8_t *buf, ssize_t n,
    const struct sockaddr_in *from, const uint8_t **sctp)
{
	size_t	 ihl;

	if (from->sin_addr.s_addr != pu->peer.sin_addr.s_addr)
		return -1;
	if (!pu->raw) {
		*sctp = buf;
		return n >= SCTP_COMMON_HDRLEN ? n : -1;
	}
	if (n < 20 || buf[9] != 132)
		return -1;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	if (ihl < 20 || (size_t)n < ihl + SCTP_COMMON_HDRLEN)
		return -1;
	*sctp = buf + ihl;
	return n - (ssize_t)ihl;
}

/* The big-endian 32 bits at p. */
static uint32_t
pump_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * Wait on fd for the packet from the peer whose first chunk has type and,
 * for DATA, TSN tsn.  0 if it came, -1 after PUMP_WAIT_MS.
 */
static int
pump_wait(const struct pump *pu, int fd, uint8_t type, uint32_t tsn)
{
	static uint8_t		 buf[65536];
	struct sockaddr_in	 from;
	socklen_t		 flen;
	const uint8_t		*s;
	ssize_t			 n, len;
	int64_t			 end;

	/* Blocking, with SO_RCVTIMEO: one system call per packet. */
	end = pump_ns() + PUMP_WAIT_MS * 1000000LL;
	while (pump_ns() < end) {
		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &flen);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1)
			gen_die("recvfrom");
		if ((len = pump_sctp(pu, buf, n, &from, &s)) < 16 ||
		    s[12] != type)
			continue;
		if (type != SCTP_DATA)
			return 0;
		if (len >= 20 && pump_get32(s + 16) == tsn)
			return 0;
	}
	return -1;
}

/* Send len bytes of pkt on fd to to. */
static void
pump_send(int fd, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *to)
{
	if (sendto(fd, pkt, len, 0, (const struct sockaddr *)to,
	    sizeof(*to)) != (ssize_t)len)
		gen_die("sendto");
}

/* A's socket here, B's in B's namespace; receives time out. */
static void
pump_pair(const struct pump *pu, int *fa, int *fb)
{
	struct timeval	 tv = { 0, 100000 };

	*fa = pump_socket(pu, &pu->local);
	gen_enter(pu->bpath);
	*fb = pump_socket(pu, &pu->peer);
	(void)setsockopt(*fa, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(*fb, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* The four-way handshake through the tunnel; each chunk is sent again
 * until it arrives (a daemon may still be settling). */
static int
pump_handshake(struct pump *pu)
{
	static const uint8_t	 types[] = { SCTP_INIT, SCTP_INIT_ACK,
				    SCTP_COOKIE_ECHO, SCTP_COOKIE_ACK };
	static const char	*names[] = { "INIT", "INIT-ACK",
				    "COOKIE-ECHO", "COOKIE-ACK" };
	uint8_t			 pkt[64];
	struct pump		 at_b = *pu;
	size_t			 i, len;
	int			 fa, fb, try, from_a;

	if (!pu->raw)
		return fprintf(stderr, "pump: handshake needs -r\n"), -1;
	at_b.peer = pu->local;
	pump_pair(pu, &fa, &fb);
	for (i = 0; i < sizeof(types); i++) {
		from_a = i % 2 == 0;
		len = pump_handshake_chunk(pkt, types[i]);
		for (try = 0; try < PUMP_TRIES; try++) {
			pump_send(from_a ? fa : fb, pkt, len,
			    from_a ? &pu->peer : &pu->local);
			if (pump_wait(from_a ? &at_b : pu, from_a ? fb : fa,
			    types[i], 0) == 0)
				break;
		}
		if (try == PUMP_TRIES) {
			fprintf(stderr, "pump: %s never arrived\n", names[i]);
			return -1;
		}
		printf("%s ok after %d send(s)\n", names[i], try + 1);
	}
	return 0;
}

/* Blast DATA packets from local to peer for secs seconds. */
static int
pump_blast(struct pump *pu)
{
	static uint8_t		 pkts[PUMP_BATCH][PUMP_MAXPKT];
	static struct iovec	 iov[PUMP_BATCH];
	static struct mmsghdr	 msgs[PUMP_BATCH];
	unsigned long		 sent = 0, refused = 0;
	int64_t			 t0, end, now;
	int			 fd, i, n;

	fd = pump_socket(pu, &pu->local);
	/*
	 * One batch built once and sent again and again: the tunnels do not
	 * look at TSNs, and a checksum per packet would make the generator
	 * slower than what it measures.
	 */
	for (i = 0; i < PUMP_BATCH; i++) {
		iov[i].iov_base = pkts[i];
		iov[i].iov_len = pump_data(pkts[i], 1, (uint32_t)i + 1,
		    pu->size);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &pu->peer;
		msgs[i].msg_hdr.msg_namelen = sizeof(pu->peer);
	}
	t0 = now = pump_ns();
	end = t0 + (int64_t)(pu->secs * 1e9);
	while (now < end) {
		n = sendmmsg(fd, msgs, PUMP_BATCH, 0);
		if (n == -1 && (errno == ENOBUFS || errno == EAGAIN ||
		    errno == ECONNREFUSED)) {
			/* A full queue refused the whole batch: loss too. */
			refused += PUMP_BATCH;
			sent += PUMP_BATCH;
		} else if (n == -1)
			gen_die("sendmmsg");
		else
			sent += (unsigned long)n;
		now = pump_ns();
	}
	printf("blast size=%zu sent=%lu refused=%lu elapsed_us=%lld "
	    "pps=%.0f cpu_pct=%.0f\n", pu->size, sent, refused,
	    (long long)(now - t0) / 1000, sent / ((now - t0) / 1e9),
	    pump_cpu_pct(t0));
	return 0;
}

static void
pump_stop_cb(int sig)
{
	(void)sig;
	pump_stop = 1;
}

/* Count what arrives from peer until SIGTERM or secs seconds. */
static int
pump_sink(struct pump *pu)
{
	static uint8_t		 bufs[PUMP_BATCH][2048];
	static struct iovec	 iov[PUMP_BATCH];
	static struct mmsghdr	 msgs[PUMP_BATCH];
	static struct sockaddr_in from[PUMP_BATCH];
	struct sigaction	 sa;
	struct pollfd		 pfd;
	const uint8_t		*s;
	unsigned long		 got = 0, first = 0, other = 0;
	unsigned long long	 bytes = 0;
	int64_t			 t0, t1 = 0, tl = 0, end;
	ssize_t			 len;
	int			 i, n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pump_stop_cb;	/* no SA_RESTART: poll returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pfd.fd = pump_socket(pu, &pu->local);
	pfd.events = POLLIN;
	for (i = 0; i < PUMP_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
	}
	printf("ready\n");
	fflush(stdout);
	t0 = pump_ns();
	end = t0 + (int64_t)(pu->secs * 1e9);
	while (!pump_stop && pump_ns() < end) {
		for (i = 0; i < PUMP_BATCH; i++)
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		n = recvmmsg(pfd.fd, msgs, PUMP_BATCH, MSG_DONTWAIT, NULL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			(void)poll(&pfd, 1, 100);
			continue;
		}
		if (n == -1)
			gen_die("recvmmsg");
		for (i = 0; i < n; i++) {
			len = pump_sctp(pu, bufs[i], msgs[i].msg_len,
			    &from[i], &s);
			if (len < PUMP_DATAHDR || s[12] != SCTP_DATA) {
				other++;
				continue;
			}
			got++;
			bytes += (unsigned long long)len;
		}
		tl = pump_ns();
		if (t1 == 0) {
			t1 = tl;
			first = got;
		}
	}
	/* The rate from the first batch's arrival to the last's. */
	printf("sink received=%lu bytes=%llu other=%lu elapsed_us=%lld "
	    "pps=%.0f cpu_pct=%.0f\n", got, bytes, other,
	    (long long)(tl - t1) / 1000,
	    tl > t1 ? (got - first) / ((tl - t1) / 1e9) : 0.0,
	    pump_cpu_pct(t0));
	return 0;
}

static int
pump_cmp_ns(const void *x, const void *y)
{
	int64_t	 a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
}

/* Print the round-trip figures of n sorted samples. */
static void
pump_rtt_print(const struct pump *pu, int64_t *rtt, size_t n,
    unsigned long lost)
{
	double	 sum = 0;
	size_t	 i;

	qsort(rtt, n, sizeof(*rtt), pump_cmp_ns);
	for (i = 0; i < n; i++)
		sum += (double)rtt[i];
	printf("pingpong size=%zu samples=%zu lost=%lu", pu->size, n, lost);
	if (n > 0)
		printf(" min_us=%.1f p50_us=%.1f p99_us=%.1f mean_us=%.1f",
		    rtt[0] / 1e3, rtt[n / 2] / 1e3, rtt[n * 99 / 100] / 1e3,
		    sum / (double)n / 1e3);
	printf("\n");
}

/* Lockstep round trips A -> B -> A for secs seconds. */
static int
pump_pingpong(struct pump *pu)
{
	static int64_t	 rtt[PUMP_MAXRTT];
	uint8_t		 pkt[PUMP_MAXPKT];
	struct pump	 at_b = *pu;	/* B's view: its peer is A */
	unsigned long	 lost = 0;
	size_t		 n = 0, len;
	uint32_t	 tsn = 1;
	int64_t		 t, end;
	int		 fa, fb;

	at_b.peer = pu->local;
	pump_pair(pu, &fa, &fb);
	end = pump_ns() + (int64_t)(pu->secs * 1e9);
	while (n < PUMP_MAXRTT && pump_ns() < end) {
		/* Built outside the timed span: each has its own TSN, so
		 * a late packet is never taken for the one awaited. */
		len = pump_data(pkt, 1, ++tsn, pu->size);
		t = pump_ns();
		pump_send(fa, pkt, len, &pu->peer);
		if (pump_wait(&at_b, fb, SCTP_DATA, tsn) == -1) {
			lost++;
			continue;
		}
		/* A -> B, then B -> A from the reply's send on: the time
		 * spent building the reply is not the path's. */
		t = pump_ns() - t;
		len = pump_data(pkt, 0, tsn, pu->size);
		t -= pump_ns();
		pump_send(fb, pkt, len, &pu->local);
		if (pump_wait(pu, fa, SCTP_DATA, tsn) == -1) {
			lost++;
			continue;
		}
		rtt[n++] = t + pump_ns();
	}
	pump_rtt_print(pu, rtt, n, lost);
	return n > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static struct pump	 pu;
	const char		*cmd, *local = NULL, *peer = NULL;
	long			 port = 7001;
	int			 ch;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argv++;
	argc--;
	pu.size = 100;
	pu.secs = 2;
	while ((ch = getopt(argc, argv, "d:l:p:rs:u:y:")) != -1) {
		switch (ch) {
		case 'd': pu.secs = strtod(optarg, NULL); break;
		case 'l': local = optarg; break;
		case 'p': peer = optarg; break;
		case 'r': pu.raw = 1; break;
		case 's': pu.size = strtoul(optarg, NULL, 0); break;
		case 'u': port = strtol(optarg, NULL, 0); break;
		case 'y': pu.bpath = optarg; break;
		default: usage();
		}
	}
	if (local == NULL || peer == NULL || pu.size < PUMP_DATAHDR + 4 ||
	    pu.size > 1400 || pu.size % 4 != 0 || port < 1 || port > 65535 ||
	    pu.secs <= 0)
		usage();
	/* Raw sockets bind to the address alone. */
	if (gen_addr(&pu.local, local, pu.raw ? 0 : (uint16_t)port) == -1 ||
	    gen_addr(&pu.peer, peer, pu.raw ? 0 : (uint16_t)port) == -1)
		usage();
	crc32c_init();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "blast") == 0)
		return pump_blast(&pu);
	if (strcmp(cmd, "sink") == 0)
		return pump_sink(&pu);
	if (pu.bpath == NULL)
		usage();
	if (strcmp(cmd, "handshake") == 0)
		return pump_handshake(&pu) == 0 ? 0 : 1;
	if (strcmp(cmd, "pingpong") == 0)
		return pump_pingpong(&pu);
	usage();
}
