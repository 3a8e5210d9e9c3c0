"""Server-initiated work-done progress (``window/workDoneProgress/create``, ``$/progress``).

:class:`Progresses` is the server's one owner of them: :meth:`Progresses.progress` begins one and
always ends it, whatever happens in its block; the progress UI's cancel button
(``window/workDoneProgress/cancel``) cancels the request it was begun for. A client without
work-done progress, or one that does not answer the create request in time, gets none (the
:class:`Progress` then has no token and reports nothing).

The ``server`` here is the :class:`~.server.JumpCoderServer` (not imported: it imports this
module); what is read of it: ``client_capabilities``, ``request_client`` and pygls'
``work_done_progress``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import Any, Optional

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from ..runtime.base import Cancelled
from .protocol import ClientTimeout
from .worker import CancelToken

log = logging.getLogger(__name__)


class Progress:
    """One server-initiated work-done progress (``token`` None: the client shows none). Use it
    through :meth:`Progresses.progress`, which always ends it; nothing is reported after the end
    (a thread may still be reporting when a load is superseded)."""

    def __init__(self, owner: "Progresses", token: Any):
        self._owner = owner
        self.token = token
        self.ended = False

    def report(self, message: str, fraction: Optional[float] = None) -> None:
        if not self.ended:
            self._owner.report(self.token, message, fraction)

    def end(self, message: str) -> None:
        if not self.ended:
            self.ended = True
            self._owner.end(self.token, message)

    def threadsafe(self):
        """A :data:`~.worker.ProgressFn` that another thread may call."""
        loop = asyncio.get_running_loop()

        def progress(message: str, fraction: Optional[float] = None) -> None:
            loop.call_soon_threadsafe(self.report, message, fraction)

        return progress


class Progresses:
    """The work-done progresses of one server: their tokens and the requests they may cancel."""

    def __init__(self, server):
        self._server = server
        self._tokens = itertools.count(1)
        self._cancel: dict[Any, CancelToken] = {}

    def supported(self) -> bool:
        caps = self._server.client_capabilities
        return bool(caps and caps.window and caps.window.work_done_progress)

    async def create(self, title: str, message: str = "", cancellable: bool = False):
        """A server-initiated work-done progress token, begun (None when the client has none or
        does not answer window/workDoneProgress/create in time)."""
        if not self.supported():
            return None
        token = f"jumpcoder/{next(self._tokens)}"
        try:
            await self._server.request_client(types.WINDOW_WORK_DONE_PROGRESS_CREATE,
                                              types.WorkDoneProgressCreateParams(token=token))
        except (ClientTimeout, JsonRpcException) as exc:  # progress is optional
            log.warning("window/workDoneProgress/create failed: %s", exc)
            return None
        self._server.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, message=message or None, cancellable=cancellable)
        )
        return token

    def report(self, token, message: str, fraction: Optional[float] = None) -> None:
        if token is None:
            return
        pct = None if fraction is None else max(0, min(100, int(fraction * 100)))
        self._server.work_done_progress.report(token, types.WorkDoneProgressReport(message=message, percentage=pct))

    def end(self, token, message: str) -> None:
        if token is None:
            return
        wdp = self._server.work_done_progress
        wdp.end(token, types.WorkDoneProgressEnd(message=message))
        wdp.tokens.pop(token, None)
        self._cancel.pop(token, None)

    def cancel(self, token: Any) -> None:
        """The progress UI's cancel button (``window/workDoneProgress/cancel``) for ``token``."""
        cancel = self._cancel.get(token)
        if cancel is not None:
            cancel.cancel("cancelled from the progress UI")

    @contextlib.asynccontextmanager
    async def progress(self, title: str, message: str = "", *, cancel: Optional[CancelToken] = None):
        """``async with progresses.progress(title) as p``: a work-done progress that ends whatever
        happens in the block: with ``p.end(message)``, else "cancelled" (a cancellation), "failed"
        (any other exception) or "done". ``cancel``: the progress UI's cancel button cancels it."""
        token = await self.create(title, message, cancellable=cancel is not None)
        p = Progress(self, token)
        if token is not None and cancel is not None:
            self._cancel[token] = cancel
        try:
            yield p
        except (Cancelled, asyncio.CancelledError):
            p.end("cancelled")
            raise
        except BaseException:
            p.end("failed")
            raise
        finally:
            p.end("done")
