"""Tasks delivered and finished per second with 4 task workers.

    cargo build --release && python3 bench/tasks.py [--tasks 20000]

One HTTP worker delivers --tasks empty tasks (GET /tasks/burst/N, in bursts of 1000);
4 task workers run them; each comes back to the HTTP worker for finish(), which counts
it. Reports delivered/s (the bursts' time) and finished/s (until the count is reached).
"""
import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from harness import Server, prepared_app  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--tasks", type=int, default=20000)
args = parser.parse_args()
burst = 1000

work = Path(tempfile.mkdtemp(prefix="laravels-tasks-"))
app = work / "app"
shutil.copytree(prepared_app("laravel8", work), app, symlinks=True)
server = Server(app, env={"LARAVELS_WORKER_NUM": "1", "LARAVELS_MAX_REQUEST": "0"})
server.set_overrides({"swoole": {"task_worker_num": 4, "task_max_request": 0}})
with server, httpx.Client(base_url=server.url, timeout=60) as client:
    started = time.perf_counter()
    delivered = sum(client.get(f"/tasks/burst/{burst}").json()["delivered"] for _ in range(args.tasks // burst))
    delivered_in = time.perf_counter() - started
    while client.get("/tasks/finished").json()["finished"] < delivered:
        time.sleep(0.01)
    finished_in = time.perf_counter() - started
print(f"{delivered} tasks: delivered in {delivered_in:.2f}s ({delivered / delivered_in:,.0f}/s), "
      f"all finished in {finished_in:.2f}s ({delivered / finished_in:,.0f}/s) with 4 task workers")
shutil.rmtree(work, ignore_errors=True)
