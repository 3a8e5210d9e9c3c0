"""Apply a :class:`Completion` to the document text it was computed for (pure; used by the CLI's
diff, tests and benchmarks; the server sends the same edits to the editor instead)."""

from __future__ import annotations

import difflib

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


def unified_diff(text: str, line: int, character: int, completion: Completion, path: str) -> str:
    new = apply_completion(text, line, character, completion)
    return "".join(
        difflib.unified_diff(text.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}")
    )
