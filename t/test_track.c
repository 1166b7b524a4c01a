/*
 * test_track: association tracking driven by crafted SCTP packets through
 * sctp_parse(): handshakes both ways, port learning only from verified
 * packets, NAT rebinding, INIT from a new port, multihoming, removal;
 * the out-of-the-blue reply map; ICMP quote verification and translation.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "crc32c.h"
#include "icmp.h"
#include "ippkt.h"
#include "sctp.h"
#include "table.h"
#include "tap.h"
#include "track.h"

#define LPORT	5000
#define PPORT	6000

static struct table	*tb;
static struct stats	 st;
static uint8_t		 pkt[256];
static size_t		 pktlen;

/* Append a 16- or 32-bit value in network order. */
static void
put16(size_t off, uint16_t v)
{
	v = htons(v);
	memcpy(pkt + off, &v, 2);
}

static void
put32(size_t off, uint32_t v)
{
	v = htonl(v);
	memcpy(pkt + off, &v, 4);
}

/* Start a packet with a common header. */
static void
pkt_start(uint16_t sport, uint16_t dport, uint32_t vtag)
{
	memset(pkt, 0, sizeof(pkt));
	put16(0, sport);
	put16(2, dport);
	put32(4, vtag);
	pktlen = 12;
}

/* Append a chunk with an optional zero-filled value of vlen bytes. */
static size_t
pkt_chunk(uint8_t type, uint8_t flags, size_t vlen)
{
	size_t	 off = pktlen;

	pkt[off] = type;
	pkt[off + 1] = flags;
	put16(off + 2, (uint16_t)(4 + vlen));
	pktlen += (4 + vlen + 3) & ~(size_t)3;
	return off;
}

/* Append an INIT or INIT-ACK with an initiate tag and IPv4 addresses. */
static void
pkt_init(uint8_t type, uint32_t init_tag, const char **addrs, int naddrs)
{
	size_t	 off;
	int	 i;

	off = pkt_chunk(type, 0, 16 + 8 * (size_t)naddrs);
	put32(off + 4, init_tag);
	put32(off + 8, 65536);
	put16(off + 12, 4);
	put16(off + 14, 4);
	put32(off + 16, 1);
	for (i = 0; i < naddrs; i++) {
		put16(off + 20 + 8 * i, SCTP_PARAM_IPV4);
		put16(off + 22 + 8 * i, 8);
		inet_pton(AF_INET, addrs[i], pkt + off + 24 + 8 * i);
	}
}

static struct ipaddr
ip4(const char *s)
{
	struct ipaddr	 a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	inet_pton(AF_INET, s, &a.u.v4);
	return a;
}

/* Parse the packet built so far. */
static struct sctp_pkt
parsed(void)
{
	struct sctp_pkt	 sp;

	sctp_checksum_set(pkt, pktlen);
	if (sctp_parse(pkt, pktlen, &sp) != SCTP_OK)
		diag("test packet does not parse");
	return sp;
}

/* Send the current packet from the peer at addr, UDP port sport. */
static enum track_verdict
in(const char *addr, uint16_t sport, struct track_abort *ab)
{
	struct sctp_pkt	 sp = parsed();
	struct ipaddr	 a = ip4(addr);
	struct track_abort dummy;

	return track_ingress(tb, 0, &a, &sp, pktlen, sport, 0,
	    ab != NULL ? ab : &dummy, &st);
}

/* Send the current packet from the TUN to addr: the UDP port chosen. */
static uint16_t
out(const char *addr)
{
	struct sctp_pkt	 sp = parsed();
	struct ipaddr	 a = ip4(addr);

	return track_egress(tb, 0, &a, &sp, pktlen, &st);
}

static uint16_t
port_of(struct assoc *a, const char *addr)
{
	struct ipaddr	 ip = ip4(addr);

	return table_port_for(a, &ip);
}

