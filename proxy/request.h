/*
 * request: the request lines of the control socket, parsed apart from the
 * socket and its event loop so that the tests and the fuzzers can reach
 * them.  A line is "show assocs", "show peers", "show stats", "show
 * cluster", "reload" or "monitor", optionally prefixed by "json " (not
 * "reload": its answer is one line).
 */
#ifndef SCTPTUN_REQUEST_H
#define SCTPTUN_REQUEST_H

enum request_kind {
	REQUEST_UNKNOWN = 0,	/* answered with "error: unknown command" */
	REQUEST_SHOW_ASSOCS,
	REQUEST_SHOW_STATS,
	REQUEST_SHOW_PEERS,
	REQUEST_SHOW_CLUSTER,
	REQUEST_RELOAD,
	REQUEST_MONITOR,
};

struct request {
	enum request_kind	 kind;
	int			 json;	/* the "json " prefix was given */
	const char		*command; /* the line after the prefix */
};

/* Parse one request line (no line ending); the result points into line. */
enum request_kind request_parse(const char *line, struct request *);

#endif
