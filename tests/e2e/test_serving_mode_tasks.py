"""serving_mode 'worker' with tasks, timers and tables, as the README documents them.

In worker mode a worker reads its requests from its own front, in memory, and everything
else from its master connection; what a request asks of the master must still come back
inside that request, and what the master sends between requests must still run:

- taskwait() returns the task's result as soon as it is done (not at its timeout), and
  taskWaitMulti() runs its tasks at once;
- task()'s result reaches its finish callback, and Task::deliver()'s task its finish(), in
  the worker that sent it, between two of its requests, even when it comes while that
  worker waits in a taskwait();
- a timer set in a request fires in that worker while it waits for the next request, and
  may deliver a task;
- swoole_tables are the same rows in every worker;
- sendMessage() reaches onPipeMessage of an HTTP worker, also while that worker is busy
  with a request that speaks to the master, or idle and waiting on its timer;
- the late result of a taskwait() that gave up does not hold up the idle worker's timers.

Which worker accepts a connection is the kernel's choice (it may be the same one many
times in a row), so no test needs a given worker: a request names its own worker id.
"""
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from harness import Server, wait_json
from test_tables import README_TABLES

pytestmark = pytest.mark.laravel_only

WORKERS = 2
TASK_WORKERS = 2
HANDLERS = {
    "Task": ["App\\ServerEvents\\TaskEvent"],
    "Finish": ["App\\ServerEvents\\FinishEvent"],
    "PipeMessage": ["App\\ServerEvents\\PipeMessageEvent"],
}
OVERRIDES = {
    "serving_mode": "worker",
    "swoole": {"task_worker_num": TASK_WORKERS},
    "event_handlers": HANDLERS,
}

ROUTES = r"""
Route::get('/wm/who', function () {
    return response()->json(['worker_id' => app('swoole')->worker_id, 'pid' => getmypid()]);
});
Route::get('/wm/task-then-wait/{tag}', function ($tag) {
    $id = app('swoole')->task(['echo' => "cb-$tag"], -1, function ($server, $taskId, $result) use ($tag) {
        \App\Http\Controllers\SwooleTaskController::record("wm-callback-$tag", ['task_id' => $taskId, 'echo' => $result['echo'], 'pid' => getmypid(), 'at' => microtime(true)]);
    });
    $started = microtime(true);
    $result = app('swoole')->taskwait(['echo' => "w-$tag", 'sleep_ms' => 300], 2);
    return response()->json(['id' => $id, 'result' => $result, 'elapsed' => microtime(true) - $started, 'pid' => getmypid(), 'ended' => microtime(true)]);
});
Route::get('/wm/busy/{then}/{tag}', function ($then, $tag) {
    // A task worker sends this worker a message while it sleeps here.
    $me = app('swoole')->worker_id;
    app('swoole')->task(['echo' => $tag, 'send_to' => $me]);
    usleep(400 * 1000);
    $out = ['pid' => getmypid(), 'worker_id' => $me];
    if ($then === 'deliver') {
        $out['delivered'] = \Hhxsv5\LaravelS\Swoole\Task\Task::deliver(new \App\Tasks\TestTask($tag));
    } elseif ($then === 'wait') {
        $out['result'] = app('swoole')->taskwait(['echo' => "$tag-wait"], 2);
    }
    $out['ended'] = microtime(true);
    return response()->json($out);
});
Route::get('/wm/send-to-other/{tag}', function ($tag) {
    $me = app('swoole')->worker_id;
    return response()->json(['sent' => app('swoole')->sendMessage(['tag' => $tag], 1 - $me), 'worker_id' => $me]);
});
Route::get('/wm/table-in-a-task-worker/{key}/{value}', function ($key, $value) {
    $table = app('swoole')->wsTable;
    $table->set($key, ['value' => (int) $value]);
    [$seen] = \LaravelS\Concurrently::run([function () use ($key) {
        $table = app('swoole')->wsTable;
        $seen = ['row' => $table->get($key), 'pid' => getmypid()];
        $table->incr($key, 'value', 1);
        return $seen;
    }], 2);
    return response()->json(['seen' => $seen, 'after' => $table->get($key), 'pid' => getmypid()]);
});
Route::get('/wm/after/{tag}', function ($tag) {
    $at = microtime(true);
    $id = app('swoole')->after(100, function ($tag) {
        \App\Http\Controllers\SwooleTaskController::record("wm-after-$tag", ['pid' => getmypid(), 'at' => microtime(true)]);
    }, $tag);
    return response()->json(['id' => $id, 'pid' => getmypid(), 'at' => $at]);
});
Route::get('/wm/tick/{tag}', function ($tag) {
    $id = app('swoole')->tick(100, function ($timerId, $tag) {
        file_put_contents(storage_path("app/wm-tick-$tag.log"), getmypid() . ' ' . microtime(true) . "\n", FILE_APPEND);
    }, $tag);
    return response()->json(['id' => $id, 'pid' => getmypid()]);
});
Route::get('/wm/clear/{id}', function ($id) {
    return response()->json(['cleared' => app('swoole')->clearTimer((int) $id), 'pid' => getmypid()]);
});
Route::get('/wm/timer-deliver/{tag}', function ($tag) {
    app('swoole')->after(50, function () use ($tag) {
        \Hhxsv5\LaravelS\Swoole\Task\Task::deliver(new \App\Tasks\TestTask($tag));
    });
    return response()->json(['pid' => getmypid()]);
});
"""