/* Local side initiates; then the paths' ports are learned and defended. */
static void
test_local_initiates(void)
{
	const char		*peer_addrs[] = { "192.0.2.2", "198.51.100.2" };
	struct track_abort	 ab;
	struct assoc		*a;
	uint16_t		 port;

	pkt_start(LPORT, PPORT, 0);
	pkt_init(SCTP_INIT, 0x11111111, NULL, 0);
	ok(out("192.0.2.2") == 0, "first INIT: no port known, configured one used");
	a = table_lookup_ltag(tb, LPORT, PPORT, 0x11111111);
	ok(a != NULL && a->state == ASSOC_EMBRYONIC, "INIT makes an embryonic entry");

	pkt_start(PPORT, LPORT, 0x11111111);
	pkt_init(SCTP_INIT_ACK, 0x22222222, peer_addrs, 2);
	ok(in("192.0.2.2", 40000, NULL) == TRACK_DELIVER, "INIT-ACK delivered");
	ok(a->ptag == 0x22222222, "INIT-ACK gives the peer's tag");
	ok(port_of(a, "192.0.2.2") == 40000, "INIT-ACK's port learned");
	ok(a->ntransports == 2, "INIT-ACK's addresses become transports (%d)",
	    a->ntransports);

	pkt_start(LPORT, PPORT, 0x22222222);
	pkt_chunk(SCTP_COOKIE_ECHO, 0, 8);
	ok(out("192.0.2.2") == 40000, "COOKIE-ECHO goes to the learned port");
	pkt_start(PPORT, LPORT, 0x11111111);
	pkt_chunk(SCTP_COOKIE_ACK, 0, 0);
	ok(in("192.0.2.2", 40000, NULL) == TRACK_DELIVER &&
	    a->state == ASSOC_ESTABLISHED, "COOKIE-ACK establishes");

	pkt_start(LPORT, PPORT, 0x22222222);
	pkt_chunk(SCTP_DATA, 3, 16);
	ok(out("198.51.100.2") == 40000,
	    "path not heard from uses the association's port");

	/* A blind attacker: right ports and address, wrong tag, new port. */
	pkt_start(PPORT, LPORT, 0x33333333);
	pkt_chunk(SCTP_DATA, 3, 16);
	ok(in("192.0.2.2", 50000, NULL) == TRACK_DROP_VTAG,
	    "wrong tag from a new port is dropped");
	ok(port_of(a, "192.0.2.2") == 40000, "and does not move the port");

	/* NAT rebinding: a verified packet from a new port moves it. */
	pkt_start(PPORT, LPORT, 0x11111111);
	pkt_chunk(SCTP_SACK, 0, 12);
	ok(in("192.0.2.2", 40001, NULL) == TRACK_DELIVER &&
	    port_of(a, "192.0.2.2") == 40001, "verified packet moves the port");
	ok(table_stats(tb)->ports_changed == 1, "port change counted");

	/* Second path: learned separately. */
	pkt_start(PPORT, LPORT, 0x11111111);
	pkt_chunk(SCTP_HEARTBEAT, 0, 8);
	ok(in("198.51.100.2", 41000, NULL) == TRACK_DELIVER, "heartbeat on path 2");
	pkt_start(LPORT, PPORT, 0x22222222);
	pkt_chunk(SCTP_HEARTBEAT_ACK, 0, 8);
	port = out("198.51.100.2");
	ok(port == 41000, "path 2 uses its own port (%u)", port);
	ok(port_of(a, "192.0.2.2") == 40001, "path 1 keeps its port");

	/* INIT for this association from another port: refused (cons 4). */
	pkt_start(PPORT, LPORT, 0);
	pkt_init(SCTP_INIT, 0x44444444, NULL, 0);
	ok(in("192.0.2.2", 50000, &ab) == TRACK_ABORT_NEW_PORT &&
	    ab.vtag == 0x44444444 && ab.current_port == 40001 &&
	    ab.new_port == 50000, "INIT from a new port: ABORT, cause 14");
	ok(port_of(a, "192.0.2.2") == 40001 &&
	    table_lookup_ptag(tb, LPORT, PPORT, 0x44444444) == NULL,
	    "refused INIT changes nothing");
	ok(in("192.0.2.2", 40001, NULL) == TRACK_DELIVER,
	    "INIT from the stored port is delivered (restart)");

	/* The peer aborts with the T bit: its own tag. */
	pkt_start(PPORT, LPORT, 0x22222222);
	pkt_chunk(SCTP_ABORT, SCTP_FLAG_T, 0);
	ok(in("192.0.2.2", 40001, NULL) == TRACK_DELIVER &&
	    table_lookup_ltag(tb, LPORT, PPORT, 0x11111111) == NULL,
	    "T-bit ABORT with the peer's tag removes the association");
}

