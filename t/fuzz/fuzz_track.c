/*
 * fuzz_track: the tracker (proxy/track.c over common/table.c) driven by a
 * sequence of egress and ingress packets from several peer addresses and
 * UDP ports (the steps of fuzz_track.h), with these invariants checked
 * after every step:
 *
 *   - the table's limits hold and its indexes find every live entry;
 *   - a packet whose tag does not verify (RFC 9260 8.5: no entry on its
 *     ports has it as the tag of packets in that direction; the sender's
 *     own tag for a T-bit ABORT or SHUTDOWN-COMPLETE) changes no state, no
 *     tag, no learned port and removes nothing, and from the network it
 *     is never delivered as verified;
 *   - an INIT from the network (tag 0, the exception of RFC 9260 8.5.1)
 *     leaves every established or closing association as it was: state,
 *     tags, learned ports (cons draft section 4), still in the table;
 *   - the table only ever evicts embryonic entries, so an INIT flood
 *     cannot push out an established association;
 *   - an ICMP quote is tied only to the association of its ports and tag,
 *     and checking it changes nothing.
 *
 * The local side's INIT and INIT-ACK set tags by design (the kernel is
 * trusted) and are not held to the second rule.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_track.h"
#include "icmp.h"
#include "sctp.h"
#include "table.h"
#include "track.h"

#define FT_PKT_MAX	256
#define FT_SLOTS	(8 + 4)		/* the largest limits, both kinds */
#define FT_START	1000		/* table clock of the first step */
#define FT_IDLE		60		/* idle timeout of the ticks */
#define FT_EMBRYONIC	10		/* embryonic timeout */
#define FT_SILENT	45		/* path silence */
#define FT_CONF_PORT	9899		/* the configured remote_port */

static const uint8_t ft_types[FT_NTYPES] = {
	SCTP_INIT, SCTP_INIT_ACK, SCTP_COOKIE_ECHO, SCTP_COOKIE_ACK,
	SCTP_DATA, SCTP_SACK, SCTP_HEARTBEAT, SCTP_HEARTBEAT_ACK, SCTP_ABORT,
	SCTP_SHUTDOWN, SCTP_SHUTDOWN_ACK, SCTP_SHUTDOWN_COMPLETE, SCTP_ERROR
};
/* Value lengths that make each chunk well formed. */
static const uint8_t ft_vlen[FT_NTYPES] = {
	16, 16, 8, 0, 16, 12, 8, 8, 0, 4, 0, 0, 0
};
static const uint8_t ft_bundled[4] = {
	0, SCTP_DATA, SCTP_ABORT, SCTP_SHUTDOWN
};
static const uint32_t ft_tags[16] = {
	0, 1, 2, 0x11111111, 0x22222222, 0x33333333, 0x44444444,
	0x55555555, 0x66666666, 0x77777777, 0x88888888, 0x99999999,
	0xdeadbeef, 0xcafebabe, 0x80000000, 0xffffffff
};
static const char *const ft_peers[4] = {
	"192.0.2.2", "192.0.2.3", "2001:db8::2", "2001:db8::3"
};
/* Addresses INITs list: two peers, one never heard from, a multicast. */
static const char *const ft_params[4] = {
	"192.0.2.3", "2001:db8::3", "198.51.100.7", "224.0.0.1"
};
static const uint16_t ft_udp_ports[4] = { 9899, 40000, 40001, 50000 };
static const uint16_t ft_lports[2] = { 5000, 5001 };
static const uint16_t ft_pports[2] = { 6000, 6001 };

/* The live entries at one moment, by value (transports too). */
struct ft_snap {
	struct assoc_copy a[FT_SLOTS];
	size_t		 n;
};

/* One packet and where it comes from or goes to. */
struct ft_packet {
	uint8_t		 buf[FT_PKT_MAX];
	size_t		 len;
	struct ipaddr	 peer;		/* the peer's address */
	struct ipaddr	 local;		/* the local endpoint's */
	uint16_t	 udp_port;	/* the peer's UDP port */
};

struct ft_run {
	struct table		*tb;
	struct stats		 st;
	struct track_replies	 replies;
	uint32_t		 now;
};

/* An address of a pool, by text. */
static struct ipaddr
ft_addr(const char *s)
{
	struct ipaddr	a;

	if (addr_pton(s, &a) == -1)
		abort();
	return a;
}

/* Store v big-endian at p. */
static void
ft_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
ft_put32(uint8_t *p, uint32_t v)
{
	ft_put16(p, (uint16_t)(v >> 16));
	ft_put16(p + 2, (uint16_t)v);
}

