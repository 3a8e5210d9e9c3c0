"""JSON-RPC 2.0 over stdio, frame by frame: every request gets an answer, even a broken one
(jumpcoder_lsp/server/protocol.py), and ``exit`` ends the process with LSP's exit code."""

from __future__ import annotations

import json

import pytest

from .wire import Server, initialize

pytestmark = pytest.mark.timeout(120)

PARSE_ERROR, INVALID_REQUEST, SERVER_NOT_INITIALIZED = -32700, -32600, -32002


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def error_code(reply: dict) -> int:
    assert set(reply) == {"jsonrpc", "id", "error"} and reply["jsonrpc"] == "2.0", reply
    return reply["error"]["code"]


def test_a_body_that_is_not_json_gets_a_parse_error_with_a_null_id(server):
    w = server.wire
    w.send_body(b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {')  # cut short
    w.send_body(b'{"jsonrpc": "2.0", "id": 2, "method": "\xff\xfe"}')  # not UTF-8
    w.send_body(b"[" * 100_000)  # too deep for the parser
    for _ in range(3):
        reply = w.response(None)
        assert error_code(reply) == PARSE_ERROR and reply["id"] is None, reply
    # and the stream goes on
    assert "capabilities" in initialize(w)["result"]
    assert w.command("jumpcoder.status")["state"] in ("loading", "ready")
    assert not w.junk


def test_a_message_without_jsonrpc_2_0_gets_invalid_request(server):
    w = server.wire
    w.send({"id": 7, "method": "initialize", "params": {"capabilities": {}, "processId": None}})
    w.send({"jsonrpc": "1.0", "id": 8, "method": "shutdown"})
    w.send({"jsonrpc": 2.0, "id": 9, "method": "shutdown"})
    for msg_id in (7, 8, 9):
        assert error_code(w.response(msg_id)) == INVALID_REQUEST
    w.send({"method": "initialized", "params": {}})  # no id: answered with a null id (JSON-RPC)
    assert error_code(w.response(None)) == INVALID_REQUEST
    # none of them was handled: the server has not shut down and initializes now
    assert "capabilities" in initialize(w)["result"]


def test_a_method_that_is_not_a_string_gets_invalid_request(server):
    w = server.wire
    w.send({"jsonrpc": "2.0", "id": 10, "method": 42})
    w.send({"jsonrpc": "2.0", "id": 11, "method": None, "params": {}})
    w.send({"jsonrpc": "2.0", "id": 12, "method": ["shutdown"]})
    for msg_id in (10, 11, 12):
        assert error_code(w.response(msg_id)) == INVALID_REQUEST
    w.send({"jsonrpc": "2.0", "method": {"name": "exit"}})
    assert error_code(w.response(None)) == INVALID_REQUEST
    assert server.proc.poll() is None  # that "exit" was not taken for one


def test_what_is_not_a_message_object_gets_invalid_request_with_a_null_id(server):
    w = server.wire
    for body in ([{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}], "shutdown", 5, None,
                 {"jsonrpc": "2.0", "id": {"n": 1}, "method": "shutdown"}, {"jsonrpc": "2.0", "id": 3}):
        w.send_body(json.dumps(body).encode())
        reply = w.response(None)
        assert error_code(reply) == INVALID_REQUEST, (body, reply)
    assert "capabilities" in initialize(w)["result"]


def test_requests_before_initialize_get_server_not_initialized_and_notifications_are_dropped(server):
    w = server.wire
    w.send({"jsonrpc": "2.0", "id": 20, "method": "shutdown"})
    w.send({"jsonrpc": "2.0", "id": 21, "method": "workspace/executeCommand",
            "params": {"command": "jumpcoder.status", "arguments": []}})
    for msg_id in (20, 21):
        reply = w.response(msg_id)
        assert error_code(reply) == SERVER_NOT_INITIALIZED and "before initialize" in reply["error"]["message"]
    # a didOpen before initialize is dropped: the document is not known afterwards
    w.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": "file:///early.py", "languageId": "python", "version": 1, "text": "x = 1\n"}}})
    assert "capabilities" in initialize(w)["result"]
    assert "document" not in w.command("jumpcoder.status", {"uri": "file:///early.py"})
    # neither shutdown took effect: the server goes on serving
    assert w.command("jumpcoder.status")["state"] in ("loading", "ready")
    assert server.proc.poll() is None


def test_requests_after_shutdown_get_invalid_request_and_exit_ends_the_process_with_0(server):
    w = server.wire
    initialize(w)
    assert w.command("jumpcoder.status", {"waitReady": True})["state"] == "ready"
    reply = w.call("shutdown")
    assert "result" in reply and reply["result"] is None, reply
    status = w.call("workspace/executeCommand", {"command": "jumpcoder.status", "arguments": []})
    assert error_code(status) == INVALID_REQUEST and "shutdown" in status["error"]["message"], status
    assert error_code(w.call("shutdown")) == INVALID_REQUEST
    w.notify("exit")
    assert server.exit_within(2.0) == 0
    assert not w.junk


def test_exit_without_shutdown_ends_the_process_with_1(server):
    initialize(server.wire)
    server.wire.notify("exit")
    assert server.exit_within(2.0) == 1
