#!/usr/bin/env bash
# Signature V4: drkit signs exactly as botocore's S3 signers do, over a few
# hundred randomized requests, and a real S3 server accepts what it signs
# (and refuses it under a wrong secret). SIGV4_SEED=N replays the random
# requests of a failed run.
. "$(dirname "$0")/lib.sh"

SIGN=$TOOLS/sigv4_sign

# --- botocore, with every python3 that has it (each may ship another one)
seen=
for py in python3 /usr/bin/python3; do
	where=$("$py" -c 'import botocore; print(botocore.__file__)' 2>/dev/null) || continue
	case " $seen " in *" $where "*) continue ;; esac
	seen="$seen $where"
	"$py" "$TOP/tests/sigv4_botocore.py" "$SIGN" ${SIGV4_SEED:+--seed "$SIGV4_SEED"} \
		>"$T/botocore.out" 2>&1
	rc=$?
	cat "$T/botocore.out"
	n_pass=$((n_pass + $(grep -c '^ok ' "$T/botocore.out")))
	bad=$(grep -c '^not ok ' "$T/botocore.out")
	n_fail=$((n_fail + bad))
	[ "$rc" != 0 ] && [ "$bad" = 0 ] &&
		not_ok "compare with botocore at $where" "$(tail -5 "$T/botocore.out")"
done
[ -n "$seen" ] || not_ok "a python3 with botocore to compare with (install python3-botocore)"

# --- a real server that verifies Signature V4
need_s3
new_bucket sigv4 || { done_testing; exit; }
KEY='daily/pg dump é+~(1)!.sql.gz'
head -c 5000 /dev/urandom >"$T/object"
aws s3 cp --quiet "$T/object" "s3://sigv4/$KEY"
HOST=127.0.0.1:$S3_PORT

EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
encode_path() {
	python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/"))' "$1"
}
EPATH=$(encode_path "/sigv4/$KEY")

# describe METHOD PATH SECRET REGION [FIELD...]: a request for sigv4_sign,
# made at $NOW.
describe() {
	printf 'id\t1\nmethod\t%s\npath\t%s\nheader\tHost\t%s\ntime\t%s\n' "$1" "$2" "$HOST" "$NOW"
	printf 'region\t%s\naccess\t%s\nsecret\t%s\n' "$4" "$R2_ACCESS_KEY_ID" "$3"
	shift 4
	[ $# -gt 0 ] && printf '%s\n' "$@"
	printf 'end\n'
}

# Presigned GET, as R2 is addressed (region auto). Valid for the longest
# time S3 allows, so that a slow machine never sees it expire.
NOW=$(date +%s)
url=$(describe GET "/sigv4/$KEY" "$R2_SECRET_ACCESS_KEY" auto "$(printf 'presign\thttp\t604800')" |
	"$SIGN" | cut -f3)
check_eq "presigned URL carries the key encoded once" \
	"http://$HOST$EPATH?" "${url%%\?*}?"
curl -s -o "$T/got" "$url"
check_cmp "presigned GET of a key with spaces, non-ASCII, + ~ ( ) ! returns its bytes" \
	"$T/object" "$T/got"
url=$(describe GET "/sigv4/$KEY" wrong-secret auto "$(printf 'presign\thttp\t604800')" |
	"$SIGN" | cut -f3)
code=$(curl -s -o "$T/err.xml" -w '%{http_code}' "$url")
check_eq "presigned GET under a wrong secret is refused (403)" 403 "$code"
check_grep "... and the server says SignatureDoesNotMatch" SignatureDoesNotMatch "$T/err.xml"

# Header-signed PUT with a hashed payload, read back with the aws CLI.
head -c 3000 /dev/urandom >"$T/put"
sha=$(sha256sum "$T/put" | cut -d' ' -f1)
# signed_curl SECRET METHOD PATH PAYLOAD [CURL ARGS...]: sends a request
# signed by sigv4_sign with the headers the S3 client sends.
signed_curl() {
	local secret=$1 method=$2 path=$3 payload=$4 auth
	shift 4
	NOW=$(date +%s)
	auth=$(describe "$method" "$path" "$secret" us-east-1 "$(printf 'payload\t%s' "$payload")" |
		"$SIGN" | cut -f3)
	curl -s -X "$method" -H "Authorization: $auth" \
		-H "x-amz-date: $(date -u -d "@$NOW" +%Y%m%dT%H%M%SZ)" \
		-H "x-amz-content-sha256: $payload" "$@" "http://$HOST$(encode_path "$path")"
}
code=$(signed_curl "$R2_SECRET_ACCESS_KEY" PUT "/sigv4/up load/é=%.bin" "$sha" \
	--data-binary @"$T/put" -o "$T/put.out" -w '%{http_code}')
check_eq "header-signed PUT of a key with space, é, = and % is accepted" 200 "$code"
aws s3 cp --quiet "s3://sigv4/up load/é=%.bin" "$T/put.back"
check_cmp "... and the aws CLI reads back the same bytes" "$T/put" "$T/put.back"
code=$(signed_curl "$R2_SECRET_ACCESS_KEY" GET "/sigv4/$KEY" UNSIGNED-PAYLOAD \
	-o "$T/get" -w '%{http_code}')
check_eq "header-signed GET with UNSIGNED-PAYLOAD is accepted" 200 "$code"
check_cmp "... and returns the object's bytes" "$T/object" "$T/get"
code=$(signed_curl wrong-secret GET "/sigv4/$KEY" "$EMPTY_SHA256" -o "$T/err2.xml" -w '%{http_code}')
check_eq "header-signed GET under a wrong secret is refused (403)" 403 "$code"
check_grep "... and the server says SignatureDoesNotMatch" SignatureDoesNotMatch "$T/err2.xml"

done_testing
