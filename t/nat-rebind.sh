#!/bin/sh
# NAT rebinding: the far side follows the new NAT port, IPv4.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run rebind 4
