#!/usr/bin/env bash
# Installs what is missing, builds the whole tree once and runs the whole ctest suite in it.
#
#   scripts/test.sh [--no-sanitizers] [ctest arguments...]
#
# By default the tree is built with AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer
# included) into build-asan/, at -O0 -g1: the sanitizers make g++'s optimiser several times
# slower, and this build is for checking, not speed. Any finding fails its test. The runtime
# options and the leak suppressions (tests/sanitizers/lsan.supp) come with the build
# (cmake/BackgroundSanitizers.cmake), so `ctest --test-dir build-asan` by hand checks the same.
# --no-sanitizers builds a plain RelWithDebInfo tree into build/ instead.
# It builds the HTML reference (the docs target) before the suite.
# With no ctest arguments it also runs clang-tidy over src/ (scripts/tidy.sh, beside the suite,
# which mostly waits on loopback and timers) and the fuzz targets (scripts/fuzz.sh, after it).
# Arguments after that go to ctest alone, e.g. scripts/test.sh -R tst_crash or -L cli.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sanitize=address\;undefined
if [[ ${1-} == --no-sanitizers ]]; then
    sanitize=
    shift
fi

scripts/install-deps.sh
# A real tus server for the integration tests, cached outside the tree; its directory is the
# last line the installer prints.
tus_server_dir=$(scripts/install-tus-server.sh)
tus_server_dir=${tus_server_dir##*$'\n'}

if [[ -n $sanitize ]]; then
    build_dir=build-asan
    build_flags=(-DBACKGROUND_SANITIZE="$sanitize" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O0 -g1 -DNDEBUG")
else
    build_dir=build
    build_flags=(-DBACKGROUND_SANITIZE=)
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DBACKGROUND_BUILD_TESTS=ON -DBACKGROUND_BUILD_EXAMPLES=ON \
      -DBACKGROUND_TUS_SERVER_DIR="$tus_server_dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      "${build_flags[@]}"
cmake --build "$build_dir" --parallel "$(nproc)"
# The reference: fails on any qdoc warning and on any public C++ or QML member left undocumented.
cmake --build "$build_dir" --target docs

# Loopback only; the suite never needs a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
export QT_QPA_PLATFORM=offscreen
# The integration tests fail instead of skipping when their server is missing.
export BACKGROUND_REQUIRE_INTEGRATION=1
# A really full disk for tst_diskspace, where this machine lets us mount a small tmpfs (root);
# elsewhere that one case skips and the file size limit case still covers a failing write.
small_volume=$(mktemp -d)
if mount -t tmpfs -o size=4m bg-small-volume "$small_volume" 2>/dev/null; then
    export BACKGROUND_TEST_SMALL_VOLUME=$small_volume
    trap 'umount "$small_volume"; rmdir "$small_volume"' EXIT
else
    rmdir "$small_volume"
fi
full=$(( $# == 0 ))
if (( full )); then
    scripts/tidy.sh "$build_dir" > "$build_dir/tidy.log" 2>&1 &
    tidy_pid=$!
fi
status=0
ctest --test-dir "$build_dir" --output-on-failure --timeout 600 "$@" || status=$?
if (( full )); then
    if ! wait "$tidy_pid"; then
        cat "$build_dir/tidy.log"
        echo "clang-tidy found warnings in src/ (above)" >&2
        status=1
    fi
    scripts/fuzz.sh || status=1
fi
exit "$status"
