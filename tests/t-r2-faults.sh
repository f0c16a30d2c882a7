#!/usr/bin/env bash
# A bad night on the network: connections reset mid-body, answers stall,
# the service says SlowDown. r2get and r2put retry and resume, and the
# bytes are still right; when the retries run out they exit 5 naming the
# endpoint, and leave nothing half-done: no partial file, no object, no
# unfinished upload.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
need_s3
B=faults
new_bucket $B || { done_testing; exit; }
MiB=$((1024 * 1024))
head -c $((20 * MiB + 333)) /dev/urandom >"$T/big"
r2put -q --part-size 5M "s3://$B/big" <"$T/big"
# no_leftovers DIR NAME: DIR holds neither NAME nor a temporary beside it.
no_leftovers() {
	local left
	left=$(cd "$1" && ls -A | grep -F "$2")
	check_eq "... and leaves no file behind (neither $2 nor a temporary)" "" "$left"
}
mkdir "$T/dl"

# --- r2get resumes a reset connection from the last byte it got
proxy_start --match 'GET /faults/big range=bytes=0-' --count 1 --reset-after 3000000
check_exit 0 "r2get through a connection reset 3 MB into a range" \
	via_proxy r2get --chunk-size 8M -o "$T/dl/big" "s3://$B/big"
check_cmp "... returns the same bytes" "$T/big" "$T/dl/big"
check_grep "... the connection was reset" "^reset after 3000000 bytes" "$PROXY_LOG"
check_grep "... and the retry asked only for the rest of the range" \
	"^GET /faults/big range=bytes=3000000-8388607 " "$PROXY_LOG"
rm -f "$T/dl/big"

# --- an object replaced while it is read is never spliced
head -c $((10 * MiB)) /dev/urandom >"$T/v1"
head -c $((10 * MiB)) /dev/urandom >"$T/v2"
r2put -q "s3://$B/changing" <"$T/v1"
proxy_start --match '^GET /faults/changing ' --count 1 --reset-after 2000000 \
	--then-run "r2put -q s3://$B/changing <'$T/v2'"
check_exit 1 "r2get of an object replaced after a reset mid-read exits 1" \
	via_proxy r2get -o "$T/dl/changing" "s3://$B/changing"
check_grep "... saying it changed while it was read" "^r2get: s3://$B/changing changed while it was read" "$T/err"
no_leftovers "$T/dl" changing
check_cmp "... (the object was replaced indeed)" "$T/v2" <(r2get "s3://$B/changing")

# --- replaced by a shorter object mid-read: the test server ignores
# If-Match, so the resumed range is refused as beyond the end (416); that
# too is an object that changed, not a service failure
r2put -q "s3://$B/changing" <"$T/v1"
head -c $((2 * MiB)) /dev/urandom >"$T/short"
proxy_start --match '^GET /faults/changing range=bytes=4194304-' --count 1 --reset-after 1000000 \
	--then-run "r2put -q s3://$B/changing <'$T/short'"
check_exit 1 "r2get -j 1 of an object replaced by a shorter one mid-read exits 1" \
	via_proxy r2get -j 1 -o "$T/dl/changing" "s3://$B/changing"
check_grep "... saying it changed while it was read" \
	"^r2get: s3://$B/changing changed while it was read \(a range within its 10485760 bytes" "$T/err"
no_leftovers "$T/dl" changing
check_grep "... the resumed range was refused" "^-> 416 for GET /faults/changing range=bytes=5194304-" "$PROXY_LOG"

# --- and a stalled one, once the stall timeout passes
proxy_start --match 'GET /faults/big range=bytes=8388608-' --count 1 --stall-after 1000000
DRKIT_STALL_TIMEOUT=1 via_proxy r2get --chunk-size 8M "s3://$B/big" >"$T/got" 2>"$T/err"
check_eq "r2get through a stalled answer exits 0" 0 $?
check_cmp "... returns the same bytes" "$T/big" "$T/got"
check_grep "... the answer did stall" "^stall after 1000000 bytes" "$PROXY_LOG"
check_grep "... and the retry resumed where it stalled" \
	"^GET /faults/big range=bytes=9388608-16777215 " "$PROXY_LOG"
