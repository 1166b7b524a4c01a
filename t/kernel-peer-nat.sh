#!/bin/sh
# sctptund behind a masquerading NAT, the Linux kernel's RFC 6951 outside.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run kernel-far nat
