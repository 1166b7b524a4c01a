#!/bin/sh
# DTLS between sctptund: through a NAT: rebinding, kill -9 of each side, a PSK swapped by reload, during one transfer.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run dtls survival
