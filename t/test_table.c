/*
 * test_table: unit tests for common/table.c - the three indexes, tag 0,
 * limits and eviction, expiry, transports and port learning, slot reuse,
 * growth (entry chunks, transport stores, running out of memory), and a
 * long random run checked against a simple reference model.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "table.h"
#include "tap.h"

/* An IPv4 address from a number. */
static struct ipaddr
addr4(uint32_t n)
{
	struct ipaddr	a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.u.bytes[0] = 10;
	a.u.bytes[1] = (uint8_t)(n >> 16);
	a.u.bytes[2] = (uint8_t)(n >> 8);
	a.u.bytes[3] = (uint8_t)n;
	return (a);
}

/* An IPv6 address from a number. */
static struct ipaddr
addr6(uint32_t n)
{
	struct ipaddr	a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	a.u.bytes[0] = 0x20;
	a.u.bytes[1] = 0x01;
	a.u.bytes[2] = 0x0d;
	a.u.bytes[3] = 0xb8;
	a.u.bytes[12] = (uint8_t)(n >> 24);
	a.u.bytes[13] = (uint8_t)(n >> 16);
	a.u.bytes[14] = (uint8_t)(n >> 8);
	a.u.bytes[15] = (uint8_t)n;
	return (a);
}

/* Monotonic seconds, for the timing diags. */
static double
now_secs(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static uint64_t	rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: deterministic, so a failure can be replayed. */
static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return ((uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32));
}

/* Creation, each index, state names and argument checks. */
static void
test_basic(void)
{
	struct table	*t;
	struct assoc	*a, *b;
	struct ipaddr	 x = addr4(1);

	ok(table_create(0, 1) == NULL, "max_assocs 0 refused");
	ok(table_create(1, 0) == NULL, "max_embryonic 0 refused");
	table_free(NULL);
	t = table_create(16, 8);
	ok(t != NULL, "create");
	ok(table_max_assocs(t) == 16 && table_max_embryonic(t) == 8,
	    "limits reported");
	ok(table_count(t, ASSOC_FREE) == 24, "all 24 slots free");
	table_set_clock(t, 100);
	ok(table_clock(t) == 100, "clock set");
	a = table_new(t, 5000, 3868, 7, 1);
	ok(a != NULL && a->id == 1, "first id is 1");
	ok(a->state == ASSOC_EMBRYONIC && a->lport == 5000 &&
	    a->pport == 3868 && a->peer_id == 7 && a->local_initiated == 1 &&
	    a->created == 100 && a->last_active == 100 && a->ltag == 0 &&
	    a->ptag == 0, "new entry fields");
	ok(table_count(t, ASSOC_EMBRYONIC) == 1 &&
	    table_count(t, ASSOC_FREE) == 23, "counts after new");
	table_set_ltag(t, a, 0x11111111);
	table_set_ptag(t, a, 0x22222222);
	ok(table_lookup_ltag(t, 5000, 3868, 0x11111111) == a, "by ltag");
	ok(table_lookup_ptag(t, 5000, 3868, 0x22222222) == a, "by ptag");
	ok(table_lookup_ltag(t, 5000, 3868, 0x22222222) == NULL &&
	    table_lookup_ptag(t, 5000, 3868, 0x11111111) == NULL,
	    "ltag and ptag indexes are separate");
	ok(table_lookup_addr(t, 5000, 3868, &x) == NULL, "no transport yet");
	ok(table_transport(t, a, &x, 1) != NULL, "transport created");
	ok(table_lookup_addr(t, 5000, 3868, &x) == a, "by address");
	b = table_new(t, 5000, 3868, 7, 0);
	ok(b != NULL && b->id == 2 && b->local_initiated == 0, "second id 2");
	ok(table_establish(t, a) == 0 && a->state == ASSOC_ESTABLISHED,
	    "established");
	ok(table_establish(t, a) == 0, "establishing twice is harmless");
	table_set_state(t, a, ASSOC_CLOSING);
	ok(a->state == ASSOC_CLOSING && table_count(t, ASSOC_CLOSING) == 1 &&
	    table_count(t, ASSOC_ESTABLISHED) == 0, "closing");
	table_set_state(t, a, ASSOC_FREE);
	table_set_state(t, a, (enum assoc_state)9);
	ok(a->state == ASSOC_CLOSING, "set_state ignores FREE and junk");
	ok(table_stats(t)->created == 2 && table_stats(t)->established == 1,
	    "created/established counted");
	ok(strcmp(assoc_state_name(ASSOC_FREE), "free") == 0 &&
	    strcmp(assoc_state_name(ASSOC_EMBRYONIC), "embryonic") == 0 &&
	    strcmp(assoc_state_name(ASSOC_ESTABLISHED), "established") == 0 &&
	    strcmp(assoc_state_name(ASSOC_CLOSING), "closing") == 0 &&
	    strcmp(assoc_state_name((enum assoc_state)42), "unknown") == 0,
	    "state names");
	table_remove(t, a);
	ok(table_lookup_ltag(t, 5000, 3868, 0x11111111) == NULL &&
	    table_lookup_ptag(t, 5000, 3868, 0x22222222) == NULL &&
	    table_lookup_addr(t, 5000, 3868, &x) == NULL,
	    "removed entry gone from all indexes");
	ok(table_stats(t)->removed == 1 && table_count(t, ASSOC_CLOSING) == 0,
	    "removal counted");
	table_remove(t, a);
	ok(table_stats(t)->removed == 1, "removing a free entry is a no-op");
	table_free(t);
}

/* Tag 0 is "unknown": never indexed, never matched. */
static void
test_tag_zero(void)
{
	struct table	*t = table_create(4, 4);
	struct assoc	*a;

	a = table_new(t, 1, 2, 0, 0);
	ok(table_lookup_ltag(t, 1, 2, 0) == NULL &&
	    table_lookup_ptag(t, 1, 2, 0) == NULL,
	    "fresh entry with tags 0 not found by tag 0");
	table_set_ltag(t, a, 0);
	table_set_ptag(t, a, 0);
	ok(table_lookup_ltag(t, 1, 2, 0) == NULL &&
	    table_lookup_ptag(t, 1, 2, 0) == NULL,
	    "setting tag 0 does not index it");
	table_set_ltag(t, a, 77);
	table_set_ptag(t, a, 88);
	table_set_ltag(t, a, 0);
	table_set_ptag(t, a, 0);
	ok(table_lookup_ltag(t, 1, 2, 77) == NULL &&
	    table_lookup_ptag(t, 1, 2, 88) == NULL &&
	    table_lookup_ltag(t, 1, 2, 0) == NULL &&
	    table_lookup_ptag(t, 1, 2, 0) == NULL,
	    "tag reset to 0 unindexes it");
	table_free(t);
}

/* 16 entries in 32 buckets: chains are shared, re-tag them many times. */
static void
test_retag_crowded(void)
{
	struct table	*t = table_create(8, 8);
	struct assoc	*a[16];
	uint32_t	 i, round;
	int		 good = 1;

	for (i = 0; i < 16; i++)
		a[i] = table_new(t, 1, 2, 0, 0);
	for (round = 1; round <= 500; round++) {
		for (i = 0; i < 16; i++) {
			table_set_ltag(t, a[i],
			    round * 16 + (i * 7 + round) % 16);
			table_set_ptag(t, a[i], (round * 16 + i) % 40 + 1);
		}
		for (i = 0; i < 16; i++)
			if (table_lookup_ltag(t, 1, 2, a[i]->ltag) != a[i] ||
			    table_lookup_ptag(t, 1, 2, a[i]->ptag) != a[i] ||
			    table_lookup_ltag(t, 1, 2, a[i]->ltag - 16) != NULL)
				good = 0;
	}
	ok(good, "500 rounds of re-tagging 16 entries sharing chains");
	table_free(t);
}

