#!/usr/bin/env bash
# Keys, ETags and a server's words are strings from outside: on their way
# to a terminal or a message they are escaped, so that a key cannot clear
# the screen, retitle the window or split one name into two lines; the
# machine formats (r2ls -0, --ndjson) stay exact. The family: every C0
# control, DEL, every C1 control as UTF-8, and bytes that are not UTF-8.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
need_s3
B=terminal
new_bucket "$B" || exit 1

# The test server writes keys into its listings raw, where XML allows no C0
# control but tab and newline: r2ls meets those, C1 and DEL; r2rm and the
# messages meet the whole family.
python3 - "$T/keys" "$T/all" <<'PY'
import sys
listable = [b"c0-%02x-" % c + bytes([c]) + b"end" for c in (0x09, 0x0a, 0x7f)]
listable += [b"c1-%02x-" % c + bytes([0xc2, c]) + b"end" for c in range(0x80, 0xa0)]
others = [b"c0-%02x-" % c + bytes([c]) + b"end" for c in range(1, 32) if c not in (0x09, 0x0a)]
others += [b"bad-%02x-" % c + bytes([c]) + b"end" for c in (0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xfe, 0xff)]
others += [b"cut-\xe2\x82end", b"surrogate-\xed\xa0\x80end", b"esc-\x1b]0;title\x07end"]
open(sys.argv[1], "wb").write(b"".join(b"odd/" + k + b"\0" for k in listable))
open(sys.argv[2], "wb").write(b"".join(b"odd/" + k + b"\0" for k in listable + others))
PY
nkeys=$(tr -cd '\0' <"$T/keys" | wc -c)
nall=$(tr -cd '\0' <"$T/all" | wc -c)
put_keys "$B" 3 <"$T/keys"

# raw FILE: how many bytes a terminal would act on or choke on.
raw() {
	python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
bad = sum(1 for b in data if (b < 0x20 and b != 0x0a) or b == 0x7f)
try:
    text = data.decode("utf-8")
    bad += sum(1 for ch in text if 0x80 <= ord(ch) <= 0x9f)
except UnicodeDecodeError:
    bad += 1
print(bad)
PY
}

check_exit 0 "r2ls lists the odd keys" r2ls s3://$B/odd/
check_eq "r2ls prints nothing a terminal acts on" 0 "$(raw "$T/out")"
check_eq "r2ls prints one line per key" "$nkeys" "$(wc -l <"$T/out")"
check_grep "r2ls says how the keys were printed" "backslash escapes" "$T/err"

check_exit 0 "r2ls -0 lists them" r2ls -0 --recursive s3://$B/odd/
python3 - "$T/keys" "$T/out" "$B" >"$T/cmp" <<'PY'
import sys
keys = sorted(k for k in open(sys.argv[1], "rb").read().split(b"\0") if k)
got = sorted(k for k in open(sys.argv[2], "rb").read().split(b"\0") if k)
want = sorted(b"s3://" + sys.argv[3].encode() + b"/" + k for k in keys)
print("same" if got == want else "differ")
PY
check_eq "r2ls -0 names every key exactly" same "$(cat "$T/cmp")"

check_exit 0 "r2ls --ndjson lists them" r2ls --ndjson --recursive s3://$B/odd/
check_eq "NDJSON is one object per key" "$nkeys" "$(wc -l <"$T/out")"

check_exit 4 "r2get of a missing key that clears the screen exits 4" r2get $'s3://terminal/gone\e[2J\e]0;x\a\xc2\x9b'
check_eq "... and its message holds nothing a terminal acts on" 0 "$(raw "$T/err")"
check_eq "... in one line" 1 "$(wc -l <"$T/err")"

python3 - "$T/all" "$T/all.names" "$B" <<'PY'
import sys
keys = [k for k in open(sys.argv[1], "rb").read().split(b"\0") if k]
open(sys.argv[2], "wb").write(b"".join(b"s3://" + sys.argv[3].encode() + b"/" + k + b"\0" for k in keys))
PY
check_exit 0 "r2rm -n of the whole family" sh -c "r2rm -n -0 <'$T/all.names'"
check_eq "r2rm prints nothing a terminal acts on" 0 "$(raw "$T/out")"
check_eq "r2rm prints one line per key" "$nall" "$(wc -l <"$T/out")"
check_exit 0 "r2rm deletes the listable keys" sh -c "r2rm -0 <'$T/all.names'"
check_exit 0 "the listing is empty afterwards" r2ls s3://$B/odd/
check_eq "... no key is left, the tab's and the newline's included" "" "$(cat "$T/out")"

# A hostile service's error message, with an escape sequence in it.
printf '<?xml version="1.0"?><Error><Code>Weird\033[31m</Code><Message>\033]0;owned\007 \302\233 \377</Message></Error>' >"$T/reply"
proxy_start --count 100 --status 400 --reply-file "$T/reply"
check_exit 5 "a service error with escape sequences exits 5" via_proxy r2get s3://$B/x
check_eq "... and the message holds nothing a terminal acts on" 0 "$(raw "$T/err")"
proxy_stop
done_testing
