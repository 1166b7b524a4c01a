#!/bin/sh
# Privileges: sctptund runs unprivileged with only CAP_NET_ADMIN.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run privileges
