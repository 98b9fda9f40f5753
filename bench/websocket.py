#!/usr/bin/env python3
"""WebSocket benchmarks of laravels-rs, in one run:

1. echo round trips per second with --conns connections: laravels-rs (EchoWebSocket,
   worker_num 2) against a plain tokio-tungstenite echo server (bench/plain_ws.rs) as
   the ceiling, alternating round by round; the ratio of medians;
2. resident memory of the master holding --idle idle WebSocket connections (and of the
   plain server holding as many, for comparison);
3. time to broadcast one message to those --idle connections with EchoWebSocket's
   `!broadcast`, from sending the command to the last client receiving the message.

    cargo build --release && cargo build --release --example plain_ws --example ws_load
    python3 bench/websocket.py [--rounds 3] [--seconds 5] [--conns 100] [--idle 10000] [--out FILE]

The clients are bench/ws_load.rs, one tokio thread in a process of its own (a Python
client would be the bottleneck of the echo and broadcast figures). The machine's 2 cores
are shared by the clients and the server. Servers listen on 127.0.0.1 ports --port-base+1
and up and are stopped at the end, on errors and on Ctrl-C.
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

REPO = common.REPO
PLAIN_WS = REPO / "target" / "release" / "examples" / "plain_ws"
WS_LOAD = REPO / "target" / "release" / "examples" / "ws_load"
WS_PATH = "/ws?greet=0"
MESSAGE_SIZE = 16


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile and VmHWM of a process, in kB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return {k: int(v) for k, v in re.findall(r"^(VmRSS|RssAnon|RssFile|VmHWM):\s+(\d+) kB", text, re.M)}


def ws_load_echo(port: int, conns: int, seconds: int) -> dict:
    argv = [str(WS_LOAD), "echo", f"127.0.0.1:{port}", WS_PATH, str(conns), str(seconds), str(MESSAGE_SIZE)]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    if run.returncode != 0:
        raise common.BenchError(f"{shlex.join(argv)} failed:\n{run.stdout}{run.stderr}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    if result["failed"] or result["errors"]:
        raise common.BenchError(f"{shlex.join(argv)}: {result}\n{run.stderr}")
    return result


class Holder:
    """A ws_load process holding `n` idle connections; `broadcast()` times one broadcast."""

    def __init__(self, port: int, n: int):
        self.argv = [str(WS_LOAD), "hold", f"127.0.0.1:{port}", WS_PATH, str(n)]
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
        self.opened = self._line()
        if self.opened["connected"] != n:
            self.close()
            raise common.BenchError(f"only {self.opened['connected']} of {n} connections opened (see the server log)")

    def _line(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise common.BenchError(f"{shlex.join(self.argv)} ended early (status {self.proc.wait()})")
        return json.loads(line)

    def broadcast(self) -> dict:
        self.proc.stdin.write("broadcast\n")
        self.proc.stdin.flush()
        result = self._line()
        if "error" in result:
            raise common.BenchError(f"broadcast: {result}")
        return result

    def close(self) -> None:
        """EOF on stdin: the process exits and the kernel closes its connections."""
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_settled(pid: int, seconds: float = 2.0) -> dict[str, int]:
    """Memory after the process has been idle a moment (allocator and tasks settled)."""
    time.sleep(seconds)
    return status_kb(pid)


def mb(kb: int) -> str:
    return f"{kb / 1024:.1f}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--conns", type=int, default=100, help="connections of the echo comparison (default 100)")
    p.add_argument("--idle", type=int, default=10000, help="idle connections for memory and broadcast (default 10000)")
    p.add_argument("--broadcasts", type=int, default=3, help="broadcasts timed (default 3)")
    p.add_argument("--port-base", type=int, default=6200)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/laravels-bench-ws"))
    p.add_argument("--out", type=Path, help="also append the report to this file")
    opts = p.parse_args()
    for path, fix in ((common.EXTENSION, "cargo build --release"),
                      (PLAIN_WS, "cargo build --release --example plain_ws"), (WS_LOAD, "cargo build --release --example ws_load")):
        if not path.exists():
            raise SystemExit(f"{path} not found. Fix: {fix}")
    # Every connection is a descriptor in the server and in the client process.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < opts.idle + 1000:
        raise SystemExit(f"the open files limit ({hard}) is below --idle + 1000. Fix: ulimit -n {opts.idle + 1000} (as root), or a smaller --idle")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    signal.signal(signal.SIGTERM, common.stop_like_ctrl_c)
    began = time.time()
    shutil.rmtree(opts.workdir, ignore_errors=True)
    opts.workdir.mkdir(parents=True)
    common.progress(f"preparing the app in {opts.workdir}")
    app = common.harness.prepared_app("laravel8", opts.workdir)
    env_file = app / ".env"
    text = re.sub(r"^APP_ENV=.*$", "APP_ENV=production", env_file.read_text(), flags=re.M)
    env_file.write_text(re.sub(r"^APP_DEBUG=.*$", "APP_DEBUG=false", text, flags=re.M))
    environment = common.environment(app)  # before the run: it records the load average at start

    overrides = {"websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"},
                 "swoole": {"dispatch_mode": 2, "max_connection": opts.idle + 1000}}
    (app / "laravels.overrides.json").write_text(json.dumps(overrides))
    ls_port, plain_port = opts.port_base + 1, opts.port_base + 2
    env = {"LARAVELS_LISTEN_PORT": str(ls_port), "LARAVELS_WORKER_NUM": "2", "LARAVELS_MAX_REQUEST": "0"}
    laravels = common.Service("laravels-rs (EchoWebSocket, worker_num=2, reactor_num unset = 1 thread)",
                              ["php", *common.PHP_FLAGS, "-d", f"extension={common.EXTENSION}", "bin/laravels", "start"],
                              app, common.laravels_ready(2, f"http://127.0.0.1:{ls_port}/api/hello"), env, ls_port,
                              "laravels.overrides.json: " + json.dumps(overrides))
    plain = common.Service("plain tokio-tungstenite echo (1 thread)", [str(PLAIN_WS), str(plain_port), "1"], REPO,
                           lambda s: any("listening" in line for line in s.output), port=plain_port)
    out: list[str] = []
    interrupted = False
    try:
        with contextlib.ExitStack() as stack:
            for service in (laravels, plain):
                common.progress(f"starting {service.name}")
                stack.callback(service.stop)
                service.start(opts.workdir)
            master = int((app / "storage" / "laravels.pid").read_text().strip())
            out += echo_section(opts, laravels, plain)
            out += idle_section(opts, laravels, plain, master)
    except KeyboardInterrupt:
        interrupted = True
    except (common.BenchError, subprocess.TimeoutExpired) as e:
        out += ["**ERROR** (run not completed):", "", "```", str(e).strip(), "```", ""]
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"## laravels-rs WebSocket benchmark run, {date}", "",
            f"`python3 bench/websocket.py --rounds {opts.rounds} --seconds {opts.seconds} --warmup {opts.warmup} "
            f"--conns {opts.conns} --idle {opts.idle} --broadcasts {opts.broadcasts}`", "", environment, ""]
    tail = [f"- load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; whole run took {time.time() - began:.0f} s"
            + ("; **interrupted**, report incomplete" if interrupted else ""), ""]
    report = "\n".join(head + out + tail)
    print(report)
    if opts.out:
        with open(opts.out, "a") as f:
            f.write(report + "\n")
    return 130 if interrupted else 0


def echo_section(opts, laravels: common.Service, plain: common.Service) -> list[str]:
    common.progress(f"echo: {opts.conns} connections, {opts.rounds} rounds of {opts.seconds} s")
    servers = [laravels, plain]
    for s in servers:
        if opts.warmup:
            ws_load_echo(s.port, opts.conns, opts.warmup)
    samples: dict[str, list[float]] = {s.name: [] for s in servers}
    for round_no in range(1, opts.rounds + 1):
        for s in servers:
            r = ws_load_echo(s.port, opts.conns, opts.seconds)
            samples[s.name].append(r["per_second"])
            common.progress(f"  round {round_no}: {s.name}: {r['per_second']:,.0f} round trips/s")
    medians = {name: statistics.median(v) for name, v in samples.items()}
    rows = [f"### WebSocket echo, {opts.conns} connections", "",
            f"Each connection sends a {MESSAGE_SIZE}-byte text message and waits for its echo, in a loop "
            f"(`ws_load echo`, one client thread). laravels-rs hands every message to a PHP worker "
            "(EchoWebSocket::onMessage pushes it back); the plain server echoes in Rust.", "",
            "| server | round trips/s per round | median |", "|---|---|---|"]
    for name, values in samples.items():
        rows.append(f"| {name} | {' / '.join(f'{v:,.0f}' for v in values)} | **{medians[name]:,.0f}** |")
    ratio = medians[laravels.name] / medians[plain.name]
    rows += ["", f"- laravels-rs / plain tokio-tungstenite: **{ratio:.1%}**", "", "Commands:", "", "```",
             laravels.command_line(), plain.command_line(),
             *(shlex.join([str(WS_LOAD), "echo", f"127.0.0.1:{s.port}", WS_PATH, str(opts.conns), str(opts.seconds), str(MESSAGE_SIZE)])
               for s in servers),
             "```", ""]
    return rows


def idle_section(opts, laravels: common.Service, plain: common.Service, master: int) -> list[str]:
    rows = [f"### {opts.idle:,} idle WebSocket connections: memory, and one broadcast to all", ""]
    held_mb: dict[str, float] = {}
    broadcasts: list[dict] = []
    memory = ["| server | process | connections | VmRSS MB | RssAnon MB | delta VmRSS MB | per connection KB |", "|---|---|---|---|---|---|---|"]
    for name, pid, service in (("laravels-rs", master, laravels), ("plain tokio-tungstenite", plain.proc.pid, plain)):
        label = f"master (pid {pid})" if service is laravels else f"server (pid {pid})"
        before = wait_settled(pid)
        common.progress(f"{name}: opening {opts.idle} idle connections")
        holder = Holder(service.port, opts.idle)
        try:
            held = wait_settled(pid)
            delta = held["VmRSS"] - before["VmRSS"]
            held_mb[name] = held["VmRSS"] / 1024
            memory.append(f"| {name} | {label} | 0 | {mb(before['VmRSS'])} | {mb(before['RssAnon'])} | | |")
            memory.append(f"| {name} | {label} | {opts.idle:,} (opened in {holder.opened['seconds']:.1f} s) | "
                          f"**{mb(held['VmRSS'])}** | {mb(held['RssAnon'])} | {mb(delta)} | {delta / opts.idle:.1f} |")
            if service is laravels:
                for i in range(opts.broadcasts):
                    r = holder.broadcast()
                    broadcasts.append(r)
                    common.progress(f"  broadcast {i + 1}: last of {r['received']} received after {r['broadcast_ms']:.0f} ms")
                after = status_kb(pid)
                memory.append(f"| {name} | {label} | {opts.idle:,}, after the broadcasts | {mb(after['VmRSS'])} | "
                              f"{mb(after['RssAnon'])} | {mb(after['VmRSS'] - before['VmRSS'])} | |")
        finally:
            holder.close()
    target = "reached" if held_mb["laravels-rs"] < 100 else "not reached"
    rows += ["Resident memory from /proc/PID/status (laravels-rs: the master, pid from storage/laravels.pid; "
             "workers are separate processes), 2 s after the connections are open and idle. "
             f"The clients are one `ws_load hold` process (`?greet=0`, no welcome message).", "",
             *memory, "", f"- laravels-rs master with {opts.idle:,} connections under 100 MB: **{target}**", ""]
    rows += ["Broadcast: `!broadcast bc:N` sent on one of the connections; EchoWebSocket loops over "
             "`$server->connections` and pushes to each. Measured by the client from sending the command to the last "
             "connection receiving the message; \"handler done\" is when the sender got the handler's reply, sent "
             "after its loop.", "",
             "| broadcast | connections reached | last received ms | handler done ms |", "|---|---|---|---|"]
    for i, r in enumerate(broadcasts, 1):
        rows.append(f"| {i} | {r['received']:,} | **{r['broadcast_ms']:,.0f}** | {r['handler_done_ms']:,.0f} |")
    rows += ["", f"- median time to reach all {opts.idle:,}: **{statistics.median(r['broadcast_ms'] for r in broadcasts):,.0f} ms**", "",
             "Commands (the servers as above):", "", "```",
             *(shlex.join([str(WS_LOAD), "hold", f"127.0.0.1:{s.port}", WS_PATH, str(opts.idle)]) for s in (laravels, plain)),
             "# then, on laravels-rs's, one line `broadcast` on stdin per broadcast", "```", ""]
    return rows


if __name__ == "__main__":
    sys.exit(main())
