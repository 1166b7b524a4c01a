#!/bin/sh
# The echo example's own pattern encoder and verifier.
exec "$top_builddir/examples/sctp_echo" selftest
