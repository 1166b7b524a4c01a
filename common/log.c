/*
 * log: messages to syslog, or to stderr when running in the foreground.
 *
 * Nothing on the data path logs: drops are counted instead.  Warnings that
 * the network can cause are rate-limited by their callers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int	 log_foreground = 1;
static int	 log_level = LOG_INFO;

static const struct {
	const char	*name;
	int		 level;
} log_levels[] = {
	{ "error",	LOG_ERR },
	{ "warning",	LOG_WARNING },
	{ "notice",	LOG_NOTICE },
	{ "info",	LOG_INFO },
	{ "debug",	LOG_DEBUG },
};

/* Start logging: to stderr in the foreground, else to syslog as ident. */
void
log_init(int foreground, int level, const char *ident)
{
	log_foreground = foreground;
	log_level = level;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

/* Change the level, for a configuration (re)load. */
void
log_setlevel(int level)
{
	log_level = level;
}

/* The current level. */
int
log_getlevel(void)
{
	return log_level;
}

/* The LOG_* level for a name; -1 if the name is unknown. */
int
log_level_parse(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcmp(log_levels[i].name, name) == 0)
			return log_levels[i].level;
	return -1;
}

/* The name of a LOG_* level. */
const char *
log_level_name(int level)
{
	size_t	 i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "unknown";
}

/* Emit one message at pri, with strerror(err) appended if err != 0. */
static void
log_vemit(int pri, int err, const char *fmt, va_list ap)
{
	char	 msg[1024];

	if (pri > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_foreground) {
		if (err)
			fprintf(stderr, "%s: %s\n", msg, strerror(err));
		else
			fprintf(stderr, "%s\n", msg);
		fflush(stderr);
	} else if (err)
		syslog(pri, "%s: %s", msg, strerror(err));
	else
		syslog(pri, "%s", msg);
}

#define LOG_FUNC(name, pri, with_errno)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	 ap;						\
	int	 saved = errno;					\
								\
	va_start(ap, fmt);					\
	log_vemit(pri, with_errno ? saved : 0, fmt, ap);	\
	va_end(ap);						\
	errno = saved;						\
}

LOG_FUNC(log_warn, LOG_WARNING, 1)
LOG_FUNC(log_warnx, LOG_WARNING, 0)
LOG_FUNC(log_notice, LOG_NOTICE, 0)
LOG_FUNC(log_info, LOG_INFO, 0)
LOG_FUNC(log_debug, LOG_DEBUG, 0)

/* See log.h. */
int
log_ratelimit_pass(struct log_ratelimit *rl, uint64_t now, uint32_t *held)
{
	if (now < rl->window_start || now - rl->window_start >= LOG_RL_WINDOW ||
	    rl->window_start == 0) {
		rl->window_start = now == 0 ? 1 : now;
		rl->sent = 0;
	}
	if (rl->sent >= LOG_RL_BURST) {
		rl->held++;
		return 0;
	}
	rl->sent++;
	*held = rl->held;
	rl->held = 0;
	return 1;
}

/* A rate-limited warning, with strerror(err) if err != 0. */
static void
log_vemit_rl(struct log_ratelimit *rl, int err, const char *fmt, va_list ap)
{
	struct timespec	 ts;
	uint32_t	 held;
	char		 msg[1024];

	if (LOG_WARNING > log_level)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!log_ratelimit_pass(rl, (uint64_t)ts.tv_sec, &held))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err != 0)
		log_warnx("%s: %s", msg, strerror(err));
	else
		log_warnx("%s", msg);
	if (held > 0)
		log_warnx("(%u similar messages held back in the last %u s)",
		    held, LOG_RL_WINDOW);
}

/* log_warnx, rate-limited by rl. */
void
log_warnx_rl(struct log_ratelimit *rl, const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vemit_rl(rl, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* log_warn, rate-limited by rl. */
void
log_warn_rl(struct log_ratelimit *rl, const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vemit_rl(rl, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log an error with strerror(errno) and exit. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log an error and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
