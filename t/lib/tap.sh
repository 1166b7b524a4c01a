# tap.sh: TAP output for scenario bodies written in bash.
#
# Source it, then:
#   tap_plan N                  print the plan "1..N" (or let tap_done do it)
#   tap_ok DESC CMD [ARG...]    run CMD: ok if it exits 0
#   tap_pass DESC / tap_fail DESC
#   tap_is GOT WANT DESC        ok if the two strings are equal
#   tap_cmp FILE1 FILE2 DESC    ok if the files are byte-identical
#   tap_skip DESC REASON        an "ok N - DESC # SKIP REASON" line
#   tap_diag MSG...             "# MSG" lines (each line of MSG prefixed)
#   tap_bail MSG                "Bail out! MSG" and exit 1
#   tap_done                    plan if none was printed; returns 1 if any
#                               test failed or the count is not the plan's
#   at_exit CMD                 run CMD (eval'd, last registered first) when
#                               the body exits: use it instead of trap EXIT

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=
TAP_AT_EXIT=()

# Print the plan.
tap_plan() {
	TAP_PLANNED=$1
	echo "1..$1"
}

# Print diagnostics, one "# " line per input line.
tap_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# Record a passing test.
tap_pass() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

# Record a failing test.
tap_fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
}

# Run a command; its exit status decides the test.
tap_ok() {
	local desc=$1
	shift
	if "$@"; then
		tap_pass "$desc"
	else
		local rc=$?
		tap_fail "$desc"
		tap_diag "  command failed (exit $rc): $*"
		return 0
	fi
}

# Compare two strings.
tap_is() {
	if [ "$1" = "$2" ]; then
		tap_pass "$3"
	else
		tap_fail "$3"
		tap_diag "  got:      '$1'"
		tap_diag "  expected: '$2'"
	fi
}

# Compare two files byte for byte.
# ok if string $1 starts with or contains $2 (a fixed string).
tap_like() {
	case $1 in
	*"$2"*) tap_pass "$3" ;;
	*) tap_fail "$3"; tap_diag "got \"$1\", expected it to hold \"$2\"" ;;
	esac
}

tap_cmp() {
	if cmp -s "$1" "$2"; then
		tap_pass "$3"
	else
		tap_fail "$3"
		tap_diag "  $1 ($(wc -c < "$1" 2>/dev/null || echo missing) bytes)" \
		    "differs from $2 ($(wc -c < "$2" 2>/dev/null || echo missing) bytes)"
	fi
}

# Record a skipped test.
tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# Abort the whole body.
tap_bail() {
	echo "Bail out! $*"
	exit 1
}

# Finish: plan if needed, and the status to exit with.
tap_done() {
	if [ -z "$TAP_PLANNED" ]; then
		echo "1..$TAP_N"
	elif [ "$TAP_PLANNED" != "$TAP_N" ]; then
		tap_diag "planned $TAP_PLANNED tests but ran $TAP_N"
		return 1
	fi
	[ "$TAP_FAILED" -eq 0 ] || tap_diag "$TAP_FAILED of $TAP_N tests failed"
	[ "$TAP_FAILED" -eq 0 ]
}

# Register a command to run at exit.
at_exit() {
	TAP_AT_EXIT+=("$*")
}

# Run the registered exit commands, newest first; keep the exit status.
tap__run_at_exit() {
	local rc=$? i
	for ((i = ${#TAP_AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${TAP_AT_EXIT[i]}" || true
	done
	TAP_AT_EXIT=()
	return $rc
}
trap tap__run_at_exit EXIT
