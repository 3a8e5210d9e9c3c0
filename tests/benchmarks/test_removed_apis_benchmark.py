"""benchmarks/removed_apis.py on its standard-library cases, against the interpreter running the
tests: every buffer raises when run, gets the diagnostic, and every documented replacement it
offers runs once applied; a real file checked and its report verified by the interpreter."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from jumpcoder_lsp.environment import from_interpreter

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(300)


def load_benchmark():
    spec = importlib.util.spec_from_file_location("removed_apis_bench", ROOT / "benchmarks" / "removed_apis.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stdlib_cases_are_diagnosed_and_their_replacements_run():
    bench = load_benchmark()
    # not the two whose truth depends on the Python version (asyncio.coroutine exists on 3.10, the
    # cgi module is gone from 3.13)
    cases = [c for c in json.loads(bench.DATA.read_text())["cases"]
             if c["set"] == "stdlib" and c["name"] not in ("asyncio.coroutine", "cgi.escape")]
    raised = bench.run_all(sys.executable, [c["code"] for c in cases])
    result = bench.judge_cases(lambda: from_interpreter(sys.executable), cases, raised, sys.executable)
    s = result["sets"]["stdlib"]
    assert s["buffers"] == s["raise"] == s["diagnosed"] == len(cases), s
    assert s["replacement"] == s["replacement_runs"] == s["replacement_documented"] == s["documented"] > 0, s
    assert s["other_reports"] == 0 and s["diagnosed_not_raising"] == 0, s


def test_a_real_files_reports_are_checked_by_the_interpreter(tmp_path):
    bench = load_benchmark()
    root = tmp_path / "src"
    root.mkdir()
    (root / "a.py").write_text("import json\nimport no_such_module_here\njson.loadz\njson.loads\n")
    real = bench.real_code(from_interpreter(sys.executable), [root])
    bench.verify(sys.executable, real["reports"])
    assert [(r["name"], r["truth"]) for r in real["reports"]] == [("no_such_module_here", "missing"),
                                                                  ("json.loadz", "missing")]