/* The peer initiates; the local side closes with SHUTDOWN-COMPLETE. */
static void
test_peer_initiates(void)
{
	struct assoc	*a;

	pkt_start(PPORT + 1, LPORT, 0);
	pkt_init(SCTP_INIT, 0x55555555, NULL, 0);
	ok(in("192.0.2.2", 9899, NULL) == TRACK_DELIVER, "peer's INIT delivered");
	a = table_lookup_ptag(tb, LPORT, PPORT + 1, 0x55555555);
	ok(a != NULL && port_of(a, "192.0.2.2") == 9899,
	    "INIT makes an entry with the INIT's port");

	pkt_start(LPORT, PPORT + 1, 0x55555555);
	pkt_init(SCTP_INIT_ACK, 0x66666666, NULL, 0);
	ok(out("192.0.2.2") == 9899, "INIT-ACK goes back to the INIT's port");
	ok(a->ltag == 0x66666666, "INIT-ACK gives the local tag");

	pkt_start(PPORT + 1, LPORT, 0x66666666);
	pkt_chunk(SCTP_COOKIE_ECHO, 0, 8);
	ok(in("192.0.2.2", 9899, NULL) == TRACK_DELIVER, "COOKIE-ECHO delivered");
	pkt_start(LPORT, PPORT + 1, 0x55555555);
	pkt_chunk(SCTP_COOKIE_ACK, 0, 0);
	ok(out("192.0.2.2") == 9899 && a->state == ASSOC_ESTABLISHED,
	    "local COOKIE-ACK establishes");

	pkt_start(LPORT, PPORT + 1, 0x55555555);
	pkt_chunk(SCTP_SHUTDOWN_COMPLETE, 0, 0);
	ok(out("192.0.2.2") == 9899 &&
	    table_lookup_ptag(tb, LPORT, PPORT + 1, 0x55555555) == NULL,
	    "SHUTDOWN-COMPLETE removes the association");
}

/* A handshake the local side starts, the peer at addr:sport answering. */
static struct assoc *
handshake(uint16_t lport, uint16_t pport, uint32_t ltag, uint32_t ptag,
    const char *addr, uint16_t sport)
{
	pkt_start(lport, pport, 0);
	pkt_init(SCTP_INIT, ltag, NULL, 0);
	(void)out(addr);
	pkt_start(pport, lport, ltag);
	pkt_init(SCTP_INIT_ACK, ptag, NULL, 0);
	(void)in(addr, sport, NULL);
	pkt_start(lport, pport, ptag);
	pkt_chunk(SCTP_COOKIE_ECHO, 0, 8);
	(void)out(addr);
	pkt_start(pport, lport, ltag);
	pkt_chunk(SCTP_COOKIE_ACK, 0, 0);
	(void)in(addr, sport, NULL);
	return table_lookup_ltag(tb, lport, pport, ltag);
}

/*
 * Two associations on the same ports and path, as after a restart of the
 * peer while the old entry has not expired: an INIT repeating the old
 * one's tag, from the new one's port, is refused and moves no port.
 * (Found by t/fuzz/fuzz_track: only the newer one's port was defended.)
 */
