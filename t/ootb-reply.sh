#!/bin/sh
# The kernel's out-of-the-blue ABORT goes back to the packet's UDP port.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run ootb-reply
