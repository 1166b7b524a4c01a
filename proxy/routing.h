/* routing: placeholder, being written. */
#ifndef SCTPTUN_ROUTING_H
#define SCTPTUN_ROUTING_H
#endif
