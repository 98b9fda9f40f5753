"""TLS and HTTP/2 on the main port: the application sees the same request over HTTP/1.1,
HTTP/2 over TLS (ALPN) and h2c (prior knowledge), checked with curl and with httpx/h2.
The certificate is made with the openssl CLI for each test."""
import hashlib
import json
import socket
import ssl
import subprocess
import time

import httpx
import pytest

from harness import Server, free_port

# What differs between two requests by nature, not by protocol.
VOLATILE_SERVER = {"REMOTE_PORT", "REQUEST_TIME", "REQUEST_TIME_FLOAT"}


@pytest.fixture
def certs(tmp_path):
    """A self-signed certificate for 127.0.0.1 / localhost and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def tls_settings(certs, http2=True, socket_type=1 | 512):
    cert, key = certs
    return {"socket_type": socket_type,
            "swoole": {"ssl_cert_file": str(cert), "ssl_key_file": str(key), "open_http2_protocol": http2}}


def verify(cert):
    return ssl.create_default_context(cafile=str(cert))


def https(server):
    return f"https://127.0.0.1:{server.port}"


def curl(*args):
    """(http_version, status, body) of one curl request."""
    out = subprocess.run(["curl", "-sS", "-w", "\n%{http_version} %{http_code}", *args],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    body, _, tail = out.stdout.rpartition("\n")
    version, status = tail.split()
    return version, int(status), body


def comparable(echo):
    """An /echo answer without what changes from one request to the next."""
    echo = dict(echo)
    echo["server"] = {k: v for k, v in echo["server"].items() if k not in VOLATILE_SERVER}
    return echo


def test_curl_http11_and_http2_over_tls_see_the_same_request(laravel_app, certs):
    cert, _ = certs
    with Server(laravel_app, overrides=tls_settings(certs)).start() as s:
        assert f"listening on https://127.0.0.1:{s.port}" in s.startup
        url = https(s) + "/echo?a=1&list[]=x&list[]=y"
        common = ["--cacert", str(cert), "-H", "X-Custom: yes", "-H", "Cookie: a=1; b=hello%20world",
                  "-H", "User-Agent: same", url]
        v1, status1, body1 = curl("--http1.1", *common)
        v2, status2, body2 = curl("--http2", *common)
    assert (v1, status1) == ("1.1", 200) and (v2, status2) == ("2", 200)
    one, two = json.loads(body1), json.loads(body2)
    assert one["secure"] is True and one["scheme"] == "https" and one["server"]["HTTPS"] == "on"
    assert one["url"] == f"https://127.0.0.1:{s.port}/echo?a=1&list%5B0%5D=x&list%5B1%5D=y"
    assert one["query"] == {"a": "1", "list": ["x", "y"]}
    assert one["cookies"] == {"a": "1", "b": "hello world"}
    assert one["headers"]["host"] == [f"127.0.0.1:{s.port}"]
    assert comparable(one) == comparable(two)


def test_httpx_h2_bodies_forms_json_and_uploads_match_http11(laravel_app, certs):
    cert, _ = certs
    blob = bytes(range(256)) * 64
    upload = bytes(range(256)) * 300
    with Server(laravel_app, overrides=tls_settings(certs)).start() as s:
        answers = {}
        for name, http2 in (("h1", False), ("h2", True)):
            with httpx.Client(verify=verify(cert), http2=http2) as client:
                def send(method, path, **kw):
                    # No session cookie from an earlier answer: each request says only this.
                    client.cookies.clear()
                    return client.request(method, https(s) + path, **kw)
                answers[name] = {
                    "form": send("POST", "/echo", data={"name": "Ann", "tags[]": ["x", "y"]}),
                    "json": send("POST", "/echo?q=1", json={"user": {"id": 7}}, headers={"Cookie": "c=v"}),
                    "blob": send("PUT", "/echo", content=blob, headers={"Content-Type": "application/octet-stream"}),
                    "upload": send("POST", "/upload", data={"title": "t"},
                                   files=[("photo", ("a.bin", upload, "application/octet-stream"))]),
                }
    for name, version in (("h1", "HTTP/1.1"), ("h2", "HTTP/2")):
        got = answers[name]
        assert all(r.http_version == version and r.status_code == 200 for r in got.values()), \
            {k: (r.http_version, r.status_code, r.text[:200]) for k, r in got.items()}
        assert got["form"].json()["input"] == {"name": "Ann", "tags": ["x", "y"]}
        assert got["json"].json()["json"] == {"user": {"id": 7}}
        assert got["json"].json()["cookies"] == {"c": "v"}
        assert got["blob"].json()["method"] == "PUT"
        assert got["blob"].json()["content_md5"] == hashlib.md5(blob).hexdigest()
        photo = got["upload"].json()["files"][0]
        assert photo["md5"] == hashlib.md5(upload).hexdigest() and photo["original_name"] == "a.bin"
    for kind in ("form", "json", "blob"):
        h1, h2 = comparable(answers["h1"][kind].json()), comparable(answers["h2"][kind].json())
        # Clients word these differently per protocol; the application gets what they sent.
        for echo in (h1, h2):
            echo["headers"].pop("connection", None)
        assert h1 == h2, kind
    assert answers["h1"]["upload"].json()["files"] == answers["h2"]["upload"].json()["files"]


def test_h2c_prior_knowledge_beside_http11_on_the_cleartext_port(laravel_app):
    with Server(laravel_app, overrides={"swoole": {"open_http2_protocol": True}}).start() as s:
        url = s.url + "/echo?x=1"
        v1, status1, body1 = curl("--http1.1", "-H", "X-Custom: yes", url)
        v2, status2, body2 = curl("--http2-prior-knowledge", "-H", "X-Custom: yes", url)
        with httpx.Client(http1=False, http2=True) as client:
            r = client.post(s.url + "/echo", json={"k": "v"})
    assert (v1, status1, v2, status2) == ("1.1", 200, "2", 200)
    one, two = json.loads(body1), json.loads(body2)
    assert one["secure"] is False and one["server"]["HTTPS"] is None
    assert comparable(one) == comparable(two)
    assert r.http_version == "HTTP/2" and r.json()["json"] == {"k": "v"}


def test_without_open_http2_protocol_only_http11_is_served(laravel_app, certs):
    cert, _ = certs
    with Server(laravel_app, overrides=tls_settings(certs, http2=False)).start() as s:
        # ALPN offers only http/1.1, so curl's --http2 falls back to it.
        version, status, body = curl("--http2", "--cacert", str(cert), https(s) + "/echo")
        assert (version, status) == ("1.1", 200) and json.loads(body)["secure"] is True
    # The same app without TLS (the overrides file of the first server is replaced).
    with Server(laravel_app, overrides={"swoole": {"open_http2_protocol": False}}).start() as s:
        version, status, body = curl("--http2-prior-knowledge", s.url + "/echo")
        assert (version, status) == ("2", 505) and "open_http2_protocol" in body
        assert curl("--http1.1", s.url + "/echo")[:2] == ("1.1", 200)


def test_plain_http_on_the_tls_port_fails_alone(laravel_app, certs):
    cert, _ = certs
    with Server(laravel_app, overrides=tls_settings(certs)).start() as s:
        context = verify(cert)
        with socket.create_connection(("127.0.0.1", s.port)) as silent, \
                context.wrap_socket(socket.create_connection(("127.0.0.1", s.port)), server_hostname="localhost") as tls:
            # A TLS connection opened before the plain-HTTP client stays usable after it.
            tls.sendall(b"GET /api/hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert tls.recv(65536).startswith(b"HTTP/1.1 200")
            with socket.create_connection(("127.0.0.1", s.port), timeout=10) as plain:
                plain.sendall(b"GET /api/hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
                answer = b""
                while chunk := plain.recv(65536):
                    answer += chunk
            assert b"HTTP/1.1" not in answer, "a plain request must not be answered in clear text"
            tls.sendall(b"GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert tls.recv(65536).startswith(b"HTTP/1.1 200")
            # A connection that never says anything blocks nobody either.
            assert httpx.get(https(s) + "/api/hello", verify=verify(cert)).status_code == 200
            silent.setblocking(False)


def closed_after(conn: socket.socket, started: float) -> float:
    """Seconds from `started` until the server closed `conn` (end of stream or reset),
    reading whatever it sent first; fails if it sent a byte."""
    try:
        assert conn.recv(1) == b"", "nothing to answer before the handshake"
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def test_a_stalled_handshake_is_closed_after_header_timeout(laravel_app, certs):
    """http.header_timeout bounds the TLS handshake too: a client that connects and never
    finishes it (says nothing, or half a ClientHello) is closed, without an answer (there
    is no TLS session to send a 408 in), and frees its place."""
    cert, _ = certs
    overrides = {**tls_settings(certs), "http": {"header_timeout": 2}}
    with Server(laravel_app, overrides=overrides).start() as s:
        started = time.monotonic()
        silent = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        partial = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        # A handshake record header promising 512 bytes, then only 24 of them.
        partial.sendall(b"\x16\x03\x01\x02\x00" + b"\x01\x00\x01\xfc\x03\x03" + bytes(18))
        # Meanwhile a client that completes its handshake is served.
        assert httpx.get(https(s) + "/api/hello", verify=verify(cert)).status_code == 200
        for conn in (silent, partial):
            took = closed_after(conn, started)
            assert 1.8 <= took <= 4, f"closed after {took:.1f} s, header_timeout is 2"
            conn.close()
        info = json.loads(s.command("status", "--json").stdout)["master"]
        assert info["connections"] == 0, info


def test_a_bad_certificate_stops_start_naming_the_file(laravel_app, certs, tmp_path):
    cert, key = certs
    missing = tmp_path / "missing" / "cert.pem"
    s = Server(laravel_app, overrides=tls_settings((missing, key)))
    run = s.command("start", timeout=60)
    assert run.returncode != 0
    assert "laravels.swoole.ssl_cert_file" in run.stderr and str(missing) in run.stderr and "Fix:" in run.stderr, run.stderr
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("hello\n")
    s.set_overrides(tls_settings((cert, not_a_key)))
    run = s.command("start", timeout=60)
    assert run.returncode != 0
    assert "laravels.swoole.ssl_key_file" in run.stderr and str(not_a_key) in run.stderr, run.stderr
    assert not (laravel_app / "storage" / "laravels.pid").exists()


def test_tls_on_extra_ports(laravel_app, certs):
    """An extra TCP port and an extra HTTP port with TLS (`type` | SWOOLE_SSL and the
    port's own ssl_cert_file / ssl_key_file), beside a plain main port."""
    import socket
    import ssl

    cert, key = certs
    tcp_port, http_port = free_port(), free_port()
    port_tls = {"ssl_cert_file": str(cert), "ssl_key_file": str(key)}
    overrides = {"sockets": [
        {"host": "127.0.0.1", "port": tcp_port, "type": 1 | 512, "handler": "App\\Sockets\\TestTcpSocket",
         "settings": {"open_eof_split": True, "package_eof": "\r\n", **port_tls}},
        {"host": "127.0.0.1", "port": http_port, "type": 1 | 512, "handler": "App\\Sockets\\TestHttp",
         "settings": {"open_http_protocol": True, **port_tls}},
    ]}
    with Server(laravel_app, overrides=overrides) as server:
        assert f"tcp://127.0.0.1:{tcp_port} (TLS)" in server.startup
        context = ssl.create_default_context(cafile=str(cert))
        with socket.create_connection(("127.0.0.1", tcp_port)) as raw, context.wrap_socket(raw, server_hostname="localhost") as s:
            s.settimeout(10)
            data = b""
            while b"LaravelS." not in data:
                data += s.recv(1024)
            s.sendall(b"secure\r\n")
            while b"secure\r\n" not in data:
                data += s.recv(1024)
            assert data == b"Welcome to LaravelS.LaravelS: secure\r\n"
        r = httpx.get(f"https://localhost:{http_port}/x?y=1", verify=verify(cert))
        assert r.status_code == 201 and r.json()["get"] == {"y": "1"}
        assert httpx.get(server.url + "/api/hello").json() == {"message": "hello"}, "the main port stays plain HTTP"
