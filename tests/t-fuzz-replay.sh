#!/usr/bin/env bash
# The fuzz targets build with make, and each runs once over its seeds
# (libFuzzer's -runs=0): a parser that now crashes on a valid input, or a
# target that no longer builds, shows in make check, not only after an hour
# of make fuzz.
. "$(dirname "$0")/lib.sh"

# libFuzzer comes with clang's runtime (libclang-rt-14-dev on Debian 12).
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
	'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
	>"$T/probe.c"
if ! clang -fsanitize=fuzzer -o "$T/probe" "$T/probe.c" >/dev/null 2>&1; then
	echo "ok # SKIP clang's libFuzzer is missing"
	done_testing
	exit
fi

check "make fuzz-build builds the fuzz targets" make -s -C "$TOP" fuzz-build
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	mkdir -p "$T/$name"
	"$TOP/tests/fuzz.sh" --seed "$name" "$T/$name"
	check "$name runs once over its seeds" \
		"$TOP/build/fuzz/$name" -runs=0 "$T/$name"
done
check_eq "every fuzz target has seeds" "" \
	"$(for d in "$T"/fuzz_*/; do [ -n "$(ls "$d")" ] || echo "${d%/}"; done)"
done_testing
