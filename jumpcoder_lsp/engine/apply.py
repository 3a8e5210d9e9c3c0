"""Apply a :class:`Completion` to the document text it was computed for (pure; used by the CLI's
diff, tests and benchmarks; the server sends the same edits to the editor instead). The conversion
is :func:`jumpcoder_lsp.edits.document_completion`, the one the server and the evaluation use."""

from __future__ import annotations

import difflib

from ..edits import document_completion
from .types import Completion


def apply_completion(text: str, line: int, character: int, completion: Completion) -> str:
    """The document after the continuation lands at the cursor and the insertions above it."""
    return document_completion(text, line, character, completion).apply(text)


def unified_diff(text: str, line: int, character: int, completion: Completion, path: str) -> str:
    new = apply_completion(text, line, character, completion)
    return "".join(
        difflib.unified_diff(text.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}")
    )
