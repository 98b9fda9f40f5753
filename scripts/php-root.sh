#!/usr/bin/env bash
# Prepares, and runs commands in, the Debian roots that carry the PHP 8.4 frameworks of the
# test matrix (the host is Debian bookworm: PHP 8.2, Laravel 8, Lumen 8).
#
#   scripts/php-root.sh prepare ROOT        build or update ROOT, print its path
#   scripts/php-root.sh exec ROOT CMD...    run CMD inside ROOT, in the current directory
#   scripts/php-root.sh bin ROOT            print a directory of wrappers (php, composer,
#                                           phpunit, phpize, php-fpm, make...) that run in ROOT
#
# ROOT is one of
#   laravel10   Debian trixie: PHP 8.4, Laravel 10.48, Lumen 10.0
#   laravel13   Debian trixie with the Laravel family from sid: PHP 8.4, Laravel 13
#
# The roots live under $LARAVELS_ROOTS (default /var/cache/laravels-rs). Each step is done
# once and remembered; running the script again reuses what is there and redoes only a
# step whose package list changed. Commands run with the host's checkout, /tmp and the
# host's Rust toolchain ($CARGO_HOME, $RUSTUP_HOME) bind-mounted at their own paths, in a
# private mount namespace (nothing stays mounted afterwards) and with the host's network
# and process ids, so a server started inside is reached and signalled from the host.
# The Debian mirror is the one in this machine's apt sources.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd -P)
ROOTS=${LARAVELS_ROOTS:-/var/cache/laravels-rs}
CARGO_DIR=${CARGO_HOME:-$HOME/.cargo}
RUSTUP_DIR=${RUSTUP_HOME:-$HOME/.rustup}

# What every PHP 8.4 root has: PHP, the tools to build the extension and a stand-in
# extension (phpize), Composer and PHPUnit.
BASE_PACKAGES=(
  ca-certificates
  php8.4-cli php8.4-dev php8.4-fpm php8.4-opcache php8.4-mbstring php8.4-xml php8.4-curl
  php8.4-sqlite3 php8.4-mysql php8.4-redis
  composer phpunit
  clang libclang-dev gcc libc6-dev make
)
LARAVEL10_PACKAGES=(php-laravel-framework php-laravel-lumen-framework)
LARAVEL13_PACKAGES=(php-laravel-framework)
# From sid, only Laravel and the libraries it needs newer than trixie's; everything else
# (PHP itself included) stays trixie's.
SID_PINNED='php-laravel-* php-illuminate-* php-symfony-* php-league-* php-nesbot-carbon php-carbonphp-* php-monolog php-ramsey-* php-guzzlehttp-* php-psr-* php-nunomaduro-* php-brick-* php-dragonmantank-* php-egulias-* php-fruitcake-* php-tijsverkoyen-* php-vlucas-* php-voku-* php-webmozart-* php-doctrine-* php-graham-campbell-* php-phpoption php-dflydev-* php-symfony php-league-commonmark php-nette-* php-mockery php-opis-* php-true-* php-uri-template'

say() { echo "php-root: $*" >&2; }
die() { say "$*"; exit 1; }

mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [[ -n $uri ]] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  echo "$uri"
}

stamp() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

