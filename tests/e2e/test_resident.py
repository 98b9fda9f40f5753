"""Resident singletons (seed README: 单例问题, 持久连接): a service first resolved in a
request lives as long as the worker, so the deferred Redis manager connects once per
worker, not once per request; with RequestInstancesCleaner listed it connects per request."""
import concurrent.futures

import httpx
import pytest

from harness import Server
from services import REDIS_SERVER, Redis

needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is installed by scripts/install-deps.sh")

REQUESTS = 1000
SESSION_AND_AUTH = ["LaravelS\\Cleaners\\SessionCleaner", "LaravelS\\Cleaners\\AuthCleaner"]


@pytest.fixture
def redis(tmp_path):
    r = Redis(tmp_path / "redis").start()
    yield r
    r.stop()


def new_connections(app, redis, cleaners):
    """Connections Redis received while REQUESTS requests went through 2 workers."""
    env = {"LARAVELS_WORKER_NUM": "2", **redis.env(), "REDIS_PERSISTENT": "false"}
    with Server(app, env=env, overrides={"cleaners": cleaners}) as server:
        before = redis.info("total_connections_received")
        with httpx.Client() as client:
            def one(i):
                r = client.get(f"{server.url}/api/redis/k{i % 7}")
                assert r.status_code == 200, r.text[:300]
                return r.json()["key"]

            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                keys = list(pool.map(one, range(REQUESTS)))
        assert keys == [f"k{i % 7}" for i in range(REQUESTS)]
        grown = redis.info("total_connections_received") - before
        print(f"cleaners={cleaners}: {grown} new Redis connections for {REQUESTS} requests")
        return grown


@needs_redis
def test_the_redis_connection_is_resident_about_one_per_worker(laravel_app, redis):
    assert new_connections(laravel_app, redis, SESSION_AND_AUTH) <= 4


@needs_redis
def test_request_instances_cleaner_makes_each_request_connect_again(laravel_app, redis):
    assert new_connections(laravel_app, redis, SESSION_AND_AUTH + ["LaravelS\\Cleaners\\RequestInstancesCleaner"]) > 100
