#!/bin/sh
# Path MTU through sctptund: local.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run pmtu local
