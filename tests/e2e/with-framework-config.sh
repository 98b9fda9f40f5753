#!/bin/sh
# Runs CMD in the laravel13 Debian root as if Laravel were installed by Composer: the
# framework's own config/ is where LoadConfiguration looks (four levels above its
# Bootstrap directory, /usr/share/config here), so Laravel 11+ merges it under the app's
# and examples/laravel13 does not need dontMergeFrameworkConfiguration(). The overlay
# and its writable layer (a tmpfs on /mnt) live in CMD's private mount namespace only:
# the root is not changed and nothing is left behind.
#
# The e2e suite in that mode (php and composer through this script too):
#   bin=$(mktemp -d); for c in php composer; do
#     printf '#!/bin/sh\nexec %s %s "$@"\n' "$PWD/tests/e2e/with-framework-config.sh" $c >$bin/$c; chmod +x $bin/$c; done
#   PATH=$bin:$(scripts/php-root.sh bin laravel13):$PATH LARAVELS_FRAMEWORK=laravel13 \
#     LARAVELS_EXT=$PWD/target/php8.4/release/liblaravels.so \
#     LARAVELS_RUNTIME_EXEC=$PWD/tests/e2e/with-framework-config.sh python3 -m pytest -q tests/e2e
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
exec "$repo/scripts/php-root.sh" exec laravel13 sh -c '
  mount -t tmpfs overlay-rw /mnt && mkdir /mnt/upper /mnt/work &&
  mount -t overlay overlay -o lowerdir=/usr/share,upperdir=/mnt/upper,workdir=/mnt/work /usr/share &&
  mkdir -p /usr/share/config && mount --bind /usr/share/php/Illuminate/config /usr/share/config &&
  exec "$@"' sh "$@"
