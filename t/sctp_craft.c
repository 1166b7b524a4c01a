/*
 * sctp_craft: sends hand-made SCTP-over-UDP datagrams, good and bad, for the
 * scenario tests (bad input, verification, INIT from a new port, UDP
 * hygiene), and optionally prints the reply.
 *
 *	sctp_craft [-NPRZ] [-c count] [-p srcport] [-r secs] [-s srcaddr]
 *	    dstaddr dstport kind [args]
 *
 * kinds:	short N				N zero bytes (N < 12)
 *		garbage N			N pseudo-random bytes
 *		data SPORT DPORT VTAG [badcrc|zerocrc]	a DATA chunk
 *		bigdata SPORT DPORT VTAG SIZE [badcrc|zerocrc]
 *						a DATA chunk making a packet of
 *						SIZE bytes (IP fragments it)
 *		init SPORT DPORT INITTAG	an INIT
 *		initack SPORT DPORT VTAG INITTAG	an INIT-ACK with a cookie
 *		abort SPORT DPORT VTAG [t]	an ABORT, T bit if "t"
 *		badchunk SPORT DPORT VTAG	a chunk whose length overruns
 *		file PATH			the bytes of a file, as they are
 *						(a captured datagram, replayed)
 *
 * -N sends the SCTP packet itself, not encapsulated, through a raw
 * IPPROTO_SCTP socket, as a local SCTP stack would (dstport is ignored):
 * the ip rules take it to sctptund's TUN, so a test plays the local
 * kernel on a host without SCTP.
 * -R sends through a raw IPPROTO_UDP socket, building the UDP header here:
 * any source port (0 included) without binding it.  -Z (with -R) leaves the
 * UDP checksum zero; -P (with -R) writes in it what a stack leaves for the
 * device to finish (CHECKSUM_PARTIAL: the pseudo-header's sum alone).  -s
 * binds to a source address.  -r waits up to secs for
 * one reply to the source port (with -V, one whose verification tag is
 * vtag) and prints its SCTP header and chunks, e.g.
 *
 *	reply from 192.0.2.2 port 9899 to port 40000: sport=7000 dport=1234
 *	    vtag=0x0000abcd crc=ok
 *	ABORT vtag=0x0000abcd T=0 cause=14 current=9899 new=40000
 *
 * Exit status: 0 sent (and a reply arrived, with -r), 3 no reply, 1 error.
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

#include "addr.h"
#include "crc32c.h"
#include "sctp.h"

#define UDP_HDRLEN	8

static uint8_t	 pkt[65536];
static size_t	 len;

/* What the command line asks for. */
struct opts {
	unsigned long	 count;
	int		 srcport;
	int		 raw;
	int		 native;	/* -N */
	int		 zero_csum;
	int		 partial_csum;	/* -P */
	int		 reply_secs;
	int		 want_vtag;	/* -V: keep only replies with it */
	uint32_t	 vtag;
	const char	*srcaddr;
};

/* Print the usage and exit. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: sctp_craft [-NPRZ] [-c count] [-p srcport] "
	    "[-r secs] [-s srcaddr] [-V vtag] dstaddr dstport "
	    "short|garbage|data|init|initack|abort|badchunk ...\n");
	exit(2);
}

/* Store a 16-bit value in network order at pkt + off. */
static void
put16(size_t off, uint32_t v)
{
	uint16_t n = htons((uint16_t)v);

	memcpy(pkt + off, &n, 2);
}

/* Store a 32-bit value in network order at pkt + off. */
static void
put32(size_t off, uint32_t v)
{
	uint32_t n = htonl(v);

	memcpy(pkt + off, &n, 4);
}

/* A 16-bit network-order value from p. */
static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A 32-bit network-order value from p. */
static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A common header and one chunk header (type, flags, length). */
static void
craft_header(char **av, uint8_t type, uint8_t flags, size_t chunklen)
{
	memset(pkt, 0, sizeof(pkt));
	put16(0, (uint32_t)strtoul(av[0], NULL, 0));
	put16(2, (uint32_t)strtoul(av[1], NULL, 0));
	put32(4, (uint32_t)strtoul(av[2], NULL, 0));
	pkt[12] = type;
	pkt[13] = flags;
	put16(14, (uint32_t)chunklen);
	len = 12 + ((chunklen + 3) & ~(size_t)3);
}

