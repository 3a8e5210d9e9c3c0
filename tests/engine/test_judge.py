"""The scoring judge's rules (tau, the run of improved lines, the half rule) and the AST judge."""

from jumpcoder_lsp.engine.judge import ast_resolves, scoring_judge
from jumpcoder_lsp.engine.types import LineScore


def ls(*values):
    return LineScore(tuple(values), values[0] if values else float("inf"))


BEFORE = [ls(1.0), ls(0.0), ls(0.0), ls(0.0), ls(0.0)]


def after(deltas, position=1):
    """Scores of the combined code: lines before `position`, the infill, then old lines + delta."""
    return BEFORE[:position] + [ls(0.0)] + [ls(d) for d in deltas]


def test_run_of_lines_above_tau_sets_t_and_value():
    v = scoring_judge(BEFORE, after([1.0, 0.5, 0.1, 2.0]), 1, 1, tau=0.3)
    assert v.accepted and v.keep_until == 2 and abs(v.value - 1.5) < 1e-9


def test_less_than_half_improved_is_rejected():
    v = scoring_judge(BEFORE, after([1.0, 0.0, 0.0, 0.0]), 1, 1, tau=0.3)
    assert not v.accepted and v.keep_until is None


def test_exactly_half_improved_is_accepted():
    v = scoring_judge(BEFORE, after([1.0, 1.0, 0.0, 0.0]), 1, 1, tau=0.3)
    assert v.accepted and v.keep_until == 2


def test_delta_equal_to_tau_does_not_count():
    v = scoring_judge(BEFORE, after([0.3, 0.3, 0.3, 0.3]), 1, 1, tau=0.3)
    assert not v.accepted


def test_blank_lines_neither_improve_nor_break_the_run():
    before = [ls(0.0), ls(), ls(0.0)]
    combined = [ls(0.0), ls(0.0), ls(), ls(1.0)]
    v = scoring_judge(before, combined, 0, 1, tau=0.3)
    # line 0 did not improve: rejected even though line 2 did
    assert not v.accepted
    combined = [ls(0.0), ls(1.0), ls(), ls(1.0)]
    v = scoring_judge(before, combined, 0, 1, tau=0.3)
    assert v.accepted and v.keep_until == 2


def test_no_following_lines_means_no_evidence():
    v = scoring_judge([ls(0.0)], [ls(0.0), ls(0.0)], 1, 1, tau=0.3)
    assert not v.accepted


def test_ast_judge_needs_a_resolved_name_and_no_new_one():
    assert ast_resolves({"reduce"}, set())
    assert not ast_resolves({"reduce"}, {"reduce"})
    assert not ast_resolves({"reduce"}, {"functools"})
    assert not ast_resolves(set(), set())
