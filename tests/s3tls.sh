# Sourced by what puts TLS in front of the S3 test server (the bench's
# pgBackRest, t-s3tls): tests/s3tls.py with a new self-signed certificate.
#   s3tls_start DIR   starts it in front of $S3_PORT; sets S3TLS_PORT,
#                     S3TLS_PID and S3TLS_CERT (the certificate, for a
#                     client that checks it); its log is DIR/s3tls.log
#   s3tls_stop

s3tls_start() {
	local i
	S3TLS_CERT=$1/s3tls.crt
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-keyout "$1/s3tls.key" -out "$S3TLS_CERT" >"$1/s3tls.log" 2>&1 || return 1
	: >"$1/s3tls.port"
	python3 "$TOP/tests/s3tls.py" "$S3_PORT" "$S3TLS_CERT" "$1/s3tls.key" \
		>"$1/s3tls.port" 2>"$1/s3tls.log" &
	S3TLS_PID=$!
	for i in $(seq 1 100); do
		S3TLS_PORT=$(cat "$1/s3tls.port")
		[ -n "$S3TLS_PORT" ] && return 0
		kill -0 "$S3TLS_PID" 2>/dev/null || break
		sleep 0.1
	done
	s3tls_stop
	return 1
}

s3tls_stop() {
	[ -n "${S3TLS_PID:-}" ] && kill "$S3TLS_PID" 2>/dev/null && wait "$S3TLS_PID" 2>/dev/null
	S3TLS_PID=
}
