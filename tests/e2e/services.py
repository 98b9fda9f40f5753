"""Real servers for the e2e tests: Debian's MariaDB, Redis, nginx and Prometheus, each started in a
private directory on a free loopback port, stopped and restarted by the test that owns it.
Nothing listens on the default ports, so a test never talks to a server it did not start."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from harness import free_port

MARIADBD = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin")
MARIADB_INSTALL_DB = shutil.which("mariadb-install-db")
MARIADB = shutil.which("mariadb")
REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")


def _wait_port(port: int, what: str, proc: subprocess.Popen, log: Path | None, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {log.read_text()[-2000:] if log and log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


class MariaDB:
    """A MariaDB server with one database and one password user (the way an app connects
    in production), and the `users` table the example apps' one-query route reads."""

    database = "laravels"
    user = "laravels"
    password = "laravels-secret"

    def __init__(self, directory: Path):
        self.dir = directory
        self.datadir = directory / "data"
        self.socket = directory / "mysqld.sock"
        self.log = directory / "mariadb.log"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> "MariaDB":
        fresh = not self.datadir.exists()
        if fresh:
            self.dir.mkdir(parents=True, exist_ok=True)
            subprocess.run([MARIADB_INSTALL_DB, "--no-defaults", f"--datadir={self.datadir}", "--user=root", "--auth-root-authentication-method=socket",
                            "--skip-test-db"], check=True, capture_output=True)
        self.proc = subprocess.Popen(
            [MARIADBD, "--no-defaults", f"--datadir={self.datadir}", f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
             "--user=root", f"--log-error={self.log}", f"--pid-file={self.dir / 'mariadb.pid'}", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
             "--max-connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, "mariadbd", self.proc, self.log)
        if fresh:
            self.sql(f"CREATE DATABASE {self.database}; CREATE USER '{self.user}'@'127.0.0.1' IDENTIFIED BY '{self.password}';"
                     f" GRANT ALL ON {self.database}.* TO '{self.user}'@'127.0.0.1';"
                     f" CREATE TABLE {self.database}.users (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, email VARCHAR(128) NOT NULL,"
                     " password VARCHAR(255) NOT NULL DEFAULT '', remember_token VARCHAR(100) NULL, created_at TIMESTAMP NULL, updated_at TIMESTAMP NULL);"
                     f" INSERT INTO {self.database}.users (id, name, email) VALUES (1, 'alice', 'alice@example.test'), (2, 'bob', 'bob@example.test'),"
                     " (3, 'carol', 'carol@example.test');")
        return self

    def sql(self, statements: str) -> str:
        """Runs SQL as root over the unix socket; returns the tab-separated result."""
        out = subprocess.run([MARIADB, "--no-defaults", f"--socket={self.socket}", "-uroot", "-N", "-B", "-e", statements], check=True, capture_output=True, text=True)
        return out.stdout

    def status(self, variable: str) -> int:
        """A global status counter, e.g. Connections (every connection attempt since start)."""
        line = self.sql(f"SHOW GLOBAL STATUS LIKE '{variable}'").split()
        return int(line[1])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)
        self.proc = None

    def restart(self) -> None:
        """Stops the server (every client connection dies) and starts it again on the same port."""
        self.stop()
        self.start()

    def env(self) -> dict:
        """What the example apps read to use this server as their default connection."""
        return {"DB_CONNECTION": "mysql", "DB_HOST": "127.0.0.1", "DB_PORT": str(self.port), "DB_DATABASE": self.database,
                "DB_USERNAME": self.user, "DB_PASSWORD": self.password}


class Redis:
    """A Redis server without persistence on a free port."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.port = free_port()
        self.log = directory / "redis.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Redis":
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.dir),
                                      "--logfile", str(self.log)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, "redis-server", self.proc, self.log)
        return self

    def cli(self, *args: str) -> str:
        return subprocess.run([REDIS_CLI, "-p", str(self.port), *args], check=True, capture_output=True, text=True).stdout.strip()

    def info(self, field: str) -> int:
        """A numeric field of INFO, e.g. total_connections_received or connected_clients."""
        for line in self.cli("INFO").splitlines():
            if line.startswith(field + ":"):
                return int(line.split(":", 1)[1])
        raise KeyError(field)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def env(self) -> dict:
        return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.port)}


NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


class Nginx:
    """nginx in the foreground with the given `http { }` body (upstreams and a server
    listening on `self.port`), its pid, temp files and error log in a private directory."""

    def __init__(self, directory: Path, http: str, port: int):
        self.dir = directory
        self.port = port
        self.http = http
        self.log = directory / "error.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Nginx":
        self.dir.mkdir(parents=True, exist_ok=True)
        temps = "\n".join(f"    {kind}_temp_path {self.dir}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (self.dir / "nginx.conf").write_text(
            f"user root;\nworker_processes 1;\nerror_log {self.log};\npid {self.dir}/nginx.pid;\n"
            f"events {{ worker_connections 256; }}\nhttp {{\n    access_log off;\n{temps}\n{self.http}\n}}\n")
        self.proc = subprocess.Popen([NGINX, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, "nginx", self.proc, self.log)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)
        self.proc = None


PROMETHEUS = shutil.which("prometheus")


class Prometheus:
    """Debian's Prometheus server with the given scrape config (YAML text), its data in a
    private directory, its HTTP API on a free loopback port."""

    def __init__(self, directory: Path, config: str):
        self.dir = directory
        self.port = free_port()
        self.config = config
        self.log = directory / "prometheus.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Prometheus":
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "prometheus.yml").write_text(self.config)
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={self.dir / 'prometheus.yml'}", f"--storage.tsdb.path={self.dir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT)
        _wait_port(self.port, "prometheus", self.proc, self.log)
        return self

    def query(self, expr: str) -> list[dict]:
        """An instant query through the HTTP API: its result vector."""
        import httpx

        r = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        r.raise_for_status()
        body = r.json()
        assert body["status"] == "success", body
        return body["data"]["result"]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "Prometheus":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
