"""The overload policy (issue 14, item 1): with every worker held, a request waits at most
`queue.max_wait_seconds` for a worker and is refused at once past `queue.max_requests`
waiting, both with 503 and `Retry-After` (RFC 9110 15.6.4, 10.2.3), never with silence;
readiness says "saturated" while the queue is full; queued requests are served in the
order sent when a worker frees up, and one whose client left never reaches a worker.
"""
import json
import socket
import threading
import time

import httpx

from harness import IS_LUMEN, Server

HELLO = "/hello" if IS_LUMEN else "/api/hello"


def status(s: Server) -> dict:
    run = s.command("status", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout)


def served(s: Server) -> int:
    return sum(p["served"] for p in status(s)["processes"] if p["role"] == "worker")


def hold_workers(s: Server, ms: int) -> list[threading.Thread]:
    """Both workers busy on /sleep/ms; returns the threads (each asserts its 200)."""

    def sleep():
        assert httpx.get(f"{s.url}/sleep/{ms}", timeout=ms / 1000 + 10).status_code == 200

    threads = [threading.Thread(target=sleep) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.time() + 5
    while sum(p["state"] == "busy" for p in status(s)["processes"]) < 2 and time.time() < deadline:
        time.sleep(0.05)
    return threads


def test_probes_get_a_503_with_retry_after_within_the_bound_never_silence(laravel_app):
    # max_wait_seconds well apart from "at once", so a loaded machine's slow client threads
    # cannot blur the two kinds of 503.
    overrides = {"queue": {"max_requests": 3, "max_wait_seconds": 4}, "health": {"readiness_path": "/readyz"}}
    with Server(laravel_app, overrides=overrides) as s:
        assert httpx.get(s.url + "/readyz").json()["status"] == "ready"
        sleepers = hold_workers(s, 9000)
        results: list[tuple[float, int, str | None]] = []

        def probe():
            started = time.time()
            r = httpx.get(s.url + HELLO, timeout=10)
            results.append((time.time() - started, r.status_code, r.headers.get("retry-after")))

        probes = [threading.Thread(target=probe) for _ in range(20)]
        for t in probes:
            t.start()
        time.sleep(0.8)
        ready = httpx.get(s.url + "/readyz")
        assert ready.status_code == 503, "a full queue is not ready"
        assert ready.json() == {"status": "saturated", "workers": 2, "queued": 3}
        for t in probes:
            t.join()
        assert len(results) == 20
        assert all(code == 503 and retry == "5" for _, code, retry in results), results
        at_once = [t for t, _, _ in results if t < 2.5]
        waited = [t for t, _, _ in results if t >= 2.5]
        assert len(at_once) == 17, f"over max_requests=3, refused at once: {results}"
        assert len(waited) == 3 and all(3.9 <= t < 6.5 for t in waited), f"answered at max_wait_seconds=4: {results}"
        assert httpx.get(s.url + "/readyz").status_code == 200, "the queue is empty again"
        assert status(s)["master"]["shed"] == 20
        for t in sleepers:
            t.join()
        assert "answered 503 to" in s.read_log() and "queue.max" in s.read_log()


def test_queued_requests_are_served_in_order_and_a_departed_client_never_reaches_a_worker(laravel_app):
    with Server(laravel_app) as s:
        before = served(s)
        sleepers = hold_workers(s, 2500)
        # A client that leaves while its request is queued.
        gone = socket.create_connection(("127.0.0.1", s.port))
        gone.sendall(f"GET /sleep/1 HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n\r\n".encode())
        time.sleep(0.2)
        gone.close()
        finished: dict[int, float] = {}

        def queued(i):
            r = httpx.get(f"{s.url}/sleep/400", timeout=20)
            assert r.status_code == 200
            finished[i] = time.time()

        waiters = []
        for i in range(4):
            waiters.append(threading.Thread(target=queued, args=(i,)))
            waiters[-1].start()
            time.sleep(0.15)
        for t in sleepers + waiters:
            t.join()
        # Two workers take the oldest two first; the later two start only after them.
        assert max(finished[0], finished[1]) < min(finished[2], finished[3]), finished
        assert served(s) - before == 2 + 4, "the departed client's request ran on no worker"
        assert status(s)["master"]["queued"] == 0


def test_a_departed_clients_queued_upload_is_freed_at_once(laravel_app, tmp_path):
    """A request withdrawn while queued frees what it holds then, not when a worker would
    have popped it: here its spooled upload file is removed as its client leaves, while
    both workers are still busy."""
    spool = tmp_path / "spool"
    spool.mkdir()
    s = Server(laravel_app, overrides={"swoole": {"upload_tmp_dir": str(spool)}}).start()
    try:
        sleepers = hold_workers(s, 4000)
        body = (b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n"
                b"Content-Type: application/octet-stream\r\n\r\n" + b"u" * 100_000 + b"\r\n--b--\r\n")
        head = (f"POST {HELLO} HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n"
                f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        gone = socket.create_connection(("127.0.0.1", s.port))
        gone.sendall(head + body)
        deadline = time.time() + 3
        while not list(spool.iterdir()) and time.time() < deadline:
            time.sleep(0.02)
        assert list(spool.iterdir()), "the upload was spooled while the request waits"
        time.sleep(0.2)
        assert status(s)["master"]["queued"] == 1
        gone.close()
        deadline = time.time() + 1
        while list(spool.iterdir()) and time.time() < deadline:
            time.sleep(0.02)
        assert not list(spool.iterdir()), "the withdrawn request's file is removed at once"
        assert status(s)["master"]["queued"] == 0, "and it counts against no limit"
        assert sum(p["state"] == "busy" for p in status(s)["processes"]) == 2, "before any worker was free"
        for t in sleepers:
            t.join()
    finally:
        s.stop()
