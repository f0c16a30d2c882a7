#!/usr/bin/env bash
# A broken or hostile server, or a bad setting, must not make drkit hang,
# eat memory, write the wrong object or say yes when it does not know:
# listings that never end, bodies that never end, a HEAD without a size,
# keys that look like paths, endpoints that are no endpoint, TLS peers
# nobody vouched for. Each is a family, tried in all its members.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
need_s3
B=hostile
new_bucket $B || { done_testing; exit; }
printf 'some bytes\n' | r2put -q "s3://$B/obj"
printf 'x' | r2put -q "s3://$B/one"

# --- bad endpoints: every program, exit 3, one line, no secret quoted
for ep in 'https://' 'http://' 'HTTPS://' 'ftp://x' 'https:// x' 'example.com' \
	'https://host/path' 'https://host/bucket/' 'https://host?x=1' 'https://host#frag' \
	'https://user:hunter2@host' 'https://:hunter2@host' 'http://[::1'; do
	for prog in "r2ls s3://$B/" "r2get s3://$B/obj" "r2put s3://$B/new" "r2rm s3://$B/obj" \
		"sha256sum-r2 --remote s3://$B/obj" "stalecheck s3://$B/"; do
		R2_ENDPOINT=$ep $prog </dev/null >"$T/out" 2>"$T/err"
		rc=$?
		[ "$rc" = 3 ] && [ "$(wc -l <"$T/err")" = 1 ] && ! grep -q hunter2 "$T/err" ||
			not_ok "R2_ENDPOINT='$ep' $prog: want exit 3 and one line without the password" \
			"got $rc: $(cat "$T/err")"
	done
done
ok "13 bad endpoints x 6 programs: exit 3, one line, no password quoted"
check_exit 3 "an endpoint with a path" env R2_ENDPOINT=https://h/p r2ls s3://$B/
check_grep "... says what is wrong with it" "^r2ls: R2_ENDPOINT: the endpoint holds a path" "$T/err"
check_exit 0 "the scheme in any case: HtTp://" env R2_ENDPOINT=HtTp://127.0.0.1:$S3_PORT r2ls s3://$B/
check_grep "... lists the bucket" " obj$" "$T/out"
check_exit 0 "a trailing slash on the endpoint is no path" env R2_ENDPOINT=$R2_ENDPOINT/ r2ls s3://$B/

# --- plain http to a host that is not this one: a warning, once
for ep in "http://127.0.0.1:$S3_PORT" "http://127.1.2.3:9" "http://localhost:$S3_PORT" "http://[::1]:9"; do
	DRKIT_RETRIES=0 R2_ENDPOINT=$ep r2ls s3://$B/ >/dev/null 2>"$T/err"
	if grep -q "plain http" "$T/err"; then not_ok "no warning for loopback $ep" "$(cat "$T/err")"; fi
done
ok "no plain-http warning for loopback endpoints"
ip=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | head -1)
if [ -n "$ip" ]; then
	DRKIT_RETRIES=0 R2_ENDPOINT=http://$ip:9 r2ls s3://$B/ >/dev/null 2>"$T/err"
	check_eq "plain http to $ip warns once" 1 "$(grep -c 'plain http: request signatures travel in clear' "$T/err")"
	(
		export AWS_ACCESS_KEY_ID=$R2_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$R2_SECRET_ACCESS_KEY
		unset R2_ACCESS_KEY_ID R2_SECRET_ACCESS_KEY
		DRKIT_RETRIES=0 AWS_SESSION_TOKEN=tok R2_ENDPOINT=http://$ip:9 r2ls s3://$B/
	) >/dev/null 2>"$T/err"
	check_grep "... naming the session token when there is one" "signatures and the session token travel" "$T/err"
fi

# --- AWS_CA_BUNDLE that cannot be read is a setting to fix: exit 3
: >"$T/empty.pem"
for bundle in "$T/missing.pem" "$T" "$T/empty.pem"; do
	check_exit 3 "AWS_CA_BUNDLE=$bundle exits 3" env AWS_CA_BUNDLE="$bundle" r2ls s3://$B/
	check_grep "... naming AWS_CA_BUNDLE" "^r2ls: AWS_CA_BUNDLE $bundle: " "$T/err"
done

# --- a TLS peer with a certificate nobody vouched for
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.pem" -days 1 \
	-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -quiet -accept "127.0.0.1:$tls_port" -cert "$T/tls.pem" -key "$T/tls.key" -www \
	</dev/null >/dev/null 2>&1 &
