"""Code written for php-fpm runs unchanged: PHP's request globals ($_GET, $_POST, $_COOKIE,
$_FILES, $_SERVER, $_REQUEST), php://input, is_uploaded_file() and move_uploaded_file(),
and header(), setcookie(), header_remove(), headers_sent() and http_response_code() behave
as the PHP manual describes them under a web SAPI, and their headers reach the client as php-fpm sends them after Symfony's
Response::sendHeaders() (header() with $replace false but for Content-Type, cookies added,
the response's status line last). Routes: PhpGlobalsController in the example apps."""
import hashlib
import json
import os
import subprocess
import time

import httpx
import pytest

from harness import Server


@pytest.fixture(scope="module")
def server(module_laravel_app):
    """One worker, so each request follows the one before it in the same process."""
    s = Server(module_laravel_app, env={"LARAVELS_WORKER_NUM": "1"}).start()
    yield s
    s.stop()
    assert "panicked" not in s.read_log(), s.read_log()[-4000:]


def globals_of(server, method="GET", query="", **kwargs):
    r = httpx.request(method, server.url + "/api/php/globals" + query, **kwargs)
    assert r.status_code == 200, r.text
    return r.json()


def test_query_cookies_server_and_request_globals(server):
    seen = globals_of(server, query="?a=1&list[]=x&list[]=y&n[k]=v", headers={"Cookie": "c=1; d=hello%20world; c=2", "X-Probe": "p"})
    assert seen["get"] == {"a": "1", "list": ["x", "y"], "n": {"k": "v"}}
    assert seen["cookie"] == {"c": "1", "d": "hello world"}, "the first of a repeated name, URL-decoded, as PHP fills $_COOKIE"
    assert seen["post"] == [] and seen["files"] == []
    assert seen["request"] == seen["get"]
    assert seen["method"] == "GET" and seen["remote_addr"] == "127.0.0.1" and seen["probe_header"] == "p"
    assert seen["script_name"] == "/index.php" and seen["argv"] is False, "presented as php-fpm presents public/index.php"
    assert seen["input"] == "" and seen["headers_list"] == [] and seen["headers_sent"] is False


def test_post_form_request_order_and_php_input(server):
    seen = globals_of(server, "POST", "?a=get&g=1", data={"a": "post", "tags[]": ["x", "y"]})
    assert seen["get"] == {"a": "get", "g": "1"}
    assert seen["post"] == {"a": "post", "tags": ["x", "y"]}
    assert seen["request"] == {"a": "post", "g": "1", "tags": ["x", "y"]}, "request_order GP: POST over GET"
    assert seen["input"] == "a=post&tags%5B%5D=x&tags%5B%5D=y", "php://input is the raw body"
    payload = {"user": {"id": 7}}
    js = globals_of(server, "POST", json=payload)
    assert js["post"] == [] and json.loads(js["input"]) == payload, "a JSON body is in php://input only"
    put = globals_of(server, "PUT", data={"v": "1"})
    assert put["post"] == [] and put["input"] == "v=1", "PHP fills $_POST for POST only"


