#!/usr/bin/env bash
# Installs a real tus server for the tus integration tests: node and npm from Debian when they
# are missing or node is older than 16, then the pinned @tus/server and @tus/file-store into a
# cache directory outside the source tree (only when not there yet). Prints that directory as
# the last line on stdout; everything else goes to stderr.
set -euo pipefail

# 2.x needs node 20.19; Debian 12 ships node 18, which these support.
server_version=1.10.2
store_version=1.5.1

cache=${BACKGROUND_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-${TMPDIR:-/tmp}}/.cache}/background-qt}
dir=$cache/tus-server-$server_version-file-store-$store_version

log() { printf 'install-tus-server: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

node_major() {
    node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0
}

# 1. node and npm, only what is missing.
missing=()
if ! command -v node >/dev/null || (($(node_major) < 16)); then
    missing+=(nodejs)
fi
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
        as_root=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update -qq >&2
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    (($(node_major) >= 16)) || die "node >= 16 is needed, found: $(node --version 2>&1 || true)"
fi

# 2. The packages: a finished install is a directory renamed into place, so an interrupted or
# concurrent run never leaves a half-installed one behind.
installed() {
    [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$server_version $store_version" ]
}
if ! installed; then
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.tus-server.XXXXXX")
    chmod 755 "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    cat >"$tmp/package.json" <<EOF
{
  "name": "background-qt-tus-server",
  "private": true,
  "description": "A real tus server for the tus integration tests of Background for Qt",
  "dependencies": {
    "@tus/server": "$server_version",
    "@tus/file-store": "$store_version"
  }
}
EOF
    log "installing @tus/server@$server_version and @tus/file-store@$store_version into $dir"
    npm install --prefix "$tmp" --no-audit --no-fund --no-package-lock --omit=dev --omit=optional \
        --loglevel=error >&2
    echo "$server_version $store_version" >"$tmp/.complete"
    installed || rm -rf "$dir" # a stale or broken one, unless another run just finished
    mv -T "$tmp" "$dir" 2>/dev/null || installed || die "could not move the install to $dir"
    rm -rf "$tmp"
    trap - EXIT
fi
log "node $(node --version), tus server in $dir"
echo "$dir"
