"""app('swoole')'s task API as Swoole documents it (task, finish, taskwait, taskWaitMulti,
sendMessage with onTask, onFinish and onPipeMessage), and LaravelS\\Concurrently and
Laravel's Concurrency facade on the task workers.

Swoole: task() returns the task id and the task worker's onTask return value (or its
finish() call) reaches the finish callback, else onFinish, in the worker that called
task(); taskwait() blocks its worker until the result or the timeout (false); taskWaitMulti()
returns the results keyed like the tasks, a timed-out task's key missing; sendMessage()
reaches onPipeMessage of the worker or task worker named, task workers' ids following the
workers'.
"""
import time

import httpx
import pytest

from harness import FRAMEWORK, Server, wait_json

pytestmark = pytest.mark.laravel_only

WORKERS = 2
TASK_WORKERS = 3
HANDLERS = {
    "Task": ["App\\ServerEvents\\TaskEvent"],
    "Finish": ["App\\ServerEvents\\FinishEvent"],
    "PipeMessage": ["App\\ServerEvents\\PipeMessageEvent"],
}


@pytest.fixture(scope="module")
def server(module_laravel_app):
    s = Server(module_laravel_app, env={"LARAVELS_WORKER_NUM": str(WORKERS)})
    s.set_overrides({"swoole": {"task_worker_num": TASK_WORKERS}, "event_handlers": HANDLERS})
    with s:
        yield s