/* Append a chunk with a zeroed value of vlen bytes; returns its offset. */
static size_t
ft_chunk(struct ft_packet *fp, uint8_t type, uint8_t flags, size_t vlen)
{
	size_t	off = fp->len;

	fp->buf[off] = type;
	fp->buf[off + 1] = flags;
	ft_put16(fp->buf + off + 2, (uint16_t)(4 + vlen));
	fp->len += (4 + vlen + 3) & ~(size_t)3;
	return off;
}

/* Append the address parameters the addrs byte names to an INIT chunk. */
static void
ft_params_add(struct ft_packet *fp, size_t chunk, uint8_t addrs)
{
	struct ipaddr	a;
	size_t		n, i, plen, added = 0;

	n = addrs & 3;
	for (i = 0; i < n; i++) {
		a = ft_addr(ft_params[(addrs >> (2 + 2 * i)) & 3]);
		plen = a.family == AF_INET ? 8 : 20;
		ft_put16(fp->buf + fp->len, a.family == AF_INET ?
		    SCTP_PARAM_IPV4 : SCTP_PARAM_IPV6);
		ft_put16(fp->buf + fp->len + 2, (uint16_t)plen);
		memcpy(fp->buf + fp->len + 4, a.u.bytes, plen - 4);
		fp->len += plen;
		added += plen;
	}
	ft_put16(fp->buf + chunk + 2, (uint16_t)(4 + 16 + added));
}

/* Peer, local address and UDP port from a where byte. */
static void
ft_where(struct ft_packet *fp, uint8_t where)
{
	fp->peer = ft_addr(ft_peers[where & 3]);
	fp->local = ft_addr(fp->peer.family == AF_INET ? "192.0.2.1" :
	    "2001:db8::1");
	fp->udp_port = ft_udp_ports[(where >> 2) & 3];
}

/* Build a packet from the step's bytes, as fuzz_track.h describes. */
static void
ft_build(struct ft_packet *fp, int ingress, struct fuzz_in *in)
{
	uint8_t		 chunk, where, tags, addrs, type, bundle;
	uint16_t	 lport, pport;
	size_t		 off;
	int		 t;

	chunk = fuzz_u8(in);
	where = fuzz_u8(in);
	tags = fuzz_u8(in);
	addrs = fuzz_u8(in);
	ft_where(fp, where);
	lport = ft_lports[(where >> 4) & 1];
	pport = ft_pports[(where >> 5) & 1];
	t = (chunk & 15) % FT_NTYPES;
	type = ft_types[t];
	memset(fp->buf, 0, sizeof(fp->buf));
	ft_put16(fp->buf, ingress ? pport : lport);
	ft_put16(fp->buf + 2, ingress ? lport : pport);
	ft_put32(fp->buf + 4, ft_tags[tags & 15]);
	fp->len = SCTP_COMMON_HDRLEN;
	off = ft_chunk(fp, type, (chunk & 0x10) ? SCTP_FLAG_T : 0, ft_vlen[t]);
	if (type == SCTP_INIT || type == SCTP_INIT_ACK) {
		ft_put32(fp->buf + off + 4, ft_tags[tags >> 4]);
		ft_put32(fp->buf + off + 8, 65536);
		ft_put16(fp->buf + off + 12, 10);
		ft_put16(fp->buf + off + 14, 10);
		ft_put32(fp->buf + off + 16, 1);
		ft_params_add(fp, off, addrs);
	}
	if ((bundle = (chunk >> 5) & 3) != FT_BUNDLE_NONE)
		(void)ft_chunk(fp, ft_bundled[bundle], 0,
		    ft_bundled[bundle] == SCTP_DATA ? 16 : 0);
}

/* Take a packet as it is from the input. */
static void
ft_raw(struct ft_packet *fp, struct fuzz_in *in)
{
	const uint8_t	*p;

	ft_where(fp, fuzz_u8(in));
	fp->len = fuzz_bytes(in, fuzz_u8(in), &p);
	memcpy(fp->buf, p, fp->len);
}

/* table_foreach() callback: copy an entry into the snapshot. */
static void
ft_snap_one(struct assoc *a, void *arg)
{
	struct ft_snap	*s = arg;

	FUZZ_ASSERT(s->n < FT_SLOTS);
	(void)assoc_copy(&s->a[s->n++], a);
}

static void
ft_snap(struct table *tb, struct ft_snap *s)
{
	s->n = 0;
	table_foreach(tb, ft_snap_one, s);
}

/* The entry with that id in a snapshot, or NULL. */
static const struct assoc *
ft_find(const struct ft_snap *s, uint32_t id)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->a[i].a.id == id)
			return &s->a[i].a;
	return NULL;
}

/*
 * RFC 9260 8.5, from the snapshot: does an entry on the packet's ports
 * carry its tag as the tag of packets in this direction?
 */
