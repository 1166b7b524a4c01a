#!/bin/sh
# Reload under traffic: peers added and removed, a broken file rejected.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run reload
