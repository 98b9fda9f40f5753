#!/usr/bin/env bash
# Makes an example app (examples/laravel8, examples/lumen8, or a copy of one anywhere)
# ready to serve: composer install against this checkout, .env with a fresh APP_KEY,
# storage tree, sqlite users (Laravel), and `php artisan laravels publish`.
# Offline and safe to run again.
#   scripts/prepare-example.sh examples/laravel8
#   cp -r examples/lumen8 /tmp/lumen && scripts/prepare-example.sh /tmp/lumen
set -euo pipefail

die() { echo "prepare-example: $*" >&2; exit 1; }

(($# == 1)) || die "usage: $0 APP_DIR"
[[ -f $1/composer.json && -f $1/artisan ]] || die "$1 is not an example app (no composer.json and artisan)"

repo=$(cd "$(dirname "$0")/.." && pwd -P)
app=$(cd "$1" && pwd -P)
[[ -f $repo/composer.json ]] ||
  die "$repo/composer.json is missing: the laravels-rs package the app installs from is not there"
cd "$app"

# The app requires laravels-rs through a path repository, "../.." in the repository.
# A copy elsewhere is pointed at this checkout instead; its lock file pinned the old path.
php -r '
  [, $file, $repo] = $argv;
  $json = json_decode(file_get_contents($file));
  $changed = false;
  foreach ($json->repositories as $r) {
      if (($r->type ?? "") === "path" && realpath($r->url) !== $repo) {
          $r->url = $repo;
          $changed = true;
      }
  }
  if ($changed) {
      file_put_contents($file, json_encode($json, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n");
      @unlink("composer.lock");
      fwrite(STDERR, "prepare-example: path repository now $repo\n");
  }
' composer.json "$repo"

mkdir -p bootstrap/cache storage/app/public storage/framework/cache/data \
  storage/framework/sessions storage/framework/views storage/logs

if [[ ! -f .env ]]; then
  cp .env.example .env
fi
if grep -qx 'APP_KEY=' .env; then
  key=$(php -r 'echo "base64:", base64_encode(random_bytes(32));')
  sed -i "s|^APP_KEY=\$|APP_KEY=$key|" .env
fi

# Laravel's package manifest names the discovered providers; a stale one can name a
# class that no longer exists and stop artisan before it could rebuild the manifest.
rm -f bootstrap/cache/packages.php bootstrap/cache/services.php

COMPOSER_ALLOW_SUPERUSER=1 composer install --no-interaction --no-progress

# The users of GET /login/{id} (apps that have migrations, i.e. the Laravel one).
if [[ -d database/migrations ]]; then
  touch database/database.sqlite
  php artisan migrate --force --seed --no-interaction
fi

if [[ ! -f config/laravels.php || ! -f bin/laravels ]]; then
  commands=$(php artisan list --raw) || die "php artisan list failed (see above)"
  grep -q '^laravels ' <<<"$commands" ||
    die "artisan has no 'laravels' command: the laravels-rs service provider did not register it, so config/laravels.php and bin/laravels cannot be published"
  php artisan laravels publish --no-interaction
fi

echo "prepared $app"
