#!/bin/sh
# Replicas behind a UDP load balancer: the owner's sctptund is killed and
# leaves the map; the client gets an ABORT within seconds, and a new
# association works.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run cluster owner-killed
