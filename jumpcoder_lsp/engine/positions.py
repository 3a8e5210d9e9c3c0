"""Stage 0: where an iteration tries infills (paper section 3.1.1), per policy.

``I = argTop-k_i  -S(x_0^i; M_G)``: the k lines whose first non-indent token got the lowest logit
from the generation model are where an infill is tried (the paper policy); :func:`eligible_lines`
is where an infill may go at all, :func:`definition_positions` where a missing definition can go,
and :func:`choose_positions` picks per ``EngineConfig.policy``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence

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
    lines (blank, comment-only, docstring and string lines: ``language.non_code_lines``) -- but
    a blank ``import_line`` stays: it is where a new import goes (after the import block).

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
    imp = language.import_line(text, tree=tree)
    eligible = set(range(0, imp + 1))
    func = language.enclosing_function(text, anchor, tree=tree)
    if func is not None:
        eligible |= set(range(func.start_line, cursor_line))
    non_code = language.non_code_lines(text, tree=tree)
    if imp < len(lines) and not lines[imp].strip():
        # the blank line after the imports is where a new import goes: an infill before it
        # follows the import block (before the last import, a Go file's only one, the model
        # sees no import in its prefix and restates `package main`)
        non_code = non_code - {imp}
    eligible -= non_code
    return {i for i in eligible if 0 <= i < cursor_line}


def top_k_positions(scores: Sequence[LineScore], eligible: Iterable[int], k: int) -> list[int]:
    """The k eligible lines with the lowest uncertainty score, most uncertain first."""
    candidates = [i for i in eligible if 0 <= i < len(scores) and math.isfinite(scores[i].uncertainty)]
    candidates.sort(key=lambda i: (scores[i].uncertainty, i))
    return candidates[:k]


def _indent_width(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))


def definition_positions(language: Any, lines: Sequence[str], eligible: Iterable[int], tree: Any = None) -> list[int]:
    """Where a definition of a used-but-undefined name can go in the code ``lines``, among the
    ``eligible`` positions, in the order they are tried (the first of equal judge values wins):

    1. the import block: ``language.import_line`` (the line a new import goes before), or, when
       that line is no position (a comment, or not above the cursor), the last eligible line above it;
    2. the start of the enclosing function: its first eligible line below the header that is
       indented deeper than the header (the body's first line);
    3. module level above the function: the function's first line (the ``def``/signature, or
       its first decorator/annotation), where a helper or a constant goes.

    The enclosing function is the one around the last non-blank line (the line just written).
    Positions not in ``eligible`` are left out; ``tree`` is the parse of ``"".join(lines)``.
    """
    allowed = set(eligible)
    code = "".join(lines)
    if tree is None:
        tree = language.parse(code.encode("utf-8"))
    out: list[int] = []

    def add(i: Optional[int]) -> None:
        if i is not None and i in allowed and i not in out:
            out.append(i)

    imp = language.import_line(code, tree=tree)
    add(imp if imp in allowed else max((i for i in allowed if i <= imp), default=None))
    anchor = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
    func = language.enclosing_function(code, anchor, tree=tree) if anchor is not None else None
    if func is not None:
        header = len(func.indent)
        add(next((i for i in sorted(allowed)
                  if func.start_line < i <= max(func.end_line, anchor) and _indent_width(lines[i]) > header), None))
        add(func.start_line)
    return out


@dataclass(frozen=True)
class PositionChoice:
    """Where one iteration tries infills, and the line scores when a scoring pass was run for it."""

    positions: list[int]
    scores: Optional[list[LineScore]]


def choose_positions(policy: str, language: Any, lines: Sequence[str], *, k: int, eligible: set[int],
                     undefined: set[str], tried: set[str], ast_judge: bool,
                     score: Callable[[], list[LineScore]],
                     cached: Callable[[int], bool] = lambda i: False) -> PositionChoice:
    """The one owner of where an iteration branches (EngineConfig.policy).

    ``lines`` is the current code, ``eligible`` the positions an infill may go before, ``undefined``
    the names used but unbound in it, ``tried`` the names an earlier iteration of this run already
    branched for, ``score()`` runs the scoring pass (called only when the policy needs line scores),
    ``cached(i)``: a speculative infill is cached for position i.

    * ``paper``: score, then the k most uncertain eligible lines (Algorithm 4).
    * ``cpu``: score; all k while the AST judge has a name to resolve, else the 2 most uncertain
      lines plus positions whose cached infill one scoring pass verifies (up to k).
    * ``inline``: no scoring pass and no branch unless a name is undefined that no earlier
      iteration branched for (the AST judge's case, the only judge this policy uses): then the
      :func:`definition_positions`, and, when k allows more, the most uncertain other eligible
      lines below the import block (only then is the code scored, once; the import block has
      its one position among the definition positions).
    """
    if k <= 0 or not lines:
        return PositionChoice([], None)
    if policy == "inline":
        if not (ast_judge and undefined - tried):
            return PositionChoice([], None)
        positions = definition_positions(language, lines, eligible)[:k]
        # the other positions, less those inside the import block (one of them is already tried there)
        imp = language.import_line("".join(lines))
        rest = {i for i in eligible if i not in positions and i >= imp}
        scores = None
        if len(positions) < k and rest:
            scores = score()
            positions += top_k_positions(scores, rest, k - len(positions))
        return PositionChoice(positions, scores)
    scores = score()
    if policy == "cpu" and not (ast_judge and undefined):
        positions = top_k_positions(scores, eligible, min(2, k))
        extra = [i for i in sorted(eligible) if i not in positions and cached(i)]
        return PositionChoice(positions + extra[: max(0, k - len(positions))], scores)
    return PositionChoice(top_k_positions(scores, eligible, k), scores)
