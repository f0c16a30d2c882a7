#!/usr/bin/env bash
# make bench: drkit beside the tools an operator would use instead,
# measured side by side in one run on the same data and servers. Prints
# wall time, CPU time, peak memory and the ratios the issues set as
# targets. Release build only. SIZE_MB sets the S3 object size (default
# 1024), ROWS the rows of the data-heavy dump (default 3000000).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. tests/servers.sh
export PATH=$TOP/build/bin:$PATH
W=$(mktemp -d /tmp/drkit-bench.XXXXXX)
chmod 755 "$W"
trap 's3_stop; pg_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
SIZE_MB=${SIZE_MB:-1024}
ROWS=${ROWS:-3000000}
SIGV4_EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# measure NAME CMD...: best of $REPS runs; sets WALL, CPU, RSS (KiB).
measure() {
	local name=$1 best= i out; shift
	for ((i = 0; i < ${REPS:-1}; i++)); do
		/usr/bin/time -f '%e %U %S %M' -o "$W/time" bash -c "$*" >/dev/null 2>"$W/err" ||
			{ echo "bench: '$name' failed: $(tail -3 "$W/err")" >&2; return 1; }
		read -r w u s m <"$W/time"
		if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then
			best=$w; CPU=$(awk "BEGIN{print $u + $s}"); RSS=$m
		fi
	done
	WALL=$best
	printf '  %-44s %8.2fs wall %8.2fs cpu %8d KiB\n' "$name" "$WALL" "$CPU" "$RSS"
}

# ratio LABEL A B TARGET: prints A/B and whether it meets ">= TARGET".
ratio() {
	awk -v l="$1" -v a="$2" -v b="$3" -v t="$4" 'BEGIN {
		r = (b > 0) ? a / b : 0
		printf "  %-56s %6.2fx  (target %s) %s\n", l, r, t, (r + 1e-9 >= t + 0) ? "met" : "NOT MET"
	}'
}

echo "drkit bench on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"

echo "== S3: ${SIZE_MB} MiB object, local S3 test server"
s3_start "$W" || exit 1
aws s3 mb s3://bench >/dev/null
head -c $((SIZE_MB << 20)) /dev/urandom >"$W/blob"
measure "aws s3 cp - (upload)" "aws s3 cp - s3://bench/aws <$W/blob"; aws_up=$WALL aws_up_cpu=$CPU
measure "r2put (upload)" "cat $W/blob | r2put -q s3://bench/r2"; r2_up=$WALL r2_up_cpu=$CPU
measure "aws s3 cp (download)" "aws s3 cp s3://bench/aws - >/dev/null"; aws_down=$WALL aws_down_cpu=$CPU
measure "curl --aws-sigv4 (download, one stream)" \
	"curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER -H x-amz-content-sha256:$SIGV4_EMPTY -o /dev/null $R2_ENDPOINT/bench/aws"
curl_down=$WALL
measure "r2get (download)" "r2get s3://bench/aws >/dev/null"; r2_down=$WALL r2_down_cpu=$CPU
ratio "r2put speed vs aws s3 cp" "$aws_up" "$r2_up" 3
ratio "r2get speed vs aws s3 cp" "$aws_down" "$r2_down" 3
ratio "r2get speed vs curl" "$curl_down" "$r2_down" 0.9
ratio "r2get CPU: aws s3 cp's CPU / r2get's" "$aws_down_cpu" "$r2_down_cpu" 4
ratio "r2put CPU: aws s3 cp's CPU / r2put's" "$aws_up_cpu" "$r2_up_cpu" 4
s3_stop

REPS=3
echo "== SHA-256"
measure "sha256sum" "sha256sum <$W/blob"; ss=$WALL
measure "openssl dgst -sha256" "openssl dgst -sha256 <$W/blob"; os=$WALL
measure "sha256sum-r2" "sha256sum-r2 <$W/blob"; sr=$WALL
ratio "sha256sum-r2 speed vs sha256sum" "$ss" "$sr" 2.5
ratio "sha256sum-r2 speed vs openssl dgst" "$os" "$sr" 0.9
REPS=1
rm -f "$W/blob"


