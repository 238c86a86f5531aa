#!/usr/bin/env bash
# The side-by-side benchmark: bgtransfer next to curl and aria2c on nginx on loopback, each pair
# interleaved (A B A B ...), and a markdown table of medians and of the targets. Targets are read
# off the table, never asserted in the test suite.
#   benchmarks/run.sh [RUNS=5]
# Environment: BENCH_SIZE_MIB (1024), BENCH_FILES (500), BENCH_FILE_KIB (16),
# BENCH_CONCURRENCY (5), BENCH_ROWS (10000), BUILD_DIR (build-bench),
# BENCH_SCENARIOS (any of "download upload small list"; all by default).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. benchmarks/lib.sh
runs=${1:-5}
size_mib=${BENCH_SIZE_MIB:-1024}
files=${BENCH_FILES:-500}
file_kib=${BENCH_FILE_KIB:-16}
concurrency=${BENCH_CONCURRENCY:-5}
rows=${BENCH_ROWS:-10000}
build=${BUILD_DIR:-build-bench}
scenarios=${BENCH_SCENARIOS:-download upload small list}
wants() { [[ " $scenarios " == *" $1 "* ]]; }
started=$(date +%s)

# 1. What is missing: the build dependencies, then the peers and the server.
scripts/install-deps.sh
need=()
for p in nginx curl aria2 time; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. A Release build. The store seeder (bg-restore-bench) uses internal classes, which only
# builds with tests export; only the two programs are built.
echo "Building Release in $build ..."
configure_log=$(mktemp)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBACKGROUND_BUILD_TESTS=ON \
    -DBACKGROUND_BUILD_BENCHMARKS=ON >"$configure_log" 2>&1 \
    || { cat "$configure_log" >&2; rm -f "$configure_log"; exit 1; }
rm -f "$configure_log"
cmake --build "$build" --target bgtransfer bg-restore-bench -j"$(nproc)" >/dev/null
bgtransfer=$PWD/$build/bin/bgtransfer
seeder=$PWD/$build/bin/bg-restore-bench

# 3. nginx on loopback with generated data: one large file, many small ones, a WebDAV PUT place.
work=$(mktemp -d "${TMPDIR:-/tmp}/bg-bench-XXXXXX")
shm=
cleanup() {
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
    [ -n "$shm" ] && rm -rf "$shm"
}
trap cleanup EXIT
mkdir -p "$work/www/small" "$work/dav" "$work/nginx-tmp" "$work/out"
chmod 755 "$work" "$work/www" "$work/www/small"  # nginx's workers run as an unprivileged user
chmod 1777 "$work/dav" "$work/nginx-tmp"
echo "Generating data in $work ..."
if wants download || wants upload; then
    head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/www/big.bin"
fi
if wants small; then
    for i in $(seq "$files"); do head -c $((file_kib * 1024)) /dev/urandom > "$work/www/small/f$i.bin"; done
fi
chmod -R a+r "$work/www"
big_bytes=$((size_mib * 1024 * 1024))

port=
for _ in $(seq 50); do # a port nothing listens on
    candidate=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "no free port found" >&2; exit 1; }
cat > "$work/nginx.conf" <<CONF
daemon on;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx-tmp; proxy_temp_path $work/nginx-tmp;
    fastcgi_temp_path $work/nginx-tmp; uwsgi_temp_path $work/nginx-tmp; scgi_temp_path $work/nginx-tmp;
    sendfile on;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$port;
        root $work/www;
        location /dav/ {
            root $work;
            dav_methods PUT;
            client_max_body_size 0;
        }
    }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
base=http://127.0.0.1:$port

# Each run starts from the same place: no output left, nothing dirty waiting to be written.
fresh() {
    rm -rf "$work/out" "$work/store.sqlite"* "$work/dav/"*
    mkdir -p "$work/out"
    sync
}

check_size() { # name file bytes
    local got
    got=$(stat -c %s "$2" 2>/dev/null || echo 0)
    [ "$got" -eq "$3" ] || { echo "$1 left $got bytes in $2, not $3" >&2; exit 1; }
}

