"""Which cached tokens a new prompt can reuse: prefix reuse, or PIE's edit-aware reuse (pure, no model).

Both runtimes keep the keys/values of token sequences they computed. A new prompt that starts with a
cached sequence reuses it (``prefix``): everything after the first differing token is computed again.
PIE (Position-Independent Editing, shared/papers/: "Let the Code LLM Edit Itself When You Edit the
Code") also keeps the tokens *after* an edit: their keys were rotated (RoPE) for their old positions,
so a runtime removes the old rotation and applies the new one (one rotation by the position delta per
layer), and computes only the edited tokens. The kept tokens' keys/values were computed without the
edit in their context; that is the approximation PIE measures as close to a full recompute.

This module only plans; a runtime carries the plan out:

* :func:`plan_reuse` compares the cached ids with the new ids (token level; several edit regions) and
  returns a :class:`ReusePlan`: the :class:`Kept` runs (``cached[old:old+length] == new[new:new+length]``,
  moved by ``shift = new - old`` positions) and the spans of the new prompt to compute.
* The last token of the new prompt is always computed (the next token is chosen from its logits, and a
  kept key/value carries no logits row), so a plan never keeps it.
* Past :data:`MAX_REGIONS` edit regions, or when the kept tokens after the common prefix are fewer than
  :data:`MIN_KEPT` (nothing worth moving), the plan falls back to the common prefix alone: the same
  tokens ``prefix`` reuse keeps.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Sequence

#: reuse modes (setting ``kvReuse``)
MODES = ("prefix", "pie")
#: the default of the setting ``kvReuse``, CLI and ``benchmarks/eval.py`` ``--kv-reuse`` and the loader
#: (the one owner; docs/kvreuse.md says why)
DEFAULT_MODE = "prefix"
#: a matching run shorter than this is computed again rather than moved (a few tokens that happen to
#: match inside an edited span are not worth a cache operation, and their context changed the most)
MIN_RUN = 8
#: at most this many edit regions; more and the plan is the common prefix alone
MAX_REGIONS = 8
#: at least this many tokens kept after the common prefix for a PIE plan to be worth carrying out
MIN_KEPT = 16
#: the periodic full refresh: a cached sequence whose kept tokens went through this many PIE plans
#: (edits in a row, each prefilled against the last one's cache) is not planned against again; the
#: next edit recomputes it from its first kept token (None: never). 16: the next token's |Δlogprob| vs a
#: full recompute was flat up to 16 chained edits and 2.5x at 32 (docs/kvreuse.md, "Chains of edits")
REFRESH_AFTER: "int | None" = 16


def refresh_due(depth: int, after: "int | None" = REFRESH_AFTER) -> bool:
    """Whether a cached sequence whose kept tokens went through ``depth`` PIE plans is due for the
    full refresh (:data:`REFRESH_AFTER`)."""
    return after is not None and depth >= after


@dataclass(frozen=True)
class Kept:
    """``length`` cached tokens from position ``old`` reused at position ``new`` of the new prompt."""

    old: int
    new: int
    length: int

    @property
    def shift(self) -> int:
        """How far the run moves: the rotary correction of its keys is by this many positions."""
        return self.new - self.old


@dataclass(frozen=True)
class ReusePlan:
    """What to keep from a cached sequence of ``old_len`` tokens for a new prompt of ``new_len`` tokens."""

    kept: tuple[Kept, ...]
    old_len: int
    new_len: int

    @property
    def prefix(self) -> int:
        """Tokens reused in place at the start (the common prefix kept; 0 when the first run moves)."""
        if self.kept and self.kept[0].old == 0 and self.kept[0].new == 0:
            return self.kept[0].length
        return 0

    @property
    def reused(self) -> int:
        return sum(k.length for k in self.kept)

    @property
    def computed(self) -> int:
        """Tokens of the new prompt a runtime computes."""
        return self.new_len - self.reused

    @property
    def moved(self) -> tuple[Kept, ...]:
        """The kept runs after the common prefix (those a runtime shifts, even by 0)."""
        return self.kept[1:] if self.prefix else self.kept

    def compute_spans(self) -> list[tuple[int, int]]:
        """The ``[start, end)`` spans of new positions to compute, in order (they include the last token)."""
        return _gaps(((k.new, k.length) for k in self.kept), self.new_len)

    def dropped_spans(self) -> list[tuple[int, int]]:
        """The ``[start, end)`` spans of cached positions not reused (a runtime removes them first)."""
        return _gaps(((k.old, k.length) for k in self.kept), self.old_len)


def reuse_stats(mode: str, *, computed: int, reused: int, moved: int, plans: int) -> dict:
    """A runtime's prompt-cache counters as the server's status shows them (``Runtime.reuse_stats``):
    the mode, prompt tokens computed and reused since the load (prefills, warm-ups and scores; the
    tokens a generation decodes are not prompt tokens), of the reused those moved by PIE plans, and
    the PIE plans carried out."""
    return {"kvReuse": mode, "tokensComputed": int(computed), "tokensReused": int(reused),
            "tokensMoved": int(moved), "piePlans": int(plans)}


def _gaps(runs: Iterable[tuple[int, int]], total: int) -> list[tuple[int, int]]:
    """The ``[start, end)`` spans of ``range(total)`` outside the ``(start, length)`` runs (in order)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for start, length in runs:
        if start > pos:
            spans.append((pos, start))
        pos = start + length
    if pos < total:
        spans.append((pos, total))
    return spans


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _prefix_plan(cached: Sequence[int], new: Sequence[int]) -> ReusePlan:
    p = min(common_prefix(cached, new), max(len(new) - 1, 0))
    return ReusePlan((Kept(0, 0, p),) if p else (), len(cached), len(new))


