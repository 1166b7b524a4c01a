/*
 * gen: what the benchmarks' packet generators (pktgen, soakgen) share.
 * Each starts in sctptund's namespace X with a raw IPPROTO 132 socket
 * there (the local SCTP endpoints), then enters the peer's namespace Y
 * for its UDP sockets.  Failing to set up is fatal: they are tools.
 */
#ifndef SCTPTUN_GEN_H
#define SCTPTUN_GEN_H

#include <netinet/in.h>
#include <stdint.h>

/* Print "program: what: errno text" and exit 1. */
void	gen_die(const char *what) __attribute__((noreturn));
/* An IPv4 socket address; -1 if s is not an IPv4 address. */
int	gen_addr(struct sockaddr_in *, const char *s, uint16_t port);
/* A raw IPPROTO 132 socket bound to local, with a large buffer. */
int	gen_raw(const struct sockaddr_in *local);
/* Move this process into the network namespace at path. */
void	gen_enter(const char *path);
/* A UDP socket bound to addr at port, with a large buffer. */
int	gen_udp(const struct sockaddr_in *addr, uint16_t port);
/* Milliseconds, monotonic. */
int64_t	gen_ms(void);
/* Store v big-endian at p. */
void	gen_put16(uint8_t *p, uint32_t v);
void	gen_put32(uint8_t *p, uint32_t v);

#endif
