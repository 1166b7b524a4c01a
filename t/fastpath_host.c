/*
 * fastpath_host: the eBPF fast path on this host's kernel, with crafted
 * SCTP packets (no kernel SCTP needed).  Run by t/fastpath-host.sh in
 * namespace X, joined to namespace Y by a veth:
 *
 *	fastpath_host -y /run/netns/Y -i veth0 -a X4 -b Y4 -A X6 -B Y6
 *	    [-n packets]
 *
 * X: a TUN (held here) where ip rules send protocol 132 to Y, the fast
 * path opened on it, raw SCTP sockets standing for the kernel's SCTP, UDP
 * sockets on our port standing for the daemon's.  Y: UDP sockets standing
 * for the peer, raw UDP sockets that see the datagrams' checksums.
 * Prints TAP; exit status 77 if the kernel refuses the fast path.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>		/* before the linux/ headers */
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "fastpath_maps.h"
#endif

#include "addr.h"
#include "crc32c.h"
#include "fastpath.h"
#include "log.h"
#include "tap.h"
#include "tun.h"

#define OUR_PORT	9899
#define PORT_P		10000		/* the peer's UDP port */
#define PORT_P2		10001		/* ... after a rebinding */
#define LPORT		5000		/* X's SCTP port */
#define PPORT		6000		/* Y's SCTP port */
#define LTAG		0x11111111u	/* tag X's packets carry in */
#define PTAG		0x22222222u	/* tag X's packets carry out */
#define QUIET_MS	150		/* how long "nothing arrives" waits */

static const char *y_path, *uplink = "veth0";
static const char *addr_x[2], *addr_y[2];	/* [0] IPv4, [1] IPv6 */
static struct tun tun;
static struct fastpath *fp;

/* One address family's sockets. */
struct fam {
	int		af;
	const char	*name;
	struct ipaddr	x, y;
	int		raw_x;		/* SCTP, X: the kernel's SCTP */
	int		udp_x;		/* UDP :9899, X: the daemon's socket */
	int		udp_y, udp_y2;	/* UDP :P and :P2, Y: the peer */
	int		rawudp_y;	/* every UDP datagram Y receives */
};

static void
die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
run(const char *fmt, ...)
{
	char	cmd[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		printf("Bail out! failed: %s\n", cmd);
		exit(1);
	}
}

static socklen_t
sa_of(const struct fam *f, const struct ipaddr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	return addr_to_sockaddr(a, port, ss);
}

static int
sock_bound(int af, int type, int proto, const struct ipaddr *a,
    uint16_t port)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd, on = 1, big = 4 << 20;

	if ((fd = socket(af, type | SOCK_CLOEXEC, proto)) == -1)
		die("socket");
	if (af == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (a != NULL) {
		len = addr_to_sockaddr(a, port, &ss);
		if (bind(fd, (struct sockaddr *)&ss, len) == -1)
			die("bind");
	}
	return fd;
}

/* Run in namespace Y from here on (1) or back in X (0). */
static void
enter_y(int y)
{
	static int	xfd = -1, yfd = -1;

	if (xfd == -1) {
		if ((xfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) ==
		    -1 || (yfd = open(y_path, O_RDONLY | O_CLOEXEC)) == -1)
			die("netns");
	}
	if (setns(y ? yfd : xfd, CLONE_NEWNET) == -1)
		die("setns");
}

/* Turn a device's transmit checksum offload off (in the current netns):
 * Y then sends complete UDP checksums, as a remote host's packets have. */
