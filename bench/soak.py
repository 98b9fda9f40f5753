#!/usr/bin/env python3
"""A soak (issue 14, item 7): mixed traffic for a while (15 minutes by default) against the
Laravel 8 example app, while a random worker is killed (SIGKILL) every 20 s and the server
is reloaded every minute. It reports the requests made and how each one ended, the failures
other than the requests in flight on a killed worker (the "unexplained" ones, which must be
0), tasks delivered against tasks handled, WebSocket echoes, timer runs, and the resident
memory of each process over time (flat is the goal).

    python3 bench/soak.py                      # 15 minutes; prints a markdown report
    python3 bench/soak.py --minutes 2 --out /tmp/soak.md

Traffic, each kind in its own loop: GET /api/hello; POST /upload (a 64 KiB multipart file,
its size checked in the answer); GET /stream (5 chunks, the body checked whole); GET
/task/ID (a TestTask, which leaves storage/app/tasks/ID.handled); a WebSocket client
echoing numbered messages through the App\\Services\\EchoWebSocket handler; and the timer
process running App\\Jobs\\Timer\\CountJob every 500 ms.

A failure is explained when the request was in flight at a kill (the worker died under it,
and the server answers 500 or 502 as documented) or when a WebSocket message was sent in
the second before a kill (the echo was on the killed worker). Everything else counts as
unexplained.
"""
from __future__ import annotations

import argparse
import atexit
import asyncio
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import harness  # noqa: E402  (the e2e harness: prepared apps, the server)

from websockets.asyncio.client import connect  # noqa: E402


@dataclass
class Outcome:
    started: float
    ended: float
    ok: bool
    detail: str = ""


@dataclass
class Tally:
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.setdefault(kind, []).append(outcome)


def http_loop(kind: str, call, stop: threading.Event, tally: Tally, pause: float = 0.0) -> None:
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            started = time.time()
            try:
                ok, detail = call(client)
            except httpx.HTTPError as e:
                ok, detail = False, repr(e)
            tally.add(kind, Outcome(started, time.time(), ok, detail))
            if pause:
                time.sleep(pause)


def ws_loop(url: str, stop: threading.Event, tally: Tally) -> None:
    async def run() -> None:
        n = 0
        while not stop.is_set():
            try:
                async with connect(url, open_timeout=10) as ws:
                    while not stop.is_set():
                        n += 1
                        message = f"soak-{n}"
                        started = time.time()
                        await ws.send(message)
                        try:
                            echo = await asyncio.wait_for(ws.recv(), 10)
                            tally.add("websocket", Outcome(started, time.time(), echo == message, "" if echo == message else f"got {echo!r}"))
                        except asyncio.TimeoutError:
                            tally.add("websocket", Outcome(started, time.time(), False, "no echo within 10 s"))
                        await asyncio.sleep(0.05)
            except Exception as e:  # a closed connection: count it and connect again
                tally.add("websocket", Outcome(time.time(), time.time(), False, f"connection: {e!r}"))
                await asyncio.sleep(0.5)

    asyncio.run(run())


