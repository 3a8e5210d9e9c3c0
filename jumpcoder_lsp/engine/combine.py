"""Stage 3: combination (paper section 3.3, Algorithm 3).

If no infill survived judging, the generated line L'_{n+1} is appended; otherwise the infill with
the highest V is inserted (the most uncertain position wins a tie), and the lines after its t are
dropped.
"""

from __future__ import annotations

from typing import Optional, Sequence

from .types import Candidate


def best_candidate(candidates: Sequence[Candidate]) -> Optional[Candidate]:
    accepted = [c for c in candidates if c.rejected is None and c.judge is not None]
    if not accepted:
        return None
    return max(accepted, key=lambda c: c.value)  # max keeps the first of equal values


def combine(lines: list, candidate: Candidate, make_line) -> tuple[list, list]:
    """Insert ``candidate`` into ``lines``; returns (new lines, dropped lines).

    ``make_line(text)`` wraps an infill text as a line object; lines after ``keep_until`` are
    dropped (the scoring judge's t), the AST judge keeps them all.
    """
    i = candidate.position
    end = len(lines) if candidate.keep_until is None else candidate.keep_until + 1
    new = list(lines[:i]) + [make_line(t) for t in candidate.lines] + list(lines[i:end])
    return new, list(lines[end:])