/* The datagram is the whole of a file; -1 if it cannot be read or fit. */
static int
craft_file(const char *path)
{
	FILE	*fp;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	len = fread(pkt, 1, sizeof(pkt) - UDP_HDRLEN, fp);
	if (!feof(fp) || ferror(fp)) {
		fprintf(stderr, "sctp_craft: %s: too big or unreadable\n", path);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

/* Build the packet of a kind; its arguments follow in av. */
static void
craft(const char *kind, int ac, char **av)
{
	size_t	 i;

	if (strcmp(kind, "short") == 0 || strcmp(kind, "garbage") == 0) {
		if (ac < 1)
			usage();
		len = strtoul(av[0], NULL, 0);
		if (len > sizeof(pkt) - UDP_HDRLEN)
			usage();
		srandom(1);
		for (i = 0; i < len; i++)
			pkt[i] = kind[0] == 's' ? 0 : (uint8_t)random();
		return;
	}
	if (strcmp(kind, "file") == 0) {
		if (ac < 1 || craft_file(av[0]) == -1)
			usage();
		return;
	}
	if (ac < 3)
		usage();
	if (strcmp(kind, "data") == 0) {
		craft_header(av, SCTP_DATA, 3, 16 + 4);
		put32(16, 0x7fffffff);	/* TSN far from any window */
	} else if (strcmp(kind, "bigdata") == 0) {
		if (ac < 4 || (i = strtoul(av[3], NULL, 0)) < 12 + 20 ||
		    i > sizeof(pkt) - UDP_HDRLEN || i % 4 != 0)
			usage();
		craft_header(av, SCTP_DATA, 3, i - 12);
		put32(16, 0x7fffffff);
		av++;
		ac--;
	} else if (strcmp(kind, "init") == 0) {
		craft_header(av, SCTP_INIT, 0, 20);
		put32(16, (uint32_t)strtoul(av[2], NULL, 0));
		put32(4, 0);
		put32(20, 65536);
		put16(24, 10);
		put16(26, 10);
		put32(28, 1);
	} else if (strcmp(kind, "initack") == 0) {
		/* Fixed part, then a State Cookie parameter of 16 bytes. */
		if (ac < 4)
			usage();
		craft_header(av, SCTP_INIT_ACK, 0, 20 + 20);
		put32(16, (uint32_t)strtoul(av[3], NULL, 0));
		put32(20, 65536);
		put16(24, 10);
		put16(26, 10);
		put32(28, 1);
		put16(32, 7);
		put16(34, 20);
		memset(pkt + 36, 0xc0, 16);
		av++;
		ac--;
	} else if (strcmp(kind, "abort") == 0) {
		craft_header(av, SCTP_ABORT,
		    ac > 3 && strcmp(av[3], "t") == 0 ? SCTP_FLAG_T : 0, 4);
	} else if (strcmp(kind, "badchunk") == 0) {
		craft_header(av, SCTP_DATA, 3, 200);
		len = 12 + 20;
	} else
		usage();
	sctp_checksum_set(pkt, len);
	if (ac > 3 && strcmp(av[3], "badcrc") == 0)
		pkt[8] ^= 0x5a;
	else if (ac > 3 && strcmp(av[3], "zerocrc") == 0)
		put32(8, 0);
}

/* Add n bytes at p to a one's complement running sum. */
static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/* The one's complement sum of the UDP pseudo-header for n bytes. */
static uint32_t
udp_pseudo_sum(const struct ipaddr *src, const struct ipaddr *dst, size_t n)
{
	uint8_t		 tail[8];
	uint32_t	 sum;

	sum = csum_add(0, src->u.bytes, addr_len(src));
	sum = csum_add(sum, dst->u.bytes, addr_len(dst));
	memset(tail, 0, sizeof(tail));
	/* IPv4: zero, protocol, length; IPv6: 32-bit length, 0, 0, 0, nh. */
	if (src->family == AF_INET) {
		tail[1] = IPPROTO_UDP;
		tail[2] = (uint8_t)(n >> 8);
		tail[3] = (uint8_t)n;
		return csum_add(sum, tail, 4);
	}
	tail[2] = (uint8_t)(n >> 8);
	tail[3] = (uint8_t)n;
	tail[7] = IPPROTO_UDP;
	return csum_add(sum, tail, 8);
}

/* Fold a running sum to 16 bits. */
static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The UDP checksum of the datagram at udp (n bytes) from src to dst. */
static uint16_t
udp_checksum(const struct ipaddr *src, const struct ipaddr *dst,
    const uint8_t *udp, size_t n)
{
	uint16_t	sum;

	sum = (uint16_t)~csum_fold(csum_add(udp_pseudo_sum(src, dst, n), udp,
	    n));
	return sum == 0 ? 0xffff : sum;
}

/* Put a UDP header in front of the SCTP packet, for the raw socket. */
static void
raw_wrap(const struct opts *o, const struct ipaddr *src,
    const struct ipaddr *dst, uint16_t dport)
{
	uint16_t	 csum;

	memmove(pkt + UDP_HDRLEN, pkt, len);
	len += UDP_HDRLEN;
	put16(0, (uint32_t)o->srcport);
	put16(2, dport);
	put16(4, (uint32_t)len);
	put16(6, 0);
	if (o->partial_csum) {
		/* What a stack leaves for the device (CHECKSUM_PARTIAL): the
		   pseudo-header's sum alone, folded, not complemented. */
		put16(6, csum_fold(udp_pseudo_sum(src, dst, len)));
	} else if (!o->zero_csum) {
		csum = udp_checksum(src, dst, pkt, len);
		put16(6, csum);
	}
}

/* The source address the kernel would pick towards dst. */
static int
source_for(const struct ipaddr *dst, struct ipaddr *src)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd, r = -1;

	if ((fd = socket(dst->family, SOCK_DGRAM, 0)) == -1)
		return -1;
	sl = addr_to_sockaddr(dst, 9, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    addr_from_sockaddr(src, NULL, (struct sockaddr *)&ss) == 0)
			r = 0;
	}
	close(fd);
	return r;
}

