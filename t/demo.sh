#!/bin/sh
# The demo (make demo): see t/scn/demo.bash.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run demo
