"""Filters applied to an infill before it is judged (paper Appendix B.1).

* repetition: language models repeat context; an infill whose gestalt similarity (Ratcliff and
  Obershelp, :class:`difflib.SequenceMatcher`) to a neighbouring line is above 0.85, or that is a
  copy of an existing line, is dropped;
* block openers: a single line that opens a block (if/for/while/try...) breaks the code after it;
* empty infills and truncated ones (no complete line).
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Optional, Sequence

from ..languages.base import LanguageSpec


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def is_repetition(infill: str, lines: Sequence[str], position: int, threshold: float) -> bool:
    if infill in lines:
        return True
    neighbours = [lines[j] for j in (position - 1, position) if 0 <= j < len(lines)]
    return any(similarity(infill, n) > threshold for n in neighbours)


def rejection(
    infill_lines: Sequence[str],
    lines: Sequence[str],
    position: int,
    language: LanguageSpec,
    *,
    repetition_threshold: float,
    filter_blocks: bool,
) -> Optional[str]:
    """Why an infill must be dropped, or None when it may be judged."""
    if not infill_lines or not "".join(infill_lines).strip():
        return "empty"
    if any(not line.endswith("\n") for line in infill_lines):
        return "incomplete"
    first = infill_lines[0]
    if is_repetition(first, lines, position, repetition_threshold):
        return "repetition"
    if filter_blocks and len(infill_lines) == 1 and language.opens_block(first):
        return "opens a block"
    return None
