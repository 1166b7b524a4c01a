#!/bin/sh
# Replicas behind a UDP load balancer: captured relay messages replayed,
# forged and sent by a non-member are dropped and counted, nothing reaches
# the owner's kernel.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run cluster forged