/* Re-tagging moves entries between chains, across many entries. */
static void
test_retag(void)
{
	struct table	*t = table_create(2000, 16);
	struct assoc	*a[1000];
	uint32_t	 i;
	int		 good = 1;

	for (i = 0; i < 1000; i++) {
		a[i] = table_new(t, 1, 2, 0, 0);
		table_establish(t, a[i]);
		table_set_ltag(t, a[i], 1000 + i);
		table_set_ptag(t, a[i], 5000 + i);
	}
	for (i = 0; i < 1000; i++) {
		table_set_ltag(t, a[i], 100000 + i);
		table_set_ptag(t, a[i], 200000 + i);
	}
	for (i = 0; i < 1000; i++) {
		if (table_lookup_ltag(t, 1, 2, 1000 + i) != NULL ||
		    table_lookup_ptag(t, 1, 2, 5000 + i) != NULL ||
		    table_lookup_ltag(t, 1, 2, 100000 + i) != a[i] ||
		    table_lookup_ptag(t, 1, 2, 200000 + i) != a[i])
			good = 0;
	}
	ok(good, "1000 entries re-tagged: old tags gone, new tags found");
	/* Swap two entries' tags: the chains must not keep stale links. */
	table_set_ltag(t, a[0], 1);
	table_set_ltag(t, a[1], 100000);
	table_set_ltag(t, a[0], 100001);
	ok(table_lookup_ltag(t, 1, 2, 100000) == a[1] &&
	    table_lookup_ltag(t, 1, 2, 100001) == a[0] &&
	    table_lookup_ltag(t, 1, 2, 1) == NULL, "tags swapped");
	table_free(t);
	test_retag_crowded();
}

/* Ports are part of every key. */
static void
test_ports(void)
{
	struct table	*t = table_create(16, 16);
	struct assoc	*a, *b, *c;
	struct ipaddr	 x = addr6(9);

	a = table_new(t, 1, 2, 0, 0);
	b = table_new(t, 1, 3, 0, 0);
	c = table_new(t, 4, 2, 0, 0);
	table_set_ltag(t, a, 42);
	table_set_ltag(t, b, 42);
	table_set_ltag(t, c, 42);
	table_set_ptag(t, a, 43);
	table_set_ptag(t, b, 43);
	table_set_ptag(t, c, 43);
	table_transport(t, a, &x, 1);
	table_transport(t, b, &x, 1);
	table_transport(t, c, &x, 1);
	ok(table_lookup_ltag(t, 1, 2, 42) == a &&
	    table_lookup_ltag(t, 1, 3, 42) == b &&
	    table_lookup_ltag(t, 4, 2, 42) == c &&
	    table_lookup_ltag(t, 2, 1, 42) == NULL &&
	    table_lookup_ltag(t, 1, 2, 41) == NULL, "ltag lookups by ports");
	ok(table_lookup_ptag(t, 1, 2, 43) == a &&
	    table_lookup_ptag(t, 1, 3, 43) == b &&
	    table_lookup_ptag(t, 4, 2, 43) == c &&
	    table_lookup_ptag(t, 2, 1, 43) == NULL, "ptag lookups by ports");
	ok(table_lookup_addr(t, 1, 2, &x) == a &&
	    table_lookup_addr(t, 1, 3, &x) == b &&
	    table_lookup_addr(t, 4, 2, &x) == c &&
	    table_lookup_addr(t, 2, 1, &x) == NULL, "addr lookups by ports");
	table_free(t);
}

/* Several entries on one key: established first, then most recent. */
static void
test_preference(void)
{
	struct table	*t = table_create(16, 16);
	struct assoc	*old, *emb, *est2;
	struct ipaddr	 x = addr4(7);

	table_set_clock(t, 10);
	old = table_new(t, 1, 2, 0, 0);
	table_establish(t, old);
	table_set_ptag(t, old, 9);
	table_transport(t, old, &x, 1);
	table_set_clock(t, 20);
	emb = table_new(t, 1, 2, 0, 0);
	table_set_ptag(t, emb, 9);
	table_transport(t, emb, &x, 1);
	ok(table_lookup_addr(t, 1, 2, &x) == old &&
	    table_lookup_ptag(t, 1, 2, 9) == old,
	    "established preferred over a newer embryonic (restart)");
	table_set_clock(t, 30);
	est2 = table_new(t, 1, 2, 0, 0);
	table_establish(t, est2);
	table_transport(t, est2, &x, 1);
	ok(table_lookup_addr(t, 1, 2, &x) == est2,
	    "most recently active established wins");
	table_set_clock(t, 40);
	table_touch(t, old);
	ok(table_lookup_addr(t, 1, 2, &x) == old, "touch makes it win");
	table_remove(t, old);
	ok(table_lookup_addr(t, 1, 2, &x) == est2 &&
	    table_lookup_ptag(t, 1, 2, 9) == emb,
	    "next candidates after removal");
	table_free(t);
}

/* The oldest embryonic entry makes room; established ones never do. */
static void
test_embryonic_limit(void)
{
	struct table	*t = table_create(4, 3);
	struct assoc	*e[5];
	int		 i;

	for (i = 0; i < 3; i++) {
		table_set_clock(t, i);
		e[i] = table_new(t, 1, 2, 0, 0);
		table_set_ltag(t, e[i], 10 + i);
	}
	table_set_clock(t, 3);
	table_touch(t, e[0]);
	e[3] = table_new(t, 1, 2, 0, 0);
	ok(e[3] != NULL && table_count(t, ASSOC_EMBRYONIC) == 3,
	    "new at the limit succeeds, count stays 3");
	ok(table_lookup_ltag(t, 1, 2, 11) == NULL &&
	    table_lookup_ltag(t, 1, 2, 10) == e[0] &&
	    table_lookup_ltag(t, 1, 2, 12) == e[2],
	    "least recently active embryonic (not the touched one) evicted");
	ok(table_stats(t)->evicted_embryonic == 1, "eviction counted");
	table_free(t);
}

/* 100k INIT-like entries cannot displace established ones. */
static void
test_flood(void)
{
	struct table	*t = table_create(1000, 64);
	struct assoc	*a;
	struct ipaddr	 x;
	uint32_t	 i;
	int		 good = 1;
	double		 t0;

	for (i = 0; i < 1000; i++) {
		a = table_new(t, 3868, (uint16_t)(i % 7), 0, 0);
		if (a == NULL || table_establish(t, a) != 0)
			good = 0;
		table_set_ltag(t, a, i + 1);
		table_set_ptag(t, a, i + 1000000);
		x = addr4(i);
		table_transport(t, a, &x, 1);
	}
	ok(good, "1000 established entries");
	t0 = now_secs();
	for (i = 0; i < 100000; i++) {
		if ((a = table_new(t, 3868, (uint16_t)(i % 7), 0, 0)) == NULL) {
			good = 0;
			continue;
		}
		/* INITs from the same addresses with colliding tags. */
		table_set_ptag(t, a, 1000000 + i % 1000);
		x = addr4(i % 1000);
		table_transport(t, a, &x, 1);
	}
	diag("100000 embryonic table_new: %.3f s", now_secs() - t0);
	ok(good, "every flood table_new got an entry");
	ok(table_count(t, ASSOC_ESTABLISHED) == 1000 &&
	    table_count(t, ASSOC_EMBRYONIC) == 64, "counts after the flood");
	ok(table_stats(t)->evicted_embryonic == 100000 - 64 &&
	    table_stats(t)->full == 0, "evictions counted, never full");
	for (i = 0; i < 1000; i++) {
		x = addr4(i);
		a = table_lookup_ltag(t, 3868, (uint16_t)(i % 7), i + 1);
		if (a == NULL || a->state != ASSOC_ESTABLISHED ||
		    table_lookup_ptag(t, 3868, (uint16_t)(i % 7),
		    i + 1000000) != a ||
		    table_lookup_addr(t, 3868, (uint16_t)(i % 7), &x) != a)
			good = 0;
	}
	ok(good, "all established entries findable by all three indexes");
	table_free(t);
}

