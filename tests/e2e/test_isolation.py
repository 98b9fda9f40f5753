"""One request's state never reaches the next: sessions, users, singletons, config."""
import httpx
import pytest


@pytest.mark.laravel_only  # Lumen has no session and no session guard
def test_a_users_session_and_login_are_not_seen_by_another_client(server):
    alice = httpx.Client(base_url=server.url)
    other = httpx.Client(base_url=server.url)
    assert alice.get("/login/1").json() == {"id": 1}
    assert alice.get("/me").json() == {"id": 1}, "the session keeps alice logged in"
    assert alice.get("/session/put/secret").json() == {"v": "secret"}
    for _ in range(6):  # both workers, several times
        assert other.get("/me").json() == {"id": None}
        assert other.get("/session/get").json() == {"v": None}
    assert alice.get("/session/get").json() == {"v": "secret"}


def test_singletons_and_config_are_reset_between_requests(server):
    with httpx.Client(base_url=server.url) as c:
        counts = {c.get("/singleton").json()["count"] for _ in range(6)}
        assert counts == {1}, "a singleton made during a request does not outlive it"
        assert c.get("/config-set/changed").json() == {"v": "changed"}
        for _ in range(4):
            assert c.get("/config-get").json() == {"v": None}


def test_app_swoole_is_the_server_object(server):
    r = httpx.get(server.url + "/pid").json()
    assert r["worker_id"] in (0, 1)
    assert r["swoole_http_server"] is True


@pytest.mark.laravel_only  # flash data lives in the session, which Lumen lacks
def test_redirect_with_flash_data_reaches_only_its_own_client(server):
    alice = httpx.Client(base_url=server.url, follow_redirects=True)
    other = httpx.Client(base_url=server.url)
    for i in range(4):  # every worker, several times
        r = alice.get(f"/flash/set/v{i}")
        assert r.json() == {"flashed": f"v{i}"}
        assert alice.get("/flash/get").json() == {"flashed": None}, "flash data lasts one request"
        assert other.get("/flash/get").json() == {"flashed": None}
