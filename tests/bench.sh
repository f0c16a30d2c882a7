#!/usr/bin/env bash
# make bench: drkit beside the tools an operator would use instead, on the
# same data and servers, every row the median of alternating runs
# (tests/benchlib.sh) with CPU and peak memory, the ratio, the target and
# whether it is met; one markdown table on stdout and the same as JSON in
# build/bench.json. Every transfer runs twice: on loopback, and through
# the shaping proxy (build/tools/shapeproxy: 20 ms each way, 25 MB/s per
# connection) that makes the S3 test server look like a distant R2.
#
# Knobs: SIZE_MB (loopback object, default 512), FAR_MB (object through
# the proxy, 256), RUNS (runs per row, at least 5), PUT_RUNS (r2put run to
# run, 20), KEYS (keys to list, 10000), ROWS (rows of the data-heavy dump,
# 1000000), IX_ROWS (index-heavy, 1000000), SCALE (the demo's shop
# database, 1), SECTIONS (default "get put far local ls restore wal").
# Data is generated once and kept in build/bench-cache; the anchors are
# installed when missing (tests/bench-deps.sh). Release build only.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. tests/servers.sh
. tests/shape.sh
. tests/benchlib.sh
tests/bench-deps.sh || exit 1
export PATH=$TOP/build/bin:$PATH

SIZE_MB=${SIZE_MB:-512}
FAR_MB=${FAR_MB:-256}
RUNS=${RUNS:-5}
[ "$RUNS" -ge 5 ] || RUNS=5
PUT_RUNS=${PUT_RUNS:-20}
KEYS=${KEYS:-10000}
ROWS=${ROWS:-1000000}
IX_ROWS=${IX_ROWS:-1000000}
SCALE=${SCALE:-1}
SECTIONS=${SECTIONS:-get put far local ls restore wal}
CACHE=$TOP/build/bench-cache
SIGV4_EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
BENCH_START=$EPOCHREALTIME

W=$(mktemp -d /tmp/drkit-bench.XXXXXX)
chmod 755 "$W"
trap 'shape_stop; s3_stop; pg_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$CACHE/s3data" || exit 1
bench_init "$W" "$TOP/build/bench.json"

section() { [[ " $SECTIONS " == *" $1 "* ]]; }
say() { printf '\n== %s\n' "$*"; }

# blob MB: a file of MB MiB of random bytes, made once.
blob() {
	local f=$CACHE/blob-$1M
	[ -f "$f" ] || { head -c $(($1 << 20)) /dev/urandom >"$f.tmp" && mv "$f.tmp" "$f"; } || exit 1
	echo "$f"
}

# MB/s from a key's median wall time for MB MiB.
mbps() { awk -v s="$(bench_median "$1" wall)" -v m="$2" 'BEGIN { printf "%.0f", (s > 0) ? m * 1.048576 / s : 0 }'; }

# The slowest run over the median: how far one run strays.
spread() {
	awk '{ print $1 }' "$BENCH_DIR/runs/$1" | sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f", (m > 0) ? v[NR] / m : 0 }'
}

# Commands for curl and rclone against an endpoint ($1), as strings for
# bench_run. curl signs as aws does; rclone's remote lives in the
# environment (RCLONE_CONFIG_<NAME>_*), never in a file.
curl_get() {	# curl_get ENDPOINT BUCKET/KEY [curl options]
	echo "curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER -H x-amz-content-sha256:$SIGV4_EMPTY ${3:-} $1/$2"
}
rclone_remote() {	# rclone_remote NAME ENDPOINT
	local n=${1^^}
	export RCLONE_CONFIG_${n}_TYPE=s3 RCLONE_CONFIG_${n}_PROVIDER=Other \
		RCLONE_CONFIG_${n}_ENDPOINT=$2 RCLONE_CONFIG_${n}_REGION=us-east-1 \
		RCLONE_CONFIG_${n}_ACCESS_KEY_ID=S3RVER RCLONE_CONFIG_${n}_SECRET_ACCESS_KEY=S3RVER \
		RCLONE_CONFIG_${n}_FORCE_PATH_STYLE=true
}
export RCLONE_CONFIG=/dev/null
# rclone's S3 SDK refuses an AWS_CA_BUNDLE on a plain http:// endpoint.
RCLONE="env -u AWS_CA_BUNDLE rclone"

