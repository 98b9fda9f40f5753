"""A query through Eloquent from a resident worker: the one-query benchmark route."""
import httpx


def test_one_query_route_reads_the_seeded_row(server):
    # database/seeders/DatabaseSeeder.php seeds users 1-3; each worker answers from the
    # same sqlite file, so every request sees the same rows.
    for _ in range(4):
        r = httpx.get(server.url + "/api/db/2")
        assert r.status_code == 200
        assert r.json() == {"id": 2, "name": "bob", "email": "bob@example.test"}
    assert httpx.get(server.url + "/api/db/99").status_code == 404
