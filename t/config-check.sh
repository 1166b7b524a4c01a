#!/bin/sh
# config-check: "sctptund -n" accepts the sample configuration, prints it
# back with -v in a form it accepts again, and rejects each t/conf/bad-*.conf
# with exit status 1 and "FILE:LINE: message" on stderr, where the file's
# first line "# expect: LINE: message" says.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
sctptund="$top_builddir/proxy/sctptund"
sample="$top_srcdir/etc/sctptun.conf"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0

# ok COND-STATUS DESCRIPTION
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
		sed 's/^/# stderr: /' "$tmp/err"
	fi
}

# bad FILE: sctptund -n must fail on FILE where its expect line says.
bad() {
	line=$(sed -n '1s/^# expect: \([0-9][0-9]*\): .*$/\1/p' "$1")
	msg=$(sed -n '1s/^# expect: [0-9][0-9]*: //p' "$1")
	if [ -z "$line" ]; then
		: >"$tmp/err"
		ok 1 "$(basename "$1") has an expect line"
		return
	fi
	"$sctptund" -n -f "$1" >/dev/null 2>"$tmp/err"
	rc=$?
	grep -qF "$1:$line: $msg" "$tmp/err"
	ok $(( rc != 1 || $? != 0 )) \
	    "$(basename "$1"): exit 1 with \"$1:$line: $msg\" (exit $rc)"
}

echo "1..$(( $(ls "$top_srcdir"/t/conf/bad-*.conf | wc -l) + 4 ))"

"$sctptund" -n -f "$sample" >/dev/null 2>"$tmp/err"
rc=$?
grep -q "configuration OK" "$tmp/err"
ok $(( rc != 0 || $? != 0 )) "sample: exit 0, \"configuration OK\" (exit $rc)"

"$sctptund" -n -v -f "$sample" >"$tmp/printed.conf" 2>"$tmp/err"
rc=$?
grep -q '^peers = (' "$tmp/printed.conf" &&
    grep -q '2001:db8:2::/48' "$tmp/printed.conf"
ok $(( rc != 0 || $? != 0 )) "sample -v prints the configuration (exit $rc)"

"$sctptund" -n -f "$tmp/printed.conf" >/dev/null 2>"$tmp/err"
ok $? "the printed configuration is accepted again"

"$sctptund" -n -f "$tmp/missing.conf" >/dev/null 2>"$tmp/err"
rc=$?
grep -qF "$tmp/missing.conf: cannot open: " "$tmp/err"
ok $(( rc != 1 || $? != 0 )) "missing file: exit 1, cannot open (exit $rc)"

for f in "$top_srcdir"/t/conf/bad-*.conf; do
	bad "$f"
done
exit $failed