static void
txcsum_off(const char *ifname)
{
	struct ethtool_value	ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq		ifr;
	int			s;

	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		die("socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(s, SIOCETHTOOL, &ifr) == -1)
		die("ETHTOOL_STXCSUM");
	close(s);
}

static void
fam_open(struct fam *f, int v6)
{
	int	on = 1;

	f->af = v6 ? AF_INET6 : AF_INET;
	f->name = v6 ? "IPv6" : "IPv4";
	if (addr_pton(addr_x[v6], &f->x) == -1 ||
	    addr_pton(addr_y[v6], &f->y) == -1)
		die("address");
	f->raw_x = sock_bound(f->af, SOCK_RAW | SOCK_NONBLOCK, 132, &f->x, 0);
	if (v6)
		(void)setsockopt(f->raw_x, IPPROTO_IPV6, IPV6_RECVPKTINFO,
		    &on, sizeof(on));
	else
		(void)setsockopt(f->raw_x, IPPROTO_IP, IP_PKTINFO, &on,
		    sizeof(on));
	f->udp_x = sock_bound(f->af, SOCK_DGRAM | SOCK_NONBLOCK, 0, &f->x,
	    OUR_PORT);
	enter_y(1);
	f->udp_y = sock_bound(f->af, SOCK_DGRAM | SOCK_NONBLOCK, 0, &f->y,
	    PORT_P);
	f->udp_y2 = sock_bound(f->af, SOCK_DGRAM | SOCK_NONBLOCK, 0, &f->y,
	    PORT_P2);
	f->rawudp_y = sock_bound(f->af, SOCK_RAW | SOCK_NONBLOCK,
	    IPPROTO_UDP, NULL, 0);
	enter_y(0);
}

/* --- packets ------------------------------------------------------- */

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* An SCTP packet: common header, then the chunks of types[] (DATA with
 * datalen bytes of payload; the others minimal), CRC32c set. */
static size_t
sctp_pkt(uint8_t *buf, uint16_t sport, uint16_t dport, uint32_t tag,
    const int *types, size_t datalen)
{
	size_t	off = 12, clen, i;
	int	t;

	memset(buf, 0, 12);
	put16(buf, sport);
	put16(buf + 2, dport);
	put32(buf + 4, tag);
	for (; (t = *types) != -1; types++) {
		uint8_t	*c = buf + off;

		switch (t) {
		case 0:		/* DATA */
			clen = 16 + datalen;
			memset(c, 0, 16);
			put32(c + 4, 1);		/* TSN */
			put32(c + 12, 46);		/* PPID */
			for (i = 0; i < datalen; i++)
				c[16 + i] = (uint8_t)(i * 7 + 3);
			c[1] = 3;			/* B, E */
			break;
		case 1:		/* INIT */
			clen = 20;
			memset(c, 0, clen);
			put32(c + 4, 0x33333333);
			put32(c + 8, 65536);
			put16(c + 12, 10);
			put16(c + 14, 10);
			put32(c + 16, 1);
			break;
		case 7:		/* SHUTDOWN */
			clen = 8;
			memset(c, 0, clen);
			break;
		case 10:	/* COOKIE ECHO */
			clen = 4 + 32;
			memset(c, 0x5a, clen);
			break;
		default:	/* ABORT and the rest: bare */
			clen = 4;
			memset(c, 0, clen);
			break;
		}
		c[0] = (uint8_t)t;
		put16(c + 2, (uint32_t)clen);
		while (clen & 3)
			c[clen++] = 0;
		off += clen;
	}
	sctp_checksum_set(buf, off);
	return off;
}

/* Wait up to ms for fd to be readable. */
static int
readable(int fd, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

/* The next datagram on fd within ms; its length, -1 if none. */
static ssize_t
recv_wait(int fd, uint8_t *buf, size_t len, int ms, struct msghdr *mh)
{
	struct msghdr	m;
	struct iovec	iov = { buf, len };
	ssize_t		n;

	if (mh == NULL) {
		memset(&m, 0, sizeof(m));
		mh = &m;
	}
	mh->msg_iov = &iov;
	mh->msg_iovlen = 1;
	for (;;) {
		if ((n = recvmsg(fd, mh, MSG_DONTWAIT)) >= 0)
			return n;
		if (errno != EAGAIN || !readable(fd, ms))
			return -1;
	}
}

static void
drain(int fd)
{
	uint8_t	buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

/* The next SCTP packet (or fragment) the TUN gives the daemon within ms:
 * its IP length, -1 if none.  Other traffic (MLD...) is skipped. */
static ssize_t
tun_next(uint8_t *buf, size_t len, int ms)
{
	ssize_t	n;

	for (;;) {
		if ((n = read(tun.fd, buf, len)) < 0) {
			if (errno != EAGAIN || !readable(tun.fd, ms))
				return -1;
			continue;
		}
		if (n >= 20 && (buf[0] >> 4) == 4 && buf[9] == 132)
			return n;
		if (n >= 40 && (buf[0] >> 4) == 6 &&
		    (buf[6] == 132 || buf[6] == 44 || buf[6] == 60))
			return n;
	}
}

static void
drain_all(struct fam *f)
{
	uint8_t	buf[2048];

	drain(f->raw_x);
	drain(f->udp_x);
	drain(f->udp_y);
	drain(f->udp_y2);
	drain(f->rawudp_y);
	while (tun_next(buf, sizeof(buf), 0) >= 0)
		;
}

/* One's complement sum of len bytes. */
static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* 1 if the UDP datagram udp (header and payload) from src to dst has a
 * correct, non-zero checksum. */
static int
udp_csum_ok(const struct ipaddr *src, const struct ipaddr *dst,
    const uint8_t *udp, size_t len)
{
	uint32_t	sum = 0;
	uint8_t		ph[8];

	if (udp[6] == 0 && udp[7] == 0)
		return 0;
	sum = sum16(sum, src->u.bytes, addr_len(src));
	sum = sum16(sum, dst->u.bytes, addr_len(dst));
	put32(ph, (uint32_t)len);
	put32(ph + 4, IPPROTO_UDP);
	sum = sum16(sum, ph, 8);
	sum = sum16(sum, udp, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Y's raw UDP socket: find the datagram from our port to dport and check
 * its checksum.  1 if found and correct. */
static int
y_checksum_ok(struct fam *f, uint16_t dport)
{
	uint8_t	buf[4096];
	ssize_t	n;
	size_t	hl;

	while ((n = recv_wait(f->rawudp_y, buf, sizeof(buf), QUIET_MS,
	    NULL)) >= 0) {
		hl = f->af == AF_INET ? (size_t)(buf[0] & 15) * 4 : 0;
		if ((size_t)n < hl + 8)
			continue;
		if ((buf[hl] << 8 | buf[hl + 1]) != OUR_PORT ||
		    (buf[hl + 2] << 8 | buf[hl + 3]) != dport)
			continue;
		return udp_csum_ok(&f->x, &f->y, buf + hl, (size_t)n - hl);
	}
	return 0;
}

/* --- the two directions ------------------------------------------------ */

/* Send pkt from X's raw SCTP socket to Y. */
static void
x_send(struct fam *f, const uint8_t *pkt, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sa_of(f, &f->y, 0, &ss);

	if (sendto(f->raw_x, pkt, len, 0, (struct sockaddr *)&ss, sl) !=
	    (ssize_t)len)
		die("sendto (raw SCTP)");
}

/* Send pkt over UDP from Y's socket fd to X's port. */
static void
y_send(struct fam *f, int fd, const uint8_t *pkt, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sa_of(f, &f->x, OUR_PORT, &ss);

	if (sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, sl) !=
	    (ssize_t)len)
		die("sendto (UDP)");
}

/* Egress carried: Y's socket sock gets pkt from our port, byte for byte,
 * with a correct checksum; the TUN gets nothing. */
static void
expect_carried_out(struct fam *f, int sock, uint16_t port,
    const uint8_t *pkt, size_t len, const char *what)
{
	struct sockaddr_storage	ss;
	struct msghdr		mh;
	struct ipaddr		from;
	uint16_t		fport = 0;
	uint8_t			buf[4096];
	ssize_t			n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &ss;
	mh.msg_namelen = sizeof(ss);
	n = recv_wait(sock, buf, sizeof(buf), 1000, &mh);
	if (n >= 0)
		(void)addr_from_sockaddr(&from, &fport,
		    (struct sockaddr *)&ss);
	ok(n == (ssize_t)len && memcmp(buf, pkt, len) == 0,
	    "%s egress %s: UDP to the peer's port %u, byte-exact", f->name,
	    what, port);
	ok(n >= 0 && fport == OUR_PORT && addr_equal(&from, &f->x),
	    "%s egress %s: from our address and port", f->name, what);
	ok(y_checksum_ok(f, port), "%s egress %s: UDP checksum correct",
	    f->name, what);
	ok(tun_next(buf, sizeof(buf), QUIET_MS) < 0,
	    "%s egress %s: the TUN read nothing", f->name, what);
}

/* Egress left to the daemon: the TUN gets it (its SCTP part equal to
 * pkt if it is whole), Y nothing. */
static void
expect_punted_out(struct fam *f, const uint8_t *pkt, size_t len,
    int whole, const char *what)
{
	uint8_t	buf[4096];
	ssize_t	n;
	size_t	hl;

	n = tun_next(buf, sizeof(buf), 1000);
	hl = f->af == AF_INET ? (size_t)(buf[0] & 15) * 4 : 40;
	ok(n >= 0 && (!whole || ((size_t)n == hl + len &&
	    memcmp(buf + hl, pkt, len) == 0)),
	    "%s egress %s: the daemon reads it from the TUN", f->name, what);
	ok(!readable(f->udp_y, QUIET_MS) && !readable(f->udp_y2, 0),
	    "%s egress %s: nothing reached the peer", f->name, what);
	drain_all(f);
}

/* Ingress carried: X's raw SCTP socket gets pkt from the TUN; X's UDP
 * socket nothing. */
static void
expect_carried_in(struct fam *f, const uint8_t *pkt, size_t len,
    const char *what)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[256];
	}			cbuf;
	struct msghdr		mh;
	struct cmsghdr		*cm;
	uint8_t			buf[4096];
	ssize_t			n;
	size_t			hl = 0;
	int			ifindex = 0;

	memset(&mh, 0, sizeof(mh));
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	n = recv_wait(f->raw_x, buf, sizeof(buf), 1000, &mh);
	if (n > 0 && f->af == AF_INET)
		hl = (size_t)(buf[0] & 15) * 4;
	for (cm = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm != NULL;
	    cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO)
			ifindex = ((struct in_pktinfo *)CMSG_DATA(cm))->
			    ipi_ifindex;
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO)
			ifindex = (int)((struct in6_pktinfo *)CMSG_DATA(cm))->
			    ipi6_ifindex;
	}
	ok(n >= 0 && (size_t)n == hl + len && memcmp(buf + hl, pkt, len) == 0,
	    "%s ingress %s: SCTP reached the raw socket byte-exact",
	    f->name, what);
	ok(ifindex == tun.ifindex, "%s ingress %s: as if from the TUN "
	    "(ifindex %d, TUN %d)", f->name, what, ifindex, tun.ifindex);
	ok(!readable(f->udp_x, QUIET_MS),
	    "%s ingress %s: the daemon's UDP socket got nothing", f->name,
	    what);
}

