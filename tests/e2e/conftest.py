import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from harness import FRAMEWORK, IS_LUMEN, LUMEN_BESIDE, Server, prepared_app  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "laravel_only: needs what only the Laravel examples have (sessions, auth, views); skipped on Lumen"
    )


def pytest_report_header(config):
    return f"framework: {FRAMEWORK} (LARAVELS_FRAMEWORK)"


def pytest_collection_modifyitems(config, items):
    if not IS_LUMEN:
        return
    skip = pytest.mark.skip(reason=f"Laravel-only feature; the suite runs on {FRAMEWORK}")
    for item in items:
        if item.get_closest_marker("laravel_only"):
            item.add_marker(skip)


@pytest.fixture(scope="module", autouse=True)
def module_serving_mode(request):
    """A module that sets `SERVING_MODE = "worker"` runs every server it starts (module-scoped
    ones too, and those of the tests it imports) in that `serving_mode`, through
    `LARAVELS_SERVING_MODE`, which the apps' config/laravels.php reads."""
    mode = getattr(request.module, "SERVING_MODE", None)
    if mode is None:
        yield
        return
    patch = pytest.MonkeyPatch()
    patch.setenv("LARAVELS_SERVING_MODE", mode)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("apps")


def _app_copy(name, template_dir, tmp_path):
    src = prepared_app(name, template_dir)
    dst = tmp_path / name
    shutil.copytree(src, dst, symlinks=True)
    return dst


@pytest.fixture
def laravel_app(template_dir, tmp_path):
    """A private, prepared copy of the example app of the framework under test
    (examples/$LARAVELS_FRAMEWORK; a Lumen one where that is a Lumen)."""
    return _app_copy(FRAMEWORK, template_dir, tmp_path)


@pytest.fixture(scope="module")
def module_laravel_app(template_dir, tmp_path_factory):
    """A prepared copy of the framework's example app shared by one test module, for
    modules that run many small cases against a single server."""
    return _app_copy(FRAMEWORK, template_dir, tmp_path_factory.mktemp("module"))


@pytest.fixture
def lumen_app(template_dir, tmp_path):
    """A private, prepared copy of the Lumen example beside the framework under test."""
    lumen = LUMEN_BESIDE.get(FRAMEWORK)
    if lumen is None:
        pytest.skip(f"no Lumen beside {FRAMEWORK}: Lumen's last version is 10")
    return _app_copy(lumen, template_dir, tmp_path)


@pytest.fixture
def server(laravel_app):
    """A started server on the Laravel example (2 workers)."""
    s = Server(laravel_app).start()
    yield s
    s.stop()