rm -f "$T/got"

# --- and a body cut short by a clean close, twice
proxy_start --match '^GET ' --count 2 --close-after 1000000
check_exit 0 "r2get through two answers cut short" via_proxy r2get -o "$T/dl/big" "s3://$B/big"
check_cmp "... returns the same bytes" "$T/big" "$T/dl/big"
check_eq "... two answers were cut short" 2 "$(grep -c '^closed after 1000000 bytes' "$PROXY_LOG")"
rm -f "$T/dl/big"

# --- SlowDown and 500 are retried
proxy_start --count 3 --status 503
check_exit 0 "r2get after three 503 SlowDown answers" via_proxy r2get -o "$T/dl/big" "s3://$B/big"
check_cmp "... returns the same bytes" "$T/big" "$T/dl/big"
check_eq "... the service did say SlowDown three times" 3 "$(grep -c '^-> 503 (injected)' "$PROXY_LOG")"
rm -f "$T/dl/big"

# --- retries run out: exit 5, the endpoint named, no partial file
proxy_start --match '^GET ' --count 1000 --reset-after 100000
DRKIT_RETRIES=2 check_exit 5 "r2get -o when every GET is reset exits 5" \
	via_proxy r2get -o "$T/dl/big" "s3://$B/big"
check_grep "... naming the endpoint" "^r2get: .*$PROXY" "$T/err"
no_leftovers "$T/dl" big
proxy_start --count 1000 --status 500
DRKIT_RETRIES=2 check_exit 5 "r2get -o when the service answers 500 to everything exits 5" \
	via_proxy r2get -o "$T/dl/big" "s3://$B/big"
check_grep "... naming the endpoint" "^r2get: .*$PROXY" "$T/err"
check_grep "... and the HTTP status" "^r2get: .*500" "$T/err"
no_leftovers "$T/dl" big
proxy_start --match '^GET ' --count 1000 --stall-after 0
DRKIT_RETRIES=1 DRKIT_STALL_TIMEOUT=1 check_exit 5 "r2get -o when every answer stalls exits 5" \
	via_proxy r2get -o "$T/dl/big" "s3://$B/big"
check_grep "... naming the endpoint" "^r2get: .*$PROXY" "$T/err"
no_leftovers "$T/dl" big
proxy_stop
check_exit 5 "r2get when nothing listens at the endpoint exits 5" \
	env DRKIT_RETRIES=1 R2_ENDPOINT="http://127.0.0.1:$(free_port)" r2get "s3://$B/big"
check_grep "... naming the endpoint" "^r2get: .*http://127.0.0.1:" "$T/err"

proxy_start --match '^GET ' --count 1000 --close-after 1000000
DRKIT_RETRIES=1 via_proxy r2get "s3://$B/big" >"$T/got" 2>"$T/err"
check_eq "r2get to stdout when every answer is cut short exits 5" 5 $?
check_eq "... having written less than the object" yes \
	"$([ "$(stat -c %s "$T/got")" -lt "$(stat -c %s "$T/big")" ] && echo yes)"
check_grep "... and saying why" "^r2get: .*$PROXY" "$T/err"
rm -f "$T/got"
proxy_stop

# --- a reader that goes away ends r2get quietly
r2get "s3://$B/big" 2>"$T/err" | head -c 10 >/dev/null
check_eq "r2get | head -c 10: r2get ends on SIGPIPE" 141 "${PIPESTATUS[0]}"
check_eq "... without a message" "" "$(cat "$T/err")"

# --- a missing key: exit 4, nothing created
check_exit 4 "r2get -o of a missing key exits 4" r2get -o "$T/dl/missing" "s3://$B/no/such/key"
check_grep "... naming the key" "^r2get: s3://$B/no/such/key: not found" "$T/err"
no_leftovers "$T/dl" missing
check_exit 4 "r2get of a missing key after one that exists exits 4" \
	r2get -o "$T/dl/two" "s3://$B/big" "s3://$B/no/such/key"
