#!/usr/bin/env bash
# r2put as the nightly job uses it: it refuses what must not become a
# backup (empty input, a broken gzip, a different object under the same
# name), keeps parts equal in size, and leaves nothing behind when killed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
need_s3
B=putb
new_bucket $B || { done_testing; exit; }
MiB=$((1024 * 1024))
absent() {	# NAME KEY: neither KEY nor KEY.sha256 is in the bucket
	if r2ls --recursive -0 "s3://$B/$2" | tr '\0' '\n' | grep -qx -e "s3://$B/$2" -e "s3://$B/$2.sha256"; then
		not_ok "$1" "$(r2ls --recursive "s3://$B/$2")"
	else
		ok "$1"
	fi
}

# --- empty input
check_exit 8 "r2put of an empty pipe exits 8" sh -c "printf '' | r2put s3://$B/empty"
check_grep "... saying the input is empty and what allows it" "^r2put: empty input.*--allow-empty" "$T/err"
absent "... and creates neither the object nor its sidecar" empty
: >"$T/zero"
check_exit 8 "r2put of an empty file exits 8" r2put "s3://$B/empty" <"$T/zero"
absent "... and creates nothing" empty

# --- parts are equal in size but the last, whatever the reads
proxy_start
head -c $((23 * MiB + 7)) /dev/urandom >"$T/odd"
# Its bytes, written to the pipe in pieces of random sizes.
odd_writes() {
	python3 -c '
import os, random, sys
random.seed(7)
data = open(sys.argv[1], "rb").read()
i = 0
while i < len(data):
    n = random.randint(1, 300000)
    os.write(1, data[i:i + n])
    i += n' "$T/odd"
}
check_exit 0 "r2put of 23 MiB arriving in odd-sized writes" \
	via_proxy r2put --part-size 5M "s3://$B/odd" < <(odd_writes)
sizes=$(sed -n 's|^PUT /putb/odd?partNumber=\([0-9]*\)&uploadId=[0-9a-f]* \([0-9]*\)$|\1 \2|p' "$PROXY_LOG" |
	sort -n | cut -d' ' -f2 | tr '\n' ' ')
check_eq "... parts of 5 MiB but the last" "5242880 5242880 5242880 5242880 3145735 " "$sizes"
check_grep "... then completed" "^POST /putb/odd\?uploadId=" "$PROXY_LOG"
r2get "s3://$B/odd" >"$T/got"
check_cmp "... and the object holds the bytes" "$T/odd" "$T/got"
rm -f "$T/got"

# --- SIGTERM in the middle of a multipart upload
proxy_start
mkfifo "$T/fifo"
R2_ENDPOINT=$PROXY r2put --part-size 5M -j 2 "s3://$B/killed" <"$T/fifo" 2>"$T/err" &
pid=$!
# A producer that keeps writing, as pg_dump would.
head -c $((2048 * MiB)) /dev/zero >"$T/fifo" 2>/dev/null &
producer=$!
while kill -0 $pid 2>/dev/null &&
	[ "$(grep -c '^PUT /putb/killed?partNumber=' "$PROXY_LOG")" -lt 3 ]; do
	sleep 0.1
done
kill -TERM $pid
wait $pid
check_eq "r2put killed by SIGTERM mid-upload exits 143" 143 $?
kill $producer 2>/dev/null
wait $producer 2>/dev/null
check_grep "... saying it was interrupted" "^r2put: interrupted" "$T/err"
last_part=$(grep -n '^PUT /putb/killed?partNumber=' "$PROXY_LOG" | tail -1 | cut -d: -f1)
abort=$(grep -n '^DELETE /putb/killed?uploadId=' "$PROXY_LOG" | tail -1 | cut -d: -f1)
check_eq "... it sent AbortMultipartUpload for its upload, after the last part" yes \
	"$([ -n "$abort" ] && [ "$abort" -gt "$last_part" ] && echo yes)"
check_eq "... for the upload it created" \
	"$(sed -n 's|^PUT /putb/killed?partNumber=1&uploadId=\([0-9a-f]*\) .*|\1|p' "$PROXY_LOG")" \
	"$(sed -n 's|^DELETE /putb/killed?uploadId=\([0-9a-f]*\) .*|\1|p' "$PROXY_LOG")"