/* Established + closing are limited; a refused entry stays embryonic. */
static void
test_establish_limit(void)
{
	struct table	*t = table_create(3, 8);
	struct assoc	*a[4];
	int		 i;

	for (i = 0; i < 4; i++)
		a[i] = table_new(t, 1, 2, 0, 0);
	ok(table_establish(t, a[0]) == 0 && table_establish(t, a[1]) == 0,
	    "two established");
	table_set_state(t, a[1], ASSOC_CLOSING);
	ok(table_establish(t, a[2]) == 0, "third established");
	ok(table_establish(t, a[3]) == -1 && a[3]->state == ASSOC_EMBRYONIC &&
	    table_stats(t)->full == 1, "fourth refused, stays embryonic");
	table_set_state(t, a[3], ASSOC_ESTABLISHED);
	ok(a[3]->state == ASSOC_EMBRYONIC && table_stats(t)->full == 2,
	    "set_state obeys the limit too");
	table_remove(t, a[1]);
	ok(table_establish(t, a[3]) == 0 &&
	    table_count(t, ASSOC_ESTABLISHED) == 3 &&
	    table_count(t, ASSOC_EMBRYONIC) == 0, "room after a removal");
	table_free(t);
}

/* Embryonic and idle timeouts, and touch. */
static void
test_expire(void)
{
	struct table	*t = table_create(8, 8);
	struct assoc	*e, *a, *b;
	const struct table_stats *st = table_stats(t);

	table_set_clock(t, 1000);
	e = table_new(t, 1, 2, 0, 0);
	table_set_ltag(t, e, 1);
	a = table_new(t, 1, 2, 0, 0);
	table_set_ltag(t, a, 2);
	table_establish(t, a);
	b = table_new(t, 1, 2, 0, 0);
	table_set_ltag(t, b, 3);
	table_establish(t, b);
	table_set_clock(t, 1010);
	ok(table_expire(t, 600, 10) == 0, "nothing expired at the timeout");
	table_set_clock(t, 1011);
	ok(table_expire(t, 600, 10) == 1 &&
	    table_lookup_ltag(t, 1, 2, 1) == NULL &&
	    st->expired_embryonic == 1, "embryonic expired after 10 s");
	table_set_clock(t, 1300);
	table_touch(t, a);
	ok(a->last_active == 1300, "touch updates last_active");
	table_set_clock(t, 1601);
	ok(table_expire(t, 600, 10) == 1 &&
	    table_lookup_ltag(t, 1, 2, 3) == NULL &&
	    table_lookup_ltag(t, 1, 2, 2) == a && st->expired_idle == 1,
	    "idle entry expired, touched one survives");
	table_set_clock(t, 1901);
	ok(table_expire(t, 600, 10) == 1 && table_count(t, ASSOC_FREE) == 16,
	    "touched entry expires in its turn");
	table_free(t);
}

/* Expiry on a large live table is O(expired); timings as diags. */
static void
test_expire_cost(void)
{
	struct table	*t = table_create(100000, 1000);
	struct assoc	*a;
	uint32_t	 i, n = 0;
	double		 t0;

	for (i = 0; i < 100000; i++) {
		table_set_clock(t, i / 1000);
		a = table_new(t, 1, 2, 0, 0);
		table_set_ltag(t, a, i + 1);
		table_establish(t, a);
	}
	table_set_clock(t, 200);
	t0 = now_secs();
	for (i = 0; i < 1000; i++)
		n = table_expire(t, 600, 10);
	diag("1000 x expire over 100000 live entries, none due: %.6f s",
	    now_secs() - t0);
	ok(n == 0 && table_count(t, ASSOC_ESTABLISHED) == 100000,
	    "nothing expired");
	table_set_clock(t, 650);
	n = table_expire(t, 600, 10);
	ok(n == 50000 && table_lookup_ltag(t, 1, 2, 49999) == NULL &&
	    table_lookup_ltag(t, 1, 2, 50001) != NULL,
	    "only the older half expired (%u)", n);
	t0 = now_secs();
	table_set_clock(t, 10000);
	n = table_expire(t, 600, 10);
	diag("expire of 50000 entries: %.6f s", now_secs() - t0);
	ok(n == 50000 && table_count(t, ASSOC_ESTABLISHED) == 0,
	    "rest expired");
	table_free(t);
}

/* Transports: limit, learning, port choice, the address index. */
static void
test_transports(void)
{
	struct table		*t = table_create(4, 4);
	struct assoc		*a;
	struct transport	*tr[ASSOC_MAX_TRANSPORTS], *x;
	struct ipaddr		 ad;
	int			 i, good = 1;

	a = table_new(t, 1, 2, 0, 0);
	for (i = 0; i < ASSOC_MAX_TRANSPORTS; i++) {
		ad = i % 2 ? addr6(i) : addr4(i);
		if ((tr[i] = table_transport(t, a, &ad, 1)) == NULL ||
		    tr[i] != &a->t[i])
			good = 0;
	}
	ok(good && a->ntransports == ASSOC_MAX_TRANSPORTS, "8 transports");
	/* Adding one may have moved the others: take them again. */
	for (i = 0; i < ASSOC_MAX_TRANSPORTS; i++)
		tr[i] = &a->t[i];
	ad = addr4(100);
	ok(table_transport(t, a, &ad, 1) == NULL &&
	    table_stats(t)->transports_full == 1, "9th refused and counted");
	ad = addr6(3);
	ok(table_transport(t, a, &ad, 0) == tr[3] &&
	    table_transport(t, a, &ad, 1) == tr[3] &&
	    a->ntransports == ASSOC_MAX_TRANSPORTS, "existing one found");
	ad = addr4(3);
	ok(table_transport(t, a, &ad, 0) == NULL,
	    "same bytes, other family: absent");
	ok(table_port_for(a, &tr[0]->addr) == 0, "no port known: 0");
	table_set_clock(t, 50);
	ok(table_learn_port(t, tr[0], 0) == 0 && tr[0]->port == 0 &&
	    !(tr[0]->flags & TRANSPORT_LEARNED), "port 0 never learned");
	ok(table_learn_port(t, tr[0], 9899) == 1 && tr[0]->port == 9899 &&
	    (tr[0]->flags & TRANSPORT_LEARNED) && tr[0]->learned_at == 50 &&
	    tr[0]->last_seen == 50, "first learned");
	ok(a->port == 9899, "association default port taken from it");
	table_set_clock(t, 60);
	ok(table_learn_port(t, tr[0], 9899) == 0 && tr[0]->learned_at == 50 &&
	    tr[0]->last_seen == 60, "unchanged: last_seen only");
	table_set_clock(t, 70);
	ok(table_learn_port(t, tr[0], 40000) == 2 && tr[0]->port == 40000 &&
	    tr[0]->learned_at == 70, "changed");
	ok(table_learn_port(t, tr[1], 40001) == 1 && a->port == 9899,
	    "default port kept once set");
	ok(table_stats(t)->ports_learned == 2 &&
	    table_stats(t)->ports_changed == 1, "learning counted");
	ok(table_learn_path(t, tr[0], 40000, 3) == 2 && tr[0]->via == 3 &&
	    tr[0]->port == 40000, "the same port through a member: changed");
	ok(table_learn_path(t, tr[0], 40000, 3) == 0,
	    "the same port through the same member: unchanged");
	ok(table_learn_port(t, tr[0], 40000) == 2 && tr[0]->via == 0,
	    "heard directly again: changed, via 0");
	ok(table_stats(t)->ports_changed == 3, "each via change counted");
	ok(table_port_for(a, &tr[0]->addr) == 40000 &&
	    table_port_for(a, &tr[1]->addr) == 40001 &&
	    table_port_for(a, &tr[2]->addr) == 9899, "port_for: own, default");
	ad = addr4(200);
	ok(table_port_for(a, &ad) == 9899, "port_for an unknown address");
	tr[2]->port = 1234;
	ok(table_learn_port(t, tr[2], 1234) == 1,
	    "a preset port is not \"learned\" until heard");
	for (i = 0; i < ASSOC_MAX_TRANSPORTS; i++)
		if (table_lookup_addr(t, 1, 2, &tr[i]->addr) != a)
			good = 0;
	ok(good, "each transport address finds the association");
	ad = tr[5]->addr;
	table_remove(t, a);
	ok(table_lookup_addr(t, 1, 2, &ad) == NULL,
	    "removal unlinks transports");
	a = table_new(t, 1, 2, 0, 0);
	x = table_transport(t, a, &ad, 1);
	ok(x != NULL && x->port == 0 && x->flags == 0 &&
	    table_lookup_addr(t, 1, 2, &ad) == a,
	    "fresh transport after reuse");
	table_free(t);
}

