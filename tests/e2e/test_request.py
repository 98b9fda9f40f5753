"""What the application sees of a request: the same as under php-fpm."""
import hashlib
import json
import re
import subprocess
from pathlib import Path

import httpx

from harness import FRAMEWORK, IS_LUMEN


def test_home_page_names_the_framework_and_php_it_runs_on(server):
    page = httpx.get(server.url + "/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    php = subprocess.run(["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True, check=True).stdout
    assert f"on PHP {php}<" in page.text, page.text
    major = re.sub(r"\D", "", FRAMEWORK)
    # Laravel's version() is "10.48.29"; Lumen's "Lumen (10.0.4) (Laravel Components ^10.0)".
    framework = rf"Lumen \({major}\.\d+\.\d+\)" if IS_LUMEN else rf"Laravel {major}\.\d+\.\d+"
    assert re.search(framework, page.text), page.text


def test_method_uri_query_headers_and_server_params(server):
    r = httpx.get(server.url + "/echo?a=1&list[]=x&list[]=y&nested[k]=v", headers={"X-Custom": "yes", "Accept": "application/json"})
    body = r.json()
    assert body["method"] == "GET"
    assert body["path"] == "echo"
    assert body["query"] == {"a": "1", "list": ["x", "y"], "nested": {"k": "v"}}
    assert body["headers"]["x-custom"] == ["yes"]
    assert body["url"].startswith(f"http://127.0.0.1:{server.port}/echo?")
    srv = body["server"]
    assert srv["REMOTE_ADDR"] == "127.0.0.1" and body["ip"] == "127.0.0.1"
    assert int(srv["REMOTE_PORT"]) > 0
    assert int(srv["SERVER_PORT"]) == server.port
    assert abs(float(srv["REQUEST_TIME_FLOAT"]) - int(srv["REQUEST_TIME"])) < 1.0
    assert srv["HTTPS"] is None and body["secure"] is False and body["scheme"] == "http"


def test_cookies_are_parsed_like_php(server):
    r = httpx.get(server.url + "/echo", headers={"Cookie": "a=1; b=hello%20world; a=ignored"})
    assert r.json()["cookies"] == {"a": "1", "b": "hello world"}


def test_form_json_and_method_override(server):
    form = httpx.post(server.url + "/echo", data={"name": "Ann", "tags[]": ["x", "y"]}).json()
    assert form["method"] == "POST" and form["input"] == {"name": "Ann", "tags": ["x", "y"]}
    payload = {"user": {"id": 7, "roles": ["a", "b"]}, "ok": True}
    js = httpx.post(server.url + "/echo", json=payload).json()
    assert js["json"] == payload and js["input"] == payload
    raw = json.dumps(payload, separators=(",", ":")).encode()
    assert js["content_md5"] == hashlib.md5(raw).hexdigest(), "getContent() is the raw body"
    put = httpx.post(server.url + "/echo", data={"_method": "PUT", "v": "1"}).json()
    assert put["method"] == "PUT" and put["input"]["v"] == "1"


def test_binary_body_arrives_intact(server):
    blob = bytes(range(256)) * 64
    r = httpx.post(server.url + "/echo", content=blob, headers={"Content-Type": "application/octet-stream"})
    assert r.json()["content_length"] == len(blob)
    assert r.json()["content_md5"] == hashlib.md5(blob).hexdigest()


def test_multipart_uploads_store_and_move(server, tmp_path):
    a = bytes(range(256)) * 300
    b = b"second file\n" * 1000
    files = [("photo", ("a.bin", a, "application/octet-stream")), ("docs[]", ("b.txt", b, "text/plain"))]
    r = httpx.post(server.url + "/upload", files=files, data={"title": "t"})
    assert r.status_code == 200, r.text
    body = r.json()
    described = {f["name"]: f for f in body["files"]}
    assert described["photo"]["md5"] == hashlib.md5(a).hexdigest()
    assert described["photo"]["size"] == len(a) and described["photo"]["valid"] is True
    assert described["photo"]["original_name"] == "a.bin"
    assert described["docs.0"]["md5"] == hashlib.md5(b).hexdigest()
    assert Path(body["stored"]).read_bytes() == a
    assert Path(body["moved"]).read_bytes() == b


def test_empty_file_input_is_no_file(server):
    files = {"photo": ("", b"", "application/octet-stream")}
    r = httpx.post(server.url + "/upload", files=files)
    assert r.status_code == 200 and r.json()["files"] == []


def test_an_empty_file_input_as_browsers_send_it_is_no_file(server):
    # Browsers send an empty <input type=file> with filename="" (httpx leaves the filename out).
    boundary = "laravels-empty-file"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nt\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename=""\r\n'
            f'Content-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n').encode()
    r = httpx.post(server.url + "/upload", content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 200, r.text
    assert r.json()["files"] == []


def test_system_events_can_change_the_request_and_the_response(laravel_app):
    from harness import Server
    with Server(laravel_app, env={"DEMO_LARAVELS_EVENTS": "1"}) as s:
        r = httpx.post(s.url + "/echo?a=1", data={"b": "2"})
        body = r.json()
        assert body["query"] == {"a": "1", "get_key": "hhxsv5"}
        assert body["input"]["post_key"] == "hhxsv5" and body["input"]["b"] == "2"
        assert r.headers["header-key"] == "hhxsv5"
