"""Stage 0: line scores and the top-k positions of uncertainty (paper section 3.1.1).

``I = argTop-k_i  -S(x_0^i; M_G)``: the k lines whose first non-indent token got the lowest logit
from the generation model are where an infill is tried.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

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


def top_k_positions(scores: Sequence[LineScore], eligible: Iterable[int], k: int) -> list[int]:
    """The k eligible lines with the lowest uncertainty score, most uncertain first."""
    candidates = [i for i in eligible if 0 <= i < len(scores) and math.isfinite(scores[i].uncertainty)]
    candidates.sort(key=lambda i: (scores[i].uncertainty, i))
    return candidates[:k]
