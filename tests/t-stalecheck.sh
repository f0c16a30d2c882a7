#!/usr/bin/env bash
# stalecheck judges synthetic r2ls listings as a monitoring system would
# run it: the exit status, the exact Nagios line with its perfdata, the JSON
# fields, and the Prometheus text parsed by a real parser.
. "$(dirname "$0")/lib.sh"

# The parser of the Prometheus client library; Debian installs it for the
# system interpreter, which need not be the first python3 on PATH.
PY=/usr/bin/python3
"$PY" -c 'import prometheus_client' 2>/dev/null ||
	{ not_ok "python3-prometheus-client is installed for $PY"; done_testing; exit; }

export TZ=UTC
NOW=2026-11-25T09:00:00Z
BASE=$(date -u -d 2026-11-25T03:00:00Z +%s)	# tonight's backup

# Prints EXPECT's fields wrong in a JSON or Prometheus answer, one a line.
cat >"$T/verify.py" <<'PY'
import json, sys
from prometheus_client.parser import text_string_to_metric_families

fmt, path, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
want = dict(a.split("=", 1) for a in sys.argv[4:])
text = open(path, encoding="utf-8").read()
got = {}
if fmt == "json":
    doc = json.loads(text)
    assert text.count("\n") == 1 and text.endswith("\n"), "one line"
    n = doc["newest"]
    got = {"status": doc["status"], "code": doc["code"], "count": doc["count"],
           "prefix": doc["prefix"], "problems": len(doc["problems"])}
    if n is None:
        got["newest"] = "none"
    else:
        got.update(key=n["key"], age=n["age_seconds"], size=n["size"],
                   checksum=str(n["checksum"]).lower(), mtime=n["last_modified"])
else:
    names = {"ok": "ok", "status": "code", "count": "count", "age_seconds": "age",
             "size_bytes": "size", "checksum_present": "checksum"}
    for fam in text_string_to_metric_families(text):
        assert fam.type == "gauge" and fam.documentation, fam.name + ": HELP and TYPE gauge"
        short = fam.name[len("drkit_backup_"):]
        for s in fam.samples:
            assert s.labels == {"prefix": prefix}, "labels %r" % s.labels
            got[names.get(short, short)] = int(s.value)
    if "age" not in got:
        got["newest"] = "none"
    if "checksum" in got:
        got["checksum"] = ["false", "true"][got["checksum"]]
    want = {k: v for k, v in want.items() if k not in ("status", "key", "mtime", "problems", "prefix")}
    want["ok"] = str(int(want.get("code") == "0"))
for k, v in want.items():
    if str(got.get(k)) != v:
        print("%s: want %s, got %r" % (k, v, got.get(k)))
PY

# line [EPOCH|LOCAL] SIZE KEY: one line of r2ls's default (aws s3 ls) output.
line() {
	local when=$1
	case $when in @*) when=$(date -d "$when" '+%F %T');; esac
	printf '%s %10s %s\n' "$when" "$2" "$3"
}

# nightly N SIZE [STEP]: N nightly backups with their sidecars, tonight's
# first, each older one STEP bytes smaller.
nightly() {
	local i
	for ((i = 0; i < $1; i++)); do
		local t=$((BASE - i * 86400)) d
		d=$(date -u -d "@$t" +%F)
		line "@$t" $(($2 - i * ${3:-0})) "db-$d.sql.gz"
		line "@$((t + 2))" 83 "db-$d.sql.gz.sha256"
	done
}

STATES=(OK WARNING CRITICAL UNKNOWN)

