/*
 * state: the association table in a file, across restarts and upgrades.
 *
 * The file is a header, one fixed-size record per live entry and a CRC32c
 * of everything before it, all integers big-endian and written field by
 * field, so neither padding nor the ABI of struct assoc leaks into it:
 *
 *   header   "SCTPTUNS", version, record size, count, 0, saved (wall, s)
 *   record   ports, tags, state, transports, default port, peer id (for
 *            people: loading matches the addresses to the configuration
 *            again), id, ages, counters; then ASSOC_MAX_TRANSPORTS slots
 *            (family 4/6/0, flags, port, address, ages, counters)
 *   trailer  CRC32c of all the bytes before it
 *
 * Times are stored as "seconds before the save": the table clock is
 * monotonic and starts anew with each process, and the wall-clock gap
 * between save and load is added back on loading, so an entry that went
 * idle past its timeout while sctptund was down is not restored.
 *
 * Saving writes path.tmp, fsyncs it and renames it over path: a crash
 * while writing leaves the previous file whole.
 *
 * Which cluster member relays a transport (transport.via) is deliberately
 * not saved: a member's index is not stable across restarts (dns members
 * come in the order they resolve), and the next relayed packet of the
 * path, within a heartbeat, teaches it again.  Until then the path's
 * packets go directly.  The file's format is unchanged.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "path.h"
#include "state.h"

#define STATE_FAMILY_NONE	0
#define STATE_FAMILY_INET	4
#define STATE_FAMILY_INET6	6

/* A bounded cursor over a buffer being written or read. */
struct state_buf {
	uint8_t		*p;
	size_t		 len;
	size_t		 off;
};

/* What table_foreach() needs to serialize one entry. */
struct state_save_ctx {
	struct state_buf	 b;
	uint32_t		 now;
	uint32_t		 count;
	uint32_t		 room;
};

/*
 * 1 if n more bytes fit in b; else 0, and the cursor goes to the end.  A
 * cursor may start past the end of a short buffer (state_check), so the
 * offset is compared first.
 */
static int
state_room(struct state_buf *b, size_t n)
{
	if (b->off <= b->len && b->len - b->off >= n)
		return (1);
	b->off = b->len;
	return (0);
}

/* Append n bytes (8 at most) of v, big-endian; nothing past the end. */
static void
state_put(struct state_buf *b, uint64_t v, size_t n)
{
	size_t	i;

	if (!state_room(b, n))
		return;
	for (i = 0; i < n; i++)
		b->p[b->off + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	b->off += n;
}

/* Append raw bytes. */
static void
state_put_bytes(struct state_buf *b, const void *src, size_t n)
{
	if (!state_room(b, n))
		return;
	memcpy(b->p + b->off, src, n);
	b->off += n;
}

/* Read n bytes big-endian; 0 past the end. */
static uint64_t
state_get(struct state_buf *b, size_t n)
{
	uint64_t	v = 0;
	size_t		i;

	if (!state_room(b, n))
		return (0);
	for (i = 0; i < n; i++)
		v = v << 8 | b->p[b->off + i];
	b->off += n;
	return (v);
}

/* Read n raw bytes; zeros past the end. */
static void
state_get_bytes(struct state_buf *b, void *dst, size_t n)
{
	if (!state_room(b, n)) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, b->p + b->off, n);
	b->off += n;
}

/* Seconds from then to now, 0 if then is later. */
static uint32_t
state_ago(uint32_t now, uint32_t then)
{
	return (now >= then ? now - then : 0);
}

/* The table-clock time ago seconds before now, 0 if before the start. */
static uint32_t
state_since(uint32_t now, uint64_t ago)
{
	return (ago < now ? now - (uint32_t)ago : 0);
}

/* Wall-clock seconds. */
static uint64_t
state_wall(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (ts.tv_sec > 0 ? (uint64_t)ts.tv_sec : 0);
}

