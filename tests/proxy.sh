# Sourced by the r2* tests after lib.sh: the fault proxy between drkit and
# the S3 test server, and fast ways to fill a bucket.
#   proxy_start [FAULTPROXY ARGS...]  starts tests/faultproxy.py in front of
#                                     the server; sets PROXY (its endpoint)
#                                     and PROXY_LOG (its request log)
#   proxy_stop
#   via_proxy CMD...                  runs CMD with R2_ENDPOINT at the proxy
#   put_keys BUCKET SIZE              PUTs the NUL-separated keys on stdin,
#                                     SIZE bytes each, straight to the server
#   seed_keys BUCKET SIZE             the same, faster, into its data directory

proxy_start() {
	proxy_stop
	PROXY_LOG=$T/proxy.log.$RANDOM
	: >"$PROXY_LOG"
	python3 "$TOP/tests/faultproxy.py" "$S3_PORT" "$PROXY_LOG" "$@" >"$PROXY_LOG.port" 2>"$PROXY_LOG.err" &
	PROXY_PID=$!
	while [ ! -s "$PROXY_LOG.port" ] && kill -0 "$PROXY_PID" 2>/dev/null; do
		sleep 0.05
	done
	PROXY=http://127.0.0.1:$(cat "$PROXY_LOG.port")
}

proxy_stop() {
	if [ -n "${PROXY_PID:-}" ]; then
		kill "$PROXY_PID" 2>/dev/null
		wait "$PROXY_PID" 2>/dev/null
	fi
	PROXY_PID=
}

trap 'proxy_stop; cleanup' EXIT

via_proxy() {
	R2_ENDPOINT=$PROXY "$@"
}

# The server accepts unsigned requests: the quickest way to make many keys.
put_keys() {
	python3 -c '
import http.client, sys, urllib.parse
port, bucket, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
for key in sys.stdin.buffer.read().split(b"\0"):
    if not key:
        continue
    path = "/%s/%s" % (bucket, urllib.parse.quote(key, safe="/"))
    conn.request("PUT", path, body=b"x" * size)
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("PUT %s: %d" % (path, r.status))
' "$S3_PORT" "$1" "$2"
}

# Many keys at once, written straight into the server's store (an object
# file per key; the server computes its ETag when first asked): a thousand
# PUTs would take the server longer than the test that needs them.
seed_keys() {
	python3 -c '
import os, sys
data, bucket, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
for key in sys.stdin.buffer.read().split(b"\0"):
    if not key:
        continue
    *dirs, base = key.decode().split("/")
    d = os.path.join(data, bucket, *dirs)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, base + "._S3rver_object"), "wb") as f:
        f.write(b"x" * size)
' "$S3_DATA" "$1" "$2"
}