# ranged_curl ENDPOINT BUCKET/KEY SIZE N: the object in N ranged GETs at
# once, each its own connection: what the server (and proxy) can give.
ranged_curl() {
	local part=$((($3 + $4 - 1) / $4)) i pids=() rc=0
	for ((i = 0; i < $4; i++)); do
		curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER \
			-H "x-amz-content-sha256:$SIGV4_EMPTY" -r "$((i * part))-$((i * part + part - 1))" \
			-o /dev/null "$1/$2" & pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	return $rc
}
export -f ranged_curl
export SIGV4_EMPTY

echo "drkit bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "SIZE_MB=$SIZE_MB FAR_MB=$FAR_MB RUNS=$RUNS PUT_RUNS=$PUT_RUNS KEYS=$KEYS ROWS=$ROWS IX_ROWS=$IX_ROWS SCALE=$SCALE"
f=$(blob "$SIZE_MB")	# the loopback sections' object, as a file
ln -s "$CACHE/s3data" "$W/s3data"
s3_start "$W" || exit 1
rclone_remote loop "$R2_ENDPOINT"
aws s3 mb s3://bench >/dev/null 2>&1
shape_start "$W" || exit 1
rclone_remote far "$SHAPE"
FAR="AWS_ENDPOINT_URL=$SHAPE R2_ENDPOINT=$SHAPE"

if section get; then
	say "download, $SIZE_MB MiB, loopback"
	obj=bench/get-$SIZE_MB
	aws s3 cp --quiet "$(blob "$SIZE_MB")" "s3://$obj" || exit 1
	bench_alternate "$RUNS" \
		get-r2get "r2get -q s3://$obj" -- \
		get-curl "$(curl_get "$R2_ENDPOINT" "$obj")" -- \
		get-rclone "$RCLONE cat loop:$obj" -- \
		get-aws "aws s3 cp --quiet s3://$obj -"
	bench_row r2get "curl, one stream" speed get-r2get get-curl ">= 0.95"
	bench_row r2get "curl, one stream" cpu get-r2get get-curl "<= 1.3"
	bench_row r2get "rclone cat" speed get-r2get get-rclone ">= 1.0"
	bench_row r2get "aws s3 cp -" speed get-r2get get-aws keep
	bench_value r2get "peak memory" "$(($(bench_median get-r2get rss | cut -d. -f1) / 1024))" MiB "<= 64"
	bench_alternate 3 ceil-loop "ranged_curl $R2_ENDPOINT $obj $((SIZE_MB << 20)) 8"
	bench_value "S3 test server" "its ceiling: 8 ranged curls at once" "$(mbps ceil-loop "$SIZE_MB")" MB/s -
	bench_value r2get "its rate" "$(mbps get-r2get "$SIZE_MB")" MB/s -
fi

if section put; then
	say "upload from a pipe, $SIZE_MB MiB, loopback"
	bench_alternate "$RUNS" \
		put-r2put "cat $f | r2put -q s3://bench/put-r2put" -- \
		put-aws "cat $f | aws s3 cp --quiet - s3://bench/put-aws" -- \
		put-rclone "cat $f | $RCLONE rcat loop:bench/put-rclone"
	for a in "aws s3 cp -" "rclone rcat"; do
		bench_row r2put "$a" speed put-r2put "put-${a%% *}" ">= 1.5"
		bench_row r2put "$a" cpu put-r2put "put-${a%% *}" "<= 0.25"
	done
	# Every tool's upload ends waiting for the server to join the parts
	# into the object (CompleteMultipartUpload): its time, from r2put's
	# trace, the median of 3.
	join=$(for i in 1 2 3; do
		r2put -v "s3://bench/put-r2put" <"$f" 2>&1 >/dev/null |
			sed -n 's/^r2put: POST .*uploadId=.* -> 200 in \([0-9.]*\)s .*/\1/p'
	done | sort -g | sed -n 2p)
	bench_value "S3 test server" "joining the parts of $SIZE_MB MiB, which every upload waits for" \
		"${join:-0}" s -
	say "r2put run to run: $PUT_RUNS runs of $SIZE_MB MiB"
	bench_alternate "$PUT_RUNS" put-r2put-20 "cat $f | r2put -q s3://bench/put-r2put"
	bench_value r2put "run to run: slowest of $PUT_RUNS / median" "$(spread put-r2put-20)" x "<= 1.5"
fi

