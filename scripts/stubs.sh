#!/usr/bin/env bash
# Regenerates stubs/laravels.stubs.php from the extension. The stub tool reads a debug
# build (release builds lack the describe symbol). Needs `cargo install cargo-php`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
lib=target/debug/liblaravels.so
# cargo-php loads the library outside PHP and defines only the engine symbols ext-php-rs
# declares; the ones the extension declares itself (php_file_le_stream, ...) get
# never-called stand-ins, preloaded, so the library loads. Describing calls none of them.
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
nm -D --undefined-only "$lib" | awk '$1 == "U" && $2 !~ /@/ {print $2}' | sort >"$shim/wanted"
nm -D --defined-only "$(command -v cargo-php)" | awk '{print $3}' | sort >"$shim/given"
comm -23 "$shim/wanted" "$shim/given" | sed 's/.*/void &(void) {}/' >"$shim/shim.c"
cc -shared -fPIC -o "$shim/shim.so" "$shim/shim.c"
LD_PRELOAD="$shim/shim.so" cargo php stubs "$lib" --out stubs/laravels.stubs.php
# cargo-php gives a getter-only property a default (`public readonly ?int $size = null;`),
# which PHP refuses for a readonly property: drop the default so the stubs parse.
sed -i -E 's/^( *public readonly [^=;]+) = [^;]+;$/\1;/' stubs/laravels.stubs.php
echo "wrote stubs/laravels.stubs.php"
