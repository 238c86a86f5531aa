# Shared by the benchmark scripts: timing one command and printing tables of medians.
# Each caller sets $work (a scratch directory) before using them.

# time_run NAME COMMAND...: appends "NAME wall cpu peak-rss-KiB" to $work/results.txt.
# The wall time is taken to the millisecond here (time(1) rounds to 10 ms).
time_run() {
    local name=$1; shift
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" \
        || { echo "$name failed:" >&2; cat "$work/stderr.txt" >&2; exit 1; }
    t1=$(date +%s%N)
    local wall user sys rss
    read -r wall user sys rss < "$work/time.txt"
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
    echo "$name $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $rss" >> "$work/results.txt"
}

# median NAME COLUMN: the median of one column (2 wall, 3 CPU, 4 RSS KiB) of NAME's runs
median() {
    grep "^$1 " "$work/results.txt" | awk -v c="$2" '{ print $c }' | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

runs_of() {
    grep -c "^$1 " "$work/results.txt" || true
}

# print_medians TOOL...: a markdown table of the median wall time, CPU time and peak RSS
print_medians() {
    echo "| tool | median wall s | median CPU s | median peak RSS MiB |"
    echo "|---|---|---|---|"
    local tool
    for tool in "$@"; do
        printf '| %s | %.2f | %.2f | %.1f |\n' "$tool" "$(median "$tool" 2)" "$(median "$tool" 3)" \
            "$(awk -v k="$(median "$tool" 4)" 'BEGIN { print k / 1024 }')"
    done
}
