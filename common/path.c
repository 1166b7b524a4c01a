/*
 * path: making the directories of sctptund's files; see path.h.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "path.h"

/* The directory part of file. */
int
path_dir(const char *file, char *dir, size_t len)
{
	char	*slash;

	if (snprintf(dir, len, "%s", file) >= (int)len ||
	    (slash = strrchr(dir, '/')) == NULL)
		return -1;
	if (slash == dir)
		slash++;
	*slash = '\0';
	return 0;
}

/* mkdir dir with mode unless it exists; -1 with err filled. */
static int
path_mkdir(const char *dir, mode_t mode, char *err, size_t errlen)
{
	if (mkdir(dir, mode) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Make file's directory and its parents. */
int
path_mkdirs(const char *file, char *err, size_t errlen)
{
	char	 dir[4096];
	char	*p;

	if (path_dir(file, dir, sizeof(dir)) == -1) {
		snprintf(err, errlen, "%.200s: no directory part, or too long",
		    file);
		return -1;
	}
	if (strcmp(dir, "/") == 0)
		return 0;
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (path_mkdir(dir, 0755, err, errlen) == -1)
			return -1;
		*p = '/';
	}
	return path_mkdir(dir, 0750, err, errlen);
}
