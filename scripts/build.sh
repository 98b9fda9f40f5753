#!/usr/bin/env bash
# Builds the extension (release) and prints the path of the .so.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
echo "$PWD/target/release/liblaravels.so"
