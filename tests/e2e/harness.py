"""Start and stop a real laravels-rs server on a copy of an example app.

Each test gets its own copy of the app (so config edits and storage stay private) and a
free port. The server is started the way a user starts it: `php bin/laravels start`,
with the freshly built extension loaded by `-d extension=`.

The suite runs on one framework of the matrix at a time (scripts/test.sh sets these):
- LARAVELS_FRAMEWORK: the example app the tests serve (laravel8, laravel10, laravel13,
  lumen8, lumen10); default laravel8, on the host's PHP;
- LARAVELS_EXT: the extension built for that framework's PHP;
- LARAVELS_RUNTIME_EXEC: the command prefix that runs a command in that PHP's Debian root
  (scripts/php-root.sh exec NAME), empty on the host; `php` and `composer` on PATH are
  already that root's.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXTENSION = Path(os.environ.get("LARAVELS_EXT", REPO / "target" / "release" / "liblaravels.so"))
FRAMEWORK = os.environ.get("LARAVELS_FRAMEWORK", "laravel8")
# The Lumen example that runs beside each Laravel one (Lumen ends at 10: none beside 13).
LUMEN_BESIDE = {"laravel8": "lumen8", "lumen8": "lumen8", "laravel10": "lumen10", "lumen10": "lumen10"}
IS_LUMEN = FRAMEWORK.startswith("lumen")
# Where the example app's exception handler and Log facade write (storage/logs/).
APP_LOG = "lumen.log" if IS_LUMEN else "laravel.log"
RUNTIME_EXEC = shlex.split(os.environ.get("LARAVELS_RUNTIME_EXEC", ""))
PREPARED: dict[str, Path] = {}
OVERRIDABLE_CONFIG = """<?php
$config = require __DIR__ . '/../laravels.published.php';
$overrides = __DIR__ . '/../laravels.overrides.json';
if (is_file($overrides)) {
    foreach (json_decode(file_get_contents($overrides), true) as $key => $value) {
        $config[$key] = is_array($value) && is_array($config[$key] ?? null) && array_is_list($value) === false
            ? array_replace($config[$key], $value)
            : $value;
    }
}
return $config;
"""


def wait_json(path: Path, timeout: float = 10.0, log=None):
    """The JSON a test's route or task writes to `path`, once it is there and not empty;
    fails after `timeout` s naming the file, with the end of `log()` when given."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return json.loads(path.read_text())
        time.sleep(0.02)
    tail = f"; log:\n{log()[-3000:]}" if log else ""
    raise AssertionError(f"{path} never appeared{tail}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepared_app(name: str, cache_dir: Path) -> Path:
    """A prepared (composer install, .env, publish) copy of examples/<name>, made once."""
    if name not in PREPARED:
        target = cache_dir / f"{name}-template"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(REPO / "examples" / name, target, symlinks=True, ignore=shutil.ignore_patterns("vendor"))
        run = subprocess.run(["bash", str(REPO / "scripts" / "prepare-example.sh"), str(target)], capture_output=True, text=True)
        assert run.returncode == 0, f"prepare-example failed:\n{run.stdout}\n{run.stderr}"
        # Tests adjust settings per server through laravels.overrides.json, merged over
        # the config that `laravels publish` wrote.
        (target / "config" / "laravels.php").rename(target / "laravels.published.php")
        (target / "config" / "laravels.php").write_text(OVERRIDABLE_CONFIG)
        PREPARED[name] = target
    return PREPARED[name]


# A PHP deprecation as PHP prints it ("Deprecated: ... in FILE on line N") or as Laravel's
# deprecations log channel does ("WARNING: ... in FILE on line N").
DEPRECATION = re.compile(r"(?i)\bdeprecated\b.*? in (/\S+?\.php)(?: on line |:)\d+")


def our_deprecations(log: str, app: Path) -> list[str]:
    """The deprecation lines whose file is the package's (php/, config/, bin/) or the app's own
    (not vendor code: Debian's framework packages are not ours to fix)."""
    ours = [str(REPO / d) + "/" for d in ("php", "config", "bin")]
    app_real = str(app.resolve())
    ours += [f"{root}/{d}/" for root in (str(app), app_real) for d in ("app", "bootstrap", "config", "routes", "bin", "database")]
    found = []
    for line in log.splitlines():
        m = DEPRECATION.search(line)
        if m and any(m.group(1).startswith(p) for p in ours):
            found.append(line.strip())
    return found


def start_foreground(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 30) -> tuple[subprocess.Popen, list[str]]:
    """Runs a command that starts a server in the foreground (a recipe's own way of
    starting it), its output read into the returned list; returns once the server printed
    its 'listening on' table, or fails with the output."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out: list[str] = []
    threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True).start()
    deadline = time.time() + timeout
    while "listening on" not in "".join(out) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if "listening on" not in "".join(out):
        proc.kill()
        proc.wait()
        raise AssertionError("server did not start:\n" + "".join(out))
    return proc, out


class Server:
    """One running server; `start()` waits until every worker is connected. Its stderr and
    Laravel's deprecation log go to storage/logs/server-PORT.log; `stop()` fails on a
    deprecation raised by the package or by the app's own code (tests run with E_ALL)."""

    def __init__(self, app_dir: Path, env: dict[str, str] | None = None, overrides: dict | None = None):
        self.app = app_dir
        self.port = free_port()
        self.env = {
            **os.environ,
            "LARAVELS_LISTEN_PORT": str(self.port),
            "LARAVELS_WORKER_NUM": "2",
            # Laravel 9+ (and 8.x's later releases) report deprecations to this channel.
            "LOG_DEPRECATIONS_CHANNEL": "stderr",
            **(env or {}),
        }
        if overrides:
            self.set_overrides(overrides)
        self.proc: subprocess.Popen | None = None
        self.log_path = app_dir / "storage" / "logs" / f"server-{self.port}.log"
        self.startup = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_overrides(self, overrides: dict) -> None:
        """Settings merged over the published config/laravels.php for this app copy."""
        (self.app / "laravels.overrides.json").write_text(json.dumps(overrides))

    def command(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["php", "-d", f"extension={EXTENSION}", "bin/laravels", *args],
            cwd=self.app, env=self.env, capture_output=True, text=True, timeout=timeout,
        )

    def start(self, *args: str, timeout: float = 30) -> "Server":
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["php", "-d", f"extension={EXTENSION}", "bin/laravels", "start", *args],
            cwd=self.app, env=self.env, stdout=subprocess.PIPE, stderr=self.log, text=True,
        )
        self.output: list[str] = []
        reader = threading.Thread(target=self._read_stdout, args=(self.proc.stdout,), daemon=True)
        reader.start()
        workers = int(self.env["LARAVELS_WORKER_NUM"])
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = "".join(self.output)
            if "listening on" in text and text.count("worker #") >= workers:
                self.startup = text
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"server did not start:\nstdout: {''.join(self.output)}\nlog: {self.read_log()}")

    def _read_stdout(self, stream) -> None:
        for line in stream:
            self.output.append(line)

    def read_log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def master_pid(self) -> int:
        return int((self.app / "storage" / "laravels.pid").read_text().strip())

    def signal(self, sig: int) -> None:
        os.kill(self.master_pid(), sig)

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout
        rows = [line.split(None, 2) for line in out.splitlines()[1:]]
        manager = [int(r[0]) for r in rows if len(r) == 3 and int(r[1]) == self.master_pid() and "manager" in r[2]]
        return [int(r[0]) for r in rows if len(r) == 3 and manager and int(r[1]) == manager[0] and "worker" in r[2]]

    def stop(self, timeout: float = 30) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        code = self.proc.returncode
        self.proc = None
        found = our_deprecations(self.read_log(), self.app)
        assert not found, "deprecations from laravels-rs or the example app:\n" + "\n".join(dict.fromkeys(found))
        return code

    def __enter__(self) -> "Server":
        return self if self.proc is not None else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def cluster_node(template_dir: Path, factory, node: int, redis_port: int, env: dict[str, str] | None = None,
                 overrides: dict | None = None) -> Server:
    """Starts instance `node` of a `websocket.cluster` on the Redis at `redis_port`, from its
    own copy of the example app (each instance has its own storage and pid file)."""
    app = factory.mktemp(f"node{node}") / FRAMEWORK
    shutil.copytree(prepared_app(FRAMEWORK, template_dir), app, symlinks=True)
    env = {"LARAVELS_WS_CLUSTER_REDIS": f"tcp://127.0.0.1:{redis_port}", "LARAVELS_WS_CLUSTER_NODE": str(node), **(env or {})}
    return Server(app, env=env, overrides=overrides).start()
