#!/usr/bin/env bash
# make bench, the WAL section: walpush and walfetch beside
# barman-cloud-wal-archive/-restore and pgBackRest's archive-push/-get,
# and beside the filters composed by hand, on real WAL of PostgreSQL 15
# (16 MiB segments), one process per segment as PostgreSQL calls them.
# Sourced by tests/bench.sh (its rows join that table) or run on its own
# (it prints its own table). Settings:
#   WAL_SEGS    segments of the backlog (200); cached in build/bench-cache/wal
#   WAL_RUNS    alternating runs of each command (5)
#   BARMAN_SEGS segments for barman-cloud, which is slow (20)
#   PGBR_SEGS   segments for pgBackRest (50)

# wal_generate DIR N: at least N segments of real WAL in DIR/segments, from a
# cluster that archives with cp, writing inserts, updates and deletes of text
# and numbers; DIR/pgdata keeps its pg_control (pgBackRest reads it).
wal_generate() {
	local dir=$1 n=$2 i
	[ -f "$dir/done" ] && [ "$(ls "$dir/segments" | wc -l)" -ge "$n" ] && return 0
	echo "  generating $n segments of WAL (cached in $dir)"
	n=$((n + 8))	# the last few may be half-copied when it stops
	rm -rf "$dir" && mkdir -p "$dir/segments" "$dir/pgdata/global" || return 1
	(
		trap pg_stop EXIT
		local g; g=$(mktemp -d "$TOP/build/bench-walgen.XXXXXX")
		trap 'pg_stop; rm -rf "$g"' EXIT
		[ "$(id -u)" = 0 ] && chown postgres "$dir/segments"
		pg_start "$g" || exit 1
		psql -X -q -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET archive_mode = on" \
			-c "ALTER SYSTEM SET archive_command = 'cp %p $dir/segments/%f'" \
			-c "ALTER SYSTEM SET max_wal_size = '4GB'" || exit 1
		pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w restart \
			>/dev/null || exit 1
		psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE orders (id bigserial PRIMARY KEY,
			customer int, amount numeric(12,2), status text, note text,
			created timestamptz DEFAULT now())" || exit 1
		for ((i = 0; $(ls "$dir/segments" | wc -l) < n; i++)); do
			psql -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO orders (customer, amount, status, note)
				SELECT (random() * 100000)::int, round((random() * 1000)::numeric, 2), 'new',
				'order ' || g || ' for customer ' || (g % 977) || ': ' || md5(g::text || $i)
				FROM generate_series(1, 300000) g" \
				-c "UPDATE orders SET status = 'shipped', amount = amount * 1.05
				WHERE id > (SELECT max(id) - 300000 FROM orders) AND id % 3 = 0" \
				-c "DELETE FROM orders WHERE id < (SELECT max(id) - 1000000 FROM orders)" \
				>/dev/null || exit 1
			((i % 5 == 4)) && psql -X -q -c "VACUUM orders"
		done
		# A fast stop lets the archiver finish its copies.
		pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || exit 1
		PG_STARTED=
		cp "$PG_DIR/data/PG_VERSION" "$dir/pgdata/" &&
			cp "$PG_DIR/data/global/pg_control" "$dir/pgdata/global/" || exit 1
	) || return 1
	# Only whole segments: nothing else PostgreSQL archived.
	local f
	for f in "$dir"/segments/*; do
		[[ ${f##*/} =~ ^[0-9A-F]{24}$ ]] && [ "$(stat -c %s "$f")" = $((16 << 20)) ] ||
			rm -f "$f"
	done
	touch "$dir/done"
}

# wal_names N: the first N segments of the cache, in order.
wal_names() {
	ls "$WAL_CACHE/segments" | head -n "$1"
}

