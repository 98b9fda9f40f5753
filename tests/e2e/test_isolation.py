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


def test_singletons_stay_resident_and_config_is_reset_between_requests(server):
    """Seed README 单例问题: a singleton lives as long as its worker (unless a cleaner or
    register_providers resets it), so each worker's counter goes 1, 2, 3...; a config value
    set in a request is put back."""
    with httpx.Client(base_url=server.url) as c:
        seen = {}
        for _ in range(8):
            r = c.get("/singleton").json()
            seen.setdefault(r["pid"], []).append(r["count"])
        for pid, counts in seen.items():
            assert counts == list(range(1, len(counts) + 1)), f"worker {pid}: the singleton is resident"
        assert max(len(v) for v in seen.values()) > 1
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
