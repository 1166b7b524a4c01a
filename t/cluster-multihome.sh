#!/bin/sh
# Replicas behind a UDP load balancer: a multihomed client whose paths hash
# to different backends loses path 1; without cluster the association dies
# (control), with it data goes on over path 2 through the relay.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run cluster multihome
