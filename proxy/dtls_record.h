/*
 * dtls_record: DTLS 1.0/1.2 record headers (RFC 6347 4.1) and the few
 * handshake fields the engine's demultiplexer reads, taken from an
 * untrusted datagram through bounds checks.  Nothing here decrypts,
 * allocates or keeps state, so it can be fuzzed alone.
 */
#ifndef SCTPTUN_DTLS_RECORD_H
#define SCTPTUN_DTLS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define DTLS_RECORD_HEADER	13
/* Largest fragment a record may carry: 2^14 + 2048 (RFC 6347 4.1). */
#define DTLS_RECORD_FRAGMENT	(16384 + 2048)
#define DTLS_RANDOM_LEN		32

enum dtls_content {
	DTLS_CT_CCS = 20,
	DTLS_CT_ALERT = 21,
	DTLS_CT_HANDSHAKE = 22,
	DTLS_CT_DATA = 23
};

/* What a record is for the demultiplexer. */
enum dtls_record_kind {
	DTLS_RK_HELLO,		/* first fragment of a ClientHello, epoch 0 */
	DTLS_RK_DATA,		/* application data */
	DTLS_RK_CONTROL		/* other handshake, change cipher spec, alert */
};

struct dtls_record {
	uint8_t		 type;		/* enum dtls_content */
	uint16_t	 version;	/* 0xfefd DTLS 1.2, 0xfeff 1.0 */
	uint16_t	 epoch;
	uint64_t	 seq;		/* 48 bits */
	const uint8_t	*rec;		/* the header, then the fragment */
	size_t		 len;		/* DTLS_RECORD_HEADER + fragment */
	enum dtls_record_kind kind;
	/* DTLS_RK_HELLO only */
	uint8_t		 random[DTLS_RANDOM_LEN];
	int		 cookie;	/* it carries a non-empty cookie */
};

/*
 * The record of the datagram dgram that starts at *off: 1 with r filled
 * and *off past it, 0 when *off is at the end, -1 when what is there is
 * not a well-formed record header with a fragment that fits.
 */
int	dtls_record_next(const uint8_t *dgram, size_t len, size_t *off,
	    struct dtls_record *r);
/* 0 if dgram is one or more well-formed records and nothing else. */
int	dtls_record_check(const uint8_t *dgram, size_t len);
/* A record's 48-bit sequence number and epoch as one ordered number. */
uint64_t dtls_record_order(const struct dtls_record *);

#endif
