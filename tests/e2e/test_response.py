"""What the client receives: status, headers, cookies, bodies, streams and files."""
import hashlib
import json
import os
import re
import time

import httpx
import pytest

from harness import FRAMEWORK, IS_LUMEN


def test_json_status_and_reason(server):
    r = httpx.get(server.url + "/api/hello")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == {"message": "hello"}
    teapot = httpx.get(server.url + "/status/418")
    assert teapot.status_code == 418 and teapot.reason_phrase == "I'm a teapot" and teapot.text == "status"


@pytest.mark.laravel_only  # Lumen has no cookie jar (Cookie::queue) and no cookie encryption
def test_repeated_headers_and_several_cookies(server):
    r = httpx.get(server.url + "/cookies")
    assert r.headers.get_list("x-multi") == ["a", "b"]
    cookies = r.headers.get_list("set-cookie")
    names = sorted(c.split("=", 1)[0] for c in cookies)
    assert "enc" in names and "plain" in names, cookies
    assert any(c.startswith("plain=plain-value") for c in cookies)
    assert not any(c.startswith("enc=encrypted-value") for c in cookies), "enc is encrypted by the app"


def test_redirect(server):
    r = httpx.get(server.url + "/redirect")
    assert r.status_code == 302 and r.headers["location"] == f"http://127.0.0.1:{server.port}/hello"


def test_head_has_headers_and_no_body(server):
    with httpx.Client() as c:
        r = c.head(server.url + "/api/hello")
        assert r.status_code == 200 and r.content == b""
        assert r.headers["content-type"] == "application/json"
        assert c.get(server.url + "/api/hello").json() == {"message": "hello"}, "the connection stays usable"


def test_echo_and_var_dump_output_is_the_body_when_the_response_is_empty(server):
    assert httpx.get(server.url + "/echo-output").text == "echoed;"
    dumped = httpx.get(server.url + "/var-dump").text
    assert '["dumped"]=>' in dumped and "bool(true)" in dumped


def test_streamed_response_arrives_as_the_app_writes_it(server):
    arrivals = []
    with httpx.stream("GET", server.url + "/stream", timeout=10) as r:
        assert r.headers.get("transfer-encoding") == "chunked"
        for chunk in r.iter_text():
            for line in chunk.splitlines():
                arrivals.append((line, time.monotonic()))
    assert [line for line, _ in arrivals] == [f"chunk-{i}" for i in range(1, 6)]
    # The app sleeps 200 ms between chunks; buffering the whole body would deliver all at once.
    assert arrivals[-1][1] - arrivals[0][1] > 0.6


def test_file_download_whole_and_ranges(server):
    full = httpx.get(server.url + "/download")
    assert full.status_code == 200 and len(full.content) == 1 << 20
    assert hashlib.md5(full.content).hexdigest() == "c35cc7d8d91728a0cb052831bc4ef372"
    part = httpx.get(server.url + "/download", headers={"Range": "bytes=256-511"})
    assert part.status_code == 206 and part.content == bytes(range(256))
    assert part.headers["content-range"] == f"bytes 256-511/{1 << 20}"


def test_delete_file_after_send(server):
    r = httpx.get(server.url + "/download-delete")
    assert r.status_code == 200 and len(r.content) == 1 << 20
    path = r.headers["x-temp-file"]
    time.sleep(0.2)
    assert not os.path.exists(path)


def test_server_header_option(laravel_app):
    from harness import Server
    with Server(laravel_app, env={"LARAVELS_SERVER": "laravels-test"}) as s:
        assert httpx.get(s.url + "/api/hello").headers["server"] == "laravels-test"


def test_http_compression_gzips_for_clients_that_accept_it(laravel_app):
    from harness import Server
    with Server(laravel_app, env={"LARAVELS_HTTP_COMPRESSION": "true"}) as s:
        page = httpx.get(s.url + "/", headers={"Accept-Encoding": "gzip"})
        assert page.headers["content-encoding"] == "gzip" and "<html" in page.text.lower()
        assert "accept-encoding" in page.headers["vary"].lower()
        plain = httpx.get(s.url + "/", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == page.text


def test_legacy_enable_gzip_and_enable_coroutine_runtime_are_accepted(laravel_app):
    """LaravelS's `enable_gzip` (deprecated there for Swoole's http_compression) gzips as
    http_compression does, with a warning naming what to set instead;
    `enable_coroutine_runtime` is accepted with a note on what it means here."""
    from harness import Server
    with Server(laravel_app, overrides={"enable_gzip": True, "enable_coroutine_runtime": True}) as s:
        page = httpx.get(s.url + "/", headers={"Accept-Encoding": "gzip"})
        assert page.headers["content-encoding"] == "gzip" and "<html" in page.text.lower()
        assert "content-encoding" not in httpx.get(s.url + "/", headers={"Accept-Encoding": "identity"}).headers
        assert "laravels.enable_coroutine_runtime: nothing to turn on here" in s.startup
        log = s.read_log()
    assert "laravels.enable_gzip is LaravelS's deprecated switch" in log and "http_compression" in log
    assert "not a LaravelS setting" not in log


@pytest.mark.laravel_only  # Lumen runs terminate() of global middleware only, never of route middleware
def test_terminable_middleware_runs_after_each_of_its_responses_and_nowhere_else(server):
    log = server.app / "storage" / "app" / "terminated.log"
    # Several requests, so both workers meet the middleware more than once.
    statuses = [200, 202, 200, 203, 200, 202]
    for status in statuses:
        r = httpx.get(f"{server.url}/terminable/{status}")
        assert (r.status_code, r.text) == (status, "terminable")
        assert httpx.get(server.url + "/api/hello").status_code == 200
    deadline = time.time() + 5
    while time.time() < deadline and (not log.exists() or len(log.read_text().splitlines()) < len(statuses)):
        time.sleep(0.05)
    time.sleep(0.2)  # a late extra line would show now
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(s["path"], s["status"]) for s in seen] == [(f"terminable/{s}", s) for s in statuses], seen


@pytest.mark.skipif(IS_LUMEN or int(re.sub(r"\D", "", FRAMEWORK)) < 11, reason="defer() and its InvokeDeferredCallbacks middleware are Laravel 11+")
def test_deferred_callbacks_run_once_after_their_response(server):
    """On Laravel 11+ the kernel's own terminate() runs the terminable middleware (the
    framework's global InvokeDeferredCallbacks among them): a defer()red callback runs
    after its response went out, once, in the worker that served the request."""
    log = server.app / "storage" / "app" / "deferred.log"
    ids = ["a", "b", "c", "d"]
    answered = []
    for i in ids:
        r = httpx.get(f"{server.url}/deferred/{i}")
        answered.append(time.time())
        assert (r.status_code, r.text) == (200, "deferred")
    deadline = time.time() + 5
    while time.time() < deadline and (not log.exists() or len(log.read_text().splitlines()) < len(ids)):
        time.sleep(0.05)
    time.sleep(0.5)  # a callback run a second time (with a later request) would show now
    assert httpx.get(server.url + "/api/hello").status_code == 200
    time.sleep(0.4)
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    assert [s["id"] for s in seen] == ids, seen
    # Each callback sleeps 300 ms before it writes: its response had arrived by then.
    assert all(got < s["at"] for got, s in zip(answered, seen)), (answered, seen)
    assert {s["pid"] for s in seen} <= set(server.worker_pids())
