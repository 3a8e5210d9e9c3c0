"""The reuse plan: which cached tokens a new prompt keeps, where they move, what is computed."""

import random

import pytest

from jumpcoder_lsp.runtime.kvreuse import Kept, plan_reuse


def _check(plan, cached, new):
    """Kept runs are equal tokens, in order on both sides; compute spans + kept runs tile the new prompt."""
    covered = [False] * len(new)
    last_old = last_new = 0
    for k in plan.kept:
        assert cached[k.old:k.old + k.length] == new[k.new:k.new + k.length]
        assert k.old >= last_old and k.new >= last_new
        last_old, last_new = k.old + k.length, k.new + k.length
        for i in range(k.new, k.new + k.length):
            covered[i] = True
    for a, b in plan.compute_spans():
        for i in range(a, b):
            assert not covered[i]
            covered[i] = True
    assert all(covered)
    assert not covered or plan.compute_spans()[-1][1] == len(new)  # the last token is computed


def test_prefix_mode_keeps_only_the_common_prefix():
    cached = list(range(100))
    new = [7, 7] + cached  # an insertion at the very top
    plan = plan_reuse(cached, new, "prefix")
    assert plan.kept == () and plan.computed == len(new)
    plan = plan_reuse(cached, cached[:50] + [999] + cached[50:], "prefix")
    assert plan.kept == (Kept(0, 0, 50),) and plan.computed == 51


def test_an_insertion_above_keeps_the_tail_shifted_by_its_length():
    cached = list(range(1000))
    new = cached[:10] + [5000, 5001, 5002] + cached[10:]
    plan = plan_reuse(cached, new, "pie")
    assert plan.kept == (Kept(0, 0, 10), Kept(10, 13, 989))
    assert plan.moved[0].shift == 3
    assert plan.compute_spans() == [(10, 13), (1002, 1003)]
    assert plan.computed == 4 and plan.dropped_spans() == [(999, 1000)]
    _check(plan, cached, new)


def test_a_deletion_shifts_back_and_drops_the_deleted_cells():
    cached = list(range(500))
    new = cached[:100] + cached[140:]
    plan = plan_reuse(cached, new, "pie")
    assert plan.kept[1] == Kept(140, 100, 359) and plan.kept[1].shift == -40
    assert plan.dropped_spans() == [(100, 140), (499, 500)]
    assert plan.compute_spans() == [(459, 460)]
    _check(plan, cached, new)


def test_several_edit_regions_are_all_kept_between():
    cached = list(range(600))
    new = cached[:50] + [9000] + cached[50:200] + cached[230:400] + [9001, 9002] + cached[400:]
    plan = plan_reuse(cached, new, "pie")
    assert [k.shift for k in plan.kept] == [0, 1, -29, -27]
    assert plan.computed == 1 + 2 + 1
    _check(plan, cached, new)


def test_too_little_to_move_or_too_many_regions_falls_back_to_the_prefix():
    cached = list(range(100))
    new = cached[:90] + [1, 2] + cached[90:]  # 10 tokens after the edit: not worth moving
    assert plan_reuse(cached, new, "pie") == plan_reuse(cached, new, "prefix")
    cached = list(range(400))
    new = []
    for i in range(0, 400, 20):  # 20 edit regions
        new += cached[i:i + 19] + [10_000 + i]
    assert plan_reuse(cached, new, "pie", max_regions=8) == plan_reuse(cached, new, "prefix")
    assert len(plan_reuse(cached, new, "pie", max_regions=30, min_run=8).kept) > 10


def test_the_last_token_is_computed_even_when_nothing_changed():
    cached = list(range(64))
    plan = plan_reuse(cached, cached, "pie")
    assert plan.kept == (Kept(0, 0, 63),) and plan.compute_spans() == [(63, 64)]


def test_an_unknown_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="kvReuse"):
        plan_reuse([1], [1], "magic")


@pytest.mark.parametrize("seed", range(30))
def test_random_edits_give_valid_plans(seed):
    rng = random.Random(seed)
    cached = [rng.randrange(50) for _ in range(rng.randrange(1, 400))]
    new = list(cached)
    for _ in range(rng.randrange(0, 5)):
        i = rng.randrange(len(new) + 1)
        if rng.random() < 0.5:
            new[i:i] = [rng.randrange(50, 60) for _ in range(rng.randrange(1, 20))]
        else:
            del new[i:i + rng.randrange(1, 20)]
    if not new:
        new = [1]
    plan = plan_reuse(cached, new, "pie")
    _check(plan, cached, new)
    assert plan.computed <= len(new)
    assert plan.computed <= plan_reuse(cached, new, "prefix").computed
