#!/usr/bin/env bash
# pgrestore-stream's memory does not grow with the dump: a 2 GiB dump,
# generated on the fly through a pipe, restores in under 32 MiB resident
# (the release build; ASan's shadow memory would dominate).
. "$(dirname "$0")/lib.sh"
need_pg

BIG=pgr_$$_big MB=2048
PR=${DRKIT_RELEASE_BIN:-$TOP/build/bin}/pgrestore-stream
python3 "$TOP/tests/pgrestore-bigdump.py" "$MB" 2>"$T/rows" |
	/usr/bin/time -v "$PR" -q --create --report -d "$BIG" >"$T/report" 2>"$T/time"
rc=${PIPESTATUS[1]}
check_eq "a ${MB} MB dump restores from a pipe" 0 "$rc"
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time")
check "peak RSS ${rss:-?} KiB is under 32 MiB" test "${rss:-999999}" -lt 32768
check_eq "every row arrived" "$BIG	public.big	$(cat "$T/rows")	$(cat "$T/rows")" "$(grep public.big "$T/report")"
psql -Xq -c "DROP DATABASE IF EXISTS $BIG"
done_testing
