"""Stage 3, combination (engine/combine.py), on its own: which judged infill wins and what
inserting it keeps and drops."""

from __future__ import annotations

from jumpcoder_lsp.engine.combine import best_candidate, combine
from jumpcoder_lsp.engine.types import INF, Candidate, Line


def cand(position, value, judge="score", rejected=None, lines=("x = 1\n",), keep_until=None):
    return Candidate(position, list(lines), rejected=rejected, judge=judge, value=value, keep_until=keep_until)


def test_no_accepted_candidate_means_no_winner():
    assert best_candidate([]) is None
    # rejected ones and unjudged ones (judge None) never win, whatever their value
    assert best_candidate([cand(0, 5.0, rejected="repetition"), cand(1, 9.0, judge=None)]) is None


def test_the_highest_value_wins_and_the_ast_judge_beats_any_score():
    low, high, ast = cand(0, 0.4), cand(2, 0.9), cand(3, INF, judge="ast")
    assert best_candidate([low, high]) is high
    assert best_candidate([low, ast, high]) is ast


def test_a_tie_goes_to_the_first_candidate_the_most_uncertain_position():
    # candidates come in top-k order (most uncertain first): on equal V the first is kept
    first, second = cand(4, 0.5), cand(1, 0.5)
    assert best_candidate([first, second]) is first
    assert best_candidate([second, first]) is second


def test_combine_inserts_before_the_position_and_keeps_everything_for_the_ast_judge():
    lines = [Line("a\n"), Line("b\n", "generated"), Line("c\n", "generated")]
    new, dropped = combine(lines, cand(1, INF, judge="ast", lines=("i1\n", "i2\n")), lambda t: Line(t, "infill"))
    assert [l.text for l in new] == ["a\n", "i1\n", "i2\n", "b\n", "c\n"] and dropped == []
    assert [l.origin for l in new] == ["fixed", "infill", "infill", "generated", "generated"]
    assert [l.text for l in lines] == ["a\n", "b\n", "c\n"]  # the input is not changed


def test_combine_drops_the_lines_after_the_scoring_judges_t():
    lines = [Line(t, "generated") for t in ("a\n", "b\n", "c\n", "d\n")]
    new, dropped = combine(lines, cand(1, 0.5, keep_until=2), lambda t: Line(t, "infill"))
    assert [l.text for l in new] == ["a\n", "x = 1\n", "b\n", "c\n"]
    assert [l.text for l in dropped] == ["d\n"]
    # t just before the position: every line after the infill goes
    new, dropped = combine(lines, cand(2, 0.5, keep_until=1), lambda t: Line(t, "infill"))
    assert [l.text for l in new] == ["a\n", "b\n", "x = 1\n"] and [l.text for l in dropped] == ["c\n", "d\n"]