def get(s, path, **params):
    r = httpx.get(s.url + path, params=params, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def recorded(s, name, timeout=10.0):
    return wait_json(s.app / "storage" / "app" / "swoole" / f"{name}.json", timeout, s.read_log)


def test_task_returns_its_id_and_the_result_reaches_the_finish_callback_in_the_calling_worker(server):
    first = get(server, "/swoole/task", echo="cb1", callback=1)
    assert isinstance(first["id"], int) and first["id"] >= 0 and first["warnings"] == []
    done = recorded(server, "callback-cb1")
    assert done["pid"] == first["pid"], "the finish callback runs in the worker that called task()"
    assert done["task_id"] == first["id"]
    result = done["result"]
    assert result["taskworker"] is True and result["pid"] != first["pid"]
    assert WORKERS <= result["worker_id"] < WORKERS + TASK_WORKERS, "task workers' ids follow the workers'"
    assert result["src_worker_id"] == first["worker_id"], "onTask's $srcWorkerId is the caller's worker id"


def test_without_a_callback_the_result_goes_to_on_finish_and_finish_call_counts_as_the_result(server):
    r = get(server, "/swoole/task", echo="fin1", finish_via="call")
    done = recorded(server, "finish-fin1")
    assert done["pid"] == r["pid"] and done["task_id"] == r["id"]
    assert done["result"]["via"] == "finish()", "$server->finish() in onTask gives the result"


def test_task_ids_grow_in_each_worker(server):
    ids = [get(server, "/swoole/task", echo=f"n{i}") for i in range(6)]
    by_worker = {}
    for r in ids:
        by_worker.setdefault(r["worker_id"], []).append(r["id"])
    for seq in by_worker.values():
        assert seq == sorted(seq) and len(set(seq)) == len(seq)


def test_task_to_a_task_worker_index_runs_there(server):
    for dst in range(TASK_WORKERS):
        r = get(server, "/swoole/taskwait", echo=f"d{dst}", timeout=2, dst=dst)
        assert r["result"]["worker_id"] == WORKERS + dst


def test_a_task_worker_index_past_the_last_warns_and_returns_false(server):
    r = get(server, "/swoole/task", echo="x", dst=TASK_WORKERS)
    assert r["id"] is False
    assert any("$dstWorkerId" in w for w in r["warnings"]), r["warnings"]


def test_taskwait_returns_the_result_inside_the_request(server):
    r = get(server, "/swoole/taskwait", echo="w1", sleep_ms=50)
    assert r["result"]["echo"] == "w1" and r["result"]["taskworker"] is True
    assert r["result"]["pid"] != r["pid"]
    assert 0.05 <= r["elapsed"] < 0.45, "Swoole's default timeout is 0.5 s"
    assert r["warnings"] == []


def test_taskwait_gives_false_with_a_warning_on_timeout_and_the_worker_serves_on(server):
    r = get(server, "/swoole/taskwait", echo="slow", sleep_ms=600, timeout=0.2)
    assert r["result"] is False
    assert 0.2 <= r["elapsed"] < 0.5
    assert any("$timeout" in w for w in r["warnings"]), r["warnings"]
    # The late result goes nowhere: the next waits get their own.
    time.sleep(0.5)
    for i in range(4):
        assert get(server, "/swoole/taskwait", echo=f"after{i}", timeout=2)["result"]["echo"] == f"after{i}"


def test_task_wait_multi_runs_the_tasks_in_parallel_and_keys_results_like_the_input(server):
    r = get(server, "/swoole/multi", sleeps="150,150,150", timeout=2)
    assert list(r["results"]) == ["a", "b", "c"]
    assert [v["echo"] for v in r["results"].values()] == ["t0", "t1", "t2"]
    assert len({v["pid"] for v in r["results"].values()}) == 3, "three task workers, one task each"
    assert r["elapsed"] < 0.4, f"parallel: {r['elapsed']:.3f}s (in turn: 0.45 s)"


def test_task_wait_multi_leaves_out_the_tasks_that_timed_out(server):
    r = get(server, "/swoole/multi", sleeps="0,800,0", timeout=0.3)
    assert set(r["results"]) == {"a", "c"}
    assert 0.3 <= r["elapsed"] < 0.7
    time.sleep(0.6)


def test_task_co_keeps_every_key_in_order_with_false_for_a_task_that_timed_out(server):
    r = get(server, "/swoole/taskco", sleeps="0,800,0", timeout=0.3)
    assert list(r["results"]) == ["a", "b", "c"], "Swoole's taskCo: one result per task, in order"
    assert r["results"]["b"] is False
    assert [r["results"][k]["echo"] for k in "ac"] == ["t0", "t2"]
    assert 0.3 <= r["elapsed"] < 0.7 and r["warnings"] == []
    time.sleep(0.6)


def test_task_co_runs_the_tasks_in_parallel_with_the_default_timeout(server):
    r = get(server, "/swoole/taskco", sleeps="150,150,150")
    assert [v["echo"] for v in r["results"].values()] == ["t0", "t1", "t2"]
    assert r["elapsed"] < 0.4, f"parallel within Swoole's default 0.5 s: {r['elapsed']:.3f}s"


def test_finish_sends_its_result_when_called_not_when_the_task_ends(server):
    # The task calls finish(), then works on for 0.8 s: a taskwait of 0.5 s has the result.
    r = get(server, "/swoole/taskwait", echo="early", finish_via="call", sleep_after_ms=800, timeout=0.5)
    assert r["result"] is not False, r["warnings"]
    assert r["result"]["echo"] == "early" and r["result"]["via"] == "finish()"
    assert r["elapsed"] < 0.5
    time.sleep(0.5)


def test_each_finish_call_is_a_result_of_its_own_for_on_finish(server):
    # "You may call this method ... multiple times, this will then result in the onFinish
    # event being triggered multiple times": each arrives while the task still runs.
    first = get(server, "/swoole/task", echo="twice", finish_via="call", finish_times=2, sleep_after_ms=600)
    one = recorded(server, "finish-twice", timeout=0.5)
    two = recorded(server, "finish-twice-1", timeout=0.5)
    assert one["task_id"] == two["task_id"] == first["id"]
    assert one["pid"] == two["pid"] == first["pid"], "both in the worker that called task()"
    time.sleep(0.6)


def test_reload_true_replaces_the_task_workers_alone(server):
    def task_pids():
        return {get(server, "/swoole/taskwait", echo=f"p{d}", timeout=2, dst=d)["result"]["pid"] for d in range(TASK_WORKERS)}

    def http_pids():
        seen = set()
        for _ in range(40):
            seen.add(httpx.get(server.url + "/pid", timeout=5).json()["pid"])
            if len(seen) == WORKERS:
                break
        return seen

    tasks_before, http_before = task_pids(), http_pids()
    assert len(tasks_before) == TASK_WORKERS and len(http_before) == WORKERS
    assert get(server, "/swoole/reload", tasks=1)["reloaded"] is True
    deadline = time.time() + 15
    while time.time() < deadline and task_pids() & tasks_before:
        time.sleep(0.2)
    assert not task_pids() & tasks_before, "every task worker was replaced"
    assert http_pids() == http_before, "the HTTP workers stayed"
    assert "reloading the task workers" in server.read_log()


def test_send_message_reaches_on_pipe_message_of_another_worker_and_not_itself(server):
    # Whichever worker takes the request sends to worker 0: from worker 1 it is delivered,
    # from worker 0 itself it warns (Swoole refuses a message to oneself).
    seen = {}
    for i in range(20):
        r = get(server, "/swoole/send-message/0", tag=f"to-worker-{i}")
        seen.setdefault(r["worker_id"], (i, r))
        if len(seen) == WORKERS:
            break
    i, r = seen[1]
    assert r["sent"] is True and r["warnings"] == []
    got = recorded(server, f"pipe-to-worker-{i}")
    assert got["worker_id"] == 0 and got["taskworker"] is False
    assert got["from"] == 1
    assert got["message"] == {"tag": f"to-worker-{i}"}
    if 0 in seen:
        _, r = seen[0]
        assert r["sent"] is False and any("itself" in w for w in r["warnings"]), r["warnings"]


def test_send_message_reaches_a_task_worker_and_a_task_worker_can_send(server):
    dst = WORKERS + 1
    r = get(server, f"/swoole/send-message/{dst}", tag="to-task")
    assert r["sent"] is True
    got = recorded(server, "pipe-to-task")
    assert got["worker_id"] == dst and got["taskworker"] is True
    # From a task worker to worker 0.
    get(server, "/swoole/task", echo="tw", send_to=0)
    got = recorded(server, "pipe-from-task-tw")
    assert got["worker_id"] == 0 and WORKERS <= got["from"] < WORKERS + TASK_WORKERS


def test_send_message_to_no_such_worker_or_to_itself_warns(server):
    r = get(server, f"/swoole/send-message/{WORKERS + TASK_WORKERS}")
    assert r["sent"] is False and any("$dstWorkerId" in w for w in r["warnings"])


def test_concurrently_runs_closures_in_parallel_and_returns_results_in_order(server):
    get(server, "/swoole/concurrently", n=3, sleep_ms=0)  # every task worker booted and warm
    r = get(server, "/swoole/concurrently", n=3, sleep_ms=100)
    assert [v["i"] for v in r["results"]] == [0, 1, 2]
    assert len({v["pid"] for v in r["results"]}) == 3 and r["pid"] not in {v["pid"] for v in r["results"]}
    assert r["elapsed"] < 0.25, f"three 100 ms closures on three task workers took {r['elapsed']:.3f}s (in turn: 0.3 s)"


def test_concurrently_throws_the_first_closures_exception_with_its_class_and_message(server):
    r = get(server, "/swoole/concurrently", n=3, throw=1)
    assert r["exception"] == "DomainException"
    assert r["message"] == "closure 1 failed"


def test_concurrently_throws_a_clear_timeout_instead_of_hanging(server):
    r = get(server, "/swoole/concurrently", n=2, sleep_ms=1000, timeout=0.2)
    assert r["exception"] == "LaravelS\\Concurrency\\ConcurrencyTimeout"
    assert "within 0.2 s" in r["message"]
    assert r["elapsed"] < 0.6
    time.sleep(1.0)


@pytest.mark.skipif(FRAMEWORK != "laravel13", reason="Laravel's Concurrency component is Laravel 11+")
def test_laravels_concurrency_driver_runs_on_the_task_workers(server):
    get(server, "/swoole/concurrency", driver="laravels", n=3)
    r = get(server, "/swoole/concurrency", driver="laravels", n=3, sleep_ms=100)
    assert [v["i"] for v in r["results"]] == [0, 1, 2]
    assert len({v["pid"] for v in r["results"]}) == 3
    assert r["elapsed"] < 0.25, f"{r['elapsed']:.3f}s"


def test_without_task_workers_taskwait_warns_and_returns_false(laravel_app):
    with Server(laravel_app) as s:
        r = get(s, "/swoole/taskwait", echo="none")
        assert r["result"] is False
        assert any("task_worker_num" in w for w in r["warnings"]), r["warnings"]
        r = get(s, "/swoole/task", echo="none")
        assert r["id"] is False