# wal_run_id KEY: a new number for each run of KEY, so that a run finds none
# of the objects of the last; the last run's objects go (in the background:
# the test server's disk is not the bench's).
wal_run_id() {
	local n; n=$(($(cat "$WB/run.$1" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$WB/run.$1"
	if [ -d "$S3_DATA/walbench/$1-$((n - 1))" ]; then
		mv "$S3_DATA/walbench/$1-$((n - 1))" "$WB/trash.$1.$n" &&
			(nice rm -rf "$WB/trash.$1.$n" &)
	fi
	rm -rf "$WB/pgbr/$1-$((n - 1))"
	echo "$n"
}

# wal_archive KEY N CMD: PostgreSQL's archiver over a backlog of N segments
# (each .ready in archive_status), through tests/walbench.py, CMD with %r
# (the run's number) replaced here.
wal_archive() {
	local key=$1 n=$2 cmd=$3 run d f
	run=$(wal_run_id "$key")
	d=$WB/pgwal.$key
	rm -rf "$d" && mkdir -p "$d/archive_status" || return 1
	for f in $(wal_names "$n"); do
		ln "$WAL_CACHE/segments/$f" "$d/$f" 2>/dev/null || cp "$WAL_CACHE/segments/$f" "$d/$f"
		: >"$d/archive_status/$f.ready"
	done
	python3 "$TOP/tests/walbench.py" archive "$d" "${cmd//%r/$key-$run}" $(wal_names "$n") ||
		return 1
	rm -rf "$d"
}

# wal_restore KEY N CMD: PostgreSQL's startup process restoring N segments,
# through tests/walbench.py, which also waits for what a restore_command
# leaves running (walfetch's prefetcher): its time, CPU and memory count.
wal_restore() {
	local key=$1 n=$2 cmd=$3 d
	d=$WB/restore.$key
	rm -rf "$d" && mkdir -p "$d/archive_status" || return 1
	python3 "$TOP/tests/walbench.py" restore "$d" "$cmd" $(wal_names "$n") || return 1
	rm -rf "$d"
}

# pgBackRest speaks S3 over TLS only: tests/s3tls.py (a self-signed
# certificate) in front of the test server. Its ListObjectsV2 is signed over
# the canonical URI "/walbench/" while the test server verifies "/walbench";
# s3tls.py respells it so that the server verifies what was signed, but the
# server then lists nothing (see s3tls.py). archive-push, whose duplicate
# check finds nothing in a new repository anyway, so runs on the test server;
# archive-get, which must find the segment, runs on a repository on local
# disk unless the probe finds that it works there too. Local disk spares
# pgBackRest the network: a comparison in its favour. Sets PGBR_PUSH and
# PGBR_GET (the command and its options, %r in the repository's path for the
# run) and PGBR_PUSH_WHERE and PGBR_GET_WHERE.
wal_pgbr_start() {
	cat >"$WB/pgbackrest.conf" <<-CONF
	[global]
	compress-type=gz
	compress-level=1
	log-path=$WB/pgbr-log
	lock-path=$WB/pgbr-lock
	log-level-console=warn
	log-level-file=off
	[bench]
	pg1-path=$WAL_CACHE/pgdata
	CONF
	PGBR_PUSH="pgbackrest --config=$WB/pgbackrest.conf --stanza=bench --repo1-type=posix --repo1-path=$WB/pgbr/%r"
	PGBR_GET=$PGBR_PUSH PGBR_PUSH_WHERE="local disk" PGBR_GET_WHERE="local disk"
	mkdir -p "$WB/pgbr" || return 1
	wal_pgbr_s3 ||
		echo "  It is measured with a repository on local disk instead (no network: in its favour)."
	wal_pgbr_stanza "$PGBR_GET" probe || { tail -3 "$WB/pgbr.out" >&2; return 1; }
}

# wal_pgbr_s3: PGBR_PUSH, and PGBR_GET where it works, on the test server
# through tests/s3tls.py; says why where it does not.
wal_pgbr_s3() {
	local s3
	. "$TOP/tests/s3tls.sh"
	s3tls_start "$WB" || {
		echo "  pgBackRest cannot reach the test server: no TLS in front of it: $(tail -1 "$WB/s3tls.log")"
		return 1
	}
	s3="pgbackrest --config=$WB/pgbackrest.conf --stanza=bench --repo1-type=s3
		--repo1-s3-endpoint=127.0.0.1 --repo1-storage-port=$S3TLS_PORT
		--repo1-storage-verify-tls=n --repo1-s3-uri-style=path --repo1-s3-bucket=walbench
		--repo1-s3-region=us-east-1 --repo1-path=/%r"
	s3=$(echo $s3)
	# Secrets are refused on its command line.
	export PGBACKREST_REPO1_S3_KEY=$AWS_ACCESS_KEY_ID
	export PGBACKREST_REPO1_S3_KEY_SECRET=$AWS_SECRET_ACCESS_KEY
	if ! wal_pgbr_stanza "$s3" probe || ! wal_pgbr_probe "$s3" push; then
		echo "  pgBackRest cannot use the test server: $(wal_pgbr_why)"
		s3tls_stop
		return 1
	fi
	PGBR_PUSH=$s3 PGBR_PUSH_WHERE="S3 through s3tls.py"
	wal_pgbr_probe "$s3" get
	case $? in
	0)	PGBR_GET=$s3 PGBR_GET_WHERE=$PGBR_PUSH_WHERE
		return 0 ;;
	1)	# archive-get's "not in the archive"
		echo "  pgBackRest's archive-get cannot find on the test server a segment it pushed there:"
		echo "  its ListObjectsV2 (GET /walbench/?list-type=2&prefix=...) is signed over /walbench/,"
		echo "  the server verifies /walbench (SignatureDoesNotMatch); respelled so that the server"
		echo "  verifies what was signed, it lists nothing. Only re-signing the request would do." ;;
	*)	echo "  pgBackRest's archive-get fails on the test server: $(wal_pgbr_why)" ;;
	esac
	echo "  archive-push is measured on the test server; archive-get with a repository on local"
	echo "  disk instead (no network: in its favour)."
}

