#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang into build-fuzz and runs each over its
# in-tree corpus for BACKGROUND_FUZZ_SECONDS (default 15) seconds. Any crash, sanitizer report
# or broken property fails the run.
#   scripts/fuzz.sh                            # from the repository root
#   BACKGROUND_FUZZ_SECONDS=300 scripts/fuzz.sh
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD_FUZZ_DIR:-build-fuzz}
SECONDS_PER_TARGET=${BACKGROUND_FUZZ_SECONDS:-15}
JOBS=${JOBS:-2}

CXX=${CXX_FUZZ:-clang++} cmake -S tests/fuzz -B "$BUILD" -G Ninja \
    -DBACKGROUND_FUZZ_SECONDS="$SECONDS_PER_TARGET"
cmake --build "$BUILD" -j"$JOBS"
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS"
