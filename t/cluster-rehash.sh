#!/bin/sh
# Replicas behind a UDP load balancer: the backend set changes mid-transfer
# (B3 added, the map rehashed); without cluster the association dies
# (control), with it the relay keeps it (CLUSTER.md).
. "$top_srcdir/t/lib/scenario.sh"
scenario_run cluster rehash