static void
test_init_old_tag(void)
{
	struct track_abort	 ab;
	struct assoc		*old, *new;

	old = handshake(LPORT + 300, PPORT + 300, 0xa1a1a1a1, 0xa2a2a2a2,
	    "192.0.2.5", 40000);
	new = handshake(LPORT + 300, PPORT + 300, 0xb1b1b1b1, 0xb2b2b2b2,
	    "192.0.2.5", 40001);
	ok(old != NULL && new != NULL && old != new &&
	    old->state == ASSOC_ESTABLISHED &&
	    new->state == ASSOC_ESTABLISHED, "old and new association");
	pkt_start(PPORT + 300, LPORT + 300, 0);
	pkt_init(SCTP_INIT, 0xa2a2a2a2, NULL, 0);
	ok(in("192.0.2.5", 40001, &ab) == TRACK_ABORT_NEW_PORT &&
	    ab.current_port == 40000 && ab.new_port == 40001,
	    "INIT with the old tag from the new port: ABORT, cause 14");
	ok(old != NULL && port_of(old, "192.0.2.5") == 40000 &&
	    new != NULL && port_of(new, "192.0.2.5") == 40001,
	    "neither association's port moved");
}

/* Packets of no association. */
static void
test_out_of_the_blue(void)
{
	uint64_t	 ootb = st.ingress_ootb;
	uint32_t	 live = table_count(tb, ASSOC_EMBRYONIC) +
			    table_count(tb, ASSOC_ESTABLISHED);

	pkt_start(7000, 7001, 0xdeadbeef);
	pkt_chunk(SCTP_DATA, 3, 16);
	ok(in("192.0.2.9", 1234, NULL) == TRACK_DELIVER_OOTB &&
	    st.ingress_ootb == ootb + 1, "out-of-the-blue DATA delivered, counted");
	ok(table_count(tb, ASSOC_EMBRYONIC) + table_count(tb,
	    ASSOC_ESTABLISHED) == live, "and creates nothing");
	ok(out("192.0.2.9") == 0 && st.egress_untracked == 1,
	    "untracked egress falls back to the configured port");
}

static struct ipaddr
ip6(const char *s)
{
	struct ipaddr	 a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	inet_pton(AF_INET6, s, &a.u.v6);
	return a;
}

/* The egress port of the current packet, local -> peer, by the reply map. */
static uint16_t
reply_port(struct track_replies *rm, const char *local, const char *peer,
    uint32_t now)
{
	struct sctp_pkt	 sp = parsed();
	struct ipaddr	 l = ip4(local), p = ip4(peer);

	return track_reply_port(rm, &l, &p, &sp, now);
}

/* The cons draft's reply map: answers go back where the packet came from. */
static void
test_reply_map(void)
{
	static struct track_replies rm;
	struct sctp_pkt	 sp;
	struct ipaddr	 l = ip4("192.0.2.1"), p = ip4("192.0.2.9");
	uint32_t	 i;
	int		 all;

	pkt_start(7000, 7001, 0xdeadbeef);
	pkt_chunk(SCTP_DATA, 3, 16);
	sp = parsed();
	track_reply_note(&rm, &l, &p, &sp, 40123, 100);

	pkt_start(7001, 7000, 0xdeadbeef);
	pkt_chunk(SCTP_ABORT, SCTP_FLAG_T, 0);
	ok(reply_port(&rm, "192.0.2.1", "192.0.2.9", 102) == 40123 &&
	    rm.hits == 1, "kernel's T-bit ABORT goes to the packet's port");
	pkt_start(7001, 7000, 0xdeadbeef);
	pkt_chunk(SCTP_SHUTDOWN_COMPLETE, SCTP_FLAG_T, 0);
	ok(reply_port(&rm, "192.0.2.1", "192.0.2.9", 102) == 40123,
	    "and so does SHUTDOWN-COMPLETE");
	pkt_start(7001, 7000, 0x1234);
	pkt_chunk(SCTP_ABORT, 0, 0);
	ok(reply_port(&rm, "192.0.2.1", "192.0.2.9", 102) == 40123,
	    "ABORT without the T bit too");
	pkt_start(7001, 7000, 0xdeadbeef);
	pkt_chunk(SCTP_DATA, 3, 16);
	ok(reply_port(&rm, "192.0.2.1", "192.0.2.9", 102) == 0,
	    "DATA is no reply: not redirected");
	pkt_start(7001, 7000, 0xdeadbeef);
	pkt_chunk(SCTP_ABORT, SCTP_FLAG_T, 0);
	ok(reply_port(&rm, "192.0.2.1", "192.0.2.10", 102) == 0 &&
	    reply_port(&rm, "192.0.2.3", "192.0.2.9", 102) == 0,
	    "another peer or local address: no match");
	pkt_start(7002, 7000, 0xdeadbeef);
	pkt_chunk(SCTP_ABORT, SCTP_FLAG_T, 0);
	ok(reply_port(&rm, "192.0.2.1", "192.0.2.9", 102) == 0,
	    "other SCTP ports: no match");
	pkt_start(7001, 7000, 0xdeadbeef);
	pkt_chunk(SCTP_ABORT, SCTP_FLAG_T, 0);
	ok(reply_port(&rm, "192.0.2.1", "192.0.2.9", 100 + TRACK_REPLY_TTL +
	    1) == 0, "the entry expires after %d s", TRACK_REPLY_TTL);

	/* A flood of notes: bounded, the newest always found. */
	all = 1;
	for (i = 0; i < 10 * TRACK_REPLY_SETS * TRACK_REPLY_WAYS; i++) {
		pkt_start((uint16_t)(1000 + i), 7000, 1);
		pkt_chunk(SCTP_DATA, 3, 16);
		sp = parsed();
		track_reply_note(&rm, &l, &p, &sp, (uint16_t)(2000 + i), 200);
		pkt_start(7000, (uint16_t)(1000 + i), 1);
		pkt_chunk(SCTP_ABORT, SCTP_FLAG_T, 0);
		if (reply_port(&rm, "192.0.2.1", "192.0.2.9", 200) !=
		    (uint16_t)(2000 + i))
			all = 0;
	}
	ok(all, "each of %u notes is found right after it is made",
	    10 * TRACK_REPLY_SETS * TRACK_REPLY_WAYS);
	pkt_start(7000, 1000, 1);
	pkt_chunk(SCTP_ABORT, SCTP_FLAG_T, 0);
	ok(reply_port(&rm, "192.0.2.1", "192.0.2.9", 200) == 0,
	    "the oldest were overwritten (fixed size)");
}