@pytest.fixture(scope="module")
def server(module_laravel_app):
    app = module_laravel_app
    published = app / "laravels.published.php"
    text = published.read_text()
    assert "'swoole_tables' => []," in text
    published.write_text(text.replace("'swoole_tables' => [],", README_TABLES))
    with open(app / "routes" / "web.php", "a") as web:
        web.write(ROUTES)
    s = Server(app, env={"LARAVELS_SERVING_MODE": "worker", "LARAVELS_WORKER_NUM": str(WORKERS)}, overrides=OVERRIDES)
    with s:
        yield s
    assert "went away" not in s.read_log()


def get(s, path, client=None, **params):
    r = (client or httpx).get(s.url + path, params=params, timeout=10)
    assert r.status_code == 200, f"{r.status_code}: {r.text[:2000]}\nlog:\n{s.read_log()[-3000:]}"
    return r.json()


read_json = wait_json


def line_count(path):
    return len(path.read_text().splitlines()) if path.exists() else 0


def recorded(s, name, timeout=10.0):
    return read_json(s.app / "storage" / "app" / "swoole" / f"{name}.json", timeout, s.read_log)


def test_taskwait_returns_the_result_as_soon_as_the_task_is_done(server):
    r = get(server, "/swoole/taskwait", echo="w1", sleep_ms=50)
    assert r["result"] is not False, r["warnings"]
    assert r["result"]["echo"] == "w1" and r["result"]["taskworker"] is True
    assert r["result"]["pid"] != r["pid"]
    assert 0.05 <= r["elapsed"] < 0.3, f"{r['elapsed']:.3f}s: the wait ran to its timeout (0.5 s)"
    assert r["warnings"] == []
    for i in range(6):
        again = get(server, "/swoole/taskwait", echo=f"w1-{i}", timeout=2)
        assert again["result"]["echo"] == f"w1-{i}" and again["elapsed"] < 0.3, again


def test_taskwait_times_out_with_false_and_the_next_waits_get_their_own(server):
    r = get(server, "/swoole/taskwait", echo="slow", sleep_ms=600, timeout=0.2)
    assert r["result"] is False
    assert 0.2 <= r["elapsed"] < 0.5
    assert any("$timeout" in w for w in r["warnings"]), r["warnings"]
    # The late result goes nowhere.
    time.sleep(0.6)
    for i in range(4):
        again = get(server, "/swoole/taskwait", echo=f"after{i}", timeout=2)
        assert again["result"]["echo"] == f"after{i}" and again["elapsed"] < 0.3, again


def test_task_wait_multi_runs_its_tasks_at_once(server):
    r = get(server, "/swoole/multi", sleeps="250,250", timeout=2)
    assert [v["echo"] for v in r["results"].values()] == ["t0", "t1"]
    assert len({v["pid"] for v in r["results"].values()}) == TASK_WORKERS
    assert 0.25 <= r["elapsed"] < 0.45, f"in parallel: {r['elapsed']:.3f}s (in turn: 0.5 s)"