tls_pid=$!
while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$tls_port))" 2>/dev/null; do
	kill -0 $tls_pid 2>/dev/null || break
	sleep 0.1
done
check_exit 3 "a self-signed TLS endpoint is refused with exit 3" \
	env R2_ENDPOINT=https://127.0.0.1:$tls_port DRKIT_RETRIES=0 r2ls s3://$B/
check_grep "... naming AWS_CA_BUNDLE" "not trusted .*set AWS_CA_BUNDLE" "$T/err"
for ep in https://127.0.0.1:$tls_port HTTPS://localhost:$tls_port; do
	DRKIT_RETRIES=0 AWS_CA_BUNDLE=$T/tls.pem R2_ENDPOINT=$ep r2ls s3://$B/ >/dev/null 2>"$T/err"
	rc=$?
	# The peer is trusted now; it is no S3 service, which is another failure.
	check_eq "with AWS_CA_BUNDLE naming its certificate, $ep gets past TLS" \
		"5 none" "$rc $(grep -qi 'certificate\|AWS_CA_BUNDLE' "$T/err" && echo tls || echo none)"
done
kill $tls_pid 2>/dev/null; wait $tls_pid 2>/dev/null

# --- keys with dot segments and empty segments are keys, sent as they are
# (the test server stores objects as files, so only the keys whose middle
# segments a file system keeps apart can be listed back exactly; every key's
# request line is checked in the proxy's log, and the server verified each
# signature on the path it received).
proxy_start --count 0
n=0
for k in 'a/../b/./c' './x' 'x/..' 'x/.' 'dir/../../up' '//double' 'mid//dle' \
	'a/%2e%2e/b' '..x' 'x..' '.hidden/./f' '../../..' 'x/./..'; do
	n=$((n + 1))
	name=s3://$B/dots/$n/$k
	path=/$B/dots/$n/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/~"))' "$k")
	printf 'key %s\n' "$k" >"$T/in"
	via_proxy r2put -q "$name" <"$T/in" 2>"$T/err" ||
		not_ok "r2put of the key dots/$n/$k" "$(cat "$T/err")"
	via_proxy r2get "$name" >"$T/got" 2>"$T/err" && cmp -s "$T/in" "$T/got" ||
		not_ok "r2get of the key dots/$n/$k returns its bytes" "$(cat "$T/err")"
	for req in "PUT $path " "PUT $path.sha256 " "GET $path range="; do
		grep -qF -- "$req" "$PROXY_LOG" || not_ok "the request '$req' went out as the key says" \
			"$(grep "dots/$n/" "$PROXY_LOG")"
	done
	case "/$k/" in
	*/./*/* | */../*/* | *//*) ;;
	*)
		r2ls -0 --recursive "s3://$B/dots/$n/" >"$T/ls" 2>"$T/err"
		printf '%s\0%s.sha256\0' "$name" "$name" | cmp -s - "$T/ls" ||
			not_ok "r2ls -0 lists the key dots/$n/$k exactly" "$(od -c "$T/ls" | head)"
		aws s3api list-objects-v2 --bucket $B --prefix "dots/$n/" --query 'Contents[].Key' \
			--output text >"$T/aws" 2>&1
		printf 'dots/%s/%s\tdots/%s/%s.sha256\n' $n "$k" $n "$k" | cmp -s - "$T/aws" ||
			not_ok "aws s3api sees the exact key dots/$n/$k" "$(cat "$T/aws")"
		;;
	esac
	via_proxy r2rm -q "$name" "$name.sha256" 2>"$T/err" ||
		not_ok "r2rm of the key dots/$n/$k" "$(cat "$T/err")"
done
ok "$n keys with dot and empty segments: r2put, r2get, r2ls, r2rm send them as they are"
check_exit 0 "afterwards the listing of dots/" r2ls --recursive s3://$B/dots/
check_eq "... holds no key: none was another key" "" "$(cat "$T/out")"

# --- a listing whose continuation token comes back never ends: refused
for n in 1 2 3 5; do
	proxy_start --match 'list-type=2' --count 100000 --list-tokens cycle:$n
	check_exit 5 "r2ls of a listing whose tokens cycle every $n pages exits 5" \
		via_proxy r2ls s3://$B/
	check_grep "... saying a token came again" "token it had sent before, after $((n + 1)) pages" "$T/err"
	check_exit 3 "stalecheck of the same listing is UNKNOWN" via_proxy stalecheck s3://$B/
	cat "$T/out" "$T/err" >"$T/both"
	check_grep "... for the same reason" "token it had sent before" "$T/both"
done
proxy_start --match 'list-type=2' --count 100000 --list-tokens fresh
check_exit 5 "a listing of fresh tokens without end stops at the page limit" \
	env DRKIT_LIST_MAX_PAGES=25 R2_ENDPOINT=$PROXY r2ls s3://$B/
check_grep "... and says so" "did not end after 25 pages" "$T/err"

# --- SIGTERM while the service stalls: the program ends, 128+15, after cleanup
term_while_stalled() {	# NAME MATCH CMD...
	local name=$1 match=$2 pid; shift 2
	proxy_start --match "$match" --count 100 --stall-after 0
	R2_ENDPOINT=$PROXY "$@" >"$T/out" 2>"$T/err" &
	pid=$!
	# Waits for the stall to begin, not for a time.
	until grep -q '^stall after 0 bytes' "$PROXY_LOG"; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	kill -TERM $pid
	wait $pid
	check_eq "SIGTERM while $name is stalled ends it with 143" 143 $?
}
term_while_stalled r2ls 'list-type=2' r2ls s3://$B/
term_while_stalled stalecheck 'list-type=2' stalecheck s3://$B/
term_while_stalled r2get "^GET /$B/obj " r2get -o "$T/partial" s3://$B/obj
check "... and r2get leaves no partial file" test ! -e "$T/partial"
term_while_stalled r2rm 'delete' r2rm s3://$B/one
check_grep "... r2rm says it was interrupted" "interrupted" "$T/err"

# ... and while a listing of fresh tokens comes back quickly, page after page
for prog in r2ls stalecheck; do
	proxy_start --match 'list-type=2' --count 100000000 --list-tokens fresh
	DRKIT_LIST_MAX_PAGES=100000000 R2_ENDPOINT=$PROXY $prog s3://$B/ >"$T/out" 2>"$T/err" &
	pid=$!
	until [ "$(grep -c 'listing with token' "$PROXY_LOG")" -ge 20 ]; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	kill -TERM $pid
	wait $pid
	check_eq "SIGTERM while $prog follows an endless listing ends it with 143" 143 $?
done

# --- bodies that never end are cut off while they arrive
rss_ok() {	# the peak RSS in /usr/bin/time -v's report, in KiB, is below 200 MiB
	local kb
	kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$1")
	[ -n "$kb" ] && [ "$kb" -lt 204800 ]
}
endless() {	# NAME MATCH STATUS WANT_EXIT CMD...
	local name=$1 match=$2 status=$3 want=$4; shift 4
	proxy_start --match "$match" --count 100 --endless --status "$status"
	R2_ENDPOINT=$PROXY /usr/bin/time -v -o "$T/time" "$@" >"$T/out" 2>"$T/err"
	check_eq "$name: exit $want" "$want" $?
	check_grep "... says the answer went on too long" "went on past|larger than the" "$T/err"
	check "... with memory bounded (peak RSS < 200 MiB)" rss_ok "$T/time"
}
endless "an endless error document to r2get" "^GET /$B/obj " 500 5 r2get s3://$B/obj
endless "an endless listing to r2ls" 'list-type=2' 200 5 r2ls s3://$B/
endless "an endless error document to r2ls" 'list-type=2' 503 5 r2ls s3://$B/
endless "an endless DeleteObjects result to r2rm" 'delete' 200 5 r2rm s3://$B/one
endless "an endless object body to r2get" "^GET /$B/obj " 200 5 r2get s3://$B/obj
r2put -q "s3://$B/summed" </etc/hostname
endless "an endless .sha256 sidecar to sha256sum-r2" "summed.sha256" 200 5 \
	sha256sum-r2 --remote s3://$B/summed

# --- an answer that states no size is no empty object
for size in 0 1 70000; do
	head -c $size /dev/urandom >"$T/sized"
	r2put -q --allow-empty "s3://$B/sized-$size" <"$T/sized"
	proxy_start --match '^GET ' --count 100 --drop-header content-range
	check_exit 5 "r2get of a $size-byte object whose first range states no size exits 5" \
		via_proxy r2get -o "$T/sized.got" "s3://$B/sized-$size"
	check_grep "... saying the size is unknown" "without its Content-Range: the object's size is unknown" "$T/err"
	check "... and writes no file" test ! -e "$T/sized.got"
done
proxy_stop
done_testing
