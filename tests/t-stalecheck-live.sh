#!/usr/bin/env bash
# stalecheck against real objects: backups uploaded by r2put, judged from
# r2ls's output and by listing the prefix itself; the answers must agree.
. "$(dirname "$0")/lib.sh"
need_s3
B=live-stale
new_bucket $B || exit 1
P=s3://$B/backups/

for day in 1 2 3; do
	head -c $((200000 + day * 1000)) /dev/urandom | gzip -1 >"$T/dump$day.gz"
	r2put -q "${P}shop_backup_2026112${day}_020000.sql.gz" <"$T/dump$day.gz" ||
		not_ok "upload backup $day"
done
NOW=@$(($(date +%s) + 60))
OPTS=(--now "$NOW" --require-checksum --min-size 100K --prefix "$P")

for fmt in nagios json prometheus; do
	r2ls -r "$P" | stalecheck "${OPTS[@]}" -f $fmt >"$T/piped.$fmt"
	piped=$?
	stalecheck "${OPTS[@]}" -f $fmt "$P" >"$T/listed.$fmt"
	listed=$?
	check_eq "$fmt: r2ls | stalecheck says OK" 0 "$piped"
	check_eq "$fmt: stalecheck $P says OK" 0 "$listed"
	# The aws-style listing carries no ETag; everything else must agree.
	sed -i 's/"etag":[^,]*,//' "$T/piped.$fmt" "$T/listed.$fmt"
	check_cmp "$fmt: both ways print the same" "$T/piped.$fmt" "$T/listed.$fmt"
done
check_grep "the nagios line names the newest backup" \
	'^BACKUP OK - .*shop_backup_20261123_020000\.sql\.gz.*3 backups \| age=' "$T/listed.nagios"

for form in --ndjson --rfc3339; do
	r2ls -r $form "$P" | stalecheck "${OPTS[@]}" >"$T/form.out"
	check_cmp "r2ls $form | stalecheck answers as the default format" "$T/listed.nagios" "$T/form.out"
done

PY=python3
$PY -c 'import prometheus_client' 2>/dev/null || PY=/usr/bin/python3
check "the prometheus output parses with prometheus_client" $PY -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
ok = fams["drkit_backup_status"].samples[0]
assert ok.value == 0, ok
assert ok.labels["prefix"] == sys.argv[2], ok.labels
size = fams["drkit_backup_size_bytes"].samples[0].value
assert size == int(sys.argv[3]), (size, sys.argv[3])
' "$T/listed.prometheus" "$P" "$(stat -c %s "$T/dump3.gz")"

r2rm -q "${P}shop_backup_20261123_020000.sql.gz.sha256"
check_exit 2 "the newest backup's sidecar removed: CRITICAL" stalecheck "${OPTS[@]}" "$P"
check_grep "the CRITICAL line says the sidecar is missing" 'CRITICAL.*sha256' "$T/out"

check_exit 3 "a prefix with no backup: UNKNOWN" stalecheck --now "$NOW" "s3://$B/nothing-here/"
check_exit 3 "a missing bucket: UNKNOWN" stalecheck "s3://no-such-bucket-$$/x/"
check_grep "it names the bucket" 'no such bucket' "$T/err"
R2_SECRET_ACCESS_KEY=wrong check_exit 3 "a wrong secret: UNKNOWN" stalecheck "$P"
check_grep "it says the credentials were refused" 'credentials refused.*R2_SECRET_ACCESS_KEY' "$T/err"

done_testing
