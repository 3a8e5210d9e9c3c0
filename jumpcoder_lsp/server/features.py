"""The LSP methods and commands of the JumpCoder server: one function per method, named after it.

Each has the same shape: get the document (:meth:`~.server.JumpCoderServer.require_document`), build
the engine request from its :class:`~.documents.Snapshot`, call the engine (through the server's
scheduling or the model worker), convert the result through :mod:`jumpcoder_lsp.edits`.
:func:`~.server.build_server` registers them. Features:

* ``textDocument/inlineCompletion``: the continuation as the item; the lines inserted above the
  cursor in ``item.data`` (previews, with ``summary``: what accepting inserts, in words) and applied
  by ``item.command`` = ``jumpcoder.applyEdit`` after the client has inserted the continuation.
  An insert-only suggestion (nothing to add at the cursor, lines to insert above: the cursor line
  is complete) is still offered: ``insertText`` "" over an empty range at the cursor,
  ``data.insertOnly`` true, the same command.
* ``textDocument/completion``: one item, ``textEdit`` = continuation, ``additionalTextEdits`` =
  the insertions (insert-only: an empty ``textEdit`` and a label saying what is inserted).
* ``jumpcoder.completeFunction`` {uri, position}: to the end of the function, one versioned
  ``workspace/applyEdit`` with every edit, work-done progress, cancellation.
* diagnostics for undefined names (:mod:`.diagnostics`) + the code action "JumpCoder: insert
  missing definition" (``jumpcoder.insertDefinition``); in Python documents, diagnostics for APIs
  the installed version lacks + the code action "JumpCoder: replace with X" (a versioned edit
  computed with the diagnostic, for its version; no model call).
* ``jumpcoder.status``: the server's state.

This module does not import :mod:`.server` (it imports this one): ``ls`` is the
:class:`~.server.JumpCoderServer`, passed by pygls (a first parameter named ``ls``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Optional

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from .. import __version__
from .. import edits as E
from ..config import ServerConfig
from ..runtime.base import Cancelled
from .diagnostics import DIAGNOSTIC_SOURCE, REMOVED_API, UNDEFINED_NAME
from .documents import Snapshot
from .worker import CancelToken

log = logging.getLogger(__name__)

COMMAND_APPLY = "jumpcoder.applyEdit"
COMMAND_COMPLETE_FUNCTION = "jumpcoder.completeFunction"
COMMAND_INSERT_DEFINITION = "jumpcoder.insertDefinition"
COMMAND_STATUS = "jumpcoder.status"

#: the labels of jumpcoder.applyEdit's workspace/applyEdit: after an accepted continuation (editors
#: join it to the accept's undo step), and for an insert-only suggestion (an undo step of its own)
LABEL_INSERTED_LINES = "JumpCoder: inserted lines"
LABEL_INSERT_ONLY = "JumpCoder: inserted lines (insert-only suggestion)"

CODE_ACTION_TITLE = "JumpCoder: insert missing definition"
REPLACE_TITLE = "JumpCoder: replace with {}"

#: how long jumpcoder.applyEdit waits for the didChange that carries the accepted continuation
ACCEPT_WAIT_S = 1.0


@attrs.define
class InlineItem(types.InlineCompletionItem):
    """LSP 3.18's InlineCompletionItem has no ``data``; lsprotocol would drop it. Handlers return a
    plain list of these so pygls unstructures each by its runtime class and ``data`` survives."""

    data: Any = None


# ----------------------------------------------------------------------------------------
# lifecycle and configuration


def initialize(ls, params: types.InitializeParams):
    """LSP initialize."""
    ls.client_info = params.client_info
    ls.loop = asyncio.get_running_loop()
    enc = ls.protocol.workspace.position_encoding
    ls.documents.encoding = getattr(enc, "value", enc) or E.UTF16
    if params.initialization_options is not None:
        ls.apply_settings(params.initialization_options, origin="initializationOptions")
    ls.config = ServerConfig.from_environment(ls.config)
    ls.workspace_root = _workspace_root(params)


def initialized(ls, params: types.InitializedParams):
    """LSP initialized."""
    ls.mark_initialized()
    log.info("jumpcoder-lsp %s, position encoding %s", __version__, ls.documents.encoding)
    ls.start_loading(ls.config)
    ls.discover_environment()


def shutdown(ls, params):
    """LSP shutdown."""
    ls.stop_work()


def did_change_configuration(ls, params: types.DidChangeConfigurationParams):
    """LSP workspace/didChangeConfiguration."""
    if params.settings is not None:
        ls.apply_settings(params.settings, origin="settings")


def work_done_progress_cancel(ls, params: types.WorkDoneProgressCancelParams):
    """LSP window/workDoneProgress/cancel."""
    ls.progresses.cancel(params.token)


# ----------------------------------------------------------------------------------------
# documents


def did_open(ls, params: types.DidOpenTextDocumentParams):
    """LSP textDocument/didOpen."""
    doc = ls.documents.open(params.text_document)
    ls.refused(doc)  # warn at once, whatever features are enabled
    ls.diagnostics.schedule(doc, delay=0)


def did_change(ls, params: types.DidChangeTextDocumentParams):
    """LSP textDocument/didChange."""
    doc = ls.documents.change(params)
    if doc is None:
        return
    ls.document_changed(doc.uri)
    ls.schedule_warm(doc, params)
    ls.diagnostics.schedule(doc)


def did_close(ls, params: types.DidCloseTextDocumentParams):
    """LSP textDocument/didClose."""
    ls.document_closed(params.text_document.uri)


# ----------------------------------------------------------------------------------------
# suggestions


async def inline_completion(ls, params: types.InlineCompletionParams):
    """LSP textDocument/inlineCompletion."""
    doc = ls.require_document(params.text_document.uri)
    ls.require_cursor(doc, params.position)
    if not ls.config.enable_inline or ls.refused(doc):
        return []
    invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
    s = await ls.suggest(params.text_document.uri, params.position, kind="inline", debounce=not invoked)
    if s is None or s.empty:
        return []
    doc = ls.documents.get(params.text_document.uri)
    # insert-only (nothing to add at the cursor, lines to insert above): an item that inserts
    # nothing over an empty range at the cursor; its command applies the lines
    start = params.position if s.start == s.offset else doc.position(s.start)
    cursor = types.Range(start=start, end=params.position)
    lines = [i.to_json() for i in s.insertions]
    summary = E.describe_insertions(s.insertions)
    command = None
    if s.insertions:
        command = types.Command(
            title=f"JumpCoder: {summary}",
            command=COMMAND_APPLY,
            arguments=[{"id": s.id, "uri": s.uri, "insertions": lines}],
        )
    return [
        InlineItem(
            insert_text=s.continuation,
            range=cursor,
            command=command,
            data={"id": s.id, "version": s.version, "insertions": lines, "jumps": s.jumps,
                  "insertOnly": s.insert_only, "summary": summary},
        )
    ]


async def completion(ls, params: types.CompletionParams):
    """LSP textDocument/completion."""
    doc = ls.require_document(params.text_document.uri)
    ls.require_cursor(doc, params.position)
    empty = types.CompletionList(is_incomplete=True, items=[])
    if not ls.config.enable_completion or ls.refused(doc):
        return empty
    invoked = params.context is None or params.context.trigger_kind == types.CompletionTriggerKind.Invoked
    s = await ls.suggest(doc.uri, params.position, kind="completion", debounce=not invoked)
    if s is None or s.empty:
        return empty
    doc = ls.documents.get(doc.uri)
    start = params.position if s.start == s.offset else doc.position(s.start)
    # insert-only: the main edit inserts nothing at the cursor, the label says what is inserted
    main, extra = E.completion_edits(doc.text, params.position, s.continuation, s.insertions, doc.encoding, start=start)
    first = next((ln.strip() for ln in E.split_lines(s.continuation) if ln.strip()), s.continuation.strip())
    label = first[:80] if s.continuation else f"JumpCoder: {E.describe_insertions(s.insertions)}"
    preview = "".join(i.text for i in s.insertions)
    detail = "JumpCoder" + (f" (+{len(s.insertions)} insertion{'s' if len(s.insertions) > 1 else ''} above)" if s.insertions else "")
    item = types.CompletionItem(
        label=label or "JumpCoder",
        kind=types.CompletionItemKind.Text,
        detail=detail,
        documentation=(preview + "⋮\n" if preview else "") + s.continuation,
        text_edit=main,
        additional_text_edits=extra or None,
        insert_text_format=types.InsertTextFormat.PlainText,
        sort_text="0",
        preselect=True,
        data={"id": s.id},
    )
    return types.CompletionList(is_incomplete=True, items=[item])


# ----------------------------------------------------------------------------------------
# commands


async def apply_edit(ls, *args):
    """Command jumpcoder.applyEdit (workspace/executeCommand)."""
    # After the client inserted an inline item's continuation (for an insert-only item: nothing):
    # insert its lines above, computed from the document as it is now, provided everything before
    # the cursor is still as the suggestion saw it.
    arg = _object_arg(args, COMMAND_APPLY, required=("id",))
    s = ls.store.get(str(arg["id"]))
    if s is None:
        return {"applied": False, "reason": "unknown or expired suggestion"}
    if s.applied:
        return {"applied": False, "reason": "already applied"}
    token = ls.request_token()
    try:
        doc = ls.documents.get(s.uri)
        if doc is None:
            return {"applied": False, "reason": "document closed"}
        if not s.insertions:
            s.applied = True
            return {"applied": True, "edits": 0}
        if not s.continuation_landed(doc.text) and doc.version == s.version:
            # the didChange carrying the accepted text may still be on its way
            await ls.next_edit(s.uri, ACCEPT_WAIT_S)
        if token.cancelled:
            return {"applied": False, "reason": "cancelled"}
        doc = ls.documents.get(s.uri)
        if doc is None:
            return {"applied": False, "reason": "document closed"}
        if not s.continuation_landed(doc.text):
            log.info("not applying %s: the document does not hold the accepted suggestion", s.id)
            return {"applied": False, "reason": "the document no longer matches the suggestion"}
        snap = doc.snapshot(with_tree=False)
        edits = E.insertion_edits(snap.text, s.insertions, snap.encoding)
        s.applied = True  # before awaiting: a second command for the same suggestion does nothing
        # the label tells a client whether a continuation went in just before (join its undo
        # step) or nothing did (insert-only: the lines are an undo step of their own)
        label = LABEL_INSERT_ONLY if s.insert_only else LABEL_INSERTED_LINES
        outcome = await ls.send_edits(snap, edits, label, cancel=token)
        if outcome.reason in ("cancelled", "stale"):  # refused before sending: nothing reached the editor
            s.applied = False
        elif not outcome.applied:
            ls.show(types.MessageType.Warning, f"JumpCoder: the editor did not apply the lines above the cursor ({outcome.reason}).")
        return {"applied": outcome.applied, "edits": len(edits), **({"reason": outcome.reason} if outcome.reason else {})}
    finally:
        ls.release_token(token)


async def complete_function(ls, *args):
    """Command jumpcoder.completeFunction (workspace/executeCommand)."""
    # To the end of the function, in one versioned edit. The cursor, the text the model sees and
    # the version the edit is sent for all come from the snapshot taken when the request arrives;
    # when the user edits the document meanwhile, nothing is sent (run it again).
    uri, position = _uri_position_args(args)
    doc = ls.require_document(uri)
    offset, line, column = ls.require_cursor(doc, position)
    if ls.refused(doc):
        return {"applied": False, "reason": "too large"}
    if doc.spec is None:
        raise JsonRpcInvalidParams(f"no language support for {doc.language_id!r}")
    spec = doc.spec
    snap = doc.snapshot()
    token = ls.begin_request(uri, "function")
    try:
        async with ls.progress("JumpCoder", "completing the function", cancel=token) as p:
            return await _complete_function(ls, snap, spec, position, offset, line, column, token, p)
    except Cancelled:
        return ls.cancelled_answer(token, snap)
    except asyncio.CancelledError:
        token.cancel("request cancelled")
        raise
    finally:
        ls.finish_request(uri, "function", token)


async def insert_definition(ls, *args):
    """Command jumpcoder.insertDefinition (workspace/executeCommand; the code action's)."""
    arg = _object_arg(args, COMMAND_INSERT_DEFINITION, required=("uri", "name", "line"))
    doc = ls.require_document(arg["uri"])
    name, use_line = arg["name"], arg["line"]
    if not isinstance(name, str) or not isinstance(use_line, int) or not 0 <= use_line < doc.line_count:
        raise JsonRpcInvalidParams("expected {uri, name: string, line: a line of the document}")
    if ls.refused(doc):
        return {"applied": False, "reason": "too large"}
    snap = doc.snapshot()  # the text the definition is computed for and the edit is sent for
    token = ls.begin_request(doc.uri, "definition")
    try:
        if token.cancelled:
            return ls.cancelled_answer(token, snap)
        if not ls.worker.ready:
            ls.show(types.MessageType.Info, "JumpCoder: the model is not ready yet.")
            return {"applied": False, "reason": "not ready"}
        try:
            insertion = await ls.worker.define(snap, doc.spec, name, use_line, config=ls.config.engine, token=token)
        except Cancelled:
            return ls.cancelled_answer(token, snap)
        except asyncio.CancelledError:
            token.cancel("request cancelled")
            raise
        if token.cancelled:  # the infilling model may not poll the flag
            return ls.cancelled_answer(token, snap)
        if insertion is None:
            ls.show(types.MessageType.Info, f"JumpCoder: the model proposed no definition for '{name}'.")
            return {"applied": False, "reason": "no definition found"}
        ins = E.insertions_for_document([insertion], snap.text)
        edits = E.insertion_edits(snap.text, ins, snap.encoding)
        outcome = await ls.send_edits(snap, edits, f"JumpCoder: define {name}", cancel=token)
        if outcome.reason == "stale":
            return ls.stale(snap)
        out = {"applied": outcome.applied, "line": insertion.before_line, "text": ins[0].text}
        return out if outcome.applied else {**out, "reason": outcome.reason}
    finally:
        ls.finish_request(doc.uri, "definition", token)


async def status(ls, *args):
    """Command jumpcoder.status (workspace/executeCommand)."""
    # The server's state (for users, editor plugins and tests). ``{"waitReady": true}`` waits for
    # the model load (and the environment judge's discovery) to end; ``{"waitIdle": true}`` until
    # the model thread has nothing queued or running.
    arg = args[0] if args and isinstance(args[0], dict) else {}
    if arg.get("waitReady"):
        await ls.worker.wait_ready()
        await ls.environment_ready()
    if arg.get("waitIdle"):
        await ls.worker.wait_idle()
    out = {
        "state": ls.worker.state,
        "model": ls.worker.description,
        "device": ls.worker.device,
        "error": ls.worker.error or None,
        "busy": ls.worker.busy,
        "positionEncoding": ls.documents.encoding,
        "stats": dict(ls.stats),
        "config": ls.config.to_json(),
        "languages": languages(),
        "environment": None if ls.environment is None else {
            "description": ls.environment.description, "complete": ls.environment.complete},
        "toolchains": {language: {"description": env.description, "complete": env.complete}
                       for language, env in ls.toolchains.items()},
    }
    doc = ls.documents.get(arg.get("uri")) if isinstance(arg.get("uri"), str) else None
    if doc is not None:  # what the server knows of a document; never its text (status is for anyone)
        out["document"] = {"uri": doc.uri, "version": doc.version, "languageId": doc.language_id, "lines": doc.line_count}
    return out


# ----------------------------------------------------------------------------------------
# diagnostics' code action


def code_action(ls, params: types.CodeActionParams):
    """LSP textDocument/codeAction."""
    doc = ls.require_document(params.text_document.uri)
    actions = []
    for d in params.context.diagnostics:
        if d.source != DIAGNOSTIC_SOURCE or d.code not in (UNDEFINED_NAME, REMOVED_API):
            continue
        name = d.data.get("name") if isinstance(d.data, dict) else None
        if not name or not isinstance(name, str):
            continue
        if d.code == REMOVED_API:
            actions.extend(_replacements(ls, doc, d, name))
            continue
        actions.append(
            types.CodeAction(
                title=f"{CODE_ACTION_TITLE} for '{name}'",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[d],
                command=types.Command(
                    title=CODE_ACTION_TITLE,
                    command=COMMAND_INSERT_DEFINITION,
                    arguments=[{"uri": doc.uri, "name": name, "line": d.range.start.line}],
                ),
            )
        )
    return actions


def _replacements(ls, doc, d: types.Diagnostic, name: str) -> list[types.CodeAction]:
    """The "replace with X" actions of a removed-API diagnostic: the edits computed with it, for
    the document's version then (none once the document has changed), sent as a versioned edit."""
    out = []
    for replacement, preferred, edits in ls.diagnostics.fixes_for(doc.uri, doc.version, d.range, name):
        change = types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
            edits=list(edits))
        out.append(types.CodeAction(title=REPLACE_TITLE.format(replacement), kind=types.CodeActionKind.QuickFix,
                                    diagnostics=[d], is_preferred=preferred or None,
                                    edit=types.WorkspaceEdit(document_changes=[change])))
    return out


