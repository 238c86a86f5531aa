#!/usr/bin/env bash
# Renders examples/quick-transfers over a store holding transfers in several states (finished,
# rejected, failed on a checksum, paused, running) into doc/images/quick-transfers.png.
# Needs a build with the QML module and the examples: BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=$(realpath "${BUILD_DIR:-build}")
bin=$build/bin
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# serve NAME ARGS...: starts bg-faultserver, puts its URL in $url
serve() {
    local name=$1; shift
    "$bin/bg-faultserver" "$@" > "$work/$name.out" 2>/dev/null &
    pids+=($!)
    until [ -s "$work/$name.out" ]; do sleep 0.1; done
    url=$(head -1 "$work/$name.out")
}

serve fast --path /ubuntu.iso --size 24M; fast=$url
serve slow --path /dataset.tar --size 512M --throttle 2M; slow=$url
serve slower --path /video.mp4 --size 256M --throttle 600K; slower=$url

store=$work/store.sqlite
bg() { "$bin/bgtransfer" --store "$store" "$@"; }
bg download "$fast" -o "$work/ubuntu.iso" --id ubuntu.iso > /dev/null
bg download "${fast%/ubuntu.iso}/missing.zip" -o "$work/missing.zip" --id missing.zip \
    > /dev/null 2>&1 || true
bg download "$fast" -o "$work/checked.iso" --id checked.iso --sha256 "$(printf '0%.0s' {1..64})" \
    > /dev/null 2>&1 || true
# Paused part way: a download that another process pauses ends with status 5.
bg download "$slower" -o "$work/video.mp4" --id video.mp4 > /dev/null 2>&1 &
sleep 3
bg pause video.mp4 > /dev/null
wait $! || true
# Still running when the picture is taken: the app itself continues it (resumeOnStart).
bg download "$slow" -o "$work/dataset.tar" --id dataset.tar > /dev/null 2>&1 &
pids+=($!)
sleep 2
kill -9 "${pids[-1]}"

mkdir -p doc/images
QT_QPA_PLATFORM=offscreen QML_IMPORT_PATH="$build/qml" \
    "$bin/quick-transfers" --store "$store" --download-dir "$work" \
    --screenshot doc/images/quick-transfers.png
