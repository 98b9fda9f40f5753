#!/usr/bin/env python3
"""CPU per request, process by process, at saturation (issue 18).

Starts laravels-rs (the Laravel example's `/api/hello`, and `/api/db/1` on request) and the
plain PHP handler (bench/plain_php.php) with 1 and 2 workers, loads each with wrk in turn,
round after round, and reads from /proc, over each round, every process's CPU time (the
sum of its threads' `schedstat` run time, the figure `perf stat -e task-clock` counts),
its kernel share (`stime` of `/proc/PID/stat`), its context switches (voluntary and not,
summed over its threads) and the machine's softirq time and idle share (`/proc/stat`).
wrk's own CPU is its rusage. Everything is divided by the requests wrk counted.

    cargo build --release
    python3 bench/cpu.py                                   # hello1,hello2,plain1,plain2; 3 rounds of 5 s
    python3 bench/cpu.py --only hello2,plain2 --rounds 5
    python3 bench/cpu.py --baseline ../base                # every contender also with another built checkout
    python3 bench/cpu.py --baseline-ext /tmp/base.so       # ... or only another build of the extension
    python3 bench/cpu.py --spin 0,200                      # every laravels-rs contender with each reactor_spin_us
    python3 bench/cpu.py --laravels-s DIR --swoole-so SO   # and LaravelS on Swoole beside (bench/laravels_s.py)
    python3 bench/cpu.py --modes master,worker             # ... with each serving_mode (plain handler too)
    python3 bench/cpu.py --latency --modes master,worker   # latency at 256 connections, memory, one slow request in
                                                           # the mix, instead of CPU (bench/latency.py); hello2 unless --only

The machine is shared: req/s moves with whatever else runs, CPU per request and counts much
less. The report states the load average at the start and the end, and the idle share of
each round.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import laravels_s  # noqa: E402  (the optional LaravelS + Swoole rows)
import latency  # noqa: E402  (--latency: latency, memory, the slow mix)
import run  # noqa: E402  (the servers, the prepared app, wrk)

TICK = os.sysconf("SC_CLK_TCK")
ROLES = ("ceiling", "master", "manager", "worker #0", "worker #1", "other")


def role(pid: int) -> str:
    name = run.process_name(pid).replace(" process", "")
    # LaravelS names Swoole's processes "... laravels: worker process N" / "manager process".
    name = re.sub(r"(?:worker|task worker) (\d+)", r"worker #\1", name)
    for r in ROLES[:-1]:
        if r in name:
            return r
    if "plain_swoole.php" in name:
        return unnamed_swoole(pid)
    return "master" if "bin/laravels" in name or "plain_php.php" in name else "other"


def unnamed_swoole(pid: int) -> str:
    """bench/plain_swoole.php's processes all have its command line: the master, its child
    the manager, the manager's children the workers (numbered in pid order)."""
    name = run.process_name(pid)
    parent = (run.proc_stat(pid) or (0, 0))[0]
    if run.process_name(parent) != name:
        return "master"
    grandparent = (run.proc_stat(parent) or (0, 0))[0]
    if run.process_name(grandparent) != name:
        return "manager"
    siblings = sorted(p for p in run.descendants(parent) if (run.proc_stat(p) or (0, 0))[0] == parent)
    return f"worker #{siblings.index(pid)}" if pid in siblings else "other"


def threads(pid: int) -> list[Path]:
    with contextlib.suppress(OSError):
        return list(Path(f"/proc/{pid}/task").iterdir())
    return []


@dataclass
class Usage:
    """One process's counters at one moment."""
    run_ns: int = 0
    user_ticks: int = 0
    system_ticks: int = 0
    switches: int = 0
    sleeps: int = 0

    def minus(self, other: "Usage") -> "Usage":
        return Usage(self.run_ns - other.run_ns, self.user_ticks - other.user_ticks,
                     self.system_ticks - other.system_ticks, self.switches - other.switches, self.sleeps - other.sleeps)


