"""Loading laravels-rs beside ext-swoole stops start-up with a clear message, not a crash.

ext-swoole cannot be installed here (no PECL), so a stand-in extension registered under
the name "swoole" (tests/fixtures/fake_swoole) is built with phpize: the check is on the
extension's name, which is all the stand-in has to provide."""
import shutil
import subprocess

import pytest

from harness import EXTENSION, REPO, RUNTIME_EXEC, Server

PHPIZE = shutil.which("phpize")


@pytest.fixture(scope="module")
def fake_swoole(tmp_path_factory):
    build = tmp_path_factory.mktemp("fake-swoole")
    shutil.copytree(REPO / "tests" / "fixtures" / "fake_swoole", build, dirs_exist_ok=True)
    for step in (["phpize"], ["./configure", "--enable-swoole"], ["make", "-j2"]):
        # Built by the PHP under test: in its Debian root where that is not the host's.
        run = subprocess.run([*RUNTIME_EXEC, *step], cwd=build, capture_output=True, text=True)
        assert run.returncode == 0, f"{step}: {run.stdout[-2000:]}{run.stderr[-2000:]}"
    return build / "modules" / "swoole.so"


@pytest.mark.skipif(PHPIZE is None, reason="phpize comes with php8.x-dev (scripts/install-deps.sh)")
def test_start_beside_swoole_is_refused_with_the_fix(laravel_app, fake_swoole):
    server = Server(laravel_app)
    run = subprocess.run(
        ["php", "-d", f"extension={fake_swoole}", "-d", f"extension={EXTENSION}", "bin/laravels", "start"],
        cwd=laravel_app, env=server.env, capture_output=True, text=True, timeout=60,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "ext-swoole is loaded beside ext-laravels" in out and "phpdismod swoole" in out
    assert "Segmentation" not in out and "Fatal error" not in out
    assert not (laravel_app / "storage" / "laravels.pid").exists()
