/*
 * soakgen: the traffic of the soak benchmark (t/bench/soak.bash).  Many
 * associations come up, carry data, move their UDP port (a NAT
 * rebinding) and end: ABORT from either side, SHUTDOWN, or silence until
 * sctptund expires them.  A set of long-lived ones carries data all along
 * and rebinds now and then.  A hostile sender sprays malformed datagrams,
 * INIT floods and wrong tags at the same time.
 *
 *	soakgen -y /run/netns/Y -l local -p peer [-t seconds] [-n assocs]
 *	    [-L long-lived] [-H hostile/s] [-u port] [-s status] [-o file]
 *
 * Like pktgen it starts in sctptund's namespace X with a raw IPPROTO 132
 * socket there (the local endpoints), then enters Y for its UDP sockets
 * (the peers): SG_POOL "NAT bindings" the associations answer from, the
 * first being sctptund's configured remote port, and SG_HOSTILE for the
 * hostile sender.  Each step of a handshake waits until sctptund has
 * passed the one before it to the other side, so the tracker sees them in
 * order; so does traffic after a rebinding.  What it checks, and counts:
 *
 *   misdirected  an egress packet reached another pool port than the one
 *                its association answered from last;
 *   hijacked     an egress packet of an association reached a hostile
 *                socket: a packet that did not verify moved its port;
 *   untracked    an egress packet of an association after its INIT
 *                reached the configured port: sctptund has no entry for
 *                it.  That is how the INIT flood shows when it pushed an
 *                embryonic entry out (by design: the oldest setup goes)
 *                before the COOKIE-ACK, which sctptund then delivers as
 *                out of the blue.  Counted once per association; the
 *                soak checks that no more associations were untracked
 *                than sctptund failed to establish.
 *
 * A handshake step not seen within SG_STEP_MS fails (counted by the
 * step); max_stall_ms says how long the generator itself was held up,
 * which makes steps late through no fault of sctptund's.
 *
 * Every second the counters go to the status file (-s), "name=value"
 * lines; at the end, the long-lived associations to -o, one per line:
 * "ltag ptag udp_port sent_out seen_out sent_in seen_in".
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

#define SG_POOL		32		/* UDP sockets of the peers */
#define SG_HOSTILE	4		/* UDP sockets of the hostile sender */
#define SG_POOL_BASE	40000		/* ports of pool[1..] */
#define SG_HOSTILE_BASE	50000
#define SG_LTAG(i)	(0x10000000u + (uint32_t)(i))
#define SG_PTAG(i)	(0x20000000u + (uint32_t)(i))
#define SG_TAG_INDEX	0x0fffffffu
#define SG_STEP_MS	3000		/* a step not seen by then: failed */
#define SG_ROUND_MS	250		/* between data rounds */
#define SG_LONG_MS	1000		/* between long-lived rounds */
#define SG_LONG_REBIND	60		/* a long-lived rebinds once in that
					   many rounds */
#define SG_DRAIN_MS	5000		/* after the end: what is in flight */

enum sg_state {
	SG_IDLE,
	SG_INIT,		/* INIT sent out, waiting for it at the peer */
	SG_INIT_ACK,		/* INIT-ACK sent in, waiting for it locally */
	SG_ECHO,		/* COOKIE-ECHO sent out */
	SG_ACK,			/* COOKIE-ACK sent in */
	SG_UP,			/* established: rounds of data */
	SG_REBIND,		/* HEARTBEAT sent in from a new port */
	SG_DONE,
	SG_FAILED,
};

enum sg_fate {
	SG_ABORT_OUT,		/* the local endpoint aborts */
	SG_ABORT_IN,		/* the peer aborts, T bit, its own tag */
	SG_SHUTDOWN,		/* SHUTDOWN, SHUTDOWN-ACK, SHUTDOWN-COMPLETE */
	SG_EXPIRE,		/* falls silent: sctptund expires it */
	SG_NFATES
};