# verdict NAME STATUS "NAGIOS LINE" FIELDS [-- OPTIONS]: stalecheck with
# OPTIONS on $T/in exits STATUS, prints LINE (nagios), and the JSON and
# Prometheus answers hold FIELDS (code=.. count=.. age=.. size=..).
verdict() {
	local name=$1 status=$2 want=$3 fields=$4 fmt problems
	shift 4
	[ "${1:-}" = -- ] && shift
	check_exit "$status" "$name: exit $status" stalecheck --now "$NOW" "$@" <"$T/in"
	check_eq "$name: nagios line" "$want" "$(cat "$T/out")"
	for fmt in json prometheus; do
		run stalecheck --now "$NOW" --prefix "s3://b/db/" -f "$fmt" "$@" <"$T/in"
		problems=$("$PY" "$T/verify.py" "$fmt" "$T/out" "s3://b/db/" code="$status" \
			status="${STATES[$status]}" prefix=s3://b/db/ $fields 2>&1)
		[ "$RC" = "$status" ] || problems="exit $RC, want $status; $problems"
		check_eq "$name: $fmt" "" "$problems"
	done
}

# --- The table: one listing each, its verdict in every format. ---

nightly 8 52428800 1000 >"$T/in"
verdict "fresh" 0 \
	"BACKUP OK - newest db-2026-11-25.sql.gz: 6h old, 52428800 bytes, 8 backups | age=21600s;93600;172800;0 size=52428800B;;52428800:;0 count=8;1:;;0" \
	"count=8 age=21600 size=52428800 checksum=true key=db-2026-11-25.sql.gz mtime=2026-11-25T03:00:00Z problems=0" \
	-- --min-size 50M --require-checksum

NOW=2026-11-26T06:00:00Z verdict "stale: older than --warn-age (26h)" 1 \
	"BACKUP WARNING - older than 1d 2h; newest db-2026-11-25.sql.gz: 1d 3h old, 52428800 bytes, 8 backups | age=97200s;93600;172800;0 size=52428800B;;;0 count=8;1:;;0" \
	"count=8 age=97200 size=52428800 problems=1"

NOW=2026-11-27T04:00:00Z verdict "critical: older than --crit-age (48h)" 2 \
	"BACKUP CRITICAL - older than 2d; newest db-2026-11-25.sql.gz: 2d 1h old, 52428800 bytes, 8 backups | age=176400s;93600;172800;0 size=52428800B;;;0 count=8;1:;;0" \
	"count=8 age=176400 size=52428800 problems=1"

verdict "a shorter --warn-age and --crit-age in minutes" 1 \
	"BACKUP WARNING - older than 5h; newest db-2026-11-25.sql.gz: 6h old, 52428800 bytes, 8 backups | age=21600s;18000;25200;0 size=52428800B;;;0 count=8;1:;;0" \
	"count=8 age=21600" -- -w 300m -c 7h

{ nightly 8 52428800 | sed 1d; line @$BASE 1000 db-2026-11-25.sql.gz; } >"$T/in"
verdict "tiny: below --min-size (and shrunk)" 2 \
	"BACKUP CRITICAL - smaller than the minimum 50000000 bytes; shrunk to 0% of the median 52428800 bytes of the previous 7; newest db-2026-11-25.sql.gz: 6h old, 1000 bytes, 8 backups | age=21600s;93600;172800;0 size=1000B;;50000000:;0 count=8;1:;;0" \
	"count=8 size=1000 problems=2" -- --min-size 50MB

{ nightly 8 52428800 | sed 1d; line @$BASE 20971520 db-2026-11-25.sql.gz; } >"$T/in"
verdict "shrunk: below half the median of the previous 7" 2 \
	"BACKUP CRITICAL - shrunk to 40% of the median 52428800 bytes of the previous 7; newest db-2026-11-25.sql.gz: 6h old, 20971520 bytes, 8 backups | age=21600s;93600;172800;0 size=20971520B;;;0 count=8;1:;;0" \
	"count=8 size=20971520 problems=1"
verdict "shrunk, but --shrink 30% allows it" 0 \
	"BACKUP OK - newest db-2026-11-25.sql.gz: 6h old, 20971520 bytes, 8 backups | age=21600s;93600;172800;0 size=20971520B;;;0 count=8;1:;;0" \
	"count=8 size=20971520 problems=0" -- --shrink 30%
verdict "shrunk, but --shrink 0 turns the check off" 0 \
	"BACKUP OK - newest db-2026-11-25.sql.gz: 6h old, 20971520 bytes, 8 backups | age=21600s;93600;172800;0 size=20971520B;;;0 count=8;1:;;0" \
	"count=8 problems=0" -- --shrink 0

# The median of the previous 3 is 10 MiB although older ones were 50 MiB:
# --history bounds what "usual" means.
{ nightly 8 52428800 | sed -n '9,$p'; for i in 1 2 3; do line @$((BASE - i * 86400)) 10485760 "db-$i.sql.gz"; done
  line @$BASE 6291456 db-2026-11-25.sql.gz; } >"$T/in"
verdict "--history 3: the median of the 3 before" 0 \
	"BACKUP OK - newest db-2026-11-25.sql.gz: 6h old, 6291456 bytes, 8 backups | age=21600s;93600;172800;0 size=6291456B;;;0 count=8;1:;;0" \
	"count=8 size=6291456 problems=0" -- --history 3
verdict "--history 7 remembers the 50 MiB ones" 2 \
	"BACKUP CRITICAL - shrunk to 12% of the median 52428800 bytes of the previous 7; newest db-2026-11-25.sql.gz: 6h old, 6291456 bytes, 8 backups | age=21600s;93600;172800;0 size=6291456B;;;0 count=8;1:;;0" \
	"count=8 size=6291456 problems=1"

nightly 3 52428800 | sed 2d >"$T/in"
verdict "no sidecar, --require-checksum" 2 \
	"BACKUP CRITICAL - no .sha256 sidecar; newest db-2026-11-25.sql.gz: 6h old, 52428800 bytes, 3 backups | age=21600s;93600;172800;0 size=52428800B;;;0 count=3;1:;;0" \
	"count=3 checksum=false problems=1" -- --require-checksum
verdict "no sidecar, not required" 0 \
	"BACKUP OK - newest db-2026-11-25.sql.gz: 6h old, 52428800 bytes, 3 backups | age=21600s;93600;172800;0 size=52428800B;;;0 count=3;1:;;0" \
	"count=3 checksum=false problems=0"
verdict "fewer than --min-count" 1 \
	"BACKUP WARNING - only 3 backups (want 7); newest db-2026-11-25.sql.gz: 6h old, 52428800 bytes, 3 backups | age=21600s;93600;172800;0 size=52428800B;;;0 count=3;7:;;0" \
	"count=3 problems=1" -- --min-count 7

: >"$T/in"
verdict "empty listing" 3 \
	"BACKUP UNKNOWN - no backup matches: the listing is empty (did the listing fail, or is the prefix wrong?) | count=0;1:;;0" \
	"count=0 newest=none problems=1"
check_grep "empty listing: the reason on stderr too" '^stalecheck: no backup matches: the listing is empty' "$T/err"

printf '                           PRE db/\n                           PRE wal/\n' >"$T/in"
verdict "only PRE lines: say --recursive" 3 \
	"BACKUP UNKNOWN - no backup matches: the listing holds only 2 PRE lines (list with --recursive) | count=0;1:;;0" \
	"count=0 newest=none"

{ nightly 2 52428800; line @$BASE 2048 globals.sql; } >"$T/in"
verdict "--glob picks the dumps among other files" 0 \
	"BACKUP OK - newest db-2026-11-25.sql.gz: 6h old, 52428800 bytes, 2 backups | age=21600s;93600;172800;0 size=52428800B;;;0 count=2;1:;;0" \
	"count=2 key=db-2026-11-25.sql.gz" -- --glob 'db-*.sql.gz'
verdict "--glob that matches nothing" 3 \
	"BACKUP UNKNOWN - no backup matches '*.dump' among 5 objects | count=0;1:;;0" \
	"count=0 newest=none" -- -g '*.dump'
line @$BASE 83 x.sql.gz.sha256 >"$T/in"
verdict "sidecars alone are no backup" 3 \
	"BACKUP UNKNOWN - no backup matches: all 1 objects are .sha256 sidecars | count=0;1:;;0" \
	"count=0 newest=none"

{ nightly 2 52428800; echo 'upload: ./db.sql.gz to s3://b/db.sql.gz'; } >"$T/in"
verdict "garbage input: which line" 3 \
	"BACKUP UNKNOWN - standard input line 5: not r2ls output (want 'DATE TIME SIZE KEY', 'RFC3339 SIZE KEY' or an --ndjson object): 'upload: ./db.sql.gz to s3://b/db.sql.gz'" \
	"newest=none problems=1"
check_grep "garbage input: stderr names the line" '^stalecheck: standard input line 5: not r2ls output' "$T/err"
{ nightly 2 52428800; printf '\nTotal Objects: 5\n   Total Size: 104857766\n'; } >"$T/in"
verdict "a --summarize count that disagrees: the listing was cut short" 3 \
	"BACKUP UNKNOWN - standard input says Total Objects: 5 but lists 4: the listing is incomplete" \
	"newest=none"
{ nightly 2 52428800; printf '\nTotal Objects: 4\n   Total Size: 104857766\n'; } >"$T/in"
verdict "a --summarize count that agrees" 0 \
	"BACKUP OK - newest db-2026-11-25.sql.gz: 6h old, 52428800 bytes, 2 backups | age=21600s;93600;172800;0 size=52428800B;;;0 count=2;1:;;0" \
	"count=2"

{ line @$((BASE - 86400)) 52428800 'nightly dump 2026-11-24.sql.gz'
  line @$BASE 52428801 ' nightly dump 2026-11-25.sql.gz '
  line @$((BASE + 1)) 83 ' nightly dump 2026-11-25.sql.gz .sha256'
  line @$((BASE - 3600)) 52428800 'odd|key\nwith a newline.sql.gz'; } >"$T/in"
verdict "keys with spaces (leading and trailing too)" 0 \
	"BACKUP OK - newest  nightly dump 2026-11-25.sql.gz : 6h old, 52428801 bytes, 3 backups | age=21600s;93600;172800;0 size=52428801B;;;0 count=3;1:;;0" \
	"count=3 checksum=true size=52428801" -- --require-checksum
verdict "a '|' or newline in a key never breaks the plugin line" 0 \
	"BACKUP OK - newest odd\\x7ckey\\nwith a newline.sql.gz: 7h old, 52428800 bytes, 1 backup | age=25200s;93600;172800;0 size=52428800B;;;0 count=1;1:;;0" \
	"count=1 size=52428800" -- --glob 'odd*'
run stalecheck --now "$NOW" -f json --glob 'odd*' <"$T/in"
check_eq "the JSON key is the real key, newline and all" "odd|key
with a newline.sql.gz" "$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["newest"]["key"])' <"$T/out")"

