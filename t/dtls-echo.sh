#!/bin/sh
# DTLS between sctptund: IPv4 and IPv6, PSK and certificates (CA, pin): an echo through two sctptund over DTLS.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run dtls echo
