#!/usr/bin/env bash
# pgrestore-stream restores dumps taken in a client-only encoding (SJIS,
# BIG5, GBK, GB18030) with standard_conforming_strings off, as psql does:
# there the second byte of 表 (0x95 0x5C in SJIS) looks like a backslash
# and is none. Each dump is restored by psql and by pgrestore-stream into
# UTF8 databases, and the rows, comments and function bodies compared.
. "$(dirname "$0")/lib.sh"
need_pg

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
n=0
newdb() { n=$((n + 1)); DB=pge_$$_$n; q -c "CREATE DATABASE $DB ENCODING 'UTF8' TEMPLATE template0"; }
# What a restore left: every row, the comments, the function's body.
content() {
	psql -XAtd "$1" -c "SELECT id, txt, \"列表\" FROM public.kanji ORDER BY id" \
		-c "SELECT obj_description('public.kanji'::regclass), col_description('public.kanji'::regclass, 2), col_description('public.kanji'::regclass, 3)" \
		-c "SELECT public.hyou()"
}

newdb; SRC=$DB
q -d "$SRC" <<'SQL'
CREATE TABLE public.kanji (id int PRIMARY KEY, txt text, "列表" text);
-- 表 is 0x95 0x5C in SJIS, 功 0xA5 0x5C in BIG5, 誠 0xD5 0x5C in GBK and GB18030.
INSERT INTO public.kanji VALUES
	(1, '表', '功'), (2, '予算', '誠'), (3, 'a\b', '十\'), (4, '功''s', E'誠\n枯'),
	(5, '暴', '診'), (6, '\', '謀;');
-- Comments that end in each: a scanner that reads 0x5C as a backslash
-- reads on past the closing quote.
COMMENT ON TABLE public.kanji IS 'list: 表';
COMMENT ON COLUMN public.kanji.txt IS '診\功';
COMMENT ON COLUMN public.kanji."列表" IS '謀誠';
CREATE FUNCTION public.hyou() RETURNS text LANGUAGE sql AS $$ SELECT '表' || E'\\' $$;
SQL
content "$SRC" >"$T/source"
check_grep "the source holds 表" '^1\|表\|功$' "$T/source"

# restores NAME DUMPFILE: psql and pgrestore-stream restore it alike, and
# as the source was.
restores() {
	local name=$1 file=$2 viapsql viaus
	newdb; viapsql=$DB
	newdb; viaus=$DB
	check "$name: psql restores it" q -1 -d "$viapsql" -f "$file"
	check_exit 0 "$name: pgrestore-stream restores it" pgrestore-stream -d "$viaus" <"$file"
	content "$viapsql" >"$T/psql.out"
	content "$viaus" >"$T/ours.out"
	check_cmp "$name: the same rows, comments and function as psql's restore" "$T/psql.out" "$T/ours.out"
	check_cmp "$name: the same as the source" "$T/source" "$T/ours.out"
	check_exit 0 "$name: --check agrees" pgrestore-stream --check <"$file"
}

for enc in SJIS BIG5 GBK GB18030; do
	PGOPTIONS='-c standard_conforming_strings=off' pg_dump -E "$enc" "$SRC" >"$T/$enc.sql"
	check_grep "$enc: the dump says standard_conforming_strings = off" \
		"^SET standard_conforming_strings = off;$" "$T/$enc.sql"
	restores "$enc dump, COPY data" "$T/$enc.sql"
	PGOPTIONS='-c standard_conforming_strings=off' pg_dump -E "$enc" --inserts "$SRC" >"$T/$enc-ins.sql"
	restores "$enc dump, INSERT statements" "$T/$enc-ins.sql"
done
check "the SJIS dump holds 0x95 0x5C in an INSERT" \
	env LC_ALL=C grep -qF $'VALUES (1, \'\x95\\\', ' "$T/SJIS-ins.sql"
check "and in a COMMENT" \
	env LC_ALL=C grep -qF $'COMMENT ON TABLE public.kanji IS \'list: \x95\\\';' "$T/SJIS-ins.sql"
check "the GBK dump holds 0xD5 0x5C in its COPY data" \
	env LC_ALL=C grep -qF $'\xd5\\' "$T/GBK.sql"

q -c "DROP DATABASE $SRC"
for i in $(seq 2 "$n"); do q -c "DROP DATABASE IF EXISTS pge_$$_$i"; done
done_testing