# wal_pgbr_stanza CMD RUN: a pgBackRest repository for the run RUN.
wal_pgbr_stanza() {
	${1//%r/$2} --no-online stanza-create >"$WB/pgbr.out" 2>&1
}

# wal_pgbr_why: the line that says why the last pgBackRest command failed.
wal_pgbr_why() {
	grep -m1 ERROR "$WB/pgbr.out" || head -1 "$WB/pgbr.out"
}

# wal_pgbr_probe CMD push|get: whether CMD's archive-push of the first
# segment into the probe's repository works, or its archive-get of it back
# (the same bytes): 0, or pgBackRest's status (archive-get's 1: not found).
wal_pgbr_probe() {
	local f; f=$(wal_names 1)
	case $2 in
	push)	${1//%r/probe} archive-push "$WAL_CACHE/segments/$f" >"$WB/pgbr.out" 2>&1 ;;
	get)	${1//%r/probe} archive-get "$f" "$WB/probe.seg" >"$WB/pgbr.out" 2>&1 || return
		cmp "$WB/probe.seg" "$WAL_CACHE/segments/$f" >"$WB/pgbr.out" 2>&1 || return 2 ;;
	esac
}

# The peers, from Debian, installed when missing, and openssl for the
# certificate of pgBackRest's TLS (tests/s3tls.py).
wal_peers_install() {
	local c need=()
	for c in barman-cloud-wal-archive:barman-cli-cloud barman-cloud-wal-restore:barman-cli-cloud \
		pgbackrest:pgbackrest openssl:openssl; do
		command -v "${c%%:*}" >/dev/null || [[ " ${need[*]} " == *" ${c#*:} "* ]] ||
			need+=("${c#*:}")
	done
	[ ${#need[@]} = 0 ] && return 0
	echo "  installing ${need[*]}"
	{ apt-get install -y "${need[@]}" ||
		{ apt-get update && apt-get install -y "${need[@]}"; }
	} >"${TMPDIR:-/tmp}/bench-wal-apt.log" 2>&1 ||
		{ tail -3 "${TMPDIR:-/tmp}/bench-wal-apt.log" >&2; return 1; }
}

# wal_alternate FN: bench_alternate over the lines "KEY SEGMENTS COMMAND"
# on stdin, each run as FN KEY SEGMENTS 'COMMAND'.
wal_alternate() {
	local fn=$1 key n cmd args=()
	while read -r key n cmd; do
		args+=("$key" "$fn $key $n '$cmd'" "$n" --)
	done
	bench_alternate "$WAL_RUNS" "${args[@]}"
}

# One round of every archive_command and every restore_command, WAL_RUNS
# times, alternating; rows for the table.
bench_wal_measure() {
	local s=$WAL_SEGS b=$BARMAN_SEGS p=$PGBR_SEGS i arch=s3://walbench/archive
	local bucket=s3://walbench

	echo "  setting up: the archive walfetch reads, barman's and pgBackRest's"
	wal_archive setup "$s" "walpush -q %p $arch" || return 1
	wal_archive setup "$b" "barman-cloud-wal-archive -q --endpoint-url $R2_ENDPOINT --gzip $bucket/barman bench %p" ||
		return 1
	wal_pgbr_stanza "$PGBR_GET" get && wal_archive setup "$p" "${PGBR_GET//%r/get} archive-push %p" ||
		return 1
	for ((i = 1; i <= WAL_RUNS; i++)); do
		wal_pgbr_stanza "$PGBR_PUSH" "pgbr-push-$i" || return 1
	done

	echo "  archiving: one process per segment, in order ($WAL_RUNS alternating runs)"
	wal_alternate wal_archive <<-EOF || return 1
	walpush $s walpush -q --look-ahead 0 %p $bucket/%r
	walpush-ahead $s walpush -q --look-ahead 8 %p $bucket/%r
	gzip-r2put $s gzip -1 <%p | r2put -q $bucket/%r/%f.gz
	barman-archive $b barman-cloud-wal-archive -q --endpoint-url $R2_ENDPOINT --gzip $bucket/%r bench %p
	pgbr-push $p $PGBR_PUSH archive-push %p
	EOF
	echo "  restoring: one process per segment, in order ($WAL_RUNS alternating runs)"
	wal_alternate wal_restore <<-EOF || return 1
	walfetch $s walfetch -q --prefetch 0 %f %p $arch
	walfetch-prefetch $s walfetch -q --prefetch 8 %f %p $arch
	r2get-gzverify $s r2get -q $arch/%f.gz | gzverify -d >%p
	barman-restore $b barman-cloud-wal-restore -q --endpoint-url $R2_ENDPOINT $bucket/barman bench %f %p
	pgbr-get $p ${PGBR_GET//%r/get} archive-get %f %p
	EOF

	local push="pgBackRest ($PGBR_PUSH_WHERE) archive-push" get="pgBackRest ($PGBR_GET_WHERE) archive-get"
	bench_row "walpush --look-ahead 0" "barman-cloud-wal-archive" speed walpush barman-archive ">= 10"
	bench_row "walpush (look-ahead 8)" "barman-cloud-wal-archive" speed walpush-ahead barman-archive ">= 10"
	bench_row "walpush (look-ahead 8)" "walpush --look-ahead 0" speed walpush-ahead walpush ">= 1"
	bench_row "walpush --look-ahead 0" "$push" speed walpush pgbr-push ">= 1"
	bench_row "walpush (look-ahead 8)" "$push" speed walpush-ahead pgbr-push ">= 1"
	bench_row "walpush --look-ahead 0" "gzip -1 | r2put" speed walpush gzip-r2put ">= 1"
	bench_row "walpush --look-ahead 0" "$push" cpu walpush pgbr-push "keep"
	bench_row "walfetch (prefetch 8)" "barman-cloud-wal-restore" speed walfetch-prefetch barman-restore ">= 20"
	bench_row "walfetch --prefetch 0" "barman-cloud-wal-restore" speed walfetch barman-restore "keep"
	bench_row "walfetch (prefetch 8)" "walfetch --prefetch 0" speed walfetch-prefetch walfetch ">= 1"
	bench_row "walfetch --prefetch 0" "$get" speed walfetch pgbr-get ">= 1"
	bench_row "walfetch (prefetch 8)" "$get" speed walfetch-prefetch pgbr-get ">= 1"
	bench_row "walfetch --prefetch 0" "r2get | gzverify -d" speed walfetch r2get-gzverify ">= 1"
	bench_row "walfetch (prefetch 8)" "$get" cpu walfetch-prefetch pgbr-get "keep"
	for k in walpush walpush-ahead walfetch walfetch-prefetch; do
		bench_value "$k" "peak memory" "$(awk '{ printf "%.0f", $1 / 1024 }' <<<"$(bench_median "$k" rss)")" MiB "<= 256"
	done
	for k in barman-archive pgbr-push barman-restore pgbr-get; do
		bench_value "$k" "peak memory" "$(awk '{ printf "%.0f", $1 / 1024 }' <<<"$(bench_median "$k" rss)")" MiB "keep"
	done
}

# The section: its own servers and working directory, in a subshell so
# that the caller's are untouched; its rows join the caller's table, or a
# table of its own when there is none (bench_init not called).
bench_wal() {
	local own=
	if [ -z "${BENCH_DIR:-}" ]; then
		. "$TOP/tests/benchlib.sh"
		rm -rf "$TOP/build/bench-wal"	# no runs of an earlier bench
		bench_init "$TOP/build/bench-wal" "$TOP/build/bench-wal.json" || return 1
		own=1
	fi
	(
		WAL_SEGS=${WAL_SEGS:-200} WAL_RUNS=${WAL_RUNS:-5}
		BARMAN_SEGS=${BARMAN_SEGS:-20} PGBR_SEGS=${PGBR_SEGS:-50}
		WAL_CACHE=${WAL_CACHE:-$TOP/build/bench-cache/wal}
		echo "== WAL: walpush and walfetch beside barman-cloud and pgBackRest, 16 MiB segments"
		wal_peers_install || exit 1
		wal_generate "$WAL_CACHE" "$WAL_SEGS" || exit 1
		WB=$(mktemp -d "$TOP/build/bench-wal.XXXXXX") || exit 1
		trap 's3_stop; [ -n "${S3TLS_PID:-}" ] && kill "$S3TLS_PID"; rm -rf "$WB"' EXIT
		s3_start "$WB" && aws s3 mb s3://walbench >/dev/null || exit 1
		wal_pgbr_start || exit 1
		export WB WAL_CACHE S3_DATA TOP
		export -f wal_names wal_run_id wal_archive wal_restore
		bench_wal_measure
	) || return 1
	[ -z "$own" ] || bench_finish
}

# Run on its own: a table of this section only.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	TOP=$(cd "$(dirname "$0")/.." && pwd)
	cd "$TOP" || exit 1
	. tests/servers.sh
	export PATH=$TOP/build/bin:$PATH
	bench_wal
fi
