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
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol, lsp_method

log = logging.getLogger(__name__)

INVALID_PARAMS = -32602


class _Handled:
    """A message that failed to structure and has been dealt with; :meth:`handle_message` skips it."""

    jsonrpc = "2.0"

    def __init__(self, method: str):
        self.method = method


class JumpCoderProtocol(LanguageServerProtocol):
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
        valid_id = isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)
        if method and "id" in data:
            log.warning("invalid params for %s (id %r): %s", method, msg_id, detail)
            error = types.ResponseError(code=INVALID_PARAMS, message=f"Invalid params for {method}: {detail}")
            self._send_response(msg_id if valid_id else None, error=error)
        elif "id" in data and valid_id:
            # a malformed response to one of our requests: fail that request instead of hanging
            future = self._request_futures.pop(msg_id, None)
            self._result_types.pop(msg_id, None)
            if future is not None and not future.done():
                future.set_exception(JsonRpcInvalidParams(f"malformed response: {detail}"))
            log.warning("malformed response to request %r: %s", msg_id, detail)
        else:
            log.error("dropped a notification %s with invalid params: %s", method or "<no method>", detail)
        return _Handled(method)

    def handle_message(self, message):
        if isinstance(message, _Handled):
            return
        super().handle_message(message)

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
