"""RFC 6455 conformance of the WebSocket server, over raw sockets (tests/e2e/wsraw.py).

The cases follow the Autobahn testsuite's sections (its case numbers are in the test
names' docstrings): 1 framing, 2 ping/pong, 3 reserved bits, 4 opcodes, 5 fragmentation,
6 UTF-8, 7 close handshake, 9 limits; plus masking. Autobahn itself needs Python 2.

One server serves the whole module: App\\Services\\EchoWebSocket echoes every message with
its opcode; `?greet=0` (wsraw's default path) keeps its welcome message away.
"""
from __future__ import annotations

import struct
import threading
import time

import pytest

from harness import Server
from wsraw import BINARY, CLOSE, CONTINUATION, PING, PONG, TEXT, RawClient, close_payload, encode

MAX = 2 * 1024 * 1024  # swoole.package_max_length of the module's server
OVERRIDES = {
    "websocket": {"enable": True, "handler": "App\\Services\\EchoWebSocket"},
    "swoole": {"dispatch_mode": 2, "package_max_length": MAX, "buffer_output_size": 2 * MAX},
}
PROTOCOL_ERROR, INVALID_PAYLOAD, TOO_BIG = 1002, 1007, 1009


@pytest.fixture(scope="module")
def server(module_laravel_app):
    s = Server(module_laravel_app, overrides=OVERRIDES).start()
    yield s
    s.stop()
    assert "panicked" not in s.read_log(), s.read_log()[-4000:]


@pytest.fixture
def ws(server):
    with RawClient(server.port) as client:
        yield client


def echoes(ws: RawClient, opcode: int, payload: bytes) -> None:
    """`payload` sent as one frame comes back as one message of the same kind, unmasked."""
    ws.send(opcode, payload)
    assert ws.recv_message() == (opcode, payload)


def fails_with(ws: RawClient, code: int | tuple[int, ...]) -> None:
    """The server fails the connection: a close frame with `code`, then the TCP close."""
    frame = ws.expect_close()
    assert frame.close_code in (code if isinstance(code, tuple) else (code,)), frame


def send_in_background(ws: RawClient, data: bytes) -> threading.Thread:
    """For a write the server may stop reading half way: errors of the write are expected."""
    def write():
        try:
            ws.send_raw(data)
        except OSError:
            pass
    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


# ---------------------------------------------------------------- 1. framing

LENGTHS = [0, 125, 126, 127, 128, 65535, 65536]


@pytest.mark.parametrize("opcode", [TEXT, BINARY], ids=["text", "binary"])
@pytest.mark.parametrize("length", LENGTHS)
def test_1_payload_lengths_at_each_boundary(ws, opcode, length):
    """1.1.1-1.1.6, 1.2.1-1.2.6: 7-bit, 16-bit and 64-bit length encodings, both ways."""
    payload = bytes(i % 256 for i in range(length)) if opcode == BINARY else b"*" * length
    echoes(ws, opcode, payload)
    # The server's own frame header uses the shortest length encoding (RFC 6455 5.2).
    ws.send(opcode, payload)
    head = ws._take(2)
    expected = length if length < 126 else 126 if length < 65536 else 127
    assert head[1] & 0x7F == expected and not head[1] & 0x80
    ws._take((0 if length < 126 else 2 if length < 65536 else 8) + length)


def test_1_large_messages_up_to_package_max_length(ws):
    """1 MiB text and binary, and a message of exactly package_max_length, echoed intact."""
    echoes(ws, TEXT, "ж".encode() * (512 * 1024))
    echoes(ws, BINARY, bytes(range(256)) * 4096)
    echoes(ws, BINARY, b"\x07" * MAX)


def test_1_frame_written_in_small_chunks(ws):
    """1.1.7 / 1.2.7: a 64 KiB frame arriving in 997-byte pieces."""
    payload = bytes(i % 251 for i in range(65536))
    data = encode(BINARY, payload)
    for i in range(0, len(data), 997):
        ws.send_raw(data[i:i + 997])
    assert ws.recv_message() == (BINARY, payload)


