"""Behind a real nginx, with the README's configuration: static files from nginx, the rest
proxied to laravels-rs over TCP or over a unix socket (socket_type SWOOLE_SOCK_UNIX_STREAM)."""
import contextlib
import shutil
import subprocess
import time

import httpx
import pytest

from harness import Server, free_port

NGINX = shutil.which("nginx")

# The README's headers, the same in both locations.
FORWARDED = """proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Real-PORT $remote_port;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Host $http_host;
        proxy_set_header Scheme $scheme;
        proxy_set_header Server-Protocol $server_protocol;
        proxy_set_header Server-Name $server_name;
        proxy_set_header Server-Addr $server_addr;
        proxy_set_header Server-Port $server_port;"""

LOCATIONS = """
    location =/ws {
        proxy_http_version 1.1;
        FORWARDED
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_pass http://swoole;
        PROXY_BIND
    }
    location / {
        try_files $uri @laravels;
    }
    location @laravels {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        FORWARDED
        proxy_pass http://swoole;
        PROXY_BIND
    }
"""


@contextlib.contextmanager
def nginx(tmp_path, upstream, root, port, bind=None):
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
user root;
worker_processes 1;
error_log {tmp_path}/error.log;
pid {tmp_path}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream swoole {{
        server {upstream} weight=5 max_fails=3 fail_timeout=30s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name laravels.com;
        root {root};
        autoindex off;
        index index.html index.htm;
        {LOCATIONS.replace("FORWARDED", FORWARDED).replace("PROXY_BIND", f"proxy_bind {bind};" if bind else "")}
    }}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"])
    try:
        deadline = time.time() + 10
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
                break
            except httpx.HTTPError:
                if time.time() > deadline:
                    raise AssertionError((tmp_path / "error.log").read_text())
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


WEBSOCKET = {"websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"}, "swoole": {"dispatch_mode": 2}, "trusted_proxies": ["127.0.0.2", "unix"]}


def check_websocket_through(front):
    """The README's /ws location: the upgrade passes nginx, Laravel sees the client's
    address from X-Real-IP while the connection itself comes from nginx."""
    import asyncio
    import json

    from websockets.asyncio.client import connect

    async def scenario():
        async with connect(front.replace("http://", "ws://") + "/ws?q=via-nginx") as ws:
            opened = json.loads(await ws.recv())["open"]
            assert opened["query"] == "via-nginx" and opened["ip"] == "127.0.0.1", opened
            await ws.send("through nginx")
            assert await ws.recv() == "through nginx"
            await ws.send("!info")
            return json.loads(await ws.recv())
    return asyncio.run(asyncio.wait_for(scenario(), 20))


def check_through(front, app):
    r = httpx.get(front + "/api/hello")
    assert r.status_code == 200 and r.json() == {"message": "hello"}
    static = httpx.get(front + "/static/4k.txt")
    assert static.status_code == 200 and len(static.content) == 4096 and static.headers["server"].startswith("nginx")
    echo = httpx.get(front + "/echo?x=1", headers={"Host": "laravels.com"}).json()
    assert echo["headers"]["x-real-ip"] == ["127.0.0.1"] and echo["headers"]["scheme"] == ["http"]
    assert echo["headers"]["server-name"] == ["laravels.com"] and echo["query"] == {"x": "1"}
    with httpx.Client(base_url=front) as c:  # keep-alive to nginx, keepalive upstream
        assert all(c.get("/api/hello").status_code == 200 for _ in range(20))


@pytest.mark.skipif(NGINX is None, reason="nginx is installed by scripts/install-deps.sh")
def test_nginx_in_front_over_tcp(laravel_app, tmp_path):
    with Server(laravel_app, overrides=WEBSOCKET) as s:
        with nginx(tmp_path, f"127.0.0.1:{s.port}", laravel_app / "public", free_port(), bind="127.0.0.2") as front:
            check_through(front, laravel_app)
            info = check_websocket_through(front)
            assert info["remote_ip"] == "127.0.0.2", "the connection itself comes from nginx"


@pytest.mark.skipif(NGINX is None, reason="nginx is installed by scripts/install-deps.sh")
def test_nginx_in_front_over_a_unix_socket(laravel_app, tmp_path):
    import socket as pysocket

    sock = tmp_path / "run" / "laravels.sock"
    sock.parent.mkdir()
    stale = pysocket.socket(pysocket.AF_UNIX)  # a socket file left by a crashed server
    stale.bind(str(sock))
    stale.close()
    sock_path = str(sock)
    s = Server(laravel_app, overrides={"socket_type": 5, "listen_ip": sock_path, **WEBSOCKET})
    with s:
        assert f"listening on unix:{sock_path}" in s.startup
        assert oct(sock.stat().st_mode & 0o777) == "0o666"
        with nginx(tmp_path, f"unix:{sock_path}", laravel_app / "public", free_port()) as front:
            check_through(front, laravel_app)
            check_websocket_through(front)


@pytest.mark.skipif(NGINX is None, reason="nginx is installed by scripts/install-deps.sh")
def test_forwarded_headers_count_only_from_trusted_proxies(laravel_app, tmp_path):
    # nginx connects from 127.0.0.2, the only trusted proxy; a direct client is 127.0.0.1.
    with Server(laravel_app, overrides={"trusted_proxies": ["127.0.0.2"]}) as s:
        port = free_port()
        with nginx(tmp_path, f"127.0.0.1:{s.port}", laravel_app / "public", port, bind="127.0.0.2") as front:
            via = httpx.get(front + "/echo", headers={"X-Forwarded-Proto": "https"}).json()
            assert via["ip"] == "127.0.0.1" and int(via["server"]["REMOTE_PORT"]) > 0
            assert via["server"]["SERVER_PORT"] == port, "Server-Port from nginx"
            spoofed = httpx.get(s.url + "/echo", headers={"X-Real-IP": "6.6.6.6", "Scheme": "https"}).json()
            assert spoofed["ip"] == "127.0.0.1" and spoofed["secure"] is False, "a direct client cannot claim an address or https"

    with Server(laravel_app, overrides={"trusted_proxies": ["127.0.0.1"]}) as s:
        trusted = httpx.get(s.url + "/echo", headers={"X-Real-IP": "203.0.113.9", "X-Real-PORT": "4444", "Scheme": "https"}).json()
        assert (trusted["ip"], int(trusted["server"]["REMOTE_PORT"]), trusted["secure"]) == ("203.0.113.9", 4444, True)
