#!/bin/sh
# Bad input on the UDP port while an association runs.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run bad-input
