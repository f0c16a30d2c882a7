#!/usr/bin/env bash
# The bench's TLS in front of the S3 test server (tests/s3tls.py), for
# pgBackRest: a list of a bucket signed over "/BUCKET/", as pgBackRest signs
# it, is refused by the server alone and verifies through the proxy, which
# never re-signs (a wrong secret is still refused); that list comes back
# empty, which is why the bench's pgBackRest archive-get stays on local disk;
# every other request passes exactly. curl's Signature V4 plays the client.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/s3tls.sh"
need_s3
trap 's3tls_stop; cleanup' EXIT
B=tlsb
s3tls_start "$T" || { not_ok "start s3tls.py" "$(cat "$T/s3tls.log")"; done_testing; exit; }
TLS=https://127.0.0.1:$S3TLS_PORT
EMPTY_SHA=$(sha256sum </dev/null | cut -d' ' -f1)

# signed SECRET METHOD URL [CURL ARGS...]: the request signed by curl, its
# body to $T/body; prints the HTTP status.
signed() {
	local secret=$1 method=$2 url=$3; shift 3
	curl -sS --cacert "$S3TLS_CERT" --aws-sigv4 aws:amz:us-east-1:s3 \
		--user "$AWS_ACCESS_KEY_ID:$secret" -X "$method" -o "$T/body" -w '%{http_code}' \
		-H "x-amz-content-sha256: ${SHA:-$EMPTY_SHA}" "$@" "$url"
}
LIST="/$B/?list-type=2&prefix=wal%2F"
# A bucket with a key under the prefix listed, straight to the server.
check_eq "create the bucket" 200 "$(signed "$AWS_SECRET_ACCESS_KEY" PUT "$R2_ENDPOINT/$B")"
head -c $((1 << 20)) /dev/urandom >"$T/seg"
check "upload a key under wal/" sh -c "r2put -q s3://$B/wal/seg <'$T/seg'"

check_eq "the server alone refuses a list signed over /$B/" 403 \
	"$(signed "$AWS_SECRET_ACCESS_KEY" GET "$R2_ENDPOINT$LIST")"
check_grep "with SignatureDoesNotMatch" SignatureDoesNotMatch "$T/body"
check_eq "through s3tls.py the same list verifies" 200 \
	"$(signed "$AWS_SECRET_ACCESS_KEY" GET "$TLS$LIST")"
check_grep "s3tls.py says what it respelled" "^GET /$B/\\?list-type=2&prefix=wal%2F -> /$B%2F\\?list-type" "$T/s3tls.log"
if grep -q '<Key>' "$T/body"; then
	not_ok "the respelled list comes back empty (else archive-get could run on S3)" "$(cat "$T/body")"
else
	ok "the respelled list comes back empty (so archive-get cannot run on S3)"
fi
check_eq "a wrong secret is still refused through s3tls.py" 403 \
	"$(signed wrong-secret GET "$TLS$LIST")"
check_grep "with SignatureDoesNotMatch: nothing re-signs" SignatureDoesNotMatch "$T/body"

SHA=$(sha256sum <"$T/seg" | cut -d' ' -f1)
check_eq "a signed PUT through s3tls.py" 200 \
	"$(signed "$AWS_SECRET_ACCESS_KEY" PUT "$TLS/$B/wal/put" --data-binary "@$T/seg")"
SHA=
check_eq "a signed GET through s3tls.py" 200 \
	"$(signed "$AWS_SECRET_ACCESS_KEY" GET "$TLS/$B/wal/put")"
check_cmp "the bytes go up and come back exactly" "$T/seg" "$T/body"
r2get -q "s3://$B/wal/put" >"$T/stored" || not_ok "read the object back"
check_cmp "and are what the server stored" "$T/seg" "$T/stored"
done_testing