# ---------------------------------------------------------------- 2. ping / pong

@pytest.mark.parametrize("payload", [b"", b"Hello, world!", bytes(range(125))], ids=["empty", "text", "binary-125"])
def test_2_ping_gets_pong_with_its_payload(ws, payload):
    """2.1, 2.2, 2.3, 2.4."""
    ws.send(PING, payload)
    f = ws.recv_frame()
    assert (f.opcode, f.fin, f.payload) == (PONG, True, payload)


def test_2_ping_written_byte_by_byte(ws):
    """2.6: a 125-byte ping sent one byte at a time."""
    data = encode(PING, b"p" * 125)
    for i in range(len(data)):
        ws.send_raw(data[i:i + 1])
    f = ws.recv_frame()
    assert (f.opcode, f.payload) == (PONG, b"p" * 125)


def test_2_ping_over_125_bytes_is_a_protocol_error(ws):
    """2.5: control frames carry at most 125 bytes."""
    ws.send(PING, b"x" * 126)
    fails_with(ws, PROTOCOL_ERROR)


def test_2_unsolicited_pong_is_ignored(ws):
    """2.7, 2.8, 2.9: no answer to a pong; a ping after it is answered."""
    ws.send(PONG, b"")
    ws.send(PONG, b"unsolicited")
    ws.send(PING, b"after")
    f = ws.recv_frame()
    assert (f.opcode, f.payload) == (PONG, b"after")
    echoes(ws, TEXT, b"still open")


def test_2_ten_pings_answered_in_order(ws):
    """2.10, 2.11: ten pings in one write, then ten sent one by one."""
    ws.send_raw(b"".join(encode(PING, f"ping {i}".encode()) for i in range(10)))
    got = [ws.recv_frame() for _ in range(10)]
    assert [(f.opcode, f.payload) for f in got] == [(PONG, f"ping {i}".encode()) for i in range(10)]
    for i in range(10):
        ws.send(PING, bytes([i]))
    assert [ws.recv_frame().payload for _ in range(10)] == [bytes([i]) for i in range(10)]


# ---------------------------------------------------------------- 3. reserved bits

@pytest.mark.parametrize("rsv", range(1, 8))
@pytest.mark.parametrize("opcode", [TEXT, BINARY, PING, CLOSE], ids=["text", "binary", "ping", "close"])
def test_3_reserved_bits_without_extension_fail(ws, rsv, opcode):
    """3.1-3.7: no extension was negotiated, so any RSV bit fails the connection; a message
    sent before the bad frame is still echoed."""
    echoes(ws, TEXT, b"before")
    payload = close_payload(1000) if opcode == CLOSE else b"reserved"
    ws.send(opcode, payload, rsv=rsv)
    ws.send(PING, b"after")  # must not be answered
    fails_with(ws, PROTOCOL_ERROR)


# ---------------------------------------------------------------- 4. opcodes

@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 11, 12, 13, 14, 15])
@pytest.mark.parametrize("payload", [b"", b"reserved opcode"], ids=["empty", "payload"])
def test_4_reserved_opcodes_fail(ws, opcode, payload):
    """4.1.1-4.1.5 (data 3-7), 4.2.1-4.2.5 (control 11-15)."""
    echoes(ws, TEXT, b"before")
    ws.send(opcode, payload)
    ws.send(PING, b"after")
    fails_with(ws, PROTOCOL_ERROR)


# ---------------------------------------------------------------- 5. fragmentation

@pytest.mark.parametrize("opcode", [TEXT, BINARY], ids=["text", "binary"])
def test_5_fragments_are_reassembled(ws, opcode):
    """5.3-5.5 (two fragments, one write or several), 5.x with empty fragments, 64 KiB in 64."""
    ws.send_fragments(opcode, [b"fragment", b"ed"])
    assert ws.recv_message() == (opcode, b"fragmented")
    for part in (b"one ", b"by ", b"one"):
        last = part == b"one"
        ws.send(opcode if part == b"one " else CONTINUATION, part, fin=last)
    assert ws.recv_message() == (opcode, b"one by one")
    ws.send_fragments(opcode, [b"", b"", b""])
    assert ws.recv_message() == (opcode, b"")
    big = [bytes([65 + i % 26]) * 1024 for i in range(64)]
    ws.send_fragments(opcode, big)
    assert ws.recv_message() == (opcode, b"".join(big))