/* Ingress left to the daemon: X's UDP socket gets it whole; the raw
 * SCTP socket nothing. */
static void
expect_punted_in(struct fam *f, const uint8_t *pkt, size_t len,
    const char *what)
{
	uint8_t	buf[4096];
	ssize_t	n;

	n = recv_wait(f->udp_x, buf, sizeof(buf), 1000, NULL);
	ok(n == (ssize_t)len && memcmp(buf, pkt, len) == 0,
	    "%s ingress %s: the daemon's UDP socket got it", f->name, what);
	ok(!readable(f->raw_x, QUIET_MS),
	    "%s ingress %s: nothing entered the TUN", f->name, what);
	drain_all(f);
}

static uint64_t
stat_of(int which)
{
	struct fastpath_stats	st;

	fastpath_stats(fp, &st);
	return ((uint64_t *)&st)[which];
}

/* Indexes into struct fastpath_stats, in FASTPATH_STATS order. */
enum { S_RX, S_TX, S_RX_MISS, S_RX_PUNT, S_TX_MISS, S_TX_PUNT, S_ERR };
#define STAT_NAME(name, desc)	#name,
static const char *stat_names[] = { FASTPATH_STATS(STAT_NAME) };
#undef STAT_NAME

/* Run one case and check that counter which grew by want. */
#define COUNTS(which, want, body) do {					\
	uint64_t before_ = stat_of(which);				\
	body;								\
	ok(stat_of(which) - before_ == (uint64_t)(want),				\
	    "%s: counter %s +%d (got +%llu)", f->name, stat_names[which], (want),	\
	    (unsigned long long)(stat_of(which) - before_));		\
} while (0)

