#!/bin/sh
# 3 MB each way between sctptund and the Linux kernel's own RFC 6951 with
# default socket buffers (GSO bursts), IPv6: direct and through a NAT, the
# kernel as client and as server.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run kernel-bulk 6