# Runs CMD inside the root directory $1, in the current directory.
run_in() {
  local dir=$1
  shift
  local cwd=$PWD
  [[ -d $dir/usr ]] || die "$dir is not a prepared root"
  # The bind targets must exist inside the root; they stay as empty directories.
  mkdir -p "$dir$REPO" "$dir/tmp" "$dir$CARGO_DIR" "$dir$RUSTUP_DIR"
  local mounts="mount -t proc proc '$dir/proc' && mount --rbind /dev '$dir/dev' && mount --rbind /sys '$dir/sys'"
  mounts+=" && mount --bind /tmp '$dir/tmp' && mount --bind '$REPO' '$dir$REPO'"
  [[ -d $CARGO_DIR ]] && mounts+=" && mount --bind '$CARGO_DIR' '$dir$CARGO_DIR'"
  [[ -d $RUSTUP_DIR ]] && mounts+=" && mount --bind '$RUSTUP_DIR' '$dir$RUSTUP_DIR'"
  # The working directory may lie outside the checkout and /tmp (an app copied elsewhere).
  case $cwd in
    "$REPO" | "$REPO"/* | /tmp | /tmp/*) ;;
    *) mkdir -p "$dir$cwd" && mounts+=" && mount --bind '$cwd' '$dir$cwd'" ;;
  esac
  # unshare and chroot exec in place: CMD keeps this process's pid, so signals reach it.
  exec env LARAVELS_IN_ROOT="$dir" PATH="$CARGO_DIR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    CARGO_HOME="$CARGO_DIR" RUSTUP_HOME="$RUSTUP_DIR" \
    unshare --mount --propagation private -- sh -c "$mounts"' && cwd=$1 && shift && exec chroot "$LARAVELS_IN_ROOT" sh -c '\''cd "$0" && exec "$@"'\'' "$cwd" "$@"' \
    sh "$cwd" "$@"
}

# apt-get in the root; its output goes to $ROOTS/apt.log, shown when it fails.
apt_in() {
  # No service starts inside a root (php8.4-fpm's package would try).
  printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d" && chmod +x "$1/usr/sbin/policy-rc.d"
  if ! (run_in "$1" env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false \
    -o Acquire::Check-Date=false -o Dpkg::Use-Pty=0 -qq "${@:2}") >>"$ROOTS/apt.log" 2>&1; then
    tail -n 30 "$ROOTS/apt.log" >&2
    die "apt-get ${*:2} failed in $1 (whole log: $ROOTS/apt.log)"
  fi
}

# Step 1: a minimal Debian trixie with PHP 8.4 and the build tools.
prepare_base() {
  local base=$ROOTS/php8.4-base want
  want=$(stamp "${BASE_PACKAGES[@]}")
  if [[ ! -f $base/.laravels-debootstrap ]]; then
    command -v debootstrap >/dev/null || {
      say "installing debootstrap on the host"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    say "step 1/3: debootstrap Debian trixie into $base (about 30 s)"
    rm -rf "$base.partial"
    mkdir -p "$ROOTS"
    debootstrap --variant=minbase trixie "$base.partial" "$(mirror)" >"$ROOTS/debootstrap.log" 2>&1 ||
      die "debootstrap failed; see $ROOTS/debootstrap.log"
    rm -rf "$base"
    mv "$base.partial" "$base"
    touch "$base/.laravels-debootstrap"
  fi
  if [[ $(cat "$base/.laravels-packages" 2>/dev/null) != "$want" ]]; then
    say "step 2/3: PHP 8.4, Composer, PHPUnit and the build tools into $base (about a minute)"
    echo "deb $(mirror) trixie main" >"$base/etc/apt/sources.list"
    cp /etc/hosts "$base/etc/hosts"
    apt_in "$base" update
    apt_in "$base" install -y --no-install-recommends "${BASE_PACKAGES[@]}"
    # The tests run with E_ALL, as a developer's machine would.
    printf 'error_reporting = E_ALL\nopcache.enable_cli = 1\n' >"$base/etc/php/8.4/cli/conf.d/99-laravels.ini"
    echo "$want" >"$base/.laravels-packages"
  fi
  echo "$base"
}

# Step 3: the framework root, a copy of the base with its framework packages.
prepare_root() {
  local name=$1 base dir want
  base=$(prepare_base)
  dir=$ROOTS/php8.4-$name
  case $name in
    laravel10) want=$(stamp "$(cat "$base/.laravels-packages")" "${LARAVEL10_PACKAGES[@]}") ;;
    laravel13) want=$(stamp "$(cat "$base/.laravels-packages")" "${LARAVEL13_PACKAGES[@]}" "$SID_PINNED") ;;
    *) die "unknown root '$name' (laravel10 or laravel13)" ;;
  esac
  if [[ $(cat "$dir/.laravels-packages" 2>/dev/null) != "$want" ]]; then
    say "step 3/3: $name into $dir"
    rm -rf "$dir" "$dir.partial"
    cp -a --reflink=auto "$base" "$dir.partial"
    if [[ $name == laravel13 ]]; then
      echo "deb $(mirror) sid main" >>"$dir.partial/etc/apt/sources.list"
      {
        echo "Package: *"
        echo "Pin: release n=sid"
        echo "Pin-Priority: 100"
        echo
        echo "Package: $SID_PINNED"
        echo "Pin: release n=sid"
        echo "Pin-Priority: 600"
      } >"$dir.partial/etc/apt/preferences.d/laravel-from-sid"
      apt_in "$dir.partial" update
      apt_in "$dir.partial" install -y --no-install-recommends "${LARAVEL13_PACKAGES[@]}"
    else
      apt_in "$dir.partial" install -y --no-install-recommends "${LARAVEL10_PACKAGES[@]}"
    fi
    echo "$want" >"$dir.partial/.laravels-packages"
    mv "$dir.partial" "$dir"
  fi
  echo "$dir"
}

# A directory of commands that run in the root, for PATH. It belongs to this checkout
# (target/php-root-bin/ROOT): the wrappers name this checkout's script, which mounts this
# checkout, so two checkouts using one root never run each other's code.
wrappers() {
  local name=$1 dir bin
  dir=$(prepare_root "$name")
  bin=$REPO/target/php-root-bin/$name
  mkdir -p "$bin"
  for cmd in php php-config phpize composer phpunit php-fpm8.4 make cc cargo; do
    printf '#!/bin/sh\nexec %q exec %q %s "$@"\n' "$REPO/scripts/php-root.sh" "$name" "$cmd" >"$bin/$cmd"
    chmod +x "$bin/$cmd"
  done
  echo "$bin"
}

(($# >= 2)) || die "usage: $0 prepare|exec|bin laravel10|laravel13 [CMD...]"
[[ $(id -u) == 0 ]] || die "building and entering the roots needs root (debootstrap, mount, chroot)"
action=$1 name=$2
shift 2
case $action in
  prepare) prepare_root "$name" ;;
  bin) wrappers "$name" ;;
  exec)
    (($#)) || die "usage: $0 exec $name CMD..."
    dir=$ROOTS/php8.4-$name
    [[ -f $dir/.laravels-packages ]] || dir=$(prepare_root "$name")
    run_in "$dir" "$@"
    ;;
  *) die "unknown action '$action' (prepare, exec or bin)" ;;
esac