def test_uploads_fill_files_in_phps_shape(server, tmp_path):
    a, b, c = tmp_path / "a.bin", tmp_path / "b.txt", tmp_path / "c.txt"
    a.write_bytes(bytes(range(256)) * 40)
    b.write_text("second\n" * 100)
    c.write_text("third")
    out = subprocess.run(
        ["curl", "-sS", "-F", "title=t", "-F", f"photo=@{a};type=application/octet-stream",
         "-F", f"docs[]=@{b};type=text/plain", "-F", f"docs[]=@{c};type=text/plain",
         server.url + "/api/php/globals"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout
    files = json.loads(out)["files"]
    md5 = lambda p: hashlib.md5(p.read_bytes()).hexdigest()  # noqa: E731
    assert files["photo"] == {
        "name": "a.bin", "full_path": "a.bin", "type": "application/octet-stream",
        "tmp_name": md5(a), "error": 0, "size": a.stat().st_size,
    }
    assert files["docs"]["name"] == ["b.txt", "c.txt"]
    assert files["docs"]["tmp_name"] == [md5(b), md5(c)], "each tmp_name is the spooled upload"
    assert files["docs"]["size"] == [b.stat().st_size, c.stat().st_size] and files["docs"]["error"] == [0, 0]
    assert json.loads(out)["post"] == {"title": "t"}


def upload(server, path, query="", earlier=None):
    """POSTs `path` as the file field `f` with curl -F to the classic upload handler."""
    args = ["curl", "-sS", "-F", f"f=@{path};type=application/octet-stream"]
    if earlier is not None:
        args += ["-F", f"earlier={earlier}"]
    out = subprocess.run(args + [server.url + "/api/php/upload" + query], capture_output=True, text=True, check=True, timeout=30).stdout
    return json.loads(out)


def test_is_uploaded_file_and_move_uploaded_file_take_the_requests_uploads(server, tmp_path):
    # PHP manual, is_uploaded_file() and move_uploaded_file(): true for a file uploaded
    # by the request ($_FILES[...]['tmp_name']), which moves once; false for any other.
    sent = tmp_path / "upload.bin"
    sent.write_bytes(bytes(range(256)) * 300 + b"end")
    kept = upload(server, sent, "?move=0")
    assert kept["is_uploaded_file"] is True and kept["moved_to"] is None and kept["tmp_left"] is True
    assert kept["not_uploaded"] is False, "a file the request did not upload is not an uploaded file"
    # The master removes a request's spooled files once it is answered.
    deadline = time.monotonic() + 5
    while os.path.exists(kept["tmp_name"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(kept["tmp_name"]), "the unmoved upload was removed after its request"

    moved = upload(server, sent, earlier=kept["tmp_name"])
    assert moved["is_uploaded_file"] is True and moved["tmp_name"] != kept["tmp_name"]
    assert moved["moved_to"], moved
    with open(moved["moved_to"], "rb") as f:
        assert f.read() == sent.read_bytes(), "the moved file holds the bytes sent"
    assert moved["tmp_left"] is False, "moved, not copied"
    assert moved["moved_again"] is False, "a moved upload is no longer an uploaded file"
    assert moved["earlier_is_uploaded_file"] is False and moved["earlier_moved"] is False, "an earlier request's tmp_name is not accepted"
    # The master's clean-up of the moved upload finds nothing to remove, and the moved
    # file stays where the application put it.
    httpx.get(server.url + "/api/php/globals")
    assert os.path.exists(moved["moved_to"])
    assert "laravels-upload" not in server.read_log(), "no error about the spooled files"


def test_the_next_request_sees_nothing_of_the_one_before(server):
    first = globals_of(server, "POST", "?left=behind", data={"p": "1"}, headers={"Cookie": "old=1", "X-Probe": "old"})
    httpx.get(server.url + "/api/php/headers")
    after = globals_of(server)
    assert after["pid"] == first["pid"], "the same worker"
    assert [after[k] for k in ("get", "post", "cookie", "files", "request")] == [[], [], [], [], []]
    assert after["probe_header"] is None and after["input"] == ""
    assert after["headers_list"] == [] and after["headers_sent"] is False, "no header of the request before"


def test_header_functions_merge_into_the_frameworks_response(server):
    r = httpx.get(server.url + "/api/php/headers")
    body = r.json()
    assert body["headers_list"][:2] == ["X-Legacy: one", "X-Both: legacy"]
    assert body["headers_list"][2].lower() == "content-type: text/plain;charset=utf-8", "PHP adds default_charset to text/*"
    assert body["headers_list"][3].startswith("Set-Cookie: legacy=cookie%20value; path=/; HttpOnly")
    assert body["code"] == 202 and body["headers_sent"] is False
    assert r.status_code == 200, "the response's status line is sent last and wins over http_response_code()"
    assert r.headers["x-legacy"] == "one"
    assert r.headers.get_list("x-both") == ["legacy", "framework"], "header() adds, as sendHeaders() calls it"
    assert r.headers["content-type"] == "application/json", "the response's Content-Type replaces header()'s"
    assert "x-removed" not in r.headers, "header_remove()"
    assert any(c.startswith("legacy=cookie%20value; path=/; HttpOnly") for c in r.headers.get_list("set-cookie"))
    assert r.cookies["legacy"] == "cookie%20value"


def test_an_echoed_page_streams_and_exit_carry_their_headers(server):
    page = httpx.get(server.url + "/api/php/legacy")
    assert page.status_code == 200 and page.text == "legacy page" and page.headers["x-legacy"] == "page"
    with httpx.stream("GET", server.url + "/api/php/stream") as streamed:
        assert streamed.headers["x-legacy"] == "streamed"
        assert streamed.read() == b"streamed body"
    before = globals_of(server)["pid"]
    gone = httpx.get(server.url + "/api/php/exit")
    assert gone.status_code == 302, "header('Location') then exit: 302, as PHP answers"
    assert gone.headers["location"] == "/api/php/globals?from=exit"
    assert gone.headers["content-type"] == "text/html; charset=UTF-8", "PHP's default_mimetype"
    after = globals_of(server, query="?from=exit")
    assert after["pid"] != before, "exit() ended the worker; a fresh one took its place"
    assert after["get"] == {"from": "exit"} and after["headers_list"] == []


def test_on_lumen(lumen_app, tmp_path):
    with Server(lumen_app, env={"LARAVELS_WORKER_NUM": "1"}) as s:
        seen = globals_of(s, "POST", "?q=1", data={"p": "2"}, headers={"Cookie": "c=3"})
        assert (seen["get"], seen["post"], seen["cookie"], seen["remote_addr"]) == ({"q": "1"}, {"p": "2"}, {"c": "3"}, "127.0.0.1")
        r = httpx.get(s.url + "/api/php/headers")
        assert r.status_code == 200 and r.headers.get_list("x-both") == ["legacy", "framework"]
        assert globals_of(s)["get"] == [] and globals_of(s)["headers_list"] == []
        sent = tmp_path / "upload.txt"
        sent.write_text("lumen upload")
        first = upload(s, sent, "?move=0")
        moved = upload(s, sent, earlier=first["tmp_name"])
        assert first["is_uploaded_file"] is True and moved["is_uploaded_file"] is True
        with open(moved["moved_to"], "rb") as f:
            assert f.read() == b"lumen upload"
        assert moved["earlier_is_uploaded_file"] is False
