#!/usr/bin/env bash
# The test runner itself: a plain tests/run runs every unit test binary and
# every test file, and nothing that is not a test (the object directories
# beside the unit tests would each count as a failure).
. "$(dirname "$0")/lib.sh"

check_exit 0 "tests/run --list says what a plain tests/run runs" "$TOP/tests/run" --list
(cd "$TOP" && ls tests/t-*.sh) >"$T/files"
check_eq "... every test file" "$(cat "$T/files")" "$(grep '^tests/t-' "$T/out")"
check_grep "... the unit tests of the build" '^build/tests/test_tap$' "$T/out"
bad=$(grep -v '^tests/t-' "$T/out" | while read -r t; do
	[ -f "$TOP/$t" ] && [ -x "$TOP/$t" ] || echo "$t"
done)
check_eq "... and no unit test that is not an executable file" "" "$bad"
[ -d "$TOP/build/tests/unit" ] &&
	check_eq "... its object directory not among them" "" "$(grep -x 'build/tests/unit' "$T/out")"
done_testing
