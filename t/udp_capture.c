/*
 * udp_capture: keeps copies of UDP datagrams as they arrive on an
 * interface, for the scenario tests that replay, tamper with or truncate
 * real DTLS records (a packet socket sees them before the stack does, and
 * takes nothing away from it).
 *
 *	udp_capture [-t secs] [-k type] ifname port count prefix
 *
 * Writes the UDP payload of the first count datagrams that arrive (not
 * those leaving) to port (IPv4 or
 * IPv6, not fragments) to prefix.1, prefix.2, ...  With -k, only those
 * whose first payload byte is type (23: DTLS application data).  Gives up
 * after -t seconds (default 10).  Exit status: 0 when count were written,
 * 3 on timeout, 1 on error.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Where the UDP payload of an IP packet to port starts; -1 if none. */
static int
udp_payload(const unsigned char *p, size_t n, unsigned int port, size_t *len)
{
	size_t	hl;

	if (n >= 20 && (p[0] >> 4) == 4) {
		hl = (size_t)(p[0] & 0x0f) * 4;
		/* Protocol UDP, not a fragment (MF clear, offset 0). */
		if (hl < 20 || p[9] != 17 || (p[6] & 0x3f) != 0 || p[7] != 0)
			return -1;
	} else if (n >= 40 && (p[0] >> 4) == 6) {
		hl = 40;
		if (p[6] != 17)
			return -1;
	} else
		return -1;
	if (n < hl + 8 || (unsigned int)(p[hl + 2] << 8 | p[hl + 3]) != port)
		return -1;
	*len = n - hl - 8;
	return (int)(hl + 8);
}

int
main(int argc, char **argv)
{
	struct sockaddr_ll	 sll, from;
	socklen_t		 fromlen;
	struct pollfd		 pfd;
	unsigned char		 buf[70000];
	char			 path[4096];
	long long		 deadline;
	long			 secs = 10, type = -1, count, got = 0;
	unsigned int		 port;
	size_t			 len;
	ssize_t			 n;
	FILE			*fp;
	int			 ch, fd, off;

	while ((ch = getopt(argc, argv, "k:t:")) != -1) {
		switch (ch) {
		case 'k': type = strtol(optarg, NULL, 0); break;
		case 't': secs = strtol(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 4)
		goto usage;
	port = (unsigned int)strtoul(argv[1], NULL, 0);
	count = strtol(argv[2], NULL, 0);
	if ((fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL))) == -1) {
		perror("udp_capture: socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	if ((sll.sll_ifindex = (int)if_nametoindex(argv[0])) == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		perror("udp_capture: bind");
		return 1;
	}
	deadline = now_ms() + secs * 1000;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < count && now_ms() < deadline) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		fromlen = sizeof(from);
		if ((n = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen)) <= 0 ||
		    from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((off = udp_payload(buf, (size_t)n, port, &len)) == -1 ||
		    (type != -1 && (len == 0 || buf[off] != type)))
			continue;
		snprintf(path, sizeof(path), "%s.%ld", argv[3], ++got);
		if ((fp = fopen(path, "wb")) == NULL ||
		    fwrite(buf + off, 1, len, fp) != len || fclose(fp) != 0) {
			perror(path);
			return 1;
		}
	}
	return got == count ? 0 : 3;
usage:
	fprintf(stderr, "usage: udp_capture [-t secs] [-k type] ifname port "
	    "count prefix\n");
	return 1;
}
