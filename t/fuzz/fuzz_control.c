/*
 * fuzz_control: the control socket's request lines (proxy/request.c).
 * The input is what a client sends; it is cut into lines as the daemon
 * reads them (evbuffer_readln with EVBUFFER_EOL_CRLF: a line ends at LF,
 * a CR right before it is not part of it) and each line is parsed.
 *
 * Whatever the line, the result is one of the requests exactly when the
 * line is one of the documented spellings, and the command the error
 * quotes is the line after the "json " prefix.
 */
#include <string.h>

#include "fuzz.h"
#include "request.h"

#define FQ_LINE_MAX	512

/* The request a line means, as control.h documents the protocol. */
static enum request_kind
fq_expected(const char *line)
{
	int	json = strncmp(line, "json ", 5) == 0;

	if (json)
		line += 5;
	if (strcmp(line, "show assocs") == 0)
		return REQUEST_SHOW_ASSOCS;
	if (strcmp(line, "show stats") == 0)
		return REQUEST_SHOW_STATS;
	if (strcmp(line, "show peers") == 0)
		return REQUEST_SHOW_PEERS;
	if (strcmp(line, "show cluster") == 0)
		return REQUEST_SHOW_CLUSTER;
	if (strcmp(line, "monitor") == 0)
		return REQUEST_MONITOR;
	if (strcmp(line, "reload") == 0 && !json)
		return REQUEST_RELOAD;
	return REQUEST_UNKNOWN;
}

/* Parse one line and check the result. */
static void
fq_line(const char *line)
{
	struct request	 req;
	enum request_kind kind;

	kind = request_parse(line, &req);
	FUZZ_ASSERT(kind == req.kind);
	FUZZ_ASSERT(kind == fq_expected(line));
	FUZZ_ASSERT(req.json == (strncmp(line, "json ", 5) == 0));
	FUZZ_ASSERT(req.command == line + (req.json ? 5 : 0));
}

/* One input: what a client wrote, possibly several lines. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 line[FQ_LINE_MAX + 1];
	const uint8_t	*nl;
	size_t		 len;

	while ((nl = memchr(data, '\n', size)) != NULL) {
		len = (size_t)(nl - data);
		if (len > 0 && data[len - 1] == '\r')
			len--;
		if (len > FQ_LINE_MAX)
			len = FQ_LINE_MAX;
		memcpy(line, data, len);
		line[len] = '\0';
		fq_line(line);
		size -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	return 0;
}
