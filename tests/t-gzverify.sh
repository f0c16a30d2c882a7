#!/usr/bin/env bash
# gzverify: checks a gzip stream as gzip -t does, in a pipe, and never lets
# the end of a bad stream through. The corruption matrix (tests/gzmatrix.py)
# compares it with gzip -t over some six hundred damaged files, through both
# inflate backends (ISA-L and zlib).
. "$(dirname "$0")/lib.sh"

seq 1 100000 | sed 's/$/ row of a table/' >"$T/data"
gzip -c "$T/data" >"$T/data.gz"
size=$(stat -c %s "$T/data.gz")

# --- the three modes on a good stream
check_exit 0 "pass-through of a good stream exits 0" sh -c "gzverify <'$T/data.gz' >'$T/pass'"
check_cmp "pass-through writes the input unchanged" "$T/data.gz" "$T/pass"
check_exit 0 "-d of a good stream exits 0" sh -c "gzverify -d <'$T/data.gz' >'$T/plain'"
check_cmp "-d writes the decompressed data" "$T/data" "$T/plain"
check_exit 0 "-t of a good stream exits 0" gzverify -t <"$T/data.gz"
check_eq "-t writes nothing" "0" "$(stat -c %s "$T/out")"
check_exit 0 "-v reports members and sizes" gzverify -t -v <"$T/data.gz"
check_grep "-v names the member count and sizes" "OK: 1 member, $size bytes compressed, $(stat -c %s "$T/data") bytes decompressed" "$T/err"
check_exit 0 "--decompress is the long form of -d" sh -c "gzverify --decompress <'$T/data.gz' | cmp -s - '$T/data'"
check_exit 0 "--test is the long form of -t" gzverify --test <"$T/data.gz"

# --- multi-member, padding, garbage
{ gzip -c "$T/data"; printf 'second\n' | gzip -c; } >"$T/two.gz"
check_exit 0 "two concatenated members pass" sh -c "gzverify -d <'$T/two.gz' >'$T/two'"
check_eq "two members decompress to both" "$(cat "$T/data"; echo second)" "$(cat "$T/two")"
{ cat "$T/data.gz"; head -c 10240 /dev/zero; } >"$T/padded.gz"
check_exit 0 "zero padding after the last member (tar, tape) is accepted" gzverify -t <"$T/padded.gz"
{ cat "$T/data.gz"; echo junk; } >"$T/junk.gz"
check_exit 1 "trailing garbage exits 1" gzverify -t <"$T/junk.gz"
check_grep "the message says where the garbage starts" "^gzverify: trailing garbage at byte offset $size after member 1$" "$T/err"
check_exit 0 "--ignore-trailing accepts it" sh -c "gzverify --ignore-trailing <'$T/junk.gz' >'$T/junk'"
check_cmp "--ignore-trailing passes the garbage through too" "$T/junk.gz" "$T/junk"

# --- what a bad stream looks like to the reader
head -c $((size - 5)) "$T/data.gz" >"$T/cut.gz"
check_exit 1 "a truncated stream exits 1" sh -c "gzverify -d <'$T/cut.gz' >'$T/cutout'"
check_grep "the message names member, offset and reason" "^gzverify: member 1, byte offset $((size - 5)): unexpected end of input" "$T/err"
check_eq "-d of a truncated stream withholds the last 64 KiB" \
	"$(( $(stat -c %s "$T/data") - 65536 >= $(stat -c %s "$T/cutout") ))" 1
check "what -d let out is a prefix of the data" cmp -s "$T/cutout" <(head -c "$(stat -c %s "$T/cutout")" "$T/data")
{ gzip -c "$T/data"; printf 'second\n' | gzip -c; } >"$T/bad2.gz"
python3 -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[-7] ^= 1; open(sys.argv[1], 'wb').write(b)" "$T/bad2.gz"
check_exit 1 "a CRC error in the second member exits 1" gzverify -t <"$T/bad2.gz"
check_grep "the message names the second member and the CRC" "^gzverify: member 2, byte offset [0-9]+: CRC mismatch$" "$T/err"
check_exit 1 "plain text is not gzip" gzverify -t <"$T/data"
check_grep "the message says so" "^gzverify: not gzip: byte offset 0" "$T/err"
check_exit 1 "empty input is not a gzip stream" gzverify </dev/null
check_eq "and nothing comes out" "" "$(cat "$T/out")"

# --- ISA-L inflates by default; DRKIT_INFLATE=zlib must answer alike
for f in data.gz two.gz padded.gz junk.gz cut.gz bad2.gz data; do
	gzverify -t -v <"$T/$f" >"$T/o" 2>"$T/isal.err"; a=$?
	DRKIT_INFLATE=zlib gzverify -t -v <"$T/$f" >"$T/o" 2>"$T/zlib.err"; z=$?
	check_eq "DRKIT_INFLATE=zlib gives ISA-L's exit status and message for $f" \
		"$a $(cat "$T/isal.err")" "$z $(cat "$T/zlib.err")"
done

# In a script without pipefail, the restore side sees only what got out.
out=$( (head -c 150000 "$T/data.gz" | gzverify -d | wc -c) 2>/dev/null)
decodable=$(head -c 150000 "$T/data.gz" | zcat 2>/dev/null | wc -c)
check_eq "a stream cut mid-way, decompressed: its last 64 KiB never arrive" 1 \
	"$(( out > 0 && out <= decodable - 65536 ))"

# --- the corruption matrix
leaks_unchecked python3 "$TOP/tests/gzmatrix.py" "$BIN" >"$T/matrix.out" 2>&1
rc=$?
cat "$T/matrix.out"
n_pass=$((n_pass + $(grep -c '^ok ' "$T/matrix.out")))
n_fail=$((n_fail + $(grep -c '^not ok ' "$T/matrix.out")))
[ "$rc" = 0 ] || not_ok "the corruption matrix ran" "$(tail -5 "$T/matrix.out")"

# --- the command line
check_exit 0 "--help exits 0" gzverify --help
check_grep "--help lists every option" "ignore-trailing" "$T/out"
check_exit 0 "--version exits 0" gzverify --version
check_grep "--version names drkit" "^gzverify \(drkit\) " "$T/out"
check_exit 0 "--progress reports on stderr and still passes the stream" sh -c "gzverify --progress <'$T/data.gz' | cmp -s - '$T/data.gz'"
check_grep "--progress shows the bytes read and the rate" "gzverify: .*B at .*B/s" "$T/err"
check_exit 0 "--no-progress is accepted" gzverify --no-progress -t <"$T/data.gz"
check_eq "--no-progress prints nothing" "" "$(cat "$T/err")"
check_exit 2 "an unknown option exits 2" gzverify --bogus
check_exit 2 "-t with -d exits 2" gzverify -t -d
check_exit 2 "a file operand exits 2 (stdin only)" gzverify "$T/data.gz"

done_testing
