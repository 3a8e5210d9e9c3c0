"""How sure a pass@1 difference is: bootstrap intervals over problems and the exact McNemar test.

Both methods of a comparison run on the same problems, so the comparison is paired: what matters
is the problems one method solved and the other did not (``fixed``: the baseline failed, the method
passed; ``broke``: the reverse). Problems both solve or both fail carry no information about which
method is better.

- :func:`bootstrap_ci` resamples problems with replacement and reads the interval of pass@1 from the
  percentiles of the resampled means (percentile bootstrap, a fixed seed so a report regenerates
  byte-identically).
- :func:`paired_delta_ci` does the same for the difference of two methods, resampling problems (not
  methods), so it keeps the pairing.
- :func:`mcnemar_exact` is the two-sided exact McNemar test: under "neither method is better" each of
  the ``fixed + broke`` discordant problems is a fair coin, so the p-value is a binomial tail.
"""

from __future__ import annotations

import math
import random
from typing import Sequence

#: resamples per interval; 10,000 keeps the Monte-Carlo error of a 95% bound near 0.2 points
RESAMPLES = 10_000
SEED = 20250101


def _percentiles(values: list[float], level: float) -> tuple[float, float]:
    values = sorted(values)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    last = len(values) - 1
    return values[int(math.floor(lo_q * last))], values[int(math.ceil(hi_q * last))]


def bootstrap_ci(passed: Sequence[bool], level: float = 0.95, resamples: int = RESAMPLES,
                 seed: int = SEED) -> tuple[float, float]:
    """Interval (low, high) of pass@1 in percent for per-problem outcomes ``passed``."""
    n = len(passed)
    if n == 0:
        return 0.0, 0.0
    rng = random.Random(seed)
    outcomes = [1 if p else 0 for p in passed]
    means = [100.0 * sum(rng.choices(outcomes, k=n)) / n for _ in range(resamples)]
    return _percentiles(means, level)


def paired_delta_ci(method: Sequence[bool], baseline: Sequence[bool], level: float = 0.95,
                    resamples: int = RESAMPLES, seed: int = SEED) -> tuple[float, float]:
    """Interval (low, high) of pass@1(method) - pass@1(baseline) in percentage points; the two
    sequences are the outcomes of the same problems, in the same order."""
    if len(method) != len(baseline):
        raise ValueError("paired outcomes must cover the same problems")
    n = len(method)
    if n == 0:
        return 0.0, 0.0
    rng = random.Random(seed)
    diffs = [(1 if m else 0) - (1 if b else 0) for m, b in zip(method, baseline)]
    means = [100.0 * sum(rng.choices(diffs, k=n)) / n for _ in range(resamples)]
    return _percentiles(means, level)


def mcnemar_exact(fixed: int, broke: int) -> float:
    """Two-sided exact McNemar p-value for ``fixed`` and ``broke`` discordant problems."""
    if fixed < 0 or broke < 0:
        raise ValueError("counts must be non-negative")
    n = fixed + broke
    if n == 0:
        return 1.0
    k = min(fixed, broke)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)
