/*
 * log: messages to syslog, or to stderr when running in the foreground.
 * Modelled on OpenBSD's log.c: log_warn appends strerror(errno).
 */
#ifndef SCTPTUN_LOG_H
#define SCTPTUN_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <syslog.h>

void	log_init(int foreground, int level, const char *ident);
void	log_setlevel(int level);
int	log_getlevel(void);
/* "error", "warning", "notice", "info", "debug" -> LOG_*; -1 if unknown. */
int	log_level_parse(const char *);
const char *log_level_name(int);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * Warnings the network can cause (a flood, a peer that misbehaves) go
 * through a rate limit of their own, one per call site: LOG_RL_BURST
 * messages per LOG_RL_WINDOW seconds; the next message that goes out says
 * how many were held back.  Zero-initialise (static) and pass it in.
 */
#define LOG_RL_BURST	5
#define LOG_RL_WINDOW	60

struct log_ratelimit {
	uint64_t	window_start;	/* seconds, monotonic */
	uint32_t	sent;		/* in this window */
	uint32_t	held;		/* since the last message that went out */
};

/* 1 if a message may go out at now (seconds), with *held set to how many
 * were held back before it; 0 if it is held back. */
int	log_ratelimit_pass(struct log_ratelimit *, uint64_t now,
	    uint32_t *held);
void	log_warnx_rl(struct log_ratelimit *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_warn_rl(struct log_ratelimit *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
