"""Summaries of the per-problem rows: pass@1 per method, delta vs autoregressive, error classes,
problems JumpCoder broke / fixed, tokens/s; and docs/results.md from every benchmark under OUT."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .datasets import BENCHMARKS
from .execution import ERROR_CLASSES
from .rows import CORE_METHODS
from .rows import METHODS as METHOD_ORDER
from .rows import ROOT, read_rows
from .stats import bootstrap_ci, mcnemar_exact, paired_delta_ci

LABELS = {"autoregressive": "autoregressive (greedy)", "jumpcoder": "JumpCoder (Vanilla)",
          "filtered": "JumpCoder (Filtered)", "inline": "JumpCoder (inline policy)"}


@dataclass
class MethodSummary:
    method: str
    n: int = 0
    passed: int = 0
    errors: dict = field(default_factory=lambda: {c: 0 for c in ERROR_CLASSES})
    broke: list = field(default_factory=list)  # AR passed, this method failed
    fixed: list = field(default_factory=list)  # AR failed, this method passed
    jumps: int = 0
    tokens: int = 0
    seconds: float = 0.0
    picked_jc: Optional[int] = None  # Filtered: how often it kept the Vanilla code

    @property
    def pass_at_1(self) -> float:
        return 100.0 * self.passed / self.n if self.n else 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


def _common_tasks(rows: list[dict], methods: Iterable[str]) -> list[str]:
    """The tasks every one of ``methods`` finished, in problem order."""
    methods = list(methods)
    by = {(r["task_id"], r["method"]) for r in rows}
    tasks, seen = [], set()
    for r in sorted(rows, key=lambda r: r.get("index", 0)):
        t = r["task_id"]
        if t not in seen and all((t, m) in by for m in methods):
            seen.add(t)
            tasks.append(t)
    return tasks


def section_methods(rows: Iterable[dict]) -> tuple[list[str], list[str]]:
    """(methods of the main tables, methods that ran on fewer problems). The main tables compare
    the paper's methods on the problems they all finished; a method added beside them (the inline
    policy) joins them when it covers those problems, else it gets a section of its own."""
    rows = list(rows)
    present = [m for m in METHOD_ORDER if any(r["method"] == m for r in rows)]
    core = [m for m in present if m in CORE_METHODS] or present
    tasks = set(_common_tasks(rows, core))
    done = {m: {r["task_id"] for r in rows if r["method"] == m} for m in present}
    main = [m for m in present if m in core or tasks <= done[m]]
    return main, [m for m in present if m not in main]


def summarize(rows: Iterable[dict], methods: Optional[Iterable[str]] = None
              ) -> tuple[list[str], dict[str, MethodSummary]]:
    """Over the tasks every one of ``methods`` (default: every present method) finished, so the
    methods compare on the same problems. Returns (task ids, method -> summary)."""
    rows = list(rows)
    present = [m for m in METHOD_ORDER if any(r["method"] == m for r in rows)]
    methods = present if methods is None else [m for m in present if m in set(methods)]
    by = {(r["task_id"], r["method"]): r for r in rows}
    tasks = _common_tasks(rows, methods)
    out = {}
    for m in methods:
        s = MethodSummary(m)
        if m == "filtered":
            s.picked_jc = 0
        for t in tasks:
            r = by[(t, m)]
            s.n += 1
            s.passed += bool(r["passed"])
            if not r["passed"] and r.get("error_class") in s.errors:
                s.errors[r["error_class"]] += 1
            s.jumps += r.get("n_jumps", 0)
            s.tokens += r.get("tokens", 0)
            s.seconds += r.get("gen_seconds", 0.0)
            if m == "filtered" and str(r.get("engine_method", "")).endswith("jumpcoder"):
                s.picked_jc += 1
            ar = by.get((t, "autoregressive"))
            if ar is not None and m != "autoregressive":
                if ar["passed"] and not r["passed"]:
                    s.broke.append(t)
                if not ar["passed"] and r["passed"]:
                    s.fixed.append(t)
        out[m] = s
    return tasks, out


def _pct(x: float) -> str:
    return f"{x:.1f}"


def summary_table(summaries: dict[str, MethodSummary]) -> str:
    head = ("| method | n | pass@1 % | Δ vs AR (pp) | undefined-identifier errors | assertion | runtime | compile"
            " | timeout | JC broke (AR ✓ → ✗) | JC fixed (AR ✗ → ✓) | jumps | tokens/s | s/problem |")
    lines = [head, "|" + "---|" * head.count("|")[:-1] if False else "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"]
    ar = summaries.get("autoregressive")
    for m, s in summaries.items():
        delta = "—" if m == "autoregressive" or ar is None else f"{s.pass_at_1 - ar.pass_at_1:+.1f}"
        broke = "—" if m == "autoregressive" else str(len(s.broke))
        fixed = "—" if m == "autoregressive" else str(len(s.fixed))
        label = LABELS.get(m, m)
        if s.picked_jc is not None:
            label += f" (kept Vanilla {s.picked_jc}/{s.n})"
        e = s.errors
        lines.append(
            f"| {label} | {s.n} | {_pct(s.pass_at_1)} | {delta} | {e['undefined_identifier']} | {e['assertion']} |"
            f" {e['runtime']} | {e['compile']} | {e['timeout']} | {broke} | {fixed} | {s.jumps} |"
            f" {s.tokens_per_s:.1f} | {s.seconds / s.n if s.n else 0:.1f} |")
    return "\n".join(lines)


def _p(p: float) -> str:
    return f"{p:.3f}" if p >= 0.001 else "<0.001"


def paired_table(tasks: list[str], rows: Iterable[dict], only: Optional[Iterable[str]] = None) -> str:
    """Each method (of ``only``, default all) against autoregressive on the same problems: pass@1
    with its 95% bootstrap interval, the difference with its paired interval, the discordant
    problems, and the exact McNemar p-value (evaluation/stats.py)."""
    by = {(r["task_id"], r["method"]): r for r in rows}
    methods = [m for m in METHOD_ORDER if all((t, m) in by for t in tasks) and (only is None or m in set(only))]
    if not tasks or "autoregressive" not in methods:
        return ""
    base = [bool(by[(t, "autoregressive")]["passed"]) for t in tasks]
    head = ("| method | n | pass@1 % [95% CI] | Δ vs AR pp [95% CI] | fixed (AR ✗ → ✓) | broke (AR ✓ → ✗) |"
            " exact McNemar p |")
    lines = [head, "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"]
    for m in methods:
        out = [bool(by[(t, m)]["passed"]) for t in tasks]
        lo, hi = bootstrap_ci(out)
        rate = f"{100.0 * sum(out) / len(out):.1f} [{lo:.1f}, {hi:.1f}]"
        if m == "autoregressive":
            lines.append(f"| {LABELS.get(m, m)} | {len(tasks)} | {rate} | — | — | — | — |")
            continue
        fixed = sum(1 for o, b in zip(out, base) if o and not b)
        broke = sum(1 for o, b in zip(out, base) if b and not o)
        dlo, dhi = paired_delta_ci(out, base)
        delta = 100.0 * (sum(out) - sum(base)) / len(out)
        lines.append(f"| {LABELS.get(m, m)} | {len(tasks)} | {rate} | {delta:+.1f} [{dlo:+.1f}, {dhi:+.1f}] |"
                     f" {fixed} | {broke} | {_p(mcnemar_exact(fixed, broke))} |")
    return "\n".join(lines)


def per_problem_table(tasks: list[str], rows: Iterable[dict], methods: list[str]) -> str:
    by = {(r["task_id"], r["method"]): r for r in rows}
    head = "| task | " + " | ".join(LABELS.get(m, m) for m in methods) + " |"
    lines = [head, "|" + "|".join(["---"] * (len(methods) + 1)) + "|"]
    for t in tasks:
        cells = []
        for m in methods:
            r = by[(t, m)]
            mark = "✓" if r["passed"] else f"✗ {r.get('error_class')}"
            extra = f", {r.get('n_jumps', 0)} jumps" if m != "autoregressive" else ""
            if m == "filtered" and r.get("engine_method"):
                extra += f", → {r['engine_method'].split(':')[-1]}"
            cells.append(f"{mark} ({r.get('gen_seconds', 0):.0f}s, {r.get('tokens', 0)} tok{extra})")
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "⏎")


def differences(tasks: list[str], rows: Iterable[dict]) -> str:
    """Where Vanilla and autoregressive disagree: the error of the failing side and the jumps."""
    by = {(r["task_id"], r["method"]): r for r in rows}
    out = []
    for t in tasks:
        ar, jc = by.get((t, "autoregressive")), by.get((t, "jumpcoder"))
        if ar is None or jc is None or ar["passed"] == jc["passed"]:
            continue
        side = "JumpCoder broke it" if ar["passed"] else "JumpCoder fixed it"
        failing = jc if ar["passed"] else ar
        jumps = "; ".join(f"@{j['position']} {j['judge']} {_esc(j['text'].strip())[:80]!s}" for j in jc["jumps"])
        why = "" if jc["jumps"] else (" — no jump was taken: the code differs most likely because JumpCoder's "
                                      "generated lines come from the batched forward pass that also decodes the infills")
        out.append(f"- **{t}** — {side}: {failing['method']} failed with {failing.get('error_class')}"
                   f" (`{_esc(failing.get('error', ''))[:160]}`); jumps: {jumps or 'none'}{why}")
    return "\n".join(out)


def divergence(tasks: list[str], rows: Iterable[dict]) -> str:
    """How often Vanilla's code differs from the autoregressive code, and how often without a jump."""
    by = {(r["task_id"], r["method"]): r for r in rows}
    pairs = [(by.get((t, "autoregressive")), by.get((t, "jumpcoder"))) for t in tasks]
    pairs = [(a, j) for a, j in pairs if a is not None and j is not None]
    if not pairs:
        return ""
    differ = [(a, j) for a, j in pairs if a["code"] != j["code"]]
    no_jump = [j["task_id"] for a, j in differ if not j["jumps"]]
    text = f"Vanilla's code differs from the autoregressive code in {len(differ)} of {len(pairs)} problems"
    if no_jump:
        text += (f"; in {len(no_jump)} of them ({', '.join(no_jump[:8])}{'…' if len(no_jump) > 8 else ''}) without "
                 f"any jump (most likely numerics: the generated line is decoded in one batch with the infills, which can flip a "
                 f"greedy choice)")
    return text + "."


