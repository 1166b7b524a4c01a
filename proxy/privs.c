/*
 * privs: dropping root after setup; see privs.h.
 *
 * No libcap: the two capability system calls and prctl() say all we need.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <linux/capability.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "path.h"
#include "privs.h"

/* Directories that others use too: never given to our user. */
static const char *const privs_shared[] = {
	"/", "/run", "/var/run", "/tmp", "/var/tmp", "/var", "/var/lib",
	"/etc", "/usr", "/home", "/root", "/dev", "/proc", "/sys", NULL
};

/* Look user up. */
int
privs_lookup(const char *user, struct privs *p, char *err, size_t errlen)
{
	struct passwd	*pw;

	memset(p, 0, sizeof(*p));
	if (user == NULL || *user == '\0')
		return 0;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user \"%s\": %s", user, errno != 0 ?
		    strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user \"%s\" is root", user);
		return -1;
	}
	p->active = 1;
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	snprintf(p->name, sizeof(p->name), "%s", user);
	return 0;
}

/* Is dir one of the shared directories? */
static int
privs_is_shared(const char *dir)
{
	int	i;

	for (i = 0; privs_shared[i] != NULL; i++)
		if (strcmp(dir, privs_shared[i]) == 0)
			return 1;
	return 0;
}

/* The directory of file, for the user. */
int
privs_dir(const struct privs *p, const char *file, char *err, size_t errlen)
{
	char	 dir[4096];

	if (!p->active || file == NULL || *file == '\0' ||
	    path_dir(file, dir, sizeof(dir)) == -1)
		return 0;
	if (privs_is_shared(dir)) {
		snprintf(err, errlen, "%s is in %s, a shared directory: with "
		    "user = \"%s\" it needs a directory of its own (such as "
		    "/run/sctptun)", file, dir, p->name);
		return -1;
	}
	if (path_mkdirs(file, err, errlen) == -1)
		return -1;
	if (chown(dir, p->uid, p->gid) == -1) {
		snprintf(err, errlen, "chown %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Give path to the user. */
int
privs_chown(const struct privs *p, const char *path, char *err,
    size_t errlen)
{
	if (!p->active)
		return 0;
	if (chown(path, p->uid, p->gid) == -1) {
		snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

#ifndef CAP_BPF
#define CAP_BPF		39
#endif

/* 1 if this kernel knows CAP_BPF (5.8 and later). */
int
privs_have_cap_bpf(void)
{
	return prctl(PR_CAPBSET_READ, CAP_BPF, 0, 0, 0) != -1;
}

#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif

int
privs_shed_perfmon(char *err, size_t errlen)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];
	unsigned int			i = CAP_TO_INDEX(CAP_PERFMON);

	if (prctl(PR_CAPBSET_READ, CAP_PERFMON, 0, 0, 0) == -1)
		return 0;		/* before 5.8: no such capability */
	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		goto fail;
	if (!(data[i].permitted & CAP_TO_MASK(CAP_PERFMON)))
		return 0;
	/* Ambient first: it may not hold what permitted lacks. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_PERFMON, 0, 0) ==
	    -1 && errno != EINVAL)
		goto fail;
	data[i].effective &= ~CAP_TO_MASK(CAP_PERFMON);
	data[i].permitted &= ~CAP_TO_MASK(CAP_PERFMON);
	data[i].inheritable &= ~CAP_TO_MASK(CAP_PERFMON);
	if (syscall(SYS_capset, &hdr, data) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "giving up CAP_PERFMON: %s", strerror(errno));
	return -1;
}

/* The capabilities we keep. */
static int
privs_kept(const struct privs *p, int cap)
{
	return cap == CAP_NET_ADMIN || (p->keep_bpf && cap == CAP_BPF);
}

/* Take every capability but those we keep out of the bounding set. */
static void
privs_bound(const struct privs *p)
{
	int	cap;

	/* Without CAP_SETPCAP (a unit's bounding set did it) this fails:
	   the set is then already what the unit allowed. */
	for (cap = 0; cap < 64; cap++)
		if (!privs_kept(p, cap) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno == EINVAL)
			break;
}

/* Effective and permitted: those we keep; inheritable: none. */
static int
privs_capset(const struct privs *p)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];
	int				cap;

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	for (cap = 0; cap < 64; cap++) {
		if (!privs_kept(p, cap))
			continue;
		data[CAP_TO_INDEX(cap)].effective |= CAP_TO_MASK(cap);
		data[CAP_TO_INDEX(cap)].permitted |= CAP_TO_MASK(cap);
	}
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Become the user. */
static int
privs_setids(const struct privs *p, char *err, size_t errlen)
{
	if (geteuid() == p->uid)
		return 0;
	if (geteuid() != 0) {
		snprintf(err, errlen, "cannot become user \"%s\": not started "
		    "as root", p->name);
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
	    setgroups(1, &p->gid) == -1 ||
	    setresgid(p->gid, p->gid, p->gid) == -1 ||
	    setresuid(p->uid, p->uid, p->uid) == -1) {
		snprintf(err, errlen, "becoming user \"%s\": %s", p->name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* See privs.h. */
int
privs_drop(const struct privs *p, char *err, size_t errlen)
{
	if (!p->active)
		return 0;
	privs_bound(p);
	if (privs_setids(p, err, errlen) == -1)
		return -1;
	if (privs_capset(p) == -1) {
		snprintf(err, errlen, "keeping CAP_NET_ADMIN%s: %s",
		    p->keep_bpf ? " and CAP_BPF" : "", strerror(errno));
		return -1;
	}
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (setuid(0) != -1 || getuid() != p->uid) {
		snprintf(err, errlen, "root could be regained after dropping "
		    "to \"%s\"", p->name);
		return -1;
	}
	return 0;
}
