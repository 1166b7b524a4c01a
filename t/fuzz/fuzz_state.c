/*
 * fuzz_state: the state file reader (proxy/state.c, table_restore) given
 * any bytes as the file.  A file whose CRC32c trailer is zero gets the
 * right one first, so that the records behind it are reached; real state
 * files (the seeds) go in as they are.
 *
 * The wall clock is the file's own save time plus FS_DOWN seconds, so that
 * an input means the same whenever it runs; the records' idle times are
 * the fuzzer's to vary.
 *
 * A refused file must come with a cause naming it and leave the table
 * untouched.  A loaded one must account for every record (restored, aged,
 * unmatched or no room), keep the table's limits, give each entry the
 * peer the configuration matches now, be found by its tags and addresses,
 * and expire whole: the LRU lists hold every entry once.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crc32c.h"
#include "fuzz.h"
#include "state.h"
#include "table.h"

#define FS_PATH		"fuzz.state"
#define FS_CLOCK	50000
#define FS_MAX_ASSOCS	4
#define FS_MAX_EMBRYONIC 2
#define FS_DOWN		60		/* seconds between save and load */

static const char fs_conf[] =
    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ]; },\n"
    "    { name = \"b\"; prefixes = [ \"192.0.2.0/24\", \"2001:db8::/32\" ]; "
    "} );\n"
    "limits = { idle_timeout = 600; embryonic_timeout = 60; };\n";

struct fs_check {
	struct table		*tb;
	const struct config	*conf;
	uint32_t		 n;
};

/* table_foreach() callback: one restored entry is whole and findable. */
static void
fs_check_entry(struct assoc *a, void *arg)
{
	struct fs_check	*c = arg;
	int		 k;

	c->n++;
	FUZZ_ASSERT(a->state >= ASSOC_EMBRYONIC && a->state <= ASSOC_CLOSING);
	FUZZ_ASSERT(a->ntransports <= ASSOC_MAX_TRANSPORTS);
	FUZZ_ASSERT(a->last_active <= FS_CLOCK && a->created <= a->last_active);
	FUZZ_ASSERT(a->id != 0);
	FUZZ_ASSERT(config_match_assoc(c->conf, a) == a->peer_id);
	FUZZ_ASSERT(a->ltag == 0 ||
	    table_lookup_ltag(c->tb, a->lport, a->pport, a->ltag) != NULL);
	FUZZ_ASSERT(a->ptag == 0 ||
	    table_lookup_ptag(c->tb, a->lport, a->pport, a->ptag) != NULL);
	for (k = 0; k < a->ntransports; k++)
		FUZZ_ASSERT(table_lookup_addr(c->tb, a->lport, a->pport,
		    &a->t[k].addr) != NULL);
}

/* A loaded table: counts, limits, entries, and expiry of all of it. */
static void
fs_check_loaded(struct table *tb, const struct config *conf, int rc,
    const struct state_counts *sc)
{
	struct fs_check	 c = { tb, conf, 0 };
	uint32_t	 settled;

	FUZZ_ASSERT((uint32_t)rc == sc->restored);
	FUZZ_ASSERT(sc->in_file == sc->restored + sc->aged + sc->unmatched +
	    sc->no_room);
	settled = table_count(tb, ASSOC_ESTABLISHED) +
	    table_count(tb, ASSOC_CLOSING);
	FUZZ_ASSERT(table_count(tb, ASSOC_EMBRYONIC) <= FS_MAX_EMBRYONIC);
	FUZZ_ASSERT(settled <= FS_MAX_ASSOCS);
	FUZZ_ASSERT(table_count(tb, ASSOC_EMBRYONIC) + settled ==
	    sc->restored);
	table_foreach(tb, fs_check_entry, &c);
	FUZZ_ASSERT(c.n == sc->restored);
	table_set_clock(tb, FS_CLOCK + 1000000);
	FUZZ_ASSERT(table_expire(tb, 600, 60) == sc->restored);
	FUZZ_ASSERT(table_count(tb, ASSOC_EMBRYONIC) +
	    table_count(tb, ASSOC_ESTABLISHED) +
	    table_count(tb, ASSOC_CLOSING) == 0);
}

/* The save time a state file records (0 if it is too short for one). */
static uint64_t
fs_saved(const uint8_t *buf, size_t size)
{
	uint64_t	v = 0;
	size_t		i;

	if (size < 32)
		return 0;
	for (i = 24; i < 32; i++)
		v = v << 8 | buf[i];
	return v;
}

/* One input: the bytes of a state file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config	*conf;
	struct state_counts	 sc;
	struct table		*tb;
	uint8_t			*buf;
	char			*cause;
	uint32_t		 crc;
	int			 rc;

	if (conf == NULL && (conf = config_load_text("fuzz.conf", fs_conf,
	    &cause)) == NULL)
		abort();
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (size >= STATE_HEADER_SIZE + STATE_TRAILER_SIZE &&
	    memcmp(buf + size - 4, "\0\0\0\0", 4) == 0) {
		crc = crc32c_value(buf, size - 4);
		buf[size - 4] = (uint8_t)(crc >> 24);
		buf[size - 3] = (uint8_t)(crc >> 16);
		buf[size - 2] = (uint8_t)(crc >> 8);
		buf[size - 1] = (uint8_t)crc;
	}
	if ((tb = table_create(FS_MAX_ASSOCS, FS_MAX_EMBRYONIC)) == NULL)
		abort();
	table_set_clock(tb, FS_CLOCK);
	rc = state_load_buffer(tb, conf, FS_PATH, buf, size,
	    fs_saved(buf, size) + FS_DOWN, &sc, &cause);
	if (rc == -1) {
		FUZZ_ASSERT(cause != NULL && strncmp(cause, FS_PATH ": ",
		    strlen(FS_PATH ": ")) == 0);
		FUZZ_ASSERT(table_generation(tb) == 0);
	} else
		fs_check_loaded(tb, conf, rc, &sc);
	free(cause);
	table_free(tb);
	free(buf);
	return 0;
}
