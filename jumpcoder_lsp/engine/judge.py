"""Stage 2: judging (paper section 3.2, Algorithm 2).

* AST judge: an infill that makes a used-but-unbound name defined, without leaving a new one
  undefined, is certainly right: V_i = +inf.
* Scoring judge: with S from the code as it is and S' from the code with the infill, the
  improvement of each following line is ``Delta_k = mean S'(L_k) - mean S(L_k)``. The run of lines
  right after the infill with ``Delta_k > tau`` ends at line t; the infill is kept only when that run
  covers at least half of the following (scored) lines, with ``V_i = sum Delta_k`` over the run, and
  the lines after t are dropped when it is combined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from .types import INF, LineScore


def ast_resolves(undefined_before: set[str], undefined_after: set[str]) -> bool:
    """True when the infill defines a name that was undefined and leaves no new one undefined."""
    return bool(undefined_before - undefined_after) and not (undefined_after - undefined_before)


@dataclass(frozen=True)
class ScoreVerdict:
    accepted: bool
    value: float  # V_i (sum of Delta over the improved run); -inf when rejected
    keep_until: Optional[int]  # t: the last old line kept (old indices); None when rejected
    deltas: tuple[float, ...]


def scoring_judge(
    before: Sequence[LineScore],
    after: Sequence[LineScore],
    position: int,
    inserted: int,
    tau: float,
) -> ScoreVerdict:
    """Judge an infill of ``inserted`` lines placed before old line ``position``.

    ``before`` scores the old lines; ``after`` scores the combined lines, where old line k is at
    k + inserted for k >= position. Lines without scores (blank ones) are skipped: they neither
    count as improved nor end the run.
    """
    n = len(before)
    scored_following = [k for k in range(position, n) if before[k].token_logits and after[k + inserted].token_logits]
    deltas: list[float] = []
    improved, t = 0, None
    for k in scored_following:
        delta = after[k + inserted].mean - before[k].mean
        deltas.append(delta)
        if delta > tau:
            improved += 1
            t = k
        else:
            break
    total = len(scored_following)
    # Paper: reject when t - i + 1 < (n - i + 1) / 2, i.e. when the run is under half the lines.
    if improved == 0 or 2 * improved < total:
        return ScoreVerdict(False, -INF, None, tuple(deltas))
    return ScoreVerdict(True, sum(deltas[:improved]), t, tuple(deltas))