/* Serialize one transport slot (all zero when unused). */
static void
state_put_transport(struct state_buf *b, const struct transport *tr,
    uint32_t now)
{
	int	fam = STATE_FAMILY_NONE;

	if (tr == NULL) {
		state_put(b, 0, 4);
		state_put_bytes(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
		state_put(b, 0, 8);
		state_put(b, 0, 8);
		state_put(b, 0, 8);
		return;
	}
	if (tr->addr.family == AF_INET)
		fam = STATE_FAMILY_INET;
	else if (tr->addr.family == AF_INET6)
		fam = STATE_FAMILY_INET6;
	state_put(b, (uint64_t)fam, 1);
	state_put(b, tr->flags, 1);
	state_put(b, tr->port, 2);
	state_put_bytes(b, tr->addr.u.bytes, 16);
	state_put(b, state_ago(now, tr->learned_at), 4);
	state_put(b, state_ago(now, tr->last_seen), 4);
	state_put(b, tr->rx_packets, 8);
	state_put(b, tr->tx_packets, 8);
}

/* table_foreach() callback: one record. */
static void
state_put_assoc(struct assoc *a, void *arg)
{
	struct state_save_ctx	*c = arg;
	struct state_buf	*b = &c->b;
	int			 n;

	if (c->count >= c->room)
		return;
	c->count++;
	state_put(b, a->lport, 2);
	state_put(b, a->pport, 2);
	state_put(b, a->ltag, 4);
	state_put(b, a->ptag, 4);
	state_put(b, a->state, 1);
	state_put(b, a->ntransports, 1);
	state_put(b, a->local_initiated, 1);
	state_put(b, 0, 1);
	state_put(b, a->port, 2);
	state_put(b, a->peer_id, 2);
	state_put(b, a->id, 4);
	state_put(b, state_ago(c->now, a->created), 4);
	state_put(b, state_ago(c->now, a->last_active), 4);
	state_put(b, a->rx_packets, 8);
	state_put(b, a->rx_bytes, 8);
	state_put(b, a->tx_packets, 8);
	state_put(b, a->tx_bytes, 8);
	for (n = 0; n < ASSOC_MAX_TRANSPORTS; n++)
		state_put_transport(b, n < a->ntransports ? &a->t[n] : NULL,
		    c->now);
}

/* Write the whole buffer to fd. */
static int
state_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Flush the directory holding path, so the rename itself is durable. */
static void
state_sync_dir(const char *path)
{
	char	dir[PATH_MAX];
	int	fd;

	if (path_dir(path, dir, sizeof(dir)) == -1 ||
	    (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

/* Write buf to tmp, flush it and rename it over path. */
static int
state_replace(const char *path, const char *tmp, const uint8_t *buf,
    size_t len, char **cause)
{
	int	fd, saved;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1) {
		if (asprintf(cause, "%s: %s", tmp, strerror(errno)) == -1)
			*cause = NULL;
		return (-1);
	}
	if (state_write_all(fd, buf, len) == -1 || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		if (asprintf(cause, "writing %s: %s", tmp,
		    strerror(saved)) == -1)
			*cause = NULL;
		return (-1);
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		if (asprintf(cause, "renaming %s to %s: %s", tmp, path,
		    strerror(saved)) == -1)
			*cause = NULL;
		return (-1);
	}
	state_sync_dir(path);
	return (0);
}

/* Serialize the table into an allocated buffer of *len bytes. */
static uint8_t *
state_serialize(struct table *t, size_t *len)
{
	struct state_save_ctx	 c;
	uint32_t		 n, crc;

	n = table_count(t, ASSOC_EMBRYONIC) +
	    table_count(t, ASSOC_ESTABLISHED) + table_count(t, ASSOC_CLOSING);
	memset(&c, 0, sizeof(c));
	c.b.len = STATE_HEADER_SIZE + (size_t)n * STATE_RECORD_SIZE +
	    STATE_TRAILER_SIZE;
	if ((c.b.p = calloc(1, c.b.len)) == NULL)
		return (NULL);
	c.now = table_clock(t);
	c.room = n;
	state_put_bytes(&c.b, STATE_MAGIC, 8);
	state_put(&c.b, STATE_VERSION, 4);
	state_put(&c.b, STATE_RECORD_SIZE, 4);
	state_put(&c.b, n, 4);
	state_put(&c.b, 0, 4);
	state_put(&c.b, state_wall(), 8);
	table_foreach(t, state_put_assoc, &c);
	crc = crc32c_value(c.b.p, c.b.len - STATE_TRAILER_SIZE);
	c.b.off = c.b.len - STATE_TRAILER_SIZE;
	state_put(&c.b, crc, 4);
	*len = c.b.len;
	return (c.b.p);
}

/* Save the table; see state.h. */
int
state_save(struct table *t, const char *path, char **cause)
{
	char	 tmp[PATH_MAX];
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	*cause = NULL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		if (asprintf(cause, "%s: path too long", path) == -1)
			*cause = NULL;
		return (-1);
	}
	if ((buf = state_serialize(t, &len)) == NULL) {
		if (asprintf(cause, "no memory to save the table") == -1)
			*cause = NULL;
		return (-1);
	}
	rc = state_replace(path, tmp, buf, len, cause);
	free(buf);
	return (rc);
}

/* Decode one transport slot into tr; -1 if it makes no sense. */
static int
state_get_transport(struct state_buf *b, struct transport *tr, int used,
    uint32_t now, uint64_t gap)
{
	uint8_t	fam, bytes[16];

	memset(tr, 0, sizeof(*tr));
	fam = (uint8_t)state_get(b, 1);
	tr->flags = (uint8_t)state_get(b, 1);
	tr->port = (uint16_t)state_get(b, 2);
	state_get_bytes(b, bytes, sizeof(bytes));
	tr->learned_at = state_since(now, state_get(b, 4) + gap);
	tr->last_seen = state_since(now, state_get(b, 4) + gap);
	tr->rx_packets = state_get(b, 8);
	tr->tx_packets = state_get(b, 8);
	if (!used)
		return (0);
	if (fam == STATE_FAMILY_INET)
		addr_set4(&tr->addr, bytes);
	else if (fam == STATE_FAMILY_INET6)
		addr_set6(&tr->addr, bytes);
	else
		return (-1);
	return (0);
}

/*
 * Decode one record into a (table clock times, gap added to every age),
 * its transports into the ASSOC_MAX_TRANSPORTS that a->t points to; *idle
 * is its idle time counting the gap.  -1 if the record is invalid.
 */
static int
state_get_assoc(struct state_buf *b, struct assoc *a, uint32_t now,
    uint64_t gap, uint64_t *idle)
{
	struct transport	*tv = a->t;
	int			 n, bad = 0;

	memset(a, 0, sizeof(*a));
	a->t = tv;
	a->lport = (uint16_t)state_get(b, 2);
	a->pport = (uint16_t)state_get(b, 2);
	a->ltag = (uint32_t)state_get(b, 4);
	a->ptag = (uint32_t)state_get(b, 4);
	a->state = (uint8_t)state_get(b, 1);
	a->ntransports = (uint8_t)state_get(b, 1);
	a->local_initiated = state_get(b, 1) != 0;
	(void)state_get(b, 1);
	a->port = (uint16_t)state_get(b, 2);
	a->peer_id = (uint16_t)state_get(b, 2);
	a->id = (uint32_t)state_get(b, 4);
	a->created = state_since(now, state_get(b, 4) + gap);
	*idle = state_get(b, 4) + gap;
	a->last_active = state_since(now, *idle);
	a->rx_packets = state_get(b, 8);
	a->rx_bytes = state_get(b, 8);
	a->tx_packets = state_get(b, 8);
	a->tx_bytes = state_get(b, 8);
	if (a->state < ASSOC_EMBRYONIC || a->state > ASSOC_CLOSING ||
	    a->ntransports > ASSOC_MAX_TRANSPORTS)
		bad = 1;
	for (n = 0; n < ASSOC_MAX_TRANSPORTS; n++)
		if (state_get_transport(b, &a->t[n], n < a->ntransports, now,
		    gap) == -1)
			bad = 1;
	return (bad ? -1 : 0);
}

/* Read the whole of path; *buf NULL and 0 returned when it is missing. */
static int
state_read(const char *path, uint8_t **buf, size_t *len, char **cause)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	*buf = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (0);
		goto fail;
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (st.st_size < STATE_HEADER_SIZE + STATE_TRAILER_SIZE) {
		close(fd);
		if (asprintf(cause, "%s: too short (%lld bytes) for a state "
		    "file", path, (long long)st.st_size) == -1)
			*cause = NULL;
		return (-1);
	}
	*len = (size_t)st.st_size;
	if ((*buf = malloc(*len)) == NULL)
		goto fail;
	while (off < *len && (n = read(fd, *buf + off, *len - off)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	*len = off;
	close(fd);
	return (0);
fail:
	if (asprintf(cause, "%s: %s", path, strerror(errno)) == -1)
		*cause = NULL;
	if (fd != -1)
		close(fd);
	free(*buf);
	*buf = NULL;
	return (-1);
}

/* Check header, length and CRC; returns the record count or -1. */
static int64_t
state_check(const char *path, const uint8_t *buf, size_t len,
    uint64_t *saved, char **cause)
{
	struct state_buf	 b = { (uint8_t *)(uintptr_t)buf, len, 8 };
	uint64_t		 version, recsize, count, crc;
	const char		*why = NULL;

	if (len < STATE_HEADER_SIZE + STATE_TRAILER_SIZE)
		why = "too short for a state file";
	else if (memcmp(buf, STATE_MAGIC, 8) != 0)
		why = "not a sctptund state file (bad magic)";
	version = state_get(&b, 4);
	recsize = state_get(&b, 4);
	count = state_get(&b, 4);
	(void)state_get(&b, 4);
	*saved = state_get(&b, 8);
	b.off = len >= STATE_TRAILER_SIZE ? len - STATE_TRAILER_SIZE : 0;
	crc = state_get(&b, 4);
	if (why == NULL && version != STATE_VERSION)
		why = "unsupported version";
	else if (why == NULL && recsize != STATE_RECORD_SIZE)
		why = "unexpected record size";
	else if (why == NULL && len != STATE_HEADER_SIZE + count *
	    STATE_RECORD_SIZE + STATE_TRAILER_SIZE)
		why = "length does not match the record count (truncated?)";
	else if (why == NULL &&
	    crc != crc32c_value(buf, len - STATE_TRAILER_SIZE))
		why = "CRC mismatch (corrupt)";
	if (why == NULL)
		return ((int64_t)count);
	if (asprintf(cause, "%s: %s", path, why) == -1)
		*cause = NULL;
	return (-1);
}

/* 1 if an entry idle that long would have expired by now. */
static int
state_stale(const struct config *conf, const struct assoc *a, uint64_t idle)
{
	if (a->state == ASSOC_EMBRYONIC)
		return (idle > conf->embryonic_timeout);
	return (idle > conf->idle_timeout);
}

/* Older activity first, so each restore lands at the hot end. */
static int
state_cmp_active(const void *x, const void *y)
{
	const struct assoc	*a = x, *b = y;

	if (a->last_active != b->last_active)
		return (a->last_active < b->last_active ? -1 : 1);
	return (a->id < b->id ? -1 : a->id > b->id);
}

/*
 * Decode every record into an allocated array, dropping stale ones.  The
 * transports follow the entries in the same allocation, each entry's t
 * pointing at its own ASSOC_MAX_TRANSPORTS: sorting the entries moves the
 * pointers with them, and one free() releases both.
 */
static struct assoc *
state_decode(const uint8_t *buf, size_t count, uint32_t now, uint64_t gap,
    const struct config *conf, struct state_counts *sc, size_t *nkept)
{
	struct state_buf	 b = { (uint8_t *)(uintptr_t)buf,
				    STATE_HEADER_SIZE + count *
				    STATE_RECORD_SIZE, STATE_HEADER_SIZE };
	struct assoc		*v;
	struct transport	*tv;
	uint64_t		 idle;
	size_t			 i, k = 0;
	int			 p;

	if ((v = calloc(count > 0 ? count : 1, sizeof(*v) +
	    ASSOC_MAX_TRANSPORTS * sizeof(struct transport))) == NULL)
		return (NULL);
	tv = (struct transport *)(void *)(v + (count > 0 ? count : 1));
	for (i = 0; i < count; i++) {
		v[k].t = tv + k * ASSOC_MAX_TRANSPORTS;
		if (state_get_assoc(&b, &v[k], now, gap, &idle) == -1) {
			free(v);
			errno = EINVAL;
			return (NULL);
		}
		if (state_stale(conf, &v[k], idle)) {
			sc->aged++;
			continue;
		}
		if ((p = config_match_assoc(conf, &v[k])) == -1) {
			sc->unmatched++;
			continue;
		}
		v[k++].peer_id = (uint16_t)p;
	}
	*nkept = k;
	return (v);
}

/* Load the table; see state.h. */
int
state_load(struct table *t, const struct config *conf, const char *path,
    struct state_counts *counts, char **cause)
{
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	*cause = NULL;
	if (counts != NULL)
		memset(counts, 0, sizeof(*counts));
	if (state_read(path, &buf, &len, cause) == -1)
		return (-1);
	if (buf == NULL)
		return (0);
	rc = state_load_buffer(t, conf, path, buf, len, state_wall(), counts,
	    cause);
	free(buf);
	return (rc);
}

/* Load the table from a file's bytes; see state.h. */
int
state_load_buffer(struct table *t, const struct config *conf,
    const char *path, const uint8_t *buf, size_t len, uint64_t wall,
    struct state_counts *counts, char **cause)
{
	struct state_counts	 scratch, *sc = counts != NULL ? counts :
				    &scratch;
	struct assoc		*v;
	uint64_t		 saved, gap;
	size_t			 i, n;
	int64_t			 count;

	*cause = NULL;
	memset(sc, 0, sizeof(*sc));
	if ((count = state_check(path, buf, len, &saved, cause)) == -1)
		return (-1);
	gap = wall > saved ? wall - saved : 0;
	sc->in_file = (uint32_t)count;
	sc->down_secs = gap > UINT32_MAX ? UINT32_MAX : (uint32_t)gap;
	v = state_decode(buf, (size_t)count, table_clock(t), gap, conf, sc, &n);
	if (v == NULL) {
		if (asprintf(cause, "%s: %s", path, errno == EINVAL ?
		    "invalid record (corrupt)" : "no memory") == -1)
			*cause = NULL;
		return (-1);
	}
	qsort(v, n, sizeof(*v), state_cmp_active);
	for (i = 0; i < n; i++) {
		if (table_restore(t, &v[i]) != NULL)
			sc->restored++;
		else
			sc->no_room++;
	}
	free(v);
	return ((int)sc->restored);
}

/* Whether to save now; see state.h. */
int
state_due(const struct state_mark *m, const struct table *t,
    const struct config *conf)
{
	uint32_t	every = conf->idle_timeout / 4;

	if (!m->valid || table_generation(t) != m->generation)
		return (1);
	if (every < 1)
		every = 1;
	return (state_ago(table_clock(t), m->saved_at) >= every);
}

/* Note a save (or a load) now. */
void
state_mark_set(struct state_mark *m, const struct table *t)
{
	m->generation = table_generation(t);
	m->saved_at = table_clock(t);
	m->valid = 1;
}