/* Egress: X sends pkt; the daemon must get it from the TUN, counted in
 * the counter which (+want). */
static void
punt_out(struct fam *f, int which, int want, const uint8_t *pkt, size_t len,
    int whole, const char *what)
{
	COUNTS(which, want, {
		x_send(f, pkt, len);
		expect_punted_out(f, pkt, len, whole, what);
	});
}

/* Ingress: Y sends pkt from sock; the daemon's UDP socket must get it,
 * counted in which (+want). */
static void
punt_in(struct fam *f, int sock, int which, int want, const uint8_t *pkt,
    size_t len, const char *what)
{
	COUNTS(which, want, {
		y_send(f, sock, pkt, len);
		expect_punted_in(f, pkt, len, what);
	});
}

/* Chunks that make a packet of an installed path the daemon's. */
static const struct chunk_case {
	int		types[3];
	size_t		datalen;
	const char	*name;
} chunk_cases[] = {
	{ { 1, -1 },		0,	"INIT" },
	{ { 6, -1 },		0,	"ABORT" },
	{ { 7, -1 },		0,	"SHUTDOWN" },
	{ { 10, -1 },		0,	"COOKIE-ECHO" },
	{ { 6, 0, -1 },		100,	"DATA behind ABORT" },
};

/* Resolve X's neighbour entry for Y, as the daemon's UDP sends do. */
static void
prime_neigh(struct fam *f)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sa_of(f, &f->y, PORT_P, &ss);
	uint8_t			b[4] = { 0 };

	if (sendto(f->udp_x, b, sizeof(b), 0, (struct sockaddr *)&ss, sl) !=
	    sizeof(b))
		die("sendto (UDP from X)");
	(void)recv_wait(f->udp_y, b, sizeof(b), 1000, NULL);
	usleep(100 * 1000);
	drain_all(f);
}

/* --- the scenarios ------------------------------------------------------ */