static int
ft_verifies(const struct ft_snap *s, const struct sctp_pkt *sp, int ingress)
{
	const struct assoc	*a;
	uint16_t		 lport, pport;
	uint32_t		 tag;
	size_t			 i;
	int			 reflected;

	reflected = (sp->type == SCTP_ABORT ||
	    sp->type == SCTP_SHUTDOWN_COMPLETE) && (sp->flags & SCTP_FLAG_T);
	lport = ingress ? sp->dport : sp->sport;
	pport = ingress ? sp->sport : sp->dport;
	for (i = 0; i < s->n; i++) {
		a = &s->a[i].a;
		tag = ingress != reflected ? a->ltag : a->ptag;
		if (sp->vtag != 0 && a->lport == lport && a->pport == pport &&
		    tag == sp->vtag)
			return 1;
	}
	return 0;
}

/*
 * Every entry of before (only the established and closing ones if
 * settled_only) is still there with its state, tags and learned ports.
 */
static void
ft_unchanged(const struct ft_snap *before, const struct ft_snap *after,
    int settled_only)
{
	const struct assoc	*b, *a;
	const struct transport	*bt, *at;
	size_t			 i;
	int			 k, j;

	for (i = 0; i < before->n; i++) {
		b = &before->a[i].a;
		if (settled_only && b->state == ASSOC_EMBRYONIC)
			continue;
		FUZZ_ASSERT((a = ft_find(after, b->id)) != NULL);
		FUZZ_ASSERT(a->state == b->state);
		FUZZ_ASSERT(a->ltag == b->ltag && a->ptag == b->ptag);
		for (k = 0; k < b->ntransports; k++) {
			bt = &b->t[k];
			if (!(bt->flags & TRANSPORT_LEARNED))
				continue;
			at = NULL;
			for (j = 0; j < a->ntransports; j++)
				if (addr_equal(&a->t[j].addr, &bt->addr))
					at = &a->t[j];
			FUZZ_ASSERT(at != NULL && at->port == bt->port);
		}
	}
}

/* The limits hold, the counts add up, the indexes find every entry. */
static void
ft_check_table(struct table *tb, const struct ft_snap *s)
{
	const struct assoc	*a;
	uint32_t		 emb, settled;
	size_t			 i;
	int			 k;

	emb = table_count(tb, ASSOC_EMBRYONIC);
	settled = table_count(tb, ASSOC_ESTABLISHED) +
	    table_count(tb, ASSOC_CLOSING);
	FUZZ_ASSERT(emb <= table_max_embryonic(tb));
	FUZZ_ASSERT(settled <= table_max_assocs(tb));
	FUZZ_ASSERT(s->n == emb + settled);
	for (i = 0; i < s->n; i++) {
		a = &s->a[i].a;
		FUZZ_ASSERT(a->state >= ASSOC_EMBRYONIC &&
		    a->state <= ASSOC_CLOSING);
		FUZZ_ASSERT(a->ntransports <= ASSOC_MAX_TRANSPORTS);
		FUZZ_ASSERT(a->ltag == 0 || table_lookup_ltag(tb, a->lport,
		    a->pport, a->ltag) != NULL);
		FUZZ_ASSERT(a->ptag == 0 || table_lookup_ptag(tb, a->lport,
		    a->pport, a->ptag) != NULL);
		for (k = 0; k < a->ntransports; k++)
			FUZZ_ASSERT(table_lookup_addr(tb, a->lport, a->pport,
			    &a->t[k].addr) != NULL);
	}
}

/* 1 if port is one a step can come from. */
static int
ft_pool_port(uint16_t port)
{
	size_t	i;

	for (i = 0; i < sizeof(ft_udp_ports) / sizeof(ft_udp_ports[0]); i++)
		if (ft_udp_ports[i] == port)
			return 1;
	return 0;
}

/* The table hook: evictions are of embryonic entries only. */
static void
ft_hook(enum table_event ev, struct assoc *a,
    struct transport *tr, uint16_t old_port, void *arg)
{
	if (ev == TABLE_EV_EVICTED)
		FUZZ_ASSERT(a->state == ASSOC_EMBRYONIC);
}

/* A packet from the TUN, as the data path would track it. */
static void
ft_egress(struct ft_run *r, const struct ft_packet *fp,
    const struct sctp_pkt *sp, const struct ft_snap *before)
{
	struct ft_snap	 after;
	uint16_t	 port;
	int		 verified;

	verified = ft_verifies(before, sp, 0);
	port = track_egress(r->tb, 0, &fp->peer, sp, fp->len, &r->st);
	if (port == 0)
		port = track_reply_port(&r->replies, &fp->local, &fp->peer,
		    sp, r->now);
	FUZZ_ASSERT(port == 0 || ft_pool_port(port));
	ft_snap(r->tb, &after);
	if (!verified && sp->type != SCTP_INIT && sp->type != SCTP_INIT_ACK)
		ft_unchanged(before, &after, 0);
}