# sweep_jobs PROGRAM KEY CMD J...: CMD (JOBS in it replaced) three times for
# each -j J; a row with the best -j and its rate for $FAR_MB MiB.
sweep_jobs() {
	local prog=$1 key=$2 cmd=$3 j best= bestj=; shift 3
	for j; do
		bench_alternate 3 "$key-j$j" "${cmd//JOBS/$j}"
		if [ -z "$best" ] || awk -v a="$(bench_median "$key-j$j" wall)" -v b="$best" \
			'BEGIN { exit !(a < b) }'; then
			best=$(bench_median "$key-j$j" wall) bestj=$j
		fi
	done
	bench_value "$prog" "best of -j $*: -j $bestj" "$(mbps "$key-j$bestj" "$FAR_MB")" MB/s -
}

# Far away: the same through the shaping proxy, with its own ceiling and
# the best -j of a small sweep beside drkit's defaults.
if section far; then
	say "far away (shaping proxy: 20 ms each way, 25 MB/s a connection), $FAR_MB MiB"
	obj=bench/get-$FAR_MB
	ff=$(blob "$FAR_MB")
	aws s3 cp --quiet "$ff" "s3://$obj" || exit 1
	printf x%.0s {1..100} >"$W/tiny"
	aws s3 cp --quiet "$W/tiny" s3://bench/tiny || exit 1
	bench_alternate 3 far-one "$(curl_get "$SHAPE" "$obj")"
	bench_value "shaping proxy" "one stream (cap 25 MB/s)" "$(mbps far-one "$FAR_MB")" MB/s -
	bench_alternate 3 far-ceil "ranged_curl $SHAPE $obj $((FAR_MB << 20)) 16"
	bench_value "shaping proxy" "its ceiling: 16 ranged curls at once" "$(mbps far-ceil "$FAR_MB")" MB/s -
	bench_alternate "$RUNS" \
		far-get-r2get "$FAR r2get -q s3://$obj" -- \
		far-get-curl "$(curl_get "$SHAPE" "$obj")" -- \
		far-get-rclone "$RCLONE cat far:$obj" -- \
		far-get-aws "$FAR aws s3 cp --quiet s3://$obj -"
	bench_row "r2get, far" "rclone cat" speed far-get-r2get far-get-rclone keep
	bench_row "r2get, far" "curl, one stream" speed far-get-r2get far-get-curl keep
	bench_row "r2get, far" "aws s3 cp -" speed far-get-r2get far-get-aws ">= 2"
	sweep_jobs "r2get, far" far-get "$FAR r2get -q -j JOBS s3://$obj" 4 8 16 32
	bench_value "r2get, far" "with the defaults" "$(mbps far-get-r2get "$FAR_MB")" MB/s -
	bench_alternate "$RUNS" \
		far-tiny-r2get "for i in 1 2 3 4 5 6 7 8 9 10; do $FAR r2get -q s3://bench/tiny; done" 10 -- \
		far-tiny-curl "for i in 1 2 3 4 5 6 7 8 9 10; do $(curl_get "$SHAPE" bench/tiny); done" 10
	bench_row "r2get, far, 100 bytes" "curl" speed far-tiny-r2get far-tiny-curl ">= 1.0"
	bench_alternate "$RUNS" \
		far-put-r2put "cat $ff | $FAR r2put -q s3://bench/far-r2put" -- \
		far-put-aws "cat $ff | $FAR aws s3 cp --quiet - s3://bench/far-aws" -- \
		far-put-rclone "cat $ff | $RCLONE rcat far:bench/far-rclone"
	bench_row "r2put, far" "aws s3 cp -" speed far-put-r2put far-put-aws ">= 1.6"
	bench_row "r2put, far" "rclone rcat" speed far-put-r2put far-put-rclone keep
	sweep_jobs "r2put, far" far-put "cat $ff | $FAR r2put -q -j JOBS s3://bench/far-r2put" 2 4 8 16
	bench_value "r2put, far" "with the defaults" "$(mbps far-put-r2put "$FAR_MB")" MB/s -
fi

