#!/usr/bin/env bash
# Tonight's upload and tomorrow's download: r2put takes a pipe or a file of
# any size, r2get gives back the same bytes, and the aws CLI reads what
# r2put wrote and writes what r2get reads. The sidecar KEY.sha256 checks a
# download with plain sha256sum -c.
. "$(dirname "$0")/lib.sh"
need_s3
B=roundtrip
new_bucket $B || { done_testing; exit; }
MiB=$((1024 * 1024))
PART=$((5 * MiB))

# roundtrip NAME SIZE: uploads SIZE random bytes from a pipe and from the
# file, then checks both with r2get and aws s3 cp. Leaves the file in
# $T/NAME and the objects at pipe/NAME and file/NAME.
roundtrip() {
	local name=$1 size=$2 f=$T/$1
	head -c "$size" /dev/urandom >"$f"
	check_exit 0 "$name: r2put from a pipe" \
		r2put -v --allow-empty --part-size 5M "s3://$B/pipe/$name" < <(cat "$f")
	cp "$T/err" "$T/$name.pipe.trace"
	check_exit 0 "$name: r2put from a regular file" \
		r2put -v --allow-empty --part-size 5M "s3://$B/file/$name" <"$f"
	cp "$T/err" "$T/$name.file.trace"
	for how in pipe file; do
		r2get "s3://$B/$how/$name" >"$T/got"
		check_cmp "$name ($how): r2get returns the same bytes" "$f" "$T/got"
		rm -f "$T/got"
		# Once is enough for the aws CLI on the largest.
		[ "$how/$size" = "file/$((200 * MiB))" ] && continue
		aws s3 cp --quiet "s3://$B/$how/$name" "$T/got"
		check_cmp "$name ($how): aws s3 cp returns the same bytes" "$f" "$T/got"
		rm -f "$T/got"
	done
}
# parts TRACE: the number of UploadPart requests r2put -v traced.
parts() {
	grep -c 'PUT s3://.*partNumber=' "$1"
}

roundtrip empty 0
check_eq "0 bytes: a single PUT" 0 "$(parts "$T/empty.pipe.trace")"
roundtrip one-byte 1
roundtrip one-part $PART
check_eq "exactly one part from a pipe: a single PUT, no multipart upload" 0 "$(parts "$T/one-part.pipe.trace")"
check_eq "exactly one part from a file: a single PUT" 0 "$(parts "$T/one-part.file.trace")"
roundtrip one-over $((PART + 1))
check_eq "one byte over a part from a pipe: two parts" 2 "$(parts "$T/one-over.pipe.trace")"
check_eq "one byte over a part from a file: two parts" 2 "$(parts "$T/one-over.file.trace")"
roundtrip big $((200 * MiB))
check_eq "200 MiB in parts of 5 MiB: 40 parts" 40 "$(parts "$T/big.pipe.trace")"

# --- r2get -o FILE
check_exit 0 "r2get -o FILE of 200 MiB" r2get -o "$T/big.out" "s3://$B/pipe/big"
check_cmp "... FILE holds the object's bytes" "$T/big" "$T/big.out"
check_eq "... and no temporary file is left beside it" "big big.out" \
	"$(cd "$T" && ls big* | grep -v trace | tr '\n' ' ' | sed 's/ $//')"
check_exit 0 "r2get -o FILE of an empty object" r2get -o "$T/empty.out" "s3://$B/pipe/empty"
check_cmp "... FILE is empty" "$T/empty" "$T/empty.out"
rm -f "$T/big.out"

# --- several names: concatenated, like cat
r2get "s3://$B/file/one-byte" "s3://$B/pipe/one-over" >"$T/got"
cat "$T/one-byte" "$T/one-over" >"$T/want"
check_cmp "r2get of two names writes both, in order" "$T/want" "$T/got"
rm -f "$T/got" "$T/want"

# --- what the aws CLI wrote, r2get reads (its multipart threshold is 8 MiB)
head -c $((20 * MiB + 12345)) /dev/urandom >"$T/aws20"
aws s3 cp --quiet "$T/aws20" "s3://$B/aws/20m"
aws s3 cp --quiet "$T/one-byte" "s3://$B/aws/one byte é"
check_exit 0 "r2get of a 20 MiB multipart object aws s3 cp wrote" \
	r2get -o "$T/got" "s3://$B/aws/20m"
check_cmp "... same bytes" "$T/aws20" "$T/got"
rm -f "$T/got"
check_exit 0 "r2get of a key with a space and non-ASCII that aws s3 cp wrote" \
	r2get -o "$T/got" "s3://$B/aws/one byte é"
check_cmp "... same bytes" "$T/one-byte" "$T/got"
rm -f "$T/got"
check_exit 0 "r2get with small chunks and many jobs (ranges in parallel)" \
	r2get -j 7 --chunk-size 1M -o "$T/got" "s3://$B/aws/20m"
check_cmp "... same bytes, in order" "$T/aws20" "$T/got"
rm -f "$T/got" "$T/aws20"

# --- the sidecar and the metadata
for obj in pipe/one-part pipe/big file/one-byte; do
	name=${obj#*/}
	mkdir -p "$T/check"
	aws s3 cp --quiet "s3://$B/$obj.sha256" "$T/check/$name.sha256"
	check_grep "$obj.sha256 is in sha256sum's format" "^[0-9a-f]{64}  $name\$" "$T/check/$name.sha256"
	r2get -o "$T/check/$name" "s3://$B/$obj"
	check "sha256sum -c $name.sha256 passes on the download" \
		sh -c "cd '$T/check' && sha256sum -c --status '$name.sha256'"
	rm -rf "$T/check"
done
meta() {	# KEY: its x-amz-meta-sha256 as the aws CLI reads it
	aws s3api head-object --bucket $B --key "$1" --query Metadata.sha256 --output text
}
check_eq "a single PUT carries x-amz-meta-sha256 (file)" \
	"$(sha256sum <"$T/one-part" | cut -d' ' -f1)" "$(meta file/one-part)"
check_eq "a single PUT carries x-amz-meta-sha256 (pipe)" \
	"$(sha256sum <"$T/one-byte" | cut -d' ' -f1)" "$(meta pipe/one-byte)"
check_eq "an empty object's x-amz-meta-sha256 is the SHA-256 of nothing" \
	e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "$(meta pipe/empty)"

aws s3 rm --quiet --recursive "s3://$B/"
done_testing
