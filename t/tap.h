/*
 * tap: the few Test Anything Protocol helpers the unit tests share.
 * Each test program prints a plan, one "ok" / "not ok" line per check and
 * exits 0 if all passed, 1 otherwise.
 */
#ifndef SCTPTUN_TAP_H
#define SCTPTUN_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline void
tap_plan(int n)
{
	printf("1..%d\n", n);
}

static inline int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Ends the test: prints the plan if none was given and returns the status. */
static inline int
tap_done(int planned)
{
	if (!planned)
		printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