{ nightly 3 52428800; line @$((BASE + 8 * 3600)) 52428800 db-2026-11-25-late.sql.gz; } >"$T/in"
verdict "dated 2h in the future: clock skew is WARNING, not OK" 1 \
	"BACKUP WARNING - dated 2h in the future (clock skew?); newest db-2026-11-25-late.sql.gz: 2h in the future, 52428800 bytes, 4 backups | age=-7200s;93600;172800;0 size=52428800B;;;0 count=4;1:;;0" \
	"count=4 age=-7200 problems=1"
NOW=2026-11-25T10:58:00Z verdict "2 minutes ahead is within --max-skew (5m)" 0 \
	"BACKUP OK - newest db-2026-11-25-late.sql.gz: 2m in the future, 52428800 bytes, 4 backups | age=-120s;93600;172800;0 size=52428800B;;;0 count=4;1:;;0" \
	"count=4 age=-120"
NOW=2026-11-25T10:58:00Z verdict "--max-skew 0: any future date is WARNING" 1 \
	"BACKUP WARNING - dated 2m in the future (clock skew?); newest db-2026-11-25-late.sql.gz: 2m in the future, 52428800 bytes, 4 backups | age=-120s;93600;172800;0 size=52428800B;;;0 count=4;1:;;0" \
	"count=4 age=-120" -- --max-skew 0

