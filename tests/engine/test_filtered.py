"""JumpCoder (Filtered)'s rule, engine/filtered.py choose(): the one function the engine's
complete(method="filtered") and the evaluation's derive_filtered call."""

from __future__ import annotations

import pytest

from jumpcoder_lsp.engine import filtered


def never(*_):
    raise AssertionError("not needed for this decision")


@pytest.mark.parametrize("judges", [[], ["ast"], ["ast", "ast"]])
def test_only_ast_jumps_keep_vanilla_without_running_the_baseline(judges):
    choice = filtered.choose(judges, "jc", never, never)
    assert choice == filtered.Choice("jumpcoder") and choice.label == "filtered:jumpcoder"


def test_a_score_judged_jump_compares_perplexities_vanilla_first():
    asked = []

    def ppl(code):
        asked.append(code)
        return {"jc": 2.0, "ar": 3.0}[code]

    choice = filtered.choose(["ast", "score"], "jc", lambda: "ar", ppl)
    assert asked == ["jc", "ar"]
    assert choice.method == "jumpcoder" and choice.perplexity == {"jumpcoder": 2.0, "autoregressive": 3.0}


def test_lower_perplexity_wins_and_a_tie_goes_to_the_baseline():
    assert filtered.choose(["score"], "jc", lambda: "ar", {"jc": 3.0, "ar": 2.0}.get).label == "filtered:autoregressive"
    assert filtered.choose(["score"], "jc", lambda: "ar", lambda c: 1.5).method == "autoregressive"
