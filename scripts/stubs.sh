#!/usr/bin/env bash
# Regenerates stubs/laravels.stubs.php from the extension. The stub tool reads a debug
# build (release builds lack the describe symbol). Needs `cargo install cargo-php`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
cargo php stubs target/debug/liblaravels.so --out stubs/laravels.stubs.php
echo "wrote stubs/laravels.stubs.php"
