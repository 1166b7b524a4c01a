/*
 * request: what a control request line asks for.  Nothing here reads a
 * socket, allocates or logs: the line is the whole input.
 */
#include <string.h>

#include "request.h"

/* Parse one request line; see request.h. */
enum request_kind
request_parse(const char *line, struct request *req)
{
	req->json = 0;
	if (strncmp(line, "json ", 5) == 0) {
		req->json = 1;
		line += 5;
	}
	req->command = line;
	if (strcmp(line, "show assocs") == 0)
		req->kind = REQUEST_SHOW_ASSOCS;
	else if (strcmp(line, "show stats") == 0)
		req->kind = REQUEST_SHOW_STATS;
	else if (strcmp(line, "show peers") == 0)
		req->kind = REQUEST_SHOW_PEERS;
	else if (strcmp(line, "show cluster") == 0)
		req->kind = REQUEST_SHOW_CLUSTER;
	else if (strcmp(line, "reload") == 0 && !req->json)
		req->kind = REQUEST_RELOAD;
	else if (strcmp(line, "monitor") == 0)
		req->kind = REQUEST_MONITOR;
	else
		req->kind = REQUEST_UNKNOWN;
	return req->kind;
}
