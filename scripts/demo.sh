#!/usr/bin/env bash
# Demo: a download killed with SIGKILL halfway through resumes where it stopped, and the file
# is bit-for-bit right. Installs what is missing, builds bgtransfer and bg-faultserver into
# build/, then downloads 48 MiB from a local server throttled to 2 MiB/s.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
build=$root/build
bin=$build/bin

say() { printf '==> %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# 1. Packages: the same install step as scripts/test.sh.
"$root/scripts/install-deps.sh"

# 2. Build only what the demo runs.
say "building bgtransfer and bg-faultserver in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target bgtransfer bg-faultserver

# Loopback only: a proxy from the environment must not get in the way.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

tmp=$(mktemp -d)
server_pid=
client_pid=
cleanup() {
    [[ -n $client_pid ]] && kill -KILL "$client_pid" 2>/dev/null || true
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
    [[ -n $server_pid ]] && wait "$server_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 3. The server prints its URL and the content's SHA-256, one line each.
"$bin/bg-faultserver" --size 48M --throttle 2M >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
for _ in $(seq 100); do
    [[ $(wc -l <"$tmp/server.out") -ge 2 ]] && break
    kill -0 "$server_pid" 2>/dev/null || die "bg-faultserver exited: $(cat "$tmp/server.log")"
    sleep 0.1
done
[[ $(wc -l <"$tmp/server.out") -ge 2 ]] || die "bg-faultserver did not start"
url=$(sed -n 1p "$tmp/server.out")
expected_sha=$(sed -n 2p "$tmp/server.out")
say "serving 48 MiB at 2 MiB/s on $url"

download=("$bin/bgtransfer" --store "$tmp/store.sqlite" download "$url" -o "$tmp/file.bin"
          --id demo)
partial_size() {
    local parts=("$tmp"/.file.bin.*.part)
    if [[ -e ${parts[0]} ]]; then stat -c %s "${parts[0]}"; else echo 0; fi
}

# 4. Start, then SIGKILL at about half. With a terminal, bgtransfer draws its own progress bar.
say "downloading (will SIGKILL it halfway)"
if [[ -t 2 ]]; then
    "${download[@]}" &
else
    "${download[@]}" 2>"$tmp/first.err" &
fi
client_pid=$!
half=$((24 * 1024 * 1024))
ticks=0
while :; do
    size=$(partial_size)
    ((size >= half)) && break
    if ! kill -0 "$client_pid" 2>/dev/null; then
        die "bgtransfer ended before half was downloaded: $(cat "$tmp/first.err" 2>/dev/null)"
    fi
    if [[ ! -t 2 ]] && ((ticks % 10 == 0)); then
        say "  $(mib "$size") MiB on disk"
    fi
    ticks=$((ticks + 1))
    sleep 0.2
done
kill -KILL "$client_pid"
wait "$client_pid" 2>/dev/null || true # 137: killed, as intended
client_pid=
[[ -t 2 ]] && printf '\n' >&2 # leave the progress bar's line
echo "killed with SIGKILL at $(mib "$(partial_size)") MiB"

# 5. The same command again: it resumes from the bytes on disk.
say "running the same command again"
"${download[@]}" | tee "$tmp/second.out"
grep -Eq 'resumed at [0-9]+\.[0-9] MiB' "$tmp/second.out" \
    || die "the second run did not resume: $(cat "$tmp/second.out")"

# 6. The bytes are right.
actual_sha=$(sha256sum "$tmp/file.bin" | cut -d' ' -f1)
[[ $actual_sha == "$expected_sha" ]] \
    || die "SHA-256 mismatch: expected $expected_sha, got $actual_sha"
echo "SHA-256 verified: $actual_sha"
