"""The one worker that owns the models.

Model work never runs on the event loop, and never on pygls' shared thread pool (which also reads
stdin): one thread loads the models and then runs every job, one at a time. The server hands it
immutable snapshots and a :class:`CancelToken` that the engine polls between decode steps (pygls'
``$/cancelRequest`` only cancels the awaiting coroutine, not the work). The server asks for model work
through the worker's verbs (:meth:`ModelWorker.complete`, :meth:`~ModelWorker.define`,
:meth:`~ModelWorker.warm`) and never holds the backend; :class:`Backend` is what it reads of one.

Scheduling (:class:`ModelWorker`): the queue is the worker's own, so that work nobody waits for
never reaches the model. A job whose token is cancelled (superseded by a newer request or an edit,
``$/cancelRequest``, the document closed) leaves the queue at once; at most
:attr:`ModelWorker.max_queued` cancellable jobs wait, the oldest is dropped when one more comes;
:meth:`ModelWorker.run` answers a cancelled job at once (raising :class:`Cancelled`) even while the
model thread is still finishing its current engine step. Background jobs (``background=True``)
run only when no other job waits and are cancelled as soon as one comes. :meth:`ModelWorker.shutdown`
fails everything queued, cancels what runs and does not wait for the thread.

Backends: :func:`load_backend` builds one from the :class:`~jumpcoder_lsp.config.ServerConfig`:

* ``scripted:jumpcoder_lsp.server.scripted:<name>``: the registered ``function(config)`` (or ``function()``) returns a
  :class:`~jumpcoder_lsp.engine.ModelPair` (run through the real engine) or any object with the
  :class:`Backend` methods (used as is). See :mod:`jumpcoder_lsp.server.scripted`.
* anything else: a preset name (``default``: the default preset), a path or a hub id, loaded by
  :func:`jumpcoder_lsp.loading.load_model_pair` (imported lazily).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
import threading
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol

from .. import edits as E
from ..config import ServerConfig
from ..engine.config import EngineConfig
from ..engine.types import Completion, Insertion
from ..runtime.base import Cancelled
from .documents import Snapshot

log = logging.getLogger(__name__)

#: (message, fraction 0..1 or None)
ProgressFn = Callable[[str, Optional[float]], None]


class CancelToken:
    """A per-request cancellation flag; calling it answers "cancelled?" (the engine's ``cancel``).
    :meth:`add_callback` runs a function once when it is cancelled (the worker drops the queued
    job, an awaiting coroutine wakes up)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self.reason = ""
        self.request_id = None  # the JSON-RPC id of the request it belongs to
        self.place: Any = None  # what the request is for (the server's supersession rule)

    def cancel(self, reason: str = "cancelled") -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            try:
                fn()
            except Exception:  # noqa: BLE001 - one callback must not stop the others
                log.exception("a cancellation callback failed")

    def add_callback(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` (on the cancelling thread) when the token is cancelled; now if it is."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(fn)
                return
        fn()

    def wait_future(self, loop: asyncio.AbstractEventLoop) -> "asyncio.Future[str]":
        """An asyncio future of ``loop`` that resolves (to the reason) when the token is cancelled."""
        fut = loop.create_future()

        def wake() -> None:
            if not fut.done():
                fut.set_result(self.reason)

        self.add_callback(lambda: loop.call_soon_threadsafe(wake))
        return fut

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def __call__(self) -> bool:
        return self._event.is_set()


class Backend(Protocol):
    """What the server reads of a backend, all through :class:`ModelWorker` (its verbs
    :meth:`~ModelWorker.complete`, :meth:`~ModelWorker.define`, :meth:`~ModelWorker.warm` and its
    :attr:`~ModelWorker.description` / :attr:`~ModelWorker.device`). Two members are optional,
    read with ``getattr``: ``device`` (what it runs on, e.g. "cuda bfloat16"; None: it does not
    say) and ``warm`` (:class:`WarmBackend`; without it a backend has no prompt cache to warm)."""

    description: str

    def complete(
        self,
        text: str,
        line: int,
        character: int,
        *,
        language: Any,
        config: EngineConfig,
        method: str,
        tree: Any,
        progress: Optional[ProgressFn],
        cancel: Optional[Callable[[], bool]],
        document: Optional[str] = None,
        partial: Optional[Callable[[Completion], None]] = None,
    ) -> Completion:
        """The engine's completion at (line, character) (:func:`jumpcoder_lsp.engine.complete`);
        ``document``: the URI (a per-document cache), ``partial``: an observer of the result so far
        (passed only when there is one)."""

    def propose_definition(
        self, text: str, name: str, use_line: int, *, language: Any, config: EngineConfig, tree: Any,
        cancel: Optional[Callable[[], bool]],
    ) -> Optional[Insertion]:
        """A line defining ``name`` (used on line ``use_line``), as
        :func:`jumpcoder_lsp.engine.hybrid.propose_definition` gives it, or None."""


class WarmBackend(Backend, Protocol):
    """A backend with a prompt cache to warm (:meth:`ModelWorker.warm`)."""

    def warm(self, text: str, line: int, character: int, *, language: Any, config: EngineConfig, tree: Any = None,
             cancel: Optional[Callable[[], bool]] = None) -> int:
        """Prefill the prompt a request at (line, character) would start with; its token count."""


class EngineBackend:
    """A :class:`~jumpcoder_lsp.engine.ModelPair` behind the engine's ``complete``."""

    #: documents whose speculative-infill cache is kept
    MAX_CACHES = 32

    def __init__(self, pair: Any):
        self.pair = pair
        self.description = getattr(pair, "description", "") or getattr(pair.gen, "description", "model")
        gen = getattr(pair, "gen", None)
        device, dtype = getattr(gen, "device", None), getattr(gen, "dtype", None)
        #: the device actually used, e.g. "cpu bfloat16" or "cuda bfloat16" (None for scripted models)
        self.device = " ".join(str(x).replace("torch.", "") for x in (device, dtype) if x is not None) or None
        self._caches: "OrderedDict[str, Any]" = OrderedDict()

    def _cache_for(self, document: Optional[str]):
        if document is None:
            return None
        from ..engine.speculative import SpeculativeCache

        cache = self._caches.pop(document, None) or SpeculativeCache()
        self._caches[document] = cache
        while len(self._caches) > self.MAX_CACHES:
            self._caches.popitem(last=False)
        return cache

    def complete(self, text, line, character, *, document: Optional[str] = None, **kw) -> Completion:
        from ..engine import complete

        return complete(text, line, character, models=self.pair, cache=self._cache_for(document), **kw)

    def warm(self, text, line, character, *, language, config, tree=None, cancel=None) -> int:
        """Prefill the generation model with the prompt a request at (line, character) would start
        with (:func:`~jumpcoder_lsp.engine.loop.prompt_prefix`: a FIM prompt when code follows the
        cursor); its token count (0: the runtime
        has no prompt cache to warm)."""
        from ..engine.loop import prompt_prefix

        warm = getattr(self.pair.gen, "warm", None)
        if warm is None:
            return 0
        prompt = prompt_prefix(text, line, character, language=language, config=config, tree=tree, models=self.pair)
        return warm(prompt, cancel=cancel)

    def reuse_stats(self) -> Optional[dict]:
        """The generation runtime's prompt-cache counters (``Runtime.reuse_stats``: tokens computed,
        reused, moved by PIE), with the infilling runtime's under ``"infill"`` when it is another
        one; None when the runtime keeps none."""
        stats = [getattr(rt, "reuse_stats", None) for rt in (self.pair.gen, self.pair.infill)]
        if not callable(stats[0]):
            return None
        out = dict(stats[0]())
        if self.pair.infill is not self.pair.gen and callable(stats[1]):
            out["infill"] = stats[1]()
        return out

    def propose_definition(self, text, name, use_line, *, language, config, tree=None, cancel=None):
        from ..engine.hybrid import propose_definition

        return propose_definition(text, name, use_line, models=self.pair, language=language, config=config,
                                  tree=tree, cancel=cancel)


class ModelLoadError(RuntimeError):
    pass


def _call_factory(fn: Callable, config: ServerConfig, progress: ProgressFn):
    params = inspect.signature(fn).parameters
    kwargs = {}
    if "progress" in params:
        kwargs["progress"] = progress
    if any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "progress" for p in params.values()):
        return fn(config, **kwargs)
    return fn(**kwargs)


def _wrap(obj: Any) -> Backend:
    if callable(getattr(obj, "complete", None)):
        return obj
    if hasattr(obj, "gen") and hasattr(obj, "infill") and hasattr(obj, "fim"):
        return EngineBackend(obj)
    raise ModelLoadError(f"the model factory returned {type(obj).__name__}, not a ModelPair or a backend")


def load_scripted(spec: str, config: ServerConfig, progress: ProgressFn) -> Backend:
    """A registered scripted model (:data:`jumpcoder_lsp.server.scripted.REGISTRY`); any other spec
    is refused without importing anything."""
    from . import scripted

    try:
        fn = scripted.factory(spec)
    except ValueError as exc:
        raise ModelLoadError(str(exc)) from exc
    return _wrap(_call_factory(fn, config, progress))


def load_real(config: ServerConfig, progress: ProgressFn) -> Backend:
    """Resolve (fetch and verify when needed), convert and load the generation and infilling
    models with :func:`jumpcoder_lsp.loading.load_model_pair` (imported lazily: torch is heavy)."""
    from ..loading import load_model_pair

    pair = load_model_pair(
        None if config.model == "default" else config.model,
        config.infill_model,
        runtime=config.runtime,
        device=config.device,
        dtype=config.dtype,
        threads=config.threads,
        progress=progress,
        kv_reuse=config.kv_reuse,
    )
    return EngineBackend(pair)


def load_backend(config: ServerConfig, progress: ProgressFn) -> Backend:
    from .scripted import is_scripted

    if is_scripted(config.model):
        return load_scripted(config.model, config, progress)
    if is_scripted(config.infill_model):
        raise ModelLoadError(f"a scripted infillModel ({config.infill_model!r}) needs a scripted model, got {config.model!r}")
    return load_real(config, progress)


@dataclass
class LoadResult:
    ok: bool
    description: str = ""
    error: str = ""
    seconds: float = 0.0


@dataclass(eq=False)
class _Job:
    fn: Callable
    args: tuple
    kwargs: dict
    future: concurrent.futures.Future
    token: Optional[CancelToken] = None
    background: bool = False
    queued_at: float = field(default_factory=time.monotonic)


def _definition_job(backend: Backend, language, snap: Snapshot, name: str, use_line: int, config,
                    cancel) -> Optional[Insertion]:
    return backend.propose_definition(snap.text, name, use_line, language=language, config=config, tree=snap.tree,
                                      cancel=cancel)


def _fail(future: concurrent.futures.Future, exc: BaseException) -> bool:
    """Fail a job's future that has not started; False when it had already ended or been cancelled."""
    if future.done():
        return False
    try:
        future.set_exception(exc)
    except concurrent.futures.InvalidStateError:
        return False
    return True


class ModelWorker:
    """Owns the backend and the single thread it runs on, and the queue in front of it."""

    #: cancellable jobs allowed to wait; one more drops the oldest (its request answers empty)
    MAX_QUEUED = 8

    def __init__(self, loader: Callable[[ServerConfig, ProgressFn], Backend] = load_backend, *,
                 max_queued: int = MAX_QUEUED, stats: Optional[Counter] = None):
        self._loader = loader
        self.max_queued = max_queued
        self.stats: Counter = stats if stats is not None else Counter()
        self.backend: Optional[Backend] = None
        self.state = "idle"  # idle | loading | ready | failed
        self.error = ""
        self.models_key: Optional[tuple] = None
        self.busy = 0  # jobs submitted and not finished
        self._changed: Optional[asyncio.Condition] = None
        self._cond = threading.Condition(threading.RLock())
        self._queue: "deque[_Job]" = deque()
        self._running: Optional[_Job] = None
        self._closed = False
        self._thread: Optional[threading.Thread] = None

    # -- state --------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self.backend is not None

    @property
    def queued(self) -> int:
        with self._cond:
            return sum(1 for j in self._queue if not j.future.done())

    @property
    def running_background(self) -> bool:
        job = self._running
        return job is not None and job.background

    @property
    def description(self) -> Optional[str]:
        """The loaded backend's description (None before a model loaded)."""
        return getattr(self.backend, "description", None)

    @property
    def device(self) -> Optional[str]:
        """What the loaded backend runs on, e.g. "cpu bfloat16" (None: no model, or it does not say)."""
        return getattr(self.backend, "device", None)

    @property
    def reuse_stats(self) -> Optional[dict]:
        """The loaded backend's prompt-cache counters (:meth:`EngineBackend.reuse_stats`; None: no
        model, or it keeps none). Read from the event loop while the model thread may count: each
        counter is one int, read whole."""
        fn = getattr(self.backend, "reuse_stats", None)
        return fn() if callable(fn) else None

    @property
    def can_warm(self) -> bool:
        """The loaded backend has a prompt cache to warm (:class:`WarmBackend`)."""
        return callable(getattr(self.backend, "warm", None))

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def _notify(self) -> None:
        cond = self._condition()
        async with cond:
            cond.notify_all()

    async def wait_ready(self) -> bool:
        """Wait until a backend is loaded (True) or the load failed (False)."""
        cond = self._condition()
        async with cond:
            await cond.wait_for(lambda: self.state in ("ready", "failed"))
        return self.ready

    async def wait_idle(self) -> None:
        cond = self._condition()
        async with cond:
            await cond.wait_for(lambda: self.busy == 0)

    # -- the verbs: model work for the server, on the model thread ------------------------
    # Each takes the loaded backend when it is called (a model loading meanwhile serves the next
    # call), runs one job (cancelled through ``token``, which it also polls) and counts it in
    # :attr:`stats` on the model thread, before the job counts as done (status waitIdle).

    async def complete(self, snap: Snapshot, language: Any, line: int, column: int, *, config: EngineConfig,
                       method: str, token: CancelToken, progress: Optional[ProgressFn] = None,
                       partial: Optional[Callable[[Completion], None]] = None) -> Completion:
        """The engine's completion at (line, column) of ``snap`` (``partial``: the engine's
        observer of the result so far)."""
        return await self.run(self._complete_job, self.backend, snap, language, line, column, config, method,
                              progress, token, partial, cancel_token=token)

    async def define(self, snap: Snapshot, language: Any, name: str, use_line: int, *, config: EngineConfig,
                     token: CancelToken) -> Optional[Insertion]:
        """The backend's definition of ``name`` (used on ``use_line``) for ``snap`` (the engine's
        :func:`~jumpcoder_lsp.engine.hybrid.propose_definition`), or None."""
        return await self.run(_definition_job, self.backend, language, snap, name, use_line, config, token,
                              cancel_token=token)

    async def warm(self, snap: Snapshot, language: Any, line: int, column: int, *, config: EngineConfig,
                   token: CancelToken) -> None:
        """Prefill the prompt a request at (line, column) of ``snap`` would start with, as
        background work (:meth:`submit`)."""
        await self.run(self._warm_job, self.backend, snap, language, line, column, config, token,
                       cancel_token=token, background=True)

    def _complete_job(self, backend: Backend, snap: Snapshot, language, line: int, column: int, config, method: str,
                      progress, cancel, partial=None) -> Completion:
        if cancel():
            raise Cancelled()
        self.stats["model_started"] += 1
        text = E.normalize_eol(snap.text)
        started = time.monotonic()
        try:
            completion = backend.complete(
                text,
                line,
                column,
                language=language,
                config=config,
                method=method,
                # the incremental tree parses snap.text: it serves when that is the text the engine gets
                tree=snap.tree if text == snap.text else None,
                progress=progress,
                cancel=cancel,
                document=snap.uri,
                **({"partial": partial} if partial is not None else {}),
            )
        except Cancelled:
            self.stats["cancelled"] += 1
            raise
        self.stats["model_runs"] += 1
        self.stats["model_ms"] += int((time.monotonic() - started) * 1000)
        return completion

    def _warm_job(self, backend: WarmBackend, snap: Snapshot, language, line: int, column: int, config,
                  cancel) -> None:
        if cancel():
            raise Cancelled()
        self.stats["warm_started"] += 1
        text = E.normalize_eol(snap.text)
        started = time.monotonic()
        try:
            backend.warm(text, line, column, language=language, config=config,
                         tree=snap.tree if text == snap.text else None, cancel=cancel)
        except Cancelled:
            self.stats["warm_cancelled"] += 1
            raise
        self.stats["warm_done"] += 1
        self.stats["warm_ms"] += int((time.monotonic() - started) * 1000)

    # -- work ---------------------------------------------------------------------------

    async def load(self, config: ServerConfig, progress: ProgressFn) -> LoadResult:
        """Load the models of ``config`` on the worker thread. The previous backend (if any) keeps
        serving until the new one is ready, and stays when the new one fails."""
        self.state = "loading"
        self.error = ""
        await self._notify()
        start = time.monotonic()
        try:
            backend = await self.run(self._loader, config, progress)
        except Exception as exc:  # noqa: BLE001 - any load failure is reported, the server stays up
            log.exception("model load failed")
            self.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            self.state = "ready" if self.backend is not None else "failed"
            await self._notify()
            return LoadResult(False, error=self.error, seconds=time.monotonic() - start)
        self.backend = backend
        self.models_key = config.models_key()
        self.state = "ready"
        await self._notify()
        return LoadResult(True, description=getattr(backend, "description", ""), seconds=time.monotonic() - start)

    def submit(self, fn: Callable, args: tuple = (), kwargs: Optional[dict] = None, *,
               token: Optional[CancelToken] = None, background: bool = False) -> concurrent.futures.Future:
        """Queue ``fn(*args, **kwargs)`` for the model thread; the future of its result. With a
        ``token``, cancelling it takes the job out of the queue (the future fails with
        :class:`Cancelled`), and the job may be dropped when the queue is full. A job that is not
        ``background`` cancels the background work queued or running."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        job = _Job(fn, args, kwargs or {}, future, token, background)
        dropped: list[_Job] = []
        stop: Optional[_Job] = None
        with self._cond:
            if self._closed:
                _fail(future, Cancelled("the server is shutting down"))
                return future
            if not background:
                dropped += [j for j in self._queue if j.background]
                if self._running is not None and self._running.background:
                    stop = self._running
            self._queue = deque(j for j in self._queue if j not in dropped and not j.future.done())
            self._queue.append(job)
            waiting = [j for j in self._queue if j.token is not None and not j.background]
            full = waiting[: max(0, len(waiting) - self.max_queued)]
            for j in full:
                self._queue.remove(j)
            self._cond.notify_all()
            self._start_thread()
        for j in dropped:
            self._drop_removed(j, "a request arrived", "background_dropped")
        if stop is not None and stop.token is not None:
            stop.token.cancel("a request arrived")
        for j in full:
            log.info("the model queue is full (%d waiting): dropping the oldest job", self.max_queued)
            self._drop_removed(j, "the model queue is full", "queue_full")
        if token is not None:
            token.add_callback(lambda: self._discard(job))
        return future

    def _drop_removed(self, job: _Job, reason: str, stat: str) -> None:
        """A job taken out of the queue: its token cancelled, its future failed (never run)."""
        if job.token is not None:
            job.token.cancel(reason)
        if _fail(job.future, Cancelled(reason)):
            self.stats[stat] += 1

    def _discard(self, job: _Job) -> None:
        """The job's token was cancelled: out of the queue now, if it has not started."""
        with self._cond:
            try:
                self._queue.remove(job)
            except ValueError:
                return  # running, done, or already dropped
        self._drop_removed(job, job.token.reason if job.token is not None else "cancelled",
                           "background_dropped" if job.background else "queue_dropped")

    def _start_thread(self) -> None:
        if self._thread is None:
            # a daemon: the process's end (transport.Lifetime) never waits for a model step
            self._thread = threading.Thread(target=self._loop, name="jumpcoder-model", daemon=True)
            self._thread.start()

    def _next(self) -> Optional[_Job]:
        """The next job to run (requests before background work), or None once shut down."""
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed and not self._queue:
                    return None
                job = next((j for j in self._queue if not j.background), None) or self._queue[0]
                self._queue.remove(job)
                if job.token is None or not job.token.cancelled:
                    if job.future.set_running_or_notify_cancel():
                        self._running = job
                        return job
                    continue  # its awaiting coroutine was cancelled: never run
            self._drop_removed(job, job.token.reason, "queue_dropped")

    def _loop(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            try:
                result = job.fn(*job.args, **job.kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                job.future.set_exception(exc)
            else:
                job.future.set_result(result)
            finally:
                with self._cond:
                    self._running = None

    async def run(self, fn: Callable, *args, cancel_token: Optional[CancelToken] = None,
                  background: bool = False, **kwargs):
        """Run ``fn`` on the model thread and await it. With ``cancel_token`` (which the job
        should poll), cancelling it raises :class:`Cancelled` here at once, whether the job is
        queued (it never runs) or running (it ends at its next check, the await does not wait
        for that). Cancelling the await itself drops the job if it has not started.
        :attr:`busy` counts jobs until they end."""
        loop = asyncio.get_running_loop()
        future = self.submit(fn, args, kwargs, token=cancel_token, background=background)
        self.busy += 1
        future.add_done_callback(lambda _f: loop.call_soon_threadsafe(self._job_done))
        wrapped = asyncio.wrap_future(future)
        if cancel_token is None:
            return await wrapped
        woken = cancel_token.wait_future(loop)
        try:
            await asyncio.wait({wrapped, woken}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            wrapped.cancel()
            raise
        finally:
            woken.cancel()
        if wrapped.done():
            return wrapped.result()
        # still running: it stops at its next check; nobody reads what it ends with
        wrapped.add_done_callback(lambda f: f.cancelled() or f.exception())
        raise Cancelled(cancel_token.reason)

    def _job_done(self) -> None:
        self.busy -= 1
        asyncio.ensure_future(self._notify())

    def shutdown(self) -> None:
        """Fail every queued job, cancel the running one, and return without waiting for it."""
        with self._cond:
            self._closed = True
            queued, self._queue = list(self._queue), deque()
            running = self._running
            self._cond.notify_all()
        for job in queued:
            self._drop_removed(job, "the server is shutting down", "shutdown_dropped")
        if running is not None and running.token is not None:
            running.token.cancel("the server is shutting down")
