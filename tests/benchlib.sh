# The bench's measuring and reporting, sourced by tests/bench*.sh.
#
#   bench_init DIR OUT.json   start a report; runs are kept under DIR
#   bench_run KEY CMD [UNITS] run CMD once through bash, stdout discarded;
#                             records wall, CPU and peak RSS under KEY
#                             (UNITS: how much work, e.g. segments, so that
#                             figures of runs of different sizes compare)
#   bench_alternate N KEY CMD [UNITS] [-- KEY CMD [UNITS] ...]
#                             N rounds; every round runs each command once,
#                             starting with a different one each round, so
#                             that a drift of the machine hits all alike
#   bench_median KEY wall|cpu|rss|rate
#                             the median of KEY's runs: seconds per unit,
#                             CPU seconds per unit, KiB, units per second
#   bench_row PROGRAM AGAINST KIND OURS THEIRS TARGET
#                             one row comparing two keys. KIND: speed
#                             (their time / ours), cpu (our CPU / theirs),
#                             rate (our rate, with theirs beside it).
#                             TARGET: ">= 2", "<= 1.3" or "keep"
#   bench_value PROGRAM WHAT VALUE UNIT TARGET
#                             one row of a single figure (peak memory, a
#                             spread), TARGET as above
#   bench_finish              print the markdown table; write the JSON
#
# A command that fails stops the bench with its last lines of stderr: a
# figure of a run that did not do its work would be a lie.

bench_init() {
	BENCH_DIR=$1 BENCH_JSON=$2
	mkdir -p "$BENCH_DIR/runs" || return 1
	: >"$BENCH_DIR/rows.md"
	: >"$BENCH_DIR/rows.ndjson"
}

bench_run() {
	local key=$1 cmd=$2 units=${3:-1} w u s m
	/usr/bin/time -f '%e %U %S %M' -o "$BENCH_DIR/time" bash -c "$cmd" >/dev/null 2>"$BENCH_DIR/err" || {
		echo "bench: '$key' failed: $(tail -3 "$BENCH_DIR/err")" >&2
		exit 1
	}
	read -r w u s m <"$BENCH_DIR/time"
	echo "$w $u $s $m $units" >>"$BENCH_DIR/runs/$key"
}

bench_alternate() {
	local n=$1 round i k; shift
	local keys=() cmds=() units=()
	while [ $# -gt 0 ]; do
		keys+=("$1") cmds+=("$2")
		shift 2
		if [ $# -gt 0 ] && [ "$1" != -- ]; then units+=("$1"); shift; else units+=(1); fi
		[ "${1:-}" = -- ] && shift
	done
	for ((round = 0; round < n; round++)); do
		for ((i = 0; i < ${#keys[@]}; i++)); do
			k=$(((i + round) % ${#keys[@]}))
			bench_run "${keys[k]}" "${cmds[k]}" "${units[k]}"
		done
	done
}

bench_median() {
	awk -v f="$2" '{
		w = $1 / $5; c = ($2 + $3) / $5
		print (f == "wall") ? w : (f == "cpu") ? c : (f == "rss") ? $4 : (w > 0 ? 1 / w : 0)
	}' "$BENCH_DIR/runs/$1" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print 0; exit }
		printf "%.6g\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# bench_judge VALUE TARGET: prints met, NOT MET or "-".
bench_judge() {
	awk -v v="$1" -v t="$2" 'BEGIN {
		split(t, p, " ")
		if (p[1] == ">=") print (v + 1e-9 >= p[2]) ? "met" : "NOT MET"
		else if (p[1] == "<=") print (v <= p[2] + 1e-9) ? "met" : "NOT MET"
		else print "-"
	}'
}

# bench_figures KEY: "wall s, CPU s, peak MiB" for the table.
bench_figures() {
	awk -v w="$(bench_median "$1" wall)" -v c="$(bench_median "$1" cpu)" \
		-v m="$(bench_median "$1" rss)" -v n="$(wc -l <"$BENCH_DIR/runs/$1")" \
		-v u="$(awk '{print $5; exit}' "$BENCH_DIR/runs/$1")" 'BEGIN {
		if (u > 1) printf "%.2f/s, %.3fs CPU each, %.0f MiB (%d runs)", 1 / w, c, m / 1024, n
		else printf "%.2fs, %.2fs CPU, %.0f MiB (%d runs)", w, c, m / 1024, n
	}'
}

bench_emit() {	# bench_emit PROGRAM AGAINST WHAT OURS THEIRS RATIO TARGET
	local met; met=$(bench_judge "$6" "$7")
	# A pipe in a cell ("gzip -1 | r2put") would split the markdown row.
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "${1//|/\\|}" "${2//|/\\|}" "$3" "$4" "$5" "$6" "$7" "$met" \
		>>"$BENCH_DIR/rows.md"
	python3 -c 'import json, sys
k = ["program", "against", "measure", "ours", "theirs", "value", "target", "met"]
print(json.dumps(dict(zip(k, sys.argv[1:]))))' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$met" \
		>>"$BENCH_DIR/rows.ndjson"
	printf '  %-28s %-30s %-6s %8s  (target %s) %s\n' "$1" "$2" "$3" "$6" "$7" "$met"
}

bench_row() {
	local prog=$1 against=$2 kind=$3 ours=$4 theirs=$5 target=$6 v
	case $kind in
	speed) v=$(awk -v a="$(bench_median "$theirs" wall)" -v b="$(bench_median "$ours" wall)" \
		'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }') ;;
	cpu) v=$(awk -v a="$(bench_median "$ours" cpu)" -v b="$(bench_median "$theirs" cpu)" \
		'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }') ;;
	rate) v=$(awk -v a="$(bench_median "$ours" rate)" 'BEGIN { printf "%.2f", a }') ;;
	*) echo "bench_row: unknown kind $kind" >&2; exit 1 ;;
	esac
	bench_emit "$prog" "$against" "$kind" "$(bench_figures "$ours")" "$(bench_figures "$theirs")" "$v" "$target"
}

bench_value() {
	bench_emit "$1" "-" "$2" "$3 $4" "-" "$3" "$5"
}

bench_finish() {
	{
		echo
		echo '| program | against | measure | ours (median) | theirs (median) | value | target | met |'
		echo '|---|---|---|---|---|---|---|---|'
		cat "$BENCH_DIR/rows.md"
	}
	python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
json.dump({"rows": rows}, open(sys.argv[2], "w"), indent=1)' "$BENCH_DIR/rows.ndjson" "$BENCH_JSON"
	echo
	echo "The same as JSON: $BENCH_JSON"
}
