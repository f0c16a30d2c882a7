#!/usr/bin/env bash
# r2ls instead of aws s3 ls: the same bytes for the same bucket, over more
# than a page of keys, with names a shell finds awkward; formats that never
# split a name; and the selection by age a retention job relies on.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
need_s3
# Local times are printed in the local zone, as aws does: not UTC here, so
# that a mismatch shows.
export TZ=America/New_York

# --- more than 1000 keys, at the root and under prefixes
B=lsb
new_bucket $B || { done_testing; exit; }
for i in $(seq -w 1 1100); do printf 'daily/db-%s.sql.gz\0' "$i"; done | seed_keys $B 1500
printf '%s\0' "top file.txt" "zeta-é.txt" "daily/with space ü.gz" "weekly/a" \
	"daily/sub/x" "daily/sub2/y z" "dailyish" "日本/ファイル" | put_keys $B 1500
printf '%s\0' "daily/empty" | put_keys $B 0
printf '%s\0' "daily/one" | put_keys $B 1
printf '%s\0' "daily/big" "weekly/big" | put_keys $B $((3 * 1024 * 1024 + 17))

same_as_aws() {	# ARGS...: r2ls ARGS prints what aws s3 ls ARGS prints
	aws s3 ls "$@" >"$T/aws.out" 2>&1
	r2ls "$@" >"$T/r2ls.out" 2>"$T/r2ls.err"
	local rc=$?
	if [ $rc = 0 ] && cmp -s "$T/aws.out" "$T/r2ls.out"; then
		ok "r2ls $* prints what aws s3 ls prints ($(wc -l <"$T/aws.out") lines)"
	else
		not_ok "r2ls $* prints what aws s3 ls prints" "exit $rc: $(head -3 "$T/r2ls.err")" \
			"$(diff "$T/aws.out" "$T/r2ls.out" | head -10)"
	fi
}
# Each listing of this bucket takes the server a while: the pairs are
# chosen to cover pages, root, prefix, prefix without a slash and options.
same_as_aws "s3://$B/"
same_as_aws --recursive --summarize "s3://$B/"
same_as_aws "s3://$B/daily/"
same_as_aws "s3://$B/daily"
same_as_aws --recursive --human-readable --summarize "s3://$B/daily"
same_as_aws --summarize --human-readable "s3://$B/weekly/"
same_as_aws "s3://$B/日本/"
check_eq "the recursive listing holds every key (several pages)" 1112 \
	"$(r2ls --recursive "s3://$B/" | wc -l)"
R2_BUCKET=$B r2ls daily/ >"$T/bucket.out"
aws s3 ls "s3://$B/daily/" >"$T/aws.out"
check_cmp "a bare prefix lists in \$R2_BUCKET" "$T/aws.out" "$T/bucket.out"
check_exit 4 "r2ls of a bucket that does not exist exits 4" r2ls s3://no-such-bucket/
check_grep "... naming it" "^r2ls: s3://no-such-bucket.*(NoSuchBucket|not found)" "$T/err"

# --- names holding newlines, tabs, backslashes
O=lsodd
new_bucket $O || { done_testing; exit; }
printf '%s\0' $'two\nlines.gz' $'tab\there' $'back\\slash\n' 'plain' 'quote"d' $'dir\n/x' |
	put_keys $O 10
check_exit 0 "r2ls --ndjson of names with newlines" r2ls --recursive --ndjson "s3://$O/"
python3 -c '
import json, sys
keys = sorted(json.loads(l)["key"] for l in open(sys.argv[1], encoding="utf-8"))
print(json.dumps(keys))' "$T/out" >"$T/keys.json"
check_eq "... each line is one JSON object with the exact key" \
	'["back\\slash\n", "dir\n/x", "plain", "quote\"d", "tab\there", "two\nlines.gz"]' \
	"$(cat "$T/keys.json")"
check_exit 0 "r2ls -0 of names with newlines" r2ls --recursive -0 "s3://$O/"
python3 -c '
import json, sys
print(json.dumps(sorted(open(sys.argv[1], "rb").read().decode().split("\0")[:-1])))' \
	"$T/out" >"$T/keys.json"
check_eq "... each NUL-terminated name is s3://BUCKET/KEY exactly" \
	'["s3://lsodd/back\\slash\n", "s3://lsodd/dir\n/x", "s3://lsodd/plain", "s3://lsodd/quote\"d", "s3://lsodd/tab\there", "s3://lsodd/two\nlines.gz"]' \
	"$(cat "$T/keys.json")"
check_exit 0 "r2ls (default format) of names with newlines" r2ls --recursive "s3://$O/"
check_eq "... one line per object" 6 "$(wc -l <"$T/out")"
check_grep "... a newline shows as \\n" ' two\\nlines\.gz$' "$T/out"
check_grep "... a backslash in an escaped name is doubled, so the escape reads back" ' back\\\\slash\\n$' "$T/out"
check_grep "... a tab shows as \\t" ' tab\\there$' "$T/out"
check_grep "... and a note on stderr says why" "^r2ls: .*(--ndjson|-0)" "$T/err"
check_exit 0 "r2ls --rfc3339 of names with newlines" r2ls --recursive --rfc3339 "s3://$O/"
check_eq "... one line per object" 6 "$(wc -l <"$T/out")"
check_grep "... times as one RFC 3339 UTC token" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z +10 ' "$T/out"
check_exit 0 "r2ls (not recursive) of a prefix whose name holds a newline" r2ls "s3://$O/"
check_grep "... PRE line escaped, one line" '^ +PRE dir\\n/$' "$T/out"
check_eq "... 5 objects and 1 prefix, 6 lines" 6 "$(wc -l <"$T/out")"