echo "== restore: pgrestore-stream beside psql -X -1 -v ON_ERROR_STOP=1"
pg_start "$W" || exit 1
# Best of three, each into a new database (its creation timed alike for
# both): one run of a restore is too noisy to compare.
restore_pair() {	# restore_pair LABEL DUMP [pgrestore options]
	local label=$1 dump=$2; shift 2
	REPS=3
	measure "psql ($label)" "dropdb --if-exists b_psql && createdb b_psql &&
		psql -X -q -1 -v ON_ERROR_STOP=1 -d b_psql -f $dump"; ps=$WALL
	measure "pgrestore-stream $* ($label)" "dropdb --if-exists b_prs && createdb b_prs &&
		pgrestore-stream -q $* -d b_prs <$dump"; pr=$WALL
	REPS=1
	dropdb b_psql; dropdb b_prs
}
createdb src
psql -X -q -d src -c "CREATE TABLE big (id bigint PRIMARY KEY, name text, note text, n numeric);
	INSERT INTO big SELECT g, 'name ' || g, repeat('x', 60), g * 1.5 FROM generate_series(1, $ROWS) g;" || exit 1
pg_dump src >"$W/data.sql"; dropdb src
printf '  %s bytes of dump\n' "$(stat -c %s "$W/data.sql")"
restore_pair data-heavy "$W/data.sql"
ratio "data-heavy: pgrestore-stream speed vs psql" "$ps" "$pr" 1

echo "== gzip: the data-heavy dump, gzip -6"
gzip -6 -c "$W/data.sql" >"$W/dump.gz"
printf '  %s compressed bytes\n' "$(stat -c %s "$W/dump.gz")"
REPS=3
measure "gzip -t" "gzip -t <$W/dump.gz"; gz=$WALL
measure "pigz -t" "pigz -t <$W/dump.gz"; pz=$WALL
measure "gzverify -t" "gzverify -t <$W/dump.gz"; gv=$WALL
measure "gzverify (pass-through)" "gzverify <$W/dump.gz"; gvp=$WALL
ratio "gzverify -t speed vs gzip -t" "$gz" "$gv" 1.5
ratio "gzverify -t speed vs pigz -t" "$pz" "$gv" 1
ratio "pass-through cost: -t time / pass-through time" "$gv" "$gvp" 0.91

REPS=1
rm -f "$W/dump.gz" "$W/data.sql"

createdb src
# A few thousand objects, created in batches that fit the lock table.
for batch in 0 1 2; do
psql -X -q -d src -c "DO \$\$ BEGIN FOR i IN $((batch * 1000 + 1))..$((batch * 1000 + 1000)) LOOP
	EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, v text DEFAULT %L)', i, 'x;y');
	EXECUTE format('COMMENT ON TABLE t%s IS %L', i, 'table ' || i);
	EXECUTE format('CREATE VIEW v%s AS SELECT * FROM t%s', i, i);
	END LOOP; END \$\$;" || exit 1
done
pg_dump src >"$W/schema.sql"; dropdb src
restore_pair schema-heavy "$W/schema.sql"
ratio "schema-heavy: pgrestore-stream speed vs psql" "$ps" "$pr" 1.5

createdb src
psql -X -q -d src -c "CREATE TABLE ix (a int, b int, c text, d int, e int);
	INSERT INTO ix SELECT g, g % 1000, md5(g::text), (g * 7) % 10007, (g * 13) % 100003 FROM generate_series(1, 1500000) g;
	CREATE INDEX ON ix (a); CREATE INDEX ON ix (b); CREATE INDEX ON ix (c);
	CREATE INDEX ON ix (d); CREATE INDEX ON ix (e); CREATE INDEX ON ix (b, d);" || exit 1
pg_dump src >"$W/index.sql"; dropdb src
restore_pair index-heavy "$W/index.sql" -j 2
ratio "index-heavy: pgrestore-stream -j 2 speed vs psql" "$ps" "$pr" 1.3
. tests/bench-wal.sh && bench_wal || exit 1