check_eq "... and never completed it" "" "$(grep '^POST /putb/killed?uploadId=' "$PROXY_LOG")"
absent "... no object appears" killed
proxy_stop

# --- a producer that pauses (pg_dump on a large table): the parts it
# completed go out meanwhile, and SIGTERM still ends r2put at once
proxy_start
mkfifo "$T/idle"
R2_ENDPOINT=$PROXY r2put --part-size 5M -j 2 "s3://$B/idle" <"$T/idle" 2>"$T/err" &
pid=$!
# It writes 12 MiB, then holds its end open until r2put is gone (or its
# patience ends), and marks in the log when it let go.
{
	head -c $((12 * MiB)) /dev/zero
	for i in $(seq 1200); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	echo "input closed" >>"$PROXY_LOG"
} >"$T/idle" &
producer=$!
answered() {	# N: part N of idle was answered before the input closed
	sed -n '/^input closed/q; p' "$PROXY_LOG" | grep -q "^-> 200 for PUT /putb/idle?partNumber=$1&"
}
while kill -0 $producer 2>/dev/null && ! answered 2; do sleep 0.1; done
check "parts 1 and 2 are uploaded while the producer pauses" sh -c \
	"sed -n '/^input closed/q; p' '$PROXY_LOG' | grep -c '^-> 200 for PUT /putb/idle?partNumber=[12]&' | grep -qx 2"
kill -TERM $pid
wait $pid
check_eq "SIGTERM while the producer pauses: r2put exits 143" 143 $?
wait $producer
check "... having aborted the upload before its input closed" sh -c \
	"sed -n '/^input closed/q; p' '$PROXY_LOG' | grep -q '^DELETE /putb/idle?uploadId='"
absent "... and no object appears" idle
proxy_stop

# --- --no-clobber
echo "monday" >"$T/monday"
echo "tuesday" >"$T/tuesday"
r2put -q "s3://$B/wal/000001" <"$T/monday"
check_exit 8 "r2put --no-clobber over a different object exits 8" \
	r2put --no-clobber "s3://$B/wal/000001" <"$T/tuesday"
check_grep "... saying it was not replaced" "^r2put: s3://$B/wal/000001 exists and differs: not replaced" "$T/err"
check_eq "... and the object is unchanged" "monday" "$(r2get "s3://$B/wal/000001")"
check_exit 0 "r2put --no-clobber of the same bytes succeeds (archive_command retried)" \
	r2put --no-clobber "s3://$B/wal/000001" <"$T/monday"
check_grep "... noting it kept what was there" "already there with the same SHA-256" "$T/err"
check_exit 0 "r2put --no-clobber of a new key writes it" \
	r2put --no-clobber "s3://$B/wal/000002" <"$T/tuesday"
check_eq "... with its bytes" "tuesday" "$(r2get "s3://$B/wal/000002")"
# A multipart object carries no x-amz-meta-sha256: the sidecar decides.
head -c $((6 * MiB)) /dev/urandom >"$T/six"
r2put -q --part-size 5M "s3://$B/wal/big" <"$T/six"
check_exit 0 "r2put --no-clobber of the same multipart bytes succeeds" \
	r2put --no-clobber --part-size 5M "s3://$B/wal/big" <"$T/six"
head -c $((6 * MiB)) /dev/urandom >"$T/six2"
check_exit 8 "r2put --no-clobber of other multipart bytes exits 8" \
	r2put --no-clobber --part-size 5M "s3://$B/wal/big" <"$T/six2"
r2get "s3://$B/wal/big" >"$T/got"
check_cmp "... and the object is unchanged" "$T/six" "$T/got"
aws s3 cp --quiet "$T/monday" "s3://$B/wal/by-aws"
check_exit 8 "r2put --no-clobber over an object with no recorded checksum exits 8" \
	r2put --no-clobber "s3://$B/wal/by-aws" <"$T/monday"
check_grep "... saying it cannot compare" "no recorded checksum" "$T/err"

