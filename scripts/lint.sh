#!/usr/bin/env bash
# The style and lint checks CI runs before any test (scripts/test.sh calls this first):
#   Rust:  cargo fmt --check, then cargo clippy on every target with warnings as errors
#          (the lints are set in Cargo.toml's [lints] tables).
#   PHP:   phpcs with phpcs.xml.dist (PSR-12, 160 columns) on php/, bin/laravels and
#          tests/php.
# Each failing check prints the command that fixes or shows what it found.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=()

echo "== cargo fmt --check"
cargo fmt --check || failed+=("cargo fmt (run: cargo fmt)")

echo "== cargo clippy (warnings are errors)"
cargo clippy --release --all-targets --quiet -- -D warnings || failed+=("cargo clippy (run: cargo clippy --release --all-targets --fix, then fix what is left)")

echo "== phpcs (phpcs.xml.dist)"
command -v phpcs >/dev/null || { echo "phpcs is missing: run scripts/install-deps.sh" >&2; exit 1; }
phpcs -q --report=full || failed+=("phpcs (run: phpcbf, then fix what is left by hand)")

if ((${#failed[@]})); then
  printf 'lint failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "lint: clean"
