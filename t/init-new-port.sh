#!/bin/sh
# An INIT for an established association from a new UDP port (cons draft 4).
. "$top_srcdir/t/lib/scenario.sh"
scenario_run init-port
