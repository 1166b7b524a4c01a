/*
 * sctptunctl: asks a running sctptund over its control socket.
 *
 *	sctptunctl [-j] [-s socket] show assocs|stats
 *	sctptunctl [-s socket] reload
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: sctptunctl [-j] [-s socket] show assocs|stats\n"
	    "       sctptunctl [-s socket] reload\n");
	exit(2);
}

/* Connect to the daemon's socket; exits with a message on failure. */
static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "sctptunctl: %s: path too long\n", path);
		exit(1);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "sctptunctl: %s: %s (is sctptund running?)\n",
		    path, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Send the request line, all of it. */
static void
ctl_send(int fd, const char *req)
{
	size_t	 off = 0, len = strlen(req);
	ssize_t	 n;

	while (off < len) {
		if ((n = write(fd, req + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sctptunctl: write: %s\n",
			    strerror(errno));
			exit(1);
		}
		off += (size_t)n;
	}
}

/* Copy the answer to stdout, or to stderr if it is an error; 0 or 1. */
static int
ctl_relay(int fd)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 first = 1, failed = 0;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sctptunctl: read: %s\n",
			    strerror(errno));
			return 1;
		}
		if (first && n >= 7 && memcmp(buf, "error: ", 7) == 0)
			failed = 1;
		first = 0;
		fwrite(buf, 1, (size_t)n, failed ? stderr : stdout);
	}
	if (first) {
		fprintf(stderr, "sctptunctl: no answer from the daemon\n");
		return 1;
	}
	return failed;
}

/* The commands sctptunctl knows. */
static int
ctl_valid(int argc, char **argv, int json)
{
	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return strcmp(argv[1], "assocs") == 0 ||
		    strcmp(argv[1], "stats") == 0;
	if (argc == 1 && strcmp(argv[0], "reload") == 0)
		return !json;
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*path = CONTROL_SOCKET;
	char		 req[256];
	int		 ch, json = 0, fd, i;

	while ((ch = getopt(argc, argv, "js:")) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 's': path = optarg; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (!ctl_valid(argc, argv, json))
		usage();
	snprintf(req, sizeof(req), "%s", json ? "json " : "");
	for (i = 0; i < argc; i++) {
		strncat(req, argv[i], sizeof(req) - strlen(req) - 3);
		strcat(req, i + 1 < argc ? " " : "\n");
	}
	fd = ctl_connect(path);
	ctl_send(fd, req);
	shutdown(fd, SHUT_WR);
	ch = ctl_relay(fd);
	close(fd);
	return ch;
}
