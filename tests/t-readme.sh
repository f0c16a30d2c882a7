#!/usr/bin/env bash
# README.md's session runs as written: every ```sh block, in order, in one
# shell, against the test servers, with the bucket my-backups and the
# database shop renamed to this test's own; each block must exit 0 and leave
# what it claims (an object and its sidecar, a restored database, ...).
. "$(dirname "$0")/lib.sh"
need_s3
need_pg

B=readme-$$
DB=rdm_shop
new_bucket "$B" || exit 1

check_grep "README names make demo" 'make demo' "$TOP/README.md"
check_grep "README names make check" 'make check' "$TOP/README.md"
for m in "$TOP"/man/*.[17]; do
	check_grep "README links ${m##*/}" "\]\(man/${m##*/}\)" "$TOP/README.md"
done

# A small shop: the older backups hold 1000 orders, tonight's 1500, so that
# a restore shows which one it came from.
sql() { psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
createdb "$DB" && psql -X -q -v ON_ERROR_STOP=1 -d "$DB" <<'EOF' || { not_ok "create the shop"; exit 1; }
CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id integer PRIMARY KEY, user_id integer NOT NULL REFERENCES users,
                     total_cents bigint NOT NULL);
CREATE TABLE payments (id integer PRIMARY KEY, order_id integer NOT NULL REFERENCES orders,
                       amount_cents bigint NOT NULL);
INSERT INTO users SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 100) i;
INSERT INTO orders SELECT i, 1 + i % 100, i * 7 FROM generate_series(1, 1000) i;
INSERT INTO payments SELECT i, i, i * 7 FROM generate_series(1, 1000) i;
EOF

# Earlier nights, dated back in the test server's store (it reports a file's
# mtime as LastModified): one inside the retention window, one outside.
old_backup() {
	local k; k=backups/${DB}_backup_$(date -u -d "$1 days ago" +%Y%m%d_%H%M%S).sql.gz
	pg_dump "$DB" | gzip | r2put -q --verify pgdump "s3://$B/$k" &&
	touch -d "$1 days ago" "$S3_DATA/$B/$k._S3rver_object" "$S3_DATA/$B/$k.sha256._S3rver_object" &&
	echo "$k"
}
ANCIENT=$(old_backup 40) && RECENT=$(old_backup 3) || { not_ok "make the older backups"; exit 1; }
sql "$DB" "INSERT INTO orders SELECT i, 1 + i % 100, i * 7 FROM generate_series(1001, 1500) i" >/dev/null

# The ```sh blocks, renamed to this test's bucket and database.
awk -v dir="$T" '
	/^```sh$/ { n++; f = dir "/block." n; inblock = 1; next }
	/^```/ { inblock = 0; next }
	inblock { print > f }
	END { print n > (dir "/blocks") }' "$TOP/README.md"
NBLOCKS=$(cat "$T/blocks")
check_eq "README has its seven session blocks" 7 "$NBLOCKS"

# One shell for the whole session, so that KEY set in the first block is
# there in the next; an ERR trap records every command that failed.
mkdir "$T/work"
{
	echo 'cd "$1"'
	for i in $(seq 1 "$NBLOCKS"); do
		echo "trap 'echo \"\$BASH_COMMAND\" >>$T/failed.$i' ERR"
		echo "{"
		sed "s/my-backups/$B/g; s/shop/$DB/g" "$T/block.$i"
		echo "} >$T/out.$i 2>$T/err.$i"
		echo "trap - ERR"
	done
	echo 'echo "$KEY" >'"$T/key"
} >"$T/session.sh"
bash "$T/session.sh" "$T/work" </dev/null

block_ok() {	# block_ok N NAME: block N ran without a failing command
	if [ ! -e "$T/failed.$1" ] && [ -e "$T/out.$1" ]; then ok "README block $1 ($2) runs"
	else not_ok "README block $1 ($2) runs" "failed: $(cat "$T/failed.$1" 2>/dev/null)" \
		"$(head -c 1500 "$T/err.$1" 2>/dev/null)"; fi
}

KEY=$(cat "$T/key")
block_ok 1 "nightly backup"
check_grep "the backup's key is named as the runbook names them" \
	"^s3://$B/backups/${DB}_backup_[0-9]{8}_[0-9]{6}\.sql\.gz\$" "$T/key"
check_grep "the sidecar holds the checksum" "^[0-9a-f]{64}  ${DB}_backup_.*\.sql\.gz\$" "$T/out.1"
check_eq "the sidecar's checksum is the object's" \
	"$(cut -d' ' -f1 "$T/out.1")" "$(r2get "$KEY" | sha256sum | cut -d' ' -f1)"

block_ok 2 "weekly checklist"
check_grep "the checklist lists tonight's backup" " ${KEY##*/}\$" "$T/out.2"
check_grep "stalecheck says the newest backup is OK" "^BACKUP OK" "$T/out.2"

block_ok 3 "Scenario 1"
check_grep "Scenario 1 restored tonight's 1500 orders" '^1500$' "$T/out.3"
check_eq "${DB}_recovery holds the source's payments sum" \
	"$(sql "$DB" 'SELECT sum(amount_cents) FROM payments')" \
	"$(sql "${DB}_recovery" 'SELECT sum(amount_cents) FROM payments' 2>&1)"

block_ok 4 "Scenario 2"
check_grep "Scenario 2 kept the previous database" "^${DB}_before_[0-9]{8}T[0-9]{6}Z\$" "$T/out.4"
check_eq "the replaced $DB holds 1500 orders" 1500 "$(sql "$DB" 'SELECT count(*) FROM orders' 2>&1)"

block_ok 5 "Scenario 3"
check_eq "Scenario 3 restored the older backup's 1000 orders" 1000 \
	"$(sql "${DB}_older" 'SELECT count(*) FROM orders' 2>&1)"

block_ok 6 "retention"
check_grep "the dry run names the backup outside the window" "${ANCIENT##*/}" "$T/out.6"
r2ls -r "s3://$B/backups/" >"$T/left"
check_eq "retention removed the backup outside the window and its sidecar" "" \
	"$(grep -F "${ANCIENT##*/}" "$T/left")"
check_eq "retention kept the others and their sidecars" 4 \
	"$(grep -cE "(${RECENT##*/}|${KEY##*/})(\.sha256)?\$" "$T/left")"

block_ok 7 "sha256sum-r2 -c"
check_grep "the download matches its recorded checksum" "^${KEY##*/}: OK\$" "$T/out.7"

for d in recovery older; do sql postgres "DROP DATABASE IF EXISTS ${DB}_$d" >/dev/null; done
sql postgres "SELECT datname FROM pg_database WHERE datname LIKE '${DB}%'" |
	while read -r d; do sql postgres "DROP DATABASE \"$d\"" >/dev/null; done
done_testing
