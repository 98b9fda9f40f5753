"""Laravel Broadcasting to a browser across two instances: headless Chromium loads a page
using Laravel Echo and pusher-js (tests/e2e/node/echo.html) through a real nginx that
balances two instances of the example app sharing one real Redis (`websocket.cluster`
with `websocket.pusher` on).

Written from the README (the cluster and Laravel Broadcasting sections) and Echo's
documented API: a socket id is "<random>.<fd>" and an fd is `node * 2^32 + n`, so the test
knows which instance holds the page's connection and has the *other* one broadcast, by a
plain HTTP request to that instance's own port (the example app's /broadcast route,
`broadcast(new PusherMessage)` in a controller). Presence members on the two instances see
each other (`here`, `joining`, `leaving`), and after a Redis restart every event published
once both instances say the link is back arrives exactly once.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from browser import CHROMIUM, BrowserError, Chromium
from harness import Server, cluster_node, free_port
from services import NGINX, REDIS_SERVER, Nginx, Redis

KEY = "laravels-key"  # the example apps' .env.example (PUSHER_APP_KEY)
NODE_MODULES = Path(__file__).parent / "node" / "node_modules"
ASSETS = {
    "echo.html": Path(__file__).parent / "node" / "echo.html",
    "js/pusher.js": NODE_MODULES / "pusher-js" / "dist" / "web" / "pusher.js",
    "js/echo.iife.js": NODE_MODULES / "laravel-echo" / "dist" / "echo.iife.js",
}
BACK = "is back: pushes between instances resume"

pytestmark = [
    pytest.mark.laravel_only,  # sessions, /broadcasting/auth and the PusherMessage route
    pytest.mark.skipif(CHROMIUM is None or NGINX is None or REDIS_SERVER is None,
                       reason="chromium, nginx and redis-server are installed by scripts/install-deps.sh"),
    pytest.mark.skipif(not all(p.is_file() for p in ASSETS.values()),
                       reason="pusher-js and laravel-echo are installed in tests/e2e/node by scripts/install-deps.sh"),
]


def env_of(node: int, redis: Redis) -> dict:
    return {
        "LARAVELS_WS_CLUSTER_REDIS": f"tcp://127.0.0.1:{redis.port}",
        "LARAVELS_WS_CLUSTER_NODE": str(node),
        "LARAVELS_PUSHER": "true",
        # Behind a balancer a session must be readable by every instance: the cookie
        # driver keeps it in the browser (the app copies share APP_KEY).
        "SESSION_DRIVER": "cookie",
    }


# The README's headers for a proxied WebSocket (Upgrade, Connection), on the Pusher path.
HTTP = """
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream laravels {{
        server 127.0.0.1:{a};
        server 127.0.0.1:{b};
    }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /echo.html {{ }}
        location /js/ {{ }}
        location /app/ {{
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
            proxy_pass http://laravels;
        }}
        location / {{
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_pass http://laravels;
        }}
    }}
"""


@pytest.fixture(scope="module")
def cluster(template_dir, tmp_path_factory):
    """Redis, nodes 1 and 2 sharing it, and nginx in front of both serving the page."""
    redis = Redis(tmp_path_factory.mktemp("redis")).start()
    servers: list[Server] = []
    front = None
    try:
        for node in (1, 2):
            # The Pusher server alone, without websocket.enable (README: enough for the cluster).
            servers.append(cluster_node(template_dir, tmp_path_factory, node, redis.port, env=env_of(node, redis)))
        root = tmp_path_factory.mktemp("front")
        for name, source in ASSETS.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, root / name)
        port = free_port()
        http = HTTP.format(a=servers[0].port, b=servers[1].port, port=port, root=root)
        front = Nginx(tmp_path_factory.mktemp("nginx"), http, port).start()
        yield redis, {1: servers[0], 2: servers[1]}, front
    finally:
        if front:
            front.stop()
        for s in servers:
            s.stop()
        redis.stop()


def run(coro, timeout: float = 120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def node_of(socket_id: str) -> int:
    """The instance holding a connection: its fd is the socket id's second half."""
    fd = int(socket_id.split(".")[1])
    return fd >> 32


