"""The JumpCoder language server: the state behind the LSP methods of :mod:`.features`.

Data flows one way: editor -> :class:`~.documents.Document` -> :class:`~.documents.Snapshot` ->
the worker (the engine) -> :class:`~jumpcoder_lsp.engine.Completion` -> TextEdits for the version
it was computed on -> editor. :func:`build_server` registers the features (one function per LSP
method or command, :mod:`.features`) on a :class:`JumpCoderServer`, which holds the documents, the
model worker, the suggestion store and the scheduling of model work (supersession, cancellation,
the inline budget, the warm prompt cache).

Every edit the server sends goes through :meth:`JumpCoderServer.send_edits`: computed from one
:class:`~.documents.Snapshot`, sent only while the open document is still that snapshot (not a
reopen with the same version number) and the request is not cancelled, versioned with its version.
Every work-done progress is begun and ended by :meth:`JumpCoderServer.progress`, and every request
to the client waits at most :data:`CLIENT_TIMEOUT_S`.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import os
import time
from collections import Counter, OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from .. import __version__
from .. import edits as E
from ..config import ServerConfig
from ..runtime.base import Cancelled
from . import features
from .documents import Document, Documents, Snapshot
from .diagnostics import DIAGNOSTIC_SOURCE, UNDEFINED_NAME, Diagnostics  # noqa: F401 - re-exported
from .features import (  # noqa: F401 - their import path before features.py
    ACCEPT_WAIT_S,
    CODE_ACTION_TITLE,
    COMMAND_APPLY,
    COMMAND_COMPLETE_FUNCTION,
    COMMAND_INSERT_DEFINITION,
    COMMAND_STATUS,
    LABEL_INSERT_ONLY,
    LABEL_INSERTED_LINES,
    InlineItem,
)
from .progress import Progress, Progresses
from .protocol import ClientTimeout, JumpCoderProtocol
from .suggestions import Suggestion, SuggestionStore, new_id
from .worker import CancelToken, ModelWorker, load_backend

log = logging.getLogger(__name__)

#: how long the server waits for the client to answer one of its requests (workspace/applyEdit,
#: window/workDoneProgress/create); the environment variable overrides it (tests use ~0.5 s)
CLIENT_TIMEOUT_S = 10.0
CLIENT_TIMEOUT_ENV = "JUMPCODER_LSP_CLIENT_TIMEOUT_S"

#: cancelled request ids remembered before their request has registered (a bounded FIFO)
EARLY_CANCELS = 256

#: the reason a request's token carries when an edit of its document superseded it
EDITED = "superseded by an edit"
#: the requests that answer with a suggestion (they supersede each other, see JumpCoderServer.begin_request)
SUGGEST_KINDS = ("inline", "completion")


def client_timeout_from_environment(environ=os.environ) -> float:
    """:data:`CLIENT_TIMEOUT_S`, or a positive number of seconds from :data:`CLIENT_TIMEOUT_ENV`."""
    raw = environ.get(CLIENT_TIMEOUT_ENV)
    if raw is None:
        return CLIENT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        log.warning("%s=%r is not a positive number of seconds; using %g s", CLIENT_TIMEOUT_ENV, raw, CLIENT_TIMEOUT_S)
        return CLIENT_TIMEOUT_S
    return value


@dataclass
class _Work:
    """The model job for one place (uri, serial, version, offset) and the token it polls."""

    task: asyncio.Future
    token: CancelToken
    #: the engine's latest partial Completion (set from the model thread) and the event set with it
    partial: Any = None
    changed: Optional[asyncio.Event] = None
    #: an inline answer went out before the job finished: it goes on with no request waiting
    background: bool = False
    #: the user has typed along the suggestion it is generating (see JumpCoderServer.document_changed)
    followed: bool = False


@dataclass(frozen=True)
class EditOutcome:
    """What became of an edit the server sent (or did not send): ``reason`` is empty when applied,
    "cancelled" / "stale" when it was not sent, else why the editor did not apply it."""

    applied: bool
    reason: str = ""


class JumpCoderServer(LanguageServer):
    def __init__(self, loader=load_backend):
        super().__init__(
            "jumpcoder-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=JumpCoderProtocol,
        )
        self.documents = Documents()
        self.config = ServerConfig.from_environment()
        self.stats: Counter = Counter()
        self.worker = ModelWorker(loader, stats=self.stats)
        self.store = SuggestionStore(self.config.cache_size)
        self._inflight: dict[tuple[str, str], CancelToken] = {}
        self._work: dict[tuple, _Work] = {}  # place -> the model job for it (see suggest)
        self._warm: dict[str, tuple[asyncio.Future, CancelToken]] = {}  # uri -> its background warm-up
        self._by_request: dict[Any, CancelToken] = {}
        self._early_cancels: "OrderedDict[Any, None]" = OrderedDict()
        self.client_timeout_s = client_timeout_from_environment()
        self._client_ids = itertools.count(1)
        self._queued_messages: list[tuple[types.MessageType, str]] = []
        self._refused_warned: set[int] = set()  # serials of the documents warned about (one warning each)
        self._changed: dict[str, asyncio.Event] = {}
        self._analysis = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jumpcoder-analysis")
        self._load_task: Optional[asyncio.Task] = None
        self.progresses = Progresses(self)
        self.diagnostics = Diagnostics(self, self._analysis)
        self._initialized = False
        self.client_info: Optional[types.ClientInfo] = None
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        #: the environment judge's environment (jumpcoder_lsp/environment.py), found once at
        #: initialized from the server's own --python / $JUMPCODER_PYTHON or the workspace's .venv
        #: (never from client settings); None until then
        self.environment = None
        #: the environment judge's facts for Java, C++ and C# (jumpcoder_lsp/toolchains): the
        #: machine's JDK, C++ compiler and .NET assemblies with the workspace's files (read only),
        #: found with the Python environment; a language missing here is not judged
        self.toolchains: dict[str, Any] = {}
        self.workspace_root: Optional[str] = None
        self._environment_task: Optional[asyncio.Future] = None

    # ------------------------------------------------------------------------------------
    # what the server reports about itself

    @staticmethod
    def experimental_capabilities() -> dict:
        """``capabilities.experimental`` of the initialize result: ``{"jumpcoder": {"languages":
        {name: [languageId, ...]}}}``, the languages this server supports and the LSP languageIds
        (Neovim filetypes) that select each, so that clients attach to them with no release of
        their own. ``jumpcoder.status`` reports the same ``languages``."""
        return {"jumpcoder": {"languages": features.languages()}}

    # ------------------------------------------------------------------------------------
    # messages

    def mark_initialized(self) -> None:
        """The client sent ``initialized``: messages go out from now on, the queued ones first."""
        self._initialized = True
        queued, self._queued_messages = self._queued_messages, []
        for kind, message in queued:
            self.show(kind, message)

    def show(self, kind: types.MessageType, message: str) -> None:
        if not self._initialized:
            self._queued_messages.append((kind, message))
            return
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def refused(self, doc: Document) -> bool:
        """True when ``doc`` is over the size limit or binary (documents.refusal): every feature
        answers it empty, the model never sees it; the first time, one warning for the document."""
        reason = doc.refusal
        if reason is None:
            return False
        self.stats["refused"] += 1
        if doc.serial not in self._refused_warned:
            self._refused_warned.add(doc.serial)
            name = doc.uri.rsplit("/", 1)[-1] or doc.uri
            self.show(types.MessageType.Warning,
                      f"JumpCoder is off for {name}: {reason}. No completions or diagnostics for this file.")
        return True

    # ------------------------------------------------------------------------------------
    # request validation (answered with -32602)

    def require_document(self, uri: Any) -> Document:
        if not isinstance(uri, str) or not uri:
            raise JsonRpcInvalidParams(f"expected a document URI, got {uri!r}")
        doc = self.documents.get(uri)
        if doc is None:
            raise JsonRpcInvalidParams(f"document is not open: {uri}")
        return doc

    @staticmethod
    def require_cursor(doc: Document, position: types.Position) -> tuple[int, int, int]:
        try:
            return doc.cursor(position)
        except E.PositionError as exc:
            raise JsonRpcInvalidParams(f"invalid position ({position.line}, {position.character}): {exc}") from None

    # ------------------------------------------------------------------------------------
    # the environment judge's environment

    def discover_environment(self) -> None:
        """Find the environment in the background (running a trusted interpreter may take a
        moment); requests before it is known run without the environment judge."""
        self._environment_task = asyncio.get_running_loop().run_in_executor(
            self._analysis, self._discover_environment, self.workspace_root)

    def _discover_environment(self, root: Optional[str]) -> None:
        from ..environment import PYTHON_ENV, EnvironmentUnavailable, discover

        try:
            env = discover(root)
        except EnvironmentUnavailable as exc:
            env = discover(root, environ={})
            log.warning("environment judge: %s (%s) cannot be used: %s; judging against %s instead",
                        PYTHON_ENV, os.environ.get(PYTHON_ENV), exc, env.description)
        if env.complete:
            log.info("environment judge: %s", env.description)
        else:
            log.warning("environment judge: the environment is unknown (no serve --python, no $%s, no .venv or "
                        "venv in the workspace root): only what the standard library's own modules lack is "
                        "rejected; third-party imports are not checked", PYTHON_ENV)
        self.environment = env
        self._discover_toolchains(root)

    def _discover_toolchains(self, root: Optional[str]) -> None:
        from ..toolchains import for_language

        for language in ("java", "cpp", "csharp"):
            try:
                found = for_language(language, root)
            except Exception:  # noqa: BLE001 - a toolchain that cannot be read is not judged
                log.exception("environment judge: reading the %s toolchain failed", language)
                continue
            if found is None:
                log.info("environment judge: no %s toolchain found; %s imports are not judged", language, language)
                continue
            log.info("environment judge (%s): %s", language, found.description)
            self.toolchains[language] = found

    async def environment_ready(self) -> None:
        if self._environment_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._environment_task)

    def engine_for(self, language: str, inline: bool = False, uri: Optional[str] = None):
        """ServerConfig.engine_for, with the environment judge: Python's environment, or the
        toolchain of Java, C++ and C# (for C++ bound to the document ``uri``'s folder, where its
        ``#include "x"`` are looked up first)."""
        engine = self.config.engine_for(language, inline=inline)
        if language == "python" and self.environment is not None:
            engine = replace(engine, environment=self.environment)
        elif language in self.toolchains:
            env = self.toolchains[language]
            if uri and uri.startswith("file:") and hasattr(env, "for_file"):
                from pygls.uris import to_fs_path

                env = env.for_file(to_fs_path(uri))
            engine = replace(engine, environment=env)
        return engine

    # ------------------------------------------------------------------------------------
    # model loading

    def start_loading(self, config: ServerConfig) -> None:
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        self.worker.state = "loading"  # now, so that a request right after sees it
        self._load_task = asyncio.ensure_future(self._load(config))

    async def request_client(self, method: str, params: Any) -> Any:
        """Send a request to the client and await its answer for at most :attr:`client_timeout_s`
        (raises :class:`ClientTimeout`): a client that never answers blocks nothing. A request that
        timed out (or whose caller was cancelled) is forgotten, so a late answer is only logged."""
        msg_id = f"jumpcoder-{next(self._client_ids)}"
        future = self.protocol.send_request(method, params, msg_id=msg_id)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.client_timeout_s)
        except asyncio.TimeoutError:
            log.warning("the client did not answer %s (id %s) within %g s", method, msg_id, self.client_timeout_s)
            raise ClientTimeout(f"the editor did not answer {method} within {self.client_timeout_s:g} s") from None
        finally:
            if not future.done() or future.cancelled():
                self.protocol._request_futures.pop(msg_id, None)
                self.protocol._result_types.pop(msg_id, None)

    @contextlib.asynccontextmanager
    async def progress(self, title: str, message: str = "", *, cancel: Optional[CancelToken] = None):
        """:meth:`.Progresses.progress`: a work-done progress that ends whatever happens in the block."""
        async with self.progresses.progress(title, message, cancel=cancel) as p:
            yield p

    async def _load(self, config: ServerConfig) -> None:
        async with self.progress("JumpCoder: loading model", config.model) as p:
            log.info("loading model %s", config.model)
            try:
                result = await self.worker.load(config, p.threadsafe())
            except asyncio.CancelledError:  # a newer model setting started another load
                p.end("superseded by a newer model setting")
                raise
            if result.ok:
                p.end(f"ready: {result.description} ({result.seconds:.1f} s)")
                log.info("model ready: %s in %.1f s", result.description, result.seconds)
                return
            p.end("failed")
            keep = " The previous model stays in use." if self.worker.ready else " Suggestions are off until a model loads."
            self.show(
                types.MessageType.Error,
                f"JumpCoder could not load the model {config.model!r}: {result.error}.{keep} "
                "Check the jumpcoder.model setting (a preset name or a model path).",
            )

    def model_failed(self, exc: BaseException) -> JsonRpcInternalError:
        """A backend raised while completing (a full context, out of memory...): say so once to
        the user and the log; the error to answer the request with."""
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        log.error("the model failed: %s", detail, exc_info=exc)
        self.stats["model_errors"] += 1
        self.show(types.MessageType.Error, f"JumpCoder: the model failed ({detail}). Nothing was changed.")
        return JsonRpcInternalError(f"the model failed: {detail}")

    # ------------------------------------------------------------------------------------
    # configuration

    def apply_settings(self, settings: Any, *, origin: str) -> bool:
        """Validate and apply client settings; each invalid value is reported and keeps its
        previous value. Returns True when everything applied."""
        new, problems = ServerConfig.merge(settings, base=self.config)
        if problems:
            self.show(
                types.MessageType.Error,
                f"JumpCoder: invalid {origin}: {'; '.join(problems)}. The previous settings stay for these.",
            )
        old, self.config = self.config, new
        self.store.resize(new.cache_size)
        if self._initialized and new.models_key() != old.models_key():
            self.start_loading(new)
        if self._initialized and new.enable_diagnostics != old.enable_diagnostics:
            for doc in self.documents:
                if new.enable_diagnostics:
                    self.diagnostics.schedule(doc, delay=0)
                else:
                    self.diagnostics.clear(doc.uri)
        return not problems

    # ------------------------------------------------------------------------------------
    # cancellation bookkeeping: a newer request for the same document supersedes an older one

    def begin_request(self, uri: str, kind: str, place: Any = None) -> CancelToken:
        """A cancellation flag for the current request, cancelled by ``$/cancelRequest`` for its
        id, by an edit of the document (:meth:`document_changed`), and by a newer request for the
        same document: of the same kind, or a suggestion request (:data:`SUGGEST_KINDS`) for
        another ``place`` (version and cursor) when this one is one. A superseded request answers
        empty at once; its model work stops at the engine's next step."""
        token = self.request_token()
        token.place = place
        for (u, k), old in list(self._inflight.items()):
            if u != uri or old.cancelled:
                continue
            if k == kind or (kind in SUGGEST_KINDS and k in SUGGEST_KINDS and old.place != place):
                old.cancel("superseded")
                self.stats["superseded"] += 1
        self._inflight[(uri, kind)] = token
        return token

    def document_changed(self, uri: str) -> None:
        """An edit supersedes every request running for ``uri`` (they were for an older version):
        suggestions answer empty at once, commands answer "stale"; the model work stops, except a
        background run the user is typing along (:meth:`_typed_along`)."""
        doc = self.documents.get(uri)

        def typed_along(work: _Work) -> bool:
            if work.background and doc is not None and self._typed_along(work, doc.text) is not None:
                work.followed = True  # typing along it: it goes on, re-checked at each partial result
                self.stats["background_followed"] += 1
                return True
            return False

        self.cancel_work(uri, EDITED, keep=typed_along)
        event = self._changed.pop(uri, None)
        if event is not None:  # jumpcoder.applyEdit waits for it (next_edit)
            event.set()

    async def next_edit(self, uri: str, timeout: float) -> None:
        """Wait for the next edit of ``uri`` (:meth:`document_changed`), at most ``timeout`` seconds."""
        event = self._changed.setdefault(uri, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def document_closed(self, uri: str) -> None:
        """``uri`` was closed: its work is cancelled, its diagnostics job too, and the server
        forgets it (the refusal warning, its suggestions)."""
        self.cancel_work(uri, "document closed")
        self.diagnostics.forget(uri)
        doc = self.documents.get(uri)
        if doc is not None:
            self._refused_warned.discard(doc.serial)
        self.documents.close(uri)
        self.store.drop_uri(uri)

    def _typed_along(self, work: _Work, text: str) -> Optional[int]:
        """The cursor in ``text`` when it is ``work``'s document plus the user typing along the
        suggestion it is generating (:meth:`Suggestion.followed`, on its latest partial result)."""
        if work.partial is None:
            return None
        snap, offset, line, completion = work.partial
        return self.make_suggestion(snap, offset, line, completion).followed(text)

    def _followed_work(self, uri: str, text: str, offset: int) -> Optional[_Work]:
        """The background run the user has typed along to ``offset`` of ``text``, if any."""
        for place, work in self._work.items():
            if place[0] == uri and work.background and not work.token.cancelled and not work.task.done():
                if self._typed_along(work, text) == offset:
                    return work
        return None

    def _partial_arrived(self, work: _Work) -> None:
        """On the event loop, after the engine reported a partial result: a run the user typed
        along is cancelled as soon as what it generates no longer matches what was typed."""
        work.changed.set()
        if work.followed and not work.token.cancelled:
            doc = self.documents.get(work.token.place[0])
            if doc is None or self._typed_along(work, doc.text) is None:
                work.token.cancel(EDITED)
                self.stats["background_diverged"] += 1

    def cancelled_answer(self, token: CancelToken, snap: Snapshot) -> dict:
        """A command's answer once its token is cancelled: "stale" when an edit did it."""
        if token.reason == EDITED:
            self.stats["stale_dropped"] += 1
            return self.stale(snap)
        return {"applied": False, "reason": "cancelled"}

    def request_token(self) -> CancelToken:
        """A cancellation flag for the request being handled, set by ``$/cancelRequest`` for its
        id, also when that cancel arrived before the request registered (:attr:`_early_cancels`)."""
        token = CancelToken()
        request_id = self.protocol.msg_id  # the id of the request being handled (a contextvar)
        if request_id is not None:
            self._by_request[request_id] = token
            token.request_id = request_id
            if self._early_cancels.pop(request_id, False) is None:
                token.cancel("request cancelled")
        return token

    def release_token(self, token: CancelToken) -> None:
        """The request of ``token`` (:meth:`request_token`) has answered: ``$/cancelRequest`` no longer finds it."""
        if self._by_request.get(token.request_id) is token:
            del self._by_request[token.request_id]

    def finish_request(self, uri: str, kind: str, token: CancelToken) -> None:
        """The request begun by :meth:`begin_request` has answered: nothing supersedes it any more."""
        if self._inflight.get((uri, kind)) is token:
            del self._inflight[(uri, kind)]
        self.release_token(token)

    def on_cancel_request(self, request_id) -> None:
        token = self._by_request.get(request_id)
        if token is not None:
            token.cancel("request cancelled")
            return
        try:  # not registered (yet): remember it for the request that may still be starting
            self._early_cancels[request_id] = None
        except TypeError:  # an unhashable id: nothing to match it with
            return
        self._early_cancels.move_to_end(request_id)
        while len(self._early_cancels) > EARLY_CANCELS:
            self._early_cancels.popitem(last=False)

    def cancel_work(self, uri: Optional[str], reason: str, *, keep: Callable[[_Work], bool] = lambda work: False) -> None:
        """The one place that cancels the work for a document (``uri`` None: for every document):
        the requests running for it, its model jobs (but those ``keep`` says go on) and its
        warm-up. A cancellation by an edit (:data:`EDITED`) counts each request as superseded."""
        for (u, _kind), token in list(self._inflight.items()):
            if (uri is None or u == uri) and not token.cancelled:
                token.cancel(reason)
                if reason == EDITED:
                    self.stats["superseded"] += 1
                    self.stats["superseded_by_edit"] += 1
        for place, work in list(self._work.items()):
            if (uri is None or place[0] == uri) and not work.token.cancelled and not keep(work):
                work.token.cancel(reason)
        for u in list(self._warm) if uri is None else [uri]:
            self.cancel_warm(u, reason)

    def stop_work(self) -> None:
        """``shutdown``: cancel everything, stop the model thread and the analysis thread."""
        self.cancel_all()
        self.worker.shutdown()
        self._analysis.shutdown(wait=False, cancel_futures=True)

    def cancel_all(self) -> None:
        self.cancel_work(None, "shutdown")

    # ------------------------------------------------------------------------------------
    # the warm prompt cache: a background prefill after an edit

    def schedule_warm(self, doc: Document, params: types.DidChangeTextDocumentParams) -> None:
        """After an edit, debounced like a request (at least 100 ms): prefill what a request at the edit's end would
        send (the engine's bounded context, ``Runtime.warm``) as background work on the model
        thread, so that the request decodes only. Any request cancels it (the worker), a request
        for the document or the next edit too. Off with the ``warmCache`` setting."""
        self.cancel_warm(doc.uri, EDITED)
        if not self.config.warm_cache or not self.worker.ready or doc.spec is None or doc.refusal is not None:
            return
        if any(w.followed and not w.token.cancelled for p, w in self._work.items() if p[0] == doc.uri):
            return  # the run the user types along holds the model (and its cache)
        if not self.worker.can_warm:
            return
        last = params.content_changes[-1] if params.content_changes else None
        start = getattr(last, "range", None)
        if start is None:  # a whole-document change: no cursor to warm for
            return
        try:
            offset = doc.offset(start.start) + len(last.text)
        except E.PositionError:
            return
        token = CancelToken()
        task = asyncio.ensure_future(self._warm_after(doc.snapshot(with_tree=False), offset, token))
        self._warm[doc.uri] = (task, token)

    def cancel_warm(self, uri: str, reason: str) -> None:
        entry = self._warm.pop(uri, None)
        if entry is not None:
            entry[1].cancel(reason)

    async def _warm_after(self, arrived: Snapshot, offset: int, token: CancelToken) -> None:
        try:
            # the request debounce, at least 100 ms (Neovim's plugin debounces itself and sets 0)
            await _until_cancelled(token, max(self.config.debounce_ms, 100) / 1000)
            doc = self.documents.current(arrived)
            if token.cancelled or doc is None or any(u == doc.uri for u, _k in self._inflight):
                return
            line = bisect.bisect_right(doc.starts, offset) - 1
            snap = doc.snapshot()
            engine_config = self.engine_for(doc.spec.name, inline=True, uri=doc.uri)
            await self.worker.warm(snap, doc.spec, line, offset - doc.starts[line], config=engine_config, token=token)
        except Cancelled:
            pass
        except Exception:  # noqa: BLE001 - a failed warm-up costs only its time
            log.exception("warming the prompt cache failed")
        finally:
            if self._warm.get(arrived.uri, (None, None))[1] is token:
                del self._warm[arrived.uri]

    # ------------------------------------------------------------------------------------
    # running the engine

    def make_suggestion(self, snap: Snapshot, offset: int, line: int, completion) -> Suggestion:
        """The engine's answer in document terms (:func:`jumpcoder_lsp.edits.document_completion`:
        the document's line breaks, the insertions as whole lines above the cursor, the
        continuation's edit start and the trim rule; a plain insertion at the cursor, which every
        client shows as ghost text, unless the engine rewrites the indentation)."""
        doc = E.document_completion(snap.text, line, offset - snap.starts[line], completion, starts=snap.starts)
        for warning in doc.warnings:
            log.warning("%s", warning)
        return Suggestion(
            id=new_id(),
            uri=snap.uri,
            version=snap.version,
            text=snap.text,
            offset=offset,
            start=doc.start,
            continuation=doc.continuation,
            insertions=list(doc.insertions),
            jumps=getattr(completion, "jumps", 0),
        )

    async def suggest(self, uri: str, position: types.Position, *, kind: str, debounce: bool) -> Optional[Suggestion]:
        """The suggestion at ``position``: from the cache (typing along), else from the model.
        None when the model is not ready, the request was superseded/cancelled, or the document
        changed while it ran (a result for an older version is dropped).

        Scheduling: the request supersedes the older ones for the document (:meth:`begin_request`) and
        is superseded by the next edit (:meth:`document_changed`); a superseded request answers
        at once, without waiting for the model. Requests for the same place (an inline and a
        completion request at one cursor of one version) share one model job (:meth:`_work_for`),
        which is cancelled when no request waits for it any more. An inline request answers
        within ``inlineBudgetMs`` with the result so far (:meth:`_within_budget`); its job then
        goes on in the background until it ends (its whole suggestion goes in the store), an edit
        or a suggestion request at another place cancels it."""
        doc = self.require_document(uri)
        offset, line, column = self.require_cursor(doc, position)
        self.stats["requests"] += 1
        followed = self._followed_work(uri, doc.text, offset)
        if followed is not None:  # typing along a run that goes on: served from it
            return await self._from_followed(followed, uri, kind, doc, offset)
        hit = self.store.lookup(uri, doc.text, offset, doc.version)
        if hit is not None:
            self.stats["cache_hits"] += 1
            return hit
        if not self.worker.ready or doc.spec is None:
            self.stats["not_ready"] += 1
            return None
        self.cancel_warm(uri, "a request arrived")
        place = (uri, doc.serial, doc.version, offset)
        token = self.begin_request(uri, kind, place)
        # a run going on after its inline answer is wanted by nobody once a request is elsewhere
        for other, work in list(self._work.items()):
            if work.background and other != place and not work.token.cancelled:
                work.token.cancel("superseded")
                self.stats["superseded"] += 1
                self.stats["background_superseded"] += 1
        arrived = doc.snapshot(with_tree=False)  # the cursor's document (the tree is parsed later)
        arrived_at = time.monotonic()  # the inline budget counts from here
        try:
            if debounce and self.config.debounce_ms > 0:
                await _until_cancelled(token, self.config.debounce_ms / 1000)
            if token.cancelled:
                return None
            doc = self.documents.current(arrived)
            if doc is None:
                self.stats["stale_dropped"] += 1
                return None
            hit = self.store.lookup(uri, doc.text, offset, doc.version)  # the other kind may have answered
            if hit is not None:
                self.stats["cache_hits"] += 1
                return hit
            work = self._work_for(place, doc, line, column, offset)
            budget = self.config.inline_budget_ms / 1000 if kind == "inline" else 0
            if budget > 0:
                suggestion = await self._within_budget(self._work.get(place), work, token, arrived_at + budget)
            else:
                suggestion = await _first(work, token)
        except Cancelled:
            return None
        except asyncio.CancelledError:  # $/cancelRequest: stop the engine too
            token.cancel("request cancelled")
            raise
        finally:
            self.finish_request(uri, kind, token)
            self._release_work(place)
        now = self.documents.get(uri)
        if token.cancelled or now is None or (now.serial, now.version) != place[1:3]:
            self.stats["stale_dropped"] += 1
            log.info("dropped a suggestion for %s version %d", uri, suggestion.version)
            return None
        return suggestion

    async def _follow(self, work: _Work, uri: str, kind: str, doc: Document, offset: int,
                      place: tuple) -> Optional[Suggestion]:
        """The answer at ``offset`` of ``doc`` from the background ``work`` the user typed along:
        its whole suggestion when it ends within the inline budget, else its latest partial result
        that goes past the typed text (waiting for one); both derived for this version (the rest of
        the continuation after the typed text). None when it is cancelled or the document changes."""
        token = self.begin_request(uri, kind, place)
        self.stats["followed_answers"] += 1
        budget = self.config.inline_budget_ms / 1000 if kind == "inline" else 0
        deadline = time.monotonic() + budget
        loop = asyncio.get_running_loop()
        woken = token.wait_future(loop)
        try:
            while True:
                remaining = deadline - time.monotonic()
                if work.task.done() or (budget > 0 and remaining <= 0):
                    if work.task.done():
                        if work.task.cancelled() or work.task.exception() is not None:
                            return None
                        found = work.task.result()
                    else:
                        found = self._partial_suggestion(work)
                    derived = found.derived(doc.text, offset, doc.version) if found is not None else None
                    if work.task.done() or (derived is not None and derived.continuation.strip()):
                        return self.store.put(derived) if derived is not None else None
                if token.cancelled or work.token.cancelled:
                    return None
                await _work_news(work, woken, remaining if remaining > 0 and budget > 0 else None)
        finally:
            woken.cancel()
            self.finish_request(uri, kind, token)

    async def _from_followed(self, work: _Work, uri: str, kind: str, doc: Document, offset: int) -> Optional[Suggestion]:
        """:meth:`_follow`, dropped when the document changed meanwhile (one version's edits only)."""
        place = (uri, doc.serial, doc.version, offset)
        suggestion = await self._follow(work, uri, kind, doc, offset, place)
        now = self.documents.get(uri)
        if suggestion is not None and (now is None or (now.serial, now.version) != place[1:3]):
            self.stats["stale_dropped"] += 1
            return None
        return suggestion

    async def _within_budget(self, work: Optional[_Work], task: asyncio.Future, token: CancelToken,
                             deadline: float) -> Suggestion:
        """The inline answer under the ``inlineBudgetMs`` budget: the job's result when it ends
        before ``deadline``, else the latest partial result with a non-empty line of continuation
        (waiting for the first such line if there is none yet: never empty because of the budget),
        computed from the job's snapshot. The job then goes on in the background
        (:attr:`_Work.background`) and puts its whole suggestion in the store when it ends; an
        edit or a request elsewhere still cancels it."""
        loop = asyncio.get_running_loop()
        woken = token.wait_future(loop)
        try:
            await asyncio.wait({task, woken}, timeout=max(0.0, deadline - time.monotonic()),
                               return_when=asyncio.FIRST_COMPLETED)
            while work is not None and work.task is task and not task.done() and not token.cancelled:
                found = self._partial_suggestion(work)
                if found is not None:
                    work.background = True
                    self.stats["budget_answers"] += 1
                    return self.store.put(found)
                await _work_news(work, woken)
        finally:
            woken.cancel()
        if task.done():
            return task.result()
        raise Cancelled(token.reason)

    def _partial_suggestion(self, work: _Work) -> Optional[Suggestion]:
        """The job's latest partial result as a suggestion, when its continuation holds a
        non-empty line (None otherwise)."""
        if work.partial is None:
            return None
        snap, offset, line, completion = work.partial
        if not any(ln.strip() for ln in E.split_lines(completion.continuation)):
            return None
        s = self.make_suggestion(snap, offset, line, completion)
        return s if any(ln.strip() for ln in E.split_lines(s.continuation)) else None

    def _work_for(self, place: tuple, doc: Document, line: int, column: int, offset: int) -> asyncio.Future:
        """The model job computing the suggestion at ``place`` (started, or joined when a request
        of the other kind started it): a future of the :class:`Suggestion`, put in the store."""
        work = self._work.get(place)
        if work is not None and not work.token.cancelled:
            return work.task
        snap = doc.snapshot()
        token = CancelToken()
        token.place = place
        engine_config = self.engine_for(doc.spec.name, inline=True, uri=doc.uri)
        loop = asyncio.get_running_loop()
        holder: list[_Work] = []

        def partial(completion) -> None:  # on the model thread: keep the latest, wake the waiters
            holder[0].partial = (snap, offset, line, completion)
            loop.call_soon_threadsafe(self._partial_arrived, holder[0])

        async def compute() -> Suggestion:
            completion = await self.worker.complete(
                snap, doc.spec, line, column, config=engine_config, method=self.config.method, token=token,
                partial=partial if self.config.inline_budget_ms > 0 else None,
            )
            if work.background:
                self.stats["background_done"] += 1
            return self.store.put(self.make_suggestion(snap, offset, line, completion))

        work = _Work(asyncio.ensure_future(compute()), token, changed=asyncio.Event())
        holder.append(work)

        def done(task: asyncio.Future) -> None:
            if self._work.get(place) is work:
                del self._work[place]
            if not task.cancelled():
                task.exception()  # read: a failure is answered to the requests that waited

        work.task.add_done_callback(done)
        self._work[place] = work
        return work.task

    def _release_work(self, place: tuple) -> None:
        """A request for ``place`` has ended: its model job stops when no live request wants it."""
        work = self._work.get(place)
        if work is None or work.task.done() or work.background:
            return  # a background run (an inline answer went out within its budget) goes on
        if not any(t.place == place and not t.cancelled for t in self._inflight.values()):
            work.token.cancel("no request waits for it")

    # ------------------------------------------------------------------------------------
    # edits to the client

    def _versioned_edits_supported(self) -> bool:
        caps = self.client_capabilities
        ws = caps.workspace if caps else None
        if ws and ws.workspace_edit and ws.workspace_edit.document_changes:
            return True
        # Neovim applies versioned TextDocumentEdits without advertising documentChanges
        # (measured with 0.11 and 0.12 in shared/notes/neovim-headless.md)
        info = self.client_info
        return bool(info and info.name and info.name.lower().startswith("neovim"))

    async def send_edits(
        self, snap: Snapshot, edits: list[types.TextEdit], label: str, *, cancel: Optional[CancelToken] = None
    ) -> EditOutcome:
        """The one way an edit reaches the client. ``edits`` were computed from ``snap``; they are
        sent only when the request is not cancelled and the open document is still ``snap``
        (:meth:`.Documents.current`), versioned with ``snap.version`` so that the editor refuses
        them if the user has typed since. An editor that does not answer in time counts as not
        applied."""
        if cancel is not None and cancel():
            return EditOutcome(False, "cancelled")
        if self.documents.current(snap) is None:
            self.stats["stale_dropped"] += 1
            log.info("not sending %r: %s changed since version %d", label, snap.uri, snap.version)
            return EditOutcome(False, "stale")
        if self._versioned_edits_supported():
            edit = types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=snap.uri, version=snap.version),
                        edits=edits,
                    )
                ]
            )
        else:
            edit = types.WorkspaceEdit(changes={snap.uri: edits})
        try:
            result = await self.request_client(types.WORKSPACE_APPLY_EDIT, types.ApplyWorkspaceEditParams(edit=edit, label=label))
        except ClientTimeout as exc:
            return EditOutcome(False, str(exc))
        except JsonRpcException as exc:
            return EditOutcome(False, f"the editor answered workspace/applyEdit with an error: {exc}")
        if getattr(result, "applied", False):
            return EditOutcome(True)
        return EditOutcome(False, getattr(result, "failure_reason", None) or "the editor did not apply the edit")

    def stale(self, snap: Snapshot, progress: Optional[Progress] = None) -> dict:
        """A command's answer when the document changed while it ran: nothing was sent."""
        if progress is not None:
            progress.end("document changed; result dropped")
        self.show(types.MessageType.Warning, "JumpCoder: the document changed while the command ran, so nothing was "
                  "changed; run it again.")
        return {"applied": False, "reason": "stale", "version": snap.version}



