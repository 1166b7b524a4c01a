/*
 * pktgen: drives one sctptund with crafted SCTP packets, one packet at a
 * time, for the CPU-cost benchmark (t/bench/cpucost.bash).
 *
 *	pktgen -y /run/netns/Y -l local -p peer [-s size] [-c count]
 *	    [-P pid] [-u port]
 *
 * Started in sctptund's namespace X.  It opens a raw IPPROTO 132 socket
 * there (bound to local), then enters namespace Y and opens a UDP socket
 * bound to peer:port there.  It sets up an association as the tracker
 * expects it (egress INIT, ingress INIT-ACK, egress COOKIE-ECHO, ingress
 * COOKIE-ACK), then:
 *
 *   egress:  count DATA packets from the raw socket; policy routing hands
 *            them to sctptund's TUN; each is waited for on the UDP socket;
 *   ingress: count DATA packets inside UDP from Y to local:port; each is
 *            waited for on the raw socket (sctptund wrote it to its TUN).
 *
 * Lockstep, so every packet costs sctptund one wakeup.  With -P the
 * on-CPU time of that process (/proc/pid/schedstat) is read around each
 * phase and reported per packet.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "gen.h"
#include "sctp.h"

#define PG_SPORT	5000	/* SCTP port of the local endpoint */
#define PG_DPORT	6000	/* SCTP port of the peer */
#define PG_LTAG		0x11223344u
#define PG_PTAG		0x55667788u
#define PG_WAIT_MS	2000

struct pg {
	int			 raw;	/* in X */
	int			 udp;	/* in Y */
	struct sockaddr_in	 local;	/* X's address, port 0 */
	struct sockaddr_in	 peer;	/* Y's address, port 0 */
	struct sockaddr_in	 x_udp;	/* X's address, sctptund's port */
	uint32_t		 tsn;
	long			 pid;
	uint8_t			 pkt[2048];
	uint8_t			 rbuf[65536];
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pktgen -y netns-path -l local -p peer "
	    "[-s size] [-c count] [-P pid] [-u port]\n");
	exit(2);
}

/* A common header and one chunk header; returns the padded packet length. */
static size_t
pg_header(uint8_t *p, int egress, uint32_t vtag, uint8_t type, uint8_t flags,
    size_t chunklen)
{
	memset(p, 0, 12 + ((chunklen + 3) & ~(size_t)3));
	gen_put16(p, egress ? PG_SPORT : PG_DPORT);
	gen_put16(p + 2, egress ? PG_DPORT : PG_SPORT);
	gen_put32(p + 4, vtag);
	p[12] = type;
	p[13] = flags;
	gen_put16(p + 14, (uint32_t)chunklen);
	return 12 + ((chunklen + 3) & ~(size_t)3);
}

/* An INIT or INIT-ACK (with a small state cookie for the latter). */
static size_t
pg_init(uint8_t *p, int egress, uint8_t type, uint32_t vtag, uint32_t itag)
{
	size_t	 clen = type == SCTP_INIT ? 20 : 28, len;

	len = pg_header(p, egress, vtag, type, 0, clen);
	gen_put32(p + 16, itag);
	gen_put32(p + 20, 65536);
	gen_put16(p + 24, 10);
	gen_put16(p + 26, 10);
	gen_put32(p + 28, 1);
	if (type == SCTP_INIT_ACK) {
		gen_put16(p + 32, 7);	/* State Cookie */
		gen_put16(p + 34, 8);
		gen_put32(p + 36, 0xc00c1e);
	}
	sctp_checksum_set(p, len);
	return len;
}

/* A control chunk with no value (COOKIE-ACK) or a 4-byte one. */
static size_t
pg_ctl(uint8_t *p, int egress, uint32_t vtag, uint8_t type, size_t vlen)
{
	size_t	 len;

	len = pg_header(p, egress, vtag, type, 0, 4 + vlen);
	if (vlen > 0)
		gen_put32(p + 16, 0xc00c1e);
	sctp_checksum_set(p, len);
	return len;
}

/* A DATA chunk with size bytes of user data. */
static size_t
pg_data(struct pg *g, int egress, size_t size)
{
	uint8_t	*p = g->pkt;
	size_t	 len;

	len = pg_header(p, egress, egress ? PG_PTAG : PG_LTAG, SCTP_DATA, 3,
	    16 + size);
	gen_put32(p + 16, g->tsn++);
	gen_put32(p + 24, 51);	/* PPID */
	memset(p + 28, 0xa5, size);
	sctp_checksum_set(p, len);
	return len;
}

/*
 * Wait for one packet on fd; for the raw socket, one SCTP packet from the
 * peer.  0 if it came, -1 after PG_WAIT_MS.
 */
static int
pg_wait(struct pg *g, int fd)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	long long	 end = gen_ms() + PG_WAIT_MS;
	ssize_t		 n;

	for (;;) {
		n = recv(fd, g->rbuf, sizeof(g->rbuf), MSG_DONTWAIT);
		if (n > 0 && fd == g->udp)
			return 0;
		if (n >= 20 && g->rbuf[9] == 132 &&
		    memcmp(g->rbuf + 12, &g->peer.sin_addr, 4) == 0)
			return 0;
		if (n > 0)
			continue;
		if (gen_ms() >= end)
			return -1;
		(void)poll(&pfd, 1, (int)(end - gen_ms()));
	}
}