def broadcast(server: Server, channel: str, message: str) -> None:
    """The example app's controller: broadcast(new PusherMessage) on this instance."""
    r = httpx.get(f"{server.url}/broadcast/{channel}/{message}", timeout=10, trust_env=False)
    assert r.status_code == 200, r.text


@contextlib.asynccontextmanager
async def echo_page(tmp_path: Path, name: str, front: Nginx, user: int):
    """A browser of its own (its own cookies) signed in as `user` through nginx, on the
    Echo page; yields the page once pusher-js is connected."""
    with Chromium(tmp_path / name / "profile") as browser:
        async with browser.page() as page:
            await page.navigate(f"{front.url}/login/{user}")
            assert json.loads(await page.evaluate("document.body.innerText")) == {"id": user}
            await page.navigate(f"{front.url}/echo.html?key={KEY}")
            await page.wait_for("seen.socketId")
            yield page


async def node_of_page(page) -> int:
    return node_of(await page.wait_for("seen.socketId"))


async def reload_onto(page, front: Nginx, node: int, tries: int = 12) -> None:
    """Reloads the page until nginx gave its connection to `node` (nginx picks an
    instance per connection; the page has not subscribed to anything yet)."""
    for attempt in range(tries):
        if await node_of_page(page) == node:
            return
        await page.navigate(f"{front.url}/echo.html?key={KEY}&try={attempt}")
        await page.wait_for("seen.socketId")
    pytest.fail(f"nginx never put the page on node {node} in {tries} connections")


async def subscribed(page, *names: str) -> None:
    """Waits until each channel's subscription succeeded (none was refused)."""
    await page.wait_for(f"seen.errors.length || {json.dumps(list(names))}.every((n) => seen.subscribed.includes(n))")
    assert await page.evaluate("seen.errors") == [], "a subscription was refused"


async def arrived(page, channel: str, message: str) -> None:
    try:
        await page.wait_for(f"count({json.dumps(channel)}, {json.dumps(message)}) > 0", timeout=10)
    except BrowserError:
        pytest.fail(f"{message!r} on {channel} did not reach the browser in 10 s; it saw {await page.evaluate('seen.events')}")


async def received(page) -> Counter:
    return Counter((e["channel"], e["message"]) for e in await page.evaluate("seen.events"))


