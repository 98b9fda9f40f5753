"""The Pusher server across two instances sharing one Redis (`websocket.pusher` with
`websocket.cluster`), with Python's websockets speaking the Pusher protocol.

Written from the README's cluster and Pusher sections and the Pusher protocol's
documented presence events: an event published on one instance (the app's broadcast(),
the HTTP API, a client event) reaches the subscribers of every instance once, and
`socket_id` / `toOthers()` leaves its connection out wherever it is; a presence channel
lists the members of every instance, a user counts once however many instances hold
their connections, `member_added` comes when they first appear anywhere and
`member_removed` when their last connection anywhere leaves; after a Redis restart
events cross again, none twice, and the members are put right.
"""
from __future__ import annotations

import json
import time
import urllib.request

import pytest
from websockets.sync.client import connect

from harness import cluster_node
from services import Redis
from test_pusher import APP_ID, KEY, PUSHER_ON, api, data_of, established, presence, receive, signed_private, subscribe, ws_url

pytestmark = pytest.mark.laravel_only


@pytest.fixture(scope="module")
def cluster(template_dir, tmp_path_factory):
    """Redis and two instances (nodes 1 and 2) with the Pusher server on."""
    redis = Redis(tmp_path_factory.mktemp("redis")).start()
    servers = []
    try:
        for node in (1, 2):
            servers.append(cluster_node(template_dir, tmp_path_factory, node, redis.port, env=PUSHER_ON))
        yield redis, servers[0], servers[1]
    finally:
        for s in servers:
            s.stop()
        redis.stop()


def quiet(ws) -> None:
    """Nothing else is waiting for `ws`: a ping is answered before anything late."""
    time.sleep(0.5)
    ws.send(json.dumps({"event": "pusher:ping", "data": {}}))
    got = receive(ws)
    assert got["event"] == "pusher:pong", f"unexpected {got}"


def joined(ws, channel: str) -> None:
    subscribe(ws, channel)
    assert receive(ws)["event"] == "pusher_internal:subscription_succeeded"


def until_crosses(publish, ws, channel: str, *also, timeout: float = 20.0) -> None:
    """Publishes on the other instance until `ws` gets it: the instances link through
    Redis a moment after they start. Then drains what the tries sent to `ws` and `also`."""
    deadline = time.monotonic() + timeout
    while True:
        publish("probe")
        try:
            while receive(ws, timeout=0.5).get("channel") != channel:
                pass
            break
        except TimeoutError:
            assert time.monotonic() < deadline, "the instances never linked"
    time.sleep(0.7)
    for each in (ws, *also):
        drain(each)


def drain(ws) -> None:
    while True:
        try:
            receive(ws, timeout=0.3)
        except TimeoutError:
            return


def broadcast(server, channel: str, message: str) -> None:
    with urllib.request.urlopen(f"{server.url}/broadcast/{channel}/{message}") as resp:
        assert resp.status == 200


def test_a_broadcast_on_one_instance_reaches_subscribers_of_both_once(cluster):
    _, a, b = cluster
    with connect(ws_url(a)) as on_a, connect(ws_url(b)) as on_b:
        established(on_a)
        assert int(established(on_b).split(".")[1]) >> 32 == 2, "socket ids carry the node's connection id"
        joined(on_a, "news")
        joined(on_b, "news")
        until_crosses(lambda m: broadcast(b, "news", m), on_a, "news", on_b)
        broadcast(b, "news", "from-b")
        for ws in (on_a, on_b):
            event = receive(ws)
            assert (event["event"], event["channel"], json.loads(event["data"])) == ("message.sent", "news", {"message": "from-b"})
        # The HTTP API of instance A, to subscribers on both.
        status, _ = api(a, "POST", f"/apps/{APP_ID}/events", {"name": "api.event", "channels": ["news"], "data": '{"n":2}'})
        assert status == 200
        for ws in (on_a, on_b):
            assert receive(ws) == {"event": "api.event", "channel": "news", "data": '{"n":2}'}
        quiet(on_a)
        quiet(on_b)


def test_socket_id_leaves_out_a_connection_held_by_the_other_instance(cluster):
    _, a, b = cluster
    with connect(ws_url(a)) as on_a, connect(ws_url(b)) as on_b:
        established(on_a)
        sb = established(on_b)
        joined(on_a, "others-x")
        joined(on_b, "others-x")
        until_crosses(lambda m: broadcast(a, "others-x", m), on_b, "others-x", on_a)
        req = urllib.request.Request(f"{a.url}/broadcast/others-x/skip-b?others=1", headers={"X-Socket-ID": sb})
        urllib.request.urlopen(req).read()
        assert json.loads(receive(on_a)["data"]) == {"message": "skip-b"}
        quiet(on_b)


def test_client_events_cross_instances(cluster):
    _, a, b = cluster
    with connect(ws_url(a)) as on_a, connect(ws_url(b)) as on_b:
        sa, sb = established(on_a), established(on_b)
        assert signed_private(on_a, sa, "private-chat.1")["event"] == "pusher_internal:subscription_succeeded"
        assert signed_private(on_b, sb, "private-chat.1")["event"] == "pusher_internal:subscription_succeeded"
        until_crosses(lambda m: broadcast(a, "private-chat.1", m), on_b, "private-chat.1", on_a)
        on_a.send(json.dumps({"event": "client-typing", "channel": "private-chat.1", "data": {"who": "a"}}))
        assert receive(on_b) == {"event": "client-typing", "channel": "private-chat.1", "data": {"who": "a"}}
        quiet(on_a)