/* Open and bind the sending socket: UDP, or raw UDP with -R. */
static int
open_socket(const struct opts *o, const struct ipaddr *src)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd;

	if (o->native)
		fd = socket(src->family, SOCK_RAW, IPPROTO_SCTP);
	else if (o->raw)
		fd = socket(src->family, SOCK_RAW, IPPROTO_UDP);
	else
		fd = socket(src->family, SOCK_DGRAM, 0);
	if (fd == -1)
		return -1;
	sl = addr_to_sockaddr(src, o->raw || o->native ? 0 :
	    (uint16_t)o->srcport, &ss);
	if (o->srcaddr == NULL && !o->raw && !o->native) {
		/* Any address: the kernel picks the source per datagram. */
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = src->family;
		if (src->family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port =
			    htons((uint16_t)o->srcport);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port =
			    htons((uint16_t)o->srcport);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Print the causes of an ABORT or ERROR chunk at c (clen bytes). */
static void
print_causes(const uint8_t *c, size_t clen)
{
	size_t	 off = 4, cl;

	while (off + 4 <= clen) {
		cl = get16(c + off + 2);
		if (cl < 4 || off + cl > clen)
			break;
		printf(" cause=%u", get16(c + off));
		if (get16(c + off) == SCTP_CAUSE_NEW_ENCAPS_PORT && cl >= 8)
			printf(" current=%u new=%u", get16(c + off + 4),
			    get16(c + off + 6));
		off += (cl + 3) & ~(size_t)3;
	}
}

/* Print an SCTP packet received as a reply. */
static void
print_reply(const struct ipaddr *from, uint16_t fport, uint16_t toport,
    const uint8_t *p, size_t n)
{
	char		 buf[ADDR_STRLEN];
	size_t		 off = 12, cl;

	printf("reply from %s port %u to port %u:", addr_ntop(from, buf,
	    sizeof(buf)), fport, toport);
	if (n < 12) {
		printf(" %zu bytes, not SCTP\n", n);
		return;
	}
	printf(" sport=%u dport=%u vtag=0x%08x crc=%s\n", get16(p),
	    get16(p + 2), get32(p + 4), sctp_checksum_ok(p, n) ? "ok" : "bad");
	while (off + 4 <= n) {
		cl = get16(p + off + 2);
		if (cl < 4 || off + cl > n) {
			printf("bad chunk length %zu\n", cl);
			return;
		}
		printf("%s vtag=0x%08x T=%d flags=0x%02x",
		    sctp_chunk_name(p[off]), get32(p + 4),
		    p[off + 1] & SCTP_FLAG_T, p[off + 1]);
		if (p[off] == SCTP_ABORT || p[off] == SCTP_ERROR)
			print_causes(p + off, cl);
		printf("\n");
		off += (cl + 3) & ~(size_t)3;
	}
}

/*
 * A raw socket sees every UDP datagram: keep the one from dst:dport to our
 * source port.  Returns the offset of its payload, or -1.
 */
static int
raw_match(const struct opts *o, const uint8_t *b, size_t n, int family,
    uint16_t dport)
{
	size_t	 off = 0;

	if (family == AF_INET) {
		if (n < 20)
			return -1;
		off = (size_t)(b[0] & 0x0f) * 4;
	}
	if (n < off + UDP_HDRLEN || get16(b + off) != dport ||
	    get16(b + off + 2) != o->srcport)
		return -1;
	return (int)(off + UDP_HDRLEN);
}

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for one reply from dst:dport and print it; 0, or 3 if none came. */
static int
wait_reply(const struct opts *o, int fd, const struct ipaddr *dst,
    uint16_t dport)
{
	static uint8_t		 b[65536];
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd = { fd, POLLIN, 0 };
	struct ipaddr		 from;
	socklen_t		 sl;
	long long		 end = now_ms() + o->reply_secs * 1000LL;
	uint16_t		 fport = 0;
	ssize_t			 n;
	int			 off;

	while (now_ms() < end) {
		if (poll(&pfd, 1, (int)(end - now_ms())) <= 0)
			continue;
		sl = sizeof(ss);
		if ((n = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&ss,
		    &sl)) == -1 ||
		    addr_from_sockaddr(&from, &fport, (struct sockaddr *)&ss) ==
		    -1 || !addr_equal(&from, dst))
			continue;
		off = 0;
		if (o->raw) {
			if ((off = raw_match(o, b, (size_t)n, dst->family,
			    dport)) == -1)
				continue;
			fport = dport;
		}
		/* An association's own packets share the ports: -V sorts. */
		if (o->want_vtag && ((size_t)n < (size_t)off + 12 ||
		    get32(b + off + 4) != o->vtag))
			continue;
		print_reply(&from, fport, (uint16_t)o->srcport, b + off,
		    (size_t)n - (size_t)off);
		return 0;
	}
	printf("no reply within %d s\n", o->reply_secs);
	return 3;
}

/* Parse the options into o; returns the index of the first operand. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	while ((ch = getopt(argc, argv, "c:NPp:r:s:RV:Z")) != -1) {
		switch (ch) {
		case 'c': o->count = strtoul(optarg, NULL, 0); break;
		case 'p': o->srcport = atoi(optarg); break;
		case 'r': o->reply_secs = atoi(optarg); break;
		case 's': o->srcaddr = optarg; break;
		case 'N': o->native = 1; break;
		case 'R': o->raw = 1; break;
		case 'V':
			o->want_vtag = 1;
			o->vtag = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'Z': o->zero_csum = 1; break;
		case 'P': o->partial_csum = 1; break;
		default: usage();
		}
	}
	if ((o->zero_csum || o->partial_csum) && !o->raw)
		usage();
	if (o->native && (o->raw || o->reply_secs > 0))
		usage();
	return optind;
}

/* Build the packet, send it count times, maybe wait for the answer. */
int
main(int argc, char **argv)
{
	struct sockaddr_storage	 ss;
	struct opts		 o;
	struct ipaddr		 dst, src;
	socklen_t		 sl;
	unsigned long		 i;
	uint16_t		 dport;
	int			 fd;

	argv += parse_opts(argc, argv, &o);
	argc -= optind;
	if (argc < 3 || addr_pton(argv[0], &dst) == -1)
		usage();
	dport = (uint16_t)atoi(argv[1]);
	if (o.srcaddr != NULL ? addr_pton(o.srcaddr, &src) == -1 ||
	    src.family != dst.family : source_for(&dst, &src) == -1) {
		fprintf(stderr, "sctp_craft: no source address\n");
		return 1;
	}
	craft(argv[2], argc - 3, argv + 3);
	if (o.raw)
		raw_wrap(&o, &src, &dst, dport);
	if ((fd = open_socket(&o, &src)) == -1) {
		perror("sctp_craft: socket/bind");
		return 1;
	}
	sl = addr_to_sockaddr(&dst, o.raw || o.native ? 0 : dport, &ss);
	for (i = 0; i < o.count; i++)
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, sl) == -1) {
			perror("sctp_craft: sendto");
			return 1;
		}
	return o.reply_secs > 0 ? wait_reply(&o, fd, &dst, dport) : 0;
}
