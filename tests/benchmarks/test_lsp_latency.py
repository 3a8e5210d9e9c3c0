"""benchmarks/lsp_latency.py end to end on the scripted demo model (a real server over stdio): the
report has a row per runtime x policy, the first-suggestion, back-insert, typing-along and rate
columns are filled from what the server answered, and the back-insert buffers the demo knows
(hyp / product / count_primes: jumpcoder_lsp/server/scripted.py RULES) come back with insertions."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = "scripted:jumpcoder_lsp.server.scripted:demo"

pytestmark = pytest.mark.timeout(120)


def load_benchmark():
    spec = importlib.util.spec_from_file_location("lsp_latency", ROOT / "benchmarks" / "lsp_latency.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_report_has_a_row_per_policy_and_the_back_insert_buffers_get_insertions(capsys):
    bench = load_benchmark()
    assert bench.main(["--model", DEMO, "--runs", "1", "--policy", "inline,paper,autoregressive", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (run,) = report["runs"]
    # the server's defaults, not the benchmark's: users get those
    assert run["inline_max_lines"] == 8 and run["inline_budget_ms"] == 500
    assert [r["policy"] for r in run["rows"]] == ["inline", "paper", "autoregressive"]
    n_plain, n_back = len(bench.PROMPTS), len(bench.BACKINSERT_PROMPTS)
    for row in run["rows"]:
        assert row["requests"] == n_plain + n_back
        assert row["first_suggestion_ms"]["p50"] is not None
        back = row["backinsert"]
        assert back["buffers"] == n_back
        # the demo answers hyp, product and count_primes with an import / a helper above the cursor;
        # it has no rule for the other three (empty answers: nothing to insert)
        assert back["with_insertions"] == 3 and back["p50_ms"] is not None
        along = row["typing_along"]
        # the three answered buffers are typed along, each served without a new model run
        assert along["requests"] == 3 and along["hits"] == 3 and along["cache_hits"] == 3
        # the whole suggestions' characters: "x)" + "import math\n", the reduce line + its import, ...
        assert row["rate"]["buffers"] == 3 and row["rate"]["chars"] > len("x)import math\n")
        # per set: the demo answers none of the plain buffers
        assert list(row["rate_by_set"]) == ["backinsert"] and row["rate_by_set"]["backinsert"]["buffers"] == 3
    text = bench.render(report)
    for policy in ("inline", "paper", "autoregressive"):
        assert any(line.split()[:2] == ["auto", policy] for line in text.splitlines())


def test_the_autoregressive_policy_is_the_method_setting():
    bench = load_benchmark()
    assert bench.policy_settings("autoregressive") == {"method": "autoregressive"}
    assert bench.policy_settings("inline") == {"method": "jumpcoder", "policy": "inline"}
    with pytest.raises(SystemExit):
        bench.main(["--policy", "inline,fast"])
    with pytest.raises(SystemExit):
        bench.main(["--runtime", "onnx"])


def test_insertions_are_read_from_the_item_command():
    bench = load_benchmark()
    from lsprotocol import types

    lines = [{"line": 0, "text": "import math\n"}]
    item = types.InlineCompletionItem(insert_text="x)", command=types.Command(
        title="JumpCoder", command="jumpcoder.applyEdit", arguments=[{"id": "s1", "uri": "file:///a.py", "insertions": lines}]))
    assert bench.item_insertions(item) == lines
    assert bench.item_insertions(types.InlineCompletionItem(insert_text="x)")) == []
    assert bench.insertion_text(lines) == "import math\n"
