/*
 * dtlsbench: what DTLS costs sctptund per packet, on this host's CPU (not
 * under emulation): two DTLS engines (proxy/dtls.c) in one process, each
 * with the configuration file given, send SCTP-sized packets to each other
 * through an in-process queue.  The CPU time of the whole exchange, divided
 * by the packets, is the cost of one packet: encrypted by one engine and
 * decrypted by the other, with the engines' bookkeeping; the queue's copy
 * is counted too (so this is an upper bound).
 *
 *	dtlsbench A.conf B.conf count size
 *
 * Prints "cipher CIPHER size N: X ns per packet (encrypt + decrypt), Y
 * packets/s on one core, overhead Z bytes per record".  Exit status 1 if
 * the session does not come up or packets go missing.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "dtls.h"
#include "log.h"

#define DB_QUEUE	256
#define DB_DGRAM	(DTLS_PACKET_MAX + 256)

/* A datagram between the two engines. */
struct db_dgram {
	int		 to;		/* 0: A, 1: B */
	size_t		 len;
	uint8_t		 buf[DB_DGRAM];
};

struct db {
	struct event_base	*base;
	struct config		*conf[2];
	struct dtls		*dtls[2];
	struct ipaddr		 addr[2];
	struct db_dgram		*q;		/* a ring */
	unsigned int		 head, count;
	uint64_t		 delivered, wire_bytes, sent_bytes;
	const char		*cipher;
};

static struct db	db;

/* The engines' ops: queue, count, remember the cipher. */
static int
db_send(void *arg, const struct ipaddr *local, const struct ipaddr *remote,
    uint16_t port, const uint8_t *dgram, size_t len, uint8_t tos,
    const uint8_t *inner, size_t inner_len)
{
	struct db_dgram	*d;
	int		 from = (int)(intptr_t)arg;

	if (db.count == DB_QUEUE || len > DB_DGRAM)
		return -1;
	d = &db.q[(db.head + db.count++) % DB_QUEUE];
	d->to = !from;
	d->len = len;
	memcpy(d->buf, dgram, len);
	if (inner != NULL) {
		db.wire_bytes += len;
		db.sent_bytes += inner_len;
	}
	return 0;
}

static void
db_deliver(void *arg, int peer, const struct ipaddr *local,
    const struct ipaddr *remote, uint16_t port, uint8_t *pkt, size_t len,
    uint8_t tos)
{
	db.delivered++;
}

static void
db_event(void *arg, const struct dtls_event *e)
{
	if (e->kind == DTLS_EV_UP || e->kind == DTLS_EV_REKEYED)
		db.cipher = e->cipher;
}

static const struct dtls_ops db_ops = { db_send, db_deliver, db_event };

/* Hand the queued datagrams to their engines; run the timers. */
static void
db_pump(void)
{
	struct db_dgram	*d;

	while (db.count > 0) {
		d = &db.q[db.head];
		db.head = (db.head + 1) % DB_QUEUE;
		db.count--;
		dtls_ingress(db.dtls[d->to], 0, &db.addr[d->to],
		    &db.addr[!d->to], 9900, d->buf, d->len, 0);
	}
	event_base_loop(db.base, EVLOOP_NONBLOCK);
}

/* CPU time of this process, in nanoseconds. */
static uint64_t
db_cpu_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* Start both engines and bring the session up with one packet. */
static int
db_start(const char *a, const char *b)
{
	uint8_t	 pkt[64];
	char	*cause;
	int	 i, n;

	db.base = event_base_new();
	db.q = calloc(DB_QUEUE, sizeof(*db.q));
	addr_pton("192.0.2.1", &db.addr[0]);
	addr_pton("192.0.2.2", &db.addr[1]);
	for (i = 0; i < 2; i++)
		if ((db.conf[i] = config_load(i ? b : a, &cause)) == NULL ||
		    (db.dtls[i] = dtls_create(db.base, db.conf[i], &db_ops,
		    (void *)(intptr_t)i, &cause)) == NULL) {
			fprintf(stderr, "dtlsbench: %s\n", cause);
			return -1;
		}
	memset(pkt, 0x5a, sizeof(pkt));
	dtls_egress(db.dtls[0], 0, &db.addr[0], &db.addr[1], 9900, pkt,
	    sizeof(pkt), 0);
	for (n = 0; n < 2000 && db.delivered == 0; n++)
		db_pump();
	return db.delivered == 1 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	uint8_t		*pkt;
	uint64_t	 t0, ns, count, i;
	size_t		 size;

	if (argc != 5) {
		fprintf(stderr, "usage: dtlsbench A.conf B.conf count size\n");
		return 2;
	}
	log_init(1, LOG_WARNING, "dtlsbench");
	count = strtoull(argv[3], NULL, 10);
	size = strtoul(argv[4], NULL, 10);
	if (size < 16 || size > DTLS_PACKET_MAX || count == 0 ||
	    (pkt = malloc(size)) == NULL)
		return 2;
	memset(pkt, 0xa5, size);
	if (db_start(argv[1], argv[2]) == -1) {
		fprintf(stderr, "dtlsbench: no session came up\n");
		return 1;
	}
	db.delivered = db.wire_bytes = db.sent_bytes = 0;
	t0 = db_cpu_ns();
	for (i = 0; i < count; i++) {
		dtls_egress(db.dtls[i & 1], 0, &db.addr[i & 1],
		    &db.addr[!(i & 1)], 9900, pkt, size, 0);
		db_pump();
	}
	ns = db_cpu_ns() - t0;
	if (db.delivered != count) {
		fprintf(stderr, "dtlsbench: %" PRIu64 " of %" PRIu64
		    " packets arrived\n", db.delivered, count);
		return 1;
	}
	printf("cipher %s size %zu: %.0f ns per packet (encrypt + decrypt), "
	    "%.0f packets/s on one core, overhead %.0f bytes per record\n",
	    db.cipher, size, (double)ns / count, count * 1e9 / ns,
	    (double)(db.wire_bytes - db.sent_bytes) / count);
	return 0;
}
