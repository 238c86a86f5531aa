#!/usr/bin/env bash
# Installs what is missing, builds into build/ and runs the whole ctest suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DBACKGROUND_BUILD_TESTS=ON -DBACKGROUND_BUILD_EXAMPLES=ON
cmake --build build --parallel "$(nproc)"

# Loopback only; the suite never needs a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure --timeout 600 "$@"