/* Send len bytes of g->pkt from X (raw) or from Y (UDP). */
static void
pg_send(struct pg *g, int egress, size_t len)
{
	ssize_t	 n;

	if (egress)
		n = sendto(g->raw, g->pkt, len, 0,
		    (struct sockaddr *)&g->peer, sizeof(g->peer));
	else
		n = sendto(g->udp, g->pkt, len, 0,
		    (struct sockaddr *)&g->x_udp, sizeof(g->x_udp));
	if (n != (ssize_t)len)
		gen_die(egress ? "send on the raw socket" : "send on UDP");
}

/* Send a packet and wait for it on the other side. */
static int
pg_step(struct pg *g, int egress, size_t len)
{
	pg_send(g, egress, len);
	return pg_wait(g, egress ? g->udp : g->raw);
}

/* The four-way handshake the tracker follows. */
static int
pg_handshake(struct pg *g)
{
	if (pg_step(g, 1, pg_init(g->pkt, 1, SCTP_INIT, 0, PG_LTAG)) == -1)
		return fprintf(stderr, "pktgen: INIT never reached Y\n"), -1;
	if (pg_step(g, 0, pg_init(g->pkt, 0, SCTP_INIT_ACK, PG_LTAG,
	    PG_PTAG)) == -1)
		return fprintf(stderr, "pktgen: INIT-ACK never reached X\n"), -1;
	if (pg_step(g, 1, pg_ctl(g->pkt, 1, PG_PTAG, SCTP_COOKIE_ECHO, 4)) ==
	    -1)
		return fprintf(stderr, "pktgen: COOKIE-ECHO lost\n"), -1;
	if (pg_step(g, 0, pg_ctl(g->pkt, 0, PG_LTAG, SCTP_COOKIE_ACK, 0)) ==
	    -1)
		return fprintf(stderr, "pktgen: COOKIE-ACK lost\n"), -1;
	return 0;
}

/* On-CPU nanoseconds of process pid so far, or -1. */
static long long
pg_cpu_ns(long pid)
{
	char	 path[64];
	FILE	*f;
	long long ns = -1;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/schedstat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "%lld", &ns) != 1)
		ns = -1;
	fclose(f);
	return ns;
}

/* One direction: count DATA packets in lockstep; prints a summary line. */
static void
pg_phase(struct pg *g, int egress, size_t size, unsigned long count)
{
	unsigned long	 i, lost = 0;
	long long	 t0, c0, c1;

	c0 = pg_cpu_ns(g->pid);
	t0 = gen_ms();
	for (i = 0; i < count; i++)
		if (pg_step(g, egress, pg_data(g, egress, size)) == -1)
			lost++;
	c1 = pg_cpu_ns(g->pid);
	printf("%s size=%zu sent=%lu lost=%lu elapsed_ms=%lld", egress ?
	    "egress" : "ingress", size, count, lost, gen_ms() - t0);
	if (c0 >= 0 && c1 >= 0 && count > 0)
		printf(" cpu_ns=%lld ns_per_pkt=%.0f", c1 - c0,
		    (double)(c1 - c0) / (double)count);
	printf("\n");
	fflush(stdout);
}

/* The raw socket here, then the UDP socket in namespace ypath. */
static void
pg_sockets(struct pg *g, const char *ypath, uint16_t port)
{
	g->raw = gen_raw(&g->local);
	gen_enter(ypath);
	g->udp = gen_udp(&g->peer, port);
}

int
main(int argc, char **argv)
{
	static struct pg g;
	const char	*ypath = NULL, *local = NULL, *peer = NULL;
	unsigned long	 count = 20000;
	size_t		 size = 100;
	long		 port = 9899;
	int		 ch;

	while ((ch = getopt(argc, argv, "c:l:p:P:s:u:y:")) != -1) {
		switch (ch) {
		case 'c': count = strtoul(optarg, NULL, 0); break;
		case 'l': local = optarg; break;
		case 'p': peer = optarg; break;
		case 'P': g.pid = strtol(optarg, NULL, 0); break;
		case 's': size = strtoul(optarg, NULL, 0); break;
		case 'u': port = strtol(optarg, NULL, 0); break;
		case 'y': ypath = optarg; break;
		default: usage();
		}
	}
	if (ypath == NULL || local == NULL || peer == NULL || size < 1 ||
	    size > 1400 || port < 1 || port > 65535)
		usage();
	if (gen_addr(&g.local, local, 0) == -1 ||
	    gen_addr(&g.peer, peer, 0) == -1 ||
	    gen_addr(&g.x_udp, local, (uint16_t)port) == -1)
		usage();
	g.tsn = 1;
	crc32c_init();
	printf("crc32c=%s\n", crc32c_impl_name());
	pg_sockets(&g, ypath, (uint16_t)port);
	if (pg_handshake(&g) == -1)
		return 1;
	printf("handshake ok\n");
	pg_phase(&g, 1, size, count);
	pg_phase(&g, 0, size, count);
	return 0;
}
