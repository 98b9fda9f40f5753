"""Strict HTTP/1.x in the master, measured with raw sockets (httpx would normalise the
requests): RFC 9112 3.2's Host rules, RFC 9110 9.1's case-sensitive methods, and
forwarded headers from a peer not in trusted_proxies."""
import json
import socket

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
