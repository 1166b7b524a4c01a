#!/bin/sh
# Restart survival: a clean stop and start (an upgrade).
. "$top_srcdir/t/lib/scenario.sh"
scenario_run restart clean
