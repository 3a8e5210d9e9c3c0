"""evaluation/stats.py: the intervals and the exact McNemar test the report prints."""

import math

import pytest

from jumpcoder_lsp.evaluation.stats import bootstrap_ci, mcnemar_exact, paired_delta_ci


def test_mcnemar_exact_is_the_two_sided_binomial_tail_of_the_discordant_problems():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(1, 0) == 1.0  # one discordant problem says nothing
    assert mcnemar_exact(5, 0) == pytest.approx(2 / 32)
    # 10 fixed, 2 broke: 2 * (C(12,0) + C(12,1) + C(12,2)) / 2**12 = 0.0386 (scipy.stats.binomtest(2, 12))
    assert mcnemar_exact(10, 2) == pytest.approx(2 * 79 / 4096)
    assert mcnemar_exact(2, 10) == mcnemar_exact(10, 2)  # symmetric
    assert mcnemar_exact(3, 3) == 1.0
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 2)


def test_bootstrap_ci_brackets_the_rate_with_about_the_normal_width():
    assert bootstrap_ci([True] * 40) == (100.0, 100.0)
    assert bootstrap_ci([]) == (0.0, 0.0)
    lo, hi = bootstrap_ci([True, False] * 50)  # 50% of 100: normal interval 50 +- 9.8
    assert 38.0 <= lo <= 42.0 and 58.0 <= hi <= 62.0
    assert bootstrap_ci([True, False] * 50) == (lo, hi)  # fixed seed: the report regenerates identically
    lo4, hi4 = bootstrap_ci([True, False] * 200)  # four times the problems: half the width
    assert (hi4 - lo4) == pytest.approx((hi - lo) / 2, rel=0.25)


def test_paired_delta_ci_keeps_the_pairing():
    same = [True, False, True, True, False] * 10
    assert paired_delta_ci(same, same) == (0.0, 0.0)  # identical outcomes: no spread at all
    one_fix = [True] + [False] * 49
    lo, hi = paired_delta_ci(one_fix, [False] * 50)
    assert lo == 0.0 and 0.0 < hi <= 6.0  # +2 pp from one problem of 50: the interval reaches 0
    with pytest.raises(ValueError):
        paired_delta_ci([True], [True, False])
    assert not math.isnan(paired_delta_ci([], [])[0])