/* Freed slots are reused; ids are not. */
static void
test_reuse(void)
{
	struct table	*t = table_create(2, 1);
	struct assoc	*a, *b, *c;
	uint32_t	 i, last = 0;
	int		 good = 1;

	a = table_new(t, 1, 2, 0, 0);
	table_establish(t, a);
	b = table_new(t, 1, 2, 0, 0);
	table_establish(t, b);
	c = table_new(t, 1, 2, 0, 0);
	ok(c != NULL && table_count(t, ASSOC_FREE) == 0, "table full");
	table_remove(t, a);
	a = table_new(t, 1, 2, 0, 0);
	ok(a != NULL && table_count(t, ASSOC_EMBRYONIC) == 1 &&
	    table_stats(t)->evicted_embryonic == 1, "full table: evicts");
	table_remove(t, b);
	for (i = 0; i < 10000; i++) {
		b = table_new(t, 1, 2, 0, 0);
		if (b == NULL || b->id <= last || table_establish(t, b) != 0)
			good = 0;
		else
			last = b->id;
		table_remove(t, b);
	}
	ok(good, "10000 new/remove cycles in a 3-slot table, ids increase");
	ok(table_stats(t)->full == 0, "never full");
	table_free(t);
}

/* ---- Growth: entry chunks, transport stores, indexes. ------------- */

/* An established entry on ports (1, 2) with tags and ntr IPv4 transports. */
static struct assoc *
grow_entry(struct table *t, uint32_t n, int ntr)
{
	struct assoc	*a;
	struct ipaddr	 x;
	int		 k;

	if ((a = table_new(t, 1, 2, 0, 0)) == NULL)
		return (NULL);
	table_set_ltag(t, a, n + 1);
	table_set_ptag(t, a, ~n);
	if (table_establish(t, a) == -1)
		return (NULL);
	for (k = 0; k < ntr; k++) {
		x = addr4(n * ASSOC_MAX_TRANSPORTS + (uint32_t)k);
		if (table_transport(t, a, &x, 1) == NULL)
			return (NULL);
	}
	return (a);
}

/* 1 if entry n made by grow_entry is found whole by all three indexes. */
static int
grow_found(struct table *t, uint32_t n, int ntr)
{
	struct assoc	*a;
	struct ipaddr	 x;
	int		 k;

	a = table_lookup_ltag(t, 1, 2, n + 1);
	if (a == NULL || table_lookup_ptag(t, 1, 2, ~n) != a ||
	    a->ntransports != ntr)
		return (0);
	for (k = 0; k < ntr; k++) {
		x = addr4(n * ASSOC_MAX_TRANSPORTS + (uint32_t)k);
		if (table_lookup_addr(t, 1, 2, &x) != a ||
		    table_transport(t, a, &x, 0) != &a->t[k])
			return (0);
	}
	return (1);
}

/* Memory follows the entries: none up front, reused after removal. */
static void
test_growth(void)
{
	struct table	*t = table_create(65536, 4096);
	struct assoc	*a;
	struct ipaddr	 x;
	size_t		 empty, full;
	uint32_t	 i, n = 50000;
	int		 good = 1;

	empty = table_memory(t);
	diag("empty table_create(65536, 4096): %zu bytes", empty);
	ok(empty < 64 * 1024, "an empty default table is small");
	for (i = 0; i < n; i++)
		if (grow_entry(t, i, 2) == NULL)
			good = 0;
	ok(good && table_count(t, ASSOC_ESTABLISHED) == n,
	    "%u entries with two transports each", n);
	for (i = 0; i < n; i++)
		if (!grow_found(t, i, 2))
			good = 0;
	ok(good, "each found by both tags and both addresses");
	full = table_memory(t);
	diag("%u entries: %zu bytes, %zu per entry", n, full,
	    (full - empty) / n);
	ok((full - empty) / n <= 256, "at most 256 bytes per association");
	for (i = 0; i < n; i += 2)
		table_remove(t, table_lookup_ltag(t, 1, 2, i + 1));
	for (i = 0; i < n; i++)
		if (grow_found(t, i, 2) != (int)(i % 2))
			good = 0;
	ok(good && table_count(t, ASSOC_ESTABLISHED) == n / 2,
	    "half removed: the others still found, the removed not");
	for (i = 0; i < n; i += 2)
		if (grow_entry(t, i, 2) == NULL)
			good = 0;
	ok(good && table_memory(t) == full,
	    "freed entries reused: no more memory");
	for (i = 0; i < n; i++)
		if (!grow_found(t, i, 2))
			good = 0;
	ok(good, "all found again");
	for (i = 0; i < n; i++)
		table_remove(t, table_lookup_ltag(t, 1, 2, i + 1));
	ok(table_count(t, ASSOC_ESTABLISHED) == 0 && table_memory(t) == full,
	    "empty again; the chunks stay for reuse");
	x = addr4(ASSOC_MAX_TRANSPORTS);
	a = table_new(t, 1, 2, 0, 0);
	ok(a != NULL && table_lookup_ltag(t, 1, 2, 2) == NULL &&
	    table_lookup_ptag(t, 1, 2, ~1U) == NULL &&
	    table_lookup_addr(t, 1, 2, &x) == NULL,
	    "nothing left in the indexes");
	table_free(t);
}

