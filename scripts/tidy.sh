#!/usr/bin/env bash
# clang-tidy with the checked-in .clang-tidy over every source file of the library (src/);
# any warning fails (WarningsAsErrors). Needs a configured build tree for its compile commands:
#
#   scripts/tidy.sh [BUILD_DIR]    (default: build-asan, as scripts/test.sh leaves it)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${1:-build-asan}
command -v clang-tidy >/dev/null || { echo "clang-tidy is not installed" >&2; exit 1; }
[ -f "$build_dir/compile_commands.json" ] ||
    cmake -S . -B "$build_dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
# Sanitizer flags are g++'s and mean nothing to clang-tidy's parser; drop what it rejects.
extra=(--extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-unused-command-line-argument)
ls src/background/*.cpp | xargs -P "$(nproc)" -n 1 \
    clang-tidy -p "$build_dir" --quiet "${extra[@]}"
echo "clang-tidy: no warnings in src/"