# --- --no-clobber is a conditional write where the service honours it:
# the test server ignores If-None-Match, so the proxy's log proves it is
# sent, on a single PUT and on the completion of a multipart upload.
proxy_start
check_exit 0 "r2put --no-clobber of a new small object through the recording proxy" \
	via_proxy r2put --no-clobber "s3://$B/cond/small" <"$T/monday"
check_grep "... sends its PUT with If-None-Match: *" "^If-None-Match: \* on PUT /$B/cond/small$" "$PROXY_LOG"
check_grep "... after a HEAD, the check for services that ignore it" "^HEAD /$B/cond/small " "$PROXY_LOG"
check_exit 0 "r2put --no-clobber of a new multipart object through the proxy" \
	via_proxy r2put --no-clobber --part-size 5M "s3://$B/cond/big" <"$T/six"
check_grep "... completes it with If-None-Match: *" \
	"^If-None-Match: \* on POST /$B/cond/big\?uploadId=" "$PROXY_LOG"
r2get "s3://$B/cond/big" >"$T/got"
check_cmp "... and the object holds the bytes" "$T/six" "$T/got"
proxy_stop
# R2 and S3 answer 412 when the key was written between the check and the
# write: the new bytes are refused, the upload aborted.
printf '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>' >"$T/412.xml"
proxy_start --match "^POST /$B/cond/race\?uploadId=" --count 1 --status 412 --reply-file "$T/412.xml"
check_exit 8 "r2put --no-clobber whose completion is refused with 412 exits 8" \
	via_proxy r2put --no-clobber --part-size 5M "s3://$B/cond/race" <"$T/six"
check_grep "... saying it did not write it" "^r2put: s3://$B/cond/race: .*412.*not written" "$T/err"
check_grep "... aborts the upload" "^DELETE /$B/cond/race\?uploadId=" "$PROXY_LOG"
absent "... and leaves neither object nor sidecar" cond/race
proxy_stop
proxy_start --match "^PUT /$B/cond/race1$" --count 1 --status 412 --reply-file "$T/412.xml"
check_exit 8 "r2put --no-clobber whose single PUT is refused with 412 exits 8" \
	via_proxy r2put --no-clobber "s3://$B/cond/race1" <"$T/monday"
absent "... and leaves no sidecar" cond/race1
proxy_stop

# --- --verify gzip: only a whole gzip stream becomes an object
seq 1 200000 | gzip -c >"$T/good.gz"
check_exit 0 "r2put --verify gzip of a whole gzip stream" \
	r2put --verify gzip "s3://$B/db/good.gz" <"$T/good.gz"
r2get "s3://$B/db/good.gz" >"$T/got"
check_cmp "... uploads it unchanged" "$T/good.gz" "$T/got"
seq 1 200000 >"$T/plain"
check_exit 1 "r2put --verify gzip of plain text exits 1" \
	r2put --verify gzip "s3://$B/db/plain.gz" <"$T/plain"
check_grep "... saying it is not gzip" "^r2put: .*gzip" "$T/err"
absent "... and creates nothing" db/plain.gz
head -c $(($(stat -c %s "$T/good.gz") - 100)) "$T/good.gz" >"$T/cut.gz"
check_exit 1 "r2put --verify gzip of a truncated gzip stream exits 1" \
	r2put --verify gzip "s3://$B/db/cut.gz" < <(cat "$T/cut.gz")
absent "... and creates nothing" db/cut.gz
# As a dying pg_dump | gzip leaves it, larger than a part.
head -c $((12 * MiB)) /dev/urandom | gzip -1 -c | head -c $((11 * MiB)) >"$T/bigcut.gz"
proxy_start
check_exit 1 "r2put --verify gzip of a truncated multipart stream exits 1" \
	via_proxy r2put --verify gzip --part-size 5M "s3://$B/db/bigcut.gz" < <(cat "$T/bigcut.gz")
absent "... and creates nothing" db/bigcut.gz
check_grep "... and aborts the upload it started" "^DELETE /putb/db/bigcut.gz\?uploadId=" "$PROXY_LOG"
check_eq "... without completing it" "" "$(grep '^POST /putb/db/bigcut.gz?uploadId=' "$PROXY_LOG")"
proxy_stop

aws s3 rb --force "s3://$B" >/dev/null
done_testing
