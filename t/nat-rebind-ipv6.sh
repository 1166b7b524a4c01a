#!/bin/sh
# NAT rebinding: the far side follows the new NAT port, IPv6.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run rebind 6
