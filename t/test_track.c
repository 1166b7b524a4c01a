/*
 * test_track: association tracking driven by crafted SCTP packets through
 * sctp_parse(): handshakes both ways, port learning only from verified
 * packets, NAT rebinding, INIT from a new port, multihoming, removal.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "crc32c.h"
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

	return track_ingress(tb, 0, &a, &sp, pktlen, sport,
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

/* Packets of no association. */
static void
test_out_of_the_blue(void)
{
	uint64_t	 ootb = st.ingress_ootb;
	uint32_t	 live = table_count(tb, ASSOC_EMBRYONIC) +
			    table_count(tb, ASSOC_ESTABLISHED);

	pkt_start(7000, 7001, 0xdeadbeef);
	pkt_chunk(SCTP_DATA, 3, 16);
	ok(in("192.0.2.9", 1234, NULL) == TRACK_DELIVER &&
	    st.ingress_ootb == ootb + 1, "out-of-the-blue DATA delivered, counted");
	ok(table_count(tb, ASSOC_EMBRYONIC) + table_count(tb,
	    ASSOC_ESTABLISHED) == live, "and creates nothing");
	ok(out("192.0.2.9") == 0 && st.egress_untracked == 1,
	    "untracked egress falls back to the configured port");
}

int
main(void)
{
	tb = table_create(16, 4);
	test_local_initiates();
	test_peer_initiates();
	test_out_of_the_blue();
	table_free(tb);
	return tap_done(0);
}