static void
test_family(struct fam *f, struct fastpath_path *path, uint32_t *slotp)
{
	static const int	data[] = { 0, -1 }, data_sack[] = { 0, 3, -1 };
	static const uint8_t	ipopt[4] = { 1, 1, 1, 0 };
	struct fastpath_counts	d;
	uint8_t			pkt[4096];
	size_t			len;
	uint32_t		slot;
	size_t			i;
	int			v6 = f->af == AF_INET6, opt, c;

	memset(path, 0, sizeof(*path));
	path->peer = f->y;
	path->lport = LPORT;
	path->pport = PPORT;
	path->ltag = LTAG;
	path->ptag = PTAG;
	path->udp_port = PORT_P;
	slot = fastpath_add(fp, path);
	*slotp = slot;
	ok(slot != 0, "%s: path installed (slot %u)", f->name, slot);
	ok(fastpath_get(fp, slot) != NULL &&
	    memcmp(fastpath_get(fp, slot), path, sizeof(*path)) == 0,
	    "%s: fastpath_get gives it back", f->name);
	drain_all(f);

	/* No neighbour for the peer yet: the daemon's packet, not lost. */
	run("ip %s neigh flush dev %s", v6 ? "-6" : "-4", uplink);
	len = sctp_pkt(pkt, LPORT, PPORT, PTAG, data, 100);
	punt_out(f, S_TX_PUNT, 1, pkt, len, 1, "unresolved neighbour");
	/* What the daemon's send of it does: resolve the neighbour. */
	prime_neigh(f);

	/* Egress hits. */
	COUNTS(S_TX, 1, {
		x_send(f, pkt, len);
		expect_carried_out(f, f->udp_y, PORT_P, pkt, len, "DATA");
	});
	len = sctp_pkt(pkt, LPORT, PPORT, PTAG, data_sack, 1001);
	x_send(f, pkt, len);
	expect_carried_out(f, f->udp_y, PORT_P, pkt, len, "DATA+SACK");
	ok(fastpath_fold(fp, slot, &d) == 0 && d.tx_packets == 2 &&
	    d.tx_bytes == 128 + 1036 && d.rx_packets == 0,
	    "%s: fold: tx 2 packets, %llu bytes", f->name,
	    (unsigned long long)d.tx_bytes);

	/* Ingress hit. */
	len = sctp_pkt(pkt, PPORT, LPORT, LTAG, data, 200);
	COUNTS(S_RX, 1, {
		y_send(f, f->udp_y, pkt, len);
		expect_carried_in(f, pkt, len, "DATA");
	});
	ok(fastpath_fold(fp, slot, &d) == 0 && d.rx_packets == 1 &&
	    d.rx_bytes == len && d.tx_packets == 0,
	    "%s: fold: rx 1 packet, %zu bytes; tx delta 0", f->name, len);
	ok(fastpath_fold(fp, slot, &d) == 0 && d.rx_packets == 0 &&
	    d.tx_packets == 0, "%s: fold again: nothing new", f->name);

	/* Egress misses and punts. */
	len = sctp_pkt(pkt, LPORT, PPORT, PTAG + 1, data, 100);
	punt_out(f, S_TX_MISS, 1, pkt, len, 1, "wrong tag");
	for (i = 0; i < sizeof(chunk_cases) / sizeof(chunk_cases[0]); i++) {
		len = sctp_pkt(pkt, LPORT, PPORT, PTAG, chunk_cases[i].types,
		    chunk_cases[i].datalen);
		punt_out(f, S_TX_PUNT, 1, pkt, len, 1, chunk_cases[i].name);
	}

	/* IP options (IPv4), a destination options header (IPv6). */
	len = sctp_pkt(pkt, LPORT, PPORT, PTAG, data, 100);
	if (!v6) {
		if (setsockopt(f->raw_x, IPPROTO_IP, IP_OPTIONS, ipopt,
		    sizeof(ipopt)) == -1)
			die("IP_OPTIONS");
	} else {
		static const uint8_t	dst[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };

		if (setsockopt(f->raw_x, IPPROTO_IPV6, IPV6_DSTOPTS, dst,
		    sizeof(dst)) == -1)
			die("IPV6_DSTOPTS");
	}
	punt_out(f, S_TX_PUNT, 1, pkt, len, !v6, v6 ? "extension header" :
	    "IP options");
	if (!v6)
		(void)setsockopt(f->raw_x, IPPROTO_IP, IP_OPTIONS, NULL, 0);
	else
		(void)setsockopt(f->raw_x, IPPROTO_IPV6, IPV6_DSTOPTS, NULL, 0);

	/* A fragment: 2000 bytes through a TUN of MTU 1500. */
	len = sctp_pkt(pkt, LPORT, PPORT, PTAG, data, 2000);
	if (!v6) {
		opt = IP_PMTUDISC_DONT;
		(void)setsockopt(f->raw_x, IPPROTO_IP, IP_MTU_DISCOVER, &opt,
		    sizeof(opt));
	}
	punt_out(f, S_TX_PUNT, 2, pkt, len, 0, "fragments");

	/* A packet the TUN takes but the outer path's MTU does not. */
	run("ip %s route add %s dev %s mtu lock %d", v6 ? "-6" : "",
	    addr_y[v6], uplink, v6 ? 1280 : 1000);
	len = sctp_pkt(pkt, LPORT, PPORT, PTAG, data, v6 ? 1240 : 960);
	punt_out(f, S_TX_PUNT, 1, pkt, len, 1, "path MTU exceeded");
	len = sctp_pkt(pkt, LPORT, PPORT, PTAG, data, v6 ? 1180 : 900);
	x_send(f, pkt, len);
	expect_carried_out(f, f->udp_y, PORT_P, pkt, len, "just fits");
	run("ip %s route del %s dev %s", v6 ? "-6" : "", addr_y[v6], uplink);

	/* Ingress misses and punts. */
	len = sctp_pkt(pkt, PPORT, LPORT, LTAG + 1, data, 100);
	punt_in(f, f->udp_y, S_RX_MISS, 1, pkt, len, "wrong tag");
	len = sctp_pkt(pkt, PPORT, LPORT, LTAG, data, 100);
	punt_in(f, f->udp_y2, S_RX_MISS, 1, pkt, len, "new UDP source port");
	for (i = 0; i < sizeof(chunk_cases) / sizeof(chunk_cases[0]); i++) {
		len = sctp_pkt(pkt, PPORT, LPORT, LTAG, chunk_cases[i].types,
		    chunk_cases[i].datalen);
		punt_in(f, f->udp_y, S_RX_PUNT, 1, pkt, len,
		    chunk_cases[i].name);
	}
	if (!v6) {
		len = sctp_pkt(pkt, PPORT, LPORT, LTAG, data, 100);
		if (setsockopt(f->udp_y, IPPROTO_IP, IP_OPTIONS, ipopt,
		    sizeof(ipopt)) == -1)
			die("IP_OPTIONS");
		punt_in(f, f->udp_y, S_RX_PUNT, 1, pkt, len, "IP options");
		(void)setsockopt(f->udp_y, IPPROTO_IP, IP_OPTIONS, NULL, 0);
		opt = IP_PMTUDISC_DONT;
		(void)setsockopt(f->udp_y, IPPROTO_IP, IP_MTU_DISCOVER, &opt,
		    sizeof(opt));
	}
	/* Fragments: the first one (with the UDP header) is counted. */
	len = sctp_pkt(pkt, PPORT, LPORT, LTAG, data, 2000);
	punt_in(f, f->udp_y, S_RX_PUNT, 1, pkt, len, "fragments");

	/* Bigger than the TUN's MTU: a redirect would drop it, the daemon's
	 * write to the TUN does not. */
	run("ip link set dev %s mtu 1280", tun.name);
	ok(fastpath_links(fp) == 0, "%s: links after an MTU change", f->name);
	len = sctp_pkt(pkt, PPORT, LPORT, LTAG, data, 1300);
	punt_in(f, f->udp_y, S_RX_PUNT, 1, pkt, len, "bigger than the TUN");
	run("ip link set dev %s mtu 1500", tun.name);
	(void)fastpath_links(fp);

	/* The peer's port moves: P now misses, P2 hits, both ways. */
	path->udp_port = PORT_P2;
	ok(fastpath_update(fp, slot, path) == 0, "%s: update to port %u",
	    f->name, PORT_P2);
	len = sctp_pkt(pkt, PPORT, LPORT, LTAG, data, 100);
	punt_in(f, f->udp_y, S_RX_MISS, 1, pkt, len, "old port after update");
	y_send(f, f->udp_y2, pkt, len);
	expect_carried_in(f, pkt, len, "new port after update");
	len = sctp_pkt(pkt, LPORT, PPORT, PTAG, data, 100);
	x_send(f, pkt, len);
	expect_carried_out(f, f->udp_y2, PORT_P2, pkt, len, "after update");
	ok(!readable(f->udp_y, 0), "%s: nothing to the old port", f->name);
	c = fastpath_fold(fp, slot, &d);
	ok(c == 0 && d.rx_packets == 1 &&
	    d.tx_packets == 2, "%s: counters went on across the update "
	    "(rx %llu tx %llu)", f->name, (unsigned long long)d.rx_packets,
	    (unsigned long long)d.tx_packets);
}

