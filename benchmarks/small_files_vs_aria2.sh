#!/usr/bin/env bash
# Wall time, CPU time and peak RSS of many small downloads from nginx on loopback, N at a time:
# `bgtransfer --concurrency N download --input LIST` (a fresh store each run), `aria2c -i LIST
# -j N` and `curl --parallel --parallel-max N`, interleaved. Then `bgtransfer --json list` on a
# store holding all of them, finished. Targets are read off the tables, never asserted in tests.
#   benchmarks/small_files_vs_aria2.sh [N=5] [RUNS=5] [FILES=500] [SIZE_KIB=16]
# BUILD_DIR (default build-bench) is where the Release bgtransfer is built.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. benchmarks/lib.sh
concurrency=${1:-5}
runs=${2:-5}
files=${3:-500}
size_kib=${4:-16}
build=${BUILD_DIR:-build-bench}

scripts/install-deps.sh
need=()
for p in nginx aria2 curl time; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBACKGROUND_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target bgtransfer >/dev/null
bgtransfer=$PWD/$build/bin/bgtransfer

work=$(mktemp -d)
cleanup() { [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/www" "$work/out" "$work/tmp"
for i in $(seq "$files"); do
    head -c $((size_kib * 1024)) /dev/urandom > "$work/www/f$i.bin"
done
chmod 755 "$work" "$work/www"   # nginx's workers run as an unprivileged user
chmod 644 "$work/www/"*

# A port nothing listens on: connecting to it is refused.
port=
for _ in $(seq 50); do
    candidate=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "no free port found" >&2; exit 1; }
cat > "$work/nginx.conf" <<CONF
daemon on;
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
    uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
    sendfile on;
    keepalive_requests 100000;
    server { listen 127.0.0.1:$port; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
base=http://127.0.0.1:$port

# The same files in each tool's list format.
for i in $(seq "$files"); do
    echo "f$i $base/f$i.bin $work/out/f$i.bin" >> "$work/bg.list"
    printf '%s\n  out=f%s.bin\n  dir=%s\n' "$base/f$i.bin" "$i" "$work/out" >> "$work/aria2.list"
    printf 'url = "%s"\noutput = "%s"\n' "$base/f$i.bin" "$work/out/f$i.bin" >> "$work/curl.list"
done

measure() { # name command...
    local name=$1; shift
    rm -rf "$work/out" "$work/store.sqlite"*
    mkdir -p "$work/out"
    sync
    time_run "$name" "$@"
    local count bytes
    count=$(find "$work/out" -type f -name 'f*.bin' | wc -l)
    bytes=$(find "$work/out" -type f -name 'f*.bin' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    if [ "$count" -ne "$files" ] || [ "$bytes" -ne $((files * size_kib * 1024)) ]; then
        echo "$name left $count files, $bytes bytes" >&2; exit 1
    fi
}

for i in $(seq "$runs"); do
    measure bgtransfer "$bgtransfer" --store "$work/store.sqlite" --concurrency "$concurrency" \
        download --input "$work/bg.list"
    measure aria2c aria2c -q -i "$work/aria2.list" -j "$concurrency" --file-allocation=none \
        --auto-file-renaming=false --allow-overwrite=true
    measure curl-parallel curl -s --fail --parallel --parallel-max "$concurrency" -K "$work/curl.list"
done
echo "$files files of $size_kib KiB, $concurrency at a time, $runs runs each:"
print_medians bgtransfer aria2c curl-parallel

# A store holding all of them, finished (the other tools' runs removed the last one).
"$bgtransfer" --store "$work/store.sqlite" download --input "$work/bg.list" >/dev/null
for i in $(seq "$runs"); do
    time_run list-json "$bgtransfer" --store "$work/store.sqlite" --json list
done
echo
echo "bgtransfer --json list of $("$bgtransfer" --store "$work/store.sqlite" --json list | wc -l) finished transfers:"
print_medians list-json
