#!/usr/bin/env bash
# Installs what is missing, builds into build/ and runs the whole ctest suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
# A real tus server for the integration tests, cached outside the tree; its directory is the
# last line the installer prints.
tus_server_dir=$(scripts/install-tus-server.sh)
tus_server_dir=${tus_server_dir##*$'\n'}

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DBACKGROUND_BUILD_TESTS=ON -DBACKGROUND_BUILD_EXAMPLES=ON \
      -DBACKGROUND_TUS_SERVER_DIR="$tus_server_dir"
cmake --build build --parallel "$(nproc)"

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
ctest --test-dir build --output-on-failure --timeout 600 "$@"