/* The limits hold across chunk boundaries; a last partial chunk. */
static void
test_growth_limits(void)
{
	struct table	*t = table_create(1500, 100);
	uint32_t	 i;
	int		 good = 1;

	for (i = 0; i < 1500; i++)
		if (grow_entry(t, i, 1) == NULL)
			good = 0;
	ok(good, "1500 established entries over two chunks");
	ok(grow_entry(t, 1500, 1) == NULL && table_stats(t)->full == 1 &&
	    table_count(t, ASSOC_EMBRYONIC) == 1,
	    "the 1501st stays embryonic: the limit holds");
	for (i = 0; i < 200; i++)
		if (table_new(t, 3, 4, 0, 0) == NULL)
			good = 0;
	ok(good && table_count(t, ASSOC_EMBRYONIC) == 100 &&
	    table_count(t, ASSOC_FREE) == 0,
	    "embryonic entries fill the last slots, then evict");
	for (i = 0; i < 1500; i++)
		if (!grow_found(t, i, 1))
			good = 0;
	ok(good, "every established entry still found");
	table_free(t);
}

/* Hook for test_transport_growth: where port events land. */
struct grow_seen {
	struct assoc		*a;
	struct transport	*tr;
	int			 n;
};

static void
grow_hook(enum table_event ev, struct assoc *a, struct transport *tr,
    uint16_t old_port, void *arg)
{
	struct grow_seen	*s = arg;

	if (ev != TABLE_EV_PORT_LEARNED)
		return;
	s->a = a;
	s->tr = tr;
	s->n++;
}

/* Transports move from the entry to blocks of 4 and 8 and back. */
static void
test_transport_growth(void)
{
	struct table		*t = table_create(8, 8);
	struct assoc		*a, *b;
	struct transport	*tr;
	struct grow_seen	 seen;
	struct ipaddr		 x;
	size_t			 mem;
	int			 k, n, good = 1;

	table_set_hook(t, grow_hook, &seen);
	b = grow_entry(t, 100, 2);
	a = grow_entry(t, 0, 0);
	for (n = 1; n <= ASSOC_MAX_TRANSPORTS; n++) {
		x = addr4((uint32_t)n - 1);
		tr = table_transport(t, a, &x, 1);
		if (tr != &a->t[n - 1] || tr->num != n - 1)
			good = 0;
		/* What was learned before the move is still there. */
		for (k = 0; k < n - 1; k++)
			if (a->t[k].port != 1000 + k ||
			    a->t[k].fp_slot != (uint32_t)(50 + k))
				good = 0;
		memset(&seen, 0, sizeof(seen));
		if (table_learn_port(t, tr, (uint16_t)(1000 + n - 1)) != 1 ||
		    seen.n != 1 || seen.a != a || seen.tr != tr)
			good = 0;
		tr->fp_slot = (uint32_t)(50 + n - 1);
		if (!grow_found(t, 0, n))
			good = 0;
	}
	ok(good, "2 -> 4 -> 8 transports: kept, indexed, events name the "
	    "association");
	ok(grow_found(t, 100, 2), "the neighbour is untouched");
	memset(&seen, 0, sizeof(seen));
	for (k = 0; k < ASSOC_MAX_TRANSPORTS; k++)
		table_learn_port(t, &a->t[k], 2000);
	ok(seen.n == 0 && table_stats(t)->ports_changed == 8,
	    "each transport of a grown store learns in place");
	mem = table_memory(t);
	table_remove(t, a);
	a = grow_entry(t, 0, 2);
	ok(a != NULL && grow_found(t, 0, 2) && a->t[0].port == 0 &&
	    a->t[1].fp_slot == 0, "freed and reused: two fresh transports");
	a = grow_entry(t, 1, ASSOC_MAX_TRANSPORTS);
	b = grow_entry(t, 2, 3);
	ok(a != NULL && b != NULL && table_memory(t) == mem,
	    "blocks freed with their entry are reused");
	ok(grow_found(t, 1, 8) && grow_found(t, 2, 3) && grow_found(t, 0, 2),
	    "all found");
	table_free(t);
}

/* table_restore copies 1 to 8 transports into the table's own storage. */
static void
test_restore_transports(void)
{
	struct table		*t = table_create(16, 1);
	struct assoc_copy	 src;
	struct assoc		*a;
	struct grow_seen	 seen;
	int			 n, k, good = 1;

	table_set_hook(t, grow_hook, &seen);
	table_set_clock(t, 100);
	for (n = 1; n <= ASSOC_MAX_TRANSPORTS; n++) {
		assoc_copy_init(&src);
		src.a.lport = 1;
		src.a.pport = 2;
		src.a.ltag = (uint32_t)n + 1;
		src.a.ptag = ~(uint32_t)n;
		src.a.state = ASSOC_ESTABLISHED;
		src.a.last_active = 50;
		src.a.ntransports = (uint8_t)n;
		for (k = 0; k < n; k++) {
			src.t[k].addr = addr4((uint32_t)(n *
			    ASSOC_MAX_TRANSPORTS + k));
			src.t[k].port = (uint16_t)(3000 + k);
			src.t[k].num = 7;
			src.t[k].hnext = 12345;
			src.t[k].fp_slot = 99;
		}
		if ((a = table_restore(t, &src.a)) == NULL ||
		    a->t == src.a.t || !grow_found(t, (uint32_t)n, n))
			good = 0;
		/* The copy is deep: the source may go. */
		memset(&src, 0xa5, sizeof(src));
		for (k = 0; a != NULL && k < n; k++) {
			if (a->t[k].port != 3000 + k || a->t[k].fp_slot != 0)
				good = 0;
			memset(&seen, 0, sizeof(seen));
			if (table_learn_port(t, &a->t[k], 4000) != 1 ||
			    seen.a != a)
				good = 0;
		}
	}
	ok(good, "restored with 1..8 transports: found, deep, in place");
	table_free(t);
}

/* A deep copy keeps its own transports. */
static void
test_assoc_copy(void)
{
	struct table		*t = table_create(4, 4);
	struct assoc_copy	 c;
	struct assoc		*a = grow_entry(t, 5, 3), *b;

	b = assoc_copy(&c, a);
	ok(b == &c.a && b->t == c.t && b->ntransports == 3 &&
	    memcmp(&b->t[2].addr, &a->t[2].addr, sizeof(b->t[2].addr)) == 0,
	    "assoc_copy copies the transports");
	table_remove(t, a);
	ok(b->ntransports == 3 && b->ltag == 6,
	    "and outlives the entry");
	table_free(t);
}

/* This process's data segment size (VmData), in bytes; 0 if unknown. */
static size_t
vm_data(void)
{
	FILE		*f;
	char		 line[128];
	unsigned long	 kb = 0;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmData: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return ((size_t)kb * 1024);
}

/*
 * Fill a big table under a data limit a few MB above what the process
 * has: the table runs out of memory long before its limits.  Exits 0 if
 * that came as a counted full table with every earlier entry still found.
 */
static void
no_memory_child(void)
{
	struct table	*t = table_create(1000000, 1000);
	struct rlimit	 rl;
	struct assoc	*a = NULL;
	struct ipaddr	 x;
	uint32_t	 i, k, n;

	if (t == NULL || vm_data() == 0)
		_exit(2);
	rl.rlim_cur = rl.rlim_max = vm_data() + 4 * 1024 * 1024;
	if (setrlimit(RLIMIT_DATA, &rl) == -1)
		_exit(3);
	for (n = 0; n < 1000000; n++) {
		if ((a = table_new(t, 1, 2, 0, 0)) == NULL)
			break;
		table_set_ltag(t, a, n + 1);
		(void)table_establish(t, a);
		for (k = 0; k < 3; k++) {
			x = addr4(n * ASSOC_MAX_TRANSPORTS + k);
			(void)table_transport(t, a, &x, 1);
		}
	}
	if (a != NULL || n == 0 || table_stats(t)->full != 1)
		_exit(4);
	for (i = 0; i < n; i++)
		if (table_lookup_ltag(t, 1, 2, i + 1) == NULL)
			_exit(5);
	_exit(0);
}

