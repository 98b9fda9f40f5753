"""A deliberately small RFC 6455 client over a plain socket, for conformance tests.

Unlike a real client library it sends whatever it is told to: reserved bits, reserved
opcodes, unmasked frames, oversized control frames, broken fragment sequences. It reads
the server's frames as they are, so a test sees exactly what went over the wire.
"""
from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct
from dataclasses import dataclass

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class ServerClosed(Exception):
    """The server ended the TCP connection (EOF or reset)."""


@dataclass
class Frame:
    fin: bool
    rsv: int
    opcode: int
    masked: bool
    payload: bytes

    @property
    def close_code(self) -> int | None:
        return struct.unpack("!H", self.payload[:2])[0] if self.opcode == CLOSE and len(self.payload) >= 2 else None

    @property
    def close_reason(self) -> bytes:
        return self.payload[2:]


def mask(payload: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte key; done on big integers so a megabyte takes milliseconds."""
    n = len(payload)
    if n == 0:
        return b""
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


def encode(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0, masked: bool = True) -> bytes:
    """One frame as a client writes it (masked unless told otherwise); rsv is the 3 bits RSV1-3."""
    head = bytearray([(0x80 if fin else 0) | (rsv & 0x7) << 4 | (opcode & 0xF)])
    n = len(payload)
    bit = 0x80 if masked else 0
    if n < 126:
        head.append(bit | n)
    elif n < 1 << 16:
        head.append(bit | 126)
        head += struct.pack("!H", n)
    else:
        head.append(bit | 127)
        head += struct.pack("!Q", n)
    if not masked:
        return bytes(head) + payload
    key = os.urandom(4)
    return bytes(head) + key + mask(payload, key)


def close_payload(code: int | None, reason: bytes = b"") -> bytes:
    return b"" if code is None else struct.pack("!H", code) + reason


class RawClient:
    """One WebSocket connection: the opening handshake, then frames in and out."""

    def __init__(self, port: int, path: str = "/ws?greet=0", timeout: float = 10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        key = base64.b64encode(os.urandom(16))
        self.sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if not lines[0].startswith("HTTP/1.1 101"):
            raise AssertionError(f"handshake refused: {lines[0]}")
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        expected = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise AssertionError(f"bad Sec-WebSocket-Accept {headers.get('sec-websocket-accept')!r}, expected {expected!r}")

    def _fill(self) -> None:
        try:
            data = self.sock.recv(1 << 20)
        except ConnectionResetError as e:
            raise ServerClosed("connection reset") from e
        if not data:
            raise ServerClosed("EOF")
        self.buf += data

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    # ------------------------------------------------------------------ writing

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, opcode: int, payload: bytes = b"", **kw) -> None:
        self.sock.sendall(encode(opcode, payload, **kw))

    def send_fragments(self, opcode: int, parts: list[bytes]) -> None:
        """One message as len(parts) frames: opcode, then continuations, FIN on the last."""
        frames = b"".join(encode(opcode if i == 0 else CONTINUATION, part, fin=i == len(parts) - 1) for i, part in enumerate(parts))
        self.sock.sendall(frames)

    def close(self, code: int | None = 1000, reason: bytes = b"") -> None:
        self.send(CLOSE, close_payload(code, reason))

    # ------------------------------------------------------------------ reading

    def recv_frame(self) -> Frame:
        b0, b1 = self._take(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8))[0]
        key = self._take(4) if b1 & 0x80 else None
        payload = self._take(n)
        if key:
            payload = mask(payload, key)
        return Frame(bool(b0 & 0x80), (b0 >> 4) & 0x7, b0 & 0xF, key is not None, payload)

    def recv_message(self) -> tuple[int, bytes]:
        """The next data message, reassembled; control frames before it are returned as is."""
        first = self.recv_frame()
        if first.opcode >= CLOSE or first.fin:
            return first.opcode, first.payload
        parts = [first.payload]
        while True:
            f = self.recv_frame()
            if f.opcode != CONTINUATION:
                raise AssertionError(f"server interleaved opcode {f.opcode} in a fragmented message")
            parts.append(f.payload)
            if f.fin:
                return first.opcode, b"".join(parts)

    def expect_close(self, reply: bool = True) -> Frame:
        """Reads up to the server's close frame (skipping data frames it sent before), answers
        it as RFC 6455 5.5.1 asks (unless we started the closing handshake ourselves), and
        checks that the server then ends the TCP connection."""
        while True:
            f = self.recv_frame()
            if f.opcode == CLOSE:
                break
        if f.masked:
            raise AssertionError("the server masked its close frame")
        if reply:
            try:
                self.close(f.close_code)
            except OSError:
                pass  # the server may already have gone: it need not wait for our reply
        self.expect_eof()
        return f

    def expect_eof(self) -> None:
        """The server closes the TCP connection (any further frames are an error)."""
        if self.buf:
            raise AssertionError(f"data after the close frame: {self.buf[:40]!r}")
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return
                raise AssertionError(f"data after the close handshake: {data[:40]!r}")
        except ConnectionResetError:
            return

    def shutdown(self) -> None:
        self.sock.close()

    def __enter__(self) -> "RawClient":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
