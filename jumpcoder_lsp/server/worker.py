"""The one worker that owns the models.

Model work never runs on the event loop, and never on pygls' shared thread pool (which also reads
stdin): a single-thread executor loads the models and then runs every request, one at a time. The
server hands it immutable snapshots and a :class:`CancelToken` that the engine polls between decode
steps (pygls' ``$/cancelRequest`` only cancels the awaiting coroutine, not the work).

Backends: :func:`load_backend` builds one from the :class:`~jumpcoder_lsp.config.ServerConfig`:

* ``scripted:jumpcoder_lsp.server.scripted:<name>``: the registered ``function(config)`` (or ``function()``) returns a
  :class:`~jumpcoder_lsp.engine.ModelPair` (run through the real engine) or any object with the
  :class:`Backend` methods (used as is). See :mod:`jumpcoder_lsp.server.scripted`.
* anything else: a preset name (``default``: the default preset), a path or a hub id, loaded by
  :func:`jumpcoder_lsp.loading.load_model_pair` (imported lazily).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol, Sequence

from ..config import ServerConfig
from ..engine.config import EngineConfig
from ..engine.types import Completion

log = logging.getLogger(__name__)

#: (message, fraction 0..1 or None)
ProgressFn = Callable[[str, Optional[float]], None]


class CancelToken:
    """A per-request cancellation flag; calling it answers "cancelled?" (the engine's ``cancel``)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""
        self.request_id = None  # the JSON-RPC id of the request it belongs to

    def cancel(self, reason: str = "cancelled") -> None:
        if not self._event.is_set():
            self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def __call__(self) -> bool:
        return self._event.is_set()


class Backend(Protocol):
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
    ) -> Completion: ...

    def infill(
        self, holes: Sequence[tuple[str, str]], *, max_tokens: int, cancel: Optional[Callable[[], bool]]
    ) -> list[str]:
        """One line for each (prefix, suffix) hole, written by the infilling model."""


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

    def infill(self, holes, *, max_tokens, cancel=None) -> list[str]:
        from ..runtime.base import GenRequest, stop_at_newline

        fim = self.pair.fim

        def stop(text: str):
            cut = [i for i in (text.find(m) for m in fim.end_markers) if i >= 0]
            nl = stop_at_newline(text)
            ends = cut + ([nl] if nl is not None else [])
            return min(ends) if ends else None

        reqs = [GenRequest(prompt=fim.prompt(p, s), stop=stop, max_new_tokens=max_tokens) for p, s in holes]
        return [fim.clean(g.text) for g in self.pair.infill.generate(reqs, cancel=cancel)]


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


class ModelWorker:
    """Owns the backend and the single thread it runs on."""

    def __init__(self, loader: Callable[[ServerConfig, ProgressFn], Backend] = load_backend):
        self._loader = loader
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jumpcoder-model")
        self.backend: Optional[Backend] = None
        self.state = "idle"  # idle | loading | ready | failed
        self.error = ""
        self.models_key: Optional[tuple] = None
        self.busy = 0  # jobs submitted and not finished
        self._changed: Optional[asyncio.Condition] = None

    # -- state --------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self.backend is not None

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

    async def run(self, fn: Callable, *args, **kwargs):
        """Run ``fn`` on the model thread and await it. Cancelling the await does not stop a job
        that has started (use a :class:`CancelToken`); :attr:`busy` counts jobs until they end."""
        loop = asyncio.get_running_loop()
        future = self._executor.submit(fn, *args, **kwargs)
        self.busy += 1
        future.add_done_callback(lambda _f: loop.call_soon_threadsafe(self._job_done))
        return await asyncio.wrap_future(future)

    def _job_done(self) -> None:
        self.busy -= 1
        asyncio.ensure_future(self._notify())

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
