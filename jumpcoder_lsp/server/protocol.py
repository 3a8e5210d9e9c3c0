"""pygls' protocol, with every request answered (pygls pitfall 1) and our own document sync.

pygls 2.1.1 structures each incoming message with lsprotocol's converter inside the JSON decoder's
``object_hook``. When that fails (a negative line, a position sent as a string, a missing field),
it logs and drops the message: a request never gets a response and the client waits forever. Here
the failure is answered at that same place, before any handler runs: a request gets JSON-RPC error
-32602 (InvalidParams), a response to one of our requests fails that request's future, and a
notification is logged (it cannot be answered).

Document sync: pygls' builtin didOpen/didChange/didClose keep pygls' own copy of each document,
which splits lines with ``str.splitlines`` (pitfall 2) and, worse, *mutates the incoming change*:
``PositionCodec.position_from_client_units`` sets ``position.character = len(line) - 1`` when the
character is past the end of what pygls thinks the line is, so the handler that runs next reads a
corrupted range (measured: a form feed earlier in the file turned an insert at (5, 4) into one at
(5, 0)). The server keeps its own documents (:mod:`.documents`), so these builtins only forward to
the server's handlers and pygls' workspace holds no documents.

JSON-RPC: the transport (:mod:`.transport`) hands each message body to :meth:`handle_body`, which
answers what pygls would drop in silence: a body that is not JSON gets -32700 (Parse error, id
null); a message that is not a JSON-RPC 2.0 object (no ``"jsonrpc": "2.0"``, a method that is not a
string, an id that is neither an integer nor a string, a batch) gets -32600 (Invalid Request, with
the request's id when it has a usable one). A request after ``shutdown`` gets -32600 too (LSP).
``shutdown`` cancels every pending request (pygls' loop, over a copy of its table). ``exit`` and
the client's ``processId`` are handed to the transport's :class:`~.transport.Lifetime`, which ends
the process at once.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Optional

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol, lsp_method

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002


class ClientTimeout(Exception):
    """The client did not answer a server-to-client request in time."""


def _valid_id(msg_id: Any) -> bool:
    return isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)


def request_problem(data: Any) -> Optional[str]:
    """Why ``data`` (a parsed message) is not a JSON-RPC 2.0 message, or None."""
    if isinstance(data, list):
        return "batches are not supported"
    if not isinstance(data, dict):
        return "a message must be a JSON object"
    if data.get("jsonrpc") != "2.0":
        return 'a message must have "jsonrpc": "2.0"'
    if "method" in data:
        if not isinstance(data["method"], str):
            return '"method" must be a string'
        if "id" in data and not _valid_id(data["id"]):
            return '"id" must be an integer or a string'
        return None
    if "id" in data and ("result" in data or "error" in data):
        return None  # a response to one of our requests
    return 'a message must have a "method" (or be a response with an "id")'


def _is_response(data: Any) -> bool:
    return isinstance(data, dict) and "method" not in data and "id" in data and ("result" in data or "error" in data)


class _Handled:
    """A message that failed to structure and has been dealt with; :meth:`handle_message` skips it."""

    jsonrpc = "2.0"

    def __init__(self, method: str):
        self.method = method


class JumpCoderProtocol(LanguageServerProtocol):
    #: set by the transport (:class:`~.transport.Lifetime`); None: ``exit`` raises SystemExit
    lifetime = None
    #: True once the ``initialize`` request has come; before it, LSP answers requests with
    #: -32002 and drops notifications (``exit`` excepted)
    initialize_seen = False

    # -- JSON-RPC -----------------------------------------------------------------------

    def handle_body(self, body: bytes) -> None:
        """One message as it came off the wire."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, too deep
            log.warning("a message that is not JSON: %s", exc)
            self._send_error(None, PARSE_ERROR, f"Parse error: {exc}")
            return
        self.handle_data(data)

    def handle_data(self, data: Any) -> None:
        """One parsed message: checked, structured (answering what cannot be) and handled."""
        problem = request_problem(data)
        if problem is not None:
            log.warning("an invalid JSON-RPC message: %s", problem)
            if _is_response(data):
                self._fail_request(data["id"], f"invalid response: {problem}")
            else:
                # a request's id when it has one; a message without a method is no request
                is_request = isinstance(data, dict) and "method" in data and _valid_id(data.get("id"))
                msg_id = data["id"] if is_request else None
                self._send_error(msg_id, INVALID_REQUEST, f"Invalid Request: {problem}")
            return
        try:
            self.handle_message(self.structure_message(data))
        except Exception:  # noqa: BLE001 - one message must not stop the server
            log.exception("failed to handle a %s message", data.get("method", "response"))

    def _send_error(self, msg_id, code: int, message: str) -> None:
        """An error response; ``"id": null`` when the id is unknown (pygls' own message type would
        leave the id out, which JSON-RPC does not allow)."""
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

    def _fail_request(self, msg_id, reason: str) -> None:
        """A response to one of our requests that cannot be used: fail that request."""
        if not _valid_id(msg_id):
            return
        future = self._request_futures.pop(msg_id, None)
        self._result_types.pop(msg_id, None)
        if future is not None and not future.done():
            future.set_exception(JsonRpcInvalidParams(reason))

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            return self._unstructurable(data, exc)

    def _unstructurable(self, data: dict[str, Any], exc: Exception) -> _Handled:
        method = data.get("method") if isinstance(data.get("method"), str) else ""
        cause = exc.__cause__ or exc
        detail = _describe(cause)
        msg_id = data.get("id")
        valid_id = _valid_id(msg_id)
        if method and "id" in data:
            log.warning("invalid params for %s (id %r): %s", method, msg_id, detail)
            self._send_error(msg_id if valid_id else None, INVALID_PARAMS, f"Invalid params for {method}: {detail}")
        elif "id" in data and valid_id:
            # a malformed response to one of our requests: fail that request instead of hanging
            self._fail_request(msg_id, f"malformed response: {detail}")
            log.warning("malformed response to request %r: %s", msg_id, detail)
        else:
            log.error("dropped a notification %s with invalid params: %s", method or "<no method>", detail)
        return _Handled(method)

    def handle_message(self, message):
        if isinstance(message, _Handled):
            return
        method = getattr(message, "method", None)
        if method == types.INITIALIZE:
            self.initialize_seen = True
        elif not self.initialize_seen and method is not None and method != types.EXIT:
            if getattr(message, "id", None) is not None:
                self._send_error(message.id, SERVER_NOT_INITIALIZED, f"Server not initialized: {method} before initialize")
            else:
                log.info("dropped the notification %s before initialize", method)
            return
        if self._shutdown and method is not None and method != types.EXIT:
            if getattr(message, "id", None) is not None:  # a request: answered, never dropped (LSP)
                self._send_error(message.id, INVALID_REQUEST, f"Invalid Request: {method} after shutdown")
            else:
                log.info("ignored the notification %s after shutdown", method)
            return
        super().handle_message(message)

    # -- the process's lifetime ---------------------------------------------------------

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        result = yield from super().lsp_initialize(params)
        report = getattr(self._server, "experimental_capabilities", None)
        if report is not None:  # the server's own (LSP's place for capabilities outside the spec)
            result.capabilities.experimental = report()
        if self.lifetime is not None:
            self.lifetime.watch_client(params.process_id)
        return result

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args):
        """pygls' shutdown, cancelling the pending requests over a copy of its table: cancelling a
        command's (concurrent) future runs its done callback at once, which removes it from the
        table, and pygls' own loop then raised "dictionary changed size during iteration", so that
        ``shutdown`` was answered with an internal error whenever a command was running."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args):
        if (user_handler := self.fm.features.get(types.EXIT)) is not None:
            yield user_handler, args, None
        code = 0 if self._shutdown else 1
        if self.lifetime is None:
            sys.exit(code)
        self.lifetime.end(code, "exit")

    def _forward(self, method: str, params):
        if (user_handler := self.fm.features.get(method)) is not None:
            yield user_handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        yield from self._forward(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        yield from self._forward(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        yield from self._forward(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _handle_cancel_notification(self, msg_id):
        """pygls cancels the request's future, which for ``workspace/executeCommand`` (a generator
        builtin that runs the command as a separate task) does not stop the command (pitfall 3):
        tell the server, which sets the request's own cancellation flag."""
        super()._handle_cancel_notification(msg_id)
        on_cancel = getattr(self._server, "on_cancel_request", None)
        if on_cancel is not None:
            on_cancel(msg_id)


def _describe(exc: BaseException) -> str:
    """A short, readable account of a cattrs structuring error."""
    try:
        from cattrs.errors import ClassValidationError
        from cattrs.v import transform_error

        if isinstance(exc, ClassValidationError):
            return "; ".join(transform_error(exc))
    except Exception:  # noqa: BLE001 - the description is best effort
        pass
    return f"{type(exc).__name__}: {exc}"
