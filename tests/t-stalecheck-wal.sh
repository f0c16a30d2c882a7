#!/usr/bin/env bash
# stalecheck --wal watches walpush's archive as a monitoring system runs it:
# a fresh archive is OK; a newest file too old is WARNING, then CRITICAL; a
# segment deleted between the base backup's start and the newest is
# CRITICAL and named, also across a timeline switch; a listing that cannot
# be had is UNKNOWN. Each in the three formats, JSON and Prometheus read
# back by real parsers.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/walarchive.sh"
need_s3
B=stalewal
new_bucket $B || { done_testing; exit; }
PY=/usr/bin/python3
"$PY" -c 'import prometheus_client' 2>/dev/null ||
	{ not_ok "python3-prometheus-client is installed for $PY"; done_testing; exit; }

# Prints the fields of a JSON or Prometheus answer that are not as wanted.
cat >"$T/fields.py" <<'PY'
import json, sys
from prometheus_client.parser import text_string_to_metric_families

fmt, path = sys.argv[1], sys.argv[2]
want = dict(a.split("=", 1) for a in sys.argv[3:])
text = open(path, encoding="utf-8").read()
if fmt == "json":
    assert text.count("\n") == 1, "one line"
    doc = json.loads(text)
    got = {k: doc.get(k) for k in ("code", "first_missing", "segments_expected",
           "segments_present", "timeline", "start_segment", "newest_segment")}
    got["newest"] = (doc["newest"] or {}).get("name")
else:
    got = {}
    for fam in text_string_to_metric_families(text):
        assert fam.type == "gauge" and fam.documentation, fam.name
        for s in fam.samples:
            got[fam.name.replace("drkit_wal_", "")] = int(s.value)
    got["code"] = got.get("status")
    if "segments_expected" in got:
        got["segments_present"] = got["segments_expected"] - got["segments_missing"]
for k, v in want.items():
    if k in got and str(got[k]) != v:
        print("%s: want %s, got %r" % (k, v, got[k]))
PY

# judge NAME STATUS REGEX FIELDS -- ARGS: stalecheck --wal ARGS exits STATUS
# with a Nagios line matching REGEX, and its JSON and Prometheus answers hold
# FIELDS (code= is added).
judge() {
	local name=$1 status=$2 regex=$3 fields=$4 fmt problems
	shift 5
	check_exit "$status" "$name: exit $status" stalecheck --wal "$@"
	check_grep "$name: nagios line" "$regex" "$T/out"
	check_eq "$name: nagios, one line" 1 "$(wc -l <"$T/out")"
	for fmt in json prometheus; do
		run stalecheck --wal -f "$fmt" "$@"
		problems=$("$PY" "$T/fields.py" "$fmt" "$T/out" code="$status" $fields 2>&1)
		[ "$RC" = "$status" ] || problems="exit $RC, want $status; $problems"
		check_eq "$name: $fmt" "" "$problems"
	done
}

# --- timeline 1: segments 1 to 8, the base backup starting in 2
D=$T/wal1
mkdir -p "$D"
for s in $(seq 1 8); do plant "$D" "$(seg 1 $s)"; done
plant "$D" "$(seg 1 2).00000028.backup"
aws s3 cp --recursive --quiet "$D" "s3://$B/wal/"
base_backup "$T/b1.tar.gz" 0/2000028 "$(seg 1 2)"
r2put -q "s3://$B/base/b1.tar.gz" <"$T/b1.tar.gz"
W=s3://$B/wal
now=$(date +%s)

judge "a fresh archive, whole from the base backup's start" 0 \
	"^WAL OK - newest 000000010000000000000008: [0-9]+s old; 7 of 7 segments from 000000010000000000000002 to 000000010000000000000008, timeline 1 \(the start of s3://$B/base/b1.tar.gz\) \| age=[0-9]+s;300;900;0 segments=7;;;0 missing=0;;0;0$" \
	"segments_expected=7 segments_present=7 first_missing=None timeline=1 newest=000000010000000000000008" \
	-- --base "s3://$B/base/" "$W"
