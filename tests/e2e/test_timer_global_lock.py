"""timer.global_lock with a real Redis: of two servers, exactly one runs the jobs; when
it dies, the other takes over within the lock's lifetime."""
import os
import shutil
import signal
import subprocess
import time

import pytest

from harness import Server, free_port

REDIS = shutil.which("redis-server")


def count(app):
    log = app / "storage" / "app" / "timer" / "count.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.mark.skipif(REDIS is None, reason="redis-server is installed by scripts/install-deps.sh")
def test_one_timer_runs_and_another_takes_over_when_it_dies(laravel_app, tmp_path):
    port = free_port()
    redis = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                             stdout=subprocess.DEVNULL)
    second_app = tmp_path / "second"
    shutil.copytree(laravel_app, second_app, symlinks=True)
    overrides = {"timer": {"enable": True, "global_lock": True, "global_lock_key": "shop", "global_lock_ttl": 2,
                           "jobs": [["App\\Jobs\\Timer\\CountJob", [100, True]]]}}
    env = {"LARAVELS_WORKER_NUM": "1", "REDIS_PORT": str(port)}
    a = Server(laravel_app, env=env, overrides=overrides)
    b = Server(second_app, env=env, overrides=overrides)
    try:
        a.start()
        b.start()
        time.sleep(2.0)
        counts = (count(a.app), count(b.app))
        assert min(counts) == 0 and max(counts) >= 10, counts
        holder, other = (a, b) if counts[0] else (b, a)
        before = count(other.app)
        os.kill(holder.master_pid(), signal.SIGKILL)
        deadline = time.time() + 8
        while time.time() < deadline and count(other.app) == before:
            time.sleep(0.1)
        assert count(other.app) > before, "the other server's timer took over"
        assert "holds the global lock" in other.read_log()
        time.sleep(1)
        assert count(other.app) >= before + 8, "and keeps running the job"
    finally:
        for s in (a, b):
            s.stop()
        redis.terminate()
        redis.wait(10)
