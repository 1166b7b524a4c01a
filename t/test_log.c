/*
 * test_log: the rate limit of network-caused warnings, and that a held
 * back message is really not written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

/* A burst, then silence, then the next window reports what was held. */
static void
test_window(void)
{
	struct log_ratelimit	rl;
	uint32_t		held = 99, i, passed = 0;

	memset(&rl, 0, sizeof(rl));
	for (i = 0; i < 100; i++)
		passed += log_ratelimit_pass(&rl, 1000, &held);
	ok(passed == LOG_RL_BURST, "100 at once: %u pass (burst %u)", passed,
	    LOG_RL_BURST);
	ok(!log_ratelimit_pass(&rl, 1000 + LOG_RL_WINDOW - 1, &held),
	    "still held back one second before the window ends");
	ok(log_ratelimit_pass(&rl, 1000 + LOG_RL_WINDOW, &held),
	    "the next window lets one through");
	ok(held == 100 - LOG_RL_BURST + 1, "and it reports %u held back",
	    held);
	ok(log_ratelimit_pass(&rl, 1000 + LOG_RL_WINDOW, &held) && held == 0,
	    "the one after it reports none");
	ok(log_ratelimit_pass(&rl, 10, &held),
	    "a clock that went back starts a new window");
	memset(&rl, 0, sizeof(rl));
	ok(log_ratelimit_pass(&rl, 0, &held) && held == 0,
	    "a fresh limit passes at time 0");
}

/* Two call sites do not share a budget. */
static void
test_sites(void)
{
	struct log_ratelimit	a, b;
	uint32_t		held, i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (i = 0; i < 50; i++)
		(void)log_ratelimit_pass(&a, 5, &held);
	ok(log_ratelimit_pass(&b, 5, &held), "a flood at one site leaves "
	    "another its own budget");
}

/* Through log_warnx_rl to stderr: count the lines written. */
static void
test_output(void)
{
	static struct log_ratelimit	rl;
	char				path[] = "/tmp/test_log.XXXXXX";
	char				line[256];
	FILE				*fp;
	int				fd, saved, i, lines = 0, flood = 0;

	if ((fd = mkstemp(path)) == -1) {
		ok(0, "mkstemp");
		return;
	}
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	log_init(1, LOG_INFO, "test_log");
	for (i = 0; i < 1000; i++)
		log_warnx_rl(&rl, "bad packet %d from the network", i);
	log_setlevel(LOG_ERR);
	log_warnx_rl(&rl, "below the level: not counted as sent");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if ((fp = fdopen(fd, "r")) == NULL) {
		ok(0, "fdopen");
		return;
	}
	rewind(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lines++;
		flood += strstr(line, "bad packet") != NULL;
	}
	fclose(fp);
	unlink(path);
	ok(flood == LOG_RL_BURST, "1000 warnings in a burst: %d written",
	    flood);
	ok(lines == LOG_RL_BURST, "and nothing else (%d lines)", lines);
}

int
main(void)
{
	test_window();
	test_sites();
	test_output();
	return tap_done(0);
}