if wants download; then
    echo "Scenario 1 and 4: $size_mib MiB download, $runs runs each ..."
    for i in $(seq "$runs"); do
        fresh; time_run curl curl -s -f -o "$work/out/big.bin" "$base/big.bin"
        check_size curl "$work/out/big.bin" "$big_bytes"
        fresh; time_run aria2c aria2c -q -x 1 -s 1 --file-allocation=none --allow-overwrite=true \
            --auto-file-renaming=false -d "$work/out" -o big.bin "$base/big.bin"
        check_size aria2c "$work/out/big.bin" "$big_bytes"
        fresh; time_run bgtransfer "$bgtransfer" --store "$work/store.sqlite" download \
            "$base/big.bin" -o "$work/out/big.bin" --id big
        check_size bgtransfer "$work/out/big.bin" "$big_bytes"
        # Checkpointing off: none while the transfer runs (the durable publish still syncs).
        fresh; time_run bgtransfer-no-checkpoints "$bgtransfer" --store "$work/store.sqlite" \
            --checkpoint-interval 86400000 download "$base/big.bin" -o "$work/out/big.bin" --id big
        check_size bgtransfer-no-checkpoints "$work/out/big.bin" "$big_bytes"
    done
    # The same pair with the output in memory (tmpfs): what is left of the difference when
    # the disk is out of the picture, since curl never waits for the disk and we must.
    shm_free=$(df -k --output=avail /dev/shm 2>/dev/null | tail -1 || echo 0)
    if [ "${shm_free:-0}" -gt $((size_mib * 1024 * 3)) ]; then
        shm=$(mktemp -d /dev/shm/bg-bench-XXXXXX)
        for i in $(seq "$runs"); do
            rm -rf "$shm"/* "$shm"/.[!.]*; time_run curl-tmpfs curl -s -f -o "$shm/big.bin" "$base/big.bin"
            check_size curl-tmpfs "$shm/big.bin" "$big_bytes"
            rm -rf "$shm"/* "$shm"/.[!.]*; time_run bgtransfer-tmpfs "$bgtransfer" --store "$shm/store.sqlite" \
                download "$base/big.bin" -o "$shm/big.bin" --id big
            check_size bgtransfer-tmpfs "$shm/big.bin" "$big_bytes"
        done
        rm -rf "$shm"
    fi
fi

if wants upload; then
    echo "Scenario 2: $size_mib MiB PUT to nginx's WebDAV, $runs runs each ..."
    for i in $(seq "$runs"); do
        fresh; time_run curl-T curl -s -f -T "$work/www/big.bin" "$base/dav/big.bin"
        check_size curl-T "$work/dav/big.bin" "$big_bytes"
        fresh; time_run bgtransfer-PUT "$bgtransfer" --store "$work/store.sqlite" upload \
            "$work/www/big.bin" "$base/dav/big.bin" --method PUT --id big
        check_size bgtransfer-PUT "$work/dav/big.bin" "$big_bytes"
    done
fi

if wants small; then
    echo "Scenario 3: $files files of $file_kib KiB, $concurrency at a time, $runs runs each ..."
    : > "$work/bg.list"; : > "$work/aria2.list"; : > "$work/curl.list"
    for i in $(seq "$files"); do
        echo "f$i $base/small/f$i.bin $work/out/f$i.bin" >> "$work/bg.list"
        printf '%s\n  out=f%s.bin\n' "$base/small/f$i.bin" "$i" >> "$work/aria2.list"
        printf 'url = "%s"\noutput = "%s"\n' "$base/small/f$i.bin" "$work/out/f$i.bin" >> "$work/curl.list"
    done
    check_files() {
        local count bytes
        count=$(find "$work/out" -type f -name 'f*.bin' | wc -l)
        bytes=$(find "$work/out" -type f -name 'f*.bin' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
        if [ "$count" -ne "$files" ] || [ "$bytes" -ne $((files * file_kib * 1024)) ]; then
            echo "$1 left $count files, $bytes bytes" >&2; exit 1
        fi
    }
    for i in $(seq "$runs"); do
        fresh; time_run bgtransfer-input "$bgtransfer" --store "$work/store.sqlite" \
            --concurrency "$concurrency" download --input "$work/bg.list"
        check_files bgtransfer-input
        fresh; time_run aria2c-i aria2c -q -i "$work/aria2.list" -d "$work/out" -j "$concurrency" \
            --file-allocation=none --auto-file-renaming=false --allow-overwrite=true
        check_files aria2c-i
        fresh; time_run curl-parallel curl -s -f --parallel --parallel-max "$concurrency" \
            -K "$work/curl.list"
        check_files curl-parallel
    done
fi

if wants list; then
    echo "Scenario 5: seeding a store with $rows transfers, then listing it $runs times ..."
    "$seeder" "$rows" --dir "$work/rows" --listings 1 > "$work/seed.txt"
    store=$work/rows/restore-bench.sqlite
    listed=$("$bgtransfer" --store "$store" --json list | wc -l)
    [ "$listed" -eq "$rows" ] || { echo "list printed $listed lines, not $rows" >&2; exit 1; }
    for i in $(seq "$runs"); do
        time_run list-json "$bgtransfer" --store "$store" --json list
    done
fi

# 4. The tables.
echo
echo "## Medians ($runs runs each; $(nproc) cores; $(date -u +%Y-%m-%d))"
echo
echo "| tool | runs | median wall s | median CPU s | median peak RSS MiB |"
echo "|---|---|---|---|---|"
for tool in curl aria2c bgtransfer bgtransfer-no-checkpoints curl-tmpfs bgtransfer-tmpfs curl-T bgtransfer-PUT \
    bgtransfer-input aria2c-i curl-parallel list-json; do
    [ "$(runs_of "$tool")" -gt 0 ] || continue
    printf '| %s | %s | %.3f | %.3f | %.1f |\n' "$tool" "$(runs_of "$tool")" \
        "$(median "$tool" 2)" "$(median "$tool" 3)" \
        "$(awk -v k="$(median "$tool" 4)" 'BEGIN { print k / 1024 }')"
done

# target LABEL VALUE GOAL: one row; VALUE at most GOAL is met
target() {
    local met
    met=$(awk -v v="$2" -v g="$3" 'BEGIN { print (v <= g) ? "yes" : "**no**" }')
    printf '| %s | %.3f | <= %s | %s |\n' "$1" "$2" "$3" "$met"
}
ratio() { awk -v a="$(median "$1" 2)" -v b="$(median "$2" 2)" 'BEGIN { print a / b }'; }
rss_mib() { awk -v k="$(median "$1" 4)" 'BEGIN { print k / 1024 }'; }

echo
echo "## Targets (ratios are of median wall times measured in this run)"
echo
echo "| target | measured | goal | met |"
echo "|---|---|---|---|"
if wants download; then
    target "1. download: bgtransfer / curl -o" "$(ratio bgtransfer curl)" 0.80
    target "1. download: bgtransfer / aria2c -x1" "$(ratio bgtransfer aria2c)" 0.40
    target "1. download: bgtransfer peak RSS MiB" "$(rss_mib bgtransfer)" 40
    if [ "$(runs_of bgtransfer-tmpfs)" -gt 0 ]; then
        target "1. download to tmpfs: bgtransfer / curl -o (no disk)" \
            "$(ratio bgtransfer-tmpfs curl-tmpfs)" 0.80
    fi
fi
if wants upload; then
    target "2. PUT: bgtransfer / curl -T" "$(ratio bgtransfer-PUT curl-T)" 1.00
    target "2. PUT: bgtransfer peak RSS MiB" "$(rss_mib bgtransfer-PUT)" 40
fi
if wants small; then
    target "3. $files × $file_kib KiB: bgtransfer / aria2c -i -j$concurrency" \
        "$(ratio bgtransfer-input aria2c-i)" 0.50
    printf '| %s | %.3f | (no target) | |\n' \
        "3. $files × $file_kib KiB: bgtransfer / curl --parallel-max $concurrency" \
        "$(ratio bgtransfer-input curl-parallel)"
fi
if wants download; then
    target "4. checkpointing on / off" "$(ratio bgtransfer bgtransfer-no-checkpoints)" 1.05
fi
if wants list; then
    target "5. list --json of $rows stored transfers, s" "$(median list-json 2)" 0.150
fi
echo
echo "Total $(($(date +%s) - started)) s, build included."
