"""Forwarded headers (X-Real-IP, Scheme ...) count only from a peer in trusted_proxies,
which is empty by default."""
import httpx

from harness import Server


def test_forwarded_headers_need_a_trusted_proxy(laravel_app):
    """trusted_proxies defaults to none (Laravel's TrustProxies trusts nobody until told):
    a local process cannot claim a client address or https; one throttled log line says
    the headers were ignored."""
    spoof = {"X-Real-IP": "203.0.113.9", "X-Real-PORT": "4444", "Scheme": "https"}
    with Server(laravel_app) as s:
        for _ in range(3):
            seen = httpx.get(s.url + "/echo", headers=spoof).json()
            assert (seen["ip"], seen["secure"]) == ("127.0.0.1", False), seen
            assert int(seen["server"]["REMOTE_PORT"]) != 4444
        assert httpx.get(s.url + "/echo").status_code == 200
        log = s.read_log()
        assert log.count("ignored X-Real-IP/Scheme/Server-Port headers") == 1, log
        assert "the last from 127.0.0.1, which is not in trusted_proxies" in log and "trusted_proxies" in log
    with Server(laravel_app, overrides={"trusted_proxies": ["127.0.0.1"]}) as s:
        seen = httpx.get(s.url + "/echo", headers=spoof).json()
        assert (seen["ip"], seen["secure"]) == ("203.0.113.9", True), "the README's nginx setting"
        assert "ignored X-Real-IP" not in s.read_log()
