"""Laravel Broadcasting over the Pusher protocol (websocket.pusher): pusher-js and Laravel
Echo (tests/e2e/node/pusher_client.mjs) against the example app's broadcast() and
/broadcasting/auth, and Python's websockets for what the protocol documents at its
edges (the first message, pings, errors and their codes, signatures, client events), and
the Pusher HTTP API signed in Python from its documented algorithm."""
from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect

from harness import Server

NODE = shutil.which("node")
PACKAGE = Path(__file__).parent / "node"
# The example apps' .env.example.
APP_ID, KEY, SECRET = "laravels-app", "laravels-key", "laravels-secret"
PUSHER_ON = {"LARAVELS_PUSHER": "true", "LARAVELS_PUSHER_CLIENT_EVENTS": "true"}

pytestmark = pytest.mark.laravel_only


@pytest.fixture(scope="module")
def server(module_laravel_app):
    s = Server(module_laravel_app, env=PUSHER_ON).start()
    yield s
    s.stop()


def ws_url(server, key=KEY, query="protocol=7&client=python&version=1.0"):
    return f"ws://127.0.0.1:{server.port}/app/{key}?{query}"


def receive(ws, timeout=5.0) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def data_of(message: dict):
    """The protocol's `data` is a JSON-encoded string in the server's events."""
    return json.loads(message["data"]) if isinstance(message["data"], str) else message["data"]


def established(ws) -> str:
    first = receive(ws)
    assert first["event"] == "pusher:connection_established", first
    data = data_of(first)
    return data["socket_id"]


def sign(text: str) -> str:
    return hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()


def subscribe(ws, channel: str, auth: str | None = None, channel_data: str | None = None) -> None:
    data = {"channel": channel}
    if auth is not None:
        data["auth"] = auth
    if channel_data is not None:
        data["channel_data"] = channel_data
    ws.send(json.dumps({"event": "pusher:subscribe", "data": data}))


def signed_private(ws, socket_id: str, channel: str) -> dict:
    subscribe(ws, channel, f"{KEY}:{sign(f'{socket_id}:{channel}')}")
    return receive(ws)


