#!/usr/bin/env bash
# make fuzz: libFuzzer on the parsers that read untrusted bytes (S3's XML,
# gzip, listings, SQL scripts), with ASan and UBSan. The Makefile builds the
# targets into build/fuzz/ (make fuzz-build); this seeds and runs each for
# FUZZ_SECONDS (default 60). A crash leaves its input in build/fuzz/.
# usage: tests/fuzz.sh                  fuzz every target that is built
#        tests/fuzz.sh --seed NAME DIR  write NAME's seeds into DIR
set -eu -o pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)

# seed NAME DIR: a few valid inputs, so that fuzzing starts past the
# first byte checks.
seed() {
	case $1 in
	fuzz_gzcheck)
		printf 'hello, world\n' | gzip -9 >"$2/seed1"
		printf 'a' | gzip -n >"$2/seed2"; printf 'b' | gzip >>"$2/seed2"
		: | gzip >"$2/seed3";;
	fuzz_s3xml)
		printf '%s' '<?xml version="1.0"?><ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated><NextContinuationToken>t</NextContinuationToken><EncodingType>url</EncodingType><Contents><Key>a%20b+c</Key><LastModified>2026-11-25T03:03:24.000Z</LastModified><ETag>"x"</ETag><Size>12</Size></Contents><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></ListBucketResult>' >"$2/seed1"
		printf '%s' '<Error><Code>NoSuchKey</Code><Message>m</Message></Error>' >"$2/seed2"
		printf '%s' '<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code><Message>m</Message></Error></DeleteResult>' >"$2/seed3";;
	fuzz_lsparse)
		printf '2026-11-25 03:03:24       1234 backups/x.sql.gz\n%27sPRE d/\n' "" >"$2/seed1"
		printf '{"key":"a\\nb","size":1,"last_modified":"2026-11-25T03:03:24Z","etag":"\\"e\\""}\n' >"$2/seed2"
		printf '{"key":"x\\ufffd","key_hex":"78ff","size":2,"last_modified":"2026-11-25T03:03:24Z"}\n{"prefix":"d/"}\n{"total_objects":1,"total_size":2}\n' >"$2/seed3";;
	fuzz_escape)
		printf 'backups/a b\nc\t\x1b[0m\xc2\x9b\xff\\x41' >"$2/seed1";;
	fuzz_sumfile)
		printf '%s  a b\n' "$(printf a | sha256sum | cut -c1-64)" >"$2/seed1"
		printf '\\%s *a\\nb\\\\c' "$(printf a | sha256sum | cut -c1-64)" >"$2/seed2"
		printf 'SHA256 (x) = %s' "$(printf a | sha256sum | cut -c1-64)" >"$2/seed3";;
	fuzz_objname)
		printf 's3://bucket/backups/x.sql.gz' >"$2/seed1"
		printf 'r2://b/' >"$2/seed2"; printf 'bare/key' >"$2/seed3";;
	fuzz_settings)
		printf '[default]\naws_access_key_id = A\naws_secret_access_key = S\n\0[default]\nregion = auto\nendpoint_url = https://x.r2.example\n' >"$2/seed1"
		printf '[profile p]\ns3 =\n  endpoint_url = http://127.0.0.1:9\n\0' >"$2/seed2";;
	fuzz_endpoint)
		printf 'https://account.r2.cloudflarestorage.com' >"$2/seed1"
		printf 'http://127.0.0.1:9000/' >"$2/seed2"; printf 'HTTPS://[::1]:443' >"$2/seed3";;
	fuzz_sqlscan)
		printf '%s\n' "SET standard_conforming_strings = off;" "CREATE FUNCTION f() RETURNS int AS \$x\$ SELECT 1; \$x\$ LANGUAGE sql;" \
			"COPY t (a) FROM stdin;" "1\\t2" "\\." "/* a /* nested */ ; */ SELECT E'\\'';';" "\\connect db" >"$2/seed1";;
	esac
}
if [ "${1:-}" = --seed ]; then
	seed "$2" "$3"
	exit 0
fi
cd "$TOP"
targets=$(find build/fuzz -maxdepth 1 -name 'fuzz_*' -type f -perm -u+x 2>/dev/null | sort)
if [ -z "$targets" ]; then
	echo "fuzz: no fuzz targets in build/fuzz: run make fuzz" >&2
	exit 1
fi
for target in $targets; do
	name=$(basename "$target")
	mkdir -p "build/fuzz/$name.corpus"
	seed "$name" "build/fuzz/$name.corpus"
	echo "fuzz: $name for ${FUZZ_SECONDS:-60}s"
	(cd build/fuzz && "./$name" -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=0 \
		"$name.corpus" 2>&1 | tail -n 3)
done
