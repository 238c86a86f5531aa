#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need, only those that are missing.
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config qt6-base-dev libqt6sql6-sqlite zlib1g-dev libssl-dev)
# The QML module (qmltyperegistrar and qmlcachegen come with the -tools package), its Qt Quick
# Test, the Qt Quick Controls example, and the `qml` tool that runs the README's snippet.
packages+=(qt6-declarative-dev qt6-declarative-dev-tools qml6-module-qtqml
           qml6-module-qtqml-models qml6-module-qtqml-workerscript qml6-module-qtquick
           qml6-module-qttest qml6-module-qtquick-controls qml6-module-qtquick-layouts
           qml6-module-qtquick-templates qml6-module-qtquick-window qml-qt6)
# Hardening (issue 6): certificates for the TLS tests, clang with libFuzzer and the sanitizer
# runtimes for the fuzz targets, llvm-symbolizer for readable sanitizer reports, clang-tidy.
packages+=(openssl ca-certificates clang libclang-rt-14-dev llvm clang-tidy)
# The reference (issue 8): qdoc, Python-Markdown for the guides, libclang's Python binding for
# the check that every public member is documented.
packages+=(qt6-documentation-tools python3-markdown python3-clang-14)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