no_leftovers "$T/dl" two
check_exit 4 "r2get of a missing bucket exits 4" r2get -o "$T/dl/nob" "s3://no-such-bucket/key"
no_leftovers "$T/dl" nob

# --- SIGTERM mid-download: no partial file
proxy_start --match '^GET ' --count 1 --stall-after 500000
R2_ENDPOINT=$PROXY r2get -o "$T/dl/term" "s3://$B/big" 2>"$T/err" &
pid=$!
while kill -0 $pid 2>/dev/null && ! grep -q '^stall' "$PROXY_LOG"; do sleep 0.1; done
kill -TERM $pid
wait $pid
check_eq "r2get -o killed by SIGTERM mid-download exits 143" 143 $?
check_grep "... saying it was interrupted" "^r2get: interrupted" "$T/err"
no_leftovers "$T/dl" term
proxy_stop

# --- r2ls retries a page the service refused
for i in $(seq 1 1500); do printf 'ls/k%04d\0' "$i"; done | seed_keys $B 1
r2ls --recursive "s3://$B/ls/" >"$T/ls.want"
proxy_start --match '^GET /faults\?.*continuation-token=' --count 2 --status 503
check_exit 0 "r2ls through two 503 answers to its second page" via_proxy r2ls --recursive "s3://$B/ls/"
check_cmp "... prints the whole listing, once" "$T/ls.want" "$T/out"
check_eq "... (1500 keys)" 1500 "$(wc -l <"$T/out")"
check_eq "... the service did refuse the second page twice" 2 "$(grep -c '^-> 503 (injected) for GET /faults?.*continuation-token=' "$PROXY_LOG")"
proxy_start --match '^GET /faults\?.*continuation-token=' --count 1000 --status 503
DRKIT_RETRIES=1 check_exit 5 "r2ls when its second page always gets 503 exits 5" \
	via_proxy r2ls --recursive "s3://$B/ls/"
check_grep "... naming the endpoint" "^r2ls: .*$PROXY" "$T/err"
proxy_stop

# --- r2put retries a part the service refused with 503
head -c $((12 * MiB)) /dev/urandom >"$T/put"
proxy_start --match 'PUT .*partNumber=2&' --count 2 --status 503
check_exit 0 "r2put after two 503 answers to part 2" \
	via_proxy r2put --part-size 5M "s3://$B/retried" <"$T/put"
check_eq "... part 2 was sent three times" 3 "$(grep -c '^PUT /faults/retried?partNumber=2&' "$PROXY_LOG")"
r2get "s3://$B/retried" >"$T/got"
check_cmp "... and the object holds the bytes" "$T/put" "$T/got"
rm -f "$T/got"

# --- r2put when the retries run out: exit 5, no object, the upload aborted
proxy_start --match 'PUT .*partNumber=' --count 1000 --status 500
DRKIT_RETRIES=2 check_exit 5 "r2put when every part gets 500 exits 5" \
	via_proxy r2put --part-size 5M "s3://$B/failed" < <(cat "$T/put")
check_grep "... naming the endpoint" "^r2put: .*$PROXY" "$T/err"
check_grep "... the multipart upload was aborted" "^DELETE /faults/failed\?uploadId=" "$PROXY_LOG"
check_exit 4 "... and there is no object" r2get "s3://$B/failed"
check_exit 4 "... nor a sidecar" r2get "s3://$B/failed.sha256"
proxy_start --match '^PUT ' --count 1000 --drop
DRKIT_RETRIES=1 check_exit 5 "r2put of a small file when every PUT is reset exits 5" \
	via_proxy r2put "s3://$B/small-failed" <"$T/big"
check_grep "... naming the endpoint" "^r2put: .*$PROXY" "$T/err"
check_exit 4 "... and there is no object" r2get "s3://$B/small-failed"
proxy_stop

aws s3 rb --force "s3://$B" >/dev/null
done_testing
