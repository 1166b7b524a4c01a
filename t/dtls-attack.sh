#!/bin/sh
# DTLS between sctptund: replayed, tampered and truncated records and a handshake flood during a transfer.
. "$top_srcdir/t/lib/scenario.sh"
scenario_run dtls attack
