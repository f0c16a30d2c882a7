#!/usr/bin/env bash
# The documentation cannot drift from the programs: for every program in
# cmd/, --help, the man page and both completions name the same options;
# every page is mandoc-clean and has the sections an operator looks for;
# make install puts everything where man, bash and zsh look, and make
# uninstall removes exactly that.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

PROGS=$(ls cmd/*.c | sed 's|cmd/||; s|\.c$||')

# Options of --help: the lines that start with an option, the names before
# the description ("  -d, --dbname=CONNINFO  target ...").
help_opts() {
	"$BIN/$1" --help | grep -E '^ {1,8}-' | sed -E 's/^ +//; s/  .*//' |
		grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | sed -E 's/^[ ,]//' | sort -u
}

# Options of the man page's option list: .It Fl r , Fl -recursive.
man_list_opts() {
	grep -E '^\.It Fl ' "man/$1.1" | grep -oE 'Fl [^ ]+' | sed -E 's/^Fl /-/' | sort -u
}

# Options of the SYNOPSIS: .Op Fl 0hqrv is five short options.
man_synopsis_opts() {
	sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "man/$1.1" | grep -oE 'Fl [^ ]+' | sed 's/^Fl //' |
		while read -r f; do
			case $f in
			-*) echo "-$f";;
			*) echo "$f" | grep -o . | sed 's/^/-/';;
			esac
		done | sort -u
}

# What bash offers for the last of WORDS on PROG's command line: the
# completion function run as bash would run it.
bash_complete() {
	bash -c '
		. "completions/bash/$1" || exit 1
		f=$(complete -p "$1" | sed -nE "s/.*-F ([^ ]+) .*/\1/p")
		[ -n "$f" ] || exit 1
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$@" | sed '/^$/d' | sort -u | tr '\n' ' '
}

bash_opts() { bash_complete "$1" - | tr ' ' '\n' | grep .; }

# The options of zsh's _arguments specs, read by zsh itself:
# '(-g --glob)'{-g+,--glob=}'[...]:pattern:' names -g and --glob.
zsh_opts() {
	zsh -fc '
		_arguments() { print -rl -- "$@" }
		source "completions/zsh/_$1"' _ "$1" |
	grep -vxE -- '-[sSCwW]' |	# _arguments own flags, not specs
	sed -E 's/^\([^)]*\)//; s/^\*//' | grep -E '^--?[A-Za-z0-9]' |
	sed -E 's/(\[|:).*//; s/(=-?|\+)$//' | sort -u
}

# same_set NAME WANT GOT: one check, naming what is missing and extra.
same_set() {
	local missing extra
	missing=$(comm -23 <(printf '%s\n' "$2") <(printf '%s\n' "$3") | tr '\n' ' ')
	extra=$(comm -13 <(printf '%s\n' "$2") <(printf '%s\n' "$3") | tr '\n' ' ')
	if [ -z "$missing$extra" ]; then ok "$1"
	else not_ok "$1" "missing: $missing" "not in --help: $extra"; fi
}

for p in $PROGS; do
	want=$(help_opts "$p")
	check "$p --help lists options" test -n "$want"
	for f in "man/$p.1" "completions/bash/$p" "completions/zsh/_$p"; do
		if [ ! -f "$f" ]; then not_ok "$p: $f exists"; continue 2; fi
	done
	same_set "$p: man page option list = --help" "$want" "$(man_list_opts "$p")"
	extra=$(comm -13 <(printf '%s\n' "$want") <(man_synopsis_opts "$p") | tr '\n' ' ')
	check_eq "$p: man page SYNOPSIS names no option --help lacks" "" "$extra"
	same_set "$p: bash completion = --help" "$want" "$(bash_opts "$p")"
	same_set "$p: zsh completion = --help" "$want" "$(zsh_opts "$p")"
done

# Fixed sets of values are offered after their option.
check_eq "bash completes r2put --verify's modes" "gzip pgdump " "$(bash_complete r2put --verify '')"
check_eq "bash completes stalecheck --format's formats" "json nagios prometheus " \
	"$(bash_complete stalecheck --format '')"
