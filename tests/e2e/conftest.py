import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from harness import Server, prepared_app  # noqa: E402


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
    """A private, prepared copy of examples/laravel8."""
    return _app_copy("laravel8", template_dir, tmp_path)


@pytest.fixture(scope="module")
def module_laravel_app(template_dir, tmp_path_factory):
    """A prepared copy of examples/laravel8 shared by one test module, for modules that
    run many small cases against a single server."""
    return _app_copy("laravel8", template_dir, tmp_path_factory.mktemp("module"))


@pytest.fixture
def lumen_app(template_dir, tmp_path):
    """A private, prepared copy of examples/lumen8."""
    return _app_copy("lumen8", template_dir, tmp_path)


@pytest.fixture
def server(laravel_app):
    """A started server on the Laravel example (2 workers)."""
    s = Server(laravel_app).start()
    yield s
    s.stop()
