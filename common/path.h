/*
 * path: the directories of the files sctptund keeps (control socket, state
 * file), made the one way every module needs them.
 */
#ifndef SCTPTUN_PATH_H
#define SCTPTUN_PATH_H

#include <stddef.h>

/*
 * The directory part of file into dir ("/" for "/x"); -1 if file has no
 * slash or does not fit.
 */
int	path_dir(const char *file, char *dir, size_t len);
/*
 * Make the directory that holds file, and its missing parents: the parents
 * 0755, so that a user the directory is given to can reach it, the
 * directory itself 0750.  Existing ones are left as they are.  0, or -1
 * with err filled.
 */
int	path_mkdirs(const char *file, char *err, size_t errlen);

#endif
