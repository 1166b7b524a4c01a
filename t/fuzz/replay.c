/*
 * replay: runs a fuzz target's corpus through its LLVMFuzzerTestOneInput,
 * built with the ordinary compiler, so that make check keeps every input
 * that once crashed a target from crashing it again, with or without
 * clang, and under the sanitizers when configured with them.
 *
 *	replay_NAME [FILE | DIR]...
 *
 * Without arguments it runs $top_srcdir/t/fuzz/corpus/NAME (NAME is
 * compiled in as FUZZ_NAME).  Prints TAP: a corpus must not be empty, and
 * every input must return.  An input that crashes ends the program with
 * "Bail out!" and its name, whether the crash is a signal or a sanitizer's
 * report.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME: the name of the target and of its corpus directory"
#endif

#define REPLAY_MAX_INPUT	(1 << 20)

/* Defined when a sanitizer is linked in: it calls us before it exits. */
void	__sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

static const char	*replay_current = "(none)";

/* Say which input crashed; only async-signal-safe calls. */
static void
replay_died(void)
{
	static const char	 msg[] = "Bail out! crashed on input ";

	(void)write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	(void)write(STDOUT_FILENO, replay_current, strlen(replay_current));
	(void)write(STDOUT_FILENO, "\n", 1);
}

/* A fatal signal: name the input, then die of the signal. */
static void
replay_signal_cb(int sig)
{
	replay_died();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
replay_catch(void)
{
	static const int	 sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE,
				    SIGILL };
	size_t			 i;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], replay_signal_cb);
	if (__sanitizer_set_death_callback != NULL)
		__sanitizer_set_death_callback(replay_died);
}

/* Read a whole file (at most REPLAY_MAX_INPUT bytes); NULL on error. */
static uint8_t *
replay_read(const char *path, size_t *len)
{
	FILE	*fp;
	uint8_t	*buf;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(REPLAY_MAX_INPUT)) != NULL)
		*len = fread(buf, 1, REPLAY_MAX_INPUT, fp);
	if (buf != NULL && ferror(fp)) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/* Run one file; -1 if it cannot be read. */
static int
replay_file(const char *path)
{
	uint8_t	*buf, *copy;
	size_t	 len;

	if ((buf = replay_read(path, &len)) == NULL) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* An exact-size copy, so reading past the input is caught. */
	if ((copy = malloc(len > 0 ? len : 1)) == NULL) {
		free(buf);
		return -1;
	}
	memcpy(copy, buf, len);
	free(buf);
	replay_current = path;
	(void)LLVMFuzzerTestOneInput(copy, len);
	replay_current = "(none)";
	free(copy);
	return 0;
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every file of a directory, in name order; counts what ran. */
static int
replay_dir(const char *dir, int *ran)
{
	struct dirent	 *de;
	DIR		 *d;
	char		**names = NULL, **grown, path[4096];
	size_t		  n = 0, i;
	int		  rc = 0;

	if ((d = opendir(dir)) == NULL) {
		printf("# %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((grown = realloc(names, (n + 1) * sizeof(*names))) ==
		    NULL || (grown[n] = strdup(de->d_name)) == NULL) {
			names = grown != NULL ? grown : names;
			rc = -1;
			break;
		}
		names = grown;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), replay_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (replay_file(path) == -1)
			rc = -1;
		else
			(*ran)++;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* A file or a directory of files. */
static int
replay_path(const char *path, int *ran)
{
	struct stat	 st;

	if (stat(path, &st) == -1) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path, ran);
	if (replay_file(path) == -1)
		return -1;
	(*ran)++;
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*srcdir;
	char		 corpus[4096];
	int		 i, ran = 0, rc = 0;

	replay_catch();
	printf("1..2\n");
	if (argc < 2) {
		if ((srcdir = getenv("top_srcdir")) == NULL)
			srcdir = ".";
		snprintf(corpus, sizeof(corpus), "%s/t/fuzz/corpus/%s", srcdir,
		    FUZZ_NAME);
		rc = replay_path(corpus, &ran);
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i], &ran) == -1)
			rc = -1;
	printf("%sok 1 - %s: the corpus has inputs (%d)\n", ran > 0 ? "" :
	    "not ", FUZZ_NAME, ran);
	printf("%sok 2 - %s: every input read and run without a crash\n",
	    rc == 0 ? "" : "not ", FUZZ_NAME);
	return ran > 0 && rc == 0 ? 0 : 1;
}
