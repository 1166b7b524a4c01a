/*
 * state: the association table kept in a file across restarts of sctptund
 * (state.file), so that a crash or an upgrade does not forget the ports
 * learned behind NATs.  Saved atomically (a temporary file, fsync,
 * rename); loaded once at start, ageing out what went stale meanwhile.
 */
#ifndef SCTPTUN_STATE_H
#define SCTPTUN_STATE_H

#include <stdint.h>

#include "config.h"
#include "table.h"

#define STATE_MAGIC		"SCTPTUNS"
#define STATE_VERSION		1
#define STATE_HEADER_SIZE	32
#define STATE_TRANSPORT_SIZE	44
#define STATE_RECORD_SIZE	\
	(64 + ASSOC_MAX_TRANSPORTS * STATE_TRANSPORT_SIZE)
#define STATE_TRAILER_SIZE	4

/* What state_load() did with the entries of the file. */
struct state_counts {
	uint32_t	in_file;
	uint32_t	restored;
	uint32_t	aged;		/* idle past the timeouts meanwhile */
	uint32_t	unmatched;	/* no configured peer covers them */
	uint32_t	no_room;	/* the table's limits were reached */
	uint32_t	down_secs;	/* wall-clock time since the save */
};

/* When the table was last saved, to decide when to save again. */
struct state_mark {
	uint64_t	generation;	/* table_generation() then */
	uint32_t	saved_at;	/* table clock then */
	int		valid;		/* 0 until the first save or load */
};

/*
 * Write every live entry to path (through path.tmp, then rename).  0 on
 * success; -1 with *cause set to an allocated message (free it).
 */
int	state_save(struct table *, const char *path, char **cause);
/*
 * Insert the entries saved in path into the table, dropping those idle too
 * long (conf's timeouts, counting the time the file sat unread) and those
 * no peer of conf covers; each gets the peer_id conf gives it now.  Returns
 * how many were restored (0 for a missing file) and fills counts (may be
 * NULL); -1 with *cause set (allocated) for a short, corrupt or foreign
 * file, which leaves the table untouched.
 */
int	state_load(struct table *, const struct config *, const char *path,
	    struct state_counts *, char **cause);
/*
 * The same for the len bytes of a file read from path, wall being the
 * wall-clock time now (seconds), to tell how long the file sat unread.
 */
int	state_load_buffer(struct table *, const struct config *,
	    const char *path, const uint8_t *buf, size_t len, uint64_t wall,
	    struct state_counts *, char **cause);
/*
 * 1 if the table should be saved now: it changed since the mark, or
 * idle_timeout / 4 passed (so the saved activity times never go stale).
 */
int	state_due(const struct state_mark *, const struct table *,
	    const struct config *);
/* Remember that the table was saved (or loaded) now. */
void	state_mark_set(struct state_mark *, const struct table *);

#endif