/* After the throughput runs: delete, then nothing is carried. */
static void
test_del(struct fam *f, uint32_t slot)
{
	static const int	data[] = { 0, -1 };
	struct fastpath_counts	last;
	uint8_t			pkt[512];
	size_t			len;
	uint32_t		used = fastpath_used(fp);

	fastpath_del(fp, slot, &last);
	ok(fastpath_used(fp) == used - 1 && fastpath_get(fp, slot) == NULL,
	    "%s: deleted", f->name);
	drain_all(f);
	len = sctp_pkt(pkt, LPORT, PPORT, PTAG, data, 100);
	punt_out(f, S_TX_MISS, 1, pkt, len, 1, "after del");
	len = sctp_pkt(pkt, PPORT, LPORT, LTAG, data, 100);
	punt_in(f, f->udp_y2, S_RX_MISS, 1, pkt, len, "after del");
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Packets each way as fast as one thread sends them, for information. */
static void
throughput(struct fam *f, int n)
{
	static const int	data[] = { 0, -1 };
	uint8_t			out[512], in[512], buf[2048];
	size_t			olen, ilen;
	double			t0, t;
	int			i, got, batch;

	olen = sctp_pkt(out, LPORT, PPORT, PTAG, data, 100);
	ilen = sctp_pkt(in, PPORT, LPORT, LTAG, data, 100);
	drain_all(f);
	for (got = 0, i = 0, t0 = now_s(); i < n; i += batch) {
		batch = n - i < 64 ? n - i : 64;
		for (int k = 0; k < batch; k++)
			x_send(f, out, olen);
		while (got < i + batch &&
		    recv_wait(f->udp_y2, buf, sizeof(buf), 100, NULL) >= 0)
			got++;
	}
	t = now_s() - t0;
	diag("%s egress: %d packets sent, %d carried to the peer, %.0f "
	    "packets/s", f->name, n, got, got / t);
	ok(got > 0, "%s egress throughput run carried packets", f->name);
	drain(f->rawudp_y);

	for (got = 0, i = 0, t0 = now_s(); i < n; i += batch) {
		batch = n - i < 64 ? n - i : 64;
		for (int k = 0; k < batch; k++)
			y_send(f, f->udp_y2, in, ilen);
		while (got < i + batch &&
		    recv_wait(f->raw_x, buf, sizeof(buf), 100, NULL) >= 0)
			got++;
	}
	t = now_s() - t0;
	diag("%s ingress: %d datagrams sent, %d carried into the TUN, %.0f "
	    "packets/s", f->name, n, got, got / t);
	ok(got > 0, "%s ingress throughput run carried packets", f->name);
	drain_all(f);
}

#ifdef HAVE_BPF
/* The program id of the filter at (handle, prio) of a hook, 0 if none. */
static uint32_t
filter_id(int ifindex, enum bpf_tc_attach_point point, uint32_t handle,
    uint32_t prio)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
	    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle,
	    .priority = prio);

	return bpf_tc_query(&hook, &opts) == 0 ? opts.prog_id : 0;
}

