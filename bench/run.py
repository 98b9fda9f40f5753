#!/usr/bin/env python3
"""laravels-rs benchmarks, each against its baseline, in one run.

Every comparison alternates its servers round by round (A B A B ...) on loopback and reports
the median of the rounds and the ratio its target is stated in. The machine is shared and
noisy: absolute figures drift from run to run, the ratios are what to read.

    cargo build --release && cargo build --release --example plain_hyper
    python3 bench/run.py [--rounds 3] [--seconds 5] [--warmup 2] [--only NAMES] [--out FILE]
    scripts/bench.sh --framework laravel13 [same options]    # on another framework of the matrix

The app is examples/$LARAVELS_FRAMEWORK (laravel8 unless set; scripts/bench.sh sets it with
the PHP that framework runs on, see scripts/frameworks.sh).

Needs wrk, nginx and php-fpm 8.2 (apt-get install -y wrk nginx php8.2-fpm); the `tls`
comparison also h2load and openssl (apt-get install -y nghttp2-client openssl). Servers listen
on 127.0.0.1 ports --port-base+1 and up, and are stopped at the end, on errors and on Ctrl-C.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import harness  # noqa: E402  (prepared_app: the example app made ready to serve)

EXTENSION = harness.EXTENSION
HYPER = REPO / "target" / "release" / "examples" / "plain_hyper"
TCP_ECHO = REPO / "target" / "release" / "examples" / "tcp_echo"
# php-fpm of the PHP on PATH (8.2 on the host, 8.4 in a framework root).
FPM = "php-fpm" + (subprocess.run(["php", "-r", "echo PHP_MAJOR_VERSION, '.', PHP_MINOR_VERSION;"],
                                  capture_output=True, text=True).stdout.strip() or "8.2")
# The same ini settings for every PHP process: laravels-rs, the ceiling, php-fpm, php -S.
PHP_SETTINGS = {"opcache.enable": "1", "opcache.enable_cli": "1", "memory_limit": "512M", "expose_php": "0"}
PHP_FLAGS = [arg for key, value in PHP_SETTINGS.items() for arg in ("-d", f"{key}={value}")]
# The same with opcache's tracing JIT on (off by default on 8.2, as its buffer is 0, and on 8.4).
JIT_FLAGS = PHP_FLAGS + ["-d", "opcache.jit=tracing", "-d", "opcache.jit_buffer_size=64M"]
DB_PATH = "/api/db/1"
DB_BODY = b'{"id":1,"name":"alice","email":"alice@example.test"}'
HELLO_BODY = b'{"message":"hello"}'
STATIC_PATH = "/static/4k.txt"


class BenchError(Exception):
    """A server or tool that did not do what the benchmark needs; ends one comparison."""


# ---------------------------------------------------------------- processes

def proc_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of a live process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[19])


def descendants(pid: int) -> dict[int, int]:
    """Every process below pid (workers live in their own process group), with start times."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))):
            parents.setdefault(stat[0], []).append(int(entry.name))
            starts[int(entry.name)] = stat[1]
    found, todo = {}, [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found[child] = starts[child]
            todo.append(child)
    return found


def tree(root: int) -> list[int]:
    """root and every process below it."""
    return [root, *sorted(descendants(root))]


def process_name(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    return "?"


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, Pss) in kB: RSS counts pages shared with siblings in full, Pss shares them out."""
    rss = re.search(r"^VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
    pss = re.search(r"^Pss:\s+(\d+)", Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M)
    return int(rss.group(1)) if rss else 0, int(pss.group(1)) if pss else 0


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def http_get(url: str, timeout: float = 3) -> tuple[int, bytes]:
    # No proxy: an http_proxy in the environment must not see loopback requests. HTTPS is
    # to our own servers' self-signed certificates, on loopback: not verified.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


class Service:
    """One server this run starts and stops, with its log and its exact command."""

    def __init__(self, name: str, argv: list[str], cwd: Path, ready: Callable[["Service"], bool],
                 env: dict[str, str] | None = None, port: int | None = None, note: str = ""):
        self.name, self.argv, self.cwd, self.ready = name, argv, cwd, ready
        self.env, self.port, self.note = env or {}, port, note
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []
        self.log_path = Path()

    def command_line(self) -> str:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        line = f"cd {shlex.quote(str(self.cwd))} && {env + ' ' if env else ''}{shlex.join(self.argv)}"
        return f"{line}    # {self.note}" if self.note else line

    def start(self, logs: Path, timeout: float = 40) -> None:
        if self.port is not None and port_in_use(self.port):
            raise BenchError(f"port {self.port} for {self.name} is already in use: stop what listens there or pass another --port-base")
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")
        self.log_path = logs / f"{self.port or 'unix'}-{slug}.log"
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env={**os.environ, **self.env}, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._copy_output, args=(self.proc.stdout, log), daemon=True).start()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with status {self.proc.returncode} while starting:\n{self.log_tail()}")
            if self.ready(self):
                return
            time.sleep(0.1)
        raise BenchError(f"{self.name} was not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def _copy_output(self, stream, log) -> None:
        with log:
            for line in stream:
                self.output.append(line)
                log.write(line)
                log.flush()

    def log_tail(self) -> str:
        return "".join(self.output[-20:]) + f"(log: {self.log_path})"

    def stop(self) -> None:
        """SIGTERM to the server; then to what it left behind (php -S workers); SIGKILL last."""
        if self.proc is None:
            return
        below = descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        left = wait_gone(below, 1)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            left = wait_gone(left, 5)
        self.proc = None


def wait_gone(procs: dict[int, int], seconds: int) -> dict[int, int]:
    """Waits for the processes (pid: start time) to end; returns those still running."""
    deadline = time.time() + seconds
    while True:
        alive = {pid: start for pid, start in procs.items() if (stat := proc_stat(pid)) and stat[1] == start}
        if not alive or time.time() >= deadline:
            return alive
        time.sleep(0.1)


def answers(url: str) -> Callable[[Service], bool]:
    return lambda _service: http_get(url)[0] == 200


def unix_answers(path: str) -> Callable[[Service], bool]:
    """Ready once GET /api/hello over the unix socket answers 200."""
    def ready(_service: Service) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(2)
                s.connect(path)
                s.sendall(b"GET /api/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False
    return ready


def laravels_ready(workers: int, url: str) -> Callable[[Service], bool]:
    """laravels-rs prints a process table once every worker is connected."""
    def ready(service: Service) -> bool:
        text = "".join(service.output)
        return "listening on" in text and text.count("worker #") >= workers and http_get(url)[0] == 200
    return ready


# ---------------------------------------------------------------- measuring

@dataclass
class Sample:
    rps: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    max_ms: float | None = None


def to_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk_argv(url: str, seconds: int, conns: int) -> list[str]:
    return ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "--latency", url]


def wrk(url: str, seconds: int, conns: int) -> Sample:
    run = subprocess.run(wrk_argv(url, seconds, conns), capture_output=True, text=True, timeout=seconds + 60)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", run.stdout)
    if run.returncode != 0 or not rps:
        raise BenchError(f"wrk failed on {url}:\n{run.stdout}{run.stderr}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)[ \t]*$", run.stdout, re.M))  # wrk pads "2.05s "
    slowest = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", run.stdout, re.M)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", run.stdout)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", run.stdout)
    errors = (sum(map(int, socket_errors.groups())) if socket_errors else 0) + (int(non_2xx.group(1)) if non_2xx else 0)
    return Sample(float(rps.group(1)), to_ms(latency["50"]), to_ms(latency["99"]), errors, to_ms(slowest.group(1)) if slowest else None)


def h2load_argv(url: str, seconds: int, conns: int, streams: int, h1: bool) -> list[str]:
    return ["h2load", *(["--h1"] if h1 else []), "-t2", f"-c{conns}", f"-m{streams}", f"-D{seconds}", url]


def h2load(url: str, seconds: int, conns: int, streams: int, h1: bool) -> Sample:
    """req/s and failures; h2load reports the mean request time, not percentiles."""
    run = subprocess.run(h2load_argv(url, seconds, conns, streams, h1), capture_output=True, text=True, timeout=seconds + 60)
    rps = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", run.stdout)
    counts = re.search(r"requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", run.stdout)
    status = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", run.stdout)
    if run.returncode != 0 or not rps or not counts or not status:
        raise BenchError(f"h2load failed on {url}:\n{run.stdout}{run.stderr}")
    protocol = re.search(r"Application protocol: (\S+)", run.stdout)
    wanted = "http/1.1" if h1 else ("h2" if url.startswith("https") else "h2c")
    if not protocol or protocol.group(1) != wanted:
        raise BenchError(f"h2load on {url} spoke {protocol.group(1) if protocol else '?'}, not {wanted}:\n{run.stdout}")
    errors = sum(map(int, counts.groups())) + sum(map(int, status.groups()[2:]))
    return Sample(float(rps.group(1)), errors=errors)


@dataclass
class Contender:
    """One thing measured: a URL under wrk, served by some services."""
    name: str
    url: str
    services: list[Service]
    expect: bytes  # the exact body, checked once before measuring
    samples: list[Sample] = field(default_factory=list)

    def check(self) -> None:
        status, body = http_get(self.url)
        if status != 200 or body != self.expect:
            raise BenchError(f"{self.name}: GET {self.url} gave {status} {body[:200]!r}, expected 200 {self.expect[:60]!r}")

    def measure(self, seconds: int, conns: int) -> Sample:
        return wrk(self.url, seconds, conns)

    def commands(self, seconds: int, conns: int) -> list[str]:
        return [s.command_line() for s in self.services] + [shlex.join(wrk_argv(self.url, seconds, conns))]

    def median(self, attr: str) -> float | None:
        values = [getattr(s, attr) for s in self.samples if getattr(s, attr) is not None]
        return statistics.median(values) if values else None


@dataclass
class H2load(Contender):
    """A contender measured by h2load: HTTP/1.1 or HTTP/2, `streams` requests in flight per connection."""
    conns: int = 64
    streams: int = 1
    h1: bool = True

    def measure(self, seconds: int, conns: int) -> Sample:
        return h2load(self.url, seconds, self.conns, self.streams, self.h1)

    def commands(self, seconds: int, conns: int) -> list[str]:
        return [s.command_line() for s in self.services] + [shlex.join(h2load_argv(self.url, seconds, self.conns, self.streams, self.h1))]


class Ceiling(Contender):
    """bench/ceiling.php: the app's kernel looped in one process, no HTTP at all."""

    def __init__(self, app: Path, uri: str = "/api/hello", flags: list[str] = PHP_FLAGS, label: str = "", env: dict[str, str] | None = None):
        super().__init__(f"in-process ceiling ({label}1 PHP process)", "", [], b"")
        self.app, self.uri, self.flags, self.env = app, uri, flags, env or {}

    def argv(self, seconds: int) -> list[str]:
        return ["php", *self.flags, str(REPO / "bench" / "ceiling.php"), str(self.app), self.uri, f"{seconds:g}"]

    def check(self) -> None:
        self.measure(1, 0)

    def measure(self, seconds: int, conns: int) -> Sample:
        run = subprocess.run(self.argv(seconds), cwd=self.app, env={**os.environ, **self.env}, capture_output=True, text=True, timeout=seconds + 60)
        if run.returncode != 0 or not re.fullmatch(r"[\d.]+\s*", run.stdout):
            raise BenchError(f"ceiling.php failed ({run.returncode}):\n{run.stdout}{run.stderr}")
        return Sample(float(run.stdout))

    def commands(self, seconds: int, conns: int) -> list[str]:
        env = "".join(f"{k}={shlex.quote(v)} " for k, v in self.env.items())
        return [f"cd {shlex.quote(str(self.app))} && {env}{shlex.join(self.argv(seconds))}    # prints req/s; boot not counted"]


class Echo(Contender):
    """TCP round trips (bench/tcp_echo.rs client): write 64 bytes, read them back, repeat."""

    def __init__(self, name: str, port: int, services: list[Service]):
        super().__init__(name, "", services, b"")
        self.port = port

    def argv(self, seconds: int, conns: int) -> list[str]:
        return [str(TCP_ECHO), "client", str(self.port), str(conns), f"{seconds:g}", "64"]

    def check(self) -> None:
        self.measure(1, 1)

    def measure(self, seconds: int, conns: int) -> Sample:
        run = subprocess.run(self.argv(seconds, conns), capture_output=True, text=True, timeout=seconds + 60)
        found = re.search(r"round_trips_per_second (\d+)", run.stdout)
        if run.returncode != 0 or not found or int(found.group(1)) == 0:
            raise BenchError(f"{self.name}: tcp_echo client failed:\n{run.stdout}{run.stderr}")
        return Sample(float(found.group(1)))

    def commands(self, seconds: int, conns: int) -> list[str]:
        return [s.command_line() for s in self.services] + [shlex.join(self.argv(seconds, conns))]


# ---------------------------------------------------------------- the report

@dataclass
class Section:
    title: str
    what: str
    contenders: list[Contender] = field(default_factory=list)
    conns: int = 64
    verdicts: list[str] = field(default_factory=list)
    extra: str = ""
    error: str = ""

    def render(self, opts) -> str:
        out = [f"### {self.title}", "", self.what, ""]
        if self.contenders:
            out += ["| server | req/s per round | median req/s | p50 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
            for c in self.contenders:
                rounds = " / ".join(f"{s.rps:,.0f}" for s in c.samples)
                p50, p99 = c.median("p50_ms"), c.median("p99_ms")
                out.append(f"| {c.name} | {rounds} | **{c.median('rps') or 0:,.0f}** | {fmt_ms(p50)} | {fmt_ms(p99)} | "
                           f"{sum(s.errors for s in c.samples) if c.url else 'n/a'} |")
            out.append("")
        out += self.verdicts + ([""] if self.verdicts else [])
        if self.extra:
            out += [self.extra, ""]
        if self.error:
            out += ["**ERROR** (comparison not completed):", "", "```", self.error.strip(), "```", ""]
        if self.contenders:
            out += ["Commands:", "", "```"]
            for c in self.contenders:
                out += c.commands(opts.seconds, self.conns)
            out += ["```", ""]
        return "\n".join(out)


def fmt_ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def verdict(label: str, num: Contender, den: Contender, target: float | None, unit: str) -> str:
    """The ratio of median req/s, and whether it reaches its target (None: for information)."""
    a, b = num.median("rps"), den.median("rps")
    if not a or not b:
        return f"- {label}: not measured"
    ratio = a / b
    shown = f"{ratio:.1%}" if unit == "%" else f"{ratio:.1f}x"
    if target is None:
        return f"- {label}: **{shown}** (no target)"
    wanted = f"{target:.0%}" if unit == "%" else f"{target:g}x"
    return f"- {label}: **{shown}** (target >= {wanted}: {'**reached**' if ratio >= target else '**not reached**'})"


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def alternate(section: Section, opts) -> None:
    """Warm each contender up, then measure them in turn, round after round."""
    for c in section.contenders:
        c.check()
        if c.url and opts.warmup > 0:
            c.measure(opts.warmup, section.conns)
    for round_no in range(1, opts.rounds + 1):
        for c in section.contenders:
            sample = c.measure(opts.seconds, section.conns)
            c.samples.append(sample)
            progress(f"  round {round_no}: {c.name}: {sample.rps:,.0f} req/s")


# ---------------------------------------------------------------- the servers

class Bench:
    """What every comparison shares: options, the prepared apps, ports, and the cleanup stack."""

    def __init__(self, opts, app: Path, fpm_app: Path, stack: contextlib.ExitStack, first_port: int):
        self.opts, self.workdir, self.app, self.fpm_app, self.stack = opts, opts.workdir, app, fpm_app, stack
        self.next_port = first_port - 1

    def port(self) -> int:
        self.next_port += 1
        return self.next_port

    def start(self, service: Service) -> Service:
        progress(f"  starting {service.name}")
        self.stack.callback(service.stop)
        service.start(self.workdir)
        return service

    def laravels(self, workers: int, static: bool = False, reactor_num: int | None = None, extra: dict | None = None,
                 label: str = "", tls: tuple[Path, Path] | None = None, http2: bool = False,
                 php_flags: list[str] = PHP_FLAGS, app: Path | None = None, extension: Path = EXTENSION,
                 env: dict[str, str] | None = None, mode: str | None = None) -> Service:
        """mode: a `serving_mode` to set (and name); None leaves the app's (master)."""
        app = app or self.app
        port = self.port()
        # pid_file and reactor_num have no environment variable: the app copy's overrides file
        # carries them (tests/e2e/harness.py's OVERRIDABLE_CONFIG), read when the server starts.
        overrides = {"pid_file": str(app / "storage" / f"laravels-{port}.pid")}
        if reactor_num:
            overrides["reactor_num"] = reactor_num
        if tls:
            overrides.update(ssl_cert_file=str(tls[0]), ssl_key_file=str(tls[1]))
        if http2:
            overrides["open_http2_protocol"] = True
        everything = {"swoole": overrides, **(extra or {})}
        if mode:
            everything["serving_mode"], label = mode, f"serving_mode={mode}, {label}"
        (app / "laravels.overrides.json").write_text(json.dumps(everything))
        env = {"LARAVELS_LISTEN_PORT": str(port), "LARAVELS_WORKER_NUM": str(workers), "LARAVELS_MAX_REQUEST": "0", **(env or {})}
        if static:
            env["LARAVELS_HANDLE_STATIC"] = "true"
        threads = f"reactor_num={reactor_num}" if reactor_num else f"reactor_num unset = {max(1, -(-os.cpu_count() // 4))} thread(s)"
        name = f"laravels-rs ({label}{'TLS, ' if tls else ''}{'HTTP/2, ' if http2 else ''}{'handle_static, ' if static else ''}worker_num={workers}, {threads})"
        unix = (extra or {}).get("socket_type") == 5
        url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/api/hello"
        note = "laravels.overrides.json: " + json.dumps(everything)
        ready = unix_answers(extra["listen_ip"]) if unix else laravels_ready(workers, url)
        return self.start(Service(name, ["php", *php_flags, "-d", f"extension={extension}", "bin/laravels", "start"],
                                  app, ready, env, port, note))

    def php_fpm(self, children: int, app: Path | None = None) -> tuple[Service, Service]:
        """php-fpm (pm=static) behind nginx, the way Laravel's deployment docs set it up."""
        app = app or self.fpm_app
        home = self.workdir / f"fpm-{app.name}"
        home.mkdir(exist_ok=True)
        sock = home / "php-fpm.sock"
        as_root = os.geteuid() == 0
        run_as = "user = root\ngroup = root" if as_root else ""  # fpm refuses root without them and -R
        (home / "php-fpm.conf").write_text(f"""[global]
pid = {home}/php-fpm.pid
error_log = {home}/php-fpm.error.log
daemonize = no

[bench]
{run_as}
listen = {sock}
listen.mode = 0666
pm = static
pm.max_children = {children}
pm.max_requests = 0
""")
        fpm = self.start(Service(f"php-fpm ({children} children)", [FPM, "-F", *(["-R"] if as_root else []), "-y",
                                 str(home / "php-fpm.conf"), *PHP_FLAGS], app, lambda _s: sock.exists()))
        locations = f"""index index.php;
        location / {{ try_files $uri $uri/ /index.php?$query_string; }}
        location ~ \\.php$ {{
            fastcgi_pass unix:{sock};
            fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;
            include /etc/nginx/fastcgi_params;
        }}"""
        return fpm, self.nginx("nginx (for php-fpm)", app / "public", locations, "/api/hello")

    def nginx(self, name: str, root: Path, locations: str, probe: str, upstream: tuple[str, str] | None = None) -> Service:
        """nginx with one worker process, sendfile and client keep-alive, no access log."""
        port = self.port()
        upstream_block = f"upstream {upstream[0]} {{ server {upstream[1]}; keepalive 16; }}" if upstream else ""
        home = self.workdir / f"nginx-{port}"
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        temp = "\n    ".join(f"{kind}_temp_path {home}/tmp/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (home / "nginx.conf").write_text(f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {home}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    {temp}
    {upstream_block}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        {locations}
    }}
}}
""")
        argv = ["nginx", "-p", str(home), "-c", str(home / "nginx.conf"), "-e", str(home / "error.log"), "-g", "daemon off;"]
        return self.start(Service(name, argv, home, answers(f"http://127.0.0.1:{port}{probe}"), port=port))

    def nginx_upstream(self, name: str, upstream: str, location: str) -> Service:
        """nginx proxying everything to laravels-rs through an upstream with keepalive."""
        block = f"""location = /robots.txt {{ return 200 "ok"; }}
        {location.format(upstream="ls_" + str(self.next_port + 1))}"""
        service = self.nginx(name, self.app / "public", block, "/robots.txt", upstream=(f"ls_{self.next_port + 1}", upstream))
        return service

    def php_builtin(self, workers: int) -> Service:
        port = self.port()
        argv = ["php", *PHP_FLAGS, "-S", f"127.0.0.1:{port}", "-t", "public", "public/index.php"]
        return self.start(Service(f"php -S (PHP_CLI_SERVER_WORKERS={workers})", argv, self.fpm_app,
                                  answers(f"http://127.0.0.1:{port}/api/hello"), {"PHP_CLI_SERVER_WORKERS": str(workers)}, port))

    def plain_php(self, workers: int, threads: int, mode: str | None = None) -> Service:
        port = self.port()
        argv = ["php", *PHP_FLAGS, "-d", f"extension={EXTENSION}", str(REPO / "bench" / "plain_php.php"), str(port), str(workers), str(threads),
                *([mode] if mode else [])]
        return self.start(Service(f"plain PHP callback ({f'serving_mode={mode}, ' if mode else ''}workers={workers}, threads={threads})", argv, REPO,
                                  answers(f"http://127.0.0.1:{port}/"), port=port))

    def modes(self) -> list[str | None]:
        """--modes: the serving modes the comparisons that take them run laravels-rs in
        (None for the default alone, which keeps the servers' names as they were)."""
        return [None] if self.opts.modes == "master" else self.opts.modes.split(",")

    def plain_hyper(self, threads: int) -> Service:
        port = self.port()
        return self.start(Service(f"plain hyper (threads={threads})", [str(HYPER), str(port), str(threads)], REPO,
                                  answers(f"http://127.0.0.1:{port}/"), port=port))


def url(service: Service, path: str, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{service.port}{path}"


# ---------------------------------------------------------------- the comparisons

def ceiling(b: Bench) -> list[Section]:
    s = Section("1. Hello JSON: laravels-rs, one worker, vs the in-process ceiling",
                "`GET /api/hello`. The ceiling is one PHP process looping `Request::create` + kernel `handle` + "
                "`terminate` with no HTTP at all; it has no latency figures.")
    rows = [Contender(ls.name, url(ls, "/api/hello"), [ls], HELLO_BODY) for ls in (b.laravels(workers=1, mode=m) for m in b.modes())]
    s.contenders = [*rows, Ceiling(b.app)]
    alternate(s, b.opts)
    s.verdicts = [verdict(f"laravels-rs{f' {m}' if m else ''} / ceiling", row, s.contenders[-1], 0.9, "%") for m, row in zip(b.modes(), rows)]
    return [s]


def queries(b: Bench) -> list[Section]:
    """Hello and one query, one worker against the ceiling, with opcache and then with the JIT."""
    framework = subprocess.run(["php", "artisan", "--version"], cwd=b.app, capture_output=True, text=True).stdout.strip()
    php = subprocess.run(["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True).stdout.strip()
    sections = []
    for number, (path, body, what) in enumerate(((("/api/hello", HELLO_BODY, "Hello JSON")),
                                                 (DB_PATH, DB_BODY, "One query (Eloquent find on sqlite)")), start=1):
        s = Section(f"6.{number} {what} on {framework}, PHP {php}: laravels-rs, one worker, vs the in-process ceiling, "
                    "opcache, then the JIT",
                    f"`GET {path}`. The ceiling is bench/ceiling.php on the same route. The JIT rows add "
                    "`opcache.jit=tracing opcache.jit_buffer_size=64M` to both.")
        rows = []
        for label, flags in (("opcache, ", PHP_FLAGS), ("opcache + JIT, ", JIT_FLAGS)):
            ls = b.laravels(workers=1, label=label, php_flags=flags)
            rows += [Contender(ls.name, url(ls, path), [ls], body), Ceiling(b.app, path, flags, label)]
        s.contenders = rows
        alternate(s, b.opts)
        s.verdicts = [verdict("laravels-rs / ceiling, opcache", rows[0], rows[1], 0.9, "%"),
                      verdict("laravels-rs / ceiling, JIT", rows[2], rows[3], 0.9, "%"),
                      verdict("laravels-rs JIT / laravels-rs opcache", rows[2], rows[0], None, "x")]
        sections.append(s)
        for c in rows:
            for service in c.services:
                service.stop()
    return sections


def workers(b: Bench) -> list[Section]:
    """Comparisons 2 and 5 share their servers: the memory readings come after both loads."""
    two = Section("2. Hello JSON, two workers: laravels-rs vs php-fpm + nginx vs php -S",
                  "`GET /api/hello`. php-fpm and php -S run a copy of the app with `config:cache` and `route:cache` "
                  "(they boot Laravel on every request); laravels-rs boots it once per worker. php -S answers "
                  "`Connection: close`: wrk counts each close as a read error.")
    five = Section("5. Latency at 256 connections, and memory",
                   "`GET /api/hello` with `wrk -c256`, same servers as in 2; memory read from /proc after this run.", conns=256)
    ours = [(m, b.laravels(workers=2, mode=m)) for m in b.modes()]
    fpm, front = b.php_fpm(children=2)
    builtin = b.php_builtin(workers=2)
    laravels_cs = [Contender(ls.name, url(ls, "/api/hello"), [ls], HELLO_BODY) for _, ls in ours]
    fpm_c = Contender("php-fpm (pm=static, 2 children) + nginx (1 worker)", url(front, "/api/hello"), [fpm, front], HELLO_BODY)
    builtin_c = Contender(builtin.name, url(builtin, "/api/hello"), [builtin], HELLO_BODY)
    two.contenders = [*laravels_cs, fpm_c, builtin_c]
    alternate(two, b.opts)
    for (m, _), c in zip(ours, laravels_cs):
        name = f"laravels-rs{f' {m}' if m else ''}"
        two.verdicts += [verdict(f"{name} / php-fpm + nginx", c, fpm_c, 20, "x"), verdict(f"{name} / php -S", c, builtin_c, None, "x")]
    five.contenders = [Contender(c.name, c.url, c.services, HELLO_BODY) for c in (*laravels_cs, fpm_c)]
    alternate(five, b.opts)
    five.extra = memory_table([(f"laravels-rs{f' {m}' if m else ''}", ls.proc.pid) for m, ls in ours]
                              + [("php-fpm", fpm.proc.pid), ("nginx", front.proc.pid)])
    return [two, five]


def memory_table(roots: list[tuple[str, int]]) -> str:
    rows = ["| server | process | pid | VmRSS MB | Pss MB |", "|---|---|---|---|---|"]
    for server, root in roots:
        for pid in tree(root):
            with contextlib.suppress(OSError):
                rss, pss = memory_kb(pid)
                rows.append(f"| {server} | `{process_name(pid)[:60]}` | {pid} | {rss / 1024:.1f} | {pss / 1024:.1f} |")
    return "\n".join(rows)


def static(b: Bench) -> list[Section]:
    s = Section("3. A 4 KB static file: laravels-rs handle_static vs nginx",
                f"`GET {STATIC_PATH}` from the same `public/` directory. nginx has one worker process; laravels-rs is "
                "measured with one reactor thread (like for like) and with the default (one per four CPUs).")
    body = (b.app / "public" / STATIC_PATH.lstrip("/")).read_bytes()
    one = b.laravels(workers=1, static=True, reactor_num=1)
    default = b.laravels(workers=1, static=True)
    web = b.nginx("nginx (1 worker, sendfile)", b.app / "public", "location / { try_files $uri =404; }", STATIC_PATH)
    nginx_c = Contender(web.name, url(web, STATIC_PATH), [web], body)
    s.contenders = [Contender(one.name, url(one, STATIC_PATH), [one], body),
                    Contender(default.name, url(default, STATIC_PATH), [default], body), nginx_c]
    alternate(s, b.opts)
    s.verdicts = [verdict("laravels-rs (1 reactor thread) / nginx", s.contenders[0], nginx_c, 0.8, "%"),
                  verdict("laravels-rs (default reactor threads) / nginx", s.contenders[1], nginx_c, 0.8, "%")]
    return [s]


def plain(b: Bench) -> list[Section]:
    s = Section("4. Plain PHP callback vs plain hyper",
                "Any path, answered `hello world` without a framework: the extension's server with a PHP loop "
                "(bench/plain_php.php) vs a bare hyper server (bench/plain_hyper.rs), same reactor threads.")
    pairs = []
    for n in (1, 2):
        phps = [(m, b.plain_php(workers=n, threads=n, mode=m)) for m in b.modes()]
        hyper = b.plain_hyper(threads=n)
        hyper_c = Contender(hyper.name, url(hyper, "/"), [hyper], b"hello world")
        pairs += [(n, m, Contender(php.name, url(php, "/"), [php], b"hello world"), hyper_c) for m, php in phps]
        s.contenders += [*(pair[2] for pair in pairs[-len(phps):]), hyper_c]
    alternate(s, b.opts)
    s.verdicts = [verdict(f"plain PHP{f' {m}' if m else ''} / plain hyper, {n} thread(s)", php, hyper, 0.6, "%") for n, m, php, hyper in pairs]
    return [s]


def proxies(b: Bench) -> list[Section]:
    s = Section("7. Hello JSON over a direct port, through nginx over TCP, through nginx over a unix socket",
                "`GET /api/hello`, laravels-rs with two workers; nginx (1 worker) with the README's upstream block "
                "(`keepalive 16`, HTTP/1.1 to the upstream). The unix-socket server uses `socket_type` "
                "SWOOLE_SOCK_UNIX_STREAM.")
    direct = b.laravels(workers=2)
    sock = b.workdir / "laravels.sock"
    over_unix = b.laravels(workers=2, extra={"socket_type": 5, "listen_ip": str(sock)}, label="unix socket, ")
    proxy = """location / {{
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header Host $http_host;
            proxy_pass http://{upstream};
        }}"""
    via_tcp = b.nginx_upstream("nginx -> laravels-rs over TCP", f"127.0.0.1:{direct.port}", proxy)
    via_unix = b.nginx_upstream("nginx -> laravels-rs over a unix socket", f"unix:{sock}", proxy)
    d = Contender(direct.name, url(direct, "/api/hello"), [direct], HELLO_BODY)
    t = Contender(via_tcp.name, url(via_tcp, "/api/hello"), [via_tcp, direct], HELLO_BODY)
    u = Contender(via_unix.name, url(via_unix, "/api/hello"), [via_unix, over_unix], HELLO_BODY)
    s.contenders = [d, t, u]
    alternate(s, b.opts)
    s.verdicts = [verdict("through nginx over TCP / direct", t, d, None, "%"),
                  verdict("through nginx over a unix socket / direct", u, d, None, "%"),
                  verdict("nginx over a unix socket / nginx over TCP", u, t, None, "%")]
    return [s]


def tcp(b: Bench) -> list[Section]:
    s = Section("8. TCP echo round trips: an extra TCP port (`sockets`) vs a plain tokio echo server",
                "64 connections each writing 64 bytes and reading them back (bench/tcp_echo.rs client). laravels-rs "
                "runs App\\Sockets\\EchoTcp (`$server->send($fd, $data)` in onReceive) on two workers; every message "
                "goes master -> worker -> master. The reference echoes in Rust with one thread.")
    port = b.port()
    ls = b.laravels(workers=2, extra={"sockets": [{"host": "127.0.0.1", "port": port, "type": 1, "handler": "App\\Sockets\\EchoTcp"}]},
                    label="TCP port, ")
    plain_port = b.port()
    ref = b.start(Service("plain tokio echo (1 thread)", [str(TCP_ECHO), "server", str(plain_port), "1"], REPO,
                          lambda _s: port_in_use(plain_port), port=plain_port))
    ours, theirs = Echo(ls.name, port, [ls]), Echo(ref.name, plain_port, [ref])
    s.contenders = [ours, theirs]
    alternate(s, b.opts)
    s.verdicts = [verdict("laravels-rs TCP port / plain tokio echo", ours, theirs, None, "%")]
    return [s]


def self_signed(workdir: Path) -> tuple[Path, Path]:
    cert, key = workdir / "tls-cert.pem", workdir / "tls-key.pem"
    run = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise BenchError(f"openssl could not make a certificate:\n{run.stderr}")
    return cert, key


def tls(b: Bench) -> list[Section]:
    s = Section("6. HTTPS: HTTP/1.1 vs HTTP/2 multiplexing, against plain HTTP",
                "`GET /api/hello`, two workers, measured with h2load for every row (`-t2`, 64 requests in flight: "
                "64 connections, or 4 HTTP/2 connections of 16 streams). TLS 1.3 with a P-256 certificate; the "
                "handshakes happen once per connection, before the measured load. h2load gives no percentiles.")
    if not shutil.which("h2load") or not shutil.which("openssl"):
        raise BenchError("h2load or openssl missing. Fix: apt-get install -y nghttp2-client openssl")
    plain_server = b.laravels(workers=2)
    secure = b.laravels(workers=2, tls=self_signed(b.workdir), http2=True)
    h = url(plain_server, "/api/hello")
    hs = url(secure, "/api/hello", "https")
    base = H2load("HTTP/1.1, 64 connections", h, [plain_server], HELLO_BODY)
    h1s = H2load("HTTPS HTTP/1.1, 64 connections", hs, [secure], HELLO_BODY)
    h2s = H2load("HTTPS HTTP/2, 64 connections x 1 stream", hs, [secure], HELLO_BODY, h1=False)
    mux = H2load("HTTPS HTTP/2, 4 connections x 16 streams", hs, [secure], HELLO_BODY, conns=4, streams=16, h1=False)
    s.contenders = [base, h1s, h2s, mux]
    alternate(s, b.opts)
    s.verdicts = [verdict("HTTPS HTTP/1.1 / HTTP/1.1", h1s, base, None, "%"),
                  verdict("HTTPS HTTP/2 multiplexed / HTTP/1.1", mux, base, None, "%"),
                  verdict("HTTPS HTTP/2 multiplexed / HTTPS HTTP/1.1", mux, h1s, None, "%")]
    return [s]


def mariadb(b: Bench) -> list[Section]:
    """One query on a real MariaDB server: plain and persistent PDO, one worker, against the ceiling."""
    import services  # tests/e2e/services.py: the same MariaDB set-up the e2e tests use
    if services.MARIADBD is None:
        raise BenchError("mariadbd not found. Fix: apt-get install -y mariadb-server php8.2-mysql (scripts/install-deps.sh)")
    db = services.MariaDB(b.workdir / "mariadb").start()
    b.stack.callback(db.stop)
    s = Section("9. One query on MariaDB (Eloquent find over TCP): laravels-rs vs the in-process ceiling and php-fpm + nginx",
                f"`GET {DB_PATH}` with `DB_CONNECTION=mysql` on a MariaDB server this run starts (tests/e2e/services.py: "
                "127.0.0.1, a password user, InnoDB). Plain PDO keeps one connection per worker for its life; "
                "`DB_PERSISTENT=true` sets `PDO::ATTR_PERSISTENT` (the seed README's advice). php-fpm runs a copy of "
                "the app with this connection in its cached config; it connects once per request.")
    rows = []
    for label, persistent in (("", "false"), ("persistent PDO, ", "true")):
        env = {**db.env(), "DB_PERSISTENT": persistent}
        ls = b.laravels(workers=1, label=label, env=env)
        rows.append(Contender(ls.name, url(ls, DB_PATH), [ls], DB_BODY))
    rows.append(Ceiling(b.app, DB_PATH, env={**db.env(), "DB_PERSISTENT": "false"}))
    fpm, front = b.php_fpm(children=2, app=cached_copy(b.fpm_app, b.workdir / "fpm-mariadb", {**db.env(), "DB_PERSISTENT": "false"}))
    fpm_c = Contender("php-fpm (pm=static, 2 children) + nginx (1 worker)", url(front, DB_PATH), [fpm, front], DB_BODY)
    two = b.laravels(workers=2, env={**db.env(), "DB_PERSISTENT": "false"})
    rows += [Contender(two.name, url(two, DB_PATH), [two], DB_BODY), fpm_c]
    s.contenders = rows
    connections = db.status("Connections")
    alternate(s, b.opts)
    s.extra = (f"MariaDB connections opened during the measured rounds (all servers, ceiling included): "
               f"{db.status('Connections') - connections}")
    s.verdicts = [verdict("laravels-rs / ceiling", rows[0], rows[2], 0.9, "%"),
                  verdict("laravels-rs persistent PDO / plain", rows[1], rows[0], None, "x"),
                  verdict("laravels-rs 2 workers / php-fpm 2 children + nginx", rows[3], rows[4], None, "x")]
    return [s]


def cached_copy(app: Path, target: Path, env: dict[str, str]) -> Path:
    """A copy of the php-fpm app with `env` written into its .env and the config cached again
    (php-fpm reads the cached config, not the environment)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(app, target, symlinks=True)
    lines = [line for line in (target / ".env").read_text().splitlines() if line.split("=", 1)[0] not in env]
    (target / ".env").write_text("\n".join(lines + [f"{k}={v}" for k, v in env.items()]) + "\n")
    for command in ("config:cache", "route:cache"):
        run = subprocess.run(["php", "artisan", command], cwd=target, capture_output=True, text=True)
        if run.returncode != 0:
            raise BenchError(f"php artisan {command} failed in {target}:\n{run.stdout}{run.stderr}")
    return target


def baseline(b: Bench) -> list[Section]:
    """This checkout against another one (--baseline DIR, e.g. a worktree of the commit before a change), side by side."""
    base = b.opts.baseline
    if base is None:
        raise BenchError("the baseline comparison needs --baseline DIR: a built checkout to compare with")
    base = base.resolve()
    base_ext = base / EXTENSION.relative_to(REPO) if EXTENSION.is_relative_to(REPO) else base / "target" / "release" / "liblaravels.so"
    if not base_ext.exists():
        raise BenchError(f"{base_ext} not found. Fix: build the baseline (cd {base} && cargo build --release)")
    commit = subprocess.run(["git", "-C", str(base), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    base_app = prepared_with(base, b.workdir / "baseline")
    sections = []
    for number, (path, body, what) in enumerate((("/api/hello", HELLO_BODY, "Hello JSON"),
                                                 (DB_PATH, DB_BODY, "One query (Eloquent find on sqlite)")), start=1):
        s = Section(f"0.{number} {what}, one worker: this checkout vs the baseline {commit}",
                    f"`GET {path}`. Both run the same framework and PHP flags; the baseline's app copy uses its own "
                    f"package and extension ({base}).")
        now = b.laravels(workers=1, label="this checkout, ")
        then = b.laravels(workers=1, label=f"baseline {commit}, ", app=base_app, extension=base_ext)
        s.contenders = [Contender(now.name, url(now, path), [now], body), Contender(then.name, url(then, path), [then], body)]
        alternate(s, b.opts)
        s.verdicts = [verdict("this checkout / baseline", *s.contenders, 0.97, "%")]
        sections.append(s)
        for c in s.contenders:
            for service in c.services:
                service.stop()
    return sections


def leaks(b: Bench) -> list[Section]:
    """What `leak_detector.enable` costs per request: one worker with it on, one with it off, side by side."""
    on_app = b.workdir / "leak-detector-app"
    if on_app.exists():
        shutil.rmtree(on_app)
    shutil.copytree(b.app, on_app, symlinks=True)
    sections = []
    for number, (path, body, what) in enumerate((("/api/hello", HELLO_BODY, "Hello JSON"),
                                                 (DB_PATH, DB_BODY, "One query (Eloquent find on sqlite)")), start=1):
        s = Section(f"L.{number} {what}, one worker: leak_detector on vs off",
                    f"`GET {path}`. The same app in two copies; one has `leak_detector.enable` true. The difference "
                    "is the detector's cost per request (before the request, after it, after the cleaners).")
        off = b.laravels(workers=1, label="leak_detector off, ")
        on = b.laravels(workers=1, label="leak_detector on, ", app=on_app, extra={"leak_detector": {"enable": True}})
        s.contenders = [Contender(off.name, url(off, path), [off], body), Contender(on.name, url(on, path), [on], body)]
        alternate(s, b.opts)
        s.verdicts = [verdict("on / off", s.contenders[1], s.contenders[0], None, "%")]
        off_ms, on_ms = (1000 / c.median("rps") for c in s.contenders)
        s.extra = f"Time per request at saturation: {off_ms:.3f} ms off, {on_ms:.3f} ms on: the detector adds {on_ms - off_ms:.3f} ms."
        sections.append(s)
        for c in s.contenders:
            for service in c.services:
                service.stop()
    return sections


def prepared_with(checkout: Path, workdir: Path) -> Path:
    """The example app prepared by another checkout's harness (its package, its prepare script), production env."""
    workdir.mkdir(parents=True, exist_ok=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import harness; from pathlib import Path; "
            "print(harness.prepared_app(harness.FRAMEWORK, Path(sys.argv[2])))")
    run = subprocess.run([sys.executable, "-c", code, str(checkout / "tests" / "e2e"), str(workdir)], capture_output=True, text=True)
    if run.returncode != 0:
        raise BenchError(f"preparing the baseline app failed:\n{run.stdout}{run.stderr}")
    app = Path(run.stdout.strip().splitlines()[-1])
    production(app)
    return app


COMPARISONS: dict[str, Callable[[Bench], list[Section]]] = {
    "ceiling": ceiling, "workers": workers, "static": static, "plain": plain, "tls": tls, "proxies": proxies, "tcp": tcp,
    "queries": queries, "mariadb": mariadb, "baseline": baseline, "leaks": leaks,
}
# What a run without --only measures: everything but the before/after comparison and the leak detector's cost.
DEFAULT = [name for name in COMPARISONS if name not in ("baseline", "leaks")]


# ---------------------------------------------------------------- setup and main

def first_line(argv: list[str]) -> str:
    with contextlib.suppress(OSError):
        run = subprocess.run(argv, capture_output=True, text=True)
        return (run.stdout or run.stderr).strip().splitlines()[0]
    return "not found"


def check_tools(only: list[str]) -> None:
    missing = [tool for tool in ("wrk", "nginx", FPM) if not shutil.which(tool)]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}. Fix: apt-get install -y wrk nginx {FPM}")
    needed = [(EXTENSION, "cargo build --release")]
    if "plain" in only:
        needed.append((HYPER, "cargo build --release --example plain_hyper"))
    for path, fix in needed:
        if not path.exists():
            raise SystemExit(f"{path} not found. Fix: {fix}")


def production(app: Path) -> None:
    """APP_ENV=production and APP_DEBUG=false in the app copy's .env."""
    env_file = app / ".env"
    text = re.sub(r"^APP_ENV=.*$", "APP_ENV=production", env_file.read_text(), flags=re.M)
    env_file.write_text(re.sub(r"^APP_DEBUG=.*$", "APP_DEBUG=false", text, flags=re.M))


def prepare_apps(workdir: Path) -> tuple[Path, Path]:
    """The Laravel example made ready (production env), and a copy with config and routes cached for php-fpm."""
    app = harness.prepared_app(harness.FRAMEWORK, workdir)
    production(app)
    fpm_app = workdir / f"{harness.FRAMEWORK}-fpm"
    shutil.copytree(app, fpm_app, symlinks=True)
    for command in ("config:cache", "route:cache"):
        run = subprocess.run(["php", "artisan", command], cwd=fpm_app, capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"php artisan {command} failed in {fpm_app}:\n{run.stdout}{run.stderr}")
    return app, fpm_app


def environment(app: Path) -> str:
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
    cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M)
    ini = subprocess.run(["php", *PHP_FLAGS, "-r", "foreach (['opcache.enable', 'opcache.enable_cli', 'opcache.jit', "
                          "'opcache.jit_buffer_size', 'opcache.validate_timestamps', 'memory_limit', 'expose_php'] as $k) "
                          "echo $k, '=', var_export(ini_get($k), true), ' ';"], capture_output=True, text=True).stdout
    laravel = subprocess.run(["php", "artisan", "--version"], cwd=app, capture_output=True, text=True).stdout.strip()
    return "\n".join([
        f"- CPU: {os.cpu_count()} x {cpu.group(1) if cpu else '?'}; kernel {os.uname().release}; Debian {first_line(['cat', '/etc/debian_version'])}",
        f"- laravels-rs {commit}{' (with uncommitted changes)' if dirty else ''}, extension {EXTENSION}",
        f"- {first_line(['php', '-v'])}; {first_line([FPM, '-v'])}; {first_line(['nginx', '-v'])}; {first_line(['wrk', '-v'])}",
        f"- {laravel}, `APP_ENV=production`, `APP_DEBUG=false`",
        f"- PHP flags for every PHP process: `{' '.join(PHP_FLAGS)}`; effective (CLI): {ini.strip()}",
        "- laravels-rs: `LARAVELS_MAX_REQUEST=0` (workers never recycled, like php-fpm's `pm.max_requests = 0`)",
        f"- load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ])


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="measured rounds per server (default 3)")
    p.add_argument("--seconds", type=int, default=5, help="length of one round (default 5)")
    p.add_argument("--warmup", type=int, default=2, help="unmeasured load per server before round 1 (default 2)")
    p.add_argument("--only", default=",".join(DEFAULT), help=f"comma-separated subset of {','.join(COMPARISONS)}")
    p.add_argument("--port-base", type=int, default=6100, help="servers listen on the 40 ports above it (default 6100)")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/laravels-bench"), help="app copies, configs and logs (emptied first)")
    p.add_argument("--out", type=Path, help="also append the report to this file")
    p.add_argument("--baseline", type=Path, help="a built checkout to compare with (the baseline comparison, not in the default run)")
    p.add_argument("--modes", default="master", help="comma-separated serving_mode values (master, worker): comparisons ceiling, "
                   "workers and plain run laravels-rs (the plain handler in plain) once in each; the others in master mode")
    opts = p.parse_args()
    unknown = set(opts.only.split(",")) - set(COMPARISONS)
    if unknown:
        p.error(f"--only: unknown {', '.join(sorted(unknown))}; choose from {', '.join(COMPARISONS)}")
    return opts


def stop_like_ctrl_c(*_) -> None:
    """SIGTERM ends the run as Ctrl-C does: through the exit stacks that stop the servers."""
    raise KeyboardInterrupt


def main() -> int:
    opts = parse_args()
    check_tools(opts.only.split(","))
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    began = time.time()
    shutil.rmtree(opts.workdir, ignore_errors=True)
    opts.workdir.mkdir(parents=True)
    progress(f"preparing the app in {opts.workdir}")
    app, fpm_app = prepare_apps(opts.workdir)
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"## laravels-rs benchmark run, {date}", "",
            f"`python3 bench/run.py --rounds {opts.rounds} --seconds {opts.seconds:g} --warmup {opts.warmup:g}"
            f"{'' if opts.only == ','.join(DEFAULT) else ' --only ' + opts.only}{f' --baseline {opts.baseline}' if opts.baseline else ''}{'' if opts.modes == 'master' else ' --modes ' + opts.modes}`: servers alternate "
            f"round by round; each gets {opts.warmup:g} s of unmeasured load first; figures are medians of the rounds; "
            "wrk -t2 -c64 unless stated; everything on 127.0.0.1.", "", environment(app), ""]
    sections: list[Section] = []
    interrupted = False
    try:
        for index, name in enumerate(opts.only.split(",")):
            progress(f"comparison {name}")
            with contextlib.ExitStack() as stack:
                try:
                    sections += COMPARISONS[name](Bench(opts, app, fpm_app, stack, opts.port_base + 1 + 10 * index))
                except (BenchError, subprocess.TimeoutExpired) as e:
                    sections.append(Section(f"{name}: failed", "", error=str(e)))
                    progress(f"  failed: {e}")
    except KeyboardInterrupt:
        interrupted = True
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    tail = [f"- load average at end: {load}; whole run took {time.time() - began:.0f} s"
            + ("; **interrupted**, report incomplete" if interrupted else ""), ""]
    sections.sort(key=lambda s: s.title)  # workers() yields sections 2 and 5
    report = "\n".join(head + [s.render(opts) for s in sections] + tail)
    print(report)
    if opts.out:
        with open(opts.out, "a") as f:
            f.write(report + "\n")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
