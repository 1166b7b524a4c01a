/*
 * sctptunctl: asks a running sctptund over its control socket.
 *
 *	sctptunctl [-j] [-s socket] show assocs|peers|stats|cluster
 *	sctptunctl [-j] [-s socket] monitor
 *	sctptunctl [-s socket] reload
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: sctptunctl [-j] [-s socket] show assocs|peers|stats|cluster\n"
	    "       sctptunctl [-j] [-s socket] monitor\n"
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

static volatile sig_atomic_t ctl_stop;

/* SIGINT, SIGTERM: the monitor ends. */
static void
ctl_stop_cb(int sig)
{
	ctl_stop = 1;
}

/* A monitor ends on SIGINT and SIGTERM: no SA_RESTART, read() returns. */
static void
ctl_monitor_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ctl_stop_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Copy the answer to stdout, or to stderr if it is an error.  A stream
 * (monitor) is flushed as it comes, and ends with a signal (0) or when the
 * daemon hangs up (1); an answer ends at EOF (0, or 1 for an error).
 */
static int
ctl_relay(int fd, int stream)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 first = 1, failed = 0;
	FILE	*out;

	while (!ctl_stop && (n = read(fd, buf, sizeof(buf))) != 0) {
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
		out = failed ? stderr : stdout;
		fwrite(buf, 1, (size_t)n, out);
		if (stream && fflush(out) == EOF && !failed)
			return 1;
	}
	if (ctl_stop)
		return 0;
	if (first && !stream) {
		fprintf(stderr, "sctptunctl: no answer from the daemon\n");
		return 1;
	}
	if (stream && !failed)
		fprintf(stderr, "sctptunctl: the daemon closed the stream\n");
	return stream || failed;
}

/* The commands sctptunctl knows. */
static int
ctl_valid(int argc, char **argv, int json)
{
	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return strcmp(argv[1], "assocs") == 0 ||
		    strcmp(argv[1], "peers") == 0 ||
		    strcmp(argv[1], "stats") == 0 ||
		    strcmp(argv[1], "cluster") == 0;
	if (argc == 1 && strcmp(argv[0], "reload") == 0)
		return !json;
	if (argc == 1 && strcmp(argv[0], "monitor") == 0)
		return 1;
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
	if (strcmp(argv[0], "monitor") == 0)
		ctl_monitor_signals();
	ch = ctl_relay(fd, strcmp(argv[0], "monitor") == 0);
	close(fd);
	return ch;
}
