/*
 * persist: the daemon's side of the state file (state.c reads and writes
 * it): load it at start, save it every state.interval when the table
 * changed, and at a clean stop.
 */
#include <stdlib.h>

#include "log.h"
#include "path.h"
#include "sctptund.h"

/* Save the table to the state file, if there is one; 0 or -1. */
static int
sctptund_state_save(struct sctptund *d)
{
	const char	*path = d->conf->state_file;
	char		*cause;

	if (path[0] == '\0' || d->table == NULL)
		return 0;
	if (state_save(d->table, path, &cause) == -1) {
		if (!d->state_failing)
			log_warnx("saving the table: %s", cause != NULL ?
			    cause : "out of memory");
		free(cause);
		d->state_failing = 1;
		return -1;
	}
	if (d->state_failing)
		log_notice("the table is saved to %s again", path);
	d->state_failing = 0;
	state_mark_set(&d->state_mark, d->table);
	return 0;
}

/* Arm the state timer for state.interval, read afresh (reload). */
static void
sctptund_state_arm(struct sctptund *d)
{
	struct timeval	tv = { (time_t)d->conf->state_interval, 0 };

	if (d->ev_state != NULL && event_add(d->ev_state, &tv) == -1)
		log_warnx("cannot arm the state file timer");
}

/* Every state.interval: save if the table changed or the times age. */
static void
sctptund_state_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sctptund	*d = arg;

	if (state_due(&d->state_mark, d->table, d->conf))
		(void)sctptund_state_save(d);
	sctptund_state_arm(d);
}

/*
 * Restore the table saved by an earlier run, before any packet can make
 * new entries, and start saving it.
 */
void
sctptund_state_start(struct sctptund *d)
{
	const char		*path = d->conf->state_file;
	struct state_counts	 sc;
	char			*cause, err[512];

	if (path[0] == '\0')
		return;
	if (path_mkdirs(path, err, sizeof(err)) == -1)
		log_warnx("state file directory: %s", err);
	table_set_clock(d->table, datapath_now());
	if (state_load(d->table, d->conf, path, &sc, &cause) == -1) {
		log_warnx("state file ignored, starting with an empty table: "
		    "%s", cause != NULL ? cause : "out of memory");
		free(cause);
	} else if (sc.in_file > 0)
		log_notice("restored %u of %u associations from %s, saved %u s "
		    "ago (%u aged out, %u no longer configured, %u no room)",
		    sc.restored, sc.in_file, path, sc.down_secs, sc.aged,
		    sc.unmatched, sc.no_room);
	state_mark_set(&d->state_mark, d->table);
	if ((d->ev_state = evtimer_new(d->base, sctptund_state_cb, d)) == NULL)
		fatalx("cannot create the state file timer");
	sctptund_state_arm(d);
}

/* Stop the timer and save a last time (clean exit, upgrade). */
void
sctptund_state_stop(struct sctptund *d)
{
	if (d->ev_state == NULL)
		return;
	event_free(d->ev_state);
	d->ev_state = NULL;
	if (sctptund_state_save(d) == 0 && d->conf->state_file[0] != '\0')
		log_info("table saved to %s", d->conf->state_file);
}

