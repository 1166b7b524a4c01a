/*
 * log: messages to syslog, or to stderr when running in the foreground.
 * Modelled on OpenBSD's log.c: log_warn appends strerror(errno).
 */
#ifndef SCTPTUN_LOG_H
#define SCTPTUN_LOG_H

#include <stdarg.h>
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
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
