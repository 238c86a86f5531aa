#!/usr/bin/env bash
# Wall time, CPU time and peak RSS of a large PUT to the project's server on loopback
# (bg-faultserver, which hashes the body and throws it away): `bgtransfer upload` next to
# `curl -T`, interleaved. Figures are read off the table, never asserted in the test suite.
#   benchmarks/upload_vs_curl.sh [SIZE_MIB=1024] [RUNS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. benchmarks/lib.sh
size_mib=${1:-1024}
runs=${2:-3}

scripts/install-deps.sh
for p in curl time; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p"; }
done

# The server lives with the tests; a build of its own keeps the download benchmark lean.
cmake -S . -B build-bench-up -G Ninja -DCMAKE_BUILD_TYPE=Release -DBACKGROUND_BUILD_TESTS=ON >/dev/null
cmake --build build-bench-up --target bgtransfer bg-faultserver >/dev/null
bin=$PWD/build-bench-up/bin

work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/big.bin"
"$bin/bg-faultserver" --upload-path /upload --upload-no-store > "$work/server.out" 2> "$work/server.log" &
server=$!
for _ in $(seq 100); do [ -s "$work/server.out" ] && break; sleep 0.1; done
url=$(tail -1 "$work/server.out")

measure() { # name command...
    local name=$1; shift
    rm -f "$work/store.sqlite"*
    time_run "$name" "$@"
}

for i in $(seq "$runs"); do
    measure curl curl -s -f -T "$work/big.bin" "$url"
    measure bgtransfer "$bin/bgtransfer" --store "$work/store.sqlite" upload "$work/big.bin" "$url" \
        --id "bench-$i"
done

print_medians curl bgtransfer
