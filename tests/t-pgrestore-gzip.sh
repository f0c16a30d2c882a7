#!/usr/bin/env bash
# One gzip reader: pgrestore-stream reads a gzipped dump through the same
# code as gzverify, so that every stream one accepts the other accepts and
# every stream one refuses the other refuses. A backup tarred onto tape
# (zero padding after the last member) restores.
. "$(dirname "$0")/lib.sh"
need_pg

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

SRC=pgz_$$_src TGT=pgz_$$_tgt
q -c "CREATE DATABASE $SRC" -c "CREATE DATABASE $TGT"
q -d "$SRC" -f "$TOP/tests/pgrestore-fixture.sql" >/dev/null
pg_dump "$SRC" | tee "$T/dump.sql" | gzip -n >"$T/dump.sql.gz"
size=$(stat -c %s "$T/dump.sql.gz")
half=$(( $(wc -l <"$T/dump.sql") / 2 ))

# The cases: whole, padded, several members, garbage, cut, corrupt.
C=$T/cases
mkdir "$C"
cp "$T/dump.sql.gz" "$C/whole"
{ cat "$T/dump.sql.gz"; head -c 512 /dev/zero; } >"$C/zero-padded-512"
{ cat "$T/dump.sql.gz"; head -c 10240 /dev/zero; } >"$C/zero-padded-10240"
{ head -n "$half" "$T/dump.sql" | gzip -1; tail -n +"$((half + 1))" "$T/dump.sql" | gzip -9; } >"$C/two-members"
{ cat "$T/dump.sql.gz"; printf "" | gzip -c; } >"$C/empty-last-member"
{ cat "$T/dump.sql.gz"; head -c 512 /dev/zero; printf "" | gzip -c; } >"$C/member-after-padding"
{ cat "$T/dump.sql.gz"; echo junk; } >"$C/garbage"
{ cat "$T/dump.sql.gz"; head -c 512 /dev/zero; echo junk; } >"$C/garbage-after-padding"
{ cat "$T/dump.sql.gz"; printf '\037\213'; } >"$C/cut-second-header"
{ cat "$T/dump.sql.gz"; printf '\037'; } >"$C/lone-1f"
for off in 2 10 100 $((size / 3)) $((size / 2)) $((size - 8)) $((size - 4)) $((size - 1)); do
	head -c "$off" "$T/dump.sql.gz" >"$C/cut-at-$off"
done
for off in 3 20 $((size / 2)) $((size - 6)) $((size - 2)); do
	cp "$T/dump.sql.gz" "$C/flip-at-$off"
	byte=$(od -An -tu1 -j "$off" -N1 "$C/flip-at-$off" | tr -d ' ')
	printf "$(printf '\\%03o' $(( (byte ^ 0x55) & 255 )))" |
		dd of="$C/flip-at-$off" bs=1 seek="$off" conv=notrunc status=none
done

disagree=() good=0 bad=0
for f in "$C"/*; do
	gzverify -t <"$f" 2>/dev/null; g=$?
	env PGHOST=/nonexistent pgrestore-stream --check <"$f" >/dev/null 2>&1; p=$?
	[ "$g" = "$p" ] || disagree+=("$(basename "$f"): gzverify -t $g, pgrestore-stream --check $p")
	if [ "$g" = 0 ]; then good=$((good + 1)); else bad=$((bad + 1)); fi
done
check_eq "$((good + bad)) streams ($good good, $bad bad): gzverify -t and pgrestore-stream --check exit alike" \
	"" "$(printf '%s\n' "${disagree[@]}")"
check_eq "the good ones are the whole, padded and multi-member streams" 5 "$good"

check_exit 0 "a dump followed by 512 zero bytes restores" pgrestore-stream -d "$TGT" <"$C/zero-padded-512"
check_eq "every row of it" 200 "$(psql -XAtd "$TGT" -c 'SELECT count(*) FROM public.child')"
q -c "DROP DATABASE $TGT" && q -c "CREATE DATABASE $TGT"
check_exit 1 "a dump followed by garbage: exit 1" pgrestore-stream -d "$TGT" <"$C/garbage"
check_grep "the message says where the garbage starts" \
	"gzip input is corrupt: trailing garbage at byte offset $size after member 1" "$T/err"
check_eq "and nothing was restored" 0 \
	"$(psql -XAtd "$TGT" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
check_exit 1 "a cut stream: exit 1" pgrestore-stream --check <"$C/cut-at-$((size - 4))"
check_grep "the message names the member and the offset" \
	"gzip input is truncated: member 1, byte offset $((size - 4)): unexpected end of input" "$T/err"
check_exit 1 "a CRC error: exit 1" pgrestore-stream --check <"$C/flip-at-$((size - 6))"
check_grep "the message says CRC mismatch" "gzip input is corrupt: member 1, byte offset $((size - 8)): CRC mismatch" "$T/err"

q -c "DROP DATABASE $SRC" -c "DROP DATABASE $TGT"
done_testing