# --- The same listing in r2ls's three formats gives the same verdict. ---

nightly 8 52428800 1000 >"$T/aws"
TZ=America/New_York; export TZ
nightly 8 52428800 1000 >"$T/aws-ny"
TZ=UTC
while read -r d t size key; do
	printf '%sT%sZ %10s %s\n' "$d" "$t" "$size" "$key"
done <"$T/aws" >"$T/rfc3339"
while read -r d t size key; do
	printf '{"key":"%s","size":%s,"last_modified":"%sT%sZ","etag":"\\"%032d\\""}\n' "$key" "$size" "$d" "$t" 0
done <"$T/aws" >"$T/ndjson"
# r2ls --ndjson also prints common prefixes and --summarize's totals.
printf '{"prefix":"db/old/"}\n{"total_objects":16,"total_size":419430832}\n' >>"$T/ndjson"
run stalecheck --now "$NOW" --min-size 50M <"$T/aws"
want=$(cat "$T/out")
for f in rfc3339 ndjson; do
	cp "$T/$f" "$T/in"
	verdict "r2ls --$f: the same verdict" 0 "$want" \
		"count=8 age=21600 size=52428800 checksum=true mtime=2026-11-25T03:00:00Z" -- --min-size 50M
done
cp "$T/aws-ny" "$T/in"
TZ=America/New_York verdict "aws-style listing made and read in New York" 0 "$want" \
	"count=8 age=21600 mtime=2026-11-25T03:00:00Z" -- --min-size 50M
TZ=America/New_York verdict "--rfc3339 is UTC whatever TZ says" 0 "$want" "count=8" -- --min-size 50M <"$T/rfc3339"
head -c 300 "$T/aws-ny" >"$T/in"
check_grep "the New York listing is in local time" '^2026-11-24 22:00:00 ' "$T/in"

# --- Daylight saving time: the local aws-style times of a DST change day. ---

