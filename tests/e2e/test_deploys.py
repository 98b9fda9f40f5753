"""Zero-downtime deploys by symlink (issue 13): releases/1 and releases/2, each a full copy
of the app with its own vendor/, a `current` link the server is started from, and a shared
storage/ as deploy tools (Envoyer, Deployer) link it. `ln -sfn releases/2 current && php
bin/laravels reload` must boot release 2 in the new workers, let requests in flight finish
on release 1, and keep working once release 1 is deleted."""
import json
import os
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from harness import IS_LUMEN, Server

ROUTES = """
Route::get('/release', function () {
    return response()->json(\\App\\ReleaseInfo::now());
});
Route::get('/release/slow/{ms}', function (int $ms) {
    usleep($ms * 1000);

    return response()->json(\\App\\ReleaseInfo::now());
});
"""
LUMEN_ROUTES = ROUTES.replace("Route::get(", "$router->get(")
# What a request of each release answers: the release's own class (loaded through the
# release's Composer loader), where the app booted from, and whether opcache is on.
RELEASE_INFO = """<?php

namespace App;

final class ReleaseInfo
{
    public static function now(): array
    {
        $opcache = function_exists('opcache_get_status') ? @opcache_get_status(false) : false;

        return [
            'release' => ReleaseMark::NAME,
            'base_path' => base_path(),
            'pid' => getmypid(),
            'opcache' => is_array($opcache) && !empty($opcache['opcache_enabled']),
        ];
    }
}
"""


def mark(release: Path, name: str) -> None:
    (release / "app" / "ReleaseMark.php").write_text(f"<?php\n\nnamespace App;\n\nfinal class ReleaseMark\n{{\n    public const NAME = '{name}';\n}}\n")


def make_releases(app: Path, root: Path) -> Path:
    """root/releases/1 and root/releases/2 made from the prepared app copy `app`, their
    storage/ a link to root/shared/storage, and root/current -> releases/1. Returns current."""
    first = root / "releases" / "1"
    first.parent.mkdir(parents=True)
    shutil.copytree(app, first, symlinks=True)
    shared = root / "shared"
    shared.mkdir()
    shutil.move(str(first / "storage"), shared / "storage")
    (first / "storage").symlink_to(Path("..") / ".." / "shared" / "storage")
    routes = first / "routes" / "web.php"
    routes.write_text(routes.read_text() + (LUMEN_ROUTES if IS_LUMEN else ROUTES))
    (first / "app" / "ReleaseInfo.php").write_text(RELEASE_INFO)
    mark(first, "1")
    second = root / "releases" / "2"
    shutil.copytree(first, second, symlinks=True)
    mark(second, "2")
    current = root / "current"
    current.symlink_to(Path("releases") / "1")
    return current


def switch(current: Path, release: str) -> None:
    """`ln -sfn releases/N current`, made atomic as deploy tools do (a new link renamed over)."""
    new = current.with_name("current.new")
    new.symlink_to(Path("releases") / release)
    os.replace(new, current)


def release_of(s: Server, path: str = "/release") -> dict:
    r = httpx.get(s.url + path, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def reload(s: Server) -> float:
    """`php bin/laravels reload` from `current` (so with the new release's config); its seconds."""
    started = time.monotonic()
    run = s.command("reload")
    assert run.returncode == 0, run.stdout + run.stderr
    return time.monotonic() - started


@pytest.fixture
def current(laravel_app, tmp_path) -> Path:
    return make_releases(laravel_app, tmp_path / "deploy")


def deploy_server(current: Path, how: str, env: dict | None = None) -> Server:
    """Started from `current` as a shell in it starts it ($PWD names the link), or with
    `laravel_base_path` naming the link (and a $PWD that does not)."""
    if how == "pwd":
        return Server(current, env={"PWD": str(current), **(env or {})})
    return Server(current, env={"PWD": "/", "LARAVEL_BASE_PATH": str(current), **(env or {})})


@pytest.mark.parametrize("how", ["pwd", "laravel_base_path"])
def test_reload_boots_the_release_the_link_points_to(current, how):
    root = current.parent
    with deploy_server(current, how) as s:
        first = release_of(s)
        assert (first["release"], first["base_path"]) == ("1", str(root / "releases" / "1"))

        # A request in flight when the link moves finishes on release 1.
        slow: dict = {}
        in_flight = threading.Thread(target=lambda: slow.update(release_of(s, "/release/slow/1500")))
        in_flight.start()
        time.sleep(0.5)
        switch(current, "2")
        reload(s)
        in_flight.join(30)
        assert slow.get("release") == "1", slow

        # Release 1 deleted right after the reload returns: the new workers run release 2.
        shutil.rmtree(root / "releases" / "1")
        answers = {(a["release"], a["base_path"]) for a in (release_of(s) for _ in range(20))}
        assert answers == {("2", str(root / "releases" / "2"))}

        # And they still boot without it: a reload into the same release works.
        reload(s)
        assert {release_of(s)["release"] for _ in range(10)} == {"2"}
        assert "failed to boot" not in s.read_log()


def test_ten_deploys_under_load_fail_no_request(current):
    """Four clients request in a loop while the link moves between the releases ten times,
    each followed by `bin/laravels reload`: no request fails, and the first request after
    each reload returned answers the new release."""
    stop = threading.Event()
    ok: list[int] = []
    failed: list[str] = []

    def client() -> None:
        with httpx.Client(timeout=30) as c:
            while not stop.is_set():
                try:
                    r = c.get(s.url + "/release")
                    if r.status_code == 200 and r.json()["release"] in ("1", "2"):
                        ok.append(1)
                    else:
                        failed.append(f"{r.status_code} {r.text[:200]}")
                except httpx.HTTPError as e:
                    failed.append(repr(e))

    with deploy_server(current, "pwd") as s:
        clients = [threading.Thread(target=client) for _ in range(4)]
        for t in clients:
            t.start()
        seconds = []
        try:
            for i in range(10):
                target = "2" if i % 2 == 0 else "1"
                switch(current, target)
                seconds.append(reload(s))
                assert release_of(s)["release"] == target, f"deploy {i + 1}: the reload returned before the new release served"
        finally:
            stop.set()
            for t in clients:
                t.join(60)
        print(f"\n10 deploys: {len(ok)} requests answered, {len(failed)} failed; reloads took {min(seconds):.2f}-{max(seconds):.2f}s")
        assert failed == [], failed[:5]
        assert len(ok) > 100
        assert "failed to boot" not in s.read_log()


def test_opcache_without_timestamp_validation_serves_the_new_code_after_a_reload(current, tmp_path):
    """opcache.enable_cli with validate_timestamps=0 (file_update_protection=0, so the first
    code is cached at once): a reload serves a file edited in place, then a moved link."""
    ini = tmp_path / "ini"
    ini.mkdir()
    (ini / "opcache.ini").write_text("opcache.enable_cli=1\nopcache.validate_timestamps=0\nopcache.file_update_protection=0\n")
    root = current.parent
    with deploy_server(current, "pwd", env={"PHP_INI_SCAN_DIR": f":{ini}"}) as s:
        first = [release_of(s) for _ in range(6)]
        assert {(a["release"], a["opcache"]) for a in first} == {("1", True)}, json.dumps(first)

        mark(root / "releases" / "1", "1 edited")
        reload(s)
        assert {release_of(s)["release"] for _ in range(6)} == {"1 edited"}

        switch(current, "2")
        reload(s)
        assert {release_of(s)["release"] for _ in range(6)} == {"2"}