/* A packet from UDP, as the data path would track it. */
static void
ft_ingress(struct ft_run *r, const struct ft_packet *fp,
    const struct sctp_pkt *sp, const struct ft_snap *before)
{
	struct ft_snap		 after;
	struct track_abort	 ab;
	enum track_verdict	 v;
	int			 verified;

	verified = ft_verifies(before, sp, 1);
	v = track_ingress(r->tb, 0, &fp->peer, sp, fp->len, fp->udp_port, 0,
	    &ab, &r->st);
	if (v == TRACK_DELIVER_OOTB)
		track_reply_note(&r->replies, &fp->local, &fp->peer, sp,
		    fp->udp_port, r->now);
	if (v == TRACK_ABORT_NEW_PORT)
		FUZZ_ASSERT(sp->type == SCTP_INIT &&
		    ab.new_port == fp->udp_port && ab.current_port != 0 &&
		    ab.current_port != fp->udp_port &&
		    ab.vtag == sp->init_tag);
	ft_snap(r->tb, &after);
	if (sp->type == SCTP_INIT) {
		ft_unchanged(before, &after, 1);
		return;
	}
	FUZZ_ASSERT(verified == (v == TRACK_DELIVER));
	if (!verified)
		ft_unchanged(before, &after, 0);
}

/* An ICMP error quoting the packet: tied to its own association only. */
static void
ft_icmp(struct ft_run *r, const struct ft_packet *fp,
    const struct sctp_pkt *sp, size_t qlen)
{
	struct assoc	*a;
	uint64_t	 gen = table_generation(r->tb);

	if (qlen > fp->len)
		qlen = fp->len;
	a = icmp_verify(r->tb, &fp->peer, fp->udp_port, FT_CONF_PORT, fp->buf,
	    qlen);
	FUZZ_ASSERT(table_generation(r->tb) == gen);
	if (a == NULL)
		return;
	FUZZ_ASSERT(qlen >= SCTP_COMMON_HDRLEN);
	FUZZ_ASSERT(a->lport == sp->sport && a->pport == sp->dport);
	FUZZ_ASSERT(sp->vtag != 0 ? a->ptag == sp->vtag :
	    sp->type == SCTP_INIT && a->ltag == sp->init_tag);
}

/* One step of the input. */
static void
ft_step(struct ft_run *r, struct fuzz_in *in)
{
	struct ft_packet	 fp;
	struct ft_snap		 before, after;
	struct sctp_pkt		 sp;
	uint8_t			 op;

	op = fuzz_u8(in) % FT_NOPS;
	if (op == FT_TICK) {
		r->now += fuzz_u8(in);
		table_set_clock(r->tb, r->now);
		(void)table_expire(r->tb, FT_IDLE, FT_EMBRYONIC);
		(void)table_paths_check(r->tb, FT_SILENT);
		ft_snap(r->tb, &after);
		ft_check_table(r->tb, &after);
		return;
	}
	if (op == FT_RAW_EGRESS || op == FT_RAW_INGRESS)
		ft_raw(&fp, in);
	else
		ft_build(&fp, op == FT_INGRESS, in);
	if (sctp_parse(fp.buf, fp.len, &sp) != SCTP_OK) {
		if (op == FT_ICMP)
			(void)fuzz_u8(in);
		return;
	}
	ft_snap(r->tb, &before);
	if (op == FT_ICMP)
		ft_icmp(r, &fp, &sp, fuzz_u8(in));
	else if (op == FT_EGRESS || op == FT_RAW_EGRESS)
		ft_egress(r, &fp, &sp, &before);
	else
		ft_ingress(r, &fp, &sp, &before);
	ft_snap(r->tb, &after);
	ft_check_table(r->tb, &after);
}

/* One input: a table sized by its first byte, then the steps. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ft_run	 r;
	struct fuzz_in		 in = { data, size };
	uint8_t			 limits;

	memset(&r, 0, sizeof(r));
	limits = fuzz_u8(&in);
	r.tb = table_create(1 + (limits & 7), 1 + ((limits >> 3) & 3));
	FUZZ_ASSERT(r.tb != NULL);
	table_set_hook(r.tb, ft_hook, NULL);
	r.now = FT_START;
	table_set_clock(r.tb, r.now);
	while (in.len > 0)
		ft_step(&r, &in);
	table_free(r.tb);
	return 0;
}
