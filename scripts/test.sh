#!/usr/bin/env bash
# Builds everything and runs every test: Rust unit tests, the extension's PHP feature
# scripts, PHPUnit for the package, and the end-to-end tests against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export LARAVELS_EXT
LARAVELS_EXT=$(scripts/build.sh)

echo "== cargo test"
cargo test --release --quiet

echo "== extension feature scripts (tests/ext)"
for t in tests/ext/*.php; do
  php -d "extension=$LARAVELS_EXT" "$t"
done

echo "== PHPUnit (tests/php)"
phpunit --configuration phpunit.xml.dist

echo "== end-to-end (tests/e2e)"
python3 -m pytest -q tests/e2e "$@"
