# Sourced by every tests/t-*.sh. A test file reads like an operator's session:
# set up, run the pipe, check what the operator would check. Each check prints
# "ok - NAME" or "not ok - NAME" (TAP lines); tests/run counts them.
#
#   check NAME CMD...            CMD exits 0
#   check_exit N NAME CMD...     CMD exits N (stdout in $T/out, stderr in $T/err)
#   check_eq NAME WANT GOT       two strings are equal
#   check_cmp NAME FILE1 FILE2   two files hold the same bytes
#   check_grep NAME REGEX FILE   FILE has a line matching REGEX (grep -E)
#   need_s3, need_pg             a real server (shared when tests/run started one)
#   need_own_pg                  a PostgreSQL cluster of this file's own
#   new_bucket NAME              a fresh bucket, made with the aws CLI
#   $TOOLS                       the test drivers built from tests/tools/*.c
#   leaks_unchecked CMD...       CMD without LeakSanitizer (generated families)

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$TOP/tests/servers.sh"
BIN=${DRKIT_BIN:-$TOP/build/bin}
TOOLS=$(dirname "$BIN")/tools
export PATH="$BIN:$PATH"
T=$(mktemp -d "${TMPDIR:-/tmp}/drkit-test.XXXXXX")
chmod 755 "$T"
TEST_NAME=$(basename "$0" .sh)
n_pass=0
n_fail=0

# Stops only the servers this file started: tests/run's shared ones serve
# the tests after it.
cleanup() {
	[ -z "${DRKIT_SHARED_S3:-}" ] && s3_stop
	[ -z "${DRKIT_SHARED_PG:-}" ] && pg_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { n_pass=$((n_pass + 1)); echo "ok - $1"; }
not_ok() {
	n_fail=$((n_fail + 1)); echo "not ok - $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}

# run CMD...: runs CMD with stdout and stderr to $T/out and $T/err; sets RC.
run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# leaks_unchecked CMD...: runs CMD with LeakSanitizer off. A generated
# family runs one program hundreds of times, and the leak scan at each exit
# costs more than the case itself (50 ms of CPU against 30); the same
# program's other calls in the file are still checked for leaks.
leaks_unchecked() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$@"
}

check() {
	local name=$1; shift
	if "$@" >"$T/check.out" 2>&1; then ok "$name"
	else not_ok "$name" "command failed (exit $?): $*" "$(head -c 2000 "$T/check.out")"; fi
}

check_exit() {
	local want=$1 name=$2; shift 2
	run "$@"
	if [ "$RC" = "$want" ]; then ok "$name"
	else not_ok "$name" "want exit $want, got $RC: $*" "$(head -c 2000 "$T/err")"; fi
}

check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1" "want: $(printf '%s' "$2" | head -c 1000)" "got:  $(printf '%s' "$3" | head -c 1000)"; fi
}

check_cmp() {
	if cmp -s "$2" "$3"; then ok "$1"
	else not_ok "$1" "$(cmp "$2" "$3" 2>&1 | head -3)"; fi
}

check_grep() {
	if grep -Eq -- "$2" "$3"; then ok "$1"
	else not_ok "$1" "no line matches /$2/ in:" "$(head -c 1000 "$3")"; fi
}

need_s3() {
	if [ -z "${DRKIT_SHARED_S3:-}" ]; then
		s3_start "$T" || { not_ok "start the S3 test server"; exit 1; }
	fi
}

need_pg() {
	if [ -z "${DRKIT_SHARED_PG:-}" ]; then
		pg_start "$T" || { not_ok "start PostgreSQL"; exit 1; }
	fi
}

# For what sees the whole cluster (pg_dumpall dumps every database and
# role), while other test files work beside it on the shared one.
need_own_pg() {
	DRKIT_SHARED_PG=
	pg_start "$T" || { not_ok "start PostgreSQL"; exit 1; }
}

new_bucket() {
	aws s3 mb "s3://$1" >/dev/null 2>"$T/mb.err" ||
		{ not_ok "create bucket $1" "$(cat "$T/mb.err")"; return 1; }
}

# Ends a test file: a summary comment, and a failing exit status when any
# check failed.
done_testing() {
	echo "# $TEST_NAME: $n_pass passed, $n_fail failed"
	[ "$n_fail" = 0 ]
}
