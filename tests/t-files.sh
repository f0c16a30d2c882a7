#!/usr/bin/env bash
# The files drkit writes, tried as root from cron would meet them: r2get -o
# honours every umask, a replaced file keeps its mode and owner, a device, a
# FIFO or a link is written through and never renamed over, and output lost
# on a full disk or a closed descriptor is exit 6, never 0.
. "$(dirname "$0")/lib.sh"
need_s3
new_bucket files || exit 1
head -c 300000 /dev/urandom >"$T/obj"
r2put s3://files/obj <"$T/obj" 2>/dev/null || not_ok "upload the object"

mode_of() { stat -c %a "$1"; }

# --- a new file: 0666 less the umask, for every umask a user may set
for um in 000 002 007 022 027 077 277; do
	rm -f "$T/new"
	(umask "$um"; r2get -o "$T/new" s3://files/obj) 2>"$T/err"
	want=$(printf '%o' $(( 0666 & ~8#$um )))
	check_eq "umask $um: a new file gets mode $want" "$want" "$(mode_of "$T/new")"
done
check_cmp "the new file holds the object" "$T/obj" "$T/new"

# --- a replaced file keeps its mode whatever the umask
for m in 600 640 644 660 664 700 755 444; do
	printf 'old\n' >"$T/old"; chmod "$m" "$T/old"
	(umask 000; r2get -o "$T/old" s3://files/obj) 2>"$T/err"
	check_eq "a $m file replaced stays $m" "$m" "$(mode_of "$T/old")"
done
check_cmp "the replaced file holds the object" "$T/obj" "$T/old"

if [ "$(id -u)" = 0 ]; then
	printf 'old\n' >"$T/owned"; chown nobody:nogroup "$T/owned"; chmod 640 "$T/owned"
	r2get -o "$T/owned" s3://files/obj 2>"$T/err"
	check_eq "root replacing nobody's file keeps its owner" "nobody:nogroup 640" \
		"$(stat -c '%U:%G %a' "$T/owned")"
fi

# --- what is not a regular file is written into, never replaced (a device
# of our own: a failing r2get must not take the machine's /dev/null with it)
mknod_null=$T/null
if [ "$(id -u)" = 0 ] && mknod "$mknod_null" c 1 3 2>/dev/null; then
	check_exit 0 "-o onto a character device writes into it" r2get -o "$mknod_null" s3://files/obj
	check_eq "the device is still a character device" "character special file" \
		"$(stat -c %F "$mknod_null")"
fi

mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo" &
reader=$!
check_exit 0 "-o onto a FIFO writes into it" r2get -o "$T/fifo" s3://files/obj
check_eq "the FIFO is still a FIFO" "fifo" "$(stat -c %F "$T/fifo")"
# A FIFO replaced by a file leaves its reader waiting for a writer.
[ -p "$T/fifo" ] || kill "$reader" 2>/dev/null
wait "$reader"
check_cmp "the FIFO's reader got every byte" "$T/obj" "$T/from-fifo"

printf 'old\n' >"$T/target"; chmod 600 "$T/target"
ln -s "$T/target" "$T/link"
check_exit 0 "-o onto a link writes the file it names" r2get -o "$T/link" s3://files/obj
check_eq "the link is still a link" "symbolic link" "$(stat -c %F "$T/link")"
check_cmp "the linked file holds the object" "$T/obj" "$T/target"
check_eq "the linked file kept its mode" "600" "$(mode_of "$T/target")"

ln -s "$T/nowhere/x" "$T/dangling"
check_exit 6 "-o onto a dangling link is refused" r2get -o "$T/dangling" s3://files/obj
check_eq "the dangling link is left as it was" "symbolic link" "$(stat -c %F "$T/dangling")"
mkdir "$T/dir"
check_exit 6 "-o onto a directory is refused" r2get -o "$T/dir" s3://files/obj
check_grep "the message says it is a directory" "^r2get: .*directory" "$T/err"
check_eq "no temporary file is left beside them" "" "$(ls "$T" | grep r2get- || true)"

# --- lost standard output is exit 6, with a message, in every program
printf 'hello\n' | gzip >"$T/h.gz"
printf 'abc' | r2put s3://files/small 2>/dev/null
lost() {	# lost STATUS NAME CMD...: with stdout on a full disk, then closed
	local want=$1 name=$2; shift 2
	"$@" >/dev/full 2>"$T/err" </dev/null; local rc=$?
	check_eq "$name, stdout on a full disk: exit $want" "$want" "$rc"
	check_grep "$name says it cannot write" "(cannot write|write error|No space)" "$T/err"
	"$@" >&- 2>"$T/err" </dev/null; rc=$?
	check_eq "$name, stdout closed: exit $want" "$want" "$rc"
}
lost 6 "r2ls" r2ls s3://files/
lost 6 "r2get" r2get s3://files/obj
lost 6 "sha256sum-r2 --remote" sha256sum-r2 --remote s3://files/small
lost 6 "gzverify -d" sh -c 'exec gzverify -d <"$0"' "$T/h.gz"
# stalecheck speaks the monitoring convention: UNKNOWN.
lost 3 "stalecheck --format json" sh -c 'r2ls s3://files/ | exec stalecheck -f json --warn-age 1d --crit-age 2d'
pg_dump_min() { printf 'SET x = 1;\n-- PostgreSQL database dump complete\n'; }
pg_dump_min >"$T/min.sql"
lost 6 "pgrestore-stream --check" sh -c 'exec pgrestore-stream --check <"$0"' "$T/min.sql"

done_testing
