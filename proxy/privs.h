/*
 * privs: sctptund gives up root once its TUN, sockets, rules and routes are
 * in place.  It becomes the configured user, keeps CAP_NET_ADMIN alone
 * (rules and routes on reload and at exit, the rp_filter sysctls at exit,
 * the TUN's MTU; with the fast path also CAP_BPF), and takes the
 * directories of its control socket and state file for that user, so it
 * can still replace and remove its files.
 */
#ifndef SCTPTUN_PRIVS_H
#define SCTPTUN_PRIVS_H

#include <sys/types.h>
#include <stddef.h>

struct privs {
	int	active;		/* a user was configured */
	uid_t	uid;
	gid_t	gid;
	char	name[64];
	int	keep_bpf;	/* keep CAP_BPF too: the fast path's maps */
};

/* Look user up ("" = stay as we are); -1 with err filled. */
int	privs_lookup(const char *user, struct privs *, char *err,
	    size_t errlen);
/*
 * Make the directory that holds file (mkdir -p, mode 0750) and give it to
 * the user.  A shared directory (/, /run, /tmp, /var/lib ...) is refused:
 * the user would own it.  No-op when not active.  -1 with err filled.
 */
int	privs_dir(const struct privs *, const char *file, char *err,
	    size_t errlen);
/* Give a file we made (the control socket) to the user. */
int	privs_chown(const struct privs *, const char *path, char *err,
	    size_t errlen);
/* 1 if this kernel knows CAP_BPF (5.8 and later). */
int	privs_have_cap_bpf(void);
/*
 * Give up CAP_PERFMON, which only loading the fast path's programs needed
 * (the verifier's pointer and Spectre checks are relaxed for it), when
 * sctptund runs with the capabilities it was started with (no user to
 * become): from the effective, permitted, inheritable and ambient sets.
 * 0, or -1 with err filled.
 */
int	privs_shed_perfmon(char *err, size_t errlen);
/*
 * Become the user with CAP_NET_ADMIN only, and CAP_BPF with keep_bpf (the
 * fast path's map updates: a kernel before 6.5 refuses every bpf() call
 * without it when unprivileged BPF is disabled) (effective and permitted; the
 * others gone from the bounding set when we may, no ambient ones, no new
 * privileges); checks that root cannot be regained.  -1 with err filled.
 */
int	privs_drop(const struct privs *, char *err, size_t errlen);

#endif
