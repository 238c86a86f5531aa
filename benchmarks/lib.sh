# Shared by the benchmark scripts: timing one command and printing the table of medians.
# Each caller sets $work (a scratch directory) before using them.

# time_run NAME COMMAND...: appends "NAME wall cpu peak-rss-KiB" to $work/results.txt
time_run() {
    local name=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>&1 \
        || { echo "$name failed" >&2; exit 1; }
    local wall user sys rss
    read -r wall user sys rss < "$work/time.txt"
    echo "$name $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $rss" >> "$work/results.txt"
}

# print_medians TOOL...: a markdown table of the median wall time, CPU time and peak RSS
print_medians() {
    echo "| tool | median wall s | median CPU s | median peak RSS MiB |"
    echo "|---|---|---|---|"
    local tool
    for tool in "$@"; do
        grep "^$tool " "$work/results.txt" | awk -v t="$tool" '
            { w[NR]=$2; c[NR]=$3; r[NR]=$4 }
            function med(a, n,   i, j, tmp) { for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]<a[i]) { tmp=a[i]; a[i]=a[j]; a[j]=tmp }; return a[int((n+1)/2)] }
            END { printf "| %s | %.2f | %.2f | %.1f |\n", t, med(w, NR), med(c, NR), med(r, NR)/1024 }'
    done
}
