#!/bin/bash
# harness-selftest.sh: the scenario harness proves itself (t/scn/selftest.bash):
# kernel RFC 6951 between two namespaces, no native SCTP on the link.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib/scenario.sh"
scenario_run selftest
