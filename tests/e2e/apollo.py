"""An Apollo config service for the tests, written from Apollo's open API as documented:

- `GET /configs/{appId}/{cluster}/{namespace}?releaseKey=&ip=`: 200 with
  `{appId, cluster, namespaceName, configurations, releaseKey}`, 304 when `releaseKey` is
  the current one, 404 for an unknown app, cluster or namespace;
- `GET /notifications/v2?appId=&cluster=&notifications=[{namespaceName, notificationId}]`:
  answered at once with the namespaces whose notification id differs from the client's,
  else held until a release (up to `hold` seconds, 60 in Apollo) and then 304.

`publish()` makes a release of one namespace: a new release key, the next notification id,
and every held poll for it is answered.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


class Apollo:
    def __init__(self, app_id: str, cluster: str = "default", hold: float = 60):
        self.app_id, self.cluster, self.hold = app_id, cluster, hold
        self.namespaces: dict[str, dict] = {}
        self.requests: list[str] = []
        self.changed = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                status, body = outer.answer(self.path)
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "Apollo":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        with self.changed:
            self.hold = 0
            self.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    def publish(self, namespace: str, configurations: dict[str, str]) -> None:
        with self.changed:
            current = self.namespaces.get(namespace, {"id": 0})
            n = current["id"] + 1
            self.namespaces[namespace] = {"id": n, "release": f"20261204-{namespace}-{n}", "configurations": dict(configurations)}
            self.changed.notify_all()

    def answer(self, path: str) -> tuple[int, object]:
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = [unquote(p) for p in url.path.split("/") if p]
        if len(parts) == 4 and parts[0] == "configs":
            _, app, cluster, namespace = parts
            with self.changed:
                ns = self.namespaces.get(namespace)
            if app != self.app_id or cluster != self.cluster or ns is None:
                return 404, {"status": 404, "message": f"Could not load configurations with appId: {app}, cluster: {cluster}, namespace: {namespace}"}
            if query.get("releaseKey") == ns["release"]:
                return 304, None
            return 200, {"appId": app, "cluster": cluster, "namespaceName": namespace, "configurations": ns["configurations"], "releaseKey": ns["release"]}
        if parts == ["notifications", "v2"]:
            if query.get("appId") != self.app_id or query.get("cluster", "default") != self.cluster:
                return 404, {"status": 404}
            wanted = {n["namespaceName"]: n["notificationId"] for n in json.loads(query.get("notifications", "[]"))}
            with self.changed:
                def news():
                    return [
                        {"namespaceName": name, "notificationId": self.namespaces[name]["id"],
                         "messages": {"details": {f"{self.app_id}+{self.cluster}+{name}": self.namespaces[name]["id"]}}}
                        for name, seen in wanted.items()
                        if name in self.namespaces and self.namespaces[name]["id"] != seen
                    ]
                self.changed.wait_for(lambda: news() or self.hold == 0, timeout=self.hold)
                found = news()
            return (200, found) if found else (304, None)
        return 404, {"status": 404}


def dotenv_values(text: str) -> dict[str, str]:
    """The KEY=VALUE lines of a simple .env file (the example apps' own)."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip('"')
    return values
