#!/usr/bin/env bash
# make fuzz: libFuzzer on the parsers that read untrusted bytes (S3's XML,
# gzip, listings, SQL scripts), with ASan and UBSan. FUZZ_SECONDS per
# target (default 60); a crash leaves its input in build/fuzz/.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
mkdir -p build/fuzz

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
		printf '{"key":"a\\nb","size":1,"last_modified":"2026-11-25T03:03:24Z","etag":"\\"e\\""}\n' >"$2/seed2";;
	fuzz_sqlscan)
		printf '%s\n' "SET standard_conforming_strings = off;" "CREATE FUNCTION f() RETURNS int AS \$x\$ SELECT 1; \$x\$ LANGUAGE sql;" \
			"COPY t (a) FROM stdin;" "1\\t2" "\\." "/* a /* nested */ ; */ SELECT E'\\'';';" "\\connect db" >"$2/seed1";;
	esac
}
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	# The library is compiled in, so that libFuzzer sees its coverage.
	clang -std=c11 -D_GNU_SOURCE -DDRKIT_VERSION='"fuzz"' -g -O1 $SAN -Icommon \
		$(pkg-config --cflags libpq) -o "build/fuzz/$name" "$src" common/*.c \
		-lcurl -lssl -lcrypto -lz -lexpat -lpq -lpthread -lm
	mkdir -p "build/fuzz/$name.corpus"
	seed "$name" "build/fuzz/$name.corpus"
	echo "fuzz: $name for ${FUZZ_SECONDS:-60}s"
	(cd build/fuzz && "./$name" -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=0 \
		"$name.corpus" 2>&1 | tail -n 3)
done