/* ASan's allocator aborts at a data limit instead of returning NULL. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN	1
#endif
#endif

/* Out of memory is a full table, not a crash. */
static void
test_no_memory(void)
{
	pid_t	pid;
	int	status;

#ifdef TEST_ASAN
	ok(1, "# SKIP no data limit under AddressSanitizer");
	return;
#endif
	fflush(stdout);
	if ((pid = fork()) == 0)
		no_memory_child();
	ok(pid != -1 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "out of memory: counted as full, entries kept (status %d)",
	    pid != -1 ? status : -1);
}

/* ---- The reference model: arrays and linear search. -------------- */

#define M_ASSOCS	12
#define M_EMBRYONIC	8
#define M_SLOTS		(M_ASSOCS + M_EMBRYONIC)
#define M_ADDRS		12

struct model {
	int		 live;
	struct assoc	*p;
	uint32_t	 id;
	uint16_t	 lport, pport, port;
	uint32_t	 ltag, ptag;
	int		 state;
	uint32_t	 last_active;
	uint64_t	 seq;		/* LRU position in its list */
	int		 ntr;
	int		 addr[ASSOC_MAX_TRANSPORTS];	/* pool index */
	uint16_t	 tport[ASSOC_MAX_TRANSPORTS];
	int		 learned[ASSOC_MAX_TRANSPORTS];
};

struct mstate {
	struct table	*t;
	struct model	 m[M_SLOTS];
	struct ipaddr	 pool[M_ADDRS];
	uint32_t	 now, next_id;
	uint64_t	 seq;
	long		 op;
	int		 bad;
	uint32_t	 pnew;		/* percent of operations that are new */
};

/* Report the first difference only. */
static void
m_fail(struct mstate *s, const char *what)
{
	if (s->bad++ == 0)
		diag("model mismatch at op %ld: %s", s->op, what);
}

/* Live model entries in a state. */
static uint32_t
m_count(struct mstate *s, int state)
{
	uint32_t	i, n = 0;

	for (i = 0; i < M_SLOTS; i++)
		if (s->m[i].live && s->m[i].state == state)
			n++;
	return (n);
}

/* The model's preference order, as table.c documents it. */
static int
m_better(const struct model *a, const struct model *b)
{
	int	ra, rb;

	if (b == NULL)
		return (1);
	ra = a->state != ASSOC_EMBRYONIC;
	rb = b->state != ASSOC_EMBRYONIC;
	if (ra != rb)
		return (ra > rb);
	if (a->last_active != b->last_active)
		return (a->last_active > b->last_active);
	return (a->id > b->id);
}

/* Move to the hot end of its list. */
static void
m_hot(struct mstate *s, struct model *e)
{
	e->last_active = s->now;
	e->seq = ++s->seq;
}

/* Evict the oldest embryonic entry. */
static void
m_evict(struct mstate *s)
{
	struct model	*old = NULL;
	int		 i;

	for (i = 0; i < M_SLOTS; i++)
		if (s->m[i].live && s->m[i].state == ASSOC_EMBRYONIC &&
		    (old == NULL || s->m[i].seq < old->seq))
			old = &s->m[i];
	if (old != NULL)
		old->live = 0;
}

/* A random live entry, or NULL. */
static struct model *
m_pick(struct mstate *s)
{
	struct model	*e = &s->m[rng() % M_SLOTS];

	return (e->live ? e : NULL);
}

/* table_new on both. */
static void
m_new(struct mstate *s)
{
	struct model	*e = NULL;
	struct assoc	*a;
	uint16_t	 lport = rng() % 2 + 1, pport = rng() % 3 + 1;
	int		 i;

	if (m_count(s, ASSOC_EMBRYONIC) >= M_EMBRYONIC)
		m_evict(s);
	for (i = 0; i < M_SLOTS && e == NULL; i++)
		if (!s->m[i].live)
			e = &s->m[i];
	a = table_new(s->t, lport, pport, 0, 0);
	if (e == NULL || a == NULL || a->id != s->next_id) {
		m_fail(s, "table_new");
		return;
	}
	memset(e, 0, sizeof(*e));
	e->live = 1;
	e->p = a;
	e->id = s->next_id++;
	e->lport = lport;
	e->pport = pport;
	e->state = ASSOC_EMBRYONIC;
	m_hot(s, e);
}

/* Leave the embryonic state if the limit allows; 0 or -1. */
static int
m_establish(struct mstate *s, struct model *e)
{
	if (e->state != ASSOC_EMBRYONIC)
		return (0);
	if (m_count(s, ASSOC_ESTABLISHED) + m_count(s, ASSOC_CLOSING) >=
	    M_ASSOCS)
		return (-1);
	e->state = ASSOC_ESTABLISHED;
	m_hot(s, e);
	return (0);
}

/* table_set_state on both, with the same rules. */
static void
m_set_state(struct mstate *s, struct model *e, int state)
{
	table_set_state(s->t, e->p, (enum assoc_state)state);
	if (state == e->state || state == ASSOC_FREE || state > ASSOC_CLOSING)
		return;
	if (e->state == ASSOC_EMBRYONIC) {
		if (m_establish(s, e) == 0)
			e->state = state;
		return;
	}
	if (state == ASSOC_EMBRYONIC) {
		if (m_count(s, ASSOC_EMBRYONIC) >= M_EMBRYONIC)
			m_evict(s);
		m_hot(s, e);
	}
	e->state = state;
}

/* table_transport with create on both. */
static void
m_transport(struct mstate *s, struct model *e)
{
	struct transport	*tr;
	int			 k = rng() % M_ADDRS, i;

	tr = table_transport(s->t, e->p, &s->pool[k], 1);
	for (i = 0; i < e->ntr; i++)
		if (e->addr[i] == k) {
			if (tr != &e->p->t[i])
				m_fail(s, "table_transport existing");
			return;
		}
	if (e->ntr == ASSOC_MAX_TRANSPORTS) {
		if (tr != NULL)
			m_fail(s, "table_transport over the limit");
		return;
	}
	if (tr != &e->p->t[e->ntr])
		m_fail(s, "table_transport new");
	e->addr[e->ntr++] = k;
}

/* table_learn_port and table_port_for on both. */
static void
m_learn(struct mstate *s, struct model *e)
{
	uint16_t	port = rng() % 4;
	int		i, k, want = 0, got;

	if (e->ntr == 0)
		return;
	i = rng() % e->ntr;
	got = table_learn_port(s->t, &e->p->t[i], port);
	if (port != 0) {
		if (!e->learned[i])
			want = 1;
		else if (e->tport[i] != port)
			want = 2;
		e->learned[i] = 1;
		e->tport[i] = port;
		if (e->port == 0)
			e->port = port;
	}
	if (got != want)
		m_fail(s, "table_learn_port");
	k = rng() % M_ADDRS;
	want = e->port;
	for (i = 0; i < e->ntr; i++)
		if (e->addr[i] == k && e->tport[i] != 0)
			want = e->tport[i];
	if (table_port_for(e->p, &s->pool[k]) != want)
		m_fail(s, "table_port_for");
}

