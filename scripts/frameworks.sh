# The framework matrix, sourced by setup.sh and test.sh: which PHP each example app runs
# on, and how to build the extension for it and put its PHP first on PATH.
#
#   framework   PHP                      example app
#   laravel8    8.2 (host, bookworm)     examples/laravel8
#   lumen8      8.2 (host, bookworm)     examples/lumen8
#   laravel10   8.4 (root "laravel10")   examples/laravel10
#   lumen10     8.4 (root "laravel10")   examples/lumen10
#   laravel13   8.4 (root "laravel13")   examples/laravel13
# The roots are Debian trixie trees made by scripts/php-root.sh.

FRAMEWORKS=(laravel13 laravel10 lumen10 laravel8 lumen8)
FRAMEWORK_DEFAULT=laravel13

# The php-root.sh root of FRAMEWORK, or "host".
framework_root() {
  case $1 in
    laravel8 | lumen8) echo host ;;
    laravel10 | lumen10) echo laravel10 ;;
    laravel13) echo laravel13 ;;
    *)
      echo "unknown framework '$1' (one of: ${FRAMEWORKS[*]})" >&2
      return 1
      ;;
  esac
}

# Prepares FRAMEWORK's PHP and builds the extension for it, then exports what the
# scripts and the e2e harness read: PATH (that PHP's php and composer first),
# LARAVELS_EXT, LARAVELS_FRAMEWORK, LARAVELS_RUNTIME_EXEC. Progress goes to stderr.
framework_use() {
  local framework=$1 root repo
  root=$(framework_root "$framework") || return 1
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
  export LARAVELS_FRAMEWORK=$framework
  if [[ $root == host ]]; then
    LARAVELS_RUNTIME_EXEC=
    echo "== $framework: building the extension for the host's PHP" >&2
    LARAVELS_EXT=$("$repo/scripts/build.sh")
  else
    echo "== $framework: preparing the PHP 8.4 root '$root'" >&2
    "$repo/scripts/php-root.sh" prepare "$root" >/dev/null
    PATH=$("$repo/scripts/php-root.sh" bin "$root"):$PATH
    LARAVELS_RUNTIME_EXEC="$repo/scripts/php-root.sh exec $root"
    echo "== $framework: building the extension for PHP 8.4 (target/php8.4)" >&2
    # The root builds offline with the host's cargo: the crates come down here first
    # (for this platform only: other targets' crates are neither needed nor all served).
    (cd "$repo" && cargo fetch --quiet --target "$(rustc -vV | sed -n 's/^host: //p')") >&2
    # Both roots share trixie's PHP 8.4, so one build serves them.
    (cd "$repo" && $LARAVELS_RUNTIME_EXEC env CARGO_TARGET_DIR=target/php8.4 cargo build --release --quiet --offline) >&2
    LARAVELS_EXT=$repo/target/php8.4/release/liblaravels.so
  fi
  export PATH LARAVELS_EXT LARAVELS_RUNTIME_EXEC
}