enum sg_hostile_kind {
	SG_H_SHORT,		/* shorter than a common header */
	SG_H_BAD_CRC,		/* a long-lived's DATA, CRC wrong */
	SG_H_BAD_CHUNK,		/* chunk length past the packet */
	SG_H_BUNDLE,		/* INIT bundled with DATA */
	SG_H_GARBAGE,		/* random bytes */
	SG_H_INIT_FLOOD,	/* INIT, random ports and tag */
	SG_H_INIT_PORT,		/* INIT for a long-lived's ports */
	SG_H_WRONG_TAG,		/* a long-lived's DATA with a wrong tag */
	SG_H_NKINDS
};

static const char *const sg_hostile_names[SG_H_NKINDS] = {
	"short", "bad_crc", "bad_chunk", "bundle", "garbage", "init_flood",
	"init_port", "wrong_tag"
};
static const char *const sg_fate_names[SG_NFATES] = {
	"abort_out", "abort_in", "shutdown", "expire"
};
/* The step a failed association was waiting for. */
static const char *const sg_step_names[SG_FAILED] = {
	"idle", "init", "init_ack", "cookie_echo", "cookie_ack", "up", "rebind",
	"done"
};

struct sg_assoc {
	uint8_t		 state;		/* enum sg_state */
	uint8_t		 fate;		/* enum sg_fate */
	uint8_t		 sock;		/* pool index it answers from */
	uint8_t		 rounds;	/* data rounds left */
	uint8_t		 untracked;	/* seen at the configured port */
	uint16_t	 lport, pport;
	uint32_t	 tsn;		/* of the next DATA, either way */
	uint32_t	 fresh_tsn;	/* DATA from here on left after the
					   last rebinding: to the new port */
	int64_t		 due;		/* ms: next round, or step deadline */
	uint32_t	 sent_out, seen_out, sent_in, seen_in;
};

struct sg_counts {
	uint64_t	 started, established, failed, rebinds, rebound;
	uint64_t	 ended[SG_NFATES];
	uint64_t	 data_out, data_out_seen, data_in, data_in_seen;
	uint64_t	 failed_step[SG_FAILED];	/* by the step */
	uint64_t	 misdirected, hijacked, untracked, send_errors, stray;
	uint64_t	 max_stall_ms;
	uint64_t	 hostile[SG_H_NKINDS], hostile_sent, hostile_answers;
};

struct sg {
	int			 raw;
	int			 pool[SG_POOL];
	int			 hostile[SG_HOSTILE];
	uint16_t		 pool_port[SG_POOL];
	struct sockaddr_in	 local, peer, x_udp;
	struct sg_assoc		*a;
	uint32_t		 n, nlong;
	uint32_t		*active;	/* short-lived in progress */
	uint32_t		 nactive;
	uint64_t		 rng;
	int64_t			 start, now;
	struct sg_counts	 c;
	uint8_t			 pkt[2048];
	uint8_t			 rbuf[65536];
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: soakgen -y netns-path -l local -p peer "
	    "[-t seconds] [-n assocs] [-L long-lived] [-H hostile/s] "
	    "[-u port] [-s status] [-o file]\n");
	exit(2);
}