/* table_expire on both. */
static void
m_expire(struct mstate *s)
{
	uint32_t	i, n = 0, tmo;

	for (i = 0; i < M_SLOTS; i++) {
		if (!s->m[i].live)
			continue;
		tmo = s->m[i].state == ASSOC_EMBRYONIC ? 10 : 40;
		if (s->now - s->m[i].last_active > tmo) {
			s->m[i].live = 0;
			n++;
		}
	}
	if (table_expire(s->t, 40, 10) != n)
		m_fail(s, "table_expire count");
}

/* The model's answer for a lookup: which 0 ltag, 1 ptag, 2 address key. */
static struct assoc *
m_best(struct mstate *s, int which, uint16_t lport, uint16_t pport,
    uint32_t key)
{
	struct model	*e, *best = NULL;
	int		 i, j, hit;

	for (i = 0; i < M_SLOTS; i++) {
		e = &s->m[i];
		if (!e->live || e->lport != lport || e->pport != pport)
			continue;
		hit = 0;
		if (which == 0)
			hit = key != 0 && e->ltag == key;
		else if (which == 1)
			hit = key != 0 && e->ptag == key;
		for (j = 0; which == 2 && j < e->ntr; j++)
			hit |= e->addr[j] == (int)key;
		if (hit && m_better(e, best))
			best = e;
	}
	return (best ? best->p : NULL);
}

/* The three lookups on both, on random keys. */
static void
m_lookups(struct mstate *s)
{
	uint16_t	 lport = rng() % 2 + 1, pport = rng() % 3 + 1;
	uint32_t	 tag = rng() % 16, k = rng() % M_ADDRS;

	if (table_lookup_ltag(s->t, lport, pport, tag) !=
	    m_best(s, 0, lport, pport, tag))
		m_fail(s, "table_lookup_ltag");
	if (table_lookup_ptag(s->t, lport, pport, tag) !=
	    m_best(s, 1, lport, pport, tag))
		m_fail(s, "table_lookup_ptag");
	if (table_lookup_addr(s->t, lport, pport, &s->pool[k]) !=
	    m_best(s, 2, lport, pport, k))
		m_fail(s, "table_lookup_addr");
}

/* Each live entry's own keys find what the model says (chain integrity). */
static void
m_check_keys(struct mstate *s, struct model *e)
{
	int	j;

	if (e->ltag != 0 && table_lookup_ltag(s->t, e->lport, e->pport,
	    e->ltag) != m_best(s, 0, e->lport, e->pport, e->ltag))
		m_fail(s, "own ltag lookup");
	if (e->ptag != 0 && table_lookup_ptag(s->t, e->lport, e->pport,
	    e->ptag) != m_best(s, 1, e->lport, e->pport, e->ptag))
		m_fail(s, "own ptag lookup");
	for (j = 0; j < e->ntr; j++)
		if (table_lookup_addr(s->t, e->lport, e->pport,
		    &s->pool[e->addr[j]]) !=
		    m_best(s, 2, e->lport, e->pport, e->addr[j]))
			m_fail(s, "own address lookup");
}

/* Every live entry's fields, keys and the counts agree with the model. */
static void
m_check_all(struct mstate *s)
{
	struct model	*e;
	int		 i, st;

	for (i = 0; i < M_SLOTS; i++) {
		e = &s->m[i];
		if (!e->live)
			continue;
		if (e->p->id != e->id || e->p->state != e->state ||
		    e->p->ltag != e->ltag || e->p->ptag != e->ptag ||
		    e->p->last_active != e->last_active ||
		    e->p->ntransports != e->ntr || e->p->port != e->port)
			m_fail(s, "entry fields");
		m_check_keys(s, e);
	}
	for (st = ASSOC_EMBRYONIC; st <= ASSOC_CLOSING; st++)
		if (table_count(s->t, st) != m_count(s, st))
			m_fail(s, "table_count");
}

/* One random operation on an existing entry. */
static void
m_entry_op(struct mstate *s, struct model *e, uint32_t r)
{
	uint32_t	tag = rng() % 16;

	switch (r) {
	case 0:
		table_set_ltag(s->t, e->p, tag);
		e->ltag = tag;
		break;
	case 1:
		table_set_ptag(s->t, e->p, tag);
		e->ptag = tag;
		break;
	case 2:
		if (table_establish(s->t, e->p) != m_establish(s, e))
			m_fail(s, "table_establish");
		break;
	case 3:
		m_set_state(s, e, rng() % 5);
		break;
	case 4:
		table_touch(s->t, e->p);
		m_hot(s, e);
		break;
	case 5:
		table_remove(s->t, e->p);
		e->live = 0;
		break;
	case 6:
		m_transport(s, e);
		break;
	default:
		m_learn(s, e);
		break;
	}
}

/* One random operation. */
static void
m_step(struct mstate *s)
{
	uint32_t	 r = rng() % 100;
	struct model	*e;

	if (r < s->pnew)
		m_new(s);
	else if (r < s->pnew + 3) {
		s->now += rng() % 4;
		table_set_clock(s->t, s->now);
	} else if (r < s->pnew + 5)
		m_expire(s);
	else if (r < 50)
		m_lookups(s);
	else if ((e = m_pick(s)) != NULL)
		m_entry_op(s, e, (r - 50) / 6);
}

/* A million random operations against the reference model. */
static void
test_random(void)
{
	static struct mstate	s;
	const struct table_stats *st;
	const char		*env = getenv("TABLE_SEED");
	long			 nops = 1000000;
	int			 i;

	if (env != NULL)
		rng_state = strtoull(env, NULL, 0) | 1;
	diag("random test seed 0x%llx", (unsigned long long)rng_state);
	memset(&s, 0, sizeof(s));
	s.t = table_create(M_ASSOCS, M_EMBRYONIC);
	s.next_id = 1;
	for (i = 0; i < M_ADDRS; i++)
		s.pool[i] = i % 3 ? addr4(i) : addr6(i);
	for (s.op = 0; s.op < nops && s.bad == 0; s.op++) {
		/* Alternate churn (limits, eviction) and calm (expiry). */
		s.pnew = (s.op / 50000) % 2 ? 2 : 12;
		m_step(&s);
		if (s.op % 100 == 0)
			m_check_all(&s);
	}
	m_check_all(&s);
	ok(s.bad == 0, "%ld random operations match the model", s.op);
	st = table_stats(s.t);
	ok(st->evicted_embryonic > 0 && st->full > 0 &&
	    st->expired_embryonic > 0 && st->expired_idle > 0 &&
	    st->ports_changed > 0 && st->transports_full > 0,
	    "the random run reached eviction, limits, expiry, port changes");
	diag("random: %u embryonic %u established %u closing; stats: "
	    "evicted %llu full %llu expired %llu+%llu tfull %llu",
	    table_count(s.t, ASSOC_EMBRYONIC),
	    table_count(s.t, ASSOC_ESTABLISHED),
	    table_count(s.t, ASSOC_CLOSING),
	    (unsigned long long)table_stats(s.t)->evicted_embryonic,
	    (unsigned long long)table_stats(s.t)->full,
	    (unsigned long long)table_stats(s.t)->expired_embryonic,
	    (unsigned long long)table_stats(s.t)->expired_idle,
	    (unsigned long long)table_stats(s.t)->transports_full);
	table_free(s.t);
}

/* Counts live entries for table_foreach. */
static void
count_cb(struct assoc *a, void *arg)
{
	(*(uint32_t *)arg)++;
}