def plan_reuse(cached: Sequence[int], new: Sequence[int], mode: str = "pie", *,
               min_run: int = MIN_RUN, max_regions: int = MAX_REGIONS, min_kept: int = MIN_KEPT) -> ReusePlan:
    """The tokens of ``cached`` that the prompt ``new`` reuses under ``mode`` (``prefix`` or ``pie``).

    ``prefix``: the common token prefix (never the last new token). ``pie``: the common prefix, then
    every later run of at least ``min_run`` equal tokens in order (an insertion, deletion or
    replacement between runs is an edit region), with the same last-token rule; the prefix plan
    when there are more than ``max_regions`` regions or fewer than ``min_kept`` tokens to move.
    """
    if mode not in MODES:
        raise ValueError(f"kvReuse must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "prefix" or not cached or not new:
        return _prefix_plan(cached, new)
    head = common_prefix(cached, new)
    if head >= len(new) - 1 or head == len(cached):
        return _prefix_plan(cached, new)
    # the common suffix first (cheap, and the usual case: one edit above the cursor), then a diff of
    # the middles only
    tail = 0
    while (tail < len(cached) - head and tail < len(new) - head
           and cached[len(cached) - 1 - tail] == new[len(new) - 1 - tail]):
        tail += 1
    mid_old = cached[head:len(cached) - tail]
    mid_new = new[head:len(new) - tail]
    runs: list[Kept] = []
    if mid_old and mid_new:
        matcher = difflib.SequenceMatcher(None, mid_old, mid_new, autojunk=False)
        for a, b, size in matcher.get_matching_blocks():
            if size >= min_run:
                runs.append(Kept(head + a, head + b, size))
    if tail:
        runs.append(Kept(len(cached) - tail, len(new) - tail, tail))
    # the last new token is always computed
    if runs and runs[-1].new + runs[-1].length == len(new):
        last = runs.pop()
        if last.length - 1 >= min_run:
            runs.append(Kept(last.old, last.new, last.length - 1))
    kept = ([Kept(0, 0, head)] if head else []) + runs
    plan = ReusePlan(tuple(kept), len(cached), len(new))
    regions = len(plan.compute_spans()) - 1  # the final span holds the last token, not an edit
    if sum(k.length for k in plan.moved) < min_kept or regions > max_regions:
        return _prefix_plan(cached, new)
    return plan
