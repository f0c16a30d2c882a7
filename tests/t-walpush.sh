#!/usr/bin/env bash
# walpush as PostgreSQL's archive_command calls it: a WAL file is stored
# once, gzipped, with its SHA-256; the same file again is success, a
# different one under the same name is refused and the stored one kept.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
. "$TOP/tests/wal.sh"
need_s3
B=walpushb
new_bucket $B || { done_testing; exit; }
A=s3://$B/wal

stored_sha() {	# KEY: the SHA-256 of the stored object's uncompressed bytes
	r2get "$A/$1.gz" | gzip -dc | sha256sum | cut -d' ' -f1
}

W=$T/pg_wal
mkdir -p "$W"
S1=000000010000000000000001
wal_segment "$W/$S1" 1

# --- one segment, stored once
check_exit 0 "walpush of a segment exits 0" walpush --look-ahead 0 "$W/$S1" "$A"
check_eq "... and says nothing (PostgreSQL logs stderr)" "" "$(cat "$T/err")"
check_eq "... the object is the segment, gzipped" "$(sha "$W/$S1")" \
	"$(stored_sha $S1)"
check "... and sha256sum-r2 checks it by its recorded SHA-256, without PostgreSQL" \
	sh -c "r2get '$A/$S1.gz' | gzverify -d | sha256sum-r2 --verify '$A/$S1.gz' >/dev/null"
check_exit 0 "the same segment again (PostgreSQL retries after a crash) exits 0" \
	walpush --look-ahead 0 "$W/$S1" "$A"

# --- a different file under the same name is never stored over the first
before=$(stored_sha $S1)
cp "$W/$S1" "$T/orig"
wal_segment "$W/$S1" 2
check_exit 8 "a different segment under the same name exits 8" \
	walpush --look-ahead 0 "$W/$S1" "$A"
check_grep "... naming both checksums" \
	"^walpush: s3://$B/wal/$S1.gz exists with SHA-256 $before, but .* has SHA-256 $(sha "$W/$S1")" "$T/err"
check_eq "... in one line" 1 "$(wc -l <"$T/err")"
check_eq "... and the stored segment is unchanged" "$before" "$(stored_sha $S1)"
cp "$T/orig" "$W/$S1"

# --- the conditional write: the test server ignores If-None-Match, so the
# proxy's log proves it is sent.
proxy_start
S2=000000010000000000000002
wal_segment "$W/$S2" 3
check_exit 0 "walpush of a new segment through the recording proxy" \
	via_proxy walpush --look-ahead 0 "$W/$S2" "$A"
check_grep "... sends the PUT with If-None-Match: *" "^If-None-Match: \* on PUT /$B/wal/$S2.gz" "$PROXY_LOG"
check_grep "... after a HEAD, the check for services that ignore it" "^HEAD /$B/wal/$S2.gz " "$PROXY_LOG"
: >"$PROXY_LOG"
check_exit 0 "walpush of it again through the proxy exits 0" \
	via_proxy walpush --look-ahead 0 "$W/$S2" "$A"
check_eq "... with one HEAD and no PUT" "HEAD" "$(grep -oE '^(HEAD|PUT|GET)' "$PROXY_LOG" | tr '\n' ' ' | sed 's/ $//')"
proxy_stop

# --- every kind of file PostgreSQL archives
printf '1\t0/3000000\tno recovery target specified\n' >"$W/00000002.history"
printf 'START WAL LOCATION: 0/2000028 (file %s)\n' "$S2" >"$W/$S2.00000028.backup"
wal_segment "$W/$S2.partial" 4
for f in 00000002.history $S2.00000028.backup $S2.partial; do
	check_exit 0 "walpush of a $f exits 0" walpush "$W/$f" "$A"
	check_eq "... and stores it as $f.gz" "$(sha "$W/$f")" "$(stored_sha "$f")"
done
echo x >"$T/notwal"
check_exit 2 "a file whose name PostgreSQL would not archive exits 2" walpush "$T/notwal" "$A"
wal_segment "$W/000000010000000000000009" 5 $((8 << 20))
check_exit 1 "a segment shorter than its header says exits 1" \
	walpush "$W/000000010000000000000009" "$A"
check_eq "... and stores nothing" "" "$(r2ls "$A/000000010000000000000009" 2>&1)"
check_exit 6 "a file that is not there exits 6" walpush "$W/000000010000000000000042" "$A"

# --- an empty environment, as the postmaster's: a profile in ~/.aws
H=$T/home
mkdir -p "$H/.aws"
printf '[wal]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >"$H/.aws/credentials"
printf '[profile wal]\nendpoint_url = %s\n' "$R2_ENDPOINT" >"$H/.aws/config"
S3=000000010000000000000003
wal_segment "$W/$S3" 6
check_exit 0 "env -i walpush with AWS_PROFILE in the postgres user's HOME" \
	env -i HOME="$H" AWS_PROFILE=wal "$BIN/walpush" --look-ahead 0 "$W/$S3" "$A"
check_exit 0 "env -i walpush --profile wal" \
	env -i HOME="$H" "$BIN/walpush" --profile wal --look-ahead 0 "$W/$S3" "$A"
cp "$H/.aws/credentials" "$T/creds"
printf '[wal]\naws_access_key_id = S3RVER\naws_secret_access_key = wrong\n' >"$H/.aws/credentials"
check_exit 3 "... with a wrong secret in the profile: exit 3" \
	env -i HOME="$H" DRKIT_RETRIES=0 "$BIN/walpush" --profile wal --look-ahead 0 "$W/$S3" "$A"
check_exit 0 "env -i walpush --credentials FILE --profile wal" \
	env -i HOME="$H" "$BIN/walpush" --credentials "$T/creds" --profile wal --look-ahead 0 "$W/$S3" "$A"

# --- look-ahead: segments already .ready go up with the one asked for
L=$T/lk/pg_wal
mkdir -p "$L/archive_status"
for i in 1 2 3 4 5; do
	wal_segment "$L/00000001000000000000001$i" $((10 + i))
	touch "$L/archive_status/00000001000000000000001$i.ready"
done
LA=s3://$B/lk
check_exit 0 "walpush --look-ahead 3 of the first .ready segment exits 0" \
	walpush --look-ahead 3 "$L/000000010000000000000011" "$LA"
check_eq "... and has stored the next three as well" \
	"000000010000000000000011.gz 000000010000000000000012.gz 000000010000000000000013.gz 000000010000000000000014.gz" \
	"$(r2ls "$LA/" | awk '{print $4}' | tr '\n' ' ' | sed 's/ $//')"
check_eq "... PostgreSQL's status files are untouched" \
	"5" "$(ls "$L/archive_status" | grep -c '\.ready$')"
check_eq "... and nothing else is in archive_status" "5" "$(ls -A "$L/archive_status" | wc -l)"
check_exit 0 "the later call for a segment pushed ahead returns without the service" \
	env R2_ENDPOINT=http://127.0.0.1:$(free_port) DRKIT_RETRIES=0 \
	walpush --look-ahead 0 "$L/000000010000000000000012" "$LA"
wal_segment "$L/000000010000000000000013" 99
check_exit 8 "a segment changed since it was pushed ahead is checked again: exit 8" \
	walpush --look-ahead 0 "$L/000000010000000000000013" "$LA"

done_testing
