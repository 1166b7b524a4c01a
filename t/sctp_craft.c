/*
 * sctp_craft: sends hand-made SCTP-over-UDP datagrams, good and bad, for the
 * scenario tests (bad input, verification, INIT from a new port).
 *
 *	sctp_craft [-c count] [-p srcport] dstaddr dstport kind [args]
 *
 * kinds:	short N				N zero bytes (N < 12)
 *		garbage N			N pseudo-random bytes
 *		data SPORT DPORT VTAG [badcrc]	a DATA chunk
 *		init SPORT DPORT INITTAG	an INIT
 *		abort SPORT DPORT VTAG [t]	an ABORT, T bit if "t"
 *		badchunk SPORT DPORT VTAG	a chunk whose length overruns
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "crc32c.h"
#include "sctp.h"

static uint8_t	 pkt[2048];
static size_t	 len;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: sctp_craft [-c count] [-p srcport] dstaddr "
	    "dstport short|garbage|data|init|abort|badchunk ...\n");
	exit(2);
}

static void
put16(size_t off, uint32_t v)
{
	uint16_t n = htons((uint16_t)v);

	memcpy(pkt + off, &n, 2);
}

static void
put32(size_t off, uint32_t v)
{
	uint32_t n = htonl(v);

	memcpy(pkt + off, &n, 4);
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

/* Build the packet of a kind; its arguments follow in av. */
static void
craft(const char *kind, int ac, char **av)
{
	size_t	 i;

	if (strcmp(kind, "short") == 0 || strcmp(kind, "garbage") == 0) {
		if (ac < 1)
			usage();
		len = strtoul(av[0], NULL, 0);
		if (len > sizeof(pkt))
			usage();
		srandom(1);
		for (i = 0; i < len; i++)
			pkt[i] = kind[0] == 's' ? 0 : (uint8_t)random();
		return;
	}
	if (ac < 3)
		usage();
	if (strcmp(kind, "data") == 0) {
		craft_header(av, SCTP_DATA, 3, 16 + 4);
		put32(16, 0x7fffffff);	/* TSN far from any window */
	} else if (strcmp(kind, "init") == 0) {
		craft_header(av, SCTP_INIT, 0, 20);
		put32(16, (uint32_t)strtoul(av[2], NULL, 0));
		put32(4, 0);
		put32(20, 65536);
		put16(24, 10);
		put16(26, 10);
		put32(28, 1);
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
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage	 ss, local;
	struct ipaddr		 dst;
	unsigned long		 count = 1, i;
	int			 ch, fd, srcport = 0;

	while ((ch = getopt(argc, argv, "c:p:")) != -1) {
		switch (ch) {
		case 'c': count = strtoul(optarg, NULL, 0); break;
		case 'p': srcport = atoi(optarg); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || addr_pton(argv[0], &dst) == -1)
		usage();
	craft(argv[2], argc - 3, argv + 3);
	fd = socket(dst.family, SOCK_DGRAM, 0);
	memset(&local, 0, sizeof(local));
	local.ss_family = dst.family;
	if (dst.family == AF_INET)
		((struct sockaddr_in *)&local)->sin_port = htons(srcport);
	else
		((struct sockaddr_in6 *)&local)->sin6_port = htons(srcport);
	if (fd == -1 || bind(fd, (struct sockaddr *)&local,
	    dst.family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6)) == -1) {
		perror("sctp_craft: socket/bind");
		return 1;
	}
	for (i = 0; i < count; i++)
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&ss,
		    addr_to_sockaddr(&dst, (uint16_t)atoi(argv[1]), &ss)) ==
		    -1) {
			perror("sctp_craft: sendto");
			return 1;
		}
	return 0;
}
