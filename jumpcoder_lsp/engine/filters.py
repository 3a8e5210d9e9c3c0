"""Filters applied to an infill before it is judged (paper Appendix B.1).

* repetition: language models repeat context; an infill whose gestalt similarity (Ratcliff and
  Obershelp, :class:`difflib.SequenceMatcher`) to a neighbouring line is above 0.85, or that is a
  copy of an existing line, is dropped;
* block openers: a single line that opens a block (if/for/while/try...) breaks the code after it;
* empty infills and truncated ones (no complete line);
* unused imports (not in the paper, issue 15's "no junk"): an infill line that is an import none of
  whose bound names (``LanguageSpec.import_bindings``) the code after it uses
  (``LanguageSpec.names_used``: the rest of the infill and the lines after the position) is
  dropped; an import whose names cannot be told (a wildcard, an ``#include``) never is.
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


def adds_unused_import(infill_lines: Sequence[str], lines: Sequence[str], position: int,
                       language: LanguageSpec) -> bool:
    """True when a line of the infill is an import that nothing after it uses."""
    bound = [language.import_bindings(line) for line in infill_lines]
    if not any(bound):
        return False
    before = "".join(lines[:position])
    combined = before + "".join(infill_lines) + "".join(lines[position:])
    offset = len(before.encode("utf-8"))
    for line, names in zip(infill_lines, bound):
        offset += len(line.encode("utf-8"))
        if names and not names & language.names_used(combined, offset):
            return True
    return False


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
    if adds_unused_import(infill_lines, lines, position, language):
        return "unused import"
    return None
