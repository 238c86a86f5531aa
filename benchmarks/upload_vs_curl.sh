#!/usr/bin/env bash
# Wall time, CPU time and peak RSS of a large upload to the project's server on loopback
# (bg-faultserver), interleaved:
# - PUT: `bgtransfer upload` next to `curl -T` (the server hashes the body and throws it away);
# - tus: `bgtransfer upload --tus` next to curl doing the same POST and one PATCH by hand (the
#   server stores the upload, as a tus server must; it is deleted after each run).
# Figures are read off the table, never asserted in the test suite.
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
mkdir -p "$work/tus"
"$bin/bg-faultserver" --upload-path /upload --upload-no-store --tus-path /files \
    --upload-dir "$work/tus" > "$work/server.out" 2> "$work/server.log" &
server=$!
for _ in $(seq 100); do [ "$(wc -l < "$work/server.out")" -ge 2 ] && break; sleep 0.1; done
url=$(grep '/upload$' "$work/server.out")
tus_url=$(grep '/files$' "$work/server.out")
size=$(stat -c %s "$work/big.bin")

measure() { # name command...
    local name=$1; shift
    rm -f "$work/store.sqlite"* "$work/tus/"*
    time_run "$name" "$@"
}

# What a tus client has to do at the least: create the upload, then one PATCH with the file.
curl_tus() {
    local location
    location=$(curl -s -f -X POST -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $size" \
        -D - -o /dev/null "$tus_url" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
    curl -s -f -X PATCH -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' \
        -H 'Content-Type: application/offset+octet-stream' -T "$work/big.bin" "$location"
}
export -f curl_tus
export tus_url size work

for i in $(seq "$runs"); do
    measure curl curl -s -f -T "$work/big.bin" "$url"
    measure bgtransfer "$bin/bgtransfer" --store "$work/store.sqlite" upload "$work/big.bin" "$url" \
        --id "bench-$i"
    measure curl-tus bash -c curl_tus
    measure bgtransfer-tus "$bin/bgtransfer" --store "$work/store.sqlite" upload "$work/big.bin" \
        "$tus_url" --id "bench-tus-$i" --tus
done

print_medians curl bgtransfer curl-tus bgtransfer-tus