# ----------------------------------------------------------------------------------------
# the steps the commands share


async def _complete_function(ls, snap: Snapshot, spec, position, offset: int, line: int, column: int,
                             token: CancelToken, p) -> dict:
    """jumpcoder.completeFunction once its snapshot is taken: wait for the model, run it, send."""
    if not ls.worker.ready:
        p.report("waiting for the model to load")
        if not await ls.worker.wait_ready():
            raise JsonRpcInternalError(f"the model is not available: {ls.worker.error or ls.worker.state}")
    if token.cancelled:
        raise Cancelled()
    if ls.documents.current(snap) is None:  # edited while the model loaded: the cursor is stale
        ls.stats["stale_dropped"] += 1
        return ls.stale(snap, p)
    report = p.threadsafe()
    try:
        completion = await ls.worker.complete(snap, spec, line, column, config=ls.engine_for(spec.name, uri=snap.uri),
                                              method=ls.config.method, token=token, progress=report)
    except (Cancelled, JsonRpcException):
        raise
    except Exception as exc:  # noqa: BLE001 - a full context, out of memory...: an error answer, the server stays up
        raise ls.model_failed(exc) from exc
    if token.cancelled:
        raise Cancelled()
    s = ls.make_suggestion(snap, offset, line, completion)
    start = position if s.start == s.offset else E.offset_to_position(snap.text, s.start, snap.encoding, starts=snap.starts)
    main, extra = E.completion_edits(snap.text, position, s.continuation, s.insertions, snap.encoding, start=start)
    edits = [e for e in extra if e.new_text] + ([main] if main.new_text or s.start != s.offset else [])
    n_lines = len(E.split_lines(s.continuation)) if s.continuation else 0
    summary = f"{n_lines} lines, {s.jumps} jump{'s' if s.jumps != 1 else ''}"
    if not edits:
        p.end("nothing to add")
        return {"applied": False, "reason": "empty", "lines": 0, "jumps": 0}
    p.report(f"applying: {summary}")
    outcome = await ls.send_edits(snap, edits, "JumpCoder: complete function", cancel=token)
    if outcome.reason == "cancelled":
        raise Cancelled()
    if outcome.reason == "stale":
        return ls.stale(snap, p)
    p.end(summary if outcome.applied else f"not applied: {outcome.reason}")
    out = {"applied": outcome.applied, "lines": n_lines, "jumps": s.jumps, "edits": len(edits)}
    return out if outcome.applied else {**out, "reason": outcome.reason}


