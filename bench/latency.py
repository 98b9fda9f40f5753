"""Latency at 256 connections, memory, and p99 with one slow request in the mix (issue 18).

The measuring and the report of `python3 bench/cpu.py --latency`; cpu.py starts the servers
(laravels-rs in each `--modes`, LaravelS on Swoole with `--laravels-s`/`--swoole-so`) and
hands them here. Per contender and round, alternating contenders round by round:

- the load: `wrk -t2 -c256 --latency` on its URL: req/s, p50, p99, the slowest, errors,
  and, halfway through, how many of the connections each process of the server holds
  (in `serving_mode` worker the workers accept from one shared socket: this shows how
  evenly they split the clients);
- the slow mix: the same load while one more client keeps one `GET /sleep/2000` (the
  example app's route that sleeps 2 s in PHP) in flight the whole time, the next sent on
  a new connection as soon as one is answered: the load's p99 and errors, and how many
  slow requests were answered and how long each took. A worker asleep in a 2 s request
  serves nothing else; what happens to the connections it would have served is the figure.

After the rounds: VmRSS and Pss (`/proc/PID/smaps_rollup`) of every process of each
server's tree, summed per server. RSS counts the pages processes share once per process;
Pss divides them among the sharers, so its sum is the tree's real footprint.
"""
from __future__ import annotations

import contextlib
import os
import shlex
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import run

SLOW_MS = 2000
SLOW_PATH = f"/sleep/{SLOW_MS}"


