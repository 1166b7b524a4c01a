#!/bin/sh
# A multihomed association (IPv4 + IPv4 paths) through two sctptund: failover
# and return, each path on its own link with its own source address.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run multihome 44
