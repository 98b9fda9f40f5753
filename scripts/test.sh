#!/usr/bin/env bash
# Builds everything and runs every test: the lints (scripts/lint.sh), Rust unit tests,
# the extension's PHP feature scripts and PHPUnit on PHP 8.2 and 8.4, then the end-to-end
# tests against real servers on the framework matrix (scripts/frameworks.sh):
#   Laravel 13 (PHP 8.4) and Laravel 8 (PHP 8.2): the whole e2e suite;
#   Laravel 10, Lumen 10 (PHP 8.4) and Lumen 8 (PHP 8.2): the request, lifecycle,
#   WebSocket and task tests.
#
#   scripts/test.sh                          the whole matrix
#   scripts/test.sh --framework laravel10    the whole e2e suite on one framework
#   scripts/test.sh [--framework X] -- -k ws extra pytest arguments (each e2e run)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/frameworks.sh

only=
while (($#)); do
  case $1 in
    --framework) only=${2:?--framework needs one of: ${FRAMEWORKS[*]}}; shift 2 ;;
    --framework=*) only=${1#*=}; shift ;;
    --) shift; break ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[[ -z $only ]] || framework_root "$only" >/dev/null

scripts/install-deps.sh
scripts/lint.sh
reports=target/e2e-reports
rm -rf "$reports" && mkdir -p "$reports"

# The unit levels, on one PHP: the host's, and a root's (PHP 8.4, Laravel 10: the newest
# framework PHPUnit's fixture apps are written for).
unit_tests() {
  local label=$1
  echo "== extension feature scripts (tests/ext) on PHP $label"
  for t in tests/ext/*.php; do
    php -d error_reporting=-1 -d "extension=$LARAVELS_EXT" "$t"
  done
  echo "== PHPUnit (tests/php) on PHP $label"
  phpunit --configuration phpunit.xml.dist
}

# One e2e leg: FRAMEWORK, then the pytest arguments. The first failing leg ends the run.
e2e() {
  local framework=$1
  shift
  (
    framework_use "$framework"
    echo "== end-to-end (tests/e2e) on $framework"
    python3 -m pytest -q -p no:cacheprovider --junitxml="$reports/$framework.xml" "$@"
  )
}

echo "== cargo test"
cargo test --release --quiet
# (Each in a subshell of plain statements: set -e holds there, where after && it would not.)
(
  framework_use laravel8
  unit_tests "$(php -r 'echo PHP_VERSION;')"
)
(
  framework_use laravel10
  unit_tests "$(php -r 'echo PHP_VERSION;') (root laravel10)"
)

if [[ -n $only ]]; then
  e2e "$only" tests/e2e "$@"
else
  subset=(tests/e2e/test_request.py tests/e2e/test_lifecycle.py tests/e2e/test_websocket.py tests/e2e/test_tasks.py)
  e2e laravel13 tests/e2e "$@"
  e2e laravel8 tests/e2e "$@"
  e2e laravel10 "${subset[@]}" tests/e2e/test_lumen.py "$@"
  e2e lumen10 "${subset[@]}" "$@"
  e2e lumen8 "${subset[@]}" "$@"
fi

# One closing line over every e2e run.
python3 - "$reports" <<'PY'
import sys, xml.etree.ElementTree as ET
from pathlib import Path
total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for report in sorted(Path(sys.argv[1]).glob("*.xml")):
    for suite in ET.parse(report).getroot().iter("testsuite"):
        counts = {k: int(suite.get(k, 0)) for k in total}
        print(f"e2e {report.stem}: {counts['tests']} tests, {counts['failures'] + counts['errors']} failed, {counts['skipped']} skipped")
        for k in total:
            total[k] += counts[k]
failed = total["failures"] + total["errors"]
print(f"e2e: {total['tests'] - failed - total['skipped']} passed, {failed} failed, {total['skipped']} skipped")
PY