judge "without --base: whole from the oldest segment" 0 \
	"^WAL OK - .* 8 of 8 segments from 000000010000000000000001 to " \
	"segments_expected=8 start_segment=000000010000000000000001" -- "$W"
judge "the newest file older than 5m: WARNING" 1 \
	"^WAL WARNING - older than 5m; newest 000000010000000000000008: " "" \
	-- --now @$((now + 600)) --base "s3://$B/base/b1.tar.gz" "$W"
judge "older than 15m: CRITICAL" 2 "^WAL CRITICAL - older than 15m; newest " "" \
	-- --now @$((now + 1200)) --base "s3://$B/base/b1.tar.gz" "$W"
judge "thresholds from archive_timeout (-w 2m -c 3m)" 2 "^WAL CRITICAL - older than 3m; .* age=[0-9]+s;120;180;0 " "" \
	-- -w 2m -c 3m --now @$((now + 200)) "$W"

aws s3 rm --quiet "$W/$(seg 1 5).gz"
judge "a segment deleted in the middle: CRITICAL, naming it" 2 \
	"^WAL CRITICAL - segment 000000010000000000000005 is missing \(6 of the 7 from 000000010000000000000002 to 000000010000000000000008 archived\); .* missing=1;;0;0$" \
	"first_missing=000000010000000000000005 segments_expected=7 segments_present=6" \
	-- --base "s3://$B/base/" "$W"
base_backup "$T/b6.tar.gz" 0/6000060 "$(seg 1 6)"
r2put -q "s3://$B/base/b6.tar.gz" <"$T/b6.tar.gz"
judge "a base backup starting after the gap: OK" 0 "^WAL OK - .* 3 of 3 segments from 000000010000000000000006 " \
	"segments_expected=3" -- --base "s3://$B/base/b6.tar.gz" "$W"

# --- a timeline switch: recovery branched timeline 2 off 1 in segment 5;
# the old server went on writing timeline 1 to segment 7
D=$T/wal2
mkdir -p "$D"
for s in $(seq 1 7); do plant "$D" "$(seg 1 $s)"; done
plant "$D" "$(seg 1 5).partial"
plant "$D" 00000002.history "$(printf '1\t0/5000028\tbefore 2026-11-30 09:41:00+00\n')"
for s in $(seq 5 9); do plant "$D" "$(seg 2 $s)"; done
aws s3 cp --recursive --quiet "$D" "s3://$B/tl/"
# The copy runs in parallel, in no order: the last segment, written again
# after it, is the newest file for certain.
aws s3 cp --quiet "$D/$(seg 2 9).gz" "s3://$B/tl/$(seg 2 9).gz"
judge "across a timeline switch: 1/2..4, then 2/5..9" 0 \
	"^WAL OK - newest 000000020000000000000009: .* 8 of 8 segments from 000000010000000000000002 to 000000020000000000000009, timeline 2 " \
	"timeline=2 segments_expected=8 newest_segment=000000020000000000000009" \
	-- --base "s3://$B/base/b1.tar.gz" "s3://$B/tl"
# Every truncation of the history file, and each byte of its trailer (CRC
# and length) flipped: UNKNOWN naming it, never a judgement from part of
# the history.
H=$D/00000002.history.gz
hlen=$(stat -c %s "$H")
: >"$T/bad"
history_refused() {	# CASE: the damaged history in $T/history.gz
	leaks_unchecked r2put -q --allow-empty "s3://$B/tl/00000002.history.gz" <"$T/history.gz"
	run leaks_unchecked stalecheck --wal "s3://$B/tl"
	[ "$RC" = 3 ] && grep -q "^WAL UNKNOWN - .*s3://$B/tl/00000002.history.gz" "$T/out" ||
		echo "$1: exit $RC: $(cat "$T/out")" >>"$T/bad"
}
for ((cut = 1; cut < hlen; cut++)); do
	head -c "$cut" "$H" >"$T/history.gz"
	history_refused "cut at $cut"
