"""Filtered has one owner (jumpcoder_lsp.engine.filtered.choose): the evaluation's derivation from
the committed rows reproduces every committed Filtered row of the 200 evaluation prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import jumpcoder_lsp.engine.types as engine_types
from jumpcoder_lsp.evaluation.rows import read_rows
from jumpcoder_lsp.evaluation.run import derive_filtered

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
#: the committed runs that have JumpCoder rows (an autoregressive-only run, such as the chat-format
#: baseline, has nothing to derive Filtered from)
FILES = sorted(p for p in RESULTS.glob("*.jsonl") if any(r["method"] == "jumpcoder" for r in read_rows(p)))
TIMED = ("gen_seconds", "tokens_per_s")  # include the measured perplexity time


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_derivation_reproduces_the_committed_filtered_rows(path, monkeypatch):
    rows = read_rows(path)
    by = {(r["task_id"], r["method"]): r for r in rows}
    committed = [r for r in rows if r["method"] == "filtered" and r.get("derived")]
    assert committed
    compared = 0
    for fl in committed:
        ar, jc = by[(fl["task_id"], "autoregressive")], by[(fl["task_id"], "jumpcoder")]
        recorded = fl["perplexity"]
        asked = []

        def ppl(models, code, recorded=recorded, ar=ar, jc=jc, asked=asked):
            assert recorded is not None, "perplexity asked where the committed row needed none"
            which = "jumpcoder" if not asked else "autoregressive"  # the rule asks Vanilla first
            assert code == (jc if which == "jumpcoder" else ar)["raw_code"]
            asked.append(which)
            return float(recorded[which])

        monkeypatch.setattr(engine_types, "perplexity", ppl)
        row = derive_filtered(ar, jc, models=None)
        assert list(row) == list(fl)  # same fields in the same order: the JSONL line is the same
        assert {k: v for k, v in row.items() if k not in TIMED} == {k: v for k, v in fl.items() if k not in TIMED}
        if recorded is None:
            assert row["gen_seconds"] == fl["gen_seconds"] and asked == []
        else:
            compared += 1
            assert jc["gen_seconds"] + ar["gen_seconds"] <= row["gen_seconds"] + 1e-3
    assert compared < len(committed)


def test_rows_keep_a_line_separator_inside_a_row(tmp_path):
    # str.splitlines would cut a row at U+2028 (json.dumps(ensure_ascii=False) leaves it as is)
    path = tmp_path / "x.jsonl"
    row = {"task_id": "t", "method": "jumpcoder", "code": "s = 'a\u2028b\x0cc'\n"}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    assert read_rows(path) == [row]
