# Real servers for the tests and the demo, on loopback, in temporary
# directories. Sourced; every function returns non-zero on failure.
#   s3_start DIR    S3 test server; sets S3_PORT, S3_PID, S3_DATA, exports
#                   R2_ENDPOINT, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY and
#                   the AWS_* equivalents for the aws CLI
#   s3_stop
#   pg_start DIR    PostgreSQL cluster; sets and exports PGHOST (its own
#                   socket dir), PGPORT, PGUSER; PGPASSWORD_TEST is the
#                   superuser's password for TCP connections
#   pg_stop
#   free_port       prints a TCP port nobody listens on

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

s3_start() {
	S3_DATA=$1/s3data
	mkdir -p "$S3_DATA" || return 1
	NODE_OPTIONS=--openssl-legacy-provider node "$TOP/tests/s3rver/start.js" "$S3_DATA" \
		>"$1/s3rver.port" 2>"$1/s3rver.log" &
	S3_PID=$!
	local i
	for i in $(seq 1 100); do
		S3_PORT=$(cat "$1/s3rver.port" 2>/dev/null)
		[ -n "$S3_PORT" ] && break
		kill -0 "$S3_PID" 2>/dev/null || { cat "$1/s3rver.log" >&2; return 1; }
		sleep 0.1
	done
	[ -n "$S3_PORT" ] || return 1
	export S3_PORT S3_PID S3_DATA
	export R2_ENDPOINT=http://127.0.0.1:$S3_PORT R2_ACCESS_KEY_ID=S3RVER R2_SECRET_ACCESS_KEY=S3RVER
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
	export AWS_ENDPOINT_URL=$R2_ENDPOINT AWS_EC2_METADATA_DISABLED=true
	# The aws CLI must not find the developer's own profile.
	export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
	# Debian's awscli predates AWS_ENDPOINT_URL: a shim passes the
	# endpoint on its command line, for every caller (sh -c, xargs).
	local real_aws; real_aws=$(command -v aws) || return 1
	mkdir -p "$1/awsbin"
	printf '#!/bin/sh\nexec %s --endpoint-url "$AWS_ENDPOINT_URL" "$@"\n' "$real_aws" >"$1/awsbin/aws"
	chmod 755 "$1/awsbin/aws"
	export PATH="$1/awsbin:$PATH"
}

s3_stop() {
	[ -n "${S3_PID:-}" ] && kill "$S3_PID" 2>/dev/null && wait "$S3_PID" 2>/dev/null
	S3_PID=
}

pg_bindir() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Runs a PostgreSQL server program as the cluster's owner (postgres refuses
# root).
pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
	local bin; bin=$(pg_bindir)
	PG_DIR=$1/pg
	mkdir -p "$PG_DIR/sock" || return 1
	[ "$(id -u)" = 0 ] && chown -R postgres "$PG_DIR"
	chmod 755 "$1"
	PGPASSWORD_TEST=drkit-test-pw
	printf '%s\n' "$PGPASSWORD_TEST" >"$PG_DIR/pwfile"
	pg_as_owner "$bin/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
		--auth-local=trust --auth-host=scram-sha-256 --pwfile="$PG_DIR/pwfile" \
		>"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	PGPORT=$(free_port)
	pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
		-o "-p $PGPORT -k $PG_DIR/sock -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_locks_per_transaction=512" \
		start >/dev/null || { cat "$PG_DIR/log" >&2; return 1; }
	export PGHOST=$PG_DIR/sock PGPORT PGUSER=postgres PGDATABASE=postgres PGPASSWORD_TEST PG_DIR
	PG_STARTED=1
}

pg_stop() {
	[ -n "${PG_STARTED:-}" ] || return 0
	pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
	PG_STARTED=
}
