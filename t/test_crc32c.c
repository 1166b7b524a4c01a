/*
 * test_crc32c: the RFC 3720 B.4 vectors through both implementations, the
 * table and instruction versions against each other on random buffers,
 * and the SCTP checksum of packets captured from real stacks.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "tap.h"

struct vector {
	const char	*name;
	uint8_t		 data[48];
	size_t		 len;
	uint32_t	 crc;
};

static struct vector vectors[5];

/* Fill the RFC 3720 B.4 vectors; the CRC bytes there are little-endian. */
static void
vectors_init(void)
{
	static const uint8_t	pdu[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	int			i;

	vectors[0].name = "32 zeros";
	vectors[0].len = 32;
	vectors[0].crc = 0x8a9136aa;
	vectors[1].name = "32 x 0xff";
	memset(vectors[1].data, 0xff, 32);
	vectors[1].len = 32;
	vectors[1].crc = 0x62a8ab43;
	vectors[2].name = "incrementing";
	vectors[3].name = "decrementing";
	for (i = 0; i < 32; i++) {
		vectors[2].data[i] = i;
		vectors[3].data[i] = 31 - i;
	}
	vectors[2].len = vectors[3].len = 32;
	vectors[2].crc = 0x46dd794e;
	vectors[3].crc = 0x113fdb5c;
	vectors[4].name = "iSCSI read PDU";
	memcpy(vectors[4].data, pdu, sizeof(pdu));
	vectors[4].len = sizeof(pdu);
	vectors[4].crc = 0xd9963a56;
}

/* The vectors through crc32c_value() and each raw implementation. */
static void
test_vectors(int hw)
{
	const struct vector	*v;
	size_t			 i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		v = &vectors[i];
		ok(crc32c_value(v->data, v->len) == v->crc,
		    "crc32c_value: %s", v->name);
		ok(~crc32c_update_sw(~0U, v->data, v->len) == v->crc,
		    "sw: %s", v->name);
		if (hw)
			ok(~crc32c_update_hw(~0U, v->data, v->len) == v->crc,
			    "hw: %s", v->name);
		else
			ok(1, "# SKIP no sse4.2: hw %s", v->name);
	}
	ok(crc32c_value("123456789", 9) == 0xe3069283,
	    "check value of \"123456789\"");
	ok(crc32c_value("", 0) == 0, "empty buffer");
}

/* Feeding a buffer in two pieces gives the same register as in one. */
static void
test_incremental(void)
{
	uint8_t		buf[100];
	uint32_t	crc;
	int		i, bad = 0;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i <= (int)sizeof(buf); i++) {
		crc = crc32c_update_sw(~0U, buf, i);
		crc = crc32c_update_sw(crc, buf + i, sizeof(buf) - i);
		if (crc != crc32c_update_sw(~0U, buf, sizeof(buf)))
			bad++;
	}
	ok(bad == 0, "sw update is incremental at every split");
}

/* Random lengths 0..4096 at offsets 0..7: sw and hw agree. */
static void
test_random(int hw)
{
	static uint8_t	buf[4096 + 8];
	size_t		i, off, len;
	int		n, bad = 0;

	srandom(3720);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = random() & 0xff;
	for (n = 0; n < 5000; n++) {
		off = random() % 8;
		len = random() % 4097;
		if (n % 7 == 0)
			buf[random() % sizeof(buf)] ^= 1 << (random() % 8);
		if (crc32c_update_sw(0x12345678, buf + off, len) !=
		    crc32c_update(0x12345678, buf + off, len))
			bad++;
		if (hw && crc32c_update_sw(~0U, buf + off, len) !=
		    crc32c_update_hw(~0U, buf + off, len))
			bad++;
	}
	ok(bad == 0, "5000 random buffers: sw, dispatch%s agree (%d bad)",
	    hw ? " and hw" : "", bad);
}

/*
 * Real packets.  The INIT and SACK are from dpkt's SCTP tests (a Diameter
 * association, ports 4068 and 3868); the second INIT is the template
 * masscan sends to real hosts, which answer it.  Their checksum bytes only
 * match if the CRC is stored least significant byte first, which is what
 * Linux's cpu_to_le32(~crc32c(~0, ...)) in include/net/sctp/checksum.h
 * does.
 */
static const uint8_t dpkt_init[] = {
	0x0f, 0xe4, 0x0f, 0x1c, 0x00, 0x00, 0x00, 0x00,
	0x9f, 0x78, 0xa7, 0x04, 0x01, 0x00, 0x00, 0x14,
	0xbb, 0x7b, 0x0f, 0x9c, 0x00, 0x00, 0xfa, 0x00,
	0x00, 0x0a, 0x00, 0x0a, 0xbb, 0x7b, 0x0f, 0x9c,
};
static const uint8_t dpkt_sack[] = {
	0x0f, 0x1c, 0x0f, 0xe4, 0xbb, 0x7b, 0x0f, 0x9c,
	0x79, 0x94, 0x91, 0x29, 0x03, 0x00, 0x00, 0x10,
	0xbb, 0x7b, 0x0f, 0x9c, 0x00, 0x00, 0xfa, 0x00,
	0x00, 0x00, 0x00, 0x00,
};
static const uint8_t masscan_init[] = {
	0xd1, 0x60, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00,
	0x58, 0xe4, 0x5d, 0x36, 0x01, 0x00, 0x00, 0x14,
	0x9e, 0x8d, 0x52, 0x25, 0x00, 0x00, 0x80, 0x00,
	0x00, 0x0a, 0x08, 0x00, 0x46, 0x1a, 0xdf, 0x3d,
};

/* Checksum, verify and set on one real packet. */
static void
test_packet(const char *name, const uint8_t *pkt, size_t len, uint32_t crc)
{
	uint8_t	copy[64];

	ok(sctp_checksum(pkt, len) == crc, "%s: checksum 0x%08x", name, crc);
	ok(sctp_checksum_ok(pkt, len), "%s: checksum_ok", name);
	memcpy(copy, pkt, len);
	copy[8] ^= 0xff;
	ok(sctp_checksum(copy, len) == crc,
	    "%s: checksum ignores the field's contents", name);
	ok(!sctp_checksum_ok(copy, len), "%s: damaged field detected", name);
	sctp_checksum_set(copy, len);
	ok(memcmp(copy, pkt, len) == 0, "%s: checksum_set restores it", name);
	copy[len - 1] ^= 0x10;
	ok(!sctp_checksum_ok(copy, len), "%s: flipped payload bit", name);
}

/* The real packets, and the short-buffer edge. */
static void
test_sctp(void)
{
	uint8_t	copy[sizeof(dpkt_init)];

	test_packet("dpkt INIT", dpkt_init, sizeof(dpkt_init), 0x04a7789f);
	test_packet("dpkt SACK", dpkt_sack, sizeof(dpkt_sack), 0x29919479);
	test_packet("masscan INIT", masscan_init, sizeof(masscan_init),
	    0x365de458);
	memcpy(copy, dpkt_init, sizeof(copy));
	sctp_checksum(copy, sizeof(copy));
	ok(memcmp(copy, dpkt_init, sizeof(copy)) == 0,
	    "sctp_checksum does not write the buffer");
	ok(!sctp_checksum_ok(dpkt_init, 11), "11 bytes never verify");
}

int
main(void)
{
	int	hw = crc32c_hw_available();

	vectors_init();
	diag("implementation: %s, hw %savailable", crc32c_impl_name(),
	    hw ? "" : "not ");
	test_vectors(hw);
	test_incremental();
	test_random(hw);
	test_sctp();
	return tap_done(0);
}
