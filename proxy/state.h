/* state: placeholder, being written. */
#ifndef SCTPTUN_STATE_H
#define SCTPTUN_STATE_H
#endif
