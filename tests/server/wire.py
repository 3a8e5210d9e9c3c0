"""The server as raw bytes: hand-written frames in, every byte out split into frames strictly.

For the tests of framing, JSON-RPC errors, TCP and the process's exit, where pytest-lsp's client
would hide what matters (it drops unparsable output, and cannot send broken messages). A
:class:`Wire` runs over a subprocess's pipes or a socket; whatever the server sends that is not a
``Content-Length`` frame holding JSON is kept in :attr:`Wire.junk`.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Optional

from .conftest import DEMO, ROOT, SERVER_ENV

SERVER = [sys.executable, "-m", "jumpcoder_lsp.server"]
ENV = {**SERVER_ENV, "JUMPCODER_LSP_ALLOW_SCRIPTED": "1"}
_HEADER = re.compile(rb"(?:Content-Length: (\d+)|Content-Type: [^\r\n]*)")
#: how long any single answer may take (a loaded 2-core CI machine)
TIMEOUT = 20.0


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Wire:
    def __init__(self, read: Callable[[int], bytes], write: Callable[[bytes], None]):
        self._read, self._write = read, write
        self._inbox: "queue.Queue[dict]" = queue.Queue()
        self.received: list[dict] = []
        self.junk: list[bytes] = []
        self.closed = threading.Event()
        self._ids = itertools.count(1)
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    # -- out -------------------------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        self._write(data)

    def send_body(self, body: bytes) -> None:
        self.send_bytes(frame(body))

    def send(self, message: Any) -> None:
        self.send_body(json.dumps(message).encode())

    def request(self, method: str, params: Any = None, **extra) -> Any:
        """Send a request; returns its id."""
        msg_id = extra.pop("id", None) or next(self._ids)
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method, **extra}
        if params is not None:
            message["params"] = params
        self.send(message)
        return msg_id

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, **({"params": params} if params is not None else {})})

    def call(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> dict:
        """A request and its response (the whole response message)."""
        return self.response(self.request(method, params), timeout)

    def command(self, name: str, *arguments: Any) -> Any:
        reply = self.call("workspace/executeCommand", {"command": name, "arguments": list(arguments)})
        assert "result" in reply, reply
        return reply["result"]

    # -- in --------------------------------------------------------------------------------

    def next_message(self, timeout: float = TIMEOUT) -> Optional[dict]:
        """The next message from the server; None when the connection ended first."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._inbox.get(timeout=0.05)
            except queue.Empty:
                if self.closed.is_set() and self._inbox.empty():
                    return None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no message from the server in {timeout} s")

    def response(self, msg_id: Any, timeout: float = TIMEOUT) -> dict:
        """The response with ``msg_id`` (``None``: the next response whose id is null)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.next_message(max(0.0, deadline - time.monotonic()))
            if message is None:
                raise ConnectionError(f"the connection ended before the response to {msg_id!r}")
            if "method" not in message and message.get("id", "absent") == msg_id:
                return message

    # the reader thread: frames, strictly
    def _reader(self) -> None:
        buf = b""
        try:
            while chunk := self._read(1 << 16):
                buf += chunk
                buf = self._frames(buf)
        except OSError:
            pass
        if buf:
            self.junk.append(buf)
        self.closed.set()

    def _frames(self, buf: bytes) -> bytes:
        while (end := buf.find(b"\r\n\r\n")) >= 0:
            lines = buf[:end].split(b"\r\n")
            matches = [_HEADER.fullmatch(line) for line in lines]
            lengths = [m.group(1) for m in matches if m and m.group(1)]
            if not all(matches) or len(lengths) != 1:
                self.junk.append(buf[: end + 4])
                buf = buf[end + 4 :]
                continue
            n = int(lengths[0])
            if len(buf) < end + 4 + n:
                break
            body, buf = buf[end + 4 : end + 4 + n], buf[end + 4 + n :]
            try:
                message = json.loads(body)
            except ValueError:
                self.junk.append(body)
                continue
            self.received.append(message)
            if isinstance(message, dict) and "method" in message and "id" in message:
                # a request from the server (e.g. window/workDoneProgress/create): say yes
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            self._inbox.put(message)
        return buf


# -- servers ---------------------------------------------------------------------------------


class Server:
    """A server subprocess; ``wire`` is its stdio (or None over TCP); stderr is collected."""

    def __init__(self, args=(), env: Optional[dict] = None, command: Optional[list] = None, stdio: bool = True):
        self.proc = subprocess.Popen(
            (command or SERVER) + list(args),
            stdin=subprocess.PIPE if stdio else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdio else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**ENV, **(env or {})},
            cwd=str(ROOT),
        )
        self.stderr: list[str] = []
        self._stderr_line = threading.Condition()
        self._stderr_done = False
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        self.wire = None
        if stdio:
            out, stdin = self.proc.stdout.fileno(), self.proc.stdin
            self.wire = Wire(lambda n: os.read(out, n), _pipe_writer(stdin))

    def _drain_stderr(self) -> None:
        for raw in self.proc.stderr:
            with self._stderr_line:
                self.stderr.append(raw.decode("utf-8", "replace"))
                self._stderr_line.notify_all()
        with self._stderr_line:
            self._stderr_done = True
            self._stderr_line.notify_all()

    def wait_stderr(self, pattern: str, timeout: float = TIMEOUT) -> re.Match:
        """The first match of ``pattern`` in a line the server wrote to stderr."""
        deadline = time.monotonic() + timeout
        with self._stderr_line:
            while True:
                for line in self.stderr:
                    if m := re.search(pattern, line):
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self._stderr_done:
                    raise TimeoutError(f"no {pattern!r} on the server's stderr: {''.join(self.stderr)[-2000:]}")
                self._stderr_line.wait(min(left, 0.2))

    def exit_within(self, seconds: float) -> Optional[int]:
        """The exit code if the process ends within ``seconds``, else None (then it is killed)."""
        try:
            return self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        """Kill the server if it still runs; close the pipes once their readers saw the end (a
        process that inherited them may hold them open: then they are left to the collector)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        readers = [(self.proc.stderr, self._stderr_thread)]
        if self.wire is not None:
            readers.append((self.proc.stdout, self.wire.thread))
        for f, thread in readers:
            thread.join(2)
            if not thread.is_alive():
                f.close()


def _pipe_writer(stdin):
    def write(data: bytes) -> None:
        stdin.write(data)
        stdin.flush()

    return write


def connect(port: int, host: str = "127.0.0.1") -> tuple[socket.socket, Wire]:
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    sock.settimeout(None)
    return sock, Wire(sock.recv, sock.sendall)


def initialize(wire: Wire, options: Optional[dict] = None, process_id: Optional[int] = None, **params) -> dict:
    """initialize (the demo model unless ``options`` say otherwise) + initialized; the response."""
    reply = wire.call("initialize", {
        "processId": process_id,
        "capabilities": {},
        "initializationOptions": {"model": DEMO, "debounceMs": 0, **(options or {})},
        **params,
    })
    assert "result" in reply, reply
    wire.notify("initialized", {})
    return reply