/* Another tool's filter: "return TC_ACT_UNSPEC", at handle 1, prio 1
 * (on the TUN's egress for the probe, else on ifindex's ingress). */
static int
foreign_attach(int ifindex, int egress)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
	    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	int	fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "foreign", "GPL", insns,
	    2, NULL);
	if (fd < 0)
		return -1;
	(void)bpf_tc_hook_create(&hook);
	opts.prog_fd = fd;
	if (bpf_tc_attach(&hook, &opts) != 0)
		return -1;
	close(fd);
	if (egress) {
		opts.prog_fd = 0;
		opts.prog_id = 0;
		opts.flags = 0;
		(void)bpf_tc_detach(&hook, &opts);
	}
	return 0;
}

static void
test_stale(void)
{
	char		why[256];
	int		up = (int)if_nametoindex(uplink), st, n;
	pid_t		pid;
	uint32_t	fid;

	ok(filter_id(tun.ifindex, BPF_TC_EGRESS, FP_TC_HANDLE,
	    FP_TC_PRIORITY) == 0 && filter_id(up, BPF_TC_INGRESS,
	    FP_TC_HANDLE, FP_TC_PRIORITY) == 0,
	    "close detached both programs");
	ok(foreign_attach(up, 0) == 0, "a foreign filter on %s", uplink);
	fid = filter_id(up, BPF_TC_INGRESS, 1, 1);

	/* A daemon killed with its fast path open. */
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (fastpath_open((unsigned int)tun.ifindex, OUR_PORT, 4, why,
		    sizeof(why)) == NULL)
			_exit(1);
		_exit(0);
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "a child opened the fast path and died");
	ok(filter_id(tun.ifindex, BPF_TC_EGRESS, FP_TC_HANDLE,
	    FP_TC_PRIORITY) != 0 && filter_id(up, BPF_TC_INGRESS,
	    FP_TC_HANDLE, FP_TC_PRIORITY) != 0, "its filters outlived it");
	n = fastpath_detach_stale();
	ok(n == 2, "detach_stale removed %d (want 2)", n);
	ok(filter_id(tun.ifindex, BPF_TC_EGRESS, FP_TC_HANDLE,
	    FP_TC_PRIORITY) == 0 && filter_id(up, BPF_TC_INGRESS,
	    FP_TC_HANDLE, FP_TC_PRIORITY) == 0, "none of ours is left");
	ok(fid != 0 && filter_id(up, BPF_TC_INGRESS, 1, 1) == fid,
	    "the foreign filter is still there");
	ok(fastpath_detach_stale() == 0, "detach_stale again: nothing");
}
#endif

