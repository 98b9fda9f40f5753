"""Behind a real Apache (Debian's apache2), with examples/apache/laravels.conf: static files
from Apache, the rest through mod_proxy_balancer, WebSocket through mod_proxy_wstunnel."""
import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from harness import REPO, Server, free_port

APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if os.path.exists("/usr/sbin/apache2") else None)
MODULES = ["mpm_event", "authz_core", "dir", "mime", "proxy", "proxy_http", "proxy_balancer", "lbmethod_byrequests",
           "slotmem_shm", "rewrite", "remoteip", "deflate", "filter", "headers", "proxy_wstunnel"]


def apache_config(root: Path, port: int, backend: int, docroot: Path) -> str:
    """The example vhost, pointed at this test's paths and ports."""
    vhost = (REPO / "examples" / "apache" / "laravels.conf").read_text()
    vhost = (vhost.replace("<VirtualHost *:80>", f"<VirtualHost 127.0.0.1:{port}>")
             .replace("/yourpath/laravel-s-test/public", str(docroot))
             .replace("127.0.0.1:5200", f"127.0.0.1:{backend}")
             .replace("${APACHE_LOG_DIR}", str(root)))
    loads = "\n".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in MODULES)
    return f"""
ServerRoot {root}
Listen 127.0.0.1:{port}
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
Mutex file:{root}
{loads}
User www-data
Group www-data
TypesConfig /etc/mime.types
{vhost}
"""


@pytest.mark.skipif(APACHE is None, reason="apache2 is installed by scripts/install-deps.sh")
def test_apache_in_front(laravel_app):
    overrides = {"websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"}, "swoole": {"dispatch_mode": 2}, "trusted_proxies": ["127.0.0.1"]}
    root = Path(tempfile.mkdtemp(prefix="laravels-apache-"))
    # Apache's children run as www-data: they need a document root they can read.
    docroot = root / "public"
    shutil.copytree(laravel_app / "public", docroot)
    os.chmod(root, 0o755)
    port = free_port()
    try:
        with Server(laravel_app, overrides=overrides) as s:
            (root / "httpd.conf").write_text(apache_config(root, port, s.port, docroot))
            proc = subprocess.Popen([APACHE, "-f", str(root / "httpd.conf"), "-DFOREGROUND"], env={**os.environ, "APACHE_RUN_DIR": str(root)})
            try:
                front = f"http://127.0.0.1:{port}"
                deadline = time.time() + 15
                while True:
                    try:
                        httpx.get(front + "/robots.txt", timeout=1)
                        break
                    except httpx.HTTPError:
                        assert proc.poll() is None and time.time() < deadline, (root / "error.log").read_text() if (root / "error.log").exists() else "apache did not start"
                        time.sleep(0.1)
                static = httpx.get(front + "/static/4k.txt")
                assert static.status_code == 200 and len(static.content) == 4096 and static.headers["server"].startswith("Apache")
                hello = httpx.get(front + "/api/hello")
                assert hello.status_code == 200 and hello.json() == {"message": "hello"}
                echo = httpx.get(front + "/echo?x=1", headers={"Host": "www.laravels.com"}).json()
                assert echo["query"] == {"x": "1"} and echo["ip"] == "127.0.0.1" and echo["headers"]["host"] == ["www.laravels.com"]

                async def websocket():
                    async with connect(f"ws://127.0.0.1:{port}/ws?q=apache") as ws:
                        opened = json.loads(await ws.recv())["open"]
                        await ws.send("through apache")
                        return opened, await ws.recv()
                opened, echoed = asyncio.run(asyncio.wait_for(websocket(), 20))
                assert opened["query"] == "apache" and echoed == "through apache"
            finally:
                proc.terminate()
                proc.wait(15)
    finally:
        shutil.rmtree(root, ignore_errors=True)
