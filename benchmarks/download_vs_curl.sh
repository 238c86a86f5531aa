#!/usr/bin/env bash
# Wall time, CPU time and peak RSS of a large download from nginx on loopback:
# `bgtransfer download` next to `curl -o`, interleaved. Targets are read off the table, never
# asserted in the test suite.
#   benchmarks/download_vs_curl.sh [SIZE_MIB=1024] [RUNS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. benchmarks/lib.sh
size_mib=${1:-1024}
runs=${2:-3}

scripts/install-deps.sh
need=()
for p in nginx curl time; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DBACKGROUND_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench --target bgtransfer >/dev/null
bgtransfer=$PWD/build-bench/bin/bgtransfer

work=$(mktemp -d)
cleanup() { [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/www" "$work/out"
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/www/big.bin"
chmod 755 "$work" "$work/www"   # nginx's workers run as an unprivileged user
chmod 644 "$work/www/big.bin"
port=$((20000 + RANDOM % 30000))
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
    server { listen 127.0.0.1:$port; root $work/www; }
}
CONF
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work"
url=http://127.0.0.1:$port/big.bin

measure() { # name command...
    local name=$1; shift
    rm -f "$work/out/"* "$work/store.sqlite"*
    sync; echo 1 > /proc/sys/vm/drop_caches 2>/dev/null || true
    time_run "$name" "$@"
    local got
    got=$(stat -c %s "$work/out/"*)
    [ "$got" -eq $((size_mib * 1024 * 1024)) ] || { echo "$name wrote $got bytes" >&2; exit 1; }
}

for i in $(seq "$runs"); do
    measure curl curl -s -o "$work/out/curl.bin" "$url"
    measure bgtransfer "$bgtransfer" --store "$work/store.sqlite" download "$url" \
        -o "$work/out/bg.bin" --id "bench-$i"
done

print_medians curl bgtransfer
