/*
 * tablebench: what the association table (common/table.c) costs, in time
 * and memory, from a thousand associations to a million.
 *
 *	tablebench [max]
 *
 * For 1000, 100000 and 1000000 associations (those up to max) it fills a
 * table with established entries of two transports each, then times
 * lookups by local tag, peer tag and peer address of random entries (all
 * hits; the keys are drawn before the clock starts, so only the table is
 * timed).  Next to them, what one dependent random read costs over as
 * much memory as the table holds: a lookup is a few such reads at every
 * size (the chains stay short), so its cost follows the memory's, which
 * rises from cache to DRAM with page walks.  Then the bytes per
 * association with 1, 2 and 8 transports, by the table's own count
 * (table_memory) and by malloc's (mallinfo2), and the resident size of an
 * empty table with sctptund's default limits.
 * Prints figures; sets no thresholds.  Exit status 1 if a lookup misses.
 */
#include <sys/socket.h>

#include <inttypes.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "table.h"

#define TB_QUERIES	(1U << 20)
#define TB_ROUNDS	3
#define TB_LPORT	5000
#define TB_PPORT	6000

/* What one lookup asks for. */
struct tb_query {
	uint16_t	pport;
	uint32_t	tag;
	struct ipaddr	addr;
};

static uint64_t	tb_rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the same keys every run. */
static uint32_t
tb_rng(void)
{
	tb_rng_state ^= tb_rng_state >> 12;
	tb_rng_state ^= tb_rng_state << 25;
	tb_rng_state ^= tb_rng_state >> 27;
	return ((uint32_t)((tb_rng_state * 0x2545f4914f6cdd1dULL) >> 32));
}

/* Monotonic seconds. */
static double
tb_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Transport k of entry i: a distinct IPv4 address. */
static struct ipaddr
tb_addr(uint32_t i, uint32_t k)
{
	struct ipaddr	a;
	uint32_t	n = i * ASSOC_MAX_TRANSPORTS + k;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.u.bytes[0] = (uint8_t)(10 + (n >> 24));
	a.u.bytes[1] = (uint8_t)(n >> 16);
	a.u.bytes[2] = (uint8_t)(n >> 8);
	a.u.bytes[3] = (uint8_t)n;
	return (a);
}

/* Entry i's tags: distinct, never 0, scattered. */
static uint32_t
tb_ltag(uint32_t i)
{
	return ((i + 1) * 2654435761U | 1);
}

static uint32_t
tb_ptag(uint32_t i)
{
	return ((i + 1) * 2246822519U | 1);
}

/* n established entries with ntr transports each; -1 if one fails. */
static int
tb_fill(struct table *t, uint32_t n, uint32_t ntr)
{
	struct assoc	*a;
	struct ipaddr	 x;
	uint32_t	 i, k;

	for (i = 0; i < n; i++) {
		if ((a = table_new(t, TB_LPORT, TB_PPORT + i % 16, 0, 0)) ==
		    NULL)
			return (-1);
		table_set_ltag(t, a, tb_ltag(i));
		table_set_ptag(t, a, tb_ptag(i));
		if (table_establish(t, a) == -1)
			return (-1);
		for (k = 0; k < ntr; k++) {
			x = tb_addr(i, k);
			if (table_transport(t, a, &x, 1) == NULL)
				return (-1);
		}
	}
	return (0);
}

/* Best of TB_ROUNDS: lookups per second of one kind; *misses counted. */
static double
tb_time(struct table *t, const struct tb_query *q, int kind,
    uint64_t *misses)
{
	struct assoc	*a;
	double		 t0, best = 0;
	uint32_t	 i;
	int		 r;

	for (r = 0; r < TB_ROUNDS; r++) {
		t0 = tb_now();
		for (i = 0; i < TB_QUERIES; i++) {
			if (kind == 0)
				a = table_lookup_ltag(t, TB_LPORT, q[i].pport,
				    q[i].tag);
			else if (kind == 1)
				a = table_lookup_ptag(t, TB_LPORT, q[i].pport,
				    q[i].tag);
			else
				a = table_lookup_addr(t, TB_LPORT, q[i].pport,
				    &q[i].addr);
			*misses += a == NULL;
		}
		t0 = tb_now() - t0;
		if (best == 0 || TB_QUERIES / t0 > best)
			best = TB_QUERIES / t0;
	}
	return (best);
}

/*
 * Nanoseconds per dependent random read over bytes of memory: a chase
 * through a random cycle of its cache lines.
 */
static double
tb_memory_latency(size_t bytes)
{
	uint64_t	*b, *perm, p = 0, tmp;
	size_t		 n = bytes / 64, i, j;
	double		 t0;

	if (n < 2 || (b = malloc(n * 64)) == NULL)
		return (0);
	if ((perm = malloc(n * sizeof(*perm))) == NULL) {
		free(b);
		return (0);
	}
	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = ((uint64_t)tb_rng() << 32 | tb_rng()) % (i + 1);
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < n; i++)
		b[perm[i] * 8] = perm[(i + 1) % n] * 8;
	free(perm);
	t0 = tb_now();
	for (i = 0; i < TB_QUERIES; i++)
		p = b[p];
	t0 = tb_now() - t0;
	free(b);
	return (p == 1 ? 0 : t0 * 1e9 / TB_QUERIES);
}

