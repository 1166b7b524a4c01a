#!/bin/sh
# DTLS between sctptund: two paths, a DTLS session each, failover and return.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run dtls multihome
