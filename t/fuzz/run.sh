#!/bin/sh
# run.sh: make fuzz-run.  Runs the named fuzz targets (t/fuzz/fuzz_NAME,
# built by make fuzz) one at a time, at nice 19, each for FUZZ_SECONDS
# (default 60) on a scratch copy of its corpus t/fuzz/corpus/NAME, and
# prints TAP: one test per target with the executions, time and corpus
# size libFuzzer reports.  A crash, a leak or an invariant that breaks
# fails the test; the input is left in $FUZZ_WORK/NAME/ (crash-*, leak-*,
# timeout-*): once fixed, copy it into t/fuzz/corpus/NAME so that make
# check replays it from then on.
#
#	t/fuzz/run.sh NAME...
#
# Environment: FUZZ_SECONDS; FUZZ_WORK, where the corpora grow (default a
# temporary directory, removed unless a target failed); FUZZ_FLAGS, more
# libFuzzer flags (-jobs, -dict...); top_srcdir and top_builddir as make
# sets them.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
secs=${FUZZ_SECONDS:-60}
keep=${FUZZ_WORK:+yes}
work=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/sctptun-fuzz.XXXXXX")} ||
    exit 1
failed=0
n=0

# LeakSanitizer: libconfig's own leaks on syntax errors are not ours.
supp=suppressions=$top_srcdir/t/lsan.supp
LSAN_OPTIONS="$supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

# A value from libFuzzer's final statistics in file $1.
stat() {
	sed -n "s/^stat::$2: *\([0-9]*\).*/\1/p" "$1" | tail -n 1
}

echo "1..$#"
for name in "$@"; do
	n=$((n + 1))
	bin=$top_builddir/t/fuzz/fuzz_$name
	dir=$work/$name
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz $name: $bin not built (make fuzz)"
		failed=1
		continue
	fi
	mkdir -p "$dir/corpus"
	cp "$top_srcdir/t/fuzz/corpus/$name/"* "$dir/corpus/" 2>/dev/null
	dict=
	[ -f "$top_srcdir/t/fuzz/$name.dict" ] &&
	    dict=-dict=$top_srcdir/t/fuzz/$name.dict
	start=$(date +%s)
	# shellcheck disable=SC2086
	nice -n 19 "$bin" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$dir/" $dict ${FUZZ_FLAGS:-} "$dir/corpus" \
	    > "$dir/log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(stat "$dir/log" number_of_executed_units)
	rate=$(stat "$dir/log" average_exec_per_sec)
	size=$(ls "$dir/corpus" | wc -l)
	what="fuzz $name: ${execs:-?} executions in $took s (${rate:-?}/s)"
	what="$what, corpus $size inputs"
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $what, no crash"
	else
		echo "not ok $n - $what: exit $rc, see $dir"
		grep -E 'ERROR|invariant broken|SUMMARY|Test unit written' \
		    "$dir/log" | head -n 20 | sed 's/^/# /'
		failed=1
	fi
done
if [ "$failed" -eq 0 ] && [ -z "$keep" ]; then
	rm -rf "$work"
else
	echo "# fuzz work kept in $work"
fi
exit $failed
