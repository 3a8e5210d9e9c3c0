"""What of a document the model sees: the one owner of the context bound.

A prompt is never the whole file. :func:`context_window` picks the file's head (its first
:data:`HEAD_LINES` lines, at most :data:`HEAD_CHARS` characters, so that the import block stays
visible and import positions stay valid) and a window of the lines right before the cursor
(``lines`` lines, at most ``chars`` characters with the head). The window's start is snapped down
to a multiple of :data:`STEP` lines, so it holds ``lines`` to ``lines + STEP - 1`` lines and moves
only every :data:`STEP` lines while the user types: the prompt's prefix stays the same, and the
runtimes' prefix KV caches keep hitting. A document that fits is seen whole, exactly as before.

:func:`suffix_window` is what the model sees *after* the cursor: the rest of the cursor line and
the lines below it, at most ``suffix_lines`` lines and ``suffix_chars`` characters (whole lines; the
defaults, 64 lines and 2048 characters, are llama.vim's ``n_suffix``), or nothing when no code follows
the cursor. The engine writes the next line as the middle of a fill-in-the-middle prompt with it, and
ends the suggestion where the code below resumes (engine/stop.py ``meets_suffix``).

:func:`hole_window` bounds a fill-in-the-middle hole (prefix, suffix) the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

#: lines of the file head the model always sees (the import block), and their character bound
HEAD_LINES = 64
HEAD_CHARS = 2048
#: the window before the cursor grows and moves in steps of this many lines
STEP = 64
#: defaults of EngineConfig.context_lines / context_chars
DEFAULT_LINES = 256
DEFAULT_CHARS = 8192
#: defaults of EngineConfig.suffix_lines / suffix_chars
DEFAULT_SUFFIX_LINES = 64
DEFAULT_SUFFIX_CHARS = 2048


@dataclass(frozen=True)
class ContextWindow:
    """The model sees ``lines[:head] + lines[start:end]`` of the document's lines (``end`` is the
    cursor line). ``start == head`` means the whole prefix, unchanged."""

    head: int
    start: int
    end: int

    @property
    def whole(self) -> bool:
        return self.start == self.head

    def document_lines(self) -> list[int]:
        """The document line number of each line the model sees, in order."""
        return list(range(self.head)) + list(range(self.start, self.end))

    def to_document(self, i: int) -> int:
        """The document line of line ``i`` of the seen text (``i == len(seen)``: the cursor line)."""
        return i if i < self.head else self.start + (i - self.head)

    def seen(self, lines: Sequence[str]) -> list[str]:
        return list(lines[: self.head]) + list(lines[self.start : self.end])


def context_window(lines: Sequence[str], end: int, *, max_lines: int = DEFAULT_LINES,
                   max_chars: int = DEFAULT_CHARS) -> ContextWindow:
    """The lines of ``lines[:end]`` (each with its newline) the model sees for a cursor on line ``end``."""
    head_chars = min(HEAD_CHARS, max_chars // 4)
    head, used = 0, 0
    while head < min(end, HEAD_LINES) and used + len(lines[head]) <= head_chars:
        used += len(lines[head])
        head += 1
    start = max(head, (max(0, end - max_lines) // STEP) * STEP)
    budget = max_chars - used
    size = sum(len(lines[i]) for i in range(start, end))
    # over the character bound: drop whole steps from the start (the start stays on a step), and
    # single lines only from the last, partial step (very long lines)
    while start < end and size > budget:
        step_end = min(end, (start // STEP + 1) * STEP)
        if step_end == end:
            size -= len(lines[start])
            start += 1
        else:
            size -= sum(len(lines[i]) for i in range(start, step_end))
            start = step_end
    return ContextWindow(head, max(start, head), end)


@dataclass(frozen=True)
class SuffixWindow:
    """What the model sees after the cursor. ``text`` is what follows the suggestion in the
    document: the rest of the cursor line when it holds code (the continuation then ends with a
    newline and that rest moves below it), then the lines below the cursor line, as whole lines.
    ``first_code`` is its first non-blank line without its newline. Both are "" when nothing but
    whitespace follows the cursor within the bound (the engine then works as if it had no suffix)."""

    text: str = ""
    first_code: str = ""

    def __bool__(self) -> bool:
        return bool(self.text)


def suffix_window(lines: Sequence[str], line: int, character: int, *, max_lines: int = DEFAULT_SUFFIX_LINES,
                  max_chars: int = DEFAULT_SUFFIX_CHARS) -> SuffixWindow:
    """The code after the cursor on ``line`` of ``lines`` (each with its newline) that the model
    sees: the cursor line from ``character`` on (the engine passes where its edit starts: the
    cursor, or 0 when only indentation stands before it, so that a code line the cursor is in the
    indentation of comes whole), then the lines below; at most ``max_lines`` lines (the cursor
    line's rest counts as one) and ``max_chars`` characters, cut before the first line that would
    not fit."""
    pieces: list[str] = []
    if line < len(lines):
        rest = lines[line][character:]
        if rest.strip():
            pieces.append(rest)
    used = len(pieces[0]) if pieces else 0
    if used > max_chars or max_lines <= 0:
        return SuffixWindow()
    i = line + 1
    while i < len(lines) and len(pieces) < max_lines and used + len(lines[i]) <= max_chars:
        pieces.append(lines[i])
        used += len(lines[i])
        i += 1
    first = next((p.rstrip("\r\n") for p in pieces if p.strip()), "")
    if not first:
        return SuffixWindow()
    return SuffixWindow("".join(pieces), first)


def hole_window(prefix: str, suffix: str, *, max_chars: int = DEFAULT_CHARS) -> tuple[str, str]:
    """A fill-in-the-middle hole bounded to ``max_chars``: the end of ``prefix`` (three quarters of
    the bound) and the start of ``suffix`` (the rest), cut at line boundaries. A hole that fits is
    returned unchanged."""
    if len(prefix) + len(suffix) <= max_chars:
        return prefix, suffix
    keep_suffix = min(len(suffix), max_chars // 4)
    keep_prefix = max_chars - keep_suffix
    if len(prefix) > keep_prefix:
        cut = len(prefix) - keep_prefix
        nl = prefix.find("\n", cut - 1)
        prefix = prefix[nl + 1 :] if nl >= 0 else ""
    if len(suffix) > keep_suffix:
        nl = suffix.rfind("\n", 0, keep_suffix)
        suffix = suffix[: nl + 1] if nl >= 0 else ""
    return prefix, suffix
