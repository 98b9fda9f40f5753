"""Behind a real nginx, with the README's configuration: static files from nginx, the rest
proxied to laravels-rs over TCP or over a unix socket (socket_type SWOOLE_SOCK_UNIX_STREAM)."""
import shutil
import subprocess
import time

import httpx
import pytest

from harness import Server, free_port

NGINX = shutil.which("nginx")

LOCATIONS = """
    location / {
        try_files $uri @laravels;
    }
    location @laravels {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Real-PORT $remote_port;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Host $http_host;
        proxy_set_header Scheme $scheme;
        proxy_set_header Server-Protocol $server_protocol;
        proxy_set_header Server-Name $server_name;
        proxy_set_header Server-Addr $server_addr;
        proxy_set_header Server-Port $server_port;
        proxy_pass http://swoole;
    }
"""


def nginx(tmp_path, upstream, root, port):
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
        {LOCATIONS}
    }}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"])
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError((tmp_path / "error.log").read_text())


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
    with Server(laravel_app) as s:
        port = free_port()
        proc = nginx(tmp_path, f"127.0.0.1:{s.port}", laravel_app / "public", port)
        try:
            check_through(f"http://127.0.0.1:{port}", laravel_app)
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.mark.skipif(NGINX is None, reason="nginx is installed by scripts/install-deps.sh")
def test_nginx_in_front_over_a_unix_socket(laravel_app, tmp_path):
    import socket as pysocket

    sock = tmp_path / "run" / "laravels.sock"
    sock.parent.mkdir()
    stale = pysocket.socket(pysocket.AF_UNIX)  # a socket file left by a crashed server
    stale.bind(str(sock))
    stale.close()
    sock_path = str(sock)
    s = Server(laravel_app, overrides={"socket_type": 5, "listen_ip": sock_path})
    with s:
        assert f"listening on unix:{sock_path}" in s.startup
        assert oct(sock.stat().st_mode & 0o777) == "0o666"
        port = free_port()
        proc = nginx(tmp_path, f"unix:{sock_path}", laravel_app / "public", port)
        try:
            check_through(f"http://127.0.0.1:{port}", laravel_app)
        finally:
            proc.terminate()
            proc.wait(10)
