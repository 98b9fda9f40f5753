#!/usr/bin/env bash
# One command on a fresh Debian machine: install what is missing, build the extension,
# prepare the bundled example app and start the server on it (foreground; Ctrl-C stops).
#   scripts/setup.sh            start on 127.0.0.1:5200
#   LARAVELS_LISTEN_PORT=8080 scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
ext=$(scripts/build.sh)
scripts/prepare-example.sh examples/laravel8
cd examples/laravel8
echo "starting the example app with $ext"
exec php -d "extension=$ext" bin/laravels start "$@"
