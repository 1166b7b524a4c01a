#!/bin/sh
# Replicas behind a UDP load balancer: the client's NAT rebinds mid-transfer
# and its flow lands on another backend; without cluster the association
# dies (control), with it the relay keeps it (CLUSTER.md).
. "$top_srcdir/t/lib/scenario.sh"
scenario_run cluster rebind