/* Lookups per second at n associations; -1 on a miss or no memory. */
static int
tb_lookups(uint32_t n)
{
	struct table	*t;
	struct tb_query	*q;
	uint64_t	 misses = 0;
	double		 rate[3];
	uint32_t	 i, e;
	int		 kind;

	if ((t = table_create(n, 1024)) == NULL ||
	    (q = calloc(TB_QUERIES, sizeof(*q))) == NULL ||
	    tb_fill(t, n, 2) == -1) {
		fprintf(stderr, "tablebench: %u entries: no memory\n", n);
		return (-1);
	}
	for (kind = 0; kind < 3; kind++) {
		for (i = 0; i < TB_QUERIES; i++) {
			e = tb_rng() % n;
			q[i].pport = (uint16_t)(TB_PPORT + e % 16);
			q[i].tag = kind == 0 ? tb_ltag(e) : tb_ptag(e);
			q[i].addr = tb_addr(e, tb_rng() % 2);
		}
		rate[kind] = tb_time(t, q, kind, &misses);
	}
	printf("%8u associations: lookups/s by ltag %.2fM, by ptag %.2fM, "
	    "by addr %.2fM (%.0f, %.0f, %.0f ns each); one random read over "
	    "%zu MB: %.0f ns\n", n, rate[0] / 1e6, rate[1] / 1e6,
	    rate[2] / 1e6, 1e9 / rate[0], 1e9 / rate[1], 1e9 / rate[2],
	    table_memory(t) >> 20, tb_memory_latency(table_memory(t)));
	free(q);
	table_free(t);
	if (misses != 0)
		fprintf(stderr, "tablebench: %" PRIu64 " lookups missed\n",
		    misses);
	return (misses != 0 ? -1 : 0);
}

/* Bytes malloc has handed out, heap and mmap. */
static size_t
tb_malloc_bytes(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	struct mallinfo2	mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
#else
	return (0);
#endif
}

/* Resident bytes of this process. */
static size_t
tb_rss(void)
{
	FILE		*f;
	unsigned long	 size, resident = 0;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return (0);
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return ((size_t)resident * (size_t)sysconf(_SC_PAGESIZE));
}

/* Bytes per association with ntr transports, n of them. */
static int
tb_bytes(uint32_t n, uint32_t ntr)
{
	struct table	*t;
	size_t		 m0, h0, r0;

	h0 = tb_malloc_bytes();
	r0 = tb_rss();
	if ((t = table_create(n, 4096)) == NULL)
		return (-1);
	m0 = table_memory(t);
	if (tb_fill(t, n, ntr) == -1) {
		table_free(t);
		return (-1);
	}
	printf("%u transport%s: %zu bytes per association (table), "
	    "%zu (malloc), %zu (resident)\n", ntr, ntr == 1 ? " " : "s",
	    (table_memory(t) - m0) / n, (tb_malloc_bytes() - h0) / n,
	    (tb_rss() - r0) / n);
	table_free(t);
	return (0);
}

/* The resident cost of an idle table with sctptund's default limits. */
static int
tb_empty(void)
{
	struct table	*t;
	size_t		 r0, h0;

	/* The first stdio and malloc calls set up their own memory. */
	printf("page size %ld\n", sysconf(_SC_PAGESIZE));
	free(malloc(64));
	(void)tb_rss();
	r0 = tb_rss();
	h0 = tb_malloc_bytes();
	if ((t = table_create(65536, 4096)) == NULL)
		return (-1);
	printf("empty table_create(65536, 4096): %zu bytes (table), %zu "
	    "(malloc), %zu resident\n", table_memory(t),
	    tb_malloc_bytes() - h0, tb_rss() - r0);
	table_free(t);
	return (0);
}

int
main(int argc, char **argv)
{
	static const uint32_t	 sizes[] = { 1000, 100000, 1000000 };
	static const uint32_t	 ntrs[] = { 1, 2, 8 };
	unsigned long		 max = 1000000;
	size_t			 i;
	int			 rc = 0;

	if (argc > 2 || (argc == 2 && (max = strtoul(argv[1], NULL, 10)) <
	    1000)) {
		fprintf(stderr, "usage: tablebench [max associations, >= "
		    "1000]\n");
		return (2);
	}
	/* Empty first: nothing freed yet, so the heap has no holes that
	   would hide what it costs. */
	if (tb_empty() == -1)
		rc = 1;
	printf("sizeof(struct assoc) %zu, sizeof(struct transport) %zu\n",
	    sizeof(struct assoc), sizeof(struct transport));
	for (i = 0; i < sizeof(ntrs) / sizeof(ntrs[0]); i++)
		if (tb_bytes(65536, ntrs[i]) == -1)
			rc = 1;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i] <= max && tb_lookups(sizes[i]) == -1)
			rc = 1;
	return (rc);
}