def test_task_result_reaches_the_finish_callback_in_the_calling_worker(server):
    first = get(server, "/swoole/task", echo="wm-cb", callback=1)
    assert isinstance(first["id"], int) and first["warnings"] == []
    done = recorded(server, "callback-wm-cb")
    assert done["pid"] == first["pid"] and done["task_id"] == first["id"]
    assert done["result"]["taskworker"] is True and done["result"]["src_worker_id"] == first["worker_id"]
    # onFinish, without a callback.
    r = get(server, "/swoole/task", echo="wm-fin", finish_via="call")
    assert recorded(server, "finish-wm-fin")["pid"] == r["pid"]


def test_a_delivered_task_runs_its_finish_in_the_delivering_worker(server):
    r = get(server, "/task/wm-t1")
    assert r["delivered"] is True
    tasks = server.app / "storage" / "app" / "tasks"
    handled = read_json(tasks / "wm-t1.handled", log=server.read_log)
    finished = read_json(tasks / "wm-t1.finished", log=server.read_log)
    assert handled["pid"] != r["pid"], "handle() ran in a task worker"
    assert finished["pid"] == r["pid"], "finish() ran where the task was delivered"
    assert finished["handled_by"] == handled["pid"]


def test_a_finish_that_comes_while_the_worker_waits_in_taskwait_runs_after_the_request(server):
    # task() with a callback answers in a few ms, while the same request then waits 300 ms
    # for a taskwait(): the callback's run reaches the worker in the middle of that wait.
    r = get(server, "/wm/task-then-wait/a")
    assert r["result"] is not False and r["result"]["echo"] == "w-a", r
    assert 0.3 <= r["elapsed"] < 0.6
    done = recorded(server, "wm-callback-a")
    assert done["pid"] == r["pid"] and done["task_id"] == r["id"] and done["echo"] == "cb-a"
    assert done["at"] >= r["ended"], "the callback ran between requests, not inside this one"
    # The worker serves on.
    for _ in range(4):
        get(server, "/wm/who")


def test_a_timer_set_in_a_request_fires_in_that_worker_while_it_is_idle(server):
    set_up = get(server, "/wm/after/one")
    assert isinstance(set_up["id"], int)
    fired = recorded(server, "wm-after-one", timeout=3)
    assert fired["pid"] == set_up["pid"]
    assert 0.09 < fired["at"] - set_up["at"] < 0.4, fired["at"] - set_up["at"]

    with httpx.Client(base_url=server.url, timeout=10) as c:
        # One connection, one worker: the clear reaches the worker that set the tick.
        tick = get(server, "/wm/tick/t", client=c)
        log = server.app / "storage" / "app" / "wm-tick-t.log"
        time.sleep(1.05)
        pids = [line.split()[0] for line in log.read_text().splitlines()] if log.exists() else []
        assert 8 <= len(pids) <= 11, f"a 100 ms tick fired {len(pids)} times in an idle second"
        assert set(pids) == {str(tick["pid"])}
        cleared = get(server, f"/wm/clear/{tick['id']}", client=c)
        assert cleared == {"cleared": True, "pid": tick["pid"]}
        count = len(log.read_text().splitlines())
        time.sleep(0.35)
        assert len(log.read_text().splitlines()) == count, "clearTimer() stopped it"


def test_a_late_taskwait_result_does_not_hold_up_the_timers_of_the_idle_worker(server):
    with httpx.Client(base_url=server.url, timeout=10) as c:
        tick = get(server, "/wm/tick/late", client=c)
        r = get(server, "/swoole/taskwait", client=c, echo="late", sleep_ms=300, timeout=0.1)
        assert r["result"] is False and r["pid"] == tick["pid"]
        gave_up = time.time()
        # The result comes about 0.2 s later, to the worker, idle with its tick.
        time.sleep(1.2)
        log = server.app / "storage" / "app" / "wm-tick-late.log"
        ticks = [float(line.split()[1]) for line in log.read_text().splitlines()]
        after = [t for t in ticks if gave_up + 0.4 < t < gave_up + 1.1]
        # Held up, there would be none until the next request; a loaded host may delay a few.
        assert len(after) >= 3, f"{len(after)} ticks in the 0.7 s after the late result (a 100 ms tick)"
        assert get(server, f"/wm/clear/{tick['id']}", client=c)["cleared"] is True


