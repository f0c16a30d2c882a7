#!/usr/bin/env bash
# r2rm as a retention job uses it: many keys in batches, names from r2ls
# on stdin (newline- or NUL-separated), a dry run first.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
need_s3
B=rmb
new_bucket $B || { done_testing; exit; }
aws_keys() {	# PREFIX: the keys aws s3 ls sees under it, one per line
	aws s3 ls --recursive "s3://$B/$1" | cut -c32-
}
# The same, quicker (r2ls prints what aws prints: t-r2ls.sh).
keys() {
	r2ls --recursive "s3://$B/$1" | cut -c32-
}

# --- more than 1000 keys, in batches
for i in $(seq 1 1205); do printf 'many/k%04d\0' "$i"; done | seed_keys $B 5
printf '%s\0' "keep/a" | put_keys $B 5
check_exit 0 "r2rm --dry-run of 1205 keys" sh -c "r2ls --recursive -0 s3://$B/many/ | r2rm -0 --dry-run"
check_eq "... prints each as (dryrun) delete" 1205 "$(grep -c "^(dryrun) delete: s3://$B/many/k[0-9]*\$" "$T/out")"
check_eq "... and deletes nothing" 1205 "$(keys many/ | wc -l)"

proxy_start
r2ls --recursive -0 "s3://$B/many/" >"$T/names"
check_exit 0 "r2rm -0 of 1205 keys from r2ls -0" via_proxy r2rm -0 <"$T/names"
check_eq "... prints one line per deleted key" 1205 "$(grep -c "^delete: s3://$B/many/" "$T/out")"
check_eq "... sent them in two DeleteObjects requests" 2 "$(grep -c "^POST /$B?delete" "$PROXY_LOG")"
check_eq "... and they are gone" "" "$(aws_keys many/)"
check_eq "... and nothing else is" "keep/a" "$(keys keep/)"
proxy_stop

# --- names on stdin, one per line, with spaces
printf '%s\0' "day/a b.gz" "day/c" "day/ü d" "day/keep" | put_keys $B 5
printf 's3://%s/%s\n' $B "day/a b.gz" $B "day/c" | r2rm -q >"$T/out" 2>&1
check_eq "r2rm -q of newline-separated names prints nothing" "" "$(cat "$T/out")"
check_eq "... and deletes them, the one with a space included" "day/keep day/ü d" \
	"$(keys day/ | sort | tr '\n' ' ' | sed 's/ $//')"
printf 'day/ü d\n' | R2_BUCKET=$B r2rm - >"$T/out"
check_eq "r2rm - of a bare key in \$R2_BUCKET deletes it" "day/keep" "$(keys day/)"
check_grep "... and says so" "^delete: s3://$B/day/ü d\$" "$T/out"

# --- '-' beside a name: the names on stdin and the named key, all deleted
# (it used to delete nothing and exit 0: a retention job would never know)
printf '%s\0' mix/in1 mix/in2 mix/arg mix/keep | put_keys $B 5
printf 's3://%s/mix/in1\ns3://%s/mix/in2\n' $B $B >"$T/names"
check_exit 0 "r2rm - s3://BUCKET/KEY reads stdin and deletes the key too" \
	r2rm - "s3://$B/mix/arg" <"$T/names"
check_eq "... saying so for each, in order" \
	"delete: s3://$B/mix/in1 delete: s3://$B/mix/in2 delete: s3://$B/mix/arg" \
	"$(tr '\n' ' ' <"$T/out" | sed 's/ $//')"
check_eq "... and leaves only the rest" "mix/keep" "$(keys mix/)"
check_exit 2 "r2rm - - refuses: standard input is read once" r2rm - "s3://$B/mix/keep" - <"$T/names"
check_grep "... saying so" "^r2rm: '-' .* given 2 times" "$T/err"
check_eq "... and deletes nothing" "mix/keep" "$(keys mix/)"

