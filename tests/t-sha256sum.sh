#!/usr/bin/env bash
# sha256sum-r2 is a drop-in for coreutils' sha256sum: the same lines for
# the same files, odd names included, and the same verdicts, report lines,
# warnings and exit statuses for check lists good, bad and malformed.
. "$(dirname "$0")/lib.sh"

D=$T/files
mkdir -p "$D"
cd "$D" || exit 1
seq 1 300000 >big
printf 'hello\n' >plain
: >empty
printf 'x' >'with space'
printf 'y' >'back\slash'
printf 'z' >$'new\nline'
printf 'w' >$'carriage\rreturn'
printf 'v' >$'both\\\nodd'
printf 'u' >'ünïcödé'
printf 't' >' leading space'
mkdir adir
FILES=(big plain empty 'with space' 'back\slash' $'new\nline' $'carriage\rreturn' $'both\\\nodd' 'ünïcödé' ' leading space')

# same NAME [ARGS...]: sha256sum-r2 and sha256sum in $D, stdin from $T/in:
# same stdout, same exit status, same stderr but for the program's name.
: >"$T/in"
same() {
	local name=$1; shift
	sha256sum-r2 "$@" <"$T/in" >"$T/mine.out" 2>"$T/mine.err"; local mine=$?
	sha256sum "$@" <"$T/in" >"$T/ref.out" 2>"$T/ref.err"; local ref=$?
	sed -i 's/^sha256sum-r2:/sha256sum:/' "$T/mine.err"
	if ! cmp -s "$T/mine.out" "$T/ref.out"; then
		not_ok "$name: same output" "$(diff <(od -c "$T/ref.out") <(od -c "$T/mine.out") | head -10)"
	elif [ "$mine" != "$ref" ]; then
		not_ok "$name: same exit status" "sha256sum $ref, sha256sum-r2 $mine"
	elif ! cmp -s "$T/mine.err" "$T/ref.err"; then
		not_ok "$name: same messages" "$(diff "$T/ref.err" "$T/mine.err" | head -10)"
	else
		ok "$name (exit $ref, $(wc -l <"$T/ref.out") lines)"
	fi
}

# --- printing sums
same "files with odd names" "${FILES[@]}"
same "binary mode (-b)" -b "${FILES[@]}"
same "text mode (-t)" -t plain 'back\slash'
same "--tag" --tag "${FILES[@]}"
same "-z: NUL-ended, unescaped" -z "${FILES[@]}"
same "--tag -z" --tag -z "${FILES[@]}"
cp big "$T/in"
same "standard input, no operand"
same "standard input as -" - plain
same "a missing file and a directory" plain nosuch 'no such' $'no\nsuch' adir

# --- checking lists
sha256sum "${FILES[@]}" >"$D/good.sum"
sha256sum --tag "${FILES[@]}" >"$D/tag.sum"
sha256sum -b big plain >"$D/bin.sum"
same "a good list" -c good.sum
same "a BSD tag list" -c tag.sum
same "a binary-mode list" -c bin.sum
cp good.sum "$T/in"
same "a good list on standard input" -c
same "a good list as -" -c -
same "--quiet on a good list" -c --quiet good.sum
same "--status on a good list" -c --status good.sum

printf 'changed\n' >plain
printf 'X' >'with space'
same "a list with two mismatches" -c good.sum
same "--quiet still reports mismatches" -c --quiet good.sum
same "--status says it by exit status only" -c --status good.sum
mv $'new\nline' moved
same "a list naming a missing file" -c good.sum
same "--ignore-missing" -c --ignore-missing good.sum
mv moved $'new\nline'
printf 'hello\n' >plain
printf 'x' >'with space'

{
	echo '# a comment'
	grep -v '^\\' good.sum
	echo 'not a checksum line'
	echo 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85  short'
	echo 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g  nonhex'
	printf '%s\r\n' "$(sha256sum empty)"
	echo
	echo '\e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  bad\escape'
} >mixed.sum
same "a list with malformed lines" -c mixed.sum
same "-w warns about each malformed line" -c -w mixed.sum
same "--strict fails on malformed lines" -c --strict mixed.sum
printf 'garbage\nmore garbage\n' >junk.sum
same "a list with no checksum line" -c junk.sum
same "an empty list" -c empty
same "a missing list" -c nosuch.sum
same "two lists, one bad" -c junk.sum good.sum
printf 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 empty\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 big\n' >bsd.sum
same "a BSD reversed list (HEX NAME)" -c bsd.sum
printf 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  -\n' >"$T/in"
same "a list on stdin naming stdin is malformed" -c
echo 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  nosuch' >missing.sum
same "--ignore-missing with nothing verified" -c --ignore-missing missing.sum

# --- what differs on purpose: usage errors exit 2, as in all of drkit
check_exit 2 "an unknown option exits 2" sha256sum-r2 --bogus
check_exit 2 "--status without --check exits 2" sha256sum-r2 --status plain
check_grep "and says why" "meaningful only when verifying" "$T/err"
check_exit 2 "--tag with --text exits 2" sha256sum-r2 --tag -t plain
check_exit 2 "-z with --check exits 2" sha256sum-r2 -z -c good.sum
check_exit 0 "--help exits 0" sha256sum-r2 --help
check_grep "--help lists --ignore-missing" "ignore-missing" "$T/out"
check_exit 0 "--version exits 0" sha256sum-r2 --version
check_grep "--version names drkit" "^sha256sum-r2 \(drkit\) " "$T/out"
check_exit 6 "a full disk exits 6" sh -c "sha256sum-r2 plain >/dev/full"

done_testing
