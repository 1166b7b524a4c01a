/*
 * fuzz_config: the configuration parser (proxy/config.c over libconfig)
 * given any text, as "sctptund -n" reads a file.  It must never crash; an
 * error must name the file and a line of it ("FILE:LINE: message", the
 * line within the text); a configuration it accepts must print back
 * (config_print, "sctptund -n -v") into a text it accepts again and that
 * prints the same.
 *
 * Left out, with return -1 so that libFuzzer does not keep them: texts
 * with a NUL byte (config_load refuses those before parsing) and texts
 * with "@include", which would make libconfig read other files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

#define FC_PATH		"fuzz.conf"

/* The text a configuration prints; NULL if memory is short. */
static char *
fc_print(const struct config *cfg)
{
	FILE	*fp;
	char	*text = NULL;
	size_t	 len = 0;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return NULL;
	config_print(fp, cfg);
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* An error names the file and a line of the text, then says something. */
static void
fc_check_cause(const char *cause, const char *text)
{
	const char	*p;
	unsigned long	 line, lines = 1;
	char		*end;

	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	FUZZ_ASSERT(cause != NULL);
	FUZZ_ASSERT(strncmp(cause, FC_PATH ":", strlen(FC_PATH ":")) == 0);
	p = cause + strlen(FC_PATH ":");
	line = strtoul(p, &end, 10);
	FUZZ_ASSERT(end != p && line >= 1 && line <= lines);
	FUZZ_ASSERT(strncmp(end, ": ", 2) == 0 && end[2] != '\0');
}

/* What an accepted configuration prints must parse and print the same. */
static void
fc_check_round_trip(const struct config *cfg)
{
	struct config	*again;
	char		*printed, *reprinted, *cause;

	if ((printed = fc_print(cfg)) == NULL)
		return;
	again = config_load_text("printed.conf", printed, &cause);
	if (again == NULL)
		fprintf(stderr, "printed configuration refused: %s\n%s",
		    cause, printed);
	FUZZ_ASSERT(again != NULL);
	reprinted = fc_print(again);
	FUZZ_ASSERT(reprinted == NULL || strcmp(printed, reprinted) == 0);
	free(reprinted);
	free(printed);
	config_free(again);
}

/* One input: the text of a configuration file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg;
	char		*text, *cause;

	if (memchr(data, '\0', size) != NULL ||
	    memmem(data, size, "@include", 8) != NULL)
		return -1;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cfg = config_load_text(FC_PATH, text, &cause);
	if (cfg == NULL)
		fc_check_cause(cause, text);
	else
		fc_check_round_trip(cfg);
	config_free(cfg);
	free(cause);
	free(text);
	return 0;
}