# --- selection by age: the server dates an object by its file's mtime
A=lsage
new_bucket $A || { done_testing; exit; }
printf '%s\0' old-40d mid-10d new-1h fresh | put_keys $A 100
now=$(date +%s)
for k in old-40d:$((40 * 86400)) mid-10d:$((10 * 86400)) new-1h:3600; do
	touch -d "@$((now - ${k#*:}))" "$S3_DATA/$A/${k%%:*}._S3rver_object"
done
keys() {	# R2LS ARGS...: the keys r2ls selects, one per line, in its order
	r2ls --recursive --ndjson "$@" "s3://$A/" |
		python3 -c 'import json, sys; [print(json.loads(l)["key"]) for l in sys.stdin]'
}
check_eq "--older-than 30d: only what is older than 30 days" "old-40d" "$(keys --older-than 30d)"
check_eq "--older-than 5d: the two old ones" "mid-10d old-40d" \
	"$(keys --older-than 5d | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "--newer-than 2h: the new and the fresh" "fresh new-1h" \
	"$(keys --newer-than 2h | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "--older-than 5d --newer-than 20d: between both" "mid-10d" \
	"$(keys --older-than 5d --newer-than 20d)"
check_eq "--newest 3: newest first" "fresh new-1h mid-10d" "$(keys --newest 3 | tr '\n' ' ' | sed 's/ $//')"
check_eq "--newest 2 --older-than 1d: the newest of the old" "mid-10d old-40d" \
	"$(keys --newest 2 --older-than 1d | tr '\n' ' ' | sed 's/ $//')"
check_eq "--except-newest 2: all but the two most recent, in key order" "mid-10d old-40d" \
	"$(keys --except-newest 2 | tr '\n' ' ' | sed 's/ $//')"
check_eq "--older-than 5d --except-newest 3: the newest three are spared whatever their age" \
	"old-40d" "$(keys --older-than 5d --except-newest 3 | tr '\n' ' ' | sed 's/ $//')"
check_eq "--older-than 5d --except-newest 4: every object spared, none selected" \
	"" "$(keys --older-than 5d --except-newest 4)"
check_eq "--newest 2 --except-newest 1: the second and third most recent" "new-1h mid-10d" \
	"$(keys --newest 2 --except-newest 1 | tr '\n' ' ' | sed 's/ $//')"
check_exit 2 "--except-newest 0 is a usage error" r2ls --except-newest 0 "s3://$A/"
check_exit 2 "--except-newest with --wal-expired is a usage error" \
	r2ls --wal-expired "s3://$A/" --except-newest 1 "s3://$A/"

# A generated family: 12 objects of seeded random ages (some the same
# second), every --except-newest from 1 to 13 with --older-than 5d,
# against a model: the old ones in key order, less the k most recent of
# all (newest first, the same second by key).
F=lsfamily
new_bucket $F || { done_testing; exit; }
python3 -c 'import random; r = random.Random(7)
for i in range(12): print("k%02d %d" % (i, r.choice([60, 3600, 6 * 86400, 6 * 86400, 9 * 86400, 40 * 86400]) + r.randrange(0, 3)))' >"$T/ages"
cut -d" " -f1 "$T/ages" | tr '\n' '\0' | put_keys $F 10
while read -r k age; do
	touch -d "@$((now - age))" "$S3_DATA/$F/$k._S3rver_object"
done <"$T/ages"
python3 -c 'import sys
now = int(sys.argv[2])
objs = [(n, now - int(a)) for n, a in (l.split() for l in open(sys.argv[1]))]
for k in range(1, 14):
    spared = {n for n, m in sorted(objs, key=lambda o: (-o[1], o[0]))[:k]}
    print(" ".join(n for n, m in sorted(objs) if now - m > 5 * 86400 and n not in spared))' \
	"$T/ages" "$now" >"$T/want"
bad=
for k in $(seq 1 13); do
	got=$(r2ls --recursive --older-than 5d --except-newest "$k" "s3://$F/" | awk '{ printf "%s%s", sep, $4; sep = " " } END { print "" }')
	want=$(sed -n "${k}p" "$T/want")
	[ "$want" = "$got" ] || bad="$bad k=$k want [$want] got [$got];"
done
check_eq "--older-than 5d --except-newest 1..13 over 12 objects: as the model says" "" "$bad"
aws s3 rb --force "s3://$F" >/dev/null

r2ls --recursive --older-than 30d "s3://$A/" >"$T/out"
check_grep "--older-than in the default format prints the aws line" "^$(TZ=$TZ date -d "@$((now - 40 * 86400))" '+%Y-%m-%d') [0-9:]{8} +100 old-40d$" "$T/out"
check_eq "... and only it" 1 "$(wc -l <"$T/out")"

aws s3 rb --force "s3://$A" >/dev/null
aws s3 rb --force "s3://$O" >/dev/null
aws s3 rb --force "s3://$B" >/dev/null
done_testing