def test_presence_members_are_shared_and_a_user_counts_once(cluster):
    _, a, b = cluster
    channel = "presence-lobby.1"
    with connect(ws_url(a)) as a1, connect(ws_url(b)) as b1, connect(ws_url(b)) as b2:
        s1, t1, t2 = established(a1), established(b1), established(b2)
        # Make sure the instances hear each other before the first member arrives.
        joined(a1, "lobby-probe")
        joined(b1, "lobby-probe")
        until_crosses(lambda m: broadcast(b, "lobby-probe", m), a1, "lobby-probe", b1)
        ok = presence(a1, s1, channel, 1, "one")
        assert data_of(ok)["presence"] == {"ids": ["1"], "hash": {"1": {"name": "one"}}, "count": 1}
        deadline = time.monotonic() + 10
        while True:
            ok = presence(b1, t1, channel, 2, "two")
            if data_of(ok)["presence"]["count"] == 2:
                break
            # User 1's arrival has not reached B yet: leave and try again, after the
            # member_added it may bring meanwhile (and any late event of the channel).
            b1.send(json.dumps({"event": "pusher:unsubscribe", "data": {"channel": channel}}))
            drain(b1)
            assert time.monotonic() < deadline, f"B never listed A's member: {ok}"
            time.sleep(0.3)
        assert data_of(ok)["presence"] == {"ids": ["1", "2"], "hash": {"1": {"name": "one"}, "2": {"name": "two"}}, "count": 2}
        # A saw user 2 arrive; each retry above also showed it leave and come back.
        seen = [receive(a1)]
        time.sleep(0.5)
        while True:
            try:
                seen.append(receive(a1, timeout=0.3))
            except TimeoutError:
                break
        added = {"event": "pusher_internal:member_added", "channel": channel, "data": {"user_id": "2", "user_info": {"name": "two"}}}
        removed = {"event": "pusher_internal:member_removed", "channel": channel, "data": {"user_id": "2"}}
        assert [{**m, "data": data_of(m)} for m in seen] == [added, removed] * (len(seen) // 2) + [added], seen
        # User 1 again, on instance B: still one member; nobody is told of an arrival.
        ok = presence(b2, t2, channel, 1, "one")
        assert data_of(ok)["presence"]["count"] == 2
        quiet(b1)
        # User 1 leaves instance A but is still on B: not removed.
        a1.send(json.dumps({"event": "pusher:unsubscribe", "data": {"channel": channel}}))
        quiet(b1)
        # Their last connection anywhere goes: removed, once.
        b2.close()
        removed = receive(b1)
        assert removed["event"] == "pusher_internal:member_removed" and data_of(removed) == {"user_id": "1"}
        # User 2 leaves B: A, back on the channel, sees them go.
        ok = presence(a1, s1, channel, 3, "three")
        assert data_of(ok)["presence"]["count"] == 2, ok
        b1.close()
        removed = receive(a1)
        assert removed["event"] == "pusher_internal:member_removed" and data_of(removed) == {"user_id": "2"}
        quiet(a1)


def member_event(ws, event: str, user_id: str, timeout: float = 20) -> None:
    """The next message on `ws` announces `user_id` arriving or leaving."""
    got = receive(ws, timeout=timeout)
    assert got["event"] == f"pusher_internal:{event}" and data_of(got)["user_id"] == user_id, got


def test_after_a_redis_restart_events_cross_again_once_and_members_are_put_right(cluster):
    redis, a, b = cluster
    channel = "presence-restart.1"
    with connect(ws_url(a)) as on_a, connect(ws_url(b)) as on_b:
        sa, sb = established(on_a), established(on_b)
        joined(on_a, "restart-news")
        joined(on_b, "restart-news")
        until_crosses(lambda m: broadcast(a, "restart-news", m), on_b, "restart-news", on_a)
        assert data_of(presence(on_b, sb, channel, 20, "twenty"))["presence"]["ids"] == ["20"]
        ok = presence(on_a, sa, channel, 21, "twenty-one")
        if "20" not in data_of(ok)["presence"]["ids"]:
            member_event(on_a, "member_added", "20")
        member_event(on_b, "member_added", "21")

        redis.stop()
        # Each instance still serves its own subscribers.
        broadcast(a, "restart-news", "during")
        assert json.loads(receive(on_a)["data"]) == {"message": "during"}
        # Cut off, each instance stops counting the other's members.
        member_event(on_a, "member_removed", "20")
        member_event(on_b, "member_removed", "21")
        redis.start()
        deadline = time.monotonic() + 30
        for server in (a, b):
            while "is back: pushes between instances resume" not in server.read_log() + "".join(server.output):
                assert time.monotonic() < deadline, server.read_log()[-2000:]
                time.sleep(0.2)
        # The rosters exchanged on relinking bring them back, once each.
        member_event(on_a, "member_added", "20")
        member_event(on_b, "member_added", "21")
        # Numbered events after the link is back: every one arrives once, in order.
        until_crosses(lambda m: broadcast(a, "restart-news", m), on_b, "restart-news", on_a)
        for n in range(5):
            broadcast(a, "restart-news", f"after-{n}")
        for ws in (on_b, on_a):
            got = [json.loads(receive(ws)["data"])["message"] for _ in range(5)]
            assert got == [f"after-{n}" for n in range(5)]
            quiet(ws)
