"""The harness: JSONL rows and --resume, the Filtered derivation, the report, and a tiny
end-to-end run on a scripted model pair over 2 HumanEval problems."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_scripts import scripted_benchmark_pair  # noqa: E402

from jumpcoder_lsp.evaluation import run as runmod  # noqa: E402
from jumpcoder_lsp.evaluation.datasets import load_benchmark  # noqa: E402
from jumpcoder_lsp.evaluation.report import render, summarize  # noqa: E402
from jumpcoder_lsp.evaluation.run import (  # noqa: E402
    RowLog,
    cursor_at_end,
    derive_filtered,
    read_rows,
    run_benchmark,
)

# HumanEval/0: both methods write a correct solution.
CLOSE = ["    for i, a in enumerate(numbers):\n", "        for j, b in enumerate(numbers):\n",
         "            if i != j and abs(a - b) < threshold:\n", "                return True\n", "    return False\n"]
# HumanEval/1: a correct solution that uses itertools without importing it: autoregressive fails with
# NameError; JumpCoder's AST judge accepts the infill "import itertools" before line 0.
PARENS = ["    result, depth, cur = [], 0, []\n", "    for ch in paren_string:\n", "        if ch == '(':\n",
          "            depth += 1\n", "            cur.append('(')\n", "        elif ch == ')':\n",
          "            depth -= 1\n", "            cur.append(')')\n", "            if depth == 0:\n",
          "                result.append(''.join(cur))\n", "                cur.clear()\n",
          "    return list(itertools.chain(result))\n"]
PROGRAMS = {"has_close_elements": CLOSE, "separate_paren_groups": PARENS}
INFILLS = {"separate_paren_groups": {"": "import itertools\n"}}


def config(**kw):
    from jumpcoder_lsp.engine import EngineConfig

    return EngineConfig(k=3, tau=0.3, bad_words=True, **kw)


def run_two(tmp_path, methods=("autoregressive", "jumpcoder", "filtered"), resume=False, models=None, **kw):
    models = models or scripted_benchmark_pair(PROGRAMS, INFILLS)[0]
    problems = load_benchmark("humaneval", limit=2)
    lines = []
    rows = run_benchmark("humaneval", problems, methods, models=models, config=config(), out_dir=tmp_path,
                         meta={"command": "python benchmarks/eval.py --limit 2", "preset": "scripted", "note": "test"},
                         resume=resume, say=lines.append, **kw)
    return rows, lines, models


def test_end_to_end_on_two_humaneval_problems(tmp_path):
    rows, lines, _ = run_two(tmp_path)
    by = {(r["task_id"], r["method"]): r for r in rows}
    assert len(rows) == 6
    assert all(by[("HumanEval/0", m)]["passed"] for m in ("autoregressive", "jumpcoder", "filtered"))
    ar, jc, fl = (by[("HumanEval/1", m)] for m in ("autoregressive", "jumpcoder", "filtered"))
    assert not ar["passed"] and ar["error_class"] == "undefined_identifier" and "itertools" in ar["error"]
    assert jc["passed"] and jc["n_jumps"] == 1
    assert jc["jumps"][0] == {"position": 0, "text": "import itertools\n", "judge": "ast", "value": "inf", "removed": []}
    assert jc["code"].startswith("import itertools\nfrom typing import List\n")
    # every jump AST-judged: Filtered keeps Vanilla without perplexities
    assert fl["passed"] and fl["engine_method"] == "filtered:jumpcoder" and fl["perplexity"] is None
    assert fl["derived"] and fl["gen_seconds"] == jc["gen_seconds"]
    for r in rows:
        assert r["tokens"] > 0 and load_benchmark("humaneval", limit=2)[r["index"]].tests in r["program"]
    # JSONL on disk equals the rows, plus the run's settings beside it
    on_disk = read_rows(tmp_path / "humaneval.jsonl")
    assert len(on_disk) == 6 and json.loads((tmp_path / "humaneval.run.json").read_text())["preset"] == "scripted"
    assert any("HumanEval/1 jumpcoder: pass" in l for l in lines)
    # the report
    md = render(tmp_path)
    assert "| autoregressive (greedy) | 2 | 50.0 | — | 1 |" in md
    assert "| JumpCoder (Vanilla) | 2 | 100.0 | +50.0 | 0 |" in md
    assert "HumanEval/1** — JumpCoder fixed it" in md
    assert "python benchmarks/eval.py --limit 2" in md and "**test**" in md


def test_resume_skips_finished_rows(tmp_path):
    rows, _, models = run_two(tmp_path, methods=("autoregressive",))
    calls_after_first = len(models.gen.calls)
    with pytest.raises(ValueError, match="--resume"):
        run_two(tmp_path, methods=("autoregressive",), models=models)
    rows, lines, _ = run_two(tmp_path, methods=("autoregressive",), resume=True, models=models)
    assert len(models.gen.calls) == calls_after_first and lines == []  # nothing regenerated
    rows, lines, _ = run_two(tmp_path, resume=True, models=models)  # adds jumpcoder + filtered only
    methods = [json.loads(l)["method"] for l in (tmp_path / "humaneval.jsonl").read_text().splitlines()]
    assert methods.count("autoregressive") == 2 and methods.count("jumpcoder") == 2 and methods.count("filtered") == 2
    assert not any("autoregressive" in l for l in lines)


def test_resume_refuses_other_settings(tmp_path):
    run_two(tmp_path, methods=("autoregressive",))
    (tmp_path / "humaneval.run.json").write_text(json.dumps({"preset": "another-model"}))
    with pytest.raises(ValueError, match="other settings"):
        run_two(tmp_path, methods=("autoregressive",), resume=True)


def test_resumed_rows_keep_every_run_with_its_commit_and_cpu_and_the_report_lists_them(tmp_path, monkeypatch):
    models = scripted_benchmark_pair(PROGRAMS, INFILLS)[0]
    problems = load_benchmark("humaneval", limit=2)

    def stint(problem, commit, cpu_line, resume):
        monkeypatch.setattr(runmod.cpu, "describe", lambda: cpu_line)
        meta = {"command": f"eval --offset {problem.index}", "preset": "scripted", "git_commit": commit,
                "started": f"day {commit}", "cpu": runmod.cpu.describe(), "offset": problem.index, "limit": 1}
        run_benchmark("humaneval", [problem], ("autoregressive",), models=models, config=config(),
                      out_dir=tmp_path, meta=meta, resume=resume)

    stint(problems[0], "aaa111", "CPU A (avx2)", resume=False)
    stint(problems[1], "bbb222", "CPU B (avx2, avx512_bf16)", resume=True)
    meta = json.loads((tmp_path / "humaneval.run.json").read_text())
    assert [(r["git_commit"], r["cpu"], r["offset"]) for r in meta["runs"]] == [
        ("aaa111", "CPU A (avx2)", 0), ("bbb222", "CPU B (avx2, avx512_bf16)", 1)]
    md = render(tmp_path)
    assert "commit aaa111, started day aaa111, CPU CPU A (avx2), problems 0-0: `eval --offset 0`" in md
    assert "commit bbb222, started day bbb222, CPU CPU B (avx2, avx512_bf16), problems 1-1" in md
    # 2 of HumanEval's 164 problems: marked partial without any --sample-note
    assert "**2 of 164 problems; not a full-benchmark result.**" in md


def test_rowlog_ignores_a_torn_last_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"task_id": "a", "method": "jumpcoder"}) + "\n" + '{"task_id": "b", "meth')
    log = RowLog(path, resume=True, overwrite=False)
    assert log.done("a", "jumpcoder") and not log.done("b", "jumpcoder")
    log.add({"task_id": "b", "method": "jumpcoder"})
    assert [r["task_id"] for r in read_rows(path)] == ["a", "b"]
    log2 = RowLog(path, resume=False, overwrite=True)
    assert log2.rows == {} and not path.exists()


def fake(task, method, passed, error_class=None, jumps=(), tokens=10, seconds=2.0, raw="code", index=0):
    return {"benchmark": "humaneval", "task_id": task, "index": index, "language": "python", "method": method,
            "engine_method": method, "code": raw, "raw_code": raw, "program": raw, "jumps": list(jumps),
            "n_jumps": len(jumps), "n_steps": 3, "passed": passed, "error_class": error_class, "error": "",
            "exec_seconds": 0.1, "gen_seconds": seconds, "tokens": tokens}


def test_derive_filtered_takes_the_lower_perplexity_when_a_jump_was_score_judged(monkeypatch):
    import jumpcoder_lsp.engine.types as engine_types

    ppl = {"jc code": 3.0, "ar code": 2.0}
    monkeypatch.setattr(engine_types, "perplexity", lambda models, code: ppl[code])
    ar = fake("t", "autoregressive", True, raw="ar code", seconds=2.0, tokens=10)
    jc = fake("t", "jumpcoder", False, "assertion", jumps=[{"judge": "score", "position": 1, "text": "x = 1\n",
                                                           "value": 0.5, "removed": []}], raw="jc code", seconds=3.0,
              tokens=12)
    row = derive_filtered(ar, jc, models=None)
    assert row["engine_method"] == "filtered:autoregressive" and row["passed"] and row["code"] == "ar code"
    assert row["gen_seconds"] >= 5.0 and row["tokens"] == 22 and row["perplexity"] == {"jumpcoder": 3.0,
                                                                                       "autoregressive": 2.0}
    ppl["jc code"] = 1.0
    assert derive_filtered(ar, jc, models=None)["engine_method"] == "filtered:jumpcoder"


def test_summary_counts_broke_fixed_and_undefined_identifiers():
    rows = [
        fake("a", "autoregressive", True, index=0), fake("a", "jumpcoder", False, "assertion", index=0),
        fake("b", "autoregressive", False, "undefined_identifier", index=1), fake("b", "jumpcoder", True, index=1),
        fake("c", "autoregressive", False, "undefined_identifier", index=2),
        fake("c", "jumpcoder", False, "undefined_identifier", index=2),
        fake("d", "autoregressive", True, index=3),  # jumpcoder missing: not compared
    ]
    tasks, s = summarize(rows)
    assert tasks == ["a", "b", "c"]
    assert s["autoregressive"].passed == 1 and s["autoregressive"].errors["undefined_identifier"] == 2
    assert s["jumpcoder"].broke == ["a"] and s["jumpcoder"].fixed == ["b"]
    assert s["jumpcoder"].errors == {"undefined_identifier": 1, "assertion": 1, "runtime": 0, "compile": 0,
                                     "timeout": 0}
    assert abs(s["jumpcoder"].tokens_per_s - 5.0) < 1e-9


def test_report_only_cli_writes_results_md(tmp_path):
    run_two(tmp_path)
    md = tmp_path / "results.md"
    assert runmod.main(["--report-only", "--out", str(tmp_path), "--results-md", str(md), "--quiet"]) == 0
    text = md.read_text()
    assert text.startswith("# Results: autoregressive vs JumpCoder") and "| JumpCoder (Filtered)" in text


def test_cursor_at_end():
    assert cursor_at_end("def f():\n") == (1, 0)
    assert cursor_at_end("def f():\n    x") == (1, 5)


def test_add_eval_subcommand_parses():
    import argparse

    from jumpcoder_lsp.evaluation import add_eval_subcommand

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    add_eval_subcommand(sub)
    args = parser.parse_args(["eval", "--benchmark", "humaneval,java", "--limit", "3", "--k", "10", "--resume"])
    assert args.benchmark == "humaneval,java" and args.limit == 3 and args.k == 10 and args.resume
    assert callable(args.func)


def test_unknown_methods_and_benchmarks_are_errors(tmp_path):
    assert runmod.main(["--benchmark", "nope", "--out", str(tmp_path), "--quiet"]) == 1
    assert runmod.main(["--methods", "beam", "--out", str(tmp_path), "--quiet"]) == 1


BRACE_BODIES = {
    # the model closes the function and goes on writing: the stop tokens / the function end cut it
    "java": ["        return (long) string.length();\n", "    }\n", "    public static int extra() {\n"],
    "cpp": ["    return string.size();\n", "}\n", "int extra() {\n"],
    "csharp": ["        return str.Length;\n", "    }\n", "    public static int Extra() {\n"],
}


@pytest.mark.parametrize("bench", list(BRACE_BODIES))
def test_end_to_end_brace_languages_on_scripted_models(tmp_path, bench):
    from jumpcoder_lsp.evaluation.datasets import BENCHMARKS
    from jumpcoder_lsp.evaluation.execution import toolchain
    from jumpcoder_lsp.languages import get_language

    lang = BENCHMARKS[bench].language
    try:
        get_language(lang)
    except ValueError:
        print(f"{lang}: no language spec registered yet")
        pytest.skip(f"no {lang} language spec registered yet")
    if toolchain(lang).missing():
        pytest.skip(f"{lang} toolchain missing: {toolchain(lang).missing()}")
    problem = next(p for p in load_benchmark(bench) if "strlen" in p.task_id.lower())
    marker = problem.prompt.rstrip().splitlines()[-1].strip()
    models, _ = scripted_benchmark_pair({marker: BRACE_BODIES[bench]})
    rows = run_benchmark(bench, [problem], ("autoregressive", "jumpcoder", "filtered"), models=models, config=config(),
                         out_dir=tmp_path, meta={"command": "test"})
    for r in rows:
        assert r["passed"], (r["method"], r["error_class"], r["error"], r["code"][-200:])
        assert "extra" not in r["code"].lower()


def test_an_engine_error_skips_the_row_and_resume_retries_it(tmp_path):
    models, rt = scripted_benchmark_pair(PROGRAMS, INFILLS)
    real_generate = rt.generate
    state = {"fail": True}

    def flaky(requests, cancel=None):
        if state["fail"] and any("separate_paren_groups" in "".join(map(str, r.prompt)) for r in requests):
            raise RuntimeError("boom")
        return real_generate(requests, cancel)

    rt.generate = flaky
    rows, lines, _ = run_two(tmp_path, methods=("autoregressive",), models=models)
    assert [r["task_id"] for r in rows] == ["HumanEval/0"]
    assert any("ENGINE ERROR RuntimeError: boom" in l for l in lines)
    state["fail"] = False
    rows, lines, _ = run_two(tmp_path, methods=("autoregressive",), models=models, resume=True)
    assert sorted(r["task_id"] for r in rows) == ["HumanEval/0", "HumanEval/1"]


def test_overview_puts_each_benchmark_on_one_row_and_splits_numerics_from_jumps():
    from jumpcoder_lsp.evaluation.report import overview

    jumped = [{"position": 0, "text": "import math\n", "judge": "ast"}]
    rows = [
        fake("a", "autoregressive", True, index=0), fake("a", "jumpcoder", False, "assertion", index=0),
        fake("a", "filtered", True, index=0),
        fake("b", "autoregressive", True, index=1), fake("b", "filtered", False, "assertion", index=1),
        dict(fake("b", "jumpcoder", False, "assertion", index=1), jumps=jumped, n_jumps=1),
        fake("c", "autoregressive", False, "undefined_identifier", index=2), fake("c", "jumpcoder", True, index=2),
        fake("c", "filtered", True, index=2),
    ]
    table = overview([("mbpp.torch", rows, {})]).splitlines()
    assert table[0].startswith("| benchmark | n | AR pass@1 %")
    # AR 2/3, Vanilla 1/3, Filtered 2/3; one AR NameError; Vanilla broke a (no jump) and b (a jump)
    # ... and the paired interval of Vanilla - AR (3 problems: it spans everything) and McNemar's p (1 fixed, 2 broke)
    assert table[2] == ("| mbpp.torch | 3 | 66.7 | 33.3 (-33.3) | 66.7 (+0.0) | 1 / 0 / 0 | 2 (1) | 1 (1) | 1 |"
                        " [-100.0, +100.0] | 1.000 |")
    # a benchmark without all three methods has no overview row
    assert overview([("x", [r for r in rows if r["method"] != "filtered"], {})]) == ""


def test_resume_accepts_rows_from_before_a_new_engine_knob_at_its_default(tmp_path):
    from dataclasses import asdict

    from jumpcoder_lsp.engine import EngineConfig

    models = scripted_benchmark_pair(PROGRAMS, INFILLS)[0]
    problems = load_benchmark("humaneval", limit=1)
    engine = asdict(EngineConfig())

    def run(recorded_engine, resume):
        meta = {"command": "eval", "preset": "scripted", "engine": recorded_engine}
        return run_benchmark("humaneval", problems, ("autoregressive",), models=models, config=config(),
                             out_dir=tmp_path, meta=meta, resume=resume)

    older = {k: v for k, v in engine.items() if k != "reject_new_undefined"}  # before the knob existed
    run(older, resume=False)
    run(engine, resume=True)  # the knob at its default: the same settings
    with pytest.raises(ValueError, match="other settings"):
        run({**engine, "reject_new_undefined": True}, resume=True)


def test_tasks_picks_problems_by_id_and_an_unknown_id_is_an_error(tmp_path):
    parser = __import__("argparse").ArgumentParser()
    runmod.add_arguments(parser)
    models = scripted_benchmark_pair(PROGRAMS, INFILLS)[0]
    args = parser.parse_args(["--limit", "2", "--tasks", "HumanEval/1", "--methods", "autoregressive",
                              "--out", str(tmp_path), "--results-md", "", "--quiet"])
    assert runmod.run_from_args(args, models=models) == 0
    assert [r["task_id"] for r in read_rows(tmp_path / "humaneval.jsonl")] == ["HumanEval/1"]
    args = parser.parse_args(["--limit", "2", "--tasks", "HumanEval/1,HumanEval/99", "--out", str(tmp_path),
                              "--results-md", "", "--quiet"])
    with pytest.raises(ValueError, match="no problem HumanEval/99"):  # not within --limit 2
        runmod.run_from_args(args, models=models)


def test_every_generated_row_starts_from_a_cleared_cache(tmp_path):
    # the evaluation clears through the Runtime contract (clear_cache), once per (task, method) run;
    # one runtime serving both roles is cleared once, not twice
    _, _, models = run_two(tmp_path, methods=("autoregressive", "jumpcoder"))
    assert models.gen is models.infill
    assert models.gen.cache_clears == 4  # 2 problems x 2 methods


def test_split_completion_follows_lsp_lines_not_splitlines():
    # the evaluation applies insertions with edits.document_completion (the server's conversion);
    # str.splitlines once cut this prompt at the form feed and put the import inside the string
    from jumpcoder_lsp.engine.types import Completion, Insertion
    from jumpcoder_lsp.evaluation.run import split_completion

    prompt = "s = '\x0c'\ndef f():\n"
    comp = Completion(code="", continuation="    return s", insertions=[Insertion(1, "import os\n")], steps=[])
    assert cursor_at_end(prompt) == (2, 0)
    assert split_completion(prompt, comp) == ("s = '\x0c'\nimport os\ndef f():\n", "    return s")


def test_paired_table_counts_fixed_and_broke_problems_with_intervals_and_mcnemar():
    from jumpcoder_lsp.evaluation.report import paired_table

    # 20 problems: AR solves the first 10; Vanilla solves 2..15 (fixes 10..15, breaks 0 and 1)
    rows = []
    for i in range(20):
        rows += [fake(f"t{i}", "autoregressive", i < 10, None if i < 10 else "assertion", index=i),
                 fake(f"t{i}", "jumpcoder", 2 <= i < 16, None if 2 <= i < 16 else "assertion", index=i)]
    table = paired_table([f"t{i}" for i in range(20)], rows).splitlines()
    assert table[0].startswith("| method | n | pass@1 % [95% CI] | Δ vs AR pp [95% CI] |")
    ar, jc = table[2], table[3]
    assert ar.startswith("| autoregressive (greedy) | 20 | 50.0 [") and ar.endswith("| — | — | — | — |")
    cells = [c.strip() for c in jc.strip("|").split("|")]
    assert cells[:2] == ["JumpCoder (Vanilla)", "20"] and cells[2].startswith("70.0 [")
    assert cells[3].startswith("+20.0 [") and cells[4:6] == ["6", "2"]
    assert cells[6] == f"{2 * (1 + 8 + 28) / 256:.3f}"  # exact McNemar, 6 vs 2 of 8 discordant
    lo, hi = (float(x) for x in cells[3].split("[")[1].rstrip("]").split(","))
    assert lo < 20.0 < hi and lo > -10.0  # the paired interval brackets the observed +20
    # without the autoregressive rows there is nothing to pair with
    assert paired_table([f"t{i}" for i in range(20)], [r for r in rows if r["method"] != "autoregressive"]) == ""


def test_inline_method_runs_the_jumpcoder_engine_under_the_inline_policy(tmp_path, monkeypatch):
    from jumpcoder_lsp import engine

    policies = []
    real = engine.complete

    def spy(*a, **kw):
        policies.append((kw["method"], kw["config"].policy))
        return real(*a, **kw)

    monkeypatch.setattr(engine, "complete", spy)
    rows, lines, _ = run_two(tmp_path, methods=("autoregressive", "jumpcoder", "filtered", "inline"))
    by = {(r["task_id"], r["method"]): r for r in rows}
    assert len(rows) == 8
    assert ("jumpcoder", "inline") in policies and ("jumpcoder", "paper") in policies
    inline = by[("HumanEval/1", "inline")]
    # itertools is used but not imported: the inline policy branches at the import block, AST judge
    assert inline["passed"] and inline["jumps"][0]["judge"] == "ast" and inline["method"] == "inline"
    assert by[("HumanEval/1", "filtered")]["engine_method"] == "filtered:jumpcoder"  # derived from Vanilla
    md = render(tmp_path)
    assert "| JumpCoder (inline policy) | 2 | 100.0 | +50.0 |" in md
    assert "JumpCoder (inline policy) keeps 1 of JumpCoder (Vanilla)'s 1 fixes (HumanEval/1 kept)" in md


def test_a_method_run_on_fewer_problems_gets_its_own_section_and_leaves_the_main_tables_whole(tmp_path):
    run_two(tmp_path)
    models = scripted_benchmark_pair(PROGRAMS, INFILLS)[0]
    problems = load_benchmark("humaneval", limit=2)[1:]
    run_benchmark("humaneval", problems, ("inline",), models=models, config=config(), out_dir=tmp_path,
                  meta={"command": "python benchmarks/eval.py --limit 2", "preset": "scripted", "note": "test"},
                  resume=True)
    md = render(tmp_path)
    main, rest = md.split("### JumpCoder (inline policy), on the 1 problems it ran")
    assert "| autoregressive (greedy) | 2 | 50.0 |" in main and "inline policy) |" not in main.split("## Overview")[-1]
    assert "| autoregressive (greedy) | 1 | 0.0 |" in rest and "| JumpCoder (inline policy) | 1 | 100.0 | +100.0 |" in rest
    assert "keeps 1 of JumpCoder (Vanilla)'s 1 fixes" in rest


def test_kv_reuse_is_an_eval_flag_recorded_for_resume_and_old_rows_count_as_prefix(tmp_path):
    import argparse

    from jumpcoder_lsp.evaluation import add_eval_subcommand
    from jumpcoder_lsp.runtime.kvreuse import DEFAULT_MODE

    parser = argparse.ArgumentParser()
    add_eval_subcommand(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["eval"]).kv_reuse == DEFAULT_MODE
    assert parser.parse_args(["eval", "--kv-reuse", "pie"]).kv_reuse == "pie"
    with pytest.raises(SystemExit):
        parser.parse_args(["eval", "--kv-reuse", "fast"])

    models = scripted_benchmark_pair(PROGRAMS, INFILLS)[0]
    problems = load_benchmark("humaneval", limit=1)

    def run(kv_reuse, resume):
        meta = {"command": "eval", "preset": "scripted", **({"kv_reuse": kv_reuse} if kv_reuse else {})}
        return run_benchmark("humaneval", problems, ("autoregressive",), models=models, config=config(),
                             out_dir=tmp_path, meta=meta, resume=resume)

    run(None, resume=False)  # a run from before the flag: prefix reuse
    run("prefix", resume=True)
    assert json.loads((tmp_path / "humaneval.run.json").read_text())["kv_reuse"] == "prefix"
    with pytest.raises(ValueError, match="other settings.*kv_reuse"):
        run("pie", resume=True)