int
main(int argc, char **argv)
{
	struct fastpath_path	path[2];
	struct fam		fam[2];
	char			why[256];
	uint32_t		slot[2];
	const char		*cause;
	int			c, n = 100000, v6;

	while ((c = getopt(argc, argv, "y:i:a:b:A:B:n:")) != -1) {
		switch (c) {
		case 'y': y_path = optarg; break;
		case 'i': uplink = optarg; break;
		case 'a': addr_x[0] = optarg; break;
		case 'b': addr_y[0] = optarg; break;
		case 'A': addr_x[1] = optarg; break;
		case 'B': addr_y[1] = optarg; break;
		case 'n': n = atoi(optarg); break;
		default: return 2;
		}
	}
	if (y_path == NULL || !addr_x[0] || !addr_y[0] || !addr_x[1] ||
	    !addr_y[1]) {
		fprintf(stderr, "usage: fastpath_host -y netns -a X4 -b Y4 "
		    "-A X6 -B Y6 [-i uplink] [-n packets]\n");
		return 2;
	}
	log_init(1, LOG_INFO, "fastpath_host");
	crc32c_init();
	if (!fastpath_built()) {
		printf("1..0 # SKIP built without the fast path\n");
		return 77;
	}
	if (fastpath_detach_stale() < 0)
		die("detach_stale");
	if (tun_open(&tun, "fptun0", &cause) == -1) {
		printf("1..0 # SKIP no TUN: %s\n", cause);
		return 77;
	}
	run("ip link set dev %s mtu 1500 up", tun.name);
	for (v6 = 0; v6 < 2; v6++) {
		run("ip %s rule add ipproto 132 to %s lookup 9899 pref 100",
		    v6 ? "-6" : "-4", addr_y[v6]);
		run("ip %s route add default dev %s table 9899",
		    v6 ? "-6" : "-4", tun.name);
	}
#ifdef HAVE_BPF
	/* A kernel that runs no tc BPF at all is a reason to skip; one that
	 * runs a trivial program but refuses ours is a failure. */
	if (foreign_attach(tun.ifindex, 1) == -1) {
		printf("1..0 # SKIP this kernel runs no tc BPF program: %s\n",
		    strerror(errno));
		return 77;
	}
#endif
	fp = fastpath_open((unsigned int)tun.ifindex, OUR_PORT, 16, why,
	    sizeof(why));
	if (fp == NULL) {
		printf("Bail out! fastpath_open: %s\n", why);
		return 1;
	}
	ok(fastpath_capacity(fp) == 16 && fastpath_used(fp) == 0,
	    "opened: capacity 16, none used");
	ok(fastpath_links(fp) == 0, "links: nothing new to attach");
	enter_y(1);
	txcsum_off(uplink);
	enter_y(0);

	for (v6 = 0; v6 < 2; v6++) {
		fam_open(&fam[v6], v6);
		test_family(&fam[v6], &path[v6], &slot[v6]);
	}
	ok(fastpath_used(fp) == 2, "two paths in use");
	for (v6 = 0; v6 < 2; v6++)
		throughput(&fam[v6], n);
	for (v6 = 0; v6 < 2; v6++)
		test_del(&fam[v6], slot[v6]);
	diag("errors counted by the programs: %llu",
	    (unsigned long long)stat_of(S_ERR));
	ok(stat_of(S_ERR) == 0, "no helper failed");
	fastpath_close(fp);
	fp = NULL;
#ifdef HAVE_BPF
	test_stale();
#endif
	return tap_done(0);
}