static struct ipaddr peer6_dummy;

/* An established association local 5100 -> peer 6100 for ICMP tests. */
static struct assoc *
icmp_assoc(void)
{
	pkt_start(LPORT + 100, PPORT + 100, 0);
	pkt_init(SCTP_INIT, 0x77777777, NULL, 0);
	(void)out("192.0.2.2");
	pkt_start(PPORT + 100, LPORT + 100, 0x77777777);
	pkt_init(SCTP_INIT_ACK, 0x88888888, NULL, 0);
	(void)in("192.0.2.2", 41234, NULL);
	return table_lookup_ptag(tb, LPORT + 100, PPORT + 100, 0x88888888);
}

/* Which quotes tie an ICMP error to an association. */
static void
test_icmp_verify(void)
{
	struct ipaddr	 peer = ip4("192.0.2.2"), other = ip4("192.0.2.77");
	struct assoc	*a;

	ok(icmp_classify(AF_INET, 2, 3, 4) == ICMP_KIND_TOO_BIG &&
	    icmp_classify(AF_INET, 2, 3, 3) == ICMP_KIND_UNREACH &&
	    icmp_classify(AF_INET, 2, 3, 1) == ICMP_KIND_OTHER &&
	    icmp_classify(AF_INET, 2, 11, 0) == ICMP_KIND_OTHER &&
	    icmp_classify(AF_INET6, 3, 2, 0) == ICMP_KIND_TOO_BIG &&
	    icmp_classify(AF_INET6, 3, 1, 4) == ICMP_KIND_UNREACH &&
	    icmp_classify(AF_INET6, 3, 1, 3) == ICMP_KIND_OTHER &&
	    icmp_classify(AF_INET, 1, 0, 0) == ICMP_KIND_OTHER,
	    "ICMP classified: too big, port unreachable, the rest ignored");

	a = icmp_assoc();
	ok(a != NULL, "association for ICMP tests");
	pkt_start(LPORT + 100, PPORT + 100, 0x88888888);
	pkt_chunk(SCTP_DATA, 3, 16);
	sctp_checksum_set(pkt, pktlen);
	ok(icmp_verify(tb, &peer, 41234, 9899, pkt, pktlen) == a,
	    "quote with the peer's tag and the stored port: verified");
	ok(icmp_verify(tb, &peer, 41234, 9899, pkt, 12) == a,
	    "a quote of the common header is enough");
	ok(icmp_verify(tb, &peer, 41234, 9899, pkt, 11) == NULL &&
	    icmp_verify(tb, &peer, 41234, 9899, pkt, 0) == NULL,
	    "a quote ending before the tag is not");
	ok(icmp_verify(tb, &peer, 9899, 9899, pkt, pktlen) == NULL,
	    "another UDP destination port: not verified");
	ok(icmp_verify(tb, &other, 41234, 9899, pkt, pktlen) == a,
	    "a path not heard from uses the association's port");
	put32(4, 0x88888889);
	ok(icmp_verify(tb, &peer, 41234, 9899, pkt, pktlen) == NULL,
	    "wrong tag: not verified");
	put32(4, 0x77777777);
	ok(icmp_verify(tb, &peer, 41234, 9899, pkt, pktlen) == NULL,
	    "our own tag (not the peer's): not verified");

	/* Tag 0: only an INIT with our initiate tag. */
	pkt_start(LPORT + 200, PPORT + 200, 0);
	pkt_init(SCTP_INIT, 0x99999999, NULL, 0);
	(void)out("192.0.2.2");
	sctp_checksum_set(pkt, pktlen);
	a = table_lookup_ltag(tb, LPORT + 200, PPORT + 200, 0x99999999);
	ok(a != NULL && icmp_verify(tb, &peer, 9899, 9899, pkt, pktlen) == a,
	    "INIT quote with our initiate tag, configured port: verified");
	ok(icmp_verify(tb, &peer, 9900, 9899, pkt, pktlen) == NULL,
	    "INIT quote to another port: not verified");
	ok(icmp_verify(tb, &peer, 9899, 9899, pkt, 19) == NULL,
	    "INIT quote cut before the initiate tag: not verified");
	put32(16, 0x99999998);
	ok(icmp_verify(tb, &peer, 9899, 9899, pkt, pktlen) == NULL,
	    "INIT quote with another initiate tag: not verified");
	pkt_start(LPORT + 200, PPORT + 200, 0);
	pkt_chunk(SCTP_DATA, 3, 16);
	ok(icmp_verify(tb, &peer, 9899, 9899, pkt, pktlen) == NULL,
	    "tag 0 on anything but INIT: not verified");
}

