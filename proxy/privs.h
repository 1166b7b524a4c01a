/* privs: placeholder, being written. */
#ifndef SCTPTUN_PRIVS_H
#define SCTPTUN_PRIVS_H
#endif