def test_5_control_frames_between_fragments_are_answered(ws):
    """5.6-5.8, 5.19: pings (and a pong) between the fragments of a message are answered at
    once, and the message arrives whole after them."""
    ws.send(TEXT, b"frag1 ", fin=False)
    ws.send(PING, b"ping 1")
    ws.send(CONTINUATION, b"frag2 ", fin=False)
    ws.send(PONG, b"ignored")
    ws.send(PING, b"ping 2")
    ws.send(CONTINUATION, b"frag3", fin=True)
    assert [(f.opcode, f.payload) for f in (ws.recv_frame(), ws.recv_frame())] == [(PONG, b"ping 1"), (PONG, b"ping 2")]
    assert ws.recv_message() == (TEXT, b"frag1 frag2 frag3")


@pytest.mark.parametrize("fin", [True, False], ids=["fin", "no-fin"])
def test_5_continuation_without_a_start_fails(ws, fin):
    """5.9-5.14: a continuation frame with no message in progress."""
    ws.send(CONTINUATION, b"orphan", fin=fin)
    ws.send(TEXT, b"never echoed")
    fails_with(ws, PROTOCOL_ERROR)


def test_5_continuation_after_a_finished_message_fails(ws):
    """5.15: the message ended with FIN, then another continuation arrives."""
    ws.send(TEXT, b"a", fin=False)
    ws.send(CONTINUATION, b"b", fin=True)
    ws.send(CONTINUATION, b"c", fin=False)
    ws.send(CONTINUATION, b"d", fin=True)
    assert ws.recv_message() == (TEXT, b"ab")
    fails_with(ws, PROTOCOL_ERROR)


@pytest.mark.parametrize("second", [TEXT, BINARY], ids=["text", "binary"])
def test_5_new_message_inside_a_fragmented_one_fails(ws, second):
    """5.17, 5.18: a data frame that is not a continuation while a message is unfinished."""
    ws.send(TEXT, b"start", fin=False)
    ws.send(second, b"intruder", fin=True)
    fails_with(ws, PROTOCOL_ERROR)


@pytest.mark.parametrize("opcode", [PING, PONG, CLOSE], ids=["ping", "pong", "close"])
def test_5_fragmented_control_frame_fails(ws, opcode):
    """5.1, 5.2: control frames must not be fragmented."""
    payload = close_payload(1000) if opcode == CLOSE else b"frag"
    ws.send(opcode, payload, fin=False)
    ws.send(CONTINUATION, b"ment", fin=True)
    fails_with(ws, PROTOCOL_ERROR)


# ---------------------------------------------------------------- 6. UTF-8

VALID_UTF8 = [
    "Hello-µ@ßöäüàá-UTF-8!!",         # 6.2.1
    "κόσμε",                          # 6.5.1
    "\u0000\u007f\u0080\u07ff\u0800\uffff\U00010000\U0010ffff",  # 6.7.x, 6.8-6.10 boundaries
    "\ud7ff\ue000\ufffd\ufeff",       # around the surrogates, replacement char, BOM
    "🎉 € 中文 العربية",
]


@pytest.mark.parametrize("text", VALID_UTF8, ids=range(len(VALID_UTF8)))
def test_6_valid_utf8_is_echoed(ws, text):
    echoes(ws, TEXT, text.encode())


@pytest.mark.parametrize("text", ["κόσμε", "🎉€中"], ids=["greek", "4-byte"])
def test_6_valid_utf8_split_at_every_byte(ws, text):
    """6.2.3, 6.2.4: a code point may straddle fragments; only the whole message must be valid."""
    data = text.encode()
    ws.send_fragments(TEXT, [data[i:i + 1] for i in range(len(data))])
    assert ws.recv_message() == (TEXT, data)