def _without_jump(tasks: list[str], method: str, by: dict) -> int:
    """How many of these problems the method's run decided without taking a jump (numerics)."""
    return sum(1 for t in tasks if not by[(t, method)].get("jumps"))


def overview(found: list[tuple[str, list[dict], dict]]) -> str:
    """One row per benchmark: pass@1 and undefined-identifier errors of each method side by side."""
    head = ("| benchmark | n | AR pass@1 % | Vanilla pass@1 % (Δ) | Filtered pass@1 % (Δ) | undefined-identifier"
            " errors AR / Vanilla / Filtered | Vanilla broke (no jump) | Vanilla fixed (no jump) | jumps (Vanilla) |"
            " Vanilla Δ 95% CI | McNemar p (Vanilla vs AR) |")
    lines = [head, "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"]
    for name, rows, _ in found:
        tasks, sums = summarize(rows, CORE_METHODS)
        if not all(m in sums for m in CORE_METHODS):
            continue
        by = {(r["task_id"], r["method"]): r for r in rows}
        ar, jc, fl = (sums[m] for m in CORE_METHODS)
        und = " / ".join(str(x.errors["undefined_identifier"]) for x in (ar, jc, fl))
        lo, hi = paired_delta_ci([bool(by[(t, "jumpcoder")]["passed"]) for t in tasks],
                                 [bool(by[(t, "autoregressive")]["passed"]) for t in tasks])
        lines.append(
            f"| {name} | {len(tasks)} | {_pct(ar.pass_at_1)} | {_pct(jc.pass_at_1)} ({jc.pass_at_1 - ar.pass_at_1:+.1f}) |"
            f" {_pct(fl.pass_at_1)} ({fl.pass_at_1 - ar.pass_at_1:+.1f}) | {und} |"
            f" {len(jc.broke)} ({_without_jump(jc.broke, 'jumpcoder', by)}) |"
            f" {len(jc.fixed)} ({_without_jump(jc.fixed, 'jumpcoder', by)}) | {jc.jumps} |"
            f" [{lo:+.1f}, {hi:+.1f}] | {_p(mcnemar_exact(len(jc.fixed), len(jc.broke)))} |")
    return "\n".join(lines) if len(lines) > 2 else ""


