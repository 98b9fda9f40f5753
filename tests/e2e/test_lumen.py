"""The same runtime on the Lumen beside the framework under test (lumen8 or lumen10)."""
import time

import httpx

from harness import Server


def test_lumen_serves_routes_errors_exit_and_streams(lumen_app):
    with Server(lumen_app, env={"LARAVELS_WORKER_NUM": "1"}) as s:
        assert httpx.get(s.url + "/hello").json() == {"message": "hello"}
        echo = httpx.post(s.url + "/echo?q=1", json={"a": [1, 2]}).json()
        assert echo["query"] == {"q": "1"} and echo["json"] == {"a": [1, 2]}
        assert httpx.get(s.url + "/exception").status_code == 500
        before = httpx.get(s.url + "/pid").json()["pid"]
        assert httpx.get(s.url + "/exit").text == "bye"
        arrivals = []
        with httpx.stream("GET", s.url + "/stream", timeout=10) as r:
            for _ in r.iter_text():
                arrivals.append(time.monotonic())
        assert arrivals[-1] - arrivals[0] > 0.6
        assert httpx.get(s.url + "/pid").json()["pid"] != before, "exit() replaced the worker"
