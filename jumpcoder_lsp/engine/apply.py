"""Apply a :class:`Completion` to the document text it was computed for (pure; used by the CLI's
diff, tests and benchmarks; the server sends the same edits to the editor instead)."""

from __future__ import annotations

import difflib
import re

from .loop import split_lines
from .types import Completion


def apply_completion(text: str, line: int, character: int, completion: Completion) -> str:
    """The document after the continuation lands at the cursor and the insertions above it."""
    doc = split_lines(text)
    while len(doc) <= line:
        if doc and not doc[-1].endswith(("\n", "\r")):
            doc[-1] += "\n"
        doc.append("")
    cursor = doc[line]
    doc[line] = cursor[: completion.continuation_start] + completion.continuation + cursor[character:]
    for ins in sorted(completion.insertions, key=lambda i: i.before_line, reverse=True):
        doc.insert(ins.before_line, ins.text)
    return "".join(doc)


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
