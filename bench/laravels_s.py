"""LaravelS on Swoole beside laravels-rs, for the optional rows of bench/cpu.py.

Neither is part of this repository. Swoole builds from its source with phpize, configure
and make (about 9 minutes here); LaravelS is a plain source tree. Given both:

    python3 bench/cpu.py --laravels-s /path/to/laravel-s --swoole-so /path/to/swoole.so

`prepare()` copies the prepared example app, swaps the laravels-rs package for LaravelS
(a Composer path repository, as the example installs laravels-rs), publishes LaravelS's
own config/laravels.php and bin/laravels, and sets the broadcaster to `log` (the example's
`laravels` broadcaster is ours). LaravelS's published config reads the same
`LARAVELS_LISTEN_PORT`, `LARAVELS_WORKER_NUM` and `LARAVELS_MAX_REQUEST` variables;
its `pid_file` is made to read `LARAVELS_PID_FILE`, so servers of one copy do not collide.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path


class LaravelSError(Exception):
    """The LaravelS copy of the app could not be made."""


def prepare(template: Path, source: Path, workdir: Path) -> Path:
    """A copy of the prepared example app `template` running LaravelS from `source`."""
    if not (source / "src" / "LaravelS.php").is_file():
        raise LaravelSError(f"{source} is not a LaravelS source tree (no src/LaravelS.php)")
    app = workdir / "laravel-s-app"
    shutil.rmtree(app, ignore_errors=True)
    shutil.copytree(template, app, symlinks=True,
                    ignore=shutil.ignore_patterns("vendor", "composer.lock", "laravels.php", "laravels", "*.pid"))
    composer = json.loads((template / "composer.json").read_text())
    composer["require"] = {k: v for k, v in composer["require"].items() if k != "laravels-rs/laravels"}
    composer["require"]["hhxsv5/laravel-s"] = "@dev"
    for repo in composer["repositories"]:
        if repo.get("type") == "path":
            repo["url"], repo["options"] = str(source.resolve()), {"symlink": False}
    # Provided by Debian's PHP packages or not needed to serve: LaravelS lists them.
    composer.setdefault("provide", {}).update({"swoole/ide-helper": "*", "symfony/console": "*"})
    (app / "composer.json").write_text(json.dumps(composer, indent=4))
    env = app / ".env"
    env.write_text(re.sub(r"^BROADCAST_DRIVER=.*$", "BROADCAST_DRIVER=log", env.read_text(), flags=re.M))
    for cached in (app / "bootstrap" / "cache").glob("*.php"):
        cached.unlink()
    for step in (["composer", "install", "--no-interaction", "--no-progress"], ["php", "artisan", "laravels", "publish"]):
        run = subprocess.run(step, cwd=app, capture_output=True, text=True, env={**os.environ, "COMPOSER_ALLOW_SUPERUSER": "1"})
        if run.returncode != 0:
            raise LaravelSError(f"{' '.join(step)} in {app} failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    link_debian_symfony(app)
    # One pid file per server, so several can run from this copy (one per worker count).
    config = app / "config" / "laravels.php"
    text = config.read_text()
    if "storage_path('laravels.pid')" not in text:
        raise LaravelSError(f"{config} does not set pid_file as LaravelS 3.7 does; cannot give each server its own")
    config.write_text(text.replace("storage_path('laravels.pid')", "env('LARAVELS_PID_FILE', storage_path('laravels.pid'))"))
    return app


# Debian's Symfony, where LaravelS's bin/laravels looks for it (vendor/symfony/...): its
# own autoloader runs before Composer's and knows only that layout.
SYMFONY = Path("/usr/share/php/Symfony")


def link_debian_symfony(app: Path) -> None:
    if not (SYMFONY / "Component" / "Console").is_dir():
        raise LaravelSError(f"{SYMFONY}/Component/Console is missing. Fix: apt-get install php-symfony-console")
    vendor = app / "vendor" / "symfony"
    vendor.mkdir(parents=True, exist_ok=True)
    for name, target in (("console", SYMFONY / "Component" / "Console"), ("service-contracts", SYMFONY / "Contracts" / "Service"),
                         ("contracts", SYMFONY / "Contracts")):
        if not (vendor / name).exists():
            (vendor / name).symlink_to(target)
    # PHP 8 needs no PHP 8.0 polyfill; bin/laravels requires its bootstrap file all the same.
    polyfill = vendor / "polyfill-php80"
    polyfill.mkdir(exist_ok=True)
    (polyfill / "bootstrap.php").touch()


def ini_dir(swoole_so: Path, settings: dict[str, str], workdir: Path) -> str:
    """A `PHP_INI_SCAN_DIR` value that loads `swoole_so` and `settings` beside the system's
    ini files: LaravelS's bin/laravels runs `php artisan` again without the caller's `-d`
    flags, so they would not reach the server."""
    scan = workdir / "swoole-ini"
    scan.mkdir(parents=True, exist_ok=True)
    lines = [f"extension={swoole_so.resolve()}", *(f"{k}={v}" for k, v in settings.items())]
    (scan / "swoole.ini").write_text("\n".join(lines) + "\n")
    return f":{scan}"


def version(source: Path) -> str:
    """LaravelS's version: the tree's directory name (its source states none)."""
    return source.resolve().name
