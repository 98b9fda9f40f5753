"""Two instances of the example app behind one Redis (`websocket.cluster`), end to end.

Written from the README's cluster section: connection ids carry the node (`node * 2^32 +
n`); push, disconnect, exists and isEstablished accept another instance's id; pushAll()
and pushToUid() reach the connections of every instance; an instance that loses Redis
keeps serving its own clients, and pushes between instances resume, none twice, once
Redis is back. The handler is App\\Services\\EchoWebSocket (`!push`, `!pushall`,
`!pushuid`, `!kick`, `!exists`, `!bind`).
"""
from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from harness import Server, cluster_node
from services import Redis

ECHO = {"websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"}, "swoole": {"dispatch_mode": 2}}
NODE_BIT = 1 << 32


def run(coro, timeout: float = 60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture(scope="module")
def cluster(template_dir, tmp_path_factory):
    """Redis and two instances (nodes 1 and 2) sharing it, through the .env variables."""
    redis = Redis(tmp_path_factory.mktemp("redis")).start()
    servers = []
    try:
        for node in (1, 2):
            servers.append(cluster_node(template_dir, tmp_path_factory, node, redis.port, overrides=ECHO))
        yield redis, servers[0], servers[1]
    finally:
        for s in servers:
            s.stop()
        redis.stop()


def url(server: Server) -> str:
    return f"ws://127.0.0.1:{server.port}/ws"


async def opened(server: Server):
    """A client and its fd, read from onOpen's greeting."""
    ws = await connect(url(server))
    fd = json.loads(await ws.recv())["open"]["fd"]
    return ws, fd


async def ask(ws, command: str):
    await ws.send(command)
    return json.loads(await ws.recv())


async def nothing_more(ws, wait: float = 0.7) -> None:
    """Nothing arrives within `wait` seconds: an echo comes back before anything late."""
    await asyncio.sleep(wait)
    await ws.send("sentinel")
    assert await ws.recv() == "sentinel", "a message arrived twice or late"


async def until(check, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def linked(ws, remote_fd: int) -> None:
    """Waits until this instance sees the other one (its hello came through Redis)."""
    await until(lambda: established(ws, remote_fd), f"fd {remote_fd} to count as established")


async def established(ws, fd: int) -> bool:
    return (await ask(ws, f"!exists {fd}"))["established"]


def test_fd_ids_carry_the_node_and_are_accepted_by_exist_and_push(cluster):
    _, a, b = cluster

    async def scenario():
        wa, fa = await opened(a)
        wb, fb = await opened(b)
        assert fa >> 32 == 1 and fb >> 32 == 2, (fa, fb)
        assert fa != fb and 0 < fa % NODE_BIT < 1000 and 0 < fb % NODE_BIT < 1000
        await linked(wa, fb)
        await linked(wb, fa)
        assert await ask(wa, f"!exists {fb}") == {"exists": True, "established": True}
        assert await ask(wb, f"!exists {fa}") == {"exists": True, "established": True}
        # A node nobody runs: not reachable, so not open and nothing is sent.
        assert await ask(wa, f"!exists {3 * NODE_BIT + 1}") == {"exists": False, "established": False}
        assert await ask(wa, f"!push {3 * NODE_BIT + 1} lost") == {"pushed": False}
        # This instance's own ids are still looked up in its client list.
        assert await ask(wa, f"!exists {fa}") == {"exists": True, "established": True}
        assert await ask(wa, f"!exists {fa + 500}") == {"exists": False, "established": False}
        await wa.close()
        await wb.close()
    run(scenario())


def test_a_push_from_a_reaches_a_client_on_b_once(cluster):
    _, a, b = cluster

    async def scenario():
        wa, _ = await opened(a)
        wb, fb = await opened(b)
        await linked(wa, fb)
        assert await ask(wa, f"!push {fb} hello from a") == {"pushed": True}
        assert await asyncio.wait_for(wb.recv(), 5) == "hello from a"
        await wa.send(b"\x00\xff")
        assert await wa.recv() == b"\x00\xff", "A's own echo is unaffected"
        await nothing_more(wb)
        await wa.close()
        await wb.close()
    run(scenario())


def test_pushall_reaches_every_client_of_both_instances_once(cluster):
    _, a, b = cluster

    async def scenario():
        (wa1, _), (wa2, _), (wb1, fb1), (wb2, _) = [await opened(s) for s in (a, a, b, b)]
        await linked(wa1, fb1)
        await wa1.send("!pushall to everyone")
        got = {await wa1.recv(), await wa1.recv()}
        assert got == {"to everyone", json.dumps({"pushedAll": True}, separators=(",", ":"))}
        for ws in (wa2, wb1, wb2):
            assert await asyncio.wait_for(ws.recv(), 5) == "to everyone"
        for ws in (wa1, wa2, wb1, wb2):
            await nothing_more(ws, 0.3)
            await ws.close()
    run(scenario())


def test_a_push_to_a_uid_bound_on_b_arrives_from_a(cluster):
    _, a, b = cluster

    async def scenario():
        wa, _ = await opened(a)
        wb_bound, fb = await opened(b)
        wb_other, _ = await opened(b)
        wa_bound, _ = await opened(a)
        assert (await ask(wb_bound, "!bind 7007"))["bound"] is True
        assert (await ask(wa_bound, "!bind 7007"))["bound"] is True
        await linked(wa, fb)
        assert await ask(wa, "!pushuid 7007 for uid 7007") == {"pushedToUid": True}
        assert await asyncio.wait_for(wb_bound.recv(), 5) == "for uid 7007"
        assert await asyncio.wait_for(wa_bound.recv(), 5) == "for uid 7007"
        for ws in (wb_bound, wa_bound, wb_other):
            await nothing_more(ws, 0.3)
        for ws in (wa, wb_bound, wb_other, wa_bound):
            await ws.close()
    run(scenario())


def test_disconnect_closes_a_client_on_the_other_instance(cluster):
    _, a, b = cluster

    async def scenario():
        wa, _ = await opened(a)
        wb, fb = await opened(b)
        await linked(wa, fb)
        assert await ask(wa, f"!kick {fb}") == {"kicked": True}
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(wb.recv(), 5)
        assert closed.value.rcvd.code == 4000 and closed.value.rcvd.reason == "kicked"
        await wa.close()
    run(scenario())


def test_a_redis_restart_keeps_local_pushes_and_resumes_cross_instance_ones(cluster):
    redis, a, b = cluster

    async def scenario():
        wa1, _ = await opened(a)
        wa2, fa2 = await opened(a)
        wb, fb = await opened(b)
        await linked(wa1, fb)

        redis.stop()
        # This instance's own clients are served as before.
        assert await ask(wa1, f"!push {fa2} local while down") == {"pushed": True}
        assert await asyncio.wait_for(wa2.recv(), 5) == "local while down"
        # Once A knows Redis is gone, B's connections are not reachable: nothing is sent.
        await until(lambda: not_established(wa1, fb), "B to count as unreachable")
        assert await ask(wa1, f"!push {fb} lost") == {"pushed": False}
        await wa1.send("!pushall local only")
        assert {await wa1.recv(), await wa1.recv()} == {"local only", json.dumps({"pushedAll": True}, separators=(",", ":"))}
        assert await asyncio.wait_for(wa2.recv(), 5) == "local only"

        redis.start()
        await linked(wa1, fb)
        assert await ask(wa1, f"!push {fb} after the restart") == {"pushed": True}
        assert await asyncio.wait_for(wb.recv(), 5) == "after the restart", "what was pushed during the outage is not delivered late"
        await nothing_more(wb)
        await nothing_more(wa2)
        for ws in (wa1, wa2, wb):
            await ws.close()
    run(scenario(), 90)
    for server in (a, b):
        log = server.read_log() + "".join(server.output)
        assert log.count(" unreachable (") == 1, log[-3000:]
        assert log.count("is back: pushes between instances resume") == 1, log[-3000:]


async def not_established(ws, fd: int) -> bool:
    return not await established(ws, fd)
