#!/bin/sh
# Path MTU through sctptund: router.
# Not in make check yet: it fails until sctptund handles the inner IP
# fragments the kernel sends right after a path MTU drop (README, Path MTU).
. "$top_srcdir/t/lib/scenario.sh"
scenario_run pmtu router
