"""The seed's Prometheus section end to end: its steps 2-6 in the app, and a real
Prometheus server (Debian's) scraping `/actuator/prometheus` with step 7's configuration
as written (the target pointed at the test's server): a query through Prometheus's HTTP
API returns the requests the test made, counted over every worker. The Grafana dashboard
the package ships (grafana/dashboard.json) queries only metrics the exporter emits, and
each of its queries runs on that Prometheus."""
import json
import re
import textwrap
import time

import httpx
import pytest

from harness import FRAMEWORK, IS_LUMEN, REPO, Server
from seed_snippets import SEED_README, SeedApp, prometheus_steps
from services import PROMETHEUS, Prometheus

LARAVEL = int(re.sub(r"\D", "", FRAMEWORK) or 0)

pytestmark = [
    pytest.mark.skipif(IS_LUMEN, reason="steps 3-4 as written here are Laravel's (Kernel or bootstrap/app.php)"),
    pytest.mark.skipif(PROMETHEUS is None, reason="Debian's prometheus is not installed (scripts/install-deps.sh installs it)"),
]


def step7_config(port: int) -> str:
    """The README's step 7 YAML, read from the README, its target moved to the test's port."""
    block = re.search(r"^( *)```yml\n(.*?)^ *```", SEED_README.read_text(), re.S | re.M)
    assert block and "scrape_configs:" in block.group(2), "the README's Prometheus step 7 has a yml block"
    config = textwrap.dedent(block.group(2)).replace("127.0.0.1:5200", f"127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in config
    return config


RUNTIME_JOB = """
- job_name: laravels-runtime
  metrics_path: /laravels-metrics
  static_configs:
  - targets: ['127.0.0.1:{port}']
"""


def test_a_real_prometheus_scrapes_the_requests_of_every_worker(laravel_app, tmp_path):
    prometheus_steps(laravel_app, LARAVEL)
    SeedApp(laravel_app, LARAVEL).install(34, 35).finish("require base_path('routes/prometheus.php');")
    # The master's own metrics (README "Runtime metrics from the master") are scraped too.
    overrides = {"metrics": {"path": "/laravels-metrics"}}
    with Server(laravel_app, env={"PROMETHEUS_COLLECT_METRICS_INTERVAL": "1"}, overrides=overrides) as s:
        for _ in range(25):
            assert httpx.get(s.url + "/api/hello").status_code == 200
        config = step7_config(s.port) + RUNTIME_JOB.format(port=s.port)
        with Prometheus(tmp_path / "prometheus", config) as prom:
            deadline = time.time() + 40
            found = []
            while time.time() < deadline:
                found = prom.query('http_server_requests_seconds_count{job="laravel-s-test",uri="/api/hello",status="200"}')
                if found:
                    break
                time.sleep(0.5)
            assert found, prom.log.read_text()[-2000:]
            assert [float(r["value"][1]) for r in found] == [25.0]
            assert found[0]["metric"]["application"] == "Laravel"
            up = prom.query('up{job="laravel-s-test"}')
            assert [r["value"][1] for r in up] == ["1"]
            workers = prom.query('swoole_worker_num{job="laravel-s-test"}')
            assert [r["value"][1] for r in workers] == ["2"]
            memory = prom.query('count(swoole_worker_memory_usage{job="laravel-s-test",worker_type="worker"})')
            assert memory and float(memory[0]["value"][1]) >= 1

            # The shipped dashboard: every query names metrics the exporter emits (once the
            # collector ran), and Prometheus runs it.
            exported = set()
            deadline = time.time() + 20
            while "swoole_idle_worker_num" not in exported and time.time() < deadline:
                text = httpx.get(s.url + "/actuator/prometheus").text
                exported = {line.split("{", 1)[0].split(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")}
                time.sleep(0.5)
            dashboard = json.loads((REPO / "grafana" / "dashboard.json").read_text())
            variable = next(v for v in dashboard["templating"]["list"] if v["name"] == "application")
            assert prom.query(variable["definition"].replace("label_values(", "group by (application) (").replace(", application)", ")"))
            for panel in dashboard["panels"]:
                assert panel["targets"], panel["title"]
                for target in panel["targets"]:
                    named = set(re.findall(r"\b(?:http_server_requests_seconds_\w+|swoole_\w+|system_\w+)\b", target["expr"]))
                    assert named and named <= exported, (panel["title"], named - exported)
                    expr = target["expr"].replace("$application", "Laravel").replace("$__rate_interval", "1m")
                    prom.query(expr)  # raises unless Prometheus accepts it

            # The master's metrics: the 25 requests (and the scrapes, 2xx too) by class,
            # and the runtime dashboard's queries.
            deadline = time.time() + 40
            ok = []
            while time.time() < deadline:
                ok = prom.query('laravels_requests_total{job="laravels-runtime",code="2xx"}')
                if ok and float(ok[0]["value"][1]) >= 25:
                    break
                time.sleep(0.5)
            assert ok and float(ok[0]["value"][1]) >= 25, prom.log.read_text()[-2000:]
            workers = prom.query('laravels_workers_connected{job="laravels-runtime",role="http"}')
            assert [r["value"][1] for r in workers] == ["2"]
            text = httpx.get(s.url + "/laravels-metrics").text
            emitted = {line.split("{", 1)[0].split(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")}
            runtime = json.loads((REPO / "grafana" / "runtime-dashboard.json").read_text())
            variable = next(v for v in runtime["templating"]["list"] if v["name"] == "job")
            assert prom.query(variable["definition"].replace("label_values(", "group by (job) (").replace(", job)", ")"))
            for panel in runtime["panels"]:
                assert panel["targets"], panel["title"]
                for target in panel["targets"]:
                    named = set(re.findall(r"\blaravels_\w+\b", target["expr"]))
                    assert named and named <= emitted, (panel["title"], named - emitted)
                    expr = target["expr"].replace("$job", "laravels-runtime").replace("$__rate_interval", "1m")
                    prom.query(expr)  # raises unless Prometheus accepts it