# Local filters on cached files: no server in the way.
if section local; then
	say "SHA-256 of $SIZE_MB MiB, and gzip verification of a dump-like text"
	bench_alternate "$RUNS" \
		sha-r2 "sha256sum-r2 <$f" -- \
		sha-coreutils "sha256sum <$f" -- \
		sha-openssl "openssl dgst -sha256 <$f"
	bench_row sha256sum-r2 sha256sum speed sha-r2 sha-coreutils keep
	bench_row sha256sum-r2 "openssl dgst" speed sha-r2 sha-openssl keep
	gz=$CACHE/text-${SIZE_MB}M.gz
	if [ ! -f "$gz" ]; then
		awk -v n=$((SIZE_MB * 9000)) 'BEGIN { for (i = 1; i <= n; i++)
			printf "%d\tname %d\t%s\t%.1f\t2026-%02d-%02d\n", i, i, "note " (i * 7919) % 100003, i * 1.5, i % 12 + 1, i % 28 + 1 }' |
			gzip -6 >"$gz.tmp" && mv "$gz.tmp" "$gz" || exit 1
	fi
	bench_alternate "$RUNS" \
		gz-gzverify "gzverify -t <$gz" -- \
		gz-gzip "gzip -t $gz" -- \
		gz-pigz "pigz -t $gz" -- \
		gz-igzip "igzip -t $gz"
	bench_row "gzverify -t" "gzip -t" speed gz-gzverify gz-gzip keep
	bench_row "gzverify -t" "pigz -t" speed gz-gzverify gz-pigz keep
	bench_row "gzverify -t" "igzip -t (ISA-L)" speed gz-gzverify gz-igzip ">= 0.8"
fi

# Listing KEYS keys: seeded once into the server's store (kept in the
# cache), then listed whole by each tool. The server builds every page
# itself: one curl per page, one after the other, is its own ceiling.
if section ls; then
	say "listing $KEYS keys"
	LB=ls-$KEYS
	if [ ! -f "$CACHE/$LB.done" ]; then
		rm -rf "${CACHE:?}/s3data/$LB"
		python3 -c '
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
for i in range(1, n + 1):
    with open(os.path.join(d, "db_%06d.sql.gz._S3rver_object" % i), "wb") as f:
        f.write(b"x" * (1000 + i % 977))
' "$CACHE/s3data/$LB/backups" "$KEYS" || exit 1
		# The first listing makes the server compute and keep every
		# key's metadata: done once, not measured.
		r2ls -r "s3://$LB/backups/" >/dev/null || exit 1
		touch "$CACHE/$LB.done"
	fi
	# (Unsigned: the server allows it, and the signature is not its cost.)
	pages=true
	for ((i = 0; i < KEYS; i += 1000)); do
		pages="$pages && curl -sf -o /dev/null '$R2_ENDPOINT/$LB?list-type=2&prefix=backups/&start-after=backups/db_$(printf %06d "$i").sql.gz'"
	done
	bench_alternate "$RUNS" \
		ls-r2ls "r2ls -r s3://$LB/backups/" -- \
		ls-stalecheck "stalecheck s3://$LB/backups/; [ \$? -le 2 ]" -- \
		ls-aws "aws s3 ls --recursive s3://$LB/backups/" -- \
		ls-rclone "$RCLONE lsl loop:$LB/backups/" -- \
		ls-ceiling "$pages"
	bench_row "r2ls -r" "aws s3 ls --recursive" speed ls-r2ls ls-aws ">= 3"
	bench_row "r2ls -r" "rclone lsl" speed ls-r2ls ls-rclone keep
	bench_row stalecheck "aws s3 ls --recursive" speed ls-stalecheck ls-aws ">= 3"
	bench_row "r2ls -r" "the server's ceiling: one curl a page" speed ls-r2ls ls-ceiling -
fi

