#!/usr/bin/env bash
# Installs what building and testing laravels-rs needs on Debian bookworm, skipping what
# is already there. Safe to run again.
#   scripts/install-deps.sh          what building and testing needs (CI runs this)
#   scripts/install-deps.sh --fuzz   that, and cargo-fuzz for scripts/fuzz.sh
set -euo pipefail

fuzz=
[[ ${1:-} == --fuzz ]] && fuzz=1

APT_PACKAGES=(
  php8.2-cli php8.2-dev php8.2-fpm php8.2-mbstring php8.2-xml php8.2-curl php8.2-sqlite3
  php-laravel-framework php-laravel-lumen-framework composer phpunit
  clang libclang-dev debootstrap
  curl nginx apache2 wrk supervisor redis-server php8.2-redis mariadb-server php8.2-mysql
  openssl nghttp2-client chromium php-codesniffer systemd inotify-tools fswatch prometheus
)
# prometheus: a real server scrapes the exporters (tests/e2e/test_prometheus.py).
# inotify-tools, fswatch: bin/inotify and bin/fswatch, the outside watchers (tests/e2e/test_reload_watch.py).
# debootstrap: the PHP 8.4 roots (scripts/php-root.sh); php-codesniffer: scripts/lint.sh;
# systemd: systemd-analyze verifies docs/deploy/laravels.service (tests/e2e/test_container.py).
# h2: httpx's HTTP/2 support (tests/e2e/test_tls.py); websockets: the WebSocket tests' client.
PIP_PACKAGES=(pytest httpx h2 websockets)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node (the ws interop test): by command, since a nodesource build of nodejs carries npm.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for p in "${PIP_PACKAGES[@]}"; do
  python3 -c "import $p" 2>/dev/null || python3 -m pip install -q "$p"
done

# tests/e2e/node: Node's ws client, from the npm registry (versions pinned by package-lock.json).
NODE_PACKAGE="$(dirname "$0")/../tests/e2e/node"
# Again when package-lock.json changed since the last install (npm writes its own copy).
if [[ ! -f "$NODE_PACKAGE/node_modules/.package-lock.json" || "$NODE_PACKAGE/package-lock.json" -nt "$NODE_PACKAGE/node_modules/.package-lock.json" ]]; then
  npm install --prefix "$NODE_PACKAGE" --no-audit --no-fund --loglevel=error
fi

command -v cargo >/dev/null || { echo "error: cargo not found; install Rust (rustup) first" >&2; exit 1; }

# cargo-fuzz (crates.io) builds fuzz/ with libFuzzer (the libfuzzer-sys crate compiles it
# with the C++ compiler clang brings). Only on request: it takes minutes to compile and
# CI does not fuzz (docs/reliability.md).
# llvm-symbolizer names the functions in scripts/fuzz.sh's coverage figures.
if [[ -n $fuzz ]]; then
  command -v cargo-fuzz >/dev/null || { echo "installing cargo-fuzz"; cargo install --locked cargo-fuzz; }
  command -v llvm-symbolizer >/dev/null || apt-get install -y -qq --no-install-recommends llvm >/dev/null
fi