# ----------------------------------------------------------------------------------------
# waiting on the event loop


async def _until_cancelled(token: CancelToken, seconds: float) -> None:
    """Sleep ``seconds``, or less when ``token`` is cancelled meanwhile (a debounce)."""
    woken = token.wait_future(asyncio.get_running_loop())
    try:
        await asyncio.wait({woken}, timeout=seconds)
    finally:
        woken.cancel()


async def _work_news(work: _Work, woken: asyncio.Future, timeout: Optional[float] = None) -> None:
    """The wait of the inline answers (:meth:`JumpCoderServer._within_budget`, ``_follow``): until
    ``work``'s job ends, reports a partial result (:attr:`_Work.changed`, cleared first: the caller
    has just looked at the job, with no await since), ``woken`` (the request's token) resolves, or
    ``timeout`` seconds pass (None: no limit)."""
    work.changed.clear()
    changed = asyncio.ensure_future(work.changed.wait())
    try:
        await asyncio.wait({work.task, woken, changed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        changed.cancel()


async def _first(work: asyncio.Future, token: CancelToken):
    """``work``'s result, or :class:`Cancelled` as soon as ``token`` is cancelled (``work`` goes
    on for whoever else waits for it; awaiting this does not cancel it either)."""
    woken = token.wait_future(asyncio.get_running_loop())
    try:
        await asyncio.wait({work, woken}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        woken.cancel()
    if work.done():
        return work.result()
    raise Cancelled(token.reason)


# ----------------------------------------------------------------------------------------
# the LSP methods (features.py) and what each is registered for


def build_server(loader=load_backend) -> JumpCoderServer:
    server = JumpCoderServer(loader)
    for method, options, fn in (
        (types.INITIALIZE, None, features.initialize),
        (types.INITIALIZED, None, features.initialized),
        (types.SHUTDOWN, None, features.shutdown),
        (types.WORKSPACE_DID_CHANGE_CONFIGURATION, None, features.did_change_configuration),
        (types.TEXT_DOCUMENT_DID_OPEN, None, features.did_open),
        (types.TEXT_DOCUMENT_DID_CHANGE, None, features.did_change),
        (types.TEXT_DOCUMENT_DID_CLOSE, None, features.did_close),
        (types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions(), features.inline_completion),
        (types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(resolve_provider=False), features.completion),
        (types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
         features.code_action),
        (types.WINDOW_WORK_DONE_PROGRESS_CANCEL, None, features.work_done_progress_cancel),
    ):
        server.feature(method, options)(fn)
    for name, fn in (
        (COMMAND_APPLY, features.apply_edit),
        (COMMAND_COMPLETE_FUNCTION, features.complete_function),
        (COMMAND_INSERT_DEFINITION, features.insert_definition),
        (COMMAND_STATUS, features.status),
    ):
        server.command(name)(fn)
    return server
