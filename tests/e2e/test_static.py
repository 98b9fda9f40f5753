"""handle_static: files from the document root, and never anything else."""
import os

import httpx
import pytest

from harness import Server


@pytest.fixture
def static_server(laravel_app):
    (laravel_app / "secret.txt").write_text("outside the root")
    os.symlink(laravel_app / "secret.txt", laravel_app / "public" / "escape.txt")
    s = Server(laravel_app, env={"LARAVELS_HANDLE_STATIC": "true"}).start()
    yield s
    s.stop()


def test_files_types_etag_304_and_range(static_server):
    url = static_server.url
    r = httpx.get(url + "/static/4k.txt")
    assert r.status_code == 200 and len(r.content) == 4096
    assert r.headers["content-type"].startswith("text/plain")
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    assert httpx.get(url + "/static/4k.txt", headers={"If-None-Match": etag}).status_code == 304
    assert httpx.get(url + "/static/4k.txt", headers={"If-Modified-Since": modified}).status_code == 304
    part = httpx.get(url + "/static/4k.txt", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and len(part.content) == 10
    assert httpx.get(url + "/static/app.css").headers["content-type"].startswith("text/css")
    assert httpx.get(url + "/static/logo.png").headers["content-type"] == "image/png"


@pytest.mark.parametrize("path", [
    "/.hidden", "/%2ehidden", "/.env", "/index.php", "/../secret.txt", "/%2e%2e/secret.txt",
    "/static/..%2f..%2fsecret.txt", "/%252e%252e/secret.txt", "/escape.txt", "/static/%2e%2e/%2e%2e/.env",
])
def test_never_outside_the_root_dot_files_or_php_source(static_server, path):
    with socket_client(static_server) as raw:
        status, body = raw(path)
    assert b"outside the root" not in body and b"APP_KEY" not in body and b"<?php" not in body
    assert status == 404, (path, status)


def socket_client(server):
    """A raw client: httpx would normalise the dot segments away before sending."""
    import contextlib
    import socket

    @contextlib.contextmanager
    def client():
        def get(path):
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as c:
                c.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                data = b""
                while True:
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            return int(head.split()[1]), body
        yield get
    return client()


def test_changed_and_deleted_files_are_never_served_stale(static_server):
    target = static_server.app / "public" / "static" / "note.txt"
    target.write_text("first")
    url = static_server.url + "/static/note.txt"
    assert httpx.get(url).text == "first"
    assert httpx.get(url).text == "first"
    target.write_text("second version")
    assert httpx.get(url).text == "second version"
    target.unlink()
    assert httpx.get(url).status_code == 404