# --- NUL-separated names, newlines in them. (A dry run shows how r2rm
# reads them; tests/t-terminal.sh deletes such names.)
printf '%s\0' "nl/a & b" "nl/plain" "nl/keep" | put_keys $B 5
printf 's3://%s/%s\0' $B "nl/a & b" $B "nl/plain" | r2rm -0 -q
check_eq "r2rm -0 deletes NUL-separated names, one with spaces and '&'" "nl/keep" "$(keys nl/)"
printf 's3://%s/%s\0' $B $'nl/two\nlines' $B "nl/keep" | r2rm -0 --dry-run >"$T/out"
check_eq "r2rm -0 takes a name holding a newline as one name, printed escaped on one line" \
	"$(printf '(dryrun) delete: s3://%s/%s\n' $B 'nl/two\nlines' $B nl/keep)" "$(cat "$T/out")"
printf 's3://%s/nl/keep\0' $B >"$T/nul"
check_exit 2 "r2rm without -0 refuses NUL-separated names" r2rm <"$T/nul"
check_grep "... saying to use -0" "^r2rm: .*-0" "$T/err"
check_eq "... and deletes nothing" "nl/keep" "$(keys nl/)"

# --- keys the service refuses to delete are reported, never said deleted
printf '%s\0' rmx/a rmx/b rmx/c | put_keys $B 5
cat >"$T/refused.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Deleted><Key>rmx/a</Key></Deleted><Error><Key>rmx/b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error><Error><Key>rmx/c</Key><Code>InternalError</Code><Message>Try again</Message></Error></DeleteResult>
XML
proxy_start --match '^POST /rmb\?delete' --count 1 --status 200 --reply-file "$T/refused.xml"
check_exit 3 "r2rm when the service refuses some keys exits 3 (access denied)" \
	via_proxy r2rm "s3://$B/rmx/a" "s3://$B/rmx/b" "s3://$B/rmx/c"
check_eq "... says deleted only what was" "delete: s3://$B/rmx/a" "$(cat "$T/out")"
check_grep "... names each refused key with the service's code" "^r2rm: cannot delete s3://$B/rmx/b: AccessDenied" "$T/err"
check_grep "... (both of them)" "^r2rm: cannot delete s3://$B/rmx/c: InternalError" "$T/err"
check_grep "... and counts them" "^r2rm: 2 of the objects were not deleted" "$T/err"
proxy_stop

# --- names as arguments
printf '%s\0' arg/1 arg/2 arg/3 | put_keys $B 5
check_exit 0 "r2rm NAME NAME deletes both" r2rm "s3://$B/arg/1" "r2://$B/arg/3"
check_eq "... and only them" "arg/2" "$(keys arg/)"
check_exit 2 "r2rm of a bucket name refuses" r2rm "s3://$B"
check_grep "... saying it names a bucket" "names a bucket" "$T/err"
check_eq "... and deletes nothing" "arg/2" "$(keys arg/)"

# --- retention: r2ls --older-than ... -0 | r2rm -0
printf 'db/%s.gz\0' 2026-09-01 2026-10-01 2026-11-20 2026-11-24 | put_keys $B 5
now=$(date +%s)
touch -d "@$((now - 80 * 86400))" "$S3_DATA/$B/db/2026-09-01.gz._S3rver_object"
touch -d "@$((now - 50 * 86400))" "$S3_DATA/$B/db/2026-10-01.gz._S3rver_object"
touch -d "@$((now - 5 * 86400))" "$S3_DATA/$B/db/2026-11-20.gz._S3rver_object"
r2ls --recursive --older-than 30d -0 "s3://$B/db/" | r2rm -0 >"$T/out"
check_eq "r2ls --older-than 30d -0 | r2rm -0 deletes the old backups" \
	"delete: s3://$B/db/2026-09-01.gz delete: s3://$B/db/2026-10-01.gz" \
	"$(sort "$T/out" | tr '\n' ' ' | sed 's/ $//')"
check_eq "... and keeps the recent ones" "db/2026-11-20.gz db/2026-11-24.gz" \
	"$(keys db/ | sort | tr '\n' ' ' | sed 's/ $//')"
r2ls --recursive --older-than 30d -0 "s3://$B/db/" | r2rm -0 >"$T/out"
check_eq "... run again, it finds nothing to delete" "" "$(cat "$T/out")"

aws s3 rb --force "s3://$B" >/dev/null
done_testing
