#!/bin/sh
# sctptunctl monitor: the event stream, text and JSON.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run monitor
