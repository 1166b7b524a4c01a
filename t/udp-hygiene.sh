#!/bin/sh
# UDP hygiene: source port 0, zero IPv6 checksum, unknown peers, checksums.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run udp-hygiene
