#!/bin/sh
# sctptund against the Linux kernel's own RFC 6951, both directions, IPv6.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run kernel-peer 6
