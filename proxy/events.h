/* events: placeholder, being written. */
#ifndef SCTPTUN_EVENTS_H
#define SCTPTUN_EVENTS_H
#endif