def kept_fixes(tasks: list[str], rows: Iterable[dict], method: str, reference: str = "jumpcoder") -> str:
    """Which of ``reference``'s fixes (problems autoregressive failed and it passed) ``method`` keeps,
    and what it fixed or broke on its own."""
    by = {(r["task_id"], r["method"]): r for r in rows}
    ar = {t: bool(by[(t, "autoregressive")]["passed"]) for t in tasks if (t, "autoregressive") in by}
    ref_fixed = [t for t in tasks if not ar.get(t, True) and by.get((t, reference), {}).get("passed")]
    kept = [t for t in ref_fixed if by[(t, method)]["passed"]]
    own = [t for t in tasks if not ar.get(t, True) and by[(t, method)]["passed"] and t not in ref_fixed]
    broke = [t for t in tasks if ar.get(t) and not by[(t, method)]["passed"]]
    label, ref = LABELS.get(method, method), LABELS.get(reference, reference)
    text = f"{label} keeps {len(kept)} of {ref}'s {len(ref_fixed)} fixes"
    if ref_fixed:
        text += " (" + ", ".join(f"{t} {'kept' if t in kept else 'lost'}" for t in ref_fixed) + ")"
    text += f"; it fixes {len(own)} other problem{'s' if len(own) != 1 else ''}"
    text += (" (" + ", ".join(own) + ")") if own else ""
    text += f" and breaks {len(broke)}" + (" (" + ", ".join(broke) + ")" if broke else "") + "."
    return text


