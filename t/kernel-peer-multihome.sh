#!/bin/sh
# sctptund and the Linux kernel's RFC 6951, multihomed over two links.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run kernel-far multihome
