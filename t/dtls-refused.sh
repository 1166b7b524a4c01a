#!/bin/sh
# DTLS between sctptund: wrong PSK, unknown PSK identity, unknown CA, wrong pin: refused, counted, nothing in cleartext.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run dtls refused
