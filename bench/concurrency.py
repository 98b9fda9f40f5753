"""Laravel's Concurrency facade: the `laravels` driver (task workers) against Laravel's own
`process` driver (a `php artisan invoke-serialized-closure` per closure), Laravel 11+.

    (source scripts/frameworks.sh; framework_use laravel13; python3 bench/concurrency.py [--rounds 20])

Each round asks GET /swoole/concurrency?driver=D&n=3&sleep_ms=S of the example app
(App\\Http\\Controllers\\SwooleTaskController): Concurrency::driver(D)->run() of three
closures that each usleep(S ms) and return their pid. Reports the median and p90 of the
time run() took inside the request (what the caller waits), for S = 0 (the driver's own
cost) and S = 100 (three 100 ms waits: 300 ms in turn). 3 task workers, 2 HTTP workers;
the drivers alternate round by round.
"""
import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from harness import FRAMEWORK, Server, prepared_app  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--rounds", type=int, default=20)
args = parser.parse_args()

work = Path(tempfile.mkdtemp(prefix="laravels-concurrency-"))
app = work / "app"
shutil.copytree(prepared_app(FRAMEWORK, work), app, symlinks=True)
server = Server(app, env={"LARAVELS_WORKER_NUM": "2"})
server.set_overrides({"swoole": {"task_worker_num": 3}})
drivers = ["laravels", "process"]
times: dict[tuple[str, int], list[float]] = {}
with server, httpx.Client(base_url=server.url, timeout=60) as client:
    for sleep_ms in (0, 100):
        for driver in drivers:  # warm-up: booted task workers, opcache
            client.get("/swoole/concurrency", params={"driver": driver, "n": 3, "sleep_ms": sleep_ms}).raise_for_status()
        for _ in range(args.rounds):
            for driver in drivers:
                r = client.get("/swoole/concurrency", params={"driver": driver, "n": 3, "sleep_ms": sleep_ms})
                r.raise_for_status()
                times.setdefault((driver, sleep_ms), []).append(r.json()["elapsed"] * 1000)
shutil.rmtree(work, ignore_errors=True)

print(f"{FRAMEWORK}, {args.rounds} rounds, 3 closures, 3 task workers")
print("| driver | closure sleeps | median | p90 |")
print("|---|---|---|---|")
for (driver, sleep_ms), values in times.items():
    values.sort()
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    print(f"| {driver} | {sleep_ms} ms | {statistics.median(values):.1f} ms | {p90:.1f} ms |")
