#!/usr/bin/env bash
# r2get --presign: hand someone a time-limited download link of a backup.
# curl, with no credentials at all, fetches exactly the object's bytes;
# the server refuses a link whose signature is not the secret's, and one
# that has expired; a wrong secret or a missing object yields no link.
. "$(dirname "$0")/lib.sh"
need_s3
B=presign
new_bucket $B || { done_testing; exit; }
KEY='daily/shop backup é+~(1)!.sql.gz'
head -c 300000 /dev/urandom >"$T/object"
r2put -q "s3://$B/$KEY" <"$T/object"

# --- the link of a backup, fetched by someone without credentials
check_exit 0 "r2get --presign 12h prints a link" r2get --presign 12h "s3://$B/$KEY"
URL=$(cat "$T/out")
check_eq "... one line for one name" 1 "$(wc -l <"$T/out")"
check_grep "... to the endpoint" "^$R2_ENDPOINT/$B/daily/shop%20backup%20" "$T/out"
check_grep "... valid for 12 hours" "[?&]X-Amz-Expires=43200(&|$)" "$T/out"
check_exit 0 "curl, with no credentials, fetches the link" \
	env -u R2_ACCESS_KEY_ID -u R2_SECRET_ACCESS_KEY curl -sSf -o "$T/got" "$URL"
check_cmp "... and gets the object's exact bytes" "$T/object" "$T/got"

# --- a signature that is not the secret's, an expired link
# The signature ends the URL: change its last hex digit.
BAD=${URL%?}$([ "${URL: -1}" = 0 ] && echo 1 || echo 0)
check_exit 0 "a link whose signature was altered is fetched" \
	curl -s -o "$T/bad" -w '%{http_code}' "$BAD"
check_eq "... and refused with 403" 403 "$(cat "$T/out")"
check_grep "... as SignatureDoesNotMatch" "SignatureDoesNotMatch" "$T/bad"
check_exit 0 "r2get --presign 1s" r2get --presign 1s "s3://$B/$KEY"
SHORT=$(cat "$T/out")
sleep 2
check_exit 0 "a link past its time is fetched" curl -s -o "$T/late" -w '%{http_code}' "$SHORT"
check_eq "... and refused with 403" 403 "$(cat "$T/out")"

# --- no link that would fail in someone else's hands
check_exit 3 "r2get --presign under a wrong secret exits 3" \
	env R2_SECRET_ACCESS_KEY=wrong r2get --presign 1h "s3://$B/$KEY"
check_eq "... and prints no link" "" "$(cat "$T/out")"
check_exit 4 "r2get --presign of a key that is not there exits 4" \
	r2get --presign 1h "s3://$B/daily/typo.sql.gz"
check_eq "... and prints no link" "" "$(cat "$T/out")"

# --- several names, a file, and durations out of range
echo small | r2put -q "s3://$B/small.txt"
check_exit 0 "r2get --presign 7d -o FILE of two names" \
	r2get --presign 7d -o "$T/links" "s3://$B/$KEY" "s3://$B/small.txt"
check_eq "... writes two links to FILE" 2 "$(wc -l <"$T/links")"
check_grep "... each valid for 7 days" "X-Amz-Expires=604800" "$T/links"
check_exit 0 "... the second of which fetches the second object" \
	curl -sSf -o "$T/small" "$(sed -n 2p "$T/links")"
check_eq "... exactly" small "$(cat "$T/small")"
for d in 0 8d 0s soon 12x -1h; do
	check_exit 2 "r2get --presign $d is a usage error" r2get --presign "$d" "s3://$B/$KEY"
	check_grep "... naming the option" "^r2get: --presign: .*'$d'" "$T/err"
done
done_testing