# ----------------------------------------------------------------------------------------
# arguments


def languages() -> dict[str, list[str]]:
    """The languages this server supports and the LSP languageIds that select each."""
    from ..languages import language_ids

    return language_ids()


def _workspace_root(params: types.InitializeParams) -> Optional[str]:
    """The first workspace folder, else rootUri, else rootPath (a local path; None if none)."""
    from pygls.uris import to_fs_path

    folders = params.workspace_folders or []
    uri = folders[0].uri if folders else params.root_uri
    path = to_fs_path(uri) if uri else params.root_path
    return path if path and os.path.isdir(path) else None


def _object_arg(args: tuple, command: str, *, required: tuple[str, ...]) -> dict:
    if len(args) != 1 or not isinstance(args[0], dict) or any(k not in args[0] for k in required):
        raise JsonRpcInvalidParams(f"{command} expects one object argument with {', '.join(required)}")
    return args[0]


def _uri_position_args(args: tuple) -> tuple[str, types.Position]:
    """``[{uri, position}]`` or ``[uri, position]``."""
    if len(args) == 1 and isinstance(args[0], dict):
        uri, pos = args[0].get("uri"), args[0].get("position")
    elif len(args) == 2:
        uri, pos = args
    else:
        raise JsonRpcInvalidParams(f"{COMMAND_COMPLETE_FUNCTION} expects {{uri, position}}")
    ok = (
        isinstance(uri, str)
        and isinstance(pos, dict)
        and all(isinstance(pos.get(k), int) and not isinstance(pos.get(k), bool) and pos.get(k) >= 0 for k in ("line", "character"))
    )
    if not ok:
        raise JsonRpcInvalidParams(f"{COMMAND_COMPLETE_FUNCTION} expects {{uri: string, position: {{line, character}}}}, got {args!r}")
    return uri, types.Position(line=pos["line"], character=pos["character"])
