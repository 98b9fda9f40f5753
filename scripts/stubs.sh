#!/usr/bin/env bash
# Regenerates stubs/laravels.stubs.php from the extension. The stub tool reads a debug
# build (release builds lack the describe symbol). Needs `cargo install cargo-php`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
cargo php stubs target/debug/liblaravels.so --out stubs/laravels.stubs.php
# cargo-php gives a getter-only property a default (`public readonly ?int $size = null;`),
# which PHP refuses for a readonly property: drop the default so the stubs parse.
sed -i -E 's/^( *public readonly [^=;]+) = [^;]+;$/\1;/' stubs/laravels.stubs.php
echo "wrote stubs/laravels.stubs.php"
