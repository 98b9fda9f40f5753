#!/usr/bin/env python3
"""Broadcast fan-out across two instances sharing one Redis (issue 17), in one run.

Two laravels-rs instances of the Laravel 8 example app (worker_num 2 each), nodes 1 and 2
of one `websocket.cluster` on a local Redis, the Pusher server on. For each kind of
fan-out, --conns connections are held first all on instance A, then split evenly over A
and B, and --rounds fan-outs are timed, each from the trigger to the last connection
receiving it:

- `pushAll()`: EchoWebSocket's `!pushall bc:N` sent on a connection of instance A;
- Laravel Broadcasting: `GET /broadcast/fanout/bc-N` on instance A (a controller calling
  broadcast(), the `laravels` broadcaster), to Pusher connections subscribed to `fanout`.

    cargo build --release && cargo build --release --example fanout
    python3 bench/fanout.py [--conns 10000] [--rounds 5] [--out FILE]

The clients are bench/fanout.rs, one tokio thread in one process (so the client, both
instances, Redis and the PHP workers share the machine's 2 cores). Ports --port-base+1
and +2; everything is stopped at the end, on errors and on Ctrl-C.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as common  # noqa: E402  (Service, progress, the prepared app)
from services import Redis  # noqa: E402  (tests/e2e, on the path through run.py)

FANOUT = common.REPO / "target" / "release" / "examples" / "fanout"
KEY = "laravels-key"  # the example app's .env.example
WS_PATH = "/ws?greet=0"


class Client:
    """A `fanout` process holding connections; `go()` times one fan-out."""

    def __init__(self, argv: list[str]):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.opened = self._line()
        if self.opened.get("failed"):
            raise common.BenchError(f"{self.opened['failed']} connection(s) failed: {shlex.join(argv)}")

    def _line(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise common.BenchError(f"{shlex.join(self.argv)} ended early (status {self.proc.wait()})")
        return json.loads(line)

    def go(self) -> dict:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        result = self._line()
        if "error" in result or result["received"] != result["connected"]:
            raise common.BenchError(f"fan-out incomplete: {result}")
        return result

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        if self.proc.poll() is None:
            self.proc.kill()


def instance(name: str, app: Path, port: int, node: int, redis: Redis, conns: int) -> common.Service:
    env = {"LARAVELS_LISTEN_PORT": str(port), "LARAVELS_WORKER_NUM": "2", "LARAVELS_MAX_REQUEST": "0",
           "LARAVELS_PUSHER": "true", "LARAVELS_WS_CLUSTER_REDIS": f"tcp://127.0.0.1:{redis.port}",
           "LARAVELS_WS_CLUSTER_NODE": str(node)}
    overrides = {"websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"},
                 "swoole": {"dispatch_mode": 2, "max_connection": conns + 1000}}
    (app / "laravels.overrides.json").write_text(json.dumps(overrides))
    return common.Service(name, ["php", *common.PHP_FLAGS, "-d", f"extension={common.EXTENSION}", "bin/laravels", "start"],
                          app, common.laravels_ready(2, f"http://127.0.0.1:{port}/api/hello"), env, port,
                          "laravels.overrides.json: " + json.dumps(overrides))


def connection_num(port: int) -> int:
    status, body = common.http_get(f"http://127.0.0.1:{port}/ws/connections")
    if status != 200:
        raise common.BenchError(f"GET /ws/connections on {port} answered {status}")
    return json.loads(body)["stats"]["connection_num"]


def settle(ports: list[int], timeout: float = 120) -> None:
    """Waits until the instances hold no connection but the probe's: the last client's
    connections count until their onClose has run in a worker."""
    deadline = time.time() + timeout
    while any(connection_num(port) > 1 for port in ports):
        if time.time() > deadline:
            raise common.BenchError(f"connections still open after {timeout:.0f} s: {[connection_num(p) for p in ports]}")
        time.sleep(0.5)


def measure(opts, kind: str, addrs: list[str]) -> list[str]:
    target = opts.conns
    argv = ([str(FANOUT), "ws", ",".join(addrs), WS_PATH, str(target)] if kind == "ws"
            else [str(FANOUT), "pusher", ",".join(addrs), KEY, str(target)])
    common.progress(f"{kind}: {target:,} connections over {len(addrs)} instance(s)")
    client = Client(argv)
    try:
        time.sleep(2)  # let the instances settle after the connection storm
        client.go()  # warm-up: the first fan-out allocates what later ones reuse
        rounds = [client.go() for _ in range(opts.rounds)]
    finally:
        client.close()
    med = lambda key: statistics.median(r[key] for r in rounds)  # noqa: E731
    per = [statistics.median(r["last_per_instance_ms"][i] for r in rounds) for i in range(len(addrs))]
    spread = f"{min(r['last_ms'] for r in rounds):.0f}-{max(r['last_ms'] for r in rounds):.0f}"
    label = {"ws": "`pushAll()` (WebSocket)", "pusher": "`broadcast()` (Pusher channel)"}[kind]
    where = "all on A" if len(addrs) == 1 else "split A/B"
    return [f"| {label} | {where} | {target:,} (opened in {client.opened['seconds']:.1f} s) | **{med('last_ms'):.1f}** ({spread}) | "
            f"{med('p50_ms'):.1f} | {med('p99_ms'):.1f} | {' / '.join(f'{ms:.1f}' for ms in per)} |"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--conns", type=int, default=10000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--port-base", type=int, default=6300)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/laravels-bench-fanout"))
    p.add_argument("--out", type=Path, help="also append the report to this file")
    opts = p.parse_args()
    for path, fix in ((common.EXTENSION, "cargo build --release"), (FANOUT, "cargo build --release --example fanout")):
        if not path.exists():
            raise SystemExit(f"{path} not found. Fix: {fix}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < opts.conns + 1000:
        raise SystemExit(f"the open files limit ({hard}) is below --conns + 1000. Fix: ulimit -n {opts.conns + 1000} (as root), or fewer --conns")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    signal.signal(signal.SIGTERM, common.stop_like_ctrl_c)
    began = time.time()
    shutil.rmtree(opts.workdir, ignore_errors=True)
    opts.workdir.mkdir(parents=True)
    common.progress(f"preparing two copies of the app in {opts.workdir}")
    template = common.harness.prepared_app("laravel8", opts.workdir / "template")
    apps = []
    for name in ("a", "b"):
        app = opts.workdir / name
        shutil.copytree(template, app, symlinks=True)
        env_file = app / ".env"
        text = re.sub(r"^APP_ENV=.*$", "APP_ENV=production", env_file.read_text(), flags=re.M)
        env_file.write_text(re.sub(r"^APP_DEBUG=.*$", "APP_DEBUG=false", text, flags=re.M))
        apps.append(app)
    environment = common.environment(apps[0])
    redis = Redis(opts.workdir / "redis")
    ports = [opts.port_base + 1, opts.port_base + 2]
    out: list[str] = []
    interrupted = False
    try:
        with contextlib.ExitStack() as stack:
            redis.start()
            stack.callback(redis.stop)
            services = [instance(f"laravels-rs node {n}", app, port, n, redis, opts.conns) for n, app, port in zip((1, 2), apps, ports)]
            for service in services:
                common.progress(f"starting {service.name}")
                stack.callback(service.stop)
                service.start(opts.workdir)
            addrs = [f"127.0.0.1:{port}" for port in ports]
            time.sleep(3)  # the instances' hellos: each counts the other as reachable
            out += ["| fan-out | connections | held | to the last, ms (min-max) | median, ms | p99, ms | last on A / B, ms |",
                    "|---|---|---|---|---|---|---|"]
            for kind in ("ws", "pusher"):
                for spread in (addrs[:1], addrs):
                    settle(ports)
                    out += measure(opts, kind, spread)
            out += ["", "Servers:", "", *(f"- `{s.command_line()}`" for s in services), f"- Redis {redis.port}, no persistence", ""]
    except KeyboardInterrupt:
        interrupted = True
    except (common.BenchError, subprocess.TimeoutExpired) as e:
        out += ["**ERROR** (run not completed):", "", "```", str(e).strip(), "```", ""]
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"### laravels-rs fan-out run, {date}", "",
            f"`python3 bench/fanout.py --conns {opts.conns} --rounds {opts.rounds}`", "", environment, ""]
    tail = [f"- load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; whole run took {time.time() - began:.0f} s"
            + ("; **interrupted**, report incomplete" if interrupted else ""), ""]
    report = "\n".join(head + out + tail)
    print(report)
    if opts.out:
        with open(opts.out, "a") as f:
            f.write(report + "\n")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
