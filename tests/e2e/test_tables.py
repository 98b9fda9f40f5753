"""swoole_tables and Swoole\\Atomic as the README configures and uses them: made in the
master before the fork, the same rows and the same counter in every worker."""
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from harness import Server

# The README's table definition, as written there (Swoole's constant included).
README_TABLES = """'swoole_tables' => [
        'ws' => [
            'size'   => 102400,
            'column' => [
                ['name' => 'value', 'type' => \\Swoole\\Table::TYPE_INT, 'size' => 8],
            ],
        ],
    ],"""


def readme_tables(app):
    published = app / "laravels.published.php"
    text = published.read_text()
    assert "'swoole_tables' => []," in text
    published.write_text(text.replace("'swoole_tables' => [],", README_TABLES))


def answer_from_other_worker(client, path, worker_id, attempts=50):
    """GET `path` until a worker other than `worker_id` answers."""
    for _ in range(attempts):
        body = client.get(path).json()
        if body["worker_id"] != worker_id:
            return body
    raise AssertionError(f"worker {worker_id} answered {path} {attempts} times in a row")


def test_a_row_written_in_one_worker_is_read_in_another(laravel_app):
    readme_tables(laravel_app)
    with Server(laravel_app) as s, httpx.Client(base_url=s.url) as client:
        first = client.get("/table/set/uid:42/7").json()
        assert first["set"] is True
        other = answer_from_other_worker(client, "/table/get/uid:42", first["worker_id"])
        assert other["row"] == {"value": 7}
        assert client.get("/table/get/nobody").json()["row"] is False

        # Many concurrent increments, spread over both workers, reach an exact total.
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: httpx.get(s.url + "/table/incr/hits").json(), range(200)))
        assert {a["worker_id"] for a in answers} == {0, 1}
        assert sorted(a["value"] for a in answers) == list(range(1, 201))
        rows = client.get("/table/rows").json()
        assert rows["rows"] == {"uid:42": 7, "hits": 200} and rows["count"] == 2

        # A reload replaces the workers; the rows stay, the master holds the memory.
        old = set(s.worker_pids())
        assert s.command("reload").returncode == 0
        assert not old & set(s.worker_pids())
        assert client.get("/table/get/uid:42").json()["row"] == {"value": 7}


def test_the_readme_atomic_counter_is_shared_by_every_worker(laravel_app):
    overrides = {"event_handlers": {"ServerStart": ["App\\ServerEvents\\ServerStartEvent"]}}
    with Server(laravel_app, overrides=overrides) as s:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: httpx.get(s.url + "/atomic/add").json(), range(100)))
        assert {a["worker_id"] for a in answers} == {0, 1}
        # Created with 2233 in ServerStart; each add(1) returns the new value, once each.
        assert sorted(a["count"] for a in answers) == list(range(2234, 2334))


def test_a_wrong_swoole_tables_entry_stops_start_up_naming_the_key(laravel_app):
    bad_type = {"swoole_tables": {"ws": {"size": 64, "column": [{"name": "value", "type": 9}]}}}
    run = Server(laravel_app, overrides=bad_type).command("start")
    assert run.returncode == 1
    assert "laravels.swoole_tables.ws.column[0].type" in run.stderr and "TYPE_INT" in run.stderr
    no_size = {"swoole_tables": {"ws": {"column": [{"name": "value", "type": 1}]}}}
    run = Server(laravel_app, overrides=no_size).command("start")
    assert run.returncode == 1 and "laravels.swoole_tables.ws.size" in run.stderr
    assert "worker #" not in run.stdout, "no process was started"