/* Translated IPv4 errors: headers, checksums, quote, 576-byte limit. */
static void
test_icmp_build4(void)
{
	static uint8_t	 big[1400], out4[ICMP_MAXLEN];
	struct ipaddr	 l = ip4("198.51.100.1"), p = ip4("203.0.113.2");
	struct ip_pkt	 outer, inner;
	size_t		 n, i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	n = icmp_build(out4, ICMP_KIND_TOO_BIG, &l, &p, 1272, big,
	    sizeof(big));
	ok(n == 576, "IPv4 error is 576 bytes at most (%zu)", n);
	ok(ip_parse(out4, n, &outer) == IP_OK && outer.proto == 1 &&
	    addr_equal(&outer.src, &p) && addr_equal(&outer.dst, &l),
	    "ICMP from the peer to the local endpoint, header checksum ok");
	ok(outer.l4[0] == 3 && outer.l4[1] == 4 && outer.l4[6] == 1272 >> 8 &&
	    outer.l4[7] == (1272 & 0xff), "type 3 code 4, next-hop MTU 1272");
	ok(inet_cksum(outer.l4, outer.l4len) == 0xffff, "ICMP checksum ok");
	ok(ip_parse(outer.l4 + 8, 20 + sizeof(big), &inner) != IP_ERR_VERSION &&
	    (outer.l4[8] >> 4) == 4 && outer.l4[8 + 9] == 132 &&
	    memcmp(outer.l4 + 8 + 12, &l.u.v4, 4) == 0 &&
	    memcmp(outer.l4 + 8 + 16, &p.u.v4, 4) == 0,
	    "quoted IP header: SCTP from local to peer");
	ok(memcmp(outer.l4 + 28, big, n - 20 - 28) == 0,
	    "the SCTP packet is quoted as it was");

	n = icmp_build(out4, ICMP_KIND_UNREACH, &l, &p, 0, big, 40);
	ok(n == 20 + 8 + 20 + 40 && ip_parse(out4, n, &outer) == IP_OK &&
	    outer.l4[0] == 3 && outer.l4[1] == 2 &&
	    inet_cksum(outer.l4, outer.l4len) == 0xffff,
	    "port unreachable becomes protocol unreachable (3/2)");
	ok(icmp_build(out4, ICMP_KIND_OTHER, &l, &p, 0, big, 40) == 0 &&
	    icmp_build(out4, ICMP_KIND_UNREACH, &l, &peer6_dummy, 0, big,
	    40) == 0, "nothing built for other kinds or mixed families");
}

