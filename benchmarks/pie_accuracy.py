"""Accuracy of edit-aware KV reuse (issue 16): PIE vs a full recompute on the evaluation prompts, after
one realistic edit above the cursor and after long chains of edits against the same cache.

Prompts: the first ``--limit`` HumanEval problems (jumpcoder_lsp/evaluation/datasets.py), the cursor
at the end of the prompt (where the evaluation and a user writing the body start). Each row compares

* pie: a ``kv_reuse="pie"`` runtime that holds the cache of the buffer before the edit(s) and prefills
  the edited buffer (``warm``, the server's background prefill after an edit), then writes one line,
* full: a runtime with an empty cache doing the same,

by: the next greedy token agrees; the next generated line agrees (greedy, up to the newline, 64 tokens
at most); |logprob difference| of full's greedy token (mean and max over the rows); tokens PIE computed.

One edit (each from the unedited prompt's cache):

* ``import``: ``import math`` inserted at the top (every token after it moves by 3-4 positions),
* ``rename``: the function renamed on its ``def`` line (``name`` -> ``name_v2``),
* ``delete``: the prompt's first docstring example (or middle docstring line) deleted,
* ``near``: the line 3 lines above the cursor edited (a closer edit: the kept tokens after it are few
  and right before the cursor).

Chains (``--chains N``: the first N problems): 32 random edits (seeded) applied one after another,
each prefilled against the cache the previous one left (PIE plans against PIE results), compared with
a full recompute after 1, 4, 16 and 32 edits. An edit of a chain inserts a comment or import line,
appends to a line, or deletes a line it inserted (imports at the top, comments at the indentation of
the line below them), anywhere above the last 2 lines.

    PYTHONPATH=$PWD nice -n 10 python benchmarks/pie_accuracy.py --threads 1 --limit 40 --chains 10
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.pie_cost import misses, next_logprobs  # noqa: E402
from jumpcoder_lsp.evaluation.datasets import load_benchmark  # noqa: E402
from jumpcoder_lsp.runtime.base import GenRequest  # noqa: E402
from tests.runtime.test_llamacpp_runtime import STOP_TOKENS  # noqa: E402

CHECKPOINTS = (1, 4, 16, 32)


def one_edits(prompt: str, entry_point: str) -> dict[str, str]:
    lines = prompt.split("\n")  # the prompt ends with "\n": the last item is "" (the cursor line)
    out = {"import": "import math\n" + prompt}
    d = next((i for i, l in enumerate(lines) if l.startswith("def " + entry_point + "(")), None)
    if d is not None:
        renamed = lines[d].replace("def " + entry_point + "(", "def " + entry_point + "_v2(", 1)
        out["rename"] = "\n".join(lines[:d] + [renamed] + lines[d + 1:])
    ex = next((i for i, l in enumerate(lines) if l.strip().startswith(">>>")), None)
    if ex is not None:  # the example and its expected output
        out["delete"] = "\n".join(lines[:ex] + lines[ex + 2:])
    elif d is not None and len(lines) - d > 6:
        mid = (d + len(lines)) // 2
        out["delete"] = "\n".join(lines[:mid] + lines[mid + 1:])
    near = len(lines) - 4
    if near > 0 and lines[near].strip():
        out["near"] = "\n".join(lines[:near] + [lines[near] + " (see above)"] + lines[near + 1:])
    return out


def chain_step(lines: list[str], rng: random.Random, inserted: set) -> list[str]:
    """One random edit above the last 2 lines of ``lines`` (a line list whose last item is the cursor line)."""
    top = max(1, len(lines) - 2)
    kind = rng.choice(["insert", "insert", "append", "delete"])
    if kind == "delete" and inserted:
        text = rng.choice(sorted(inserted))
        at = [i for i, l in enumerate(lines[:top]) if l == text]
        if at:
            inserted.discard(text)
            return lines[:at[0]] + lines[at[0] + 1:]
        kind = "insert"
    if kind == "append":
        i = rng.randrange(top)
        if lines[i].strip() and lines[i] not in inserted:
            return lines[:i] + [lines[i] + rng.choice([" ", "  # checked", " # todo"])] + lines[i + 1:]
        kind = "insert"
    if rng.random() < 0.3:  # an import at the top
        i, text = 0, f"import mod{rng.randrange(1000)}"
    else:  # a comment line at the indentation of the line it goes above
        i = rng.randrange(top)
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
        text = f"{indent}# note {rng.randrange(1000)}"
    inserted.add(text)
    return lines[:i] + [text] + lines[i:]


def measure(pie, full, text: str, control=None) -> dict:
    """PIE's warm of ``text`` (its cache as the caller left it) against a full recompute's; ``control``:
    a ``prefix`` runtime with the same cache history (exact, the batches split otherwise), whose line
    is compared with full's too (the noise floor of "line agrees")."""
    before = misses(pie)
    t0 = time.perf_counter()
    pie.warm([text])
    pie_s = time.perf_counter() - t0
    computed = misses(pie) - before
    lp_pie = next_logprobs(pie, text)
    [line_pie] = pie.generate([GenRequest(prompt=(text,), max_new_tokens=64)])
    full.clear_cache()
    full.warm([text])
    lp_full = next_logprobs(full, text)
    [line_full] = full.generate([GenRequest(prompt=(text,), max_new_tokens=64)])
    top = int(lp_full.argmax())
    extra = {}
    if control is not None:
        control.warm([text])
        [line_ctl] = control.generate([GenRequest(prompt=(text,), max_new_tokens=64)])
        extra = {"control_line_agrees": line_ctl.text == line_full.text, "line_control": line_ctl.text}
    return {**extra, "tokens": full.count_tokens(text), "computed": computed, "pie_s": pie_s,
            "token_agrees": int(lp_pie.argmax()) == top, "line_agrees": line_pie.text == line_full.text,
            "dlogprob": float(abs(lp_pie[top] - lp_full[top])), "line_pie": line_pie.text,
            "line_full": line_full.text}


