#!/usr/bin/env bash
# sha256sum-r2 against what r2put recorded in a real bucket: --verify
# passes a good stream through byte for byte and withholds the tail of a
# bad one; --remote checks an object in place.
. "$(dirname "$0")/lib.sh"
need_s3
B=sha-verify
new_bucket $B || exit 1

python3 -c 'import os, sys; sys.stdout.buffer.write(os.urandom(3000000))' >"$T/backup"
SIZE=$(stat -c %s "$T/backup")
r2put -q s3://$B/daily/backup.gz <"$T/backup"

sha256sum-r2 --verify s3://$B/daily/backup.gz <"$T/backup" >"$T/passed"
check_eq "a whole stream verifies (exit 0)" 0 $?
check_cmp "and passes through unchanged" "$T/backup" "$T/passed"

# bad_case NAME: $T/bad must fail --verify with exit 1, and what came out
# must be a prefix of it that lacks at least its last 64 KiB.
bad_case() {
	sha256sum-r2 --verify s3://$B/daily/backup.gz <"$T/bad" >"$T/out" 2>"$T/err"
	local rc=$? bad out
	bad=$(stat -c %s "$T/bad")
	out=$(stat -c %s "$T/out")
	if [ $rc = 1 ] && [ $((bad - out)) -ge 65536 -o "$out" = 0 ] &&
	   cmp -s "$T/out" <(head -c "$out" "$T/bad") &&
	   grep -q 's3://'$B'/daily/backup.gz: SHA-256 mismatch' "$T/err"; then
		ok "$1: exit 1, mismatch named, tail withheld"
	else
		not_ok "$1: exit 1, mismatch named, tail withheld" "exit $rc, $out of $bad bytes out" "$(cat "$T/err")"
	fi
}
for cut in 0 1 65535 65536 1500000 $((SIZE - 65537)) $((SIZE - 1)); do
	head -c $cut "$T/backup" >"$T/bad"
	bad_case "truncated to $cut bytes"
done
for at in 0 9 1500000 $((SIZE - 8)) $((SIZE - 1)); do
	cp "$T/backup" "$T/bad"
	python3 - "$T/bad" $at <<'PY'
import sys
p, at = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read()); b[at] ^= 0x10; open(p, 'wb').write(b)
PY
	bad_case "one bit flipped at byte $at"
done
{ cat "$T/backup"; printf 'garbage'; } >"$T/bad"
bad_case "trailing garbage"

# gzverify's corruption matrix (every gzip corpus file truncated, flipped
# in header, body and trailer, given trailing garbage) through --verify
# against real sidecars.
leaks_unchecked python3 "$TOP/tests/gzmatrix.py" "$BIN" --sha256 s3://$B/matrix >"$T/matrix.out" 2>&1
cat "$T/matrix.out"
n_pass=$((n_pass + $(grep -c '^ok ' "$T/matrix.out")))
n_fail=$((n_fail + $(grep -c '^not ok ' "$T/matrix.out")))
grep -q '^ok ' "$T/matrix.out" || not_ok "the corruption matrix ran"

# The metadata is the fallback when the sidecar is gone.
r2rm -q s3://$B/daily/backup.gz.sha256
check "without its sidecar, x-amz-meta-sha256 still verifies" \
	sh -c "sha256sum-r2 --verify s3://$B/daily/backup.gz <'$T/backup' | cmp - '$T/backup'"

# An object with nothing recorded (written by another tool) is refused.
aws s3 cp --quiet "$T/backup" s3://$B/daily/foreign.gz
check_exit 4 "no recorded checksum: exit 4" sha256sum-r2 --verify s3://$B/daily/foreign.gz <"$T/backup"
check_grep "the message says what is missing" \
	'^sha256sum-r2: s3://sha-verify/daily/foreign.gz: no recorded checksum \(no daily/foreign.gz.sha256 sidecar' "$T/err"
check_eq "and nothing was passed through" 0 "$(stat -c %s "$T/out")"
check_exit 0 "--allow-missing passes it through" \
	sha256sum-r2 --allow-missing --verify s3://$B/daily/foreign.gz <"$T/backup"
check_cmp "byte for byte" "$T/backup" "$T/out"
check_exit 4 "a missing key: exit 4" sha256sum-r2 --verify s3://$B/daily/nothing.gz </dev/null

# --remote: the monthly "is the backup still whole?" check, no disk.
r2put -q s3://$B/monthly/big.gz <"$T/backup"
check_exit 0 "--remote: an intact object is OK" sha256sum-r2 --remote s3://$B/monthly/big.gz
check_eq "it says so as sha256sum -c would" "s3://$B/monthly/big.gz: OK" "$(cat "$T/out")"
python3 - "$S3_DATA/$B/monthly/big.gz._S3rver_object" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read()); b[123456] ^= 1; open(p, 'wb').write(b)
PY
check_exit 1 "--remote: a byte rotten in the bucket is FAILED, exit 1" \
	sha256sum-r2 --remote s3://$B/monthly/big.gz
check_eq "the report line says FAILED" "s3://$B/monthly/big.gz: FAILED" "$(cat "$T/out")"
check_grep "stderr names the mismatch" 'SHA-256 mismatch' "$T/err"
check_exit 4 "--remote of a foreign object: exit 4" sha256sum-r2 --remote s3://$B/daily/foreign.gz

# A name sha256sum must escape: the sidecar holds the escaped line, and
# both sha256sum -c and --verify read it.
odd='daily/back\slash.gz'
r2put -q "s3://$B/$odd" <"$T/backup"
check_eq "the sidecar of an odd name is sha256sum's escaped line" \
	"\\$(sha256sum <"$T/backup" | cut -c1-64)  back\\\\slash.gz" "$(r2get "s3://$B/$odd.sha256")"
check "--verify reads it" sh -c "sha256sum-r2 --verify 's3://$B/$odd' <'$T/backup' >/dev/null"

R2_SECRET_ACCESS_KEY=wrong check_exit 3 "a wrong secret: exit 3" \
	sha256sum-r2 --verify s3://$B/monthly/big.gz <"$T/backup"
check_grep "naming the credentials" 'credentials refused.*R2_SECRET_ACCESS_KEY' "$T/err"
check_exit 2 "--verify with FILE operands is a usage error" \
	sha256sum-r2 --verify s3://$B/monthly/big.gz "$T/backup"

done_testing
