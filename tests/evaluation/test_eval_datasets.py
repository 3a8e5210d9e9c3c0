"""Every committed benchmark file loads, with the expected counts and prompt shapes."""

from __future__ import annotations

import hashlib

import pytest

from jumpcoder_lsp.evaluation.datasets import BENCHMARKS, DATA_DIR, load_benchmark

COUNTS = {"humaneval": 164, "mbpp": 500, "java": 158, "cpp": 161, "csharp": 158}


@pytest.mark.parametrize("name", list(COUNTS))
def test_counts_and_fields(name):
    problems = load_benchmark(name)
    assert len(problems) == COUNTS[name] == BENCHMARKS[name].count
    assert len({p.task_id for p in problems}) == len(problems)
    for p in problems:
        assert p.prompt.endswith("\n") and p.prompt.strip()
        assert p.tests.strip() and p.stop_tokens
        assert p.language == BENCHMARKS[name].language


def test_prompt_shapes():
    he = load_benchmark("humaneval", limit=1)[0]
    assert he.task_id == "HumanEval/0" and he.tests.rstrip().endswith("check(has_close_elements)")
    mbpp = load_benchmark("mbpp", limit=1)[0]
    # 1-shot as in the paper: the task and one of its tests in a docstring, then the signature
    assert mbpp.task_id == "Mbpp/11" and mbpp.prompt.startswith('"""\n') and "assert " in mbpp.prompt
    assert mbpp.prompt.rstrip().endswith(":") and "\nassert" in mbpp.stop_tokens
    java = load_benchmark("java", limit=1)[0]
    assert "class Problem {" in java.prompt and java.prompt.rstrip().endswith("{") and java.tests.startswith("    }\n")
    cpp = load_benchmark("cpp", limit=1)[0]
    assert cpp.prompt.rstrip().endswith("{") and cpp.tests.startswith("}\n") and cpp.stop_tokens == ("\n}",)
    cs = load_benchmark("csharp", limit=1)[0]
    assert cs.task_id == "HumanEval_0_has_close_elements" and "Debug.Assert" in cs.tests


def test_limit_and_offset():
    assert [p.index for p in load_benchmark("cpp", limit=3, offset=2)] == [2, 3, 4]


def test_unknown_benchmark():
    with pytest.raises(ValueError, match="unknown benchmark"):
        load_benchmark("nope")


def test_data_files_match_their_recorded_sources():
    source = (DATA_DIR / "SOURCE.md").read_text()
    for bench in BENCHMARKS.values():
        assert bench.file in source, f"{bench.file} has no line in benchmarks/data/SOURCE.md"
    cs = (DATA_DIR / "humaneval-cs-reworded.jsonl").read_bytes()
    assert hashlib.sha256(cs).hexdigest() == "d98216f73cf195d24f76ae38f0220e5e937e55fc2d4995f68473646919f89269"
