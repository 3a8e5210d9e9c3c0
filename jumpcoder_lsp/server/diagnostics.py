"""Diagnostics for undefined names: scheduled after each open and edit, debounced, computed on the
analysis thread (never the model thread) by the language's ``undefined_names``, published for the
version they were computed on and dropped when the document changed meanwhile.

The ``server`` here is the :class:`~.server.JumpCoderServer` (not imported: it imports this
module); what is read of it: ``config``, ``documents``, ``refused`` and pygls'
``text_document_publish_diagnostics``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import Executor
from typing import Optional

from lsprotocol import types

from .. import edits as E
from .documents import Document, spec_supports

log = logging.getLogger(__name__)

DIAGNOSTIC_SOURCE = "jumpcoder"
UNDEFINED_NAME = "undefined-name"


class Diagnostics:
    """The undefined-name diagnostics of one server: at most one job per document."""

    def __init__(self, server, analysis: Executor):
        self._server = server
        self._analysis = analysis
        self._tasks: dict[str, asyncio.Task] = {}

    def schedule(self, doc: Document, delay: Optional[float] = None) -> None:
        """Diagnose ``doc`` after ``delay`` seconds (None: the request debounce, at least 100 ms),
        instead of the job scheduled for it before."""
        server = self._server
        if not server.config.enable_diagnostics or not spec_supports(doc.spec, "undefined_names"):
            return
        self.cancel(doc.uri)
        if server.refused(doc):  # clear what an earlier, smaller version had
            self.clear(doc.uri)
            return
        if delay is None:
            delay = max(server.config.debounce_ms, 100) / 1000
        self._tasks[doc.uri] = asyncio.ensure_future(self._diagnose(doc.uri, delay))

    def cancel(self, uri: str) -> None:
        """Drop the job scheduled for ``uri`` (a newer one replaces it, or the document closed)."""
        task = self._tasks.pop(uri, None)
        if task is not None:
            task.cancel()

    def clear(self, uri: str) -> None:
        """Publish no diagnostics for ``uri``."""
        self._server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def _diagnose(self, uri: str, delay: float) -> None:
        server = self._server
        if delay:
            await asyncio.sleep(delay)
        doc = server.documents.get(uri)
        if doc is None or server.refused(doc):
            return
        snap = doc.snapshot()
        loop = asyncio.get_running_loop()
        try:
            # what the environment judge knows of the document's project (C#: its visible usings)
            context = getattr(server.engine_for(doc.spec.name, uri=uri).environment, "analysis_context", None) or {}
            names = await loop.run_in_executor(
                self._analysis, functools.partial(doc.spec.undefined_names, snap.text, snap.tree, **context))
        except Exception:  # noqa: BLE001 - a broken analyzer must not take the server down
            log.exception("undefined-name analysis failed for %s", uri)
            return
        if server.documents.current(snap) is None or not server.config.enable_diagnostics:
            return
        bounds = E.offsets_of_bytes(snap.text, [b for n in names for b in (n.start_byte, n.end_byte)])
        starts = snap.starts
        diagnostics = []
        for i, n in enumerate(names):
            start = E.offset_to_position(snap.text, bounds[2 * i], snap.encoding, starts=starts)
            end = E.offset_to_position(snap.text, bounds[2 * i + 1], snap.encoding, starts=starts)
            diagnostics.append(
                types.Diagnostic(
                    range=types.Range(start=start, end=end),
                    message=f"'{n.name}' is not defined",
                    severity=types.DiagnosticSeverity.Warning,
                    source=DIAGNOSTIC_SOURCE,
                    code=UNDEFINED_NAME,
                    data={"name": n.name},
                )
            )
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=snap.version, diagnostics=diagnostics)
        )
