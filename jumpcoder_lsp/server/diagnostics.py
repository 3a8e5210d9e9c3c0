"""Diagnostics for undefined names and, in Python documents, for removed or missing APIs:
scheduled after each open and edit, debounced, computed on the analysis thread (never the model
thread, never the event loop) by :func:`jumpcoder_lsp.diagnose.analyse` (the language's
``undefined_names`` and :func:`jumpcoder_lsp.removed_apis.check`; ``jumpcoder-lsp check`` prints
the same) against the environment the engine judges with
(``server.environment``: nothing of the workspace runs), published for the version they were
computed on and dropped when the document changed meanwhile. Both follow ``enableDiagnostics``.

The removed-API fixes are kept here per document, for the version they were computed on
(:meth:`Diagnostics.fixes_for`): the code action offers them only while the document is at that
version, and sends them as a versioned edit, so they always apply to the text they were made for.

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
from ..diagnose import REMOVED_API, UNDEFINED_NAME, analyse, span_points, undefined_message
from .documents import Document, spec_supports

log = logging.getLogger(__name__)

DIAGNOSTIC_SOURCE = "jumpcoder"


class Diagnostics:
    """The undefined-name diagnostics of one server: at most one job per document."""

    def __init__(self, server, analysis: Executor):
        self._server = server
        self._analysis = analysis
        self._tasks: dict[str, asyncio.Task] = {}
        #: uri -> (version, [(range, name, fixes)]): the removed-API fixes last published
        self._fixes: dict[str, tuple[int, list]] = {}

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

    def forget(self, uri: str) -> None:
        """The document closed: its job and its fixes go."""
        self.cancel(uri)
        self._fixes.pop(uri, None)

    def fixes_for(self, uri: str, version: int, rng: types.Range, name: str) -> list:
        """The fixes of the removed-API diagnostic at ``rng`` for ``name``, computed on ``version``
        (empty when the document has changed since: its newer diagnostics bring their own)."""
        version_fixes = self._fixes.get(uri)
        if version_fixes is None or version_fixes[0] != version:
            return []
        return next((fixes for r, n, fixes in version_fixes[1] if r == rng and n == name), [])

    def clear(self, uri: str) -> None:
        """Publish no diagnostics for ``uri``."""
        self._fixes.pop(uri, None)
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
        # read on the analysis thread: the environment's discovery, queued there first, has ended
        environment = (lambda: server.environment) if doc.spec.name == "python" else (lambda: None)
        # what the environment judge knows of the document's project (C#: the usings it makes visible)
        context = lambda: getattr(server.engine_for(doc.spec.name, uri=uri).environment,  # noqa: E731
                                  "analysis_context", None) or {}
        try:
            names, findings = await loop.run_in_executor(self._analysis, _analyse, doc.spec, snap, environment, context)
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
                    message=undefined_message(n.name),
                    severity=types.DiagnosticSeverity.Warning,
                    source=DIAGNOSTIC_SOURCE,
                    code=UNDEFINED_NAME,
                    data={"name": n.name},
                )
            )
        fixes = []
        for f in findings:
            rng = span_range(snap, f.problem.span)
            if rng is None:
                continue
            fixes.append((rng, f.problem.name, [(fix.replacement, fix.preferred, [types.TextEdit(range=r, new_text=t)
                                                  for span, t in fix.edits if (r := span_range(snap, span)) is not None])
                                                for fix in f.fixes]))
            diagnostics.append(
                types.Diagnostic(
                    range=rng,
                    message=f.message,
                    severity=types.DiagnosticSeverity.Warning,
                    source=DIAGNOSTIC_SOURCE,
                    code=REMOVED_API,
                    data={"name": f.problem.name, "replacements": [fix.replacement for fix in f.fixes]},
                )
            )
        self._fixes[uri] = (snap.version, fixes)
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=snap.version, diagnostics=diagnostics)
        )


def _analyse(spec, snap, environment, context=lambda: {}) -> tuple[list, list]:
    """On the analysis thread: :func:`jumpcoder_lsp.diagnose.analyse` of the snapshot, with
    ``context()`` (what the environment judge knows of the document's project: C#'s visible
    usings) and ``environment()`` (Python documents, once it is known; else None)."""
    ctx = context()
    return analyse(spec, snap.text, snap.tree, environment(), ctx, where=snap.uri)


def span_range(snap, span) -> Optional[types.Range]:
    """The LSP range of an ast span ((line, UTF-8 byte column) twice) of the snapshot's text; None
    when it is not in the text."""
    starts = snap.starts
    points = span_points(snap.text, span, starts)
    if points is None:
        return None
    start, end = (E.offset_to_position(snap.text, starts[line] + column, snap.encoding, starts=starts)
                  for line, column in points)
    return types.Range(start=start, end=end)