# Restores into PostgreSQL: each run into a new database, its creation
# paid alike by both sides.
if section restore; then
	say "restore"
	pg_start "$W" || exit 1
	dump() {	# dump NAME SQL: $CACHE/NAME.sql, made once from a database SQL builds
		[ -f "$CACHE/$1.sql" ] && return 0
		dropdb --if-exists src 2>/dev/null && createdb src && psql -X -q -v ON_ERROR_STOP=1 -d src -c "$2" >/dev/null &&
			pg_dump src >"$CACHE/$1.sql.tmp" && mv "$CACHE/$1.sql.tmp" "$CACHE/$1.sql" && dropdb src
	}
	dump "data-$ROWS" "CREATE TABLE big (id bigint PRIMARY KEY, name text, note text, n numeric);
		INSERT INTO big SELECT g, 'name ' || g, repeat('x', 60), g * 1.5 FROM generate_series(1, $ROWS) g;" || exit 1
	dump "index-$IX_ROWS" "CREATE TABLE ix (a int, b int, c text, d int, e int);
		INSERT INTO ix SELECT g, g % 1000, md5(g::text), (g * 7) % 10007, (g * 13) % 100003
		FROM generate_series(1, $IX_ROWS) g;
		CREATE INDEX ON ix (a); CREATE INDEX ON ix (b); CREATE INDEX ON ix (c);
		CREATE INDEX ON ix (d); CREATE INDEX ON ix (e); CREATE INDEX ON ix (b, d);" || exit 1
	if [ ! -f "$CACHE/shop-$SCALE.sql.gz" ]; then
		dropdb --if-exists src 2>/dev/null; createdb src &&
		psql -X -q -v ON_ERROR_STOP=1 -v scale="$SCALE" -d src -f tests/demo-shop.sql >/dev/null &&
		pg_dump src >"$CACHE/shop-$SCALE.sql" && gzip -c "$CACHE/shop-$SCALE.sql" >"$CACHE/shop-$SCALE.sql.gz" &&
		dropdb src || exit 1
	fi
	# Both make the database they restore into: psql's after createdb,
	# pgrestore-stream's with --create, as the runbook and the drill do
	# (a new database is restored aside, so its post-data part is built
	# on 2 connections by default).
	psql1() { echo "dropdb --if-exists $1 && createdb $1 && psql -X -q -1 -v ON_ERROR_STOP=1 -d $1 -f $2"; }
	prs() { echo "dropdb --if-exists $1 && pgrestore-stream -q ${3:-} --create -d $1 <$2"; }
	bench_alternate "$RUNS" \
		data-prs "$(prs b_prs "$CACHE/data-$ROWS.sql")" -- \
		data-psql "$(psql1 b_psql "$CACHE/data-$ROWS.sql")"
	bench_row pgrestore-stream "psql -1, data-heavy ($ROWS rows)" speed data-prs data-psql ">= 1.3"
	bench_alternate "$RUNS" \
		index-prs "$(prs b_prs "$CACHE/index-$IX_ROWS.sql" "-j 2")" -- \
		index-psql "$(psql1 b_psql "$CACHE/index-$IX_ROWS.sql")"
	bench_row "pgrestore-stream -j 2" "psql -1, index-heavy" speed index-prs index-psql ">= 1.3"
	# The drill: the demo's database from the bucket to a verified restore,
	# as drkit's pipe and as the runbook's steps (download, check the
	# sidecar, test the gzip, then psql in one transaction).
	K=bench/shop-$SCALE.sql.gz
	r2put -q --verify pgdump "s3://$K" <"$CACHE/shop-$SCALE.sql.gz" || exit 1
	bench_alternate "$RUNS" \
		drill-drkit "set -o pipefail; dropdb --if-exists b_drill &&
			r2get -q s3://$K | sha256sum-r2 --verify s3://$K | gzverify -d |
			pgrestore-stream -q --create -d b_drill" -- \
		drill-runbook "set -o pipefail; rm -f $W/dl.gz && aws s3 cp --quiet s3://$K $W/dl.gz &&
			aws s3 cp --quiet s3://$K.sha256 - | sed 's|  .*|  $W/dl.gz|' >$W/dl.sha256 &&
			sha256sum -c --quiet $W/dl.sha256 && gzip -t $W/dl.gz &&
			dropdb --if-exists b_rb && createdb b_rb &&
			gzip -dc $W/dl.gz | psql -X -q -1 -v ON_ERROR_STOP=1 -d b_rb" -- \
		drill-psql "$(psql1 b_psql "$CACHE/shop-$SCALE.sql")"
	bench_row "drill (r2get to pgrestore-stream)" "the runbook's sequence" speed drill-drkit drill-runbook ">= 2.5"
	bench_row "drill (r2get to pgrestore-stream)" "psql -1 from a local file" speed drill-drkit drill-psql ">= 1.3"
fi

# WAL archiving and recovery (tests/bench-wal.sh) add their
# rows here, with the S3 test server, the shaping proxy ($SHAPE) and, when
# the restore section ran, PostgreSQL still up; $W, $CACHE and $RUNS as above.
if section wal; then
	. tests/bench-wal.sh && bench_wal || exit 1
fi

bench_finish
printf 'The whole bench took %s.\n' "$(awk -v a="$BENCH_START" -v b="$EPOCHREALTIME" \
	'BEGIN { s = b - a; printf "%dm%02ds", s / 60, s % 60 }')"
