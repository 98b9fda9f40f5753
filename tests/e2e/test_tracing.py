"""Tracing (issue 15, item 5): W3C Trace Context (https://www.w3.org/TR/trace-context/)
per request and OTLP/HTTP export of a server span, checked against a small OTLP/HTTP
receiver run here (the JSON encoding of ExportTraceServiceRequest posted to /v1/traces,
as the OpenTelemetry protocol specification documents it).

What the README promises: a `traceparent` from a `trusted_proxies` peer continues its
trace, from anyone else a new trace starts; the application sees the server span's
`traceparent` in `$_SERVER['HTTP_TRACEPARENT']` and as the request attribute
`traceparent`; the span ends when the response's last byte goes out, a streamed body's
too; a 5xx is an error; every request has its own span.
"""
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from harness import Server, free_port

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
CALLER = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"


class Receiver:
    """An OTLP/HTTP trace receiver: keeps every span posted to /v1/traces."""

    def __init__(self) -> None:
        self.spans: list[dict] = []
        self.resources: list[dict] = []
        self.content_types: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                request = json.loads(body)
                with receiver.lock:
                    receiver.content_types.append(self.headers.get("Content-Type", ""))
                    for rs in request["resourceSpans"]:
                        receiver.resources.append(rs["resource"])
                        for ss in rs["scopeSpans"]:
                            receiver.spans.extend(ss["spans"])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def span(self, span_id: str, timeout: float = 5) -> dict:
        """The exported span with this id, waiting for the exporter's batch."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for s in self.spans:
                    if s["spanId"] == span_id:
                        return s
            time.sleep(0.05)
        raise AssertionError(f"span {span_id} was not exported within {timeout}s; got {[s['spanId'] for s in self.spans]}")

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def attrs(span: dict) -> dict:
    out = {}
    for a in span["attributes"]:
        value = a["value"]
        out[a["key"]] = value.get("stringValue", value.get("intValue"))
    return out


def seen(response: httpx.Response) -> tuple[str, str, str]:
    """The traceparent the application saw: (trace id, span id, flags), after checking the
    attribute and $_SERVER agree."""
    tp = response.json()["traceparent"]
    assert tp["attribute"] == tp["server_global"], tp
    match = TRACEPARENT.match(tp["attribute"] or "")
    assert match, tp
    return match.group(1), match.group(2), match.group(3)


def tracing(receiver: Receiver | None, **extra) -> dict:
    block = {"enabled": True}
    if receiver is not None:
        block["otlp_endpoint"] = receiver.endpoint
    return {"tracing": block, **extra}


def test_off_by_default_the_app_sees_the_callers_header_unchanged(laravel_app):
    with Server(laravel_app) as s:
        r = httpx.get(s.url + "/echo", headers={"traceparent": CALLER})
        assert r.json()["traceparent"] == {"attribute": None, "server_global": CALLER}


def test_a_request_without_traceparent_starts_a_trace_and_exports_its_server_span(laravel_app, receiver):
    overrides = {"tracing": {"enabled": True, "otlp_endpoint": receiver.endpoint, "service_name": "shop"}}
    with Server(laravel_app, overrides=overrides) as s:
        r = httpx.get(s.url + "/echo?x=1", headers={"User-Agent": "tracing-test"})
        assert r.status_code == 200
        trace_id, span_id, flags = seen(r)
        assert flags == "01", "a trace the server starts is sampled"
        span = receiver.span(span_id)
    assert span["traceId"] == trace_id
    assert "parentSpanId" not in span or span["parentSpanId"] in ("", None)
    assert span["kind"] == 2, "SPAN_KIND_SERVER"
    assert span["name"] == "GET"
    a = attrs(span)
    assert a["http.request.method"] == "GET"
    assert a["url.path"] == "/echo"
    assert a["url.query"] == "x=1"
    assert a["url.scheme"] == "http"
    assert a["http.response.status_code"] == "200"
    assert a["user_agent.original"] == "tracing-test"
    assert span["status"].get("code", 0) == 0
    assert int(span["endTimeUnixNano"]) >= int(span["startTimeUnixNano"]) > 0
    assert receiver.content_types[0].startswith("application/json")
    service = [a for a in receiver.resources[0]["attributes"] if a["key"] == "service.name"]
    assert service == [{"key": "service.name", "value": {"stringValue": "shop"}}]


def test_every_request_gets_its_own_trace(laravel_app, receiver):
    with Server(laravel_app, overrides=tracing(receiver)) as s:
        with httpx.Client() as keepalive:
            seen_ids = [seen(keepalive.get(s.url + "/echo")) for _ in range(3)]
    assert len({trace for trace, _, _ in seen_ids}) == 3, seen_ids
    assert len({span for _, span, _ in seen_ids}) == 3, seen_ids


def test_a_trusted_proxys_traceparent_is_continued(laravel_app, receiver):
    with Server(laravel_app, overrides=tracing(receiver, trusted_proxies=["127.0.0.1"])) as s:
        r = httpx.get(s.url + "/echo", headers={"traceparent": CALLER, "tracestate": "vendor=abc"})
        trace_id, span_id, flags = seen(r)
        assert trace_id == CALLER_TRACE, "the caller's trace goes on"
        assert span_id != CALLER_SPAN, "the app's parent is the server span, not the caller's"
        assert flags == "01"
        assert r.json()["headers"]["tracestate"] == ["vendor=abc"], "a trusted peer's tracestate is passed on"
        span = receiver.span(span_id)
    assert span["traceId"] == CALLER_TRACE
    assert span["parentSpanId"] == CALLER_SPAN


def test_an_unsampled_trusted_trace_is_propagated_but_not_exported(laravel_app, receiver):
    with Server(laravel_app, overrides=tracing(receiver, trusted_proxies=["127.0.0.1"])) as s:
        r = httpx.get(s.url + "/echo", headers={"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-00"})
        trace_id, unsampled, flags = seen(r)
        assert (trace_id, flags) == (CALLER_TRACE, "00")
        # A sampled request after it is exported; the unsampled one never is.
        _, sampled, _ = seen(httpx.get(s.url + "/echo"))
        receiver.span(sampled)
    assert unsampled not in [x["spanId"] for x in receiver.spans]


def test_an_untrusted_peers_traceparent_is_replaced(laravel_app, receiver):
    # trusted_proxies is empty by default: a client cannot join or poison a trace.
    with Server(laravel_app, overrides=tracing(receiver)) as s:
        r = httpx.get(s.url + "/echo", headers={"traceparent": CALLER, "tracestate": "vendor=abc"})
        trace_id, span_id, _ = seen(r)
        assert trace_id != CALLER_TRACE
        assert "tracestate" not in r.json()["headers"]
        span = receiver.span(span_id)
    assert span["traceId"] == trace_id
    assert not span.get("parentSpanId")


def test_a_malformed_traceparent_from_a_trusted_peer_starts_a_new_trace(laravel_app, receiver):
    with Server(laravel_app, overrides=tracing(receiver, trusted_proxies=["127.0.0.1"])) as s:
        for bad in ["00-" + "0" * 32 + "-" + CALLER_SPAN + "-01", f"00-{CALLER_TRACE}-{'0' * 16}-01", "garbage", f"ff-{CALLER_TRACE}-{CALLER_SPAN}-01"]:
            trace_id, _, _ = seen(httpx.get(s.url + "/echo", headers={"traceparent": bad}))
            assert trace_id not in (CALLER_TRACE, "0" * 32), bad


def test_a_streamed_response_span_ends_after_its_last_chunk(laravel_app, receiver):
    # /stream sends 5 chunks 200 ms apart: the span covers all of them.
    with Server(laravel_app, overrides=tracing(receiver)) as s:
        with httpx.stream("GET", s.url + "/stream") as r:
            body = b"".join(r.iter_bytes())
        assert body.count(b"chunk-") == 5
        # The span id is not in the body: take the one span exported for GET /stream.
        deadline = time.time() + 5
        spans = []
        while not spans and time.time() < deadline:
            with receiver.lock:
                spans = [x for x in receiver.spans if attrs(x)["url.path"] == "/stream"]
            time.sleep(0.05)
    assert len(spans) == 1, spans
    duration = (int(spans[0]["endTimeUnixNano"]) - int(spans[0]["startTimeUnixNano"])) / 1e9
    assert duration >= 0.75, f"the span ended {duration:.3f}s after it started, before the last chunk (0.8 s)"


def test_a_5xx_is_an_error_and_a_4xx_is_not(laravel_app, receiver):
    with Server(laravel_app, overrides=tracing(receiver)) as s:
        assert httpx.get(s.url + "/status/503").status_code == 503
        assert httpx.get(s.url + "/status/404").status_code == 404
        deadline = time.time() + 5
        by_status = {}
        while len(by_status) < 2 and time.time() < deadline:
            with receiver.lock:
                by_status = {attrs(x)["http.response.status_code"]: x for x in receiver.spans}
            time.sleep(0.05)
    assert by_status["503"]["status"]["code"] == 2, "STATUS_CODE_ERROR"
    assert by_status["404"]["status"].get("code", 0) == 0, "a server span leaves 4xx unset"


def test_without_an_endpoint_traces_are_propagated_only_and_a_dead_receiver_holds_no_request(laravel_app):
    with Server(laravel_app, overrides=tracing(None)) as s:
        seen(httpx.get(s.url + "/echo"))
    dead = f"http://127.0.0.1:{free_port()}"
    with Server(laravel_app, overrides={"tracing": {"enabled": True, "otlp_endpoint": dead}}) as s:
        for _ in range(3):
            started = time.time()
            assert httpx.get(s.url + "/echo").status_code == 200
            assert time.time() - started < 1
        deadline = time.time() + 5
        while "could not export" not in s.read_log() and time.time() < deadline:
            time.sleep(0.1)
        log = s.read_log()
    assert "tracing: could not export" in log and "tracing.otlp_endpoint" in log, log[-2000:]


def test_a_bad_endpoint_stops_start_up_naming_the_key(laravel_app):
    s = Server(laravel_app, overrides={"tracing": {"enabled": True, "otlp_endpoint": "https://collector:4318"}})
    result = s.command("start")
    assert result.returncode != 0
    assert "tracing.otlp_endpoint" in result.stdout + result.stderr
