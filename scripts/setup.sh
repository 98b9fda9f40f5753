#!/usr/bin/env bash
# One command on a fresh Debian bookworm machine: install what is missing, build the
# extension, prepare the bundled example app and start the server on it (foreground;
# Ctrl-C stops it).
#   scripts/setup.sh                          Laravel 13 on PHP 8.4 on 127.0.0.1:5200
#   scripts/setup.sh --framework laravel8     another example: laravel8, lumen8 (PHP 8.2,
#                                             the host's), laravel10, lumen10, laravel13
#   scripts/setup.sh -- -d                    arguments after -- go to `bin/laravels start`
#   LARAVELS_LISTEN_PORT=8080 LARAVELS_WORKER_NUM=4 scripts/setup.sh
# PHP 8.4 comes from a Debian trixie root that scripts/php-root.sh builds once (about
# 3 minutes) under /var/cache/laravels-rs and reuses afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/frameworks.sh

framework=$FRAMEWORK_DEFAULT
while (($#)); do
  case $1 in
    --framework) framework=${2:?--framework needs one of: ${FRAMEWORKS[*]}}; shift 2 ;;
    --framework=*) framework=${1#*=}; shift ;;
    --) shift; break ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
framework_root "$framework" >/dev/null

echo "== installing what is missing on the host"
scripts/install-deps.sh
framework_use "$framework"
echo "== preparing examples/$framework"
scripts/prepare-example.sh "examples/$framework"
cd "examples/$framework"
# One worker per CPU: LaravelS's default of 30 would spend about 750 MB on a small machine.
export LARAVELS_WORKER_NUM=${LARAVELS_WORKER_NUM:-$(nproc)}
echo "== starting examples/$framework with $LARAVELS_WORKER_NUM workers ($LARAVELS_EXT)"
if [[ $(framework_root "$framework") != host ]]; then
  # This PHP lives in a Debian root: say how to reach the server's other commands with it.
  echo "   other commands, from another shell (PHP $(php -r 'echo PHP_VERSION;') runs in a Debian root):"
  echo "   cd $PWD && PATH=$(dirname "$(command -v php)"):\$PATH php -d extension=$LARAVELS_EXT bin/laravels info|reload|stop"
fi
exec php -d "extension=$LARAVELS_EXT" bin/laravels start "$@"
