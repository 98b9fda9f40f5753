#!/usr/bin/env bash
# Runs bench/run.py on one framework of the matrix, with the PHP it runs on and the
# extension built for that PHP (scripts/frameworks.sh); results go to stdout (and --out).
#   scripts/bench.sh --framework laravel13 --only queries --out docs/bench-run.md
#   scripts/bench.sh                       the default framework, every comparison
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/frameworks.sh
framework=laravel8
if [[ ${1:-} == --framework ]]; then
  framework=${2:?--framework needs one of: ${FRAMEWORKS[*]}}
  shift 2
fi
framework_use "$framework"
exec python3 bench/run.py "$@"