def rss_kb(pid: int) -> int | None:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def title(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return "?"


def tree(root: int) -> list[int]:
    found, level = [], [root]
    while level:
        nxt = []
        for pid in level:
            try:
                children = open(f"/proc/{pid}/task/{pid}/children").read().split()
            except OSError:
                children = []
            nxt += [int(c) for c in children]
        found += nxt
        level = nxt
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=15)
    parser.add_argument("--kill-every", type=float, default=20)
    parser.add_argument("--reload-every", type=float, default=60)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/laravels-soak"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    if args.workdir.exists():
        shutil.rmtree(args.workdir)
    args.workdir.mkdir(parents=True)
    template = harness.prepared_app("laravel8", args.workdir)
    app = args.workdir / "app"
    shutil.copytree(template, app, symlinks=True)
    overrides = {
        "websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"},
        "swoole": {"dispatch_mode": 2, "task_worker_num": 1},
        "timer": {"enable": True, "jobs": [["App\\Jobs\\Timer\\CountJob", [500, False]]]},
    }
    server = harness.Server(app, env={"LARAVELS_WORKER_NUM": "2"}, overrides=overrides)
    server.start()
    atexit.register(server.stop)  # no server left running if the soak itself fails
    url = server.url
    upload = b"u" * 65536
    tally, stop = Tally(), threading.Event()
    kills: list[float] = []
    reloads: list[tuple[float, int, float]] = []
    tasks: list[str] = []
    memory: list[tuple[float, dict[str, int]]] = []

    def hello(client):
        r = client.get(url + "/api/hello")
        return r.status_code == 200 and r.json() == {"message": "hello"}, str(r.status_code)

    def uploads(client):
        r = client.post(url + "/upload", files={"doc": ("soak.bin", upload, "application/octet-stream")})
        ok = r.status_code == 200 and f'"size":{len(upload)}' in r.text.replace(" ", "")
        return ok, f"{r.status_code} {r.text[:120]}"

    def stream(client):
        r = client.get(url + "/stream")
        return r.status_code == 200 and r.text == "".join(f"chunk-{i}\n" for i in range(1, 6)), f"{r.status_code} {r.text[:80]!r}"

    def task(client):
        task_id = f"soak-{len(tasks) + 1}"
        r = client.get(url + f"/task/{task_id}")
        ok = r.status_code == 200 and r.json().get("delivered") is True
        if ok:
            tasks.append(task_id)
        return ok, str(r.status_code)

    loops = [
        threading.Thread(target=http_loop, args=("hello", hello, stop, tally)),
        threading.Thread(target=http_loop, args=("hello", hello, stop, tally)),
        threading.Thread(target=http_loop, args=("upload", uploads, stop, tally, 0.05)),
        threading.Thread(target=http_loop, args=("stream", stream, stop, tally)),
        threading.Thread(target=http_loop, args=("task", task, stop, tally, 0.2)),
        threading.Thread(target=ws_loop, args=(url.replace("http://", "ws://") + "/ws?greet=0", stop, tally)),
    ]
    for t in loops:
        t.start()

    started = time.time()
    end = started + args.minutes * 60
    next_kill, next_reload, next_sample = started + args.kill_every, started + args.reload_every, started
    rng = random.Random(14)
    while time.time() < end:
        now = time.time()
        if now >= next_sample:
            sample = {}
            for pid in [server.master_pid(), *tree(server.master_pid())]:
                kb = rss_kb(pid)
                if kb is not None:
                    sample[title(pid) if pid != server.master_pid() else "master"] = kb
            memory.append((now - started, sample))
            next_sample += 10
        if now >= next_kill:
            workers = server.worker_pids()
            if workers:
                kills.append(time.time())
                try:
                    import os

                    os.kill(rng.choice(workers), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            next_kill += args.kill_every
        if now >= next_reload:
            at = time.time()
            try:
                code = server.command("reload", timeout=120).returncode
            except subprocess.TimeoutExpired:
                code = "timeout"  # reported as a reload that did not exit 0; the soak goes on
            reloads.append((at - started, code, time.time() - at))
            next_reload += args.reload_every
        time.sleep(0.1)
    stop.set()
    for t in loops:
        t.join(60)

    # Tasks delivered before the end get 30 s to be handled.
    handled_dir = app / "storage" / "app" / "tasks"
    deadline = time.time() + 30
    while time.time() < deadline and sum(1 for t in tasks if (handled_dir / f"{t}.handled").exists()) < len(tasks):
        time.sleep(0.5)
    handled = sum(1 for t in tasks if (handled_dir / f"{t}.handled").exists())
    count_log = app / "storage" / "app" / "timer" / "count.log"
    timer_runs = len(count_log.read_text().splitlines()) if count_log.exists() else 0
    server.stop()

    def explained(kind: str, o: Outcome) -> bool:
        if kind == "websocket":
            return any(o.started - 1.0 <= k <= o.ended + 1.0 for k in kills)
        return any(o.started <= k <= o.ended + 0.5 for k in kills)

    lines = [
        f"### Soak, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}: {args.minutes:g} minutes, a worker killed every {args.kill_every:g} s, a reload every {args.reload_every:g} s",
        "",
        f"`python3 bench/soak.py --minutes {args.minutes:g} --kill-every {args.kill_every:g} --reload-every {args.reload_every:g}` "
        f"(Laravel 8 example, 2 workers, 1 task worker, the timer process; {len(kills)} kills, {len(reloads)} reloads, "
        f"{sum(1 for _, rc, _ in reloads if rc == 0)} of them exit 0, the longest {max((d for *_, d in reloads), default=0):.1f} s)",
        "",
        "| traffic | done | ok | failed, in flight at a kill | failed, unexplained |",
        "| --- | --- | --- | --- | --- |",
    ]
    unexplained_total = 0
    examples = []
    for kind, outcomes in sorted(tally.outcomes.items()):
        failed = [o for o in outcomes if not o.ok]
        killed = [o for o in failed if explained(kind, o)]
        unexplained = [o for o in failed if not explained(kind, o)]
        unexplained_total += len(unexplained)
        examples += [f"{kind} at {o.started - started:.1f} s: {o.detail}" for o in unexplained[:3]]
        lines.append(f"| {kind} | {len(outcomes)} | {len(outcomes) - len(failed)} | {len(killed)} | {len(unexplained)} |")
    lines += [
        "",
        f"Tasks: {len(tasks)} delivered, {handled} handled. Timer: {timer_runs} runs of a 500 ms job in {args.minutes * 60:.0f} s "
        f"(expected about {args.minutes * 120:.0f}).",
        "",
        "Resident memory (MB) at the start, the middle and the end, and the highest seen, by process title "
        "(a killed or reloaded worker's replacement has the same title):",
        "",
        "| process | start | middle | end | highest |",
        "| --- | --- | --- | --- | --- |",
    ]
    names = sorted({name for _, sample in memory for name in sample})
    for name in names:
        series = [sample[name] for _, sample in memory if name in sample]
        if series:
            mid = series[len(series) // 2]
            lines.append(f"| {name} | {series[0] / 1024:.1f} | {mid / 1024:.1f} | {series[-1] / 1024:.1f} | {max(series) / 1024:.1f} |")
    if examples:
        lines += ["", "Unexplained failures (first ones):", ""] + [f"- {e}" for e in examples]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report)
    return 0 if unexplained_total == 0 and handled == len(tasks) else 1


if __name__ == "__main__":
    sys.exit(main())
