/*
 * decommission: "sctptund -C", the one way to undo what sctptund leaves in
 * the system on purpose.  A stopped sctptund fails closed (routing.h): its
 * rules send the kernel's SCTP for the peers into a blackhole.  When
 * sctptun is being removed for good, -C takes that away, so that SCTP to
 * those prefixes goes natively again: the rules of its priority and table,
 * every route in its table, its TUN if one is left, and the rp_filter
 * value of "all" that a killed run changed and could not put back.
 *
 * It refuses while a sctptund answers on the control socket: pulling the
 * rules from under a running daemon would leak SCTP natively.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fastpath.h"
#include "sctptund.h"

/* 1 if a sctptund answers on path, else 0. */
static int
decommission_running(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, up;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	up = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return up;
}

/*
 * Delete the TUN if one of that name is left.  Only a TUN: a tun.name that
 * names some other interface must not take it down.
 */
static int
decommission_tun(struct nl *nl, const char *name, const char **cause)
{
	char		 path[128];
	struct stat	 st;

	if (snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags",
	    name) >= (int)sizeof(path) || strchr(name, '/') != NULL)
		return 0;
	if (stat(path, &st) == -1)
		return 0;
	return nl_link_del(nl, name, cause);
}

/* Remove everything sctptund leaves in the system; the exit status. */
int
decommission(const struct config *c)
{
	struct nl	*nl;
	const char	*cause = NULL;
	char		 file[PATH_MAX];
	int		 n, tun, rp, bpf;

	if (decommission_running(c->control_socket)) {
		fprintf(stderr, "sctptund -C: a sctptund is running (it answers "
		    "on %s): stop it first\n", c->control_socket);
		return 1;
	}
	if ((nl = nl_open()) == NULL) {
		fprintf(stderr, "sctptund -C: netlink socket: %s\n",
		    strerror(errno));
		return 1;
	}
	if ((n = nl_cleanup(nl, c->tun_table, c->rule_priority,
	    &cause)) == -1 || (tun = decommission_tun(nl, c->tun_name,
	    &cause)) == -1) {
		fprintf(stderr, "sctptund -C: %s\n", cause);
		nl_close(nl);
		return 1;
	}
	nl_close(nl);
	/* A run killed with its fast path attached left its programs. */
	bpf = fastpath_detach_stale();
	sctptund_rpfilter_file(c, file, sizeof(file));
	if ((rp = rpfilter_restore_saved(file, &cause)) == -2) {
		fprintf(stderr, "sctptund -C: rp_filter: %s\n", cause);
		return 1;
	}
	printf("removed %d rules and routes (priority %u, table %u)", n,
	    c->rule_priority, c->tun_table);
	if (tun == 1)
		printf(", the TUN %s", c->tun_name);
	if (rp >= 0)
		printf(", put rp_filter of \"all\" back to %d", rp);
	if (bpf > 0)
		printf(", %d fast path program%s", bpf, bpf == 1 ? "" : "s");
	printf("\n");
	return 0;
}