# Berlin falls back on 25 Oct 2026: 01:30 CEST (23:30Z) to 12:00 CET (11:00Z)
# is 11h30m, not the 10h30m the wall clocks differ by.
line '2026-10-25 01:30:00' 52428800 db.sql.gz >"$T/in"
TZ=Europe/Berlin NOW='2026-10-25 12:00:00' verdict "DST ends (Berlin): 11h30m old, WARNING at 11h" 1 \
	"BACKUP WARNING - older than 11h; newest db.sql.gz: 11h 30m old, 52428800 bytes, 1 backup | age=41400s;39600;172800;0 size=52428800B;;;0 count=1;1:;;0" \
	"age=41400 mtime=2026-10-24T23:30:00Z" -- --warn-age 11h
# New York springs forward on 8 Mar 2026: 23:00 EST to 23:00 EDT the next
# day is 23h, not 24h.
line '2026-03-07 23:00:00' 52428800 db.sql.gz >"$T/in"
TZ=America/New_York NOW='2026-03-08 23:00:00' verdict "DST begins (New York): 23h old, OK at 23h30m" 0 \
	"BACKUP OK - newest db.sql.gz: 23h old, 52428800 bytes, 1 backup | age=82800s;84600;172800;0 size=52428800B;;;0 count=1;1:;;0" \
	"age=82800 mtime=2026-03-08T04:00:00Z" -- --warn-age 23h30m
line '2026-03-08 02:30:00' 52428800 db.sql.gz >"$T/in"
TZ=America/New_York check_exit 3 "a local time the zone skipped is UNKNOWN (wrong TZ?)" \
	stalecheck --now '2026-03-08 12:00:00' <"$T/in"
check_grep "... and says so" "does not exist in the local time zone" "$T/out"

# --- --now, options and usage: usage errors are UNKNOWN (3), as plugins do. ---

nightly 2 52428800 >"$T/in"
for now in @1795597200 2026-11-25T09:00:00Z 2026-11-25T10:00:00+01:00 '2026-11-25 09:00:00'; do
	run stalecheck --now "$now" <"$T/in"
	check_eq "--now '$now'" "BACKUP OK - newest db-2026-11-25.sql.gz: 6h old, 52428800 bytes, 2 backups | age=21600s;93600;172800;0 size=52428800B;;;0 count=2;1:;;0" "$(cat "$T/out")"
done
for bad in '--bogus' '-w 5x' '--crit-age' '--min-size 50m' '--shrink 150%' '--history x' \
    '--min-count -1' '--now yesterday' '--format xml' '-w 3d -c 2d' 's3://b/db/'; do
	check_exit 3 "usage error '$bad' exits 3 (UNKNOWN)" stalecheck $bad <"$T/in"
	check_eq "usage error '$bad': one line on stderr" "1" "$(grep -c '^stalecheck: ' "$T/err")"
	check_eq "usage error '$bad': one line in all" "1" "$(wc -l <"$T/err")"
done
# What bash completion offers after "stalecheck WORDS... ''".
complete_bash() {
	bash -c '. "$1"; shift; COMP_WORDS=(stalecheck "$@" ""); COMP_CWORD=$(($# + 1))
		_stalecheck; printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/bash/stalecheck" "$@"
}
complete_bash >"$T/bash-opts"
complete_bash --format >"$T/bash-formats"
check_eq "bash completion offers the formats" "nagios json prometheus" "$(echo $(cat "$T/bash-formats"))"
check "zsh loads its completion" zsh -n "$TOP/completions/zsh/_stalecheck"
check_exit 0 "--help exits 0" stalecheck --help
check_grep "--help names every option" '--require-checksum' "$T/out"
for opt in --glob --warn-age --crit-age --max-skew --min-size --shrink --history --require-checksum \
    --min-count --format --prefix --now --help --version -g -w -c -s -f -h; do
	check_grep "--help has $opt" "^ *(-[a-z], )?$opt" "$T/out"
	case $opt in
	--*) man_re="^\.It .*Fl -${opt#--}( |\$)";;
	*) man_re="^\.It Fl ${opt#-} ";;
	esac
	check_grep "the man page has $opt" "$man_re" "$TOP/man/stalecheck.1"
	check_grep "bash completion offers $opt" "^$opt\$" "$T/bash-opts"
	check_grep "zsh completion offers $opt" "$opt([]=[,}'+]|\$)" "$TOP/completions/zsh/_stalecheck"
done
check_exit 0 "--version exits 0" stalecheck --version
check_grep "--version names drkit" '^stalecheck \(drkit\) ' "$T/out"
check "the man page is clean for mandoc -Tlint" test -z "$(mandoc -Tlint -Wwarning "$TOP/man/stalecheck.1" 2>&1)"

done_testing
