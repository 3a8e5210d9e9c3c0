"""The paper's running example (Figure 1): the prefix (the README's example file) and a suffix
that uses ``curr_sum`` before defining it. Shared by the runtime tests and
benchmarks/runtime_probe.py, so that they measure and check the same prompt."""

from pathlib import Path

#: examples/min_sub_array_sum.py (the README's first command) without its cursor line
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "min_sub_array_sum.py"
PREFIX = "".join(EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:10])
SUFFIX = '''        for j in range(i, len(nums)):
            curr_sum += nums[j]
            min_sum = min(min_sum, curr_sum)
    return min_sum
'''
