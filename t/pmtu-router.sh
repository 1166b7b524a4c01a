#!/bin/sh
# Path MTU through sctptund: router.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run pmtu router