def partial_section(rows: list[dict], extra: list[str]) -> list[str]:
    """A method that ran on fewer problems than the main tables, beside the others on those."""
    parts = []
    for m in extra:
        tasks, summaries = summarize(rows, [*[c for c in CORE_METHODS], m])
        if not tasks:
            continue
        parts += [f"### {LABELS.get(m, m)}, on the {len(tasks)} problems it ran", "",
                  f"Beside the other methods on the same {len(tasks)} problems (the inline policy is the server's "
                  "inline default: the next line left to right, infills only at the definition positions when a "
                  "name is used but undefined, AST judge only; engine/config.py):", "",
                  summary_table(summaries), ""]
        paired = paired_table(tasks, rows, only=list(summaries))
        if paired:
            parts += [paired, ""]
        if "jumpcoder" in summaries:
            parts += [kept_fixes(tasks, rows, m), ""]
    return parts


def runs_lines(runs: list[dict]) -> list[str]:
    """The runs that wrote these rows (run.json ``runs``, oldest first): a resumed evaluation may span
    commits and machines, and a reader comparing methods needs to see that."""
    def span(r):
        lo = r.get("offset") or 0
        return f"problems {lo}-{lo + r['limit'] - 1}" if r.get("limit") else (f"problems {lo}-" if lo else "all problems")

    return ["- runs behind these rows (oldest first):",
            *(f"  - commit {r.get('git_commit') or '?'}, started {r.get('started') or '?'}, "
              f"CPU {r.get('cpu') or 'not recorded'}, {span(r)}: `{r.get('command') or '?'}`" for r in runs), ""]


def benchmark_section(name: str, rows: list[dict], meta: dict) -> str:
    main, extra = section_methods(rows)
    tasks, summaries = summarize(rows, main)
    methods = list(summaries)
    bench = BENCHMARKS.get(name.split(".")[0])
    title = f"{bench.description} ({bench.shots})" if bench else name
    parts = [f"## {name}: {title}" + (f" — {meta.get('models')}" if meta.get("models") else ""), ""]
    if meta.get("sandbox_warning"):
        parts += [f"**Sandbox warning: {meta['sandbox_warning']}**", ""]
    partial = bench is not None and len(tasks) < bench.count
    if meta.get("note") or partial:
        size = f"{len(tasks)} of {bench.count} problems; not a full-benchmark result." if partial else ""
        parts += [f"**{meta['note']}**" + (f" — {size}" if size else "") if meta.get("note") else f"**{size}**", ""]
    parts += [
        "Command:", "", "```", meta.get("command", "?"), "```", "",
        *(runs_lines(meta["runs"]) if len(meta.get("runs") or []) > 1 else
          [f"- earlier commands for these rows: " + "; ".join(f"`{c}`" for c in meta["history"][:-1]), ""]
          if len(meta.get("history") or []) > 1 else []),
        f"- models: {meta.get('models', '?')} (preset `{meta.get('preset')}`, infill "
        f"`{meta.get('infill_preset') or meta.get('preset')}`), device `{meta.get('device')}`",
        f"- engine: " + ", ".join(f"{k}={v}" for k, v in (meta.get("engine") or {}).items()
                                  if k in ("k", "tau", "bad_words", "max_lines", "policy", "speculative", "reject_new_undefined")),
        f"- Filtered: {meta.get('filtered')}; sandbox: {meta.get('sandbox')}; commit {meta.get('git_commit')}, "
        f"started {meta.get('started')}, {meta.get('cpu_count')} CPUs",
        "",
        summary_table(summaries),
        "",
    ]
    paired = paired_table(tasks, rows, only=methods)
    if paired:
        parts += ["Paired against autoregressive on these problems (95% intervals: percentile bootstrap over "
                  "problems, 10,000 resamples; p: two-sided exact McNemar test on the fixed/broke problems):",
                  "", paired, ""]
    if len(tasks) <= 60:
        parts += ["Per problem (generation seconds, tokens written):", "", per_problem_table(tasks, rows, methods), ""]
    div = divergence(tasks, rows)
    if div:
        parts += [div, ""]
    diff = differences(tasks, rows)
    if diff:
        parts += ["Where Vanilla and autoregressive disagree:", "", diff, ""]
    if "inline" in methods and "jumpcoder" in methods:
        parts += [kept_fixes(tasks, rows, "inline"), ""]
    parts += partial_section(rows, extra)
    return "\n".join(parts)


