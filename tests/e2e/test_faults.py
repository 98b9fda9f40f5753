"""Every fault is answered, and a broken worker is replaced."""
import os
import signal
import socket
import threading
import time

import httpx

from harness import APP_LOG, Server


def pid_of_worker(server):
    return httpx.get(server.url + "/pid").json()["pid"]


def one_worker(laravel_app, **env):
    return Server(laravel_app, env={"LARAVELS_WORKER_NUM": "1", **env})


def test_an_exception_gets_laravels_error_response_and_the_worker_goes_on(laravel_app):
    with one_worker(laravel_app) as s:
        before = pid_of_worker(s)
        r = httpx.get(s.url + "/exception")
        assert r.status_code == 500
        assert pid_of_worker(s) == before
        assert "boom" in (s.app / "storage" / "logs" / APP_LOG).read_text()


def test_an_engine_error_is_an_exception_too(laravel_app):
    with one_worker(laravel_app) as s:
        before = pid_of_worker(s)
        assert httpx.get(s.url + "/fatal").status_code == 500
        assert httpx.get(s.url + "/fatal-error").status_code == 500
        assert pid_of_worker(s) == before


def test_memory_exhaustion_answers_500_and_replaces_the_worker(laravel_app):
    with one_worker(laravel_app) as s:
        before = pid_of_worker(s)
        r = httpx.get(s.url + "/memory-exhaust", timeout=30)
        assert r.status_code == 500
        after = pid_of_worker(s)
        assert after != before
        assert "fatal error" in s.read_log() and "Allowed memory size" in s.read_log()


def test_exit_sends_the_output_like_php_fpm_and_replaces_the_worker(laravel_app):
    with one_worker(laravel_app) as s:
        before = pid_of_worker(s)
        r = httpx.get(s.url + "/exit")
        assert (r.status_code, r.text) == (200, "bye")
        assert pid_of_worker(s) != before


def test_dd_answers_500_with_the_dump(laravel_app):
    with one_worker(laravel_app) as s:
        r = httpx.get(s.url + "/dd")
        assert r.status_code == 500
        assert "sf-dump" in r.text, "dd() renders the HTML dump php-fpm would send"
        assert '"<span class=sf-dump-key>x</span>"' in r.text or "sf-dump-key>x<" in r.text
        assert httpx.get(s.url + "/api/hello").status_code == 200


def test_a_killed_worker_gives_502_at_once_and_is_replaced(laravel_app):
    with one_worker(laravel_app) as s:
        victim = pid_of_worker(s)
        result = {}
        t = threading.Thread(target=lambda: result.update(r=httpx.get(s.url + "/sleep/5000", timeout=10)))
        started = time.monotonic()
        t.start()
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)
        t.join()
        assert result["r"].status_code == 502
        assert time.monotonic() - started < 3
        assert pid_of_worker(s) != victim


def test_a_request_its_worker_died_before_reading_goes_to_another_worker(laravel_app):
    # Nothing of the request ran (the worker was stopped, then killed, with the request
    # still in its socket), so it is served by the replacement instead of getting 502.
    with one_worker(laravel_app) as s:
        victim = pid_of_worker(s)
        os.kill(victim, signal.SIGSTOP)
        result = {}
        t = threading.Thread(target=lambda: result.update(r=httpx.get(s.url + "/pid", timeout=30)))
        t.start()
        time.sleep(0.5)
        assert "r" not in result, "the only worker is stopped: the request waits"
        os.kill(victim, signal.SIGKILL)
        t.join()
        assert result["r"].status_code == 200
        assert result["r"].json()["pid"] not in (victim, None)
        assert "died before reading a request" in s.read_log()


def test_a_request_past_the_deadline_gets_504_and_its_worker_is_recycled(laravel_app):
    s = one_worker(laravel_app, LARAVELS_MAX_REQUEST_TIME="1")
    s.set_overrides({"swoole": {"max_request_time": 1}})
    with s.start():
        before = pid_of_worker(s)
        started = time.monotonic()
        r = httpx.get(s.url + "/sleep/4000", timeout=10)
        assert r.status_code == 504
        assert time.monotonic() - started < 3
        assert pid_of_worker(s) != before


def test_memory_ceiling_recycles_after_the_request_not_during_it(laravel_app):
    s = one_worker(laravel_app)
    s.set_overrides({"swoole": {"worker_memory_limit": "96M"}})
    with s.start():
        first = httpx.get(s.url + "/leak/10240").json()
        assert first["leaked_kb"] == 10240
        pid = first["pid"]
        grown = None
        for _ in range(12):
            r = httpx.get(s.url + "/leak/10240")
            assert r.status_code == 200, "the request that passes the ceiling still completes"
            if r.json()["pid"] != pid:
                grown = r.json()
                break
        assert grown is not None, "the worker was recycled once past the ceiling"
        assert grown["leaked_kb"] == 10240, "the new worker starts fresh"
        assert "worker_memory_limit" in s.read_log()


def raw(server, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as c:
        c.sendall(data)
        out = b""
        while b"\r\n\r\n" not in out:
            chunk = c.recv(4096)
            if not chunk:
                break
            out += chunk
        return out


def test_limits_and_malformed_requests(laravel_app):
    s = Server(laravel_app)
    s.set_overrides({"swoole": {"package_max_length": 1024 * 1024}})
    with s.start():
        big = httpx.post(s.url + "/echo", content=b"x" * (2 * 1024 * 1024))
        assert big.status_code == 413
        huge = raw(s, b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 40000 + b"\r\n\r\n")
        assert huge.startswith(b"HTTP/1.1 431")
        assert raw(s, b"NOT A REQUEST\r\n\r\n").startswith(b"HTTP/1.1 400")
        assert httpx.get(s.url + "/api/hello").status_code == 200


def test_connections_past_max_connection_get_503_and_a_log_line(laravel_app):
    s = Server(laravel_app)
    s.set_overrides({"swoole": {"max_connection": 2}})
    with s.start():
        held = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(2)]
        try:
            # Both places are taken once the master has accepted the held connections.
            deadline = time.time() + 5
            while not raw(s, b"GET /api/hello HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 503"):
                assert time.time() < deadline, "a connection over max_connection was not refused with 503"
                time.sleep(0.1)
            deadline = time.time() + 5
            while "refused" not in s.read_log() and time.time() < deadline:
                time.sleep(0.05)
            line = next(l for l in s.read_log().splitlines() if "refused" in l)
            assert "[master]" in line and "swoole.max_connection" in line and "Fix:" in line, line
        finally:
            for c in held:
                c.close()
        # The places come back when the held connections close.
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                if httpx.get(s.url + "/api/hello").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError("the server did not take connections again")