/* The ICMPv6 checksum of a packet of len at icmp, with pseudo-header. */
static uint16_t
icmp6_sum(const struct ipaddr *src, const struct ipaddr *dst,
    const uint8_t *icmp, size_t len)
{
	uint8_t		 ph[40];
	uint32_t	 sum;

	memset(ph, 0, sizeof(ph));
	memcpy(ph, src->u.bytes, 16);
	memcpy(ph + 16, dst->u.bytes, 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[39] = 58;
	sum = inet_cksum_partial(ph, sizeof(ph), 0);
	return inet_cksum_partial(icmp, len, sum);
}

/* Translated IPv6 errors: packet too big, parameter problem, 1280 bytes. */
static void
test_icmp_build6(void)
{
	static uint8_t	 big[3000], out6[ICMP_MAXLEN];
	struct ipaddr	 l = ip6("2001:db8:a::1"), p = ip6("2001:db8:b::2");
	struct ip_pkt	 outer;
	size_t		 n;

	memset(big, 0xab, sizeof(big));
	n = icmp_build(out6, ICMP_KIND_TOO_BIG, &l, &p, 1272, big,
	    sizeof(big));
	ok(n == 1280, "IPv6 error is 1280 bytes at most (%zu)", n);
	ok(ip_parse(out6, n, &outer) == IP_OK && outer.proto == 58 &&
	    addr_equal(&outer.src, &p) && addr_equal(&outer.dst, &l),
	    "ICMPv6 from the peer to the local endpoint");
	ok(outer.l4[0] == 2 && outer.l4[1] == 0 && outer.l4[6] == 1272 >> 8 &&
	    outer.l4[7] == (1272 & 0xff), "packet too big, MTU 1272");
	ok(icmp6_sum(&p, &l, outer.l4, outer.l4len) == 0xffff,
	    "ICMPv6 checksum (pseudo-header) ok");
	ok((outer.l4[8] >> 4) == 6 && outer.l4[8 + 6] == 132 &&
	    memcmp(outer.l4 + 8 + 8, l.u.bytes, 16) == 0 &&
	    memcmp(outer.l4 + 8 + 24, p.u.bytes, 16) == 0,
	    "quoted IPv6 header: SCTP from local to peer");
	ok(memcmp(outer.l4 + 88, big, n - 40 - 88) == 0,
	    "the SCTP packet is quoted as it was");
	n = icmp_build(out6, ICMP_KIND_UNREACH, &l, &p, 0, big, 100);
	ok(n == 40 + 8 + 40 + 100 && ip_parse(out6, n, &outer) == IP_OK &&
	    outer.l4[0] == 4 && outer.l4[1] == 1 && outer.l4[7] == 6 &&
	    icmp6_sum(&p, &l, outer.l4, outer.l4len) == 0xffff,
	    "port unreachable: parameter problem 4/1, pointer 6");
}

int
main(void)
{
	tb = table_create(16, 4);
	test_local_initiates();
	test_peer_initiates();
	test_init_old_tag();
	test_out_of_the_blue();
	test_reply_map();
	test_icmp_verify();
	test_icmp_build4();
	test_icmp_build6();
	table_free(tb);
	return tap_done(0);
}
