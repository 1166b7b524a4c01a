/*
 * gen: sockets, namespaces, clock and byte order for the benchmarks'
 * packet generators.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define GEN_SOCKBUF	(8 << 20)

/* Fatal set-up error. */
void
gen_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
	    strerror(errno));
	exit(1);
}

/* An IPv4 socket address. */
int
gen_addr(struct sockaddr_in *sin, const char *s, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return inet_pton(AF_INET, s, &sin->sin_addr) == 1 ? 0 : -1;
}

/* Bind fd to sin and give it a large receive buffer. */
static void
gen_bind(int fd, const struct sockaddr_in *sin, const char *what)
{
	int	big = GEN_SOCKBUF;

	if (bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) == -1)
		gen_die(what);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
}

/* The raw socket of the local endpoints. */
int
gen_raw(const struct sockaddr_in *local)
{
	int	fd;

	if ((fd = socket(AF_INET, SOCK_RAW, 132)) == -1)
		gen_die("raw socket");
	gen_bind(fd, local, "bind of the raw socket");
	return fd;
}

/* Enter the peer's namespace. */
void
gen_enter(const char *path)
{
	int	fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		gen_die(path);
	if (setns(fd, CLONE_NEWNET) == -1)
		gen_die("setns");
	close(fd);
}

/* A UDP socket of a peer. */
int
gen_udp(const struct sockaddr_in *addr, uint16_t port)
{
	struct sockaddr_in	 sin = *addr;
	int			 fd;

	sin.sin_port = htons(port);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		gen_die("UDP socket");
	gen_bind(fd, &sin, "bind of a UDP socket");
	return fd;
}

/* Milliseconds, monotonic. */
int64_t
gen_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
gen_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
gen_put32(uint8_t *p, uint32_t v)
{
	gen_put16(p, v >> 16);
	gen_put16(p + 2, v);
}
