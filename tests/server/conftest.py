"""End-to-end fixtures: the real server over stdio, driven like VS Code or Neovim.

``editor`` is a pytest-lsp client wrapped in :class:`Editor`, which keeps the client's own copy of
each document (in the negotiated position encoding), applies ``workspace/applyEdit`` the way
vscode-languageclient does (a ``TextDocumentEdit`` whose version differs from the editor's is
rejected) and sends the resulting ``didChange`` back, as a real editor would.

Every server started here is checked at teardown: each work-done progress it began has ended (a
spinner left running in the editor is a bug, whatever the test was about).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pathlib
import sys
from concurrent.futures import Future
from typing import Any, Optional

import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pygls.protocol import default_converter

from jumpcoder_lsp import edits as E

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTED = "scripted:jumpcoder_lsp.server.scripted:"
DEMO = SCRIPTED + "demo"

SERVER_ENV = {k: v for k, v in os.environ.items() if k != "JUMPCODER_LSP_MODEL"}
SERVER_ENV["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
SERVER_ENV["JUMPCODER_LSP_ALLOW_SCRIPTED"] = "1"  # the tests' settings name scripted models


def capabilities(preset: str) -> types.ClientCapabilities:
    """pytest-lsp's presets plus what the real editors send today (shared/notes): VS Code's
    vscode-languageclient 11 and Neovim 0.12 both announce textDocument.inlineCompletion."""
    if preset == "vscode":
        caps = client_capabilities("visual-studio-code")
    elif preset == "neovim":
        caps = client_capabilities("neovim")
    else:
        raise ValueError(preset)
    caps.text_document.inline_completion = types.InlineCompletionClientCapabilities(
        dynamic_registration=(preset == "vscode")
    )
    return caps


CLIENT_INFO = {
    "vscode": types.ClientInfo(name="Visual Studio Code", version="1.139.1"),
    "neovim": types.ClientInfo(name="Neovim", version="0.12.0"),
}


class Editor:
    """A minimal editor model over a pytest-lsp client."""

    def __init__(self, client: LanguageClient, preset: str):
        self.client = client
        self.preset = preset
        self.encoding = E.UTF16
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.applied_edits: list[types.ApplyWorkspaceEditParams] = []
        self.rejected_edits: list[types.ApplyWorkspaceEditParams] = []
        self._edit_waiters: list[Future] = []
        self._ids = itertools.count(1000)
        # a client that never answers these server-to-client requests (finding: they must time out)
        self.answer_apply_edit = True
        self.answer_progress_create = True
        self._held: list[asyncio.Future] = []  # the answers held back, released at teardown

    # -- session -------------------------------------------------------------------------

    async def start(self, options: Optional[dict] = None, root: Optional[pathlib.Path] = None) -> types.InitializeResult:
        result = await self.client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities(self.preset),
                client_info=CLIENT_INFO[self.preset],
                initialization_options=options,
                root_uri=(root or ROOT).as_uri(),
            )
        )
        enc = result.capabilities.position_encoding
        self.encoding = getattr(enc, "value", enc) or E.UTF16
        return result

    def errors(self) -> list[str]:
        """The error messages (window/showMessage, type Error) the server has shown so far."""
        return [m.message for m in self.client.messages if m.type == types.MessageType.Error]

    async def wait_errors(self, n: int) -> list[str]:
        """The error messages, once there are at least ``n``."""
        while len(self.errors()) < n:
            await self.client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
        return self.errors()

    async def wait_ready(self) -> dict:
        """The status once the model load has ended (the server waits; no polling, no sleeping)."""
        return await self.command("jumpcoder.status", {"waitReady": True})

    async def status(self, wait_idle: bool = False) -> dict:
        return await self.command("jumpcoder.status", {"waitIdle": wait_idle})

    async def until(self, predicate) -> dict:
        """Poll jumpcoder.status until ``predicate(stats)`` holds; the status (the test's timeout bounds it)."""
        while True:
            st = await self.status()
            if predicate(st["stats"]):
                return st
            await asyncio.sleep(0.02)

    # -- documents -----------------------------------------------------------------------

    def open(self, uri: str, text: str, language: str = "python") -> None:
        self.texts[uri] = text
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
            )
        )

    def close(self, uri: str) -> None:
        self.texts.pop(uri, None)
        self.versions.pop(uri, None)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def end(self, uri: str) -> types.Position:
        return E.end_position(self.texts[uri], self.encoding)

    def pos(self, uri: str, offset: int) -> types.Position:
        return E.offset_to_position(self.texts[uri], offset, self.encoding)

    def edit(self, uri: str, edits: list[types.TextEdit]) -> None:
        """Apply edits locally and send them as one incremental didChange."""
        text = self.texts[uri]
        # send them back to front so that each range refers to the text the server holds then
        order = sorted(
            range(len(edits)),
            key=lambda i: (edits[i].range.start.line, edits[i].range.start.character, i),
            reverse=True,
        )
        changes = []
        for i in order:
            e = edits[i]
            changes.append(types.TextDocumentContentChangePartial(range=e.range, text=e.new_text))
        self.texts[uri] = E.apply_text_edits(text, edits, self.encoding)
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=changes,
            )
        )

    def type(self, uri: str, text: str, at: Optional[types.Position] = None) -> types.Position:
        """Type ``text`` at ``at`` (default: the end); returns the cursor after it."""
        at = at or self.end(uri)
        self.edit(uri, [types.TextEdit(range=types.Range(start=at, end=at), new_text=text)])
        off = E.position_to_offset(self.texts[uri], at.line, at.character, self.encoding) + len(text)
        return self.pos(uri, off)

    # -- requests ------------------------------------------------------------------------

    async def inline(self, uri: str, position: types.Position, invoked: bool = True, msg_id=None):
        params = types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position,
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Invoked if invoked else types.InlineCompletionTriggerKind.Automatic
            ),
        )
        return await self.client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id)

    async def completion(self, uri: str, position: types.Position):
        return await self.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position,
                context=types.CompletionContext(trigger_kind=types.CompletionTriggerKind.Invoked),
            )
        )

    async def command(self, name: str, *arguments: Any, msg_id=None):
        return await self.client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND,
            types.ExecuteCommandParams(command=name, arguments=list(arguments)),
            msg_id=msg_id,
        )

    def send_command(self, name: str, *arguments: Any, msg_id=None) -> asyncio.Future:
        """Send workspace/executeCommand now, before whatever is sent after this call (pytest-lsp's
        ``send_request_async`` sends only once awaited); await the answer later."""
        future = self.client.protocol.send_request(
            types.WORKSPACE_EXECUTE_COMMAND,
            types.ExecuteCommandParams(command=name, arguments=list(arguments)),
            msg_id=msg_id,
        )
        return asyncio.wrap_future(future)

    def send_raw(self, message: dict) -> asyncio.Future:
        """Send a hand-written JSON-RPC request (e.g. ill-typed params) and await its response."""
        msg_id = message.setdefault("id", f"raw-{next(self._ids)}")
        message.setdefault("jsonrpc", "2.0")
        fut: Future = Future()
        self.client.protocol._request_futures[msg_id] = fut
        self.client.protocol._send_data(message)
        return asyncio.wrap_future(fut)

    def cancel(self, msg_id) -> None:
        self.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    # -- workspace/applyEdit -------------------------------------------------------------

    def on_apply_edit(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        edit = params.edit
        per_uri: list[tuple[str, Optional[int], list]] = []
        for change in edit.document_changes or []:
            per_uri.append((change.text_document.uri, change.text_document.version, list(change.edits)))
        for uri, edits in (edit.changes or {}).items():
            per_uri.append((uri, None, list(edits)))
        ok = all(uri in self.texts and (v is None or v == self.versions[uri]) for uri, v, _ in per_uri)
        if not ok:  # vscode-languageclient: a version mismatch is refused, silently
            self.rejected_edits.append(params)
            self._wake(False)
            return types.ApplyWorkspaceEditResult(applied=False)
        self.applied_edits.append(params)
        for uri, _, edits in per_uri:
            self.edit(uri, edits)
        self._wake(True)
        return types.ApplyWorkspaceEditResult(applied=True)

    def _wake(self, applied: bool) -> None:
        waiters, self._edit_waiters = self._edit_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(applied)

    def next_edit(self) -> asyncio.Future:
        fut: Future = Future()
        self._edit_waiters.append(fut)
        return asyncio.wrap_future(fut)

    # -- progress ------------------------------------------------------------------------

    def progress_values(self) -> list[Any]:
        return [v for values in self.client.progress_reports.values() for v in values]

    def unended_progress(self) -> list[Any]:
        """Tokens whose work-done progress began and has not ended (yet)."""
        return [
            token
            for token, values in self.client.progress_reports.items()
            if any(v.kind == "begin" for v in values) and not any(v.kind == "end" for v in values)
        ]

    async def wait_progress_ended(self, timeout: float = 5.0) -> list[Any]:
        """Wait up to ``timeout`` s for every begun progress to end; the tokens still open."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.unended_progress() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return self.unended_progress()

    async def hold(self) -> None:
        """Never answer (until teardown): what a hung editor does."""
        fut = asyncio.get_running_loop().create_future()
        self._held.append(fut)
        await fut

    def release(self) -> None:
        for fut in self._held:
            if not fut.done():
                fut.cancel()


async def _apply_edit(ls: LanguageClient, params: types.ApplyWorkspaceEditParams):
    if not ls.editor.answer_apply_edit:
        await ls.editor.hold()
    return ls.editor.on_apply_edit(params)


async def _create_progress(ls: LanguageClient, params: types.WorkDoneProgressCreateParams):
    if not ls.editor.answer_progress_create:
        await ls.editor.hold()
    return DEFAULT_CLIENT_FEATURES[types.WINDOW_WORK_DONE_PROGRESS_CREATE](ls, params)


def make_client() -> LanguageClient:
    """pytest-lsp's test client, with the editor's own applyEdit and progress-create handlers."""
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.WORKSPACE_APPLY_EDIT] = _apply_edit
    features[types.WINDOW_WORK_DONE_PROGRESS_CREATE] = _create_progress
    register_lsp_features(client, features)
    return client


SERVER_COMMAND = [sys.executable, "-m", "jumpcoder_lsp.server"]


def server_config(extra_env: Optional[dict] = None) -> ClientServerConfig:
    env = dict(SERVER_ENV)
    env.update(extra_env or {})
    return ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client, server_env=env)


async def _start_editor(preset: str, env: Optional[dict] = None) -> Editor:
    client = await server_config(env).start()
    editor = Editor(client, preset)
    client.editor = editor
    return editor


async def _stop_editor(editor: Editor) -> None:
    """Check that every work-done progress the server began has ended, then stop it."""
    unended: list[Any] = []
    try:
        unended = await editor.wait_progress_ended()
    finally:
        editor.release()
        try:
            await asyncio.wait_for(editor.client.shutdown_session(), 10)
        except (asyncio.TimeoutError, JsonRpcException, RuntimeError):
            pass
        await editor.client.stop()
    assert not unended, f"work-done progress begun and never ended: {unended}"


@pytest_asyncio.fixture(params=["vscode", "neovim"])
async def editor(request):
    """A server with the scripted demo model, initialized and ready, per client preset."""
    ed = await _start_editor(request.param)
    await ed.start({"model": DEMO, "debounceMs": 0})
    st = await ed.wait_ready()
    assert st["state"] == "ready", st
    yield ed
    await _stop_editor(ed)


@pytest_asyncio.fixture
async def make_editor():
    """Start servers with custom options: ``await make_editor(options, preset=..., wait=True)``;
    ``answer_progress_create=False``: the editor never answers window/workDoneProgress/create."""
    started: list[Editor] = []

    async def make(
        options: Optional[dict] = None,
        preset: str = "vscode",
        wait: bool = True,
        env: Optional[dict] = None,
        answer_progress_create: bool = True,
        root: Optional[pathlib.Path] = None,
    ):
        ed = await _start_editor(preset, env)
        ed.answer_progress_create = answer_progress_create
        started.append(ed)
        await ed.start(options, root)
        if wait:
            await ed.wait_ready()
        return ed

    yield make
    for ed in started:
        await _stop_editor(ed)
