"""Apply a :class:`Completion` to the document text it was computed for (pure; used by the CLI's
diff, tests and benchmarks; the server sends the same edits to the editor instead). The conversion
is :func:`jumpcoder_lsp.edits.document_completion`, the one the server and the evaluation use."""

from __future__ import annotations

import difflib
import re

from ..edits import document_completion
from .types import Completion


def apply_completion(text: str, line: int, character: int, completion: Completion) -> str:
    """The document after the continuation lands at the cursor and the insertions above it."""
    return document_completion(text, line, character, completion).apply(text)


#: what diff, patch and git write after a last line that has no newline
NO_NEWLINE = "\\ No newline at end of file\n"


def _patch_lines(text: str) -> list[str]:
    """The lines as patch(1) and git count them: each ends at ``\\n`` (a lone ``\\r``, a form feed
    and the other separators of :meth:`str.splitlines` are text inside a line)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def unified_diff(text: str, line: int, character: int, completion: Completion, path: str) -> str:
    """The change as a unified diff from ``a/PATH`` to ``b/PATH`` that ``patch -p1`` and
    ``git apply`` take: a last line without a newline gets the ``\\ No newline at end of file``
    marker, as diff(1) writes it."""
    new = apply_completion(text, line, character, completion)
    out = []
    for piece in difflib.unified_diff(_patch_lines(text), _patch_lines(new), f"a/{path}", f"b/{path}"):
        out.append(piece if piece.endswith("\n") else piece + "\n" + NO_NEWLINE)
    return "".join(out)