/* xorshift64: cheap and reproducible randomness. */
static uint32_t
sg_rand(struct sg *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return (uint32_t)(g->rng >> 32);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * A packet of one chunk with vlen zero bytes of value into p: INIT and
 * INIT-ACK get their fixed part with itag.  Returns the length; the
 * checksum is the caller's.
 */
static size_t
sg_chunk(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t vtag,
    uint8_t type, uint8_t flags, size_t vlen, uint32_t itag)
{
	size_t	 len = 12 + ((4 + vlen + 3) & ~(size_t)3);

	memset(p, 0, len);
	gen_put16(p, sport);
	gen_put16(p + 2, dport);
	gen_put32(p + 4, vtag);
	p[12] = type;
	p[13] = flags;
	gen_put16(p + 14, (uint32_t)(4 + vlen));
	if (type == SCTP_INIT || type == SCTP_INIT_ACK) {
		gen_put32(p + 16, itag);
		gen_put32(p + 20, 65536);
		gen_put16(p + 24, 10);
		gen_put16(p + 26, 10);
		gen_put32(p + 28, 1);
	}
	return len;
}

/* The value length of each chunk type this sends. */
static size_t
sg_vlen(uint8_t type)
{
	switch (type) {
	case SCTP_INIT:
	case SCTP_INIT_ACK:
		return 16;
	case SCTP_DATA:
		return 12 + 16;
	case SCTP_SHUTDOWN:
		return 4;
	case SCTP_COOKIE_ECHO:
	case SCTP_HEARTBEAT:
		return 8;
	default:
		return 0;
	}
}

/* Send len bytes of g->pkt out of the TUN side (raw) or in from fd. */
static void
sg_send(struct sg *g, int fd, size_t len)
{
	ssize_t	 n;

	if (fd == g->raw)
		n = sendto(fd, g->pkt, len, 0, (struct sockaddr *)&g->peer,
		    sizeof(g->peer));
	else
		n = sendto(fd, g->pkt, len, 0, (struct sockaddr *)&g->x_udp,
		    sizeof(g->x_udp));
	if (n != (ssize_t)len)
		g->c.send_errors++;
}

/*
 * A chunk of association i: out (local -> peer, from the raw socket, the
 * peer's tag) or in (peer -> local, from its pool socket, the local tag;
 * the peer's own for a T-bit ABORT).
 */
static void
sg_assoc_send(struct sg *g, uint32_t i, int out, uint8_t type, uint8_t flags)
{
	struct sg_assoc	*a = &g->a[i];
	uint32_t	 vtag, itag;
	size_t		 len;

	if (type == SCTP_INIT)
		vtag = 0;
	else if (out || (type == SCTP_ABORT && (flags & SCTP_FLAG_T)))
		vtag = SG_PTAG(i);
	else
		vtag = SG_LTAG(i);
	itag = out ? SG_LTAG(i) : SG_PTAG(i);
	len = sg_chunk(g->pkt, out ? a->lport : a->pport,
	    out ? a->pport : a->lport, vtag, type, flags, sg_vlen(type), itag);
	if (type == SCTP_DATA)
		gen_put32(g->pkt + 16, a->tsn++);
	sctp_checksum_set(g->pkt, len);
	sg_send(g, out ? g->raw : g->pool[a->sock], len);
}

/* Start association i with the local endpoint's INIT. */
static void
sg_start(struct sg *g, uint32_t i)
{
	struct sg_assoc	*a = &g->a[i];

	a->state = SG_INIT;
	a->due = g->now + SG_STEP_MS;
	sg_assoc_send(g, i, 1, SCTP_INIT, 0);
	g->c.started++;
}

/* One data round of association i: a DATA chunk each way. */
static void
sg_round(struct sg *g, uint32_t i)
{
	sg_assoc_send(g, i, 1, SCTP_DATA, 3);
	sg_assoc_send(g, i, 0, SCTP_DATA, 3);
	g->a[i].sent_out++;
	g->a[i].sent_in++;
	g->c.data_out++;
	g->c.data_in++;
}

/* The peer of i moves to another pool port: a verified HEARTBEAT. */
static void
sg_rebind(struct sg *g, uint32_t i)
{
	struct sg_assoc	*a = &g->a[i];

	a->sock = (uint8_t)(1 + (a->sock + sg_rand(g) % (SG_POOL - 2)) %
	    (SG_POOL - 1));
	a->state = SG_REBIND;
	a->fresh_tsn = UINT32_MAX;
	a->due = g->now + SG_STEP_MS;
	sg_assoc_send(g, i, 0, SCTP_HEARTBEAT, 0);
	g->c.rebinds++;
}

/* The end association i was given. */
static void
sg_end(struct sg *g, uint32_t i)
{
	struct sg_assoc	*a = &g->a[i];

	switch (a->fate) {
	case SG_ABORT_OUT:
		sg_assoc_send(g, i, 1, SCTP_ABORT, 0);
		break;
	case SG_ABORT_IN:
		sg_assoc_send(g, i, 0, SCTP_ABORT, SCTP_FLAG_T);
		break;
	case SG_SHUTDOWN:
		sg_assoc_send(g, i, 1, SCTP_SHUTDOWN, 0);
		sg_assoc_send(g, i, 0, SCTP_SHUTDOWN_ACK, 0);
		sg_assoc_send(g, i, 1, SCTP_SHUTDOWN_COMPLETE, 0);
		break;
	}
	g->c.ended[a->fate]++;
	a->state = SG_DONE;
}

/* The association a packet's tags name, or -1 (not ours). */
static int64_t
sg_index(const struct sg *g, const uint8_t *p, size_t len)
{
	uint32_t	 tag;

	if (len < 16)
		return -1;
	tag = get32(p + 4);
	if (tag == 0 && p[12] == SCTP_INIT && len >= 20)
		tag = get32(p + 16);
	if ((tag & ~SG_TAG_INDEX) != SG_LTAG(0) &&
	    (tag & ~SG_TAG_INDEX) != SG_PTAG(0))
		return -1;
	if ((tag & SG_TAG_INDEX) >= g->n)
		return -1;
	return tag & SG_TAG_INDEX;
}

/*
 * An egress packet reached pool socket k (or hostile socket -1 - k): check
 * where it went and take the next step.  Until the first INIT-ACK the
 * association has no port: pool[0] is the configured one.  DATA sent
 * before a rebinding took effect may still reach the old port.
 */
static void
sg_egress_seen(struct sg *g, int k, const uint8_t *p, size_t len)
{
	struct sg_assoc	*a;
	int64_t		 i;

	if ((i = sg_index(g, p, len)) == -1) {
		g->c.stray++;
		return;
	}
	a = &g->a[i];
	if (k < 0) {
		g->c.hijacked++;
		return;
	}
	if (k == (p[12] == SCTP_INIT ? 0 : a->sock) ||
	    (p[12] == SCTP_DATA && len >= 20 && get32(p + 16) < a->fresh_tsn))
		;
	else if (k == 0) {
		if (!a->untracked)
			g->c.untracked++;
		a->untracked = 1;
	} else
		g->c.misdirected++;
	if (p[12] == SCTP_INIT && a->state == SG_INIT) {
		a->state = SG_INIT_ACK;
		a->due = g->now + SG_STEP_MS;
		sg_assoc_send(g, (uint32_t)i, 0, SCTP_INIT_ACK, 0);
	} else if (p[12] == SCTP_COOKIE_ECHO && a->state == SG_ECHO) {
		a->state = SG_ACK;
		a->due = g->now + SG_STEP_MS;
		sg_assoc_send(g, (uint32_t)i, 0, SCTP_COOKIE_ACK, 0);
	} else if (p[12] == SCTP_DATA) {
		a->seen_out++;
		g->c.data_out_seen++;
	}
}

/* Association i is up (established, or rebound): rounds go on. */
static void
sg_up(struct sg *g, uint32_t i)
{
	struct sg_assoc	*a = &g->a[i];

	a->state = SG_UP;
	a->due = g->now + (i < g->nlong ? SG_LONG_MS : SG_ROUND_MS);
}

/* An ingress packet sctptund wrote to the TUN: the next step. */
static void
sg_ingress_seen(struct sg *g, const uint8_t *ip, size_t len)
{
	struct sg_assoc	*a;
	const uint8_t	*p;
	size_t		 hl;
	int64_t		 i;

	if (len < 20 || ip[9] != 132)
		return;
	hl = (size_t)(ip[0] & 15) * 4;
	if (hl < 20 || hl > len)
		return;
	p = ip + hl;
	len -= hl;
	if ((i = sg_index(g, p, len)) == -1) {
		g->c.stray++;
		return;
	}
	a = &g->a[i];
	if (p[12] == SCTP_INIT_ACK && a->state == SG_INIT_ACK) {
		a->state = SG_ECHO;
		a->due = g->now + SG_STEP_MS;
		sg_assoc_send(g, (uint32_t)i, 1, SCTP_COOKIE_ECHO, 0);
	} else if (p[12] == SCTP_COOKIE_ACK && a->state == SG_ACK) {
		sg_up(g, (uint32_t)i);
		g->c.established++;
	} else if (p[12] == SCTP_HEARTBEAT && a->state == SG_REBIND) {
		sg_up(g, (uint32_t)i);
		a->fresh_tsn = a->tsn;
		g->c.rebound++;
	} else if (p[12] == SCTP_DATA) {
		a->seen_in++;
		g->c.data_in_seen++;
	}
}

/*
 * Read what is waiting on fd (a bounded lot: what came during a stall
 * must be read before the timers run); k as for sg_egress_seen.
 */
static void
sg_drain(struct sg *g, int fd, int k)
{
	ssize_t	 n;
	int	 b;

	for (b = 0; b < 4096; b++) {
		if ((n = recv(fd, g->rbuf, sizeof(g->rbuf), MSG_DONTWAIT)) <= 0)
			return;
		if (fd == g->raw)
			sg_ingress_seen(g, g->rbuf, (size_t)n);
		else if (k < 0 && sg_index(g, g->rbuf, (size_t)n) == -1)
			g->c.hostile_answers++;
		else
			sg_egress_seen(g, k, g->rbuf, (size_t)n);
	}
}

/* Decide how short-lived association i lives and ends. */
static void
sg_plan(struct sg *g, uint32_t i)
{
	static const uint8_t	 weights[SG_NFATES] = { 3, 2, 2, 3 };
	struct sg_assoc		*a = &g->a[i];
	uint32_t		 r = sg_rand(g) % 10;
	int			 f;

	a->lport = (uint16_t)(10000 + i % 40000);
	a->pport = (uint16_t)(60000 + i % 5000);
	a->sock = (uint8_t)(1 + i % (SG_POOL - 1));
	a->rounds = (uint8_t)(2 + sg_rand(g) % 3);
	a->tsn = 1;
	for (f = 0; f < SG_NFATES - 1 && r >= weights[f]; f++)
		r -= weights[f];
	a->fate = (uint8_t)f;
}

/* A step of association i was not seen in time. */
static void
sg_fail(struct sg *g, uint32_t i)
{
	g->c.failed_step[g->a[i].state]++;
	g->c.failed++;
	g->a[i].state = SG_FAILED;
}

/* Time for short-lived association i: its next round, or it failed. */
static void
sg_short_due(struct sg *g, uint32_t i)
{
	struct sg_assoc	*a = &g->a[i];

	if (a->state != SG_UP) {
		sg_fail(g, i);
		return;
	}
	a->due = g->now + SG_ROUND_MS;
	if (a->rounds == 0) {
		sg_end(g, i);
		return;
	}
	/* Half of them move once, before their last round. */
	if (--a->rounds == 1 && (sg_rand(g) & 1))
		sg_rebind(g, i);
	else
		sg_round(g, i);
}

/* Time for long-lived association i: a round, or now and then a rebind. */
static void
sg_long_due(struct sg *g, uint32_t i)
{
	struct sg_assoc	*a = &g->a[i];

	if (a->state != SG_UP) {
		sg_fail(g, i);
		return;
	}
	a->due = g->now + SG_LONG_MS;
	if (sg_rand(g) % SG_LONG_REBIND == 0)
		sg_rebind(g, i);
	else
		sg_round(g, i);
}

/* Run the timers of the associations in progress. */
static void
sg_timers(struct sg *g)
{
	uint32_t	 k, i;

	for (i = 0; i < g->nlong; i++)
		if (g->a[i].state != SG_IDLE && g->a[i].state != SG_FAILED &&
		    g->a[i].due <= g->now)
			sg_long_due(g, i);
	for (k = 0; k < g->nactive; ) {
		i = g->active[k];
		if (g->a[i].due <= g->now)
			sg_short_due(g, i);
		if (g->a[i].state == SG_DONE || g->a[i].state == SG_FAILED)
			g->active[k] = g->active[--g->nactive];
		else
			k++;
	}
}

/* A hostile datagram of a random kind, from a hostile socket. */
static void
sg_hostile(struct sg *g)
{
	uint32_t	 kind = sg_rand(g) % SG_H_NKINDS, i, r = sg_rand(g);
	uint32_t	 wrong = 0x30000000u | (sg_rand(g) & SG_TAG_INDEX);
	size_t		 len, k;
	int		 fd = g->hostile[r % SG_HOSTILE];

	i = g->nlong > 0 ? r % g->nlong : 0;
	switch (kind) {
	case SG_H_SHORT:
		len = 1 + r % 11;
		memset(g->pkt, 0x5a, len);
		break;
	case SG_H_BAD_CRC:
	case SG_H_WRONG_TAG:
		len = sg_chunk(g->pkt, g->a[i].pport, g->a[i].lport,
		    kind == SG_H_BAD_CRC ? SG_LTAG(i) : wrong, SCTP_DATA, 3,
		    sg_vlen(SCTP_DATA), 0);
		sctp_checksum_set(g->pkt, len);
		if (kind == SG_H_BAD_CRC)
			g->pkt[8] ^= 0x01;
		break;
	case SG_H_BAD_CHUNK:
		len = sg_chunk(g->pkt, 1, 2, wrong, SCTP_DATA, 3, 16, 0);
		gen_put16(g->pkt + 14, 400);
		sctp_checksum_set(g->pkt, len);
		break;
	case SG_H_BUNDLE:
		len = sg_chunk(g->pkt, 1, 2, 0, SCTP_INIT, 0, 16, wrong);
		memset(g->pkt + len, 0, 20);
		g->pkt[len] = SCTP_DATA;
		gen_put16(g->pkt + len + 2, 20);
		len += 20;
		sctp_checksum_set(g->pkt, len);
		break;
	case SG_H_INIT_PORT:
		len = sg_chunk(g->pkt, g->a[i].pport, g->a[i].lport, 0,
		    SCTP_INIT, 0, 16, wrong);
		sctp_checksum_set(g->pkt, len);
		break;
	case SG_H_INIT_FLOOD:
		len = sg_chunk(g->pkt, (uint16_t)(1024 + r % 60000),
		    (uint16_t)(1024 + sg_rand(g) % 60000), 0, SCTP_INIT, 0, 16,
		    wrong);
		sctp_checksum_set(g->pkt, len);
		break;
	default:
		len = 12 + r % 300;
		for (k = 0; k < len; k++)
			g->pkt[k] = (uint8_t)sg_rand(g);
		break;
	}
	sg_send(g, fd, len);
	g->c.hostile[kind]++;
	g->c.hostile_sent++;
}

/* Write the counters to path, whole (a temporary file renamed). */
static void
sg_status(const struct sg *g, const char *path)
{
	const struct sg_counts	*c = &g->c;
	const struct {
		const char	*name;
		uint64_t	 value;
	} v[] = {
		{ "started", c->started }, { "established", c->established },
		{ "failed", c->failed }, { "rebinds", c->rebinds },
		{ "rebound", c->rebound }, { "data_out", c->data_out },
		{ "data_out_seen", c->data_out_seen },
		{ "data_in", c->data_in }, { "data_in_seen", c->data_in_seen },
		{ "misdirected", c->misdirected }, { "hijacked", c->hijacked },
		{ "untracked", c->untracked },
		{ "max_stall_ms", c->max_stall_ms },
		{ "send_errors", c->send_errors }, { "stray", c->stray },
		{ "hostile_answers", c->hostile_answers },
	};
	char	 tmp[4096];
	FILE	*fp;
	size_t	 k;

	if (path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL)
		return;
	fprintf(fp, "elapsed=%lld\n", (long long)(g->now - g->start) / 1000);
	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		fprintf(fp, "%s=%llu\n", v[k].name,
		    (unsigned long long)v[k].value);
	for (k = 0; k < SG_NFATES; k++)
		fprintf(fp, "ended_%s=%llu\n", sg_fate_names[k],
		    (unsigned long long)c->ended[k]);
	for (k = 0; k < SG_FAILED; k++)
		if (c->failed_step[k] > 0)
			fprintf(fp, "failed_%s=%llu\n", sg_step_names[k],
			    (unsigned long long)c->failed_step[k]);
	for (k = 0; k < SG_H_NKINDS; k++)
		fprintf(fp, "hostile_%s=%llu\n", sg_hostile_names[k],
		    (unsigned long long)c->hostile[k]);
	if (fclose(fp) == 0)
		(void)rename(tmp, path);
}

/* The long-lived associations, for the end-of-run check. */
static void
sg_report_long(const struct sg *g, const char *path)
{
	const struct sg_assoc	*a;
	FILE			*fp;
	uint32_t		 i;

	if (path == NULL)
		return;
	if ((fp = fopen(path, "w")) == NULL)
		gen_die(path);
	for (i = 0; i < g->nlong; i++) {
		a = &g->a[i];
		fprintf(fp, "%u %u %u %u %u %u %u %s\n", SG_LTAG(i), SG_PTAG(i),
		    g->pool_port[a->sock], a->sent_out, a->seen_out,
		    a->sent_in, a->seen_in, a->state == SG_UP ? "up" :
		    "failed");
	}
	if (fclose(fp) != 0)
		gen_die(path);
}

/* The raw socket here, then the UDP sockets in namespace ypath. */
static void
sg_sockets(struct sg *g, const char *ypath, uint16_t port)
{
	int	 k;

	g->raw = gen_raw(&g->local);
	gen_enter(ypath);
	for (k = 0; k < SG_POOL; k++) {
		g->pool_port[k] = (uint16_t)(k == 0 ? port :
		    SG_POOL_BASE + k);
		g->pool[k] = gen_udp(&g->peer, g->pool_port[k]);
	}
	for (k = 0; k < SG_HOSTILE; k++)
		g->hostile[k] = gen_udp(&g->peer,
		    (uint16_t)(SG_HOSTILE_BASE + k));
}

/* Wait a little for packets and handle what came. */
static void
sg_poll(struct sg *g)
{
	struct pollfd	 pfd[1 + SG_POOL + SG_HOSTILE];
	int		 k, n = 0;

	pfd[n++] = (struct pollfd){ .fd = g->raw, .events = POLLIN };
	for (k = 0; k < SG_POOL; k++)
		pfd[n++] = (struct pollfd){ .fd = g->pool[k],
		    .events = POLLIN };
	for (k = 0; k < SG_HOSTILE; k++)
		pfd[n++] = (struct pollfd){ .fd = g->hostile[k],
		    .events = POLLIN };
	if (poll(pfd, (nfds_t)n, 2) <= 0)
		return;
	g->now = gen_ms();
	for (k = 0; k < SG_POOL; k++)
		if (pfd[1 + k].revents & POLLIN)
			sg_drain(g, g->pool[k], k);
	for (k = 0; k < SG_HOSTILE; k++)
		if (pfd[1 + SG_POOL + k].revents & POLLIN)
			sg_drain(g, g->hostile[k], -1 - k);
	if (pfd[0].revents & POLLIN)
		sg_drain(g, g->raw, 0);
}

/* The long-lived associations first, then the others at an even rate. */
static void
sg_run(struct sg *g, int64_t secs, uint32_t hostile_rate, const char *status)
{
	int64_t		 end = g->start + secs * 1000, elapsed, last = 0;
	int64_t		 prev = g->start;
	uint64_t	 due_new, due_hostile;
	uint32_t	 next = 0, i;

	for (i = 0; i < g->nlong; i++) {
		g->a[i].lport = 5000;
		g->a[i].pport = (uint16_t)(6000 + i);
		g->a[i].sock = (uint8_t)(1 + i % (SG_POOL - 1));
		g->a[i].tsn = 1;
	}
	for (g->now = gen_ms(); g->now < end + SG_DRAIN_MS; g->now = gen_ms()) {
		if ((uint64_t)(g->now - prev) > g->c.max_stall_ms)
			g->c.max_stall_ms = (uint64_t)(g->now - prev);
		prev = g->now;
		elapsed = g->now - g->start;
		if (next < g->nlong) {
			sg_start(g, next++);
		} else {
			/* At the end, all of them: none left behind. */
			if (elapsed > secs * 1000)
				elapsed = secs * 1000;
			due_new = (uint64_t)(g->n - g->nlong) *
			    (uint64_t)elapsed / (uint64_t)(secs * 1000);
			while (next < g->n && next - g->nlong < due_new) {
				sg_plan(g, next);
				g->active[g->nactive++] = next;
				sg_start(g, next++);
			}
			due_hostile = (uint64_t)hostile_rate *
			    (uint64_t)elapsed / 1000;
			while (g->now < end && g->c.hostile_sent < due_hostile)
				sg_hostile(g);
		}
		sg_poll(g);
		sg_timers(g);
		if (g->now - last >= 1000) {
			sg_status(g, status);
			last = g->now;
		}
	}
	sg_status(g, status);
}

int
main(int argc, char **argv)
{
	static struct sg g;
	const char	*ypath = NULL, *local = NULL, *peer = NULL;
	const char	*status = NULL, *out = NULL;
	long		 secs = 600, port = 9899, hostile = 400;
	unsigned long	 n = 100000, nlong = 200;
	int		 ch;

	while ((ch = getopt(argc, argv, "H:l:L:n:o:p:s:t:u:y:")) != -1) {
		switch (ch) {
		case 'H': hostile = strtol(optarg, NULL, 0); break;
		case 'l': local = optarg; break;
		case 'L': nlong = strtoul(optarg, NULL, 0); break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 'o': out = optarg; break;
		case 'p': peer = optarg; break;
		case 's': status = optarg; break;
		case 't': secs = strtol(optarg, NULL, 0); break;
		case 'u': port = strtol(optarg, NULL, 0); break;
		case 'y': ypath = optarg; break;
		default: usage();
		}
	}
	if (ypath == NULL || local == NULL || peer == NULL || secs < 1 ||
	    nlong > 5000 || n <= nlong || n > SG_TAG_INDEX || hostile < 0 ||
	    port < 1 || port > 65535)
		usage();
	g.n = (uint32_t)n;
	g.nlong = (uint32_t)nlong;
	g.rng = 0x9e3779b97f4a7c15ULL;
	if ((g.a = calloc(g.n, sizeof(*g.a))) == NULL ||
	    (g.active = calloc(g.n, sizeof(*g.active))) == NULL)
		gen_die("calloc");
	if (gen_addr(&g.local, local, 0) == -1 ||
	    gen_addr(&g.peer, peer, 0) == -1 ||
	    gen_addr(&g.x_udp, local, (uint16_t)port) == -1)
		usage();
	crc32c_init();
	sg_sockets(&g, ypath, (uint16_t)port);
	g.start = gen_ms();
	sg_run(&g, secs, (uint32_t)hostile, status);
	sg_report_long(&g, out);
	return 0;
}