INVALID_UTF8 = {
    "surrogate": b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",  # 6.3.1
    "overlong-slash": b"\xc0\xaf",                                              # 6.20-6.22 family
    "overlong-nul": b"\xe0\x80\x80",
    "above-10ffff": b"\xf4\x90\x80\x80",                                        # 6.8.1
    "lone-continuation": b"a\x80b",                                            # 6.10.x
    "truncated-at-end": b"abc\xce",                                            # 6.6.x
    "fe": b"\xfe", "ff": b"\xff",                                             # 6.13-6.14
    "five-byte-form": b"\xf8\x88\x80\x80\x80",
}


@pytest.mark.parametrize("data", INVALID_UTF8.values(), ids=INVALID_UTF8.keys())
def test_6_invalid_utf8_fails_with_1007(ws, data):
    ws.send(TEXT, data)
    fails_with(ws, INVALID_PAYLOAD)


def test_6_binary_messages_are_not_utf8_checked(ws):
    echoes(ws, BINARY, INVALID_UTF8["surrogate"])


@pytest.mark.parametrize("parts", [
    [b"\xce\xba\xe1", b"\xbd\xb9\xed\xa0\x80", b"ok"],   # 6.4.1-6.4.2: invalid in the middle fragment
    [b"valid \xce\xba", b"\xc0\xaf"],                    # invalid in the last fragment
    [b"ends mid code point \xce", b""],                  # incomplete at the end of the message
], ids=["middle", "last", "incomplete"])
def test_6_invalid_utf8_across_fragments_fails_with_1007(ws, parts):
    ws.send_fragments(TEXT, parts)
    fails_with(ws, INVALID_PAYLOAD)


def test_6_invalid_utf8_fails_fast_before_the_message_ends(ws):
    """6.4.x fail-fast (optional in Autobahn, done here): the first fragment is already
    invalid and the server fails without waiting for the rest."""
    ws.send(TEXT, b"\xce\xba\xed\xa0\x80", fin=False)
    fails_with(ws, INVALID_PAYLOAD)


# ---------------------------------------------------------------- 7. close

def test_7_close_with_code_and_reason_is_echoed(ws):
    """7.1.1, 7.3.4: the server answers with its own close frame, then closes TCP."""
    echoes(ws, TEXT, b"before close")
    ws.close(1000, b"bye now")
    f = ws.expect_close(reply=False)
    assert f.close_code == 1000


def test_7_the_reply_to_a_message_comes_before_the_close_answer(server):
    """A message and a close in one write: the handler's reply to the message is sent
    before the server's close frame, every time."""
    for i in range(30):
        with RawClient(server.port) as ws:
            ws.send_raw(encode(TEXT, f"last words {i}".encode()) + encode(CLOSE, close_payload(1000)))
            assert ws.recv_message() == (TEXT, f"last words {i}".encode()), f"connection {i}"
            assert ws.expect_close(reply=False).close_code == 1000


def test_7_close_without_payload(ws):
    """7.3.1: an empty close gets a close with no code or 1000."""
    ws.close(None)
    assert ws.expect_close(reply=False).close_code in (None, 1000)


def test_7_close_with_123_byte_reason(ws):
    """7.3.5: the longest reason that fits a control frame."""
    ws.close(1000, b"r" * 123)
    assert ws.expect_close(reply=False).close_code == 1000


def test_7_close_with_one_byte_payload_fails(ws):
    """7.3.2: a close payload is empty or at least the 2-byte code."""
    ws.send(CLOSE, b"\x03")
    assert ws.expect_close(reply=False).close_code == PROTOCOL_ERROR


def test_7_close_with_124_byte_reason_fails(ws):
    """7.3.6: 2 + 124 bytes is over the control frame limit."""
    ws.close(1000, b"r" * 124)
    assert ws.expect_close(reply=False).close_code == PROTOCOL_ERROR