def node(scenario: str, server) -> dict:
    run = subprocess.run([NODE, str(PACKAGE / "pusher_client.mjs"), scenario, str(server.port), server.url, KEY],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\nserver log:\n{server.read_log()[-3000:]}"
    return json.loads(run.stdout)


needs_node = pytest.mark.skipif(NODE is None or not (PACKAGE / "node_modules" / "pusher-js").is_dir(),
                                reason="nodejs and tests/e2e/node/node_modules are installed by scripts/install-deps.sh")


# The protocol at its edges, with a plain WebSocket client.

def test_connection_established_carries_a_socket_id_and_the_activity_timeout(server):
    with connect(ws_url(server)) as ws:
        first = receive(ws)
        assert first["event"] == "pusher:connection_established"
        assert isinstance(first["data"], str), "data is a JSON-encoded string"
        data = json.loads(first["data"])
        left, _, right = data["socket_id"].partition(".")
        assert left.isdigit() and right.isdigit(), data
        assert data["activity_timeout"] == 120
        ws.send(json.dumps({"event": "pusher:ping", "data": {}}))
        assert receive(ws)["event"] == "pusher:pong"
    with connect(ws_url(server)) as ws2:
        assert established(ws2) != data["socket_id"], "each connection its own socket id"


def test_an_unknown_app_key_is_error_4001_then_closed(server):
    with connect(ws_url(server, key="wrong-key")) as ws:
        message = receive(ws)
        assert message["event"] == "pusher:error"
        assert message["data"]["code"] == 4001
        with pytest.raises(Exception):
            ws.recv(timeout=5)
        assert ws.close_code == 4001


def test_a_public_channel_gets_what_the_app_broadcasts(server):
    with connect(ws_url(server)) as ws:
        established(ws)
        subscribe(ws, "news")
        ok = receive(ws)
        assert ok["event"] == "pusher_internal:subscription_succeeded" and ok["channel"] == "news"
        with urllib.request.urlopen(f"{server.url}/broadcast/news/from-python") as resp:
            assert resp.status == 200
        event = receive(ws)
        assert event["event"] == "message.sent" and event["channel"] == "news"
        assert json.loads(event["data"]) == {"message": "from-python"}


def test_private_channels_need_the_apps_signature(server):
    with connect(ws_url(server)) as ws:
        socket_id = established(ws)
        ok = signed_private(ws, socket_id, "private-orders.1")
        assert ok["event"] == "pusher_internal:subscription_succeeded"
        # Signed for another socket, with another secret, or not at all: refused.
        for auth in [f"{KEY}:{sign('1.1:private-orders.2')}",
                     f"{KEY}:{hmac.new(b'other', f'{socket_id}:private-orders.2'.encode(), hashlib.sha256).hexdigest()}",
                     None]:
            subscribe(ws, "private-orders.2", auth)
            refusal = receive(ws)
            assert refusal["event"] == "pusher:subscription_error" and refusal["channel"] == "private-orders.2"
            error = receive(ws)
            assert error["event"] == "pusher:error" and error["data"]["code"] == 4009, error
        # Nothing is sent to a channel the connection could not join.
        urllib.request.urlopen(f"{server.url}/broadcast/private-orders.2/secret").read()
        urllib.request.urlopen(f"{server.url}/broadcast/private-orders.1/mine").read()
        event = receive(ws)
        assert event["channel"] == "private-orders.1" and json.loads(event["data"]) == {"message": "mine"}


def presence(ws, socket_id: str, channel: str, user_id, name: str) -> dict:
    channel_data = json.dumps({"user_id": user_id, "user_info": {"name": name}})
    subscribe(ws, channel, f"{KEY}:{sign(f'{socket_id}:{channel}:{channel_data}')}", channel_data)
    return receive(ws)


def test_presence_members_count_a_user_once_across_connections(server):
    channel = "presence-room.python"
    with connect(ws_url(server)) as a, connect(ws_url(server)) as b, connect(ws_url(server)) as c:
        sa, sb, sc = established(a), established(b), established(c)
        ok = presence(a, sa, channel, 1, "one")
        assert ok["event"] == "pusher_internal:subscription_succeeded"
        assert data_of(ok)["presence"] == {"ids": ["1"], "hash": {"1": {"name": "one"}}, "count": 1}
        ok = presence(b, sb, channel, 2, "two")
        assert data_of(ok)["presence"]["count"] == 2
        added = receive(a)
        assert added["event"] == "pusher_internal:member_added"
        assert data_of(added) == {"user_id": "2", "user_info": {"name": "two"}}
        # User 2 again, on a third connection: no new member.
        ok = presence(c, sc, channel, 2, "two")
        assert data_of(ok)["presence"]["count"] == 2
        c.send(json.dumps({"event": "pusher:unsubscribe", "data": {"channel": channel}}))
        b.close()
        removed = receive(a)
        assert removed["event"] == "pusher_internal:member_removed" and data_of(removed) == {"user_id": "2"}
        # Only one member_added and one member_removed reached A.
        a.send(json.dumps({"event": "pusher:ping", "data": {}}))
        assert receive(a)["event"] == "pusher:pong"


def test_client_events_reach_the_others_but_not_the_sender(server):
    with connect(ws_url(server)) as a, connect(ws_url(server)) as b:
        sa, sb = established(a), established(b)
        assert signed_private(a, sa, "private-orders.7")["event"] == "pusher_internal:subscription_succeeded"
        assert signed_private(b, sb, "private-orders.7")["event"] == "pusher_internal:subscription_succeeded"
        a.send(json.dumps({"event": "client-typing", "channel": "private-orders.7", "data": {"who": "a"}}))
        got = receive(b)
        assert got == {"event": "client-typing", "channel": "private-orders.7", "data": {"who": "a"}}
        a.send(json.dumps({"event": "pusher:ping", "data": {}}))
        assert receive(a)["event"] == "pusher:pong", "the sender does not get its own client event"
        # On a public channel client events are refused.
        subscribe(a, "news")
        receive(a)
        a.send(json.dumps({"event": "client-x", "channel": "news", "data": {}}))
        error = receive(a)
        assert error["event"] == "pusher:error" and error["data"]["code"] == 4301


def test_to_others_leaves_out_the_sockets_connection(server):
    with connect(ws_url(server)) as a, connect(ws_url(server)) as b:
        sa, _ = established(a), established(b)
        for ws in (a, b):
            subscribe(ws, "others")
            receive(ws)
        req = urllib.request.Request(f"{server.url}/broadcast/others/skip-a?others=1", headers={"X-Socket-ID": sa})
        assert json.loads(urllib.request.urlopen(req).read())["socket"] == sa
        assert json.loads(receive(b)["data"]) == {"message": "skip-a"}
        a.send(json.dumps({"event": "pusher:ping", "data": {}}))
        assert receive(a)["event"] == "pusher:pong", "A's connection was left out"


# The Pusher HTTP API, signed as the Pusher libraries sign it.

def api(server, method: str, path: str, body: dict | None = None, secret: str = SECRET, params: dict | None = None):
    raw = json.dumps(body).encode() if body is not None else b""
    query = {"auth_key": KEY, "auth_timestamp": str(int(time.time())), "auth_version": "1.0", **(params or {})}
    if raw:
        query["body_md5"] = hashlib.md5(raw).hexdigest()
    text = "\n".join([method, path, "&".join(f"{k}={query[k]}" for k in sorted(query))])
    query["auth_signature"] = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    url = f"{server.url}{path}?" + "&".join(f"{k}={v}" for k, v in query.items())
    req = urllib.request.Request(url, data=raw if method == "POST" else None, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_the_http_api_publishes_signed_events_and_refuses_others(server):
    with connect(ws_url(server)) as a, connect(ws_url(server)) as b:
        sa, _ = established(a), established(b)
        for ws in (a, b):
            subscribe(ws, "api-channel")
            receive(ws)
        path = f"/apps/{APP_ID}/events"
        status, body = api(server, "POST", path, {"name": "api.event", "channels": ["api-channel"], "data": '{"n":1}'})
        assert (status, body) == (200, {})
        for ws in (a, b):
            event = receive(ws)
            assert event == {"event": "api.event", "channel": "api-channel", "data": '{"n":1}'}
        # socket_id leaves that connection out.
        status, _ = api(server, "POST", path, {"name": "api.event", "channel": "api-channel", "data": "x", "socket_id": sa})
        assert status == 200
        assert receive(b)["data"] == "x"
        a.send(json.dumps({"event": "pusher:ping", "data": {}}))
        assert receive(a)["event"] == "pusher:pong"

        status, _ = api(server, "POST", path, {"name": "api.event", "channel": "api-channel", "data": "x"}, secret="wrong")
        assert status == 401
        status, _ = api(server, "POST", path, {"name": "api.event", "data": "x"})
        assert status == 400, "no channel"
        status, body = api(server, "POST", f"/apps/{APP_ID}/batch_events",
                           {"batch": [{"name": "b1", "channel": "api-channel", "data": "1"}, {"name": "b2", "channel": "api-channel", "data": "2"}]})
        assert status == 200
        assert [receive(b)["event"], receive(b)["event"]] == ["b1", "b2"]
        status, body = api(server, "GET", f"/apps/{APP_ID}/channels", params={"filter_by_prefix": "api-"})
        assert (status, body) == (200, {"channels": {"api-channel": {}}})


# pusher-js and Laravel Echo, as a Laravel front end uses them.

@needs_node
def test_echo_receives_a_public_broadcast(server):
    seen = node("public", server)
    assert seen["received"] == {"message": "hello-public"}
    assert "." in seen["socketId"]


@needs_node
def test_echo_private_channel_through_broadcasting_auth(server):
    seen = node("private", server)
    assert seen["received"] == {"message": "hello-private"}
    # The app's channels.php refuses user 1 on orders.2: /broadcasting/auth answers 403.
    assert seen["refused"]["type"] == "AuthError" and "403" in seen["refused"]["error"], seen


@needs_node
def test_echo_presence_whisper_and_to_others(server):
    seen = node("presence", server)
    assert seen["hereA"] == [{"id": 1, "name": seen["hereA"][0]["name"]}]
    assert sorted(m["id"] for m in seen["hereB"]) == [1, 2]
    assert seen["joining"]["id"] == 2
    assert seen["whisperToA"] == {"name": "user 2"}
    assert seen["whisperEchoedToB"] is None, "a client event is not echoed to its sender"
    assert seen["toOthersB"] == {"message": "not-for-a"}
    assert seen["toOthersA"] is None, "toOthers() left out the sender's socket"
    assert seen["leaving"]["id"] == 2