def until(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def log_of(server: Server) -> str:
    return server.read_log() + "".join(server.output)


def test_events_from_the_other_instance_reach_echo_on_public_private_and_presence_channels(cluster, tmp_path):
    _, instances, front = cluster

    async def scenario():
        async with echo_page(tmp_path, "alice", front, 1) as page:
            node = await node_of_page(page)
            assert node in (1, 2), "the socket id's fd carries the node (README: node * 2^32 + n)"
            here, other = instances[node], instances[3 - node]
            await page.evaluate("subscribe({publicName: 'news', privateName: 'orders.1', room: 'room.lobby'})")
            channels = ("news", "private-orders.1", "presence-room.lobby")
            await subscribed(page, *channels)
            members = await page.evaluate("seen.here['room.lobby']")
            assert [m["id"] for m in members] == [1] and isinstance(members[0]["name"], str), members

            # The instance holding the connection, then the other one.
            expected = Counter()
            for server, origin in ((here, "same"), (other, "other")):
                for channel in channels:
                    message = f"{origin}-{channel}"
                    broadcast(server, channel, message)
                    await arrived(page, channel, message)
                    expected[(channel, message)] += 1
            # A last one from the other instance: once it is in, a copy of any earlier one would be too.
            broadcast(other, "news", "last")
            await arrived(page, "news", "last")
            expected[("news", "last")] += 1
            assert await received(page) == expected, "each event arrives once"
            assert await page.evaluate("seen.states.filter((s) => s === 'connected').length") == 1, "never reconnected"
    run(scenario())


def test_presence_members_on_two_instances_see_each_other(cluster, tmp_path):
    _, instances, front = cluster

    async def scenario():
        async with echo_page(tmp_path, "alice", front, 1) as alice, echo_page(tmp_path, "bob", front, 2) as bob:
            node_a = await node_of_page(alice)
            await reload_onto(bob, front, 3 - node_a)

            await alice.evaluate("subscribe({room: 'room.across'})")
            await subscribed(alice, "presence-room.across")
            assert [m["id"] for m in await alice.wait_for("seen.here['room.across']")] == [1]

            await bob.evaluate("subscribe({room: 'room.across'})")
            await subscribed(bob, "presence-room.across")
            here_b = await bob.wait_for("seen.here['room.across']")
            assert sorted(m["id"] for m in here_b) == [1, 2], "Bob sees Alice, a member on the other instance"
            joining = await alice.wait_for("seen.joining.length && seen.joining")
            assert [m["id"] for m in joining] == [2], "Alice sees Bob join on the other instance"

            # One broadcast reaches members on both instances.
            broadcast(instances[node_a], "presence-room.across", "to-both")
            await arrived(alice, "presence-room.across", "to-both")
            await arrived(bob, "presence-room.across", "to-both")

            await bob.call("Page.close")  # Bob closes the tab
            leaving = await alice.wait_for("seen.leaving.length && seen.leaving")
            assert [m["id"] for m in leaving] == [2], "Alice sees Bob leave the other instance"
            assert len(await alice.evaluate("seen.joining")) == 1, "Bob joined once"
    run(scenario())


def test_after_a_redis_restart_every_event_arrives_once(cluster, tmp_path):
    redis, instances, front = cluster

    async def scenario():
        async with echo_page(tmp_path, "alice", front, 1) as alice, echo_page(tmp_path, "bob", front, 2) as bob:
            node_a = await node_of_page(alice)
            await reload_onto(bob, front, 3 - node_a)
            ids = {page: await page.evaluate("seen.socketId") for page in (alice, bob)}
            here, other = instances[node_a], instances[3 - node_a]  # Alice's instance, Bob's
            for page in (alice, bob):
                await page.evaluate("subscribe({publicName: 'restart', room: 'room.restart'})")
                await subscribed(page, "restart", "presence-room.restart")
            await alice.wait_for("seen.joining.some((m) => m.id === 2)")
            broadcast(other, "restart", "before")
            for page in (alice, bob):
                await arrived(page, "restart", "before")

            backs = [log_of(s).count(BACK) for s in (here, other)]
            redis.stop()
            # While Redis is down an event reaches its own instance's subscribers only.
            broadcast(other, "restart", "during-outage")
            broadcast(here, "restart", "local-during-outage")
            await arrived(bob, "restart", "during-outage")
            await arrived(alice, "restart", "local-during-outage")
            # An instance not heard from for 7 s has its members removed.
            await alice.wait_for("seen.leaving.some((m) => m.id === 2)", timeout=20)
            await bob.wait_for("seen.leaving.some((m) => m.id === 1)", timeout=20)

            redis.start()
            until(lambda: [log_of(s).count(BACK) for s in (here, other)] == [n + 1 for n in backs],
                  "both instances to log that the link to Redis is back")
            # The member lists are exchanged again: each sees the other come back.
            await alice.wait_for("seen.joining.filter((m) => m.id === 2).length === 2")
            await bob.wait_for("seen.joining.some((m) => m.id === 1)")

            numbered = [f"after-{i}" for i in range(1, 11)]
            for message in numbered:
                broadcast(other, "restart", message)
            broadcast(other, "restart", "last")
            for page in (alice, bob):
                for message in [*numbered, "last"]:
                    await arrived(page, "restart", message)

            after = ["before", *numbered, "last"]
            assert await received(alice) == Counter(("restart", m) for m in [*after, "local-during-outage"]), \
                "each event published while linked arrives once; Bob's instance's event during the outage never"
            assert await received(bob) == Counter(("restart", m) for m in [*after, "during-outage"])
            for page in (alice, bob):
                assert await page.evaluate("seen.socketId") == ids[page]
                assert await page.evaluate("seen.states.filter((s) => s === 'connected').length") == 1, \
                    "the browser's connection outlived the Redis restart"
    run(scenario())