def usage(pid: int) -> Usage:
    u = Usage()
    with contextlib.suppress(OSError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        u.user_ticks, u.system_ticks = int(fields[11]), int(fields[12])
    for task in threads(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            u.run_ns += int((task / "schedstat").read_text().split()[0])
            status = (task / "status").read_text()
            u.switches += sum(int(n) for n in re.findall(r"^(?:non)?voluntary_ctxt_switches:\s+(\d+)", status, re.M))
            u.sleeps += sum(int(n) for n in re.findall(r"^voluntary_ctxt_switches:\s+(\d+)", status, re.M))
    return u


def machine() -> list[int]:
    """user nice system idle iowait irq softirq steal, in ticks."""
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


@dataclass
class Round:
    requests: int
    seconds: float
    procs: dict[str, Usage]
    wrk_ns: int
    softirq_ns: int
    idle: float


@dataclass
class Contender:
    name: str
    url: str
    service: run.Service
    rounds: list[Round] = field(default_factory=list)
    what: str = ""  # the --only entry it serves (hello2, ...)
    laravel: bool = False  # serves the example app (its /sleep route too)
    swoole: bool = False  # LaravelS, or the plain handler, on Swoole: what --latency's ratios are to
    label: str = ""  # short, for --latency's tables

    def tree(self) -> dict[int, str]:
        return {pid: role(pid) for pid in run.tree(self.service.proc.pid)}

    def measure(self, seconds: int, conns: int) -> Round:
        tree = self.tree()
        before = {pid: usage(pid) for pid in tree}
        m0, r0, t0 = machine(), resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
        out = subprocess.run(run.wrk_argv(self.url, seconds, conns), capture_output=True, text=True, timeout=seconds + 60).stdout
        m1, r1, t1 = machine(), resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
        after = {pid: usage(pid) for pid in tree}
        found = re.search(r"(\d+) requests in", out)
        errors = re.search(r"Socket errors|Non-2xx", out)
        if not found or errors:
            raise run.BenchError(f"wrk on {self.url}:\n{out}")
        procs: dict[str, Usage] = {}
        for pid, r in tree.items():
            d = after[pid].minus(before[pid])
            p = procs.setdefault(r, Usage())
            p.run_ns, p.user_ticks, p.system_ticks, p.switches, p.sleeps = (
                p.run_ns + d.run_ns, p.user_ticks + d.user_ticks, p.system_ticks + d.system_ticks, p.switches + d.switches, p.sleeps + d.sleeps)
        wrk_ns = int(((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)) * 1e9)
        delta = [b - a for a, b in zip(m0, m1)]
        total = sum(delta) or 1
        return Round(int(found.group(1)), t1 - t0, procs, wrk_ns, delta[6] * 10**9 // TICK, delta[3] / total)


class Ceiling(Contender):
    """bench/ceiling.php on the same route: one PHP process, no HTTP; its own CPU per request."""

    def __init__(self, app: Path, path: str):
        self.app, self.path = app, path
        super().__init__(f"in-process ceiling, {path} (bench/ceiling.php)", "", None)

    def argv(self, seconds: int) -> list[str]:
        return ["php", *run.PHP_FLAGS, str(run.REPO / "bench" / "ceiling.php"), str(self.app), self.path, str(seconds), "cpu"]

    def measure(self, seconds: int, conns: int) -> Round:
        m0 = machine()
        out = subprocess.run(self.argv(seconds), cwd=self.app, capture_output=True, text=True, timeout=seconds + 60).stdout.split()
        m1 = machine()
        rps, cpu = float(out[0]), float(out[1])
        requests = int(rps * seconds)
        delta = [b - a for a, b in zip(m0, m1)]
        return Round(requests, requests / rps, {"ceiling": Usage(run_ns=int(cpu * 1000 * requests))}, 0, 0, delta[3] / (sum(delta) or 1))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def render(c: Contender) -> list[str]:
    rs = c.rounds
    rps = [r.requests / r.seconds for r in rs]
    out = [f"#### {c.name}", "",
           f"req/s per round: {' / '.join(f'{x:,.0f}' for x in rps)} (median **{median(rps):,.0f}**); "
           f"machine idle {' / '.join(f'{r.idle:.0%}' for r in rs)}", "",
           "| process | CPU µs per request | of which kernel | context switches per request | of which sleeps (voluntary) |",
           "|---|---|---|---|---|"]
    total = [0.0] * len(rs)
    for name in ROLES:
        if not any(name in r.procs for r in rs):
            continue
        cpu = [r.procs[name].run_ns / 1000 / r.requests if name in r.procs else 0 for r in rs]
        total = [a + b for a, b in zip(total, cpu)]
        kernel = [r.procs[name].system_ticks / max(1, r.procs[name].user_ticks + r.procs[name].system_ticks) for r in rs if name in r.procs]
        switches = [r.procs[name].switches / r.requests for r in rs if name in r.procs]
        sleeps = [r.procs[name].sleeps / r.requests for r in rs if name in r.procs]
        out.append(f"| {name} | {median(cpu):.1f} | {median(kernel):.0%} | {median(switches):.2f} | {median(sleeps):.2f} |")
    out.append(f"| **server, all processes** | **{median(total):.1f}** | | | |")
    out.append(f"| wrk | {median([r.wrk_ns / 1000 / r.requests for r in rs]):.1f} | | | |")
    out.append(f"| softirq, whole machine | {median([r.softirq_ns / 1000 / r.requests for r in rs]):.1f} | | | |")
    if isinstance(c, Ceiling):
        out = out[:6] + [f"| ceiling (one PHP process) | **{median(total):.1f}** | | | |", "", "```",
                         f"cd {c.app} && {shlex.join(c.argv(OPTS.seconds))}", "```", ""]
        return out
    out += ["", "```", c.service.command_line(), shlex.join(run.wrk_argv(c.url, OPTS.seconds, OPTS.conns)), "```", ""]
    return out


def laravels(b: run.Bench, app: Path, ext: Path, workers: int, spin: int | None, label: str, mode: str = "master") -> run.Service:
    port = b.port()
    swoole: dict = {"pid_file": str(app / "storage" / f"laravels-{port}.pid")}
    if spin is not None:
        swoole["reactor_spin_us"] = spin
    overrides: dict = {"swoole": swoole, "serving_mode": mode}
    (app / "laravels.overrides.json").write_text(json.dumps(overrides))
    env = {"LARAVELS_LISTEN_PORT": str(port), "LARAVELS_WORKER_NUM": str(workers), "LARAVELS_MAX_REQUEST": "0"}
    name = f"laravels-rs {label}, serving_mode={mode}, /api/hello app, worker_num={workers}" + (f", reactor_spin_us={spin}" if spin is not None else "")
    url = f"http://127.0.0.1:{port}/api/hello"
    service = run.Service(name, ["php", *run.PHP_FLAGS, "-d", f"extension={ext}", "bin/laravels", "start"], app,
                          run.laravels_ready(workers, url), env, port, "laravels.overrides.json: " + json.dumps(overrides))
    return b.start(service)


def plain(b: run.Bench, checkout: Path, ext: Path, workers: int, label: str, mode: str = "master") -> run.Service:
    port = b.port()
    argv = ["php", *run.PHP_FLAGS, "-d", f"extension={ext}", str(checkout / "bench" / "plain_php.php"), str(port), str(workers), "1", mode]
    return b.start(run.Service(f"plain PHP handler {label}, serving_mode={mode}, workers={workers}, 1 reactor thread", argv, checkout,
                               run.answers(f"http://127.0.0.1:{port}/"), port=port))


def on_laravels_s(b: run.Bench, app: Path, workers: int, path: str) -> run.Service:
    port = b.port()
    env = {"LARAVELS_LISTEN_PORT": str(port), "LARAVELS_WORKER_NUM": str(workers), "LARAVELS_MAX_REQUEST": "0",
           "PHP_INI_SCAN_DIR": laravels_s.ini_dir(OPTS.swoole_so, run.PHP_SETTINGS, OPTS.workdir),
           "LARAVELS_PID_FILE": str(app / "storage" / f"laravels-{port}.pid")}
    url = f"http://127.0.0.1:{port}{path}"
    name = f"LaravelS {laravels_s.version(OPTS.laravels_s)} on Swoole ({OPTS.swoole_so}), {path} app, worker_num={workers}"
    return b.start(run.Service(name, ["php", *run.PHP_FLAGS, "bin/laravels", "start"], app,
                               run.answers(url), env, port))


def plain_swoole(b: run.Bench, workers: int) -> run.Service:
    port = b.port()
    argv = ["php", *run.PHP_FLAGS, "-d", f"extension={OPTS.swoole_so}", str(run.REPO / "bench" / "plain_swoole.php"), str(port), str(workers), "1"]
    return b.start(run.Service(f"plain PHP handler on Swoole (SWOOLE_PROCESS), workers={workers}, 1 reactor thread", argv, run.REPO,
                               run.answers(f"http://127.0.0.1:{port}/"), port=port))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--conns", type=int, help="wrk connections (default 32; 256 with --latency)")
    p.add_argument("--only", help="of hello1,hello2,db1,db2,plain1,plain2 (default hello1,hello2,plain1,plain2; hello2 with --latency)")
    p.add_argument("--modes", default="master", help="comma-separated serving_mode values for the laravels-rs contenders, "
                   "the plain handler's too (master, worker)")
    p.add_argument("--latency", action="store_true", help="measure p50/p99 at --conns, the memory of each server's process tree "
                   "and the load's p99 with one 2 s request in flight (bench/latency.py), instead of CPU per request; no ceiling")
    p.add_argument("--spin", default="", help="comma-separated reactor_spin_us values for the laravels-rs contenders")
    p.add_argument("--baseline", type=Path, help="another built checkout, measured beside this one")
    p.add_argument("--baseline-ext", type=Path, help="another build of the extension (a copy of target/release/liblaravels.so), "
                   "measured beside this one with this checkout's app and scripts: for changes to the Rust side only")
    p.add_argument("--laravels-s", type=Path, help="a LaravelS source tree: measure LaravelS on Swoole beside (needs --swoole-so)")
    p.add_argument("--swoole-so", type=Path, help="a built ext-swoole (modules/swoole.so), for --laravels-s")
    p.add_argument("--port-base", type=int, default=6300)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/laravels-bench-cpu"))
    opts = p.parse_args()
    opts.conns = opts.conns or (256 if opts.latency else 32)
    opts.only = opts.only or ("hello2" if opts.latency else "hello1,hello2,plain1,plain2")
    if bool(opts.laravels_s) != bool(opts.swoole_so):
        p.error("--laravels-s and --swoole-so go together")
    if opts.swoole_so and not opts.swoole_so.is_file():
        p.error(f"--swoole-so {opts.swoole_so}: no such file (build Swoole with phpize, ./configure, make: modules/swoole.so)")
    return opts


OPTS = argparse.Namespace(seconds=5, conns=32, laravels_s=None, swoole_so=None)


def main() -> int:
    global OPTS
    OPTS = opts = parse_args()
    opts.workdir.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()
    builds = [("this checkout", run.REPO, run.EXTENSION, run.harness.prepared_app(run.harness.FRAMEWORK, opts.workdir))]
    run.production(builds[0][3])
    if opts.baseline:
        base = opts.baseline.resolve()
        commit = subprocess.run(["git", "-C", str(base), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        builds.append((f"baseline {commit}", base, base / "target" / "release" / "liblaravels.so", run.prepared_with(base, opts.workdir / "baseline")))
    if opts.baseline_ext:
        builds.append((f"baseline {opts.baseline_ext.name}", run.REPO, opts.baseline_ext.resolve(), builds[0][3]))
    swoole_app = None
    if opts.laravels_s:
        run.progress(f"preparing the example app on LaravelS from {opts.laravels_s}")
        swoole_app = laravels_s.prepare(builds[0][3], opts.laravels_s, opts.workdir)
    with contextlib.ExitStack() as stack:
        b = run.Bench(argparse.Namespace(workdir=opts.workdir), builds[0][3], builds[0][3], stack, opts.port_base + 1)
        contenders = servers(b, opts, builds, swoole_app)
        for c in contenders:
            if isinstance(c, Ceiling):
                continue
            subprocess.run(run.wrk_argv(c.url, opts.warmup, opts.conns), capture_output=True, timeout=60)
        if opts.latency:
            rows = [latency.Row(c.label, c.url, c.service.proc.pid, latency.commands(c.service, c.url, opts.seconds, opts.conns),
                                latency.slow_url(c.url) if c.laravel else "") for c in contenders]
            memory = latency.measure(rows, opts.rounds, opts.seconds, opts.conns, role)
        else:
            for n in range(opts.rounds):
                for c in contenders:
                    r = c.measure(opts.seconds, opts.conns)
                    c.rounds.append(r)
                    run.progress(f"round {n + 1}: {c.name}: {r.requests / r.seconds:,.0f} req/s")
    commit = subprocess.run(["git", "-C", str(run.REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"`python3 bench/cpu.py {' '.join(sys.argv[1:])}` at {commit}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; wrk -t2 -c{opts.conns}, {opts.rounds} rounds of {opts.seconds} s "
          f"alternating{'; each round the load alone, then with the slow client' if opts.latency else ''}; medians of the rounds; load average {load0[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end.\n")
    if opts.latency:
        for what in dict.fromkeys(c.what for c in contenders):
            group = [row for row, c in zip(rows, contenders) if c.what == what]
            swoole = [row for row, c in zip(rows, contenders) if c.what == what and c.swoole]
            print(f"### {urlsplit(group[0].url).path}, {what[-1]} worker(s)\n")
            print("\n".join(latency.render(group, memory, (swoole or group)[0], opts.seconds, opts.conns)))
        return 0
    for c in contenders:
        print("\n".join(render(c)))
    return 0


def servers(b: run.Bench, opts: argparse.Namespace, builds: list, swoole_app: Path | None) -> list[Contender]:
    """Every server of the run, started, per --only entry: laravels-rs (per build, mode and spin), the plain
    handler, LaravelS or Swoole's plain handler beside, and the in-process ceiling (not with --latency)."""
    spins = [int(s) for s in opts.spin.split(",") if s] or [None]
    modes = opts.modes.split(",")
    contenders: list[Contender] = []

    def short(label: str, *more) -> str:  # the build only when there are several
        return ", ".join(str(m) for m in (label if len(builds) > 1 else "", *more) if m)
    for what in opts.only.split(","):
        kind, workers = what[:-1], int(what[-1])
        path = {"hello": "/api/hello", "db": run.DB_PATH}.get(kind, "/")
        for label, checkout, ext, app in builds:
            if kind == "plain":
                for mode in modes:
                    s = plain(b, checkout, ext, workers, label, mode)
                    contenders.append(Contender(s.name, f"http://127.0.0.1:{s.port}/", s, what=what, label=f"plain PHP, {short(label, mode)}"))
                continue
            for spin, mode in [(sp, m) for m in modes for sp in spins]:
                # A server reads the overrides file once, when it starts (as in run.py).
                s = laravels(b, app, ext, workers, spin, label, mode)
                s.name = s.name.replace("/api/hello", path)
                contenders.append(Contender(s.name, f"http://127.0.0.1:{s.port}{path}", s, what=what, laravel=True,
                                            label=f"laravels-rs {short(label, mode, f'spin {spin}' if spin is not None else '')}"))
        if swoole_app is not None:
            s = plain_swoole(b, workers) if kind == "plain" else on_laravels_s(b, swoole_app, workers, path)
            theirs = "plain PHP on Swoole" if kind == "plain" else f"LaravelS {laravels_s.version(opts.laravels_s).lstrip('v')} + Swoole"
            contenders.append(Contender(s.name, f"http://127.0.0.1:{s.port}{path}", s, what=what, laravel=kind != "plain", swoole=True, label=theirs))
    if not opts.latency:
        for path in dict.fromkeys("/api/hello" if w.startswith("hello") else run.DB_PATH for w in opts.only.split(",") if not w.startswith("plain")):
            contenders.append(Ceiling(builds[0][3], path))
    return contenders


if __name__ == "__main__":
    sys.exit(main())
