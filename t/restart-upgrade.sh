#!/bin/sh
# Restart survival: an upgrade (stop, replace the binary, start).
. "$top_srcdir/t/lib/scenario.sh"
scenario_run restart upgrade
