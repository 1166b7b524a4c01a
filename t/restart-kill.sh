#!/bin/sh
# Restart survival: kill -9 in the middle of a transfer behind a NAT.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run restart kill
