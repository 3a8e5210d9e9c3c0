"""Stage 2: judging (paper section 3.2, Algorithm 2).

* AST judge: an infill that makes a used-but-unbound name defined, without leaving a new one
  undefined, is certainly right: V_i = +inf.
* Environment judge (issue 17): an infill whose own lines import a module or use a
  ``module.attr`` that the user's environment definitely lacks loses, whatever the other two say.
* Scoring judge: with S from the code as it is and S' from the code with the infill, the
  improvement of each following line is ``Delta_k = mean S'(L_k) - mean S(L_k)``. The run of lines
  right after the infill with ``Delta_k > tau`` ends at line t; the infill is kept only when that run
  covers at least half of the following (scored) lines, with ``V_i = sum Delta_k`` over the run, and
  the lines after t are dropped when it is combined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from .config import EngineConfig
from .types import INF, Candidate, Line, LineScore


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


def name_judge(undefined_before: set[str], undefined_after: set[str], config: EngineConfig) -> Optional[str]:
    """The AST judge's part of Algorithm 2 for one infill: "ast" (accepted, V_i = +inf), a
    rejection ("adds an undefined name"; "resolves no undefined name" when the scoring judge is
    off, the inline policy), or None (the scoring judge decides)."""
    if config.ast_judge and undefined_before and ast_resolves(undefined_before, undefined_after):
        return "ast"
    if config.reject_new_undefined and undefined_after - undefined_before:
        return "adds an undefined name"
    if not config.scoring_judge:
        return "resolves no undefined name"
    return None


def environment_judge(combined: Sequence[str], cand: Candidate, config: EngineConfig) -> Optional[str]:
    """The environment judge (issue 17): "does not resolve in the environment" when the infill's
    own lines import a module or use a ``module.attr`` that the configured environment
    (``config.environment``, jumpcoder_lsp/environment.py) definitely lacks -- an AST acceptance
    is withdrawn, a scoring one never starts; None when it resolves, is unknown or the judge is off."""
    env = config.environment
    if env is None or not cand.lines:
        return None
    if env.problems("".join(combined), range(cand.position, cand.position + len(cand.lines))):
        return "does not resolve in the environment"
    return None


def drops_user_lines(lines: Sequence[Line], keep_until: int) -> bool:
    """True when combining would drop a user line (one after line t = ``keep_until``): the
    user's text is never removed, so such an infill is rejected."""
    return any(l.fixed or l.origin == "cursor" for l in lines[keep_until + 1 :])


def judge(
    live: Sequence[Candidate],
    texts: Sequence[str],
    lines: Sequence[Line],
    scores: Optional[Sequence[LineScore]],
    undefined_before: set[str],
    config: EngineConfig,
    *,
    undefined: Callable[[list[str]], set[str]],
    score: Callable[[list[list[str]]], list[Sequence[LineScore]]],
) -> None:
    """Algorithm 2 over the infills the filters kept: set each candidate's ``judge``, ``value``
    and ``keep_until``, or its ``rejected`` reason.

    ``texts`` are the current code lines (``lines`` the same, with their origins), ``scores``
    their line scores (S), ``undefined_before`` the names the code uses but never binds;
    ``undefined(code_lines)`` gives those names for other code and ``score(list of code lines)``
    the line scores of several codes in one batch (the generation model).
    """
    pending = []
    for cand in live:
        combined = list(texts[: cand.position]) + cand.lines + list(texts[cand.position :])
        after = undefined(combined) if undefined_before or config.reject_new_undefined else set()
        verdict = name_judge(undefined_before, after, config)
        if verdict is None or verdict == "ast":
            verdict = environment_judge(combined, cand, config) or verdict
        if verdict == "ast":
            cand.judge, cand.value = "ast", INF
        elif verdict is not None:
            cand.rejected = verdict
        else:
            pending.append((cand, combined))
    if not pending:
        return
    scored = score([c for _, c in pending])
    for (cand, combined), s in zip(pending, scored):
        verdict = scoring_judge(scores, s, cand.position, len(cand.lines), config.tau)
        if not verdict.accepted:
            cand.rejected = "no improvement"
        elif drops_user_lines(lines, verdict.keep_until):
            cand.rejected = "would drop the user's lines"
        else:
            cand.judge, cand.value, cand.keep_until = "score", verdict.value, verdict.keep_until
