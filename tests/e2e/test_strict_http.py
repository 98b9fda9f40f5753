"""Strict HTTP/1.x in the master, measured with raw sockets (httpx would normalise the
requests): RFC 9112 3.2's Host rules, RFC 9110 9.1's case-sensitive methods, the header
timeout (408, as nginx's client_header_timeout) and the idle keep-alive timeout, under 500
slow connections, and forwarded headers from a peer not in trusted_proxies."""
import json
import socket
import subprocess
import sys
import textwrap
import time

import httpx

from harness import Server


def exchange(server, data: bytes, timeout: float = 5) -> tuple[bytes, bool]:
    """Sends `data`, reads one response; returns it and whether the server then closed."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as c:
        c.sendall(data)
        out = b""
        while b"\r\n\r\n" not in out:
            chunk = c.recv(65536)
            if not chunk:
                return out, True
            out += chunk
        head, _, body = out.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            chunk = c.recv(65536)
            if not chunk:
                break
            body += chunk
        try:
            closed = c.recv(1) == b""
        except socket.timeout:
            closed = False
        return head + b"\r\n\r\n" + body, closed


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def body_json(response: bytes) -> dict:
    return json.loads(response.partition(b"\r\n\r\n")[2])


def test_host_rules_of_rfc_9112(laravel_app):
    """RFC 9112 3.2: "A server MUST respond with a 400 (Bad Request) status code to any
    HTTP/1.1 request message that lacks a Host header field and to any request message
    that contains more than one Host header field line or a Host header field with an
    invalid field value." 3.2.2: with an absolute-form target the server "MUST ignore the
    received Host header field (if any) and instead use the host information of the
    request-target"."""
    with Server(laravel_app) as s:
        ok, _ = exchange(s, b"GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=1)
        assert status(ok) == 200 and body_json(ok)["headers"]["host"] == ["localhost"]

        for name, request in {
            "missing": b"GET /echo HTTP/1.1\r\n\r\n",
            "two lines": b"GET /echo HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n",
            "two lines, HTTP/1.0": b"GET /echo HTTP/1.0\r\nHost: a.example\r\nHost: a.example\r\n\r\n",
            "space": b"GET /echo HTTP/1.1\r\nHost: a b.example\r\n\r\n",
            "userinfo": b"GET /echo HTTP/1.1\r\nHost: user@a.example\r\n\r\n",
            "port not a number": b"GET /echo HTTP/1.1\r\nHost: a.example:http\r\n\r\n",
            "unclosed IP literal": b"GET /echo HTTP/1.1\r\nHost: [::1\r\n\r\n",
        }.items():
            answer, closed = exchange(s, request)
            assert status(answer) == 400, (name, answer)
            assert b"Host" in answer and closed, f"{name}: 400 from the master, then the connection is closed"

        old, _ = exchange(s, b"GET /echo HTTP/1.0\r\n\r\n")
        assert status(old) == 200, "HTTP/1.0 may omit Host"
        port, _ = exchange(s, b"GET /echo HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", timeout=1)
        assert status(port) == 200 and body_json(port)["headers"]["host"] == ["[::1]:8080"]

        absolute, _ = exchange(s, b"GET http://absolute.example/echo?x=1 HTTP/1.1\r\nHost: header.example\r\n\r\n", timeout=1)
        assert status(absolute) == 200, absolute
        seen = body_json(absolute)
        assert seen["headers"]["host"] == ["absolute.example"], "the absolute-form target's host wins"
        assert seen["url"] == "http://absolute.example/echo?x=1" and seen["query"] == {"x": "1"}


def test_methods_are_case_sensitive(laravel_app):
    """RFC 9110 9.1: "The method token is case-sensitive"; an origin server that receives
    an unrecognized method "SHOULD respond with the 501 (Not Implemented) status code".
    Symfony upper-cases the method, so `get` must not reach the application."""
    with Server(laravel_app) as s:
        for method in (b"get", b"Get", b"post"):
            answer, _ = exchange(s, method + b" /echo HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=1)
            assert status(answer) == 501 and b"case-sensitive" in answer, (method, answer)
        upper, _ = exchange(s, b"GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=1)
        assert status(upper) == 200 and body_json(upper)["method"] == "GET"
        # An unknown uppercase method reaches the application as itself: Laravel's router
        # answers 405, since /echo exists for the standard methods only.
        purge, _ = exchange(s, b"PURGE /echo HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=1)
        assert status(purge) == 405 and b"case-sensitive" not in purge, purge


def test_header_and_keep_alive_timeouts(laravel_app):
    """nginx's client_header_timeout: a head that does not arrive in time is answered 408
    and the connection closed; keepalive_timeout (here swoole.heartbeat_idle_time): an idle
    keep-alive connection is closed without an answer; a request in the application's
    hands is not cut by either."""
    with Server(laravel_app, overrides={"http": {"header_timeout": 2}, "swoole": {"heartbeat_idle_time": 3}}) as s:
        slow = socket.create_connection(("127.0.0.1", s.port), timeout=8)
        silent = socket.create_connection(("127.0.0.1", s.port), timeout=8)
        idle = socket.create_connection(("127.0.0.1", s.port), timeout=8)
        started = time.monotonic()
        slow.sendall(b"GET /echo HTTP/1.1\r\nHost: local")
        idle.sendall(b"GET /api/hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
        first = idle.recv(65536)
        assert first.startswith(b"HTTP/1.1 200"), first

        answer = slow.recv(65536)
        took = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n") and b"connection: close" in answer.lower(), answer
        assert 1.8 <= took <= 4, f"408 after {took:.1f} s, header_timeout is 2"
        assert slow.recv(1) == b"", "closed after the 408"

        assert silent.recv(1) == b"", "a connection that never sent a byte is closed without an answer"
        assert idle.recv(65536) == b"", "an idle keep-alive connection is closed without an answer"
        took = time.monotonic() - started
        assert 2.8 <= took <= 6, f"idle connection closed after {took:.1f} s, heartbeat_idle_time is 3"
        for c in (slow, silent, idle):
            c.close()

        with httpx.Client(base_url=s.url, timeout=10) as client:
            assert client.get("/sleep/4500").status_code == 200, "a request longer than both timeouts is not cut"
            assert client.get("/api/hello").status_code == 200, "and its connection is reused"


# Holds 500 connections in a separate process, so the clients measured here do not share
# its interpreter: in mode "slow" each sends one header byte every 2 s and never finishes;
# in mode "idle" each sends one whole request, reads the answer and stays silent. Prints,
# as JSON, how many were answered 408, how many were closed, and when the last one was.
HOLDER = textwrap.dedent("""
    import json, selectors, socket, sys, time
    port, mode, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(500)]
    if mode == "idle":
        for c in conns:
            c.sendall(b"GET /api/hello HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n")
        for c in conns:
            assert c.recv(65536).startswith(b"HTTP/1.1 200")
    print("ready", flush=True)
    start = time.monotonic()
    sel = selectors.DefaultSelector()
    for c in conns:
        c.setblocking(False)
        sel.register(c, selectors.EVENT_READ)
    head = b"GET /api/hello HTTP/1.1\\r\\nHost: localhost\\r\\nX-Slow: " + b"a" * 200
    got408, closed, last, sent, tick = 0, 0, 0.0, 0, start
    while closed < len(conns) and time.monotonic() - start < limit:
        if mode == "slow" and time.monotonic() >= tick and sent < len(head):
            for key in sel.get_map().values():
                try:
                    key.fileobj.send(head[sent:sent + 1])
                except OSError:
                    pass
            sent, tick = sent + 1, tick + 2
        for key, _ in sel.select(0.2):
            try:
                data = key.fileobj.recv(65536)
            except OSError:
                data = b""
            if data.startswith(b"HTTP/1.1 408"):
                got408 += 1
                continue
            sel.unregister(key.fileobj)
            key.fileobj.close()
            closed += 1
            last = time.monotonic() - start
    print(json.dumps({"408": got408, "closed": closed, "last": last}), flush=True)
""")


def p99_of(url: str, seconds: float) -> float:
    """Sequential keep-alive requests for `seconds`; their 99th percentile in ms."""
    times = []
    with httpx.Client(base_url=url, timeout=10) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t = time.perf_counter()
            assert client.get("/api/hello").status_code == 200
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return times[int(len(times) * 0.99) - 1]


def test_500_slow_connections_do_not_slow_normal_clients(laravel_app):
    """The issue's measure: 500 connections that send one header byte every 2 s are all
    answered 408 and closed after the header timeout; 500 idle keep-alive connections are
    all closed after the keep-alive timeout; meanwhile other clients keep a p99 within 2x
    of their baseline. Bounded: each holder gives up after its limit."""
    header, idle = 8, 5
    with Server(laravel_app, overrides={"http": {"header_timeout": header}, "swoole": {"heartbeat_idle_time": idle}}) as s:
        p99_of(s.url, 1)  # warm up both workers
        baseline = p99_of(s.url, 3)
        figures = {"baseline_p99_ms": round(baseline, 2)}
        for mode, limit in (("slow", header + 6), ("idle", idle + 6)):
            holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(s.port), mode, str(limit)], stdout=subprocess.PIPE, text=True)
            try:
                assert holder.stdout.readline().strip() == "ready"
                during = p99_of(s.url, min(header, idle) - 1)
                result = json.loads(holder.stdout.readline())
            finally:
                holder.kill()
                holder.wait()
            figures[f"{mode}_p99_ms"] = round(during, 2)
            figures[f"{mode}_result"] = result
            print(f"500 {mode} connections: {figures}")
            assert result["closed"] == 500, f"{mode}: every connection is closed: {result}"
            if mode == "slow":
                assert result["408"] == 500, f"every slow head is answered 408: {result}"
                assert header - 0.5 <= result["last"] <= header + 4, result
            else:
                assert result["408"] == 0, f"idle connections are closed without an answer: {result}"
                assert idle - 0.5 <= result["last"] <= idle + 4, result
            assert during <= 2 * baseline, f"p99 under 500 {mode} connections: {during:.2f} ms, baseline {baseline:.2f} ms"
        print(f"p99 figures: {figures}")


def test_forwarded_headers_need_a_trusted_proxy(laravel_app):
    """trusted_proxies defaults to none (Laravel's TrustProxies trusts nobody until told):
    a local process cannot claim a client address or https; one throttled log line says
    the headers were ignored."""
    spoof = {"X-Real-IP": "203.0.113.9", "X-Real-PORT": "4444", "Scheme": "https"}
    with Server(laravel_app) as s:
        for _ in range(3):
            seen = httpx.get(s.url + "/echo", headers=spoof).json()
            assert (seen["ip"], seen["secure"]) == ("127.0.0.1", False), seen
            assert int(seen["server"]["REMOTE_PORT"]) != 4444
        assert httpx.get(s.url + "/echo").status_code == 200
        log = s.read_log()
        assert log.count("ignored X-Real-IP/Scheme/Server-Port headers") == 1, log
        assert "the last from 127.0.0.1, which is not in trusted_proxies" in log and "trusted_proxies" in log
    with Server(laravel_app, overrides={"trusted_proxies": ["127.0.0.1"]}) as s:
        seen = httpx.get(s.url + "/echo", headers=spoof).json()
        assert (seen["ip"], seen["secure"]) == ("203.0.113.9", True), "the README's nginx setting"
        assert "ignored X-Real-IP" not in s.read_log()