def _control(sel: list[dict]) -> str:
    got = [r["control_line_agrees"] for r in sel if "control_line_agrees" in r]
    return f"{sum(got)}/{len(got)}" if got else "-"


def summary(rows: list[dict]) -> str:
    if not rows:
        return "no rows"
    d = [r["dlogprob"] for r in rows]
    return (f"n={len(rows)} | token agrees {sum(r['token_agrees'] for r in rows)}/{len(rows)} | "
            f"line agrees {sum(r['line_agrees'] for r in rows)}/{len(rows)} | |Δlogprob| mean {np.mean(d):.4f} "
            f"max {max(d):.4f} | computed/tokens {sum(r['computed'] for r in rows)}/{sum(r['tokens'] for r in rows)}")


def main() -> None:
    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime
    from tests.runtime.test_llamacpp_runtime import default_gguf

    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--chains", type=int, default=10, help="chains of edits on the first N problems")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="write the rows as JSON lines here")
    ap.add_argument("--refresh", default="default",
                    help="PIE plans in a row before the full refresh (kvreuse.REFRESH_AFTER): a number, "
                         "'none' (never) or 'default'")
    ap.add_argument("--one", type=int, default=1, help="0: only the chains")
    ap.add_argument("--control", action="store_true",
                    help="also a prefix runtime with the same cache history: its line vs full's (noise floor)")
    args = ap.parse_args()
    path = default_gguf()
    kw = dict(stop_tokens=STOP_TOKENS, threads=args.threads, n_ctx=8192, n_seq_max=8, max_cache_entries=4)
    from jumpcoder_lsp.runtime.kvreuse import REFRESH_AFTER

    refresh = REFRESH_AFTER if args.refresh == "default" else None if args.refresh == "none" else int(args.refresh)
    pie = LlamaCppRuntime(path, kv_reuse="pie", pie_refresh=refresh, **kw)
    full = LlamaCppRuntime(path, **kw)
    control = LlamaCppRuntime(path, **kw) if args.control else None
    print(f"model {path.name}, llama.cpp, threads {args.threads}, HumanEval first {args.limit}, "
          f"chains on the first {args.chains}, seed {args.seed}, full refresh after {refresh} PIE plans", flush=True)
    problems = load_benchmark("humaneval", limit=args.limit)
    rows: list[dict] = []
    t0 = time.perf_counter()
    for p in problems if args.one else ():
        for kind, text in one_edits(p.prompt, p.entry_point).items():
            for rt in (pie, control) if control is not None else (pie,):
                rt.clear_cache()
                rt.warm([p.prompt])
            rows.append({"task": p.task_id, "edit": kind, "chain": 0, **measure(pie, full, text, control)})
        print(f"[{time.perf_counter() - t0:6.0f}s] {p.task_id}: {summary([r for r in rows if r['task'] == p.task_id])}",
              file=sys.stderr, flush=True)
    print("\n## One edit above the cursor (pie vs full)\n")
    print("| edit | rows | next token agrees | next line agrees | control line agrees | mean |Δlogprob| | max |Δlogprob| "
          "| pie computed / tokens |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in ("import", "rename", "delete", "near", None):
        sel = [r for r in rows if r["chain"] == 0 and (kind is None or r["edit"] == kind)]
        if sel:
            d = [r["dlogprob"] for r in sel]
            print(f"| {kind or 'all'} | {len(sel)} | {sum(r['token_agrees'] for r in sel)}/{len(sel)} | "
                  f"{sum(r['line_agrees'] for r in sel)}/{len(sel)} | {_control(sel)} | {np.mean(d):.4f} | "
                  f"{max(d):.4f} | {sum(r['computed'] for r in sel)} / {sum(r['tokens'] for r in sel)} |", flush=True)
    chain_rows: list[dict] = []
    for p in problems[:args.chains]:
        rng = random.Random(f"{args.seed}:{p.task_id}")
        lines, inserted = p.prompt.split("\n"), set()
        for rt in (pie, control) if control is not None else (pie,):
            rt.clear_cache()
            rt.warm([p.prompt])
        for step in range(1, CHECKPOINTS[-1] + 1):
            lines = chain_step(lines, rng, inserted)
            text = "\n".join(lines)
            if step in CHECKPOINTS:
                chain_rows.append({"task": p.task_id, "edit": "chain", "chain": step,
                                   **measure(pie, full, text, control)})
            else:
                for rt in (pie, control) if control is not None else (pie,):
                    rt.warm([text])
        print(f"[{time.perf_counter() - t0:6.0f}s] chain {p.task_id}: {summary([r for r in chain_rows if r['task'] == p.task_id])}",
              file=sys.stderr, flush=True)
    if chain_rows:
        print("\n## Chains of edits against the same cache (pie vs full after k edits)\n")
        print("| edits | rows | next token agrees | next line agrees | control line agrees | mean |Δlogprob| "
              "| max |Δlogprob| | pie computed / tokens (this step) |")
        print("|---|---|---|---|---|---|---|---|")
        for k in CHECKPOINTS:
            sel = [r for r in chain_rows if r["chain"] == k]
            d = [r["dlogprob"] for r in sel]
            print(f"| {k} | {len(sel)} | {sum(r['token_agrees'] for r in sel)}/{len(sel)} | "
                  f"{sum(r['line_agrees'] for r in sel)}/{len(sel)} | {_control(sel)} | {np.mean(d):.4f} | {max(d):.4f} | "
                  f"{sum(r['computed'] for r in sel)} / {sum(r['tokens'] for r in sel)} |", flush=True)
    if args.out:
        Path(args.out).write_text("".join(json.dumps(r) + "\n" for r in rows + chain_rows))
    print(f"\n{time.perf_counter() - t0:.0f} s; PIE plans {pie.pie_plans}, refreshes {pie.pie_refreshes}", flush=True)
    for rt in (pie, full, control):
        if rt is not None:
            rt.close()


if __name__ == "__main__":
    main()