def test_a_message_reaches_an_idle_worker_waiting_on_its_tick_and_the_tick_goes_on(server):
    with httpx.Client(base_url=server.url, timeout=10) as c:
        tick = get(server, "/wm/tick/pipe", client=c)
        me = get(server, "/wm/who", client=c)
        get(server, "/swoole/task", echo="wm-idle", send_to=me["worker_id"])
        got = recorded(server, "pipe-from-task-wm-idle", timeout=3)
        assert got["pid"] == tick["pid"] and got["worker_id"] == me["worker_id"]
        log = server.app / "storage" / "app" / "wm-tick-pipe.log"
        before = line_count(log)
        time.sleep(0.55)
        assert line_count(log) - before >= 4, "the tick went on after the message"
        assert get(server, f"/wm/clear/{tick['id']}", client=c)["cleared"] is True


def test_a_timer_delivers_a_task_whose_finish_runs_in_the_worker(server):
    r = get(server, "/wm/timer-deliver/wm-timer")
    tasks = server.app / "storage" / "app" / "tasks"
    handled = read_json(tasks / "wm-timer.handled", log=server.read_log)
    finished = read_json(tasks / "wm-timer.finished", log=server.read_log)
    assert handled["pid"] != r["pid"] and finished["pid"] == r["pid"]
    for _ in range(4):
        get(server, "/wm/who")


def test_a_table_row_is_the_same_in_a_worker_and_in_a_task_worker(server):
    r = get(server, "/wm/table-in-a-task-worker/wm:42/7")
    assert r["seen"]["pid"] != r["pid"], "read in a task worker"
    assert r["seen"]["row"] == {"value": 7}, "the task worker saw the request's write"
    assert r["after"] == {"value": 8}, "the request saw the task worker's increment"
    # Increments from many connections, on whichever workers took them, reach an exact total.
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: httpx.get(server.url + "/table/incr/wm-hits", timeout=10).json(), range(100)))
    assert sorted(a["value"] for a in answers) == list(range(1, 101))


def test_send_message_reaches_on_pipe_message_of_another_worker(server):
    r = get(server, "/wm/send-to-other/wm-other")
    assert r["sent"] is True
    got = recorded(server, "pipe-wm-other")
    assert got["worker_id"] == 1 - r["worker_id"] and got["taskworker"] is False
    assert got["from"] == r["worker_id"] and got["message"] == {"tag": "wm-other"}


def test_send_message_from_a_task_worker_reaches_an_http_worker(server):
    get(server, "/swoole/task", echo="wm-tw", send_to=1)
    got = recorded(server, "pipe-from-task-wm-tw")
    assert got["worker_id"] == 1 and WORKERS <= got["from"] < WORKERS + TASK_WORKERS


@pytest.mark.parametrize("then", ["deliver", "wait"])
def test_a_message_that_comes_while_the_worker_speaks_to_the_master_runs_after_its_request(server, then):
    # A task worker sends the worker a message while its request sleeps; the request then
    # delivers a task (or waits for one), reading its master connection, where the message
    # (a job for between requests) comes first.
    tag = f"wm-busy-{then}"
    r = get(server, f"/wm/busy/{then}/{tag}")
    if then == "deliver":
        assert r["delivered"] is True
        finished = read_json(server.app / "storage" / "app" / "tasks" / f"{tag}.finished", log=server.read_log)
        assert finished["pid"] == r["pid"]
    else:
        assert r["result"] is not False and r["result"]["echo"] == f"{tag}-wait", r
    got = recorded(server, f"pipe-from-task-{tag}")
    assert got["worker_id"] == r["worker_id"] and got["pid"] == r["pid"]
    # The task's own result, to onFinish, in the same worker.
    assert recorded(server, f"finish-{tag}")["pid"] == r["pid"]
    for _ in range(4):
        get(server, "/wm/who")