check_grep "zsh completes r2put --verify's modes" '^[^#]*--verify.*\(gzip pgdump\)' completions/zsh/_r2put
check_grep "zsh completes stalecheck --format's formats" '--format.*\(nagios json prometheus\)' \
	completions/zsh/_stalecheck

# s3:// names are completed by listing them, when settings are present.
need_s3
B=docs-$$
new_bucket "$B" && printf 'x\n' | r2put -q "s3://$B/daily/shop_backup_1.sql.gz"
check_eq "bash completes s3:// names by listing them" "s3://$B/daily/ " \
	"$(bash_complete r2ls "s3://$B/")"
check_eq "bash completes keys under a prefix" \
	"s3://$B/daily/shop_backup_1.sql.gz s3://$B/daily/shop_backup_1.sql.gz.sha256 " \
	"$(bash_complete r2get "s3://$B/daily/s")"
check_eq "offline, bash offers no names and no error" "" \
	"$(R2_ENDPOINT=http://127.0.0.1:9 bash_complete r2get "s3://$B/daily/s" 2>&1)"

# A page without its program would go unnoticed by the loop above.
for m in man/*.1; do
	p=$(basename "$m" .1)
	check "$m documents a program in cmd/" test -f "cmd/$p.c"
done

# cmd/ holds the programs and nothing else; what they share to print and
# exit is common/cli.c, which the rest of the library never includes.
check_eq "every file in cmd/ is a program" "" "$(find cmd -mindepth 1 ! -name '*.c')"
check_eq "only common/cli.c of the library includes cli.h" "common/cli.c" \
	"$(grep -l '#include "cli.h"' common/*.c)"

for m in man/*.1 man/*.7; do
	check "$m: mandoc -Tlint -Wwarning is silent" test -z "$(mandoc -Tlint -Wwarning "$m" 2>&1)"
	for s in SYNOPSIS ENVIRONMENT 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
		if grep -qx "\.Sh $s" "$m"; then ok "$m has $s"
		else not_ok "$m has $s" "no line .Sh $s"; fi
	done
done
for p in $PROGS; do
	check_grep "drkit.7 refers to $p" "^\.Xr $p 1" man/drkit.7
done

# Install into a scratch root, as a package build would.
R=$T/root
check "make install PREFIX=/usr/local DESTDIR=..." make -s install PREFIX=/usr/local DESTDIR="$R"
(cd "$R" && find . -type f | sed 's|^\./||' | sort) >"$T/installed"
{
	for p in $PROGS; do
		echo "usr/local/bin/$p"
		echo "usr/local/share/man/man1/$p.1"
		echo "usr/local/share/bash-completion/completions/$p"
		echo "usr/local/share/zsh/site-functions/_$p"
	done
	echo usr/local/share/man/man7/drkit.7
	echo usr/local/share/bash-completion/completions/_drkit
	echo usr/local/share/zsh/site-functions/_drkit_s3_names
} | sort >"$T/expected"
check_cmp "install puts programs, pages and completions where they belong" "$T/expected" "$T/installed"
for p in $PROGS; do
	run "$R/usr/local/bin/$p" --version
	check_grep "installed $p runs (--version)" "^$p \(drkit\) [0-9]" "$T/out"
	run man -l "$R/usr/local/share/man/man1/$p.1"
	check_grep "man -l renders the installed $p.1" "^NAME" "$T/out"
done
run man -l "$R/usr/local/share/man/man7/drkit.7"
check_grep "man -l renders the installed drkit.7" "fail closed" "$T/out"
run bash -c ". '$R/usr/local/share/bash-completion/completions/r2ls' && complete -p r2ls"
check_grep "the installed bash completion loads from its own directory" "_r2ls r2ls" "$T/out"

check "make uninstall with the same DESTDIR" make -s uninstall PREFIX=/usr/local DESTDIR="$R"
check_eq "uninstall removes every file install put" "" "$(cd "$R" && find . -type f)"

done_testing
