#!/bin/sh
# What a stopped or killed sctptund leaves (fail closed), a start over it,
# and sctptund -C removing everything for good.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run decommission