def load_out_dir(out_dir: Path) -> list[tuple[str, list[dict], dict]]:
    found = []
    stems = sorted(p.stem for p in out_dir.glob("*.jsonl"))
    order = {b: i for i, b in enumerate(BENCHMARKS)}
    names = sorted(stems, key=lambda s: (order.get(s.split(".")[0], len(order)), s))
    for name in names:
        path = out_dir / f"{name}.jsonl"
        if not path.exists():
            continue
        meta_path = out_dir / f"{name}.run.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        found.append((name, read_rows(path), meta))
    return found


HEADER = """# Results: autoregressive vs JumpCoder

Generated by `jumpcoder-lsp eval` / `python benchmarks/eval.py` (jumpcoder_lsp/evaluation/) from the
per-problem rows in `{out}`; regenerate with `python benchmarks/eval.py --report-only --out {out}`.

Protocol (paper section 4.1 and Appendix B.2): greedy decoding, pass@1, 0-shot HumanEval, 1-shot MBPP
(the prompt format of the paper's data), MultiPL-E prompts as given; the paper's "bad words" (`#`,
`pass` for Python) are forbidden unless the engine line says bad_words=False. Every method runs on the
same model pair and prompts; the completion is cut at the benchmark's stop tokens, the tests are appended,
and the program runs sandboxed (bubblewrap or unshare: read-only system dirs, the temporary work
directory the only writable path, own network + PID namespace, rlimits, a pids cgroup, output cap,
timeouts). JumpCoder (Filtered) keeps the Vanilla code when all its jumps were
accepted by the AST judge, else the code (Vanilla or autoregressive) with the lower perplexity; its
seconds and tokens count both runs when it needed both. Undefined-identifier errors: Python
NameError, javac "cannot find symbol", g++ "was not declared in this scope", mcs CS0103.
"JC broke" counts problems the autoregressive code solved and the method did not; "JC fixed" the
reverse. tokens/s: tokens written (continuation + inserted lines, generation-model tokenizer) per
second of generation.

Reading the numbers: Vanilla's code can differ from the autoregressive code without any jump. Its
next line is decoded in one batch with the infills, and in bf16 a near-tie between two tokens can
flip with the batch shape; the overview counts those problems as "no jump". In float32 they agree
(Mbpp/19 and Mbpp/21, which flip in bf16, give the same code in both methods:
`python benchmarks/eval.py --benchmark mbpp --offset 8 --limit 3 --methods autoregressive,jumpcoder
--runtime torch --dtype float32 --out /tmp/fp32 --results-md ''`). Only problems changed by a jump
measure JumpCoder itself.
"""


def render(out_dir: Path, display_out: Optional[str] = None) -> str:
    sections = [HEADER.format(out=display_out or str(out_dir)).rstrip(), ""]
    found = load_out_dir(out_dir)
    if not found:
        sections.append("No results yet.")
    table = overview(found)
    if table:
        sections += ["## Overview", "",
                     "Per benchmark, on the problems every method finished (Δ in percentage points vs "
                     "autoregressive; \"no jump\": problems Vanilla broke or fixed without taking any jump, "
                     "i.e. by the numerics of the batched bf16 decode flipping a near-tie, not by a jump):", "", table, ""]
    for name, rows, meta in found:
        sections.append(benchmark_section(name, rows, meta))
    sections.append(f"_Written {time.strftime('%Y-%m-%d %H:%M %z')}._")
    return "\n".join(sections) + "\n"


def write_report(out_dir: Path, path: Path) -> Path:
    try:
        display = str(out_dir.resolve().relative_to(ROOT))
    except ValueError:
        display = str(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(out_dir, display), encoding="utf-8")
    return path
