"""Timer jitter: a 10 ms cron job's run-to-run gaps while the HTTP workers are under load.

    cargo build --release && python3 bench/timer_jitter.py [--seconds 10]

Starts the example app (2 HTTP workers, timer with App\\Jobs\\Timer\\CountJob every 10 ms),
loads /api/hello with wrk -t2 -c64 for the whole measurement, and prints p50/p99/max of
the gaps between runs, in ms (the schedule asks for 10).
"""
import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from harness import Server, prepared_app  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=int, default=10)
args = parser.parse_args()

work = Path(tempfile.mkdtemp(prefix="laravels-jitter-"))
app = work / "app"
shutil.copytree(prepared_app("laravel8", work), app, symlinks=True)
server = Server(app, env={"LARAVELS_WORKER_NUM": "2", "LARAVELS_MAX_REQUEST": "0"})
server.set_overrides({"timer": {"enable": True, "jobs": [["App\\Jobs\\Timer\\CountJob", [10, True]]]}})
with server:
    load = subprocess.run(["wrk", "-t2", "-c64", f"-d{args.seconds}s", server.url + "/api/hello"], capture_output=True, text=True)
rps = next((line.split()[1] for line in load.stdout.splitlines() if line.startswith("Requests/sec")), "?")
times = [float(line.split()[0]) for line in (app / "storage" / "app" / "timer" / "count.log").read_text().splitlines()]
gaps = sorted((b - a) * 1000 for a, b in zip(times, times[1:]))
p = lambda q: gaps[min(len(gaps) - 1, int(q * len(gaps)))]  # noqa: E731
print(f"runs: {len(times)} in ~{args.seconds}s under {rps} req/s of /api/hello")
print(f"gap ms: p50 {statistics.median(gaps):.2f}, p99 {p(0.99):.2f}, max {gaps[-1]:.2f}, min {gaps[0]:.2f}")
shutil.rmtree(work, ignore_errors=True)
