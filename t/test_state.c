/*
 * test_state: unit tests for proxy/state.c - a save and load round trip
 * keeps every field (times moved to the new table clock), the file format
 * is what state.h says, broken files are refused without touching the
 * table, stale and unconfigured entries are dropped, the limits hold, and
 * the save schedule (state_due) follows the table's changes.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "crc32c.h"
#include "path.h"
#include "state.h"
#include "table.h"
#include "tap.h"

static char	 dir[] = "/tmp/test_state.XXXXXX";
static char	 statepath[256];

/* A file in the scratch directory. */
static const char *
tmpfile_path(const char *name)
{
	static char	 buf[4][256];
	static int	 n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", dir, name);
	return (buf[n]);
}

/* Write text to a file. */
static void
write_text(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	if (fp == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
}

/* A configuration with the peers given as libconfig text. */
static struct config *
conf_with(const char *peers)
{
	const char	*path = tmpfile_path("sctptun.conf");
	struct config	*c;
	char		 text[1024], *cause;

	snprintf(text, sizeof(text), "peers = ( %s );\n"
	    "limits = { idle_timeout = 600; embryonic_timeout = 60; };\n",
	    peers);
	write_text(path, text);
	if ((c = config_load(path, &cause)) == NULL) {
		printf("Bail out! config: %s\n", cause);
		exit(1);
	}
	return (c);
}

/* An address from text. */
static struct ipaddr
addr(const char *s)
{
	struct ipaddr	a;

	if (addr_pton(s, &a) == -1) {
		printf("Bail out! bad address %s\n", s);
		exit(1);
	}
	return (a);
}

/* Read a whole file into a malloc'd buffer. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "r");
	uint8_t	*buf;
	long	 n;

	if (fp == NULL)
		return (NULL);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc(n > 0 ? (size_t)n : 1);
	*len = fread(buf, 1, (size_t)n, fp);
	fclose(fp);
	return (buf);
}

/* Write a buffer to a file. */
static void
spit(const char *path, const uint8_t *buf, size_t len)
{
	FILE	*fp = fopen(path, "w");

	fwrite(buf, 1, len, fp);
	fclose(fp);
}

/* Big-endian access into a file image. */
static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Recompute the trailer of an edited image. */
static void
fix_crc(uint8_t *buf, size_t len)
{
	put_be32(buf + len - 4, crc32c_value(buf, len - 4));
}

/*
 * The reference table, clock 10000: an established association with an
 * IPv4 transport behind a NAT (learned port 40001) and an IPv6 one, a
 * closing one, and an embryonic one, with known ages.
 */
static struct table *
build_table(void)
{
	struct table		*t = table_create(16, 8);
	struct assoc		*a;
	struct transport	*tr;
	struct ipaddr		 x;

	table_set_clock(t, 9000);
	a = table_new(t, 7000, 5000, 0, 1);
	table_set_ltag(t, a, 0x11111111);
	table_set_ptag(t, a, 0x22222222);
	x = addr("10.1.2.3");
	tr = table_transport(t, a, &x, 1);
	tr->flags |= TRANSPORT_FROM_INIT;
	table_set_clock(t, 9500);
	table_learn_port(t, tr, 40001);
	tr->rx_packets = 77;
	tr->tx_packets = 88;
	x = addr("2001:db8::7");
	tr = table_transport(t, a, &x, 1);
	table_establish(t, a);
	a->rx_packets = 1000;
	a->rx_bytes = 123456789012ULL;
	a->tx_packets = 2000;
	a->tx_bytes = 42;

	table_set_clock(t, 9800);
	a = table_new(t, 7001, 5001, 0, 0);
	table_set_ltag(t, a, 0x33333333);
	table_set_ptag(t, a, 0x44444444);
	x = addr("10.9.9.9");
	table_learn_port(t, table_transport(t, a, &x, 1), 9899);
	table_establish(t, a);
	table_set_state(t, a, ASSOC_CLOSING);

	table_set_clock(t, 9990);
	a = table_new(t, 7002, 5002, 0, 0);
	table_set_ptag(t, a, 0x55555555);
	x = addr("10.5.5.5");
	(void)table_transport(t, a, &x, 1);

	table_set_clock(t, 10000);
	a = table_lookup_ltag(t, 7000, 5000, 0x11111111);
	table_touch(t, a);		/* idle 0 */
	return (t);
}

/* Save the reference table; the file has the documented layout. */
static void
test_format(void)
{
	struct table	*t = build_table();
	uint8_t		*buf;
	size_t		 len;
	char		*cause;
	struct stat	 st;
	int		 rv;

	rv = state_save(t, statepath, &cause);
	ok(rv == 0, "save: %s", cause != NULL ? cause : "ok");
	free(cause);
	ok(stat(tmpfile_path("state.tmp"), &st) == -1,
	    "no temporary file left behind");
	buf = slurp(statepath, &len);
	ok(buf != NULL && len == STATE_HEADER_SIZE + 3 * STATE_RECORD_SIZE +
	    STATE_TRAILER_SIZE, "3 records: %zu bytes", len);
	ok(buf != NULL && memcmp(buf, "SCTPTUNS", 8) == 0, "magic");
	ok(buf != NULL && be32(buf + 8) == STATE_VERSION &&
	    be32(buf + 12) == STATE_RECORD_SIZE && be32(buf + 16) == 3,
	    "version, record size and count, big-endian");
	ok(buf != NULL && be32(buf + len - 4) == crc32c_value(buf, len - 4),
	    "CRC32c trailer over the rest");
	ok(stat(statepath, &st) == 0 && (st.st_mode & 0777) == 0640,
	    "mode 0640");
	free(buf);
	table_free(t);
}

/* Field by field comparison of a restored entry with the original. */
static int
same_assoc(const struct assoc *a, const struct assoc *b, uint32_t shift)
{
	int	n;

	if (a->lport != b->lport || a->pport != b->pport ||
	    a->ltag != b->ltag || a->ptag != b->ptag ||
	    a->state != b->state || a->ntransports != b->ntransports ||
	    a->local_initiated != b->local_initiated || a->port != b->port ||
	    a->id != b->id || a->created + shift != b->created ||
	    a->last_active + shift != b->last_active ||
	    a->rx_packets != b->rx_packets || a->rx_bytes != b->rx_bytes ||
	    a->tx_packets != b->tx_packets || a->tx_bytes != b->tx_bytes)
		return (0);
	for (n = 0; n < a->ntransports; n++)
		if (memcmp(&a->t[n].addr, &b->t[n].addr, sizeof(a->t[n].addr))
		    != 0 || a->t[n].port != b->t[n].port ||
		    a->t[n].flags != b->t[n].flags ||
		    a->t[n].learned_at + shift != b->t[n].learned_at ||
		    a->t[n].last_seen + shift != b->t[n].last_seen ||
		    a->t[n].rx_packets != b->t[n].rx_packets ||
		    a->t[n].tx_packets != b->t[n].tx_packets)
			return (0);
	return (1);
}

/* Load into a fresh table whose clock is elsewhere; all comes back. */
static void
test_roundtrip(void)
{
	struct table		*old = build_table(), *t = table_create(16, 8);
	struct config		*c;
	struct state_counts	 sc;
	struct assoc		*o, *a;
	struct ipaddr		 x = addr("10.1.2.3");
	char			*cause;
	uint32_t		 maxid;
	int			 rv;

	/* Another peer first: "far" is peer 1 now. */
	c = conf_with("{ name = \"other\"; prefixes = [ \"192.0.2.0/24\" ]; "
	    "}, { name = \"far\"; prefixes = [ \"10.0.0.0/8\" ]; }");
	table_set_clock(t, 50000);	/* a new process, a new clock */
	rv = state_load(t, c, statepath, &sc, &cause);
	ok(rv == 3, "3 restored");
	ok(sc.in_file == 3 && sc.restored == 3 && sc.aged == 0 &&
	    sc.unmatched == 0 && sc.no_room == 0 && sc.down_secs <= 2,
	    "counts: %u in file, %u restored, down %u s", sc.in_file,
	    sc.restored, sc.down_secs);
	ok(table_count(t, ASSOC_ESTABLISHED) == 1 &&
	    table_count(t, ASSOC_CLOSING) == 1 &&
	    table_count(t, ASSOC_EMBRYONIC) == 1, "states kept");
	o = table_lookup_ltag(old, 7000, 5000, 0x11111111);
	a = table_lookup_ltag(t, 7000, 5000, 0x11111111);
	ok(a != NULL && table_lookup_ptag(t, 7000, 5000, 0x22222222) == a &&
	    table_lookup_addr(t, 7000, 5000, &x) == a,
	    "found by local tag, peer tag and address");
	/* The old clock was 10000, the new is 50000 (+ a second, maybe). */
	ok(a != NULL && (same_assoc(o, a, 40000) || same_assoc(o, a, 40001)),
	    "every field kept, times shifted to the new clock");
	ok(a != NULL && table_port_for(a, &x) == 40001,
	    "the NAT's learned port survives");
	ok(a != NULL && a->peer_id == 1, "peer_id re-derived from the "
	    "configuration (far is now peer 1)");
	a = table_lookup_ptag(t, 7002, 5002, 0x55555555);
	ok(a != NULL && a->state == ASSOC_EMBRYONIC && a->ltag == 0,
	    "the embryonic entry, tag 0 unindexed");
	maxid = 3;
	a = table_new(t, 1, 2, 0, 0);
	ok(a != NULL && a->id > maxid, "new ids go on above (%u)",
	    a != NULL ? a->id : 0);
	free(cause);
	config_free(c);
	table_free(old);
	table_free(t);
}

/* Idle long before the save, or down long: not restored. */
static void
test_stale(void)
{
	struct table		*t = table_create(16, 8), *old;
	struct config		*c = conf_with("{ name = \"far\"; prefixes = "
				    "[ \"10.0.0.0/8\" ]; }");
	struct state_counts	 sc;
	struct assoc		*a;
	struct ipaddr		 x = addr("10.1.1.1");
	uint8_t			*buf;
	size_t			 len;
	char			*cause;
	const char		*p = tmpfile_path("stale");
	int			 rv;

	old = table_create(16, 8);
	table_set_clock(old, 1000);
	a = table_new(old, 1, 1, 0, 0);		/* idle 700 at the save */
	table_set_ltag(old, a, 1);
	table_transport(old, a, &x, 1);
	table_establish(old, a);
	table_set_clock(old, 1500);
	a = table_new(old, 2, 2, 0, 0);		/* idle 200 */
	table_set_ltag(old, a, 2);
	table_transport(old, a, &x, 1);
	table_establish(old, a);
	a = table_new(old, 3, 3, 0, 0);		/* embryonic, idle 200 */
	table_transport(old, a, &x, 1);
	table_set_clock(old, 1690);
	a = table_new(old, 4, 4, 0, 0);		/* embryonic, idle 10 */
	table_transport(old, a, &x, 1);
	table_set_clock(old, 1700);
	ok(state_save(old, p, &cause) == 0, "saved 4 entries");
	table_set_clock(t, 100000);
	ok(state_load(t, c, p, &sc, &cause) == 2 && sc.aged == 2,
	    "an entry idle past idle_timeout and an embryonic one past "
	    "embryonic_timeout are not restored");
	ok(table_lookup_ltag(t, 2, 2, 2) != NULL &&
	    table_lookup_ltag(t, 1, 1, 1) == NULL, "the right ones");
	table_free(t);

	/* Saved 500 s "earlier" (wall clock): now the 200 s one is stale. */
	buf = slurp(p, &len);
	put_be32(buf + 28, be32(buf + 28) - 500);
	fix_crc(buf, len);
	spit(p, buf, len);
	t = table_create(16, 8);
	table_set_clock(t, 100000);
	rv = state_load(t, c, p, &sc, &cause);
	ok(rv == 0 && sc.aged == 4 && sc.down_secs >= 500,
	    "the time down counts: all 4 aged out (down %u s)", sc.down_secs);
	free(buf);
	table_free(t);
	table_free(old);
	config_free(c);
}

/* Entries no peer covers are dropped; limits hold. */
static void
test_unmatched_and_room(void)
{
	struct table		*t = table_create(1, 8);
	struct config		*c = conf_with("{ name = \"v6\"; prefixes = "
				    "[ \"2001:db8::/32\" ]; }");
	struct state_counts	 sc;
	char			*cause;
	int			 rv;

	table_set_clock(t, 100);
	rv = state_load(t, c, statepath, &sc, &cause);
	ok(rv == 1 && sc.unmatched == 2 && sc.no_room == 0,
	    "only entries with an address in a configured prefix (%u "
	    "restored, %u unmatched)", sc.restored, sc.unmatched);
	config_free(c);
	table_free(t);

	c = conf_with("{ name = \"far\"; prefixes = [ \"10.0.0.0/8\" ]; }");
	t = table_create(1, 8);
	table_set_clock(t, 100);
	ok(state_load(t, c, statepath, &sc, &cause) == 2 &&
	    sc.no_room == 1 && table_count(t, ASSOC_ESTABLISHED) +
	    table_count(t, ASSOC_CLOSING) == 1,
	    "a table for 1 association takes 1 (+ the embryonic one)");
	config_free(c);
	table_free(t);
}

/* Load path and expect failure mentioning why, the table untouched. */
static void
expect_refused(const struct config *c, const char *p, const char *why,
    const char *what)
{
	struct table	*t = table_create(16, 8);
	char		*cause = NULL;
	int		 rv;

	rv = state_load(t, c, p, NULL, &cause);
	ok(rv == -1 && cause != NULL && strstr(cause, why) != NULL &&
	    table_count(t, ASSOC_FREE) == 24, "%s refused: %s", what,
	    cause != NULL ? cause : "(no cause)");
	free(cause);
	table_free(t);
}

/* Damaged or foreign files are refused with a reason. */
static void
test_refused(void)
{
	struct config	*c = conf_with("{ name = \"far\"; prefixes = "
			    "[ \"10.0.0.0/8\" ]; }");
	struct table	*t = table_create(16, 8);
	const char	*p = tmpfile_path("bad");
	uint8_t		*buf, *copy;
	size_t		 len;
	char		*cause = NULL;

	ok(state_load(t, c, tmpfile_path("none"), NULL, &cause) == 0 &&
	    cause == NULL, "a missing file is a first start, not an error");
	table_free(t);
	buf = slurp(statepath, &len);
	copy = malloc(len);

	spit(p, buf, 0);
	expect_refused(c, p, "too short", "an empty file");
	spit(p, buf, 20);
	expect_refused(c, p, "too short", "a 20-byte file");
	spit(p, buf, len - 100);
	expect_refused(c, p, "length", "a truncated file");
	memcpy(copy, buf, len);
	copy[STATE_HEADER_SIZE + 40] ^= 0x01;
	spit(p, copy, len);
	expect_refused(c, p, "CRC", "a flipped bit");
	memcpy(copy, buf, len);
	put_be32(copy + 8, 99);
	fix_crc(copy, len);
	spit(p, copy, len);
	expect_refused(c, p, "version", "version 99");
	memcpy(copy, buf, len);
	memcpy(copy, "SCTPTUNX", 8);
	spit(p, copy, len);
	expect_refused(c, p, "magic", "a foreign file");
	memcpy(copy, buf, len);
	put_be32(copy + 16, 7);
	fix_crc(copy, len);
	spit(p, copy, len);
	expect_refused(c, p, "length", "a count that does not match");
	memcpy(copy, buf, len);
	copy[STATE_HEADER_SIZE + 12] = 9;	/* state */
	fix_crc(copy, len);
	spit(p, copy, len);
	expect_refused(c, p, "invalid record", "a record with state 9");
	free(copy);
	free(buf);
	config_free(c);
}

/* Saving into a missing directory fails; path_mkdirs makes it. */
static void
test_dirs(void)
{
	struct table	*t = table_create(4, 4);
	const char	*p = tmpfile_path("a/b/state");
	struct stat	 st;
	char		*cause = NULL, err[256];
	int		 rv;

	rv = state_save(t, p, &cause);
	ok(rv == -1 && cause != NULL, "save into a missing directory fails: "
	    "%s", cause != NULL ? cause : "(no cause)");
	free(cause);
	ok(path_mkdirs(p, err, sizeof(err)) == 0 &&
	    stat(tmpfile_path("a/b"), &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 0777) == 0750, "path_mkdirs makes a/b, mode 0750");
	ok(stat(tmpfile_path("a"), &st) == 0 && (st.st_mode & 0777) == 0755,
	    "and its parent a, 0755, so a user given a/b can reach it");
	ok(path_mkdirs(p, err, sizeof(err)) == 0, "and again is fine");
	ok(state_save(t, p, &cause) == 0, "then save works (empty table)");
	unlink(p);
	rmdir(tmpfile_path("a/b"));
	rmdir(tmpfile_path("a"));
	table_free(t);
}

/* state_due: after a change, or idle_timeout / 4 after the last save. */
static void
test_due(void)
{
	struct config		*c = conf_with("{ name = \"far\"; prefixes = "
				    "[ \"10.0.0.0/8\" ]; }");
	struct table		*t = table_create(4, 4);
	struct state_mark	 m;
	struct assoc		*a;

	memset(&m, 0, sizeof(m));
	table_set_clock(t, 100);
	ok(state_due(&m, t, c), "due before the first save");
	state_mark_set(&m, t);
	ok(!state_due(&m, t, c), "not due right after");
	a = table_new(t, 1, 2, 0, 0);
	ok(state_due(&m, t, c), "due after a new entry");
	state_mark_set(&m, t);
	table_set_clock(t, 120);
	table_touch(t, a);
	ok(!state_due(&m, t, c), "activity alone is not a change");
	table_set_clock(t, 100 + 150);
	ok(state_due(&m, t, c), "due after idle_timeout / 4 (150 s)");
	state_mark_set(&m, t);
	table_set_ptag(t, a, 9);
	ok(state_due(&m, t, c), "due after a tag set");
	table_free(t);
	config_free(c);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	snprintf(statepath, sizeof(statepath), "%s/state", dir);
	test_format();
	test_roundtrip();
	test_stale();
	test_unmatched_and_room();
	test_refused();
	test_dirs();
	test_due();
	unlink(statepath);
	unlink(tmpfile_path("stale"));
	unlink(tmpfile_path("bad"));
	unlink(tmpfile_path("sctptun.conf"));
	rmdir(dir);
	return (tap_done(0));
}