done
for ((i = hlen - 8; i < hlen; i++)); do
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[int(sys.argv[2])] ^= 1; sys.stdout.buffer.write(b)' \
		"$H" "$i" >"$T/history.gz"
	history_refused "trailer byte $i flipped"
done
check_eq "$((hlen - 1)) truncations and 8 flipped trailer bytes of the history file: each UNKNOWN, naming it" "" \
	"$(head -c 1500 "$T/bad")"
aws s3 cp --quiet "$H" "s3://$B/tl/00000002.history.gz"
judge "... the history file whole again: OK" 0 "^WAL OK - newest 00000002.history: .* 8 of 8 segments from 000000010000000000000002 to 000000020000000000000009, timeline 2 " "timeline=2 segments_expected=8" \
	-- --base "s3://$B/base/b1.tar.gz" "s3://$B/tl"

aws s3 rm --quiet "s3://$B/tl/$(seg 2 5).gz"
judge "... the new timeline's switch segment deleted: CRITICAL, though timeline 1 has its number" 2 \
	"^WAL CRITICAL - segment 000000020000000000000005 is missing " \
	"first_missing=000000020000000000000005" -- --base "s3://$B/base/b1.tar.gz" "s3://$B/tl"
aws s3 rm --quiet "s3://$B/tl/00000002.history.gz"
judge "... its history file deleted: UNKNOWN, the timeline cannot be followed" 3 \
	"^WAL UNKNOWN - timeline 2 has segments but no history file s3://$B/tl/00000002.history.gz" "" \
	-- "s3://$B/tl"

# --- what cannot be judged is UNKNOWN, never OK
R2_SECRET_ACCESS_KEY=wrong check_exit 3 "a listing refused (a wrong secret): UNKNOWN" \
	stalecheck --wal "$W"
check_grep "... saying why in the Nagios line" "^WAL UNKNOWN - .*(credentials|signature)" "$T/out"
check_eq "... and once on stderr" 1 "$(wc -l <"$T/err")"
for fmt in json prometheus; do
	R2_SECRET_ACCESS_KEY=wrong run stalecheck --wal -f $fmt "$W"
	check_eq "... UNKNOWN in $fmt too" 3 "$RC$("$PY" "$T/fields.py" $fmt "$T/out" code=3 2>&1)"
done
check_exit 3 "no such bucket: UNKNOWN" stalecheck --wal s3://nosuchbucket-wal/wal
check_exit 3 "an empty prefix: UNKNOWN" stalecheck --wal "s3://$B/nothing/"
check_grep "... saying no WAL file is archived" "^WAL UNKNOWN - no WAL file is archived" "$T/out"
printf 'not a tar' | gzip >"$T/junk.gz"
r2put -q "s3://$B/other/junk.tar.gz" <"$T/junk.gz"
check_exit 3 "a base backup whose label cannot be read: UNKNOWN" \
	stalecheck --wal --base "s3://$B/other/" "$W"
check_grep "... naming it" "^WAL UNKNOWN - s3://$B/other/junk.tar.gz: cannot read the base backup's label" "$T/out"
check_exit 3 "a segment size that does not fit the label: UNKNOWN" \
	stalecheck --wal --segment-size 1M --base "s3://$B/base/b1.tar.gz" "$W"
check_grep "... asking whether --segment-size is right" "segment-size right" "$T/out"
check_exit 3 "a segment size that is no power of 2: usage, UNKNOWN" \
	stalecheck --wal --segment-size 3M "$W"
check_exit 3 "--base without --wal: usage, UNKNOWN" stalecheck --base "s3://$B/base/" "$W"
check_exit 3 "--glob with --wal: usage, UNKNOWN" stalecheck --wal -g '*.gz' "$W"

done_testing