class SlowClient(threading.Thread):
    """One `GET /sleep/2000` in flight until stopped: the next goes out, on a new
    connection, as soon as the previous is answered."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.halt = url, threading.Event()
        self.took: list[float] = []  # seconds, of each slow request answered 200
        self.failed = 0

    def run(self) -> None:
        while not self.halt.is_set():
            began = time.monotonic()
            status, _ = run.http_get(self.url, timeout=SLOW_MS / 1000 + 30)
            if status == 200:
                self.took.append(time.monotonic() - began)
            else:
                self.failed += 1
                time.sleep(0.1)

    def stop(self) -> None:
        """Stops sending; waits for the request in flight to be answered."""
        self.halt.set()
        self.join(SLOW_MS / 1000 + 35)


def held_connections(root: int, port: int, role: Callable[[int], str]) -> dict[str, int]:
    """How many established TCP connections on `port` each process of root's tree holds
    (from /proc/net/tcp* and each process's fds): which process serves the clients."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                f = line.split()
                if f[3] == "01" and int(f[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{f[9]}]")
    held: dict[str, int] = {}
    for pid in run.tree(root):
        with contextlib.suppress(OSError):
            fds = Path(f"/proc/{pid}/fd")
            n = sum(1 for fd in fds.iterdir() if _link(fd) in inodes)
            if n:
                held[role(pid)] = held.get(role(pid), 0) + n
    return held


def _link(path: Path) -> str:
    with contextlib.suppress(OSError):
        return os.readlink(path)
    return ""


@dataclass
class Round:
    load: run.Sample
    held: dict[str, int] = field(default_factory=dict)  # connections per process, halfway through the load
    mixed: run.Sample | None = None
    slow_took: list[float] = field(default_factory=list)
    slow_failed: int = 0


@dataclass
class Row:
    """One server: where its load goes, where the slow client goes (none for a handler
    without the app's routes), and its rounds."""
    name: str  # short, for the tables; the commands say the rest
    url: str
    root: int  # the server's first process
    commands: list[str]
    slow_url: str = ""
    rounds: list[Round] = field(default_factory=list)

    def measure(self, seconds: int, conns: int, role: Callable[[int], str]) -> Round:
        held: dict[str, int] = {}
        look = threading.Timer(seconds / 2, lambda: held.update(held_connections(self.root, urlsplit(self.url).port, role)))
        look.start()
        r = Round(run.wrk(self.url, seconds, conns), held)
        look.join()
        if self.slow_url:
            slow = SlowClient(self.slow_url)
            slow.start()
            time.sleep(0.2)  # the slow request is in a worker before the load starts
            try:
                r.mixed = run.wrk(self.url, seconds, conns)
            finally:
                slow.stop()
            r.slow_took, r.slow_failed = slow.took, slow.failed
        return r

    def samples(self, mixed: bool = False) -> list[run.Sample]:
        """wrk's figures of each round: of the load alone, or of the load with the slow client."""
        return [s for s in (r.mixed if mixed else r.load for r in self.rounds) if s is not None]

    def median(self, what: str, mixed: bool = False) -> float | None:
        values = [getattr(s, what) for s in self.samples(mixed) if getattr(s, what) is not None]
        return statistics.median(values) if values else None

    def errors(self, mixed: bool = False) -> int:
        return sum(s.errors for s in self.samples(mixed))


def slow_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{SLOW_PATH}"


@dataclass
class Memory:
    """A server's process tree: VmRSS and Pss in kB, summed, and Pss process by process."""
    rss: int = 0
    pss: int = 0
    each: list[tuple[str, int]] = field(default_factory=list)


def tree_memory(root: int, role: Callable[[int], str]) -> Memory:
    m = Memory()
    for pid in run.tree(root):
        with contextlib.suppress(OSError):
            rss, pss = run.memory_kb(pid)
            m.rss, m.pss = m.rss + rss, m.pss + pss
            m.each.append((role(pid), pss))
    return m


def measure(rows: list[Row], rounds: int, seconds: int, conns: int, role: Callable[[int], str]) -> dict[str, Memory]:
    """Every row, round after round; then the memory of each server's tree (`role` names its processes)."""
    for n in range(rounds):
        for row in rows:
            r = row.measure(seconds, conns, role)
            row.rounds.append(r)
            mixed = f"; with the slow client: p99 {run.fmt_ms(r.mixed.p99_ms)} ms, {len(r.slow_took)} slow answered" if r.mixed else ""
            run.progress(f"round {n + 1}: {row.name}: {r.load.rps:,.0f} req/s, p99 {run.fmt_ms(r.load.p99_ms)} ms{mixed}")
    return {row.name: tree_memory(row.root, role) for row in rows}


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "n/a"


def render(rows: list[Row], memory: dict[str, Memory], reference: Row, seconds: int, conns: int) -> list[str]:
    """Markdown: the load, the slow mix, memory; ratios (x ref) to `reference` (LaravelS when it runs)."""
    ref = "x ref"
    out = [f"#### wrk -t2 -c{conns}, {seconds} s rounds", "",
           f"Ratios (x ref) are to {reference.name}.", "",
           f"| server | req/s per round | median req/s | {ref} | p50 ms | p99 ms | p99 {ref} | slowest ms | errors | connections held, per round |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        per_round = " / ".join(f"{r.load.rps:,.0f}" for r in row.rounds)
        out.append(f"| {row.name} | {per_round} | **{row.median('rps') or 0:,.0f}** | {ratio(row.median('rps'), reference.median('rps'))} | "
                   f"{run.fmt_ms(row.median('p50_ms'))} | **{run.fmt_ms(row.median('p99_ms'))}** | "
                   f"{ratio(row.median('p99_ms'), reference.median('p99_ms'))} | {run.fmt_ms(row.median('max_ms'))} | {row.errors()} | "
                   f"{' / '.join(', '.join(f'{k} {v}' for k, v in sorted(r.held.items())) for r in row.rounds)} |")
    mixed = [row for row in rows if row.slow_url]
    if mixed:
        out += ["", f"#### The same load with one `GET {SLOW_PATH}` in flight the whole time", "",
                f"| server | median req/s | of the load alone | p50 ms | p99 ms | p99 {ref} | slowest ms | errors | slow requests answered | each took, s | slow failed |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in mixed:
            took = [t for r in row.rounds for t in r.slow_took]
            spread = f"{min(took):.2f}-{max(took):.2f}" if took else "n/a"
            out.append(f"| {row.name} | {row.median('rps', True) or 0:,.0f} | {ratio(row.median('rps', True), row.median('rps'))} | "
                       f"{run.fmt_ms(row.median('p50_ms', True))} | "
                       f"**{run.fmt_ms(row.median('p99_ms', True))}** | {ratio(row.median('p99_ms', True), reference.median('p99_ms', True))} | "
                       f"{run.fmt_ms(row.median('max_ms', True))} | {row.errors(True)} | {len(took)} | {spread} | "
                       f"{sum(r.slow_failed for r in row.rounds)} |")
    ref_pss = memory[reference.name].pss
    out += ["", "#### Memory of each server's process tree, after the rounds", "",
            f"| server | processes | VmRSS MB, sum | Pss MB, sum | Pss {ref} | Pss MB, process by process |", "|---|---|---|---|---|---|"]
    for row in rows:
        m = memory[row.name]
        each = ", ".join(f"{name} {pss / 1024:.1f}" for name, pss in m.each)
        out.append(f"| {row.name} | {len(m.each)} | {m.rss / 1024:.1f} | **{m.pss / 1024:.1f}** | {ratio(m.pss, ref_pss)} | {each} |")
    out += ["", "Commands:", "", "```"]
    for row in rows:
        out += [f"# {row.name}", *row.commands]
    if mixed:
        out.append(f"# the slow client: GET http://127.0.0.1:PORT{SLOW_PATH} in a loop, one at a time, a new connection each, "
                   "during the second wrk of each round (bench/latency.py SlowClient)")
    out += ["```", ""]
    return out


def commands(service: run.Service, url: str, seconds: int, conns: int) -> list[str]:
    return [service.command_line(), shlex.join(run.wrk_argv(url, seconds, conns))]
