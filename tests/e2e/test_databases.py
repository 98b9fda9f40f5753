"""Real database servers under resident workers: Eloquent on MariaDB and the Redis manager
keep their connections across requests, survive a restart of the database server on the
same workers, and never answer one request with another's data (seed README: 持久连接)."""
import concurrent.futures
import os
import shutil
import threading
import time

import httpx
import pytest

from harness import Server
from services import MARIADBD, REDIS_SERVER, MariaDB, Redis

USERS = {1: "alice", 2: "bob", 3: "carol"}

needs_mariadb = pytest.mark.skipif(MARIADBD is None or shutil.which("mariadb-install-db") is None,
                                   reason="mariadb-server is installed by scripts/install-deps.sh")
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is installed by scripts/install-deps.sh")


@pytest.fixture
def mariadb(tmp_path):
    db = MariaDB(tmp_path / "mariadb").start()
    yield db
    db.stop()


@pytest.fixture
def redis(tmp_path):
    r = Redis(tmp_path / "redis").start()
    yield r
    r.stop()


def fetch_user(client, url, i):
    """One request for user i; the answer is (status, name or None). A request must never hang."""
    r = client.get(f"{url}/api/db/{i}", timeout=15)
    return r.status_code, (r.json().get("name") if r.status_code == 200 else None)


def load_through_restart(server, restart, path_for, check, requests=400):
    """Sends `requests` requests on 4 client threads while `restart()` runs once a quarter
    of them are answered; returns the statuses in order of completion."""
    statuses = []
    done = threading.Event()
    lock = threading.Lock()

    def one(i):
        with httpx.Client() as client:
            r = client.get(server.url + path_for(i), timeout=15)
        check(i, r)
        with lock:
            statuses.append(r.status_code)
            if len(statuses) == requests // 4:
                done.set()
        return r.status_code

    restarter = threading.Thread(target=lambda: (done.wait(60), restart()))
    restarter.start()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(requests)))
    restarter.join(60)
    return statuses


@needs_mariadb
@pytest.mark.parametrize("persistent", [False, True], ids=["connection", "persistent-pdo"])
def test_eloquent_on_mariadb_reconnects_after_a_server_restart_on_the_same_workers(laravel_app, mariadb, persistent):
    env = {"LARAVELS_WORKER_NUM": "2", **mariadb.env(), "DB_PERSISTENT": "true" if persistent else "false"}
    with Server(laravel_app, env=env) as server:
        with httpx.Client() as client:
            assert [fetch_user(client, server.url, i) for i in (1, 2, 3)] == [(200, n) for n in USERS.values()]
            assert client.get(server.url + "/api/db/99").status_code == 404
        workers = sorted(server.worker_pids())
        connections = mariadb.status("Connections")
        for _ in range(60):
            with httpx.Client() as client:
                fetch_user(client, server.url, 1)
        # Resident workers keep their connection: 60 requests open no new one.
        assert mariadb.status("Connections") - connections <= 1

        def check(i, r):
            # Never another request's row: a 200 carries the user asked for.
            assert r.status_code in (200, 500), (r.status_code, r.text[:300])
            if r.status_code == 200:
                assert r.json()["name"] == USERS[i % 3 + 1]

        statuses = load_through_restart(server, mariadb.restart, lambda i: f"/api/db/{i % 3 + 1}", check)
        assert len(statuses) == 400
        # After the restart every request succeeds again, on the workers that were there before.
        with httpx.Client() as client:
            after = [fetch_user(client, server.url, i % 3 + 1) for i in range(30)]
        assert after == [(200, USERS[i % 3 + 1]) for i in range(30)]
        assert sorted(server.worker_pids()) == workers, "no worker was replaced to get a new connection"


@needs_redis
@pytest.mark.parametrize("persistent", [False, True], ids=["connection", "persistent"])
def test_redis_manager_reconnects_after_a_server_restart_on_the_same_workers(laravel_app, redis, persistent):
    env = {"LARAVELS_WORKER_NUM": "2", **redis.env(), "REDIS_PERSISTENT": "true" if persistent else "false"}
    with Server(laravel_app, env=env) as server:
        with httpx.Client() as client:
            first = client.get(server.url + "/api/redis/hits")
            assert first.status_code == 200 and first.json()["count"] == 1
        workers = sorted(server.worker_pids())

        def check(i, r):
            assert r.status_code in (200, 500), (r.status_code, r.text[:300])
            if r.status_code == 200:
                assert r.json()["key"] == f"k{i % 5}"

        statuses = load_through_restart(server, redis.restart, lambda i: f"/api/redis/k{i % 5}", check, requests=300)
        assert len(statuses) == 300
        # The restarted Redis is empty; each key counts up from 1 again, on the same workers.
        with httpx.Client() as client:
            counts = [client.get(server.url + "/api/redis/after").json()["count"] for _ in range(20)]
        assert counts == list(range(1, 21))
        assert sorted(server.worker_pids()) == workers