/* table_foreach visits each live entry once. */
static void
test_foreach(void)
{
	struct table	*t = table_create(10, 10);
	struct assoc	*a[6];
	uint32_t	 n = 0, i;

	for (i = 0; i < 6; i++)
		a[i] = table_new(t, 1, 2, 0, 0);
	table_establish(t, a[0]);
	table_remove(t, a[3]);
	table_foreach(t, count_cb, &n);
	ok(n == 5, "foreach visits 5 live entries");
	table_free(t);
}

/* Counts hook calls, for table_restore's silence. */
static void
restore_hook(enum table_event ev, struct assoc *a,
    struct transport *tr, uint16_t old_port, void *arg)
{
	(*(int *)arg)++;
}

/* A saved entry as state.c hands it over: ids, times and links set. */
static void
restore_src(struct assoc_copy *c, uint32_t id, enum assoc_state state,
    uint32_t last_active, uint32_t n)
{
	struct assoc	*a = &c->a;
	struct ipaddr	 x = addr4(n);

	assoc_copy_init(c);
	a->lport = 7;
	a->pport = (uint16_t)n;
	a->ltag = state == ASSOC_EMBRYONIC ? 0 : 0x1000 + n;
	a->ptag = 0x2000 + n;
	a->state = (uint8_t)state;
	a->id = id;
	a->created = last_active;
	a->last_active = last_active;
	a->ntransports = 1;
	a->t[0].addr = x;
	a->t[0].port = (uint16_t)(40000 + n);
	a->t[0].flags = TRANSPORT_LEARNED;
	/* Stale links from the old process must not be believed. */
	a->lnext = a->pnext = a->lru_prev = a->lru_next = 12345;
	a->t[0].hnext = 999;
	a->t[0].num = 5;
	a->t[0].fp_slot = 77;
}

/* table_restore: indexes, limits, ids, ordering for expiry, no events. */
static void
test_restore(void)
{
	struct table	*t = table_create(3, 1);
	struct assoc_copy src;
	struct assoc	*a;
	struct ipaddr	 x = addr4(2);
	int		 events = 0;
	uint32_t	 n;

	table_set_hook(t, restore_hook, &events);
	table_set_clock(t, 1000);
	/* Out of order: 900, 500, 800; the expiry must still be exact. */
	restore_src(&src, 500, ASSOC_ESTABLISHED, 900, 1);
	ok(table_restore(t, &src.a) != NULL, "restore an established entry");
	restore_src(&src, 70, ASSOC_CLOSING, 500, 2);
	ok((a = table_restore(t, &src.a)) != NULL && a->state == ASSOC_CLOSING,
	    "restore a closing entry");
	restore_src(&src, 71, ASSOC_ESTABLISHED, 800, 3);
	ok(table_restore(t, &src.a) != NULL, "restore a third");
	restore_src(&src, 72, ASSOC_ESTABLISHED, 800, 4);
	ok(table_restore(t, &src.a) == NULL, "the established limit holds");
	restore_src(&src, 9, ASSOC_EMBRYONIC, 990, 5);
	ok(table_restore(t, &src.a) != NULL, "restore an embryonic entry");
	restore_src(&src, 10, ASSOC_EMBRYONIC, 995, 6);
	ok(table_restore(t, &src.a) == NULL && table_count(t, ASSOC_EMBRYONIC)
	    == 1, "the embryonic limit holds: nothing evicted");
	restore_src(&src, 11, ASSOC_FREE, 995, 6);
	ok(table_restore(t, &src.a) == NULL, "a free entry is refused");
	ok(events == 0, "no events from restoring");
	a = table_lookup_ltag(t, 7, 2, 0x1002);
	ok(a != NULL && a->id == 70 && table_lookup_ptag(t, 7, 2, 0x2002) == a
	    && table_lookup_addr(t, 7, 2, &x) == a &&
	    table_port_for(a, &x) == 40002,
	    "found by both tags and the address, port kept");
	ok(table_count(t, ASSOC_ESTABLISHED) == 2 &&
	    table_count(t, ASSOC_CLOSING) == 1, "counts by state");
	a = table_new(t, 1, 1, 0, 0);
	ok(a != NULL && a->id > 500, "new ids above every restored one");
	if (a != NULL)
		table_remove(t, a);
	/* Restored as 900, 500, 800: a list in insertion order would stop
	   at 900 (idle 250) and expire nothing. */
	table_set_clock(t, 1150);
	n = table_expire(t, 300, 60);
	ok(n == 2 && table_lookup_ltag(t, 7, 1, 0x1001) != NULL,
	    "expiry drops exactly the entries idle too long (%u)", n);
	table_set_clock(t, 2000);
	restore_src(&src, 0, ASSOC_ESTABLISHED, 5000, 8);
	a = table_restore(t, &src.a);
	ok(a != NULL && a->id > 500, "id 0 gets a fresh id (%u)",
	    a != NULL ? a->id : 0);
	ok(a != NULL && a->last_active == 2000 && a->created == 2000,
	    "times after the clock are clamped to it");
	table_free(t);
}

/* table_generation moves on changes worth saving, not on activity. */
static void
test_generation(void)
{
	struct table		*t = table_create(4, 4);
	struct assoc_copy	 src;
	struct assoc		*a;
	struct transport	*tr;
	struct ipaddr		 x = addr4(1);
	uint64_t		 g;

	g = table_generation(t);
	a = table_new(t, 1, 2, 0, 0);
	ok(table_generation(t) != g, "new moves it");
	g = table_generation(t);
	table_set_ltag(t, a, 5);
	ok(table_generation(t) != g, "a tag moves it");
	g = table_generation(t);
	tr = table_transport(t, a, &x, 1);
	ok(table_generation(t) != g, "a transport moves it");
	g = table_generation(t);
	table_learn_port(t, tr, 4000);
	ok(table_generation(t) != g, "a learned port moves it");
	g = table_generation(t);
	table_learn_port(t, tr, 4000);
	table_touch(t, a);
	ok(table_generation(t) == g, "the same port again and activity don't");
	table_learn_port(t, tr, 4001);
	ok(table_generation(t) != g, "a moved port does");
	g = table_generation(t);
	table_establish(t, a);
	ok(table_generation(t) != g, "establish does");
	g = table_generation(t);
	table_set_state(t, a, ASSOC_CLOSING);
	ok(table_generation(t) != g, "a state change does");
	g = table_generation(t);
	table_remove(t, a);
	ok(table_generation(t) != g, "remove does");
	g = table_generation(t);
	table_set_clock(t, 100);
	restore_src(&src, 3, ASSOC_ESTABLISHED, 10, 1);
	(void)table_restore(t, &src.a);
	ok(table_generation(t) != g, "restore does");
	g = table_generation(t);
	(void)table_expire(t, 50, 50);
	ok(table_generation(t) != g, "expiry does");
	table_free(t);
}

int
main(void)
{
	/* A corrupted chain loops forever: fail instead of hanging. */
	alarm(300);
	diag("sizeof(struct assoc) = %zu, sizeof(struct transport) = %zu",
	    sizeof(struct assoc), sizeof(struct transport));
	test_basic();
	test_tag_zero();
	test_retag();
	test_ports();
	test_preference();
	test_embryonic_limit();
	test_flood();
	test_establish_limit();
	test_expire();
	test_expire_cost();
	test_transports();
	test_reuse();
	test_growth();
	test_growth_limits();
	test_transport_growth();
	test_restore_transports();
	test_assoc_copy();
	test_no_memory();
	test_foreach();
	test_restore();
	test_generation();
	test_random();
	return (tap_done(0));
}
