"""Stage 0: line scores and the top-k positions of uncertainty (paper section 3.1.1).

``I = argTop-k_i  -S(x_0^i; M_G)``: the k lines whose first non-indent token got the lowest logit
from the generation model are where an infill is tried.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional, Sequence

from ..edits import split_lines
from ..runtime.base import Scored
from .types import LineScore


def line_starts(lines: Sequence[str]) -> list[int]:
    """Character offset where each line starts in ``"".join(lines)``."""
    starts, pos = [], 0
    for text in lines:
        starts.append(pos)
        pos += len(text)
    return starts


def first_code_char(text: str) -> int:
    """Offset of the first non-whitespace character of a line, or -1 for a blank line."""
    stripped = text.lstrip()
    return -1 if not stripped else len(text) - len(stripped)


def line_scores(lines: Sequence[str], scored: Scored) -> list[LineScore]:
    """Map token scores to lines by character offsets.

    A token belongs to the line its first character is in (Qwen merges newlines into tokens such
    as ``"):\\n"``, so one token per newline would be wrong). Indent-only tokens are left out: a
    line's scores are the tokens that reach its first non-whitespace character or later.
    """
    starts = line_starts(lines)
    per_line: list[list[float]] = [[] for _ in lines]
    line = 0
    for (start, end), logit in zip(scored.offsets, scored.logits):
        while line + 1 < len(lines) and start >= starts[line + 1]:
            line += 1
        if not lines:
            break
        code = first_code_char(lines[line])
        if code < 0 or end <= starts[line] + code:
            continue
        if math.isfinite(logit):
            per_line[line].append(logit)
    return [
        LineScore(tuple(values), values[0] if values else math.inf)
        for values in per_line
    ]


def eligible_lines(language: Any, text: str, cursor_line: int, tree: Any = None, *,
                   character: Optional[int] = None) -> set[int]:
    """The document lines an infill may go before (the one rule, for the CLI, the evaluation and
    the server alike): the import block -- lines 0 to ``language.import_line`` inclusive -- and the
    enclosing function from its first line, only lines above the cursor line, minus non-code
    lines (blank, comment-only, docstring and string lines: ``language.non_code_lines``).

    The enclosing function is the one around the cursor line, or, when the cursor line is blank
    before the cursor (``character``; None: the whole line), around the last non-blank line above
    it. ``tree`` is the parse of ``text`` (a server's incremental tree); None: parsed here.
    """
    if tree is None:
        tree = language.parse(text.encode("utf-8"))
    lines = split_lines(text)
    typed = lines[cursor_line] if cursor_line < len(lines) else ""
    anchor = cursor_line
    if not (typed if character is None else typed[:character]).strip():
        anchor = next((i for i in range(min(cursor_line, len(lines)) - 1, -1, -1) if lines[i].strip()), cursor_line)
    eligible = set(range(0, language.import_line(text, tree=tree) + 1))
    func = language.enclosing_function(text, anchor, tree=tree)
    if func is not None:
        eligible |= set(range(func.start_line, cursor_line))
    eligible -= language.non_code_lines(text, tree=tree)
    return {i for i in eligible if 0 <= i < cursor_line}


def top_k_positions(scores: Sequence[LineScore], eligible: Iterable[int], k: int) -> list[int]:
    """The k eligible lines with the lowest uncertainty score, most uncertain first."""
    candidates = [i for i in eligible if 0 <= i < len(scores) and math.isfinite(scores[i].uncertainty)]
    candidates.sort(key=lambda i: (scores[i].uncertainty, i))
    return candidates[:k]