def test_7_close_reason_with_invalid_utf8(ws):
    """7.5.1: RFC 6455 7.1.7 lets the server fail either way."""
    ws.close(1000, b"\xce\xba\xed\xa0\x80")
    assert ws.expect_close(reply=False).close_code in (PROTOCOL_ERROR, INVALID_PAYLOAD)


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999])
def test_7_valid_close_codes_are_echoed(ws, code):
    """7.7.1-7.7.13."""
    ws.close(code, b"reason")
    assert ws.expect_close(reply=False).close_code == code


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000, 65535])
def test_7_invalid_close_codes_fail(ws, code):
    """7.9.1-7.9.9, 7.13.1-7.13.2: codes that must never be sent (1005, 1006), reserved or
    unassigned ranges, out of range."""
    ws.close(code)
    assert ws.expect_close(reply=False).close_code == PROTOCOL_ERROR


def test_7_nothing_is_answered_after_the_close(ws):
    """7.1.2-7.1.4: after the client's close, a second close, a ping and a message in the
    same write get no answer; the server closes TCP after its close frame."""
    ws.send_raw(encode(CLOSE, close_payload(1000)) + encode(CLOSE, close_payload(1000)) + encode(PING, b"p") + encode(TEXT, b"t"))
    assert ws.expect_close(reply=False).close_code == 1000


def test_7_close_in_the_middle_of_a_fragmented_message(ws):
    """7.1.5: the unfinished message is dropped, the close is answered."""
    ws.send(TEXT, b"unfinished", fin=False)
    ws.close(1000)
    assert ws.expect_close(reply=False).close_code == 1000


def test_7_server_initiated_close(ws):
    """The handler's disconnect(): a close frame with its code and reason, then, once the
    client answers, the TCP close."""
    ws.send(TEXT, b"!disconnect 4321 handler said so")
    f = ws.expect_close(reply=True)
    assert (f.close_code, f.close_reason) == (4321, b"handler said so")


# ---------------------------------------------------------------- 9. limits

def test_9_single_frame_over_package_max_length_fails_with_1009(ws):
    """9.1.x / 9.2.x past the limit: rejected from the frame header, before the payload."""
    writer = send_in_background(ws, encode(BINARY, b"\x00" * (MAX + 1)))
    fails_with(ws, TOO_BIG)
    writer.join(10)


def test_9_an_oversized_frame_fails_from_its_header_alone(ws):
    """The 1009 comes from the frame header: the server neither waits for nor buffers a
    payload it would refuse. The header declares 1 GiB; 10 bytes of it follow."""
    ws.send_raw(bytes([0x80 | BINARY, 0x80 | 127]) + struct.pack("!Q", 1 << 30) + b"mask" + b"0123456789")
    started = time.monotonic()
    fails_with(ws, TOO_BIG)
    assert time.monotonic() - started < 2


def test_9_fragmented_message_over_package_max_length_fails_with_1009(ws):
    """9.x: every frame is under the limit, the message is not."""
    part = b"y" * (MAX // 4 + 1)
    writer = send_in_background(ws, b"".join(encode(TEXT if i == 0 else CONTINUATION, part, fin=i == 3) for i in range(4)))
    fails_with(ws, TOO_BIG)
    writer.join(10)


# ---------------------------------------------------------------- masking

@pytest.mark.parametrize("opcode", [TEXT, PING], ids=["text", "ping"])
def test_unmasked_client_frame_fails(ws, opcode):
    """RFC 6455 5.1: a server must close on an unmasked frame from the client."""
    ws.send(opcode, b"not masked", masked=False)
    fails_with(ws, PROTOCOL_ERROR)


def test_server_frames_are_unmasked(ws):
    ws.send(TEXT, b"check mask")
    f = ws.recv_frame()
    assert not f.masked and f.payload == b"check mask"


def test_server_still_serves_after_all_the_failures(server):
    """Every failed connection above ended only itself."""
    with RawClient(server.port, "/ws") as ws:
        opcode, welcome = ws.recv_message()
        assert opcode == TEXT and b'"open"' in welcome
        echoes(ws, TEXT, b"alive")
        ws.close(1000)
        ws.expect_close(reply=False)
