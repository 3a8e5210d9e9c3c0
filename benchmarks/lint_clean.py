"""The lint-clean rule (issue 17, engine/lint.py): false positives, what it flags in the committed
evaluation rows, and its cost.

* ``fp``: real code a human wrote, read as if it were a suggestion. For each file (Python: the
  standard library's top-level modules, ``--stdlib``; any language: ``--glob``, e.g. the repo's
  own modules, C++ library headers, npm's JavaScript), blocks of 1 to 8 whole lines are cut out at seeded
  random places; "before" is the file without the block, "after" the real file, and the block's
  lines are the suggestion's (``new_lines``). Real code should almost never be flagged: the
  flags per 1,000 blocks, by kind, and the first examples of each kind are printed.
* ``rows``: benchmarks/results/*.jsonl (one row per problem and method: ``code``, the prompt with
  the suggestion accepted, and ``program``, code plus the tests after it): "before" is the
  problem's prompt plus the tests' text, "after" is ``program`` (the tests close the function, as
  the code after the cursor does in an editor). Per file and method: the rows flagged, by kind,
  and the pass rate of flagged and clean rows (flagged rows should mostly fail their tests).
* the cost: milliseconds per :func:`lint_delta` call (both buffers parsed and analysed), mean
  and p90, measured over the ``fp`` blocks; and per :func:`lint_clean` call on the rows.

Usage (from the repo root)::

    PYTHONPATH=. python benchmarks/lint_clean.py fp --stdlib /usr/lib/python3.11 --files 120 --blocks 25
    PYTHONPATH=. python benchmarks/lint_clean.py rows
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from jumpcoder_lsp.engine.lint import lint_delta, summary
from jumpcoder_lsp.languages import get_language, language_for_path

ROOT = Path(__file__).resolve().parent.parent


BUCKETS = ("<300", "300-1000", "1000-3000", ">=3000")


def _bucket(n: int) -> str:
    return BUCKETS[0] if n < 300 else BUCKETS[1] if n < 1000 else BUCKETS[2] if n < 3000 else BUCKETS[3]


def _blocks(rows: list[str], count: int, rng: random.Random) -> list[tuple[int, int]]:
    """``count`` seeded spans [a, b) of 1..8 lines that start on a non-blank line."""
    starts = [i for i, r in enumerate(rows) if r.strip()]
    out = []
    for _ in range(count if starts else 0):
        a = rng.choice(starts)
        out.append((a, min(len(rows), a + rng.randint(1, 8))))
    return out


def fp(args) -> None:
    files = []
    if args.stdlib:
        names = sorted(glob.glob(os.path.join(args.stdlib, "*.py")))
        random.Random(args.seed).shuffle(names)
        files += names[: args.files]
    for pattern in args.glob:
        names = sorted(glob.glob(pattern, recursive=True))
        random.Random(args.seed).shuffle(names)
        files += names[: args.files]
    flags: dict[str, Counter] = defaultdict(Counter)
    blocks: Counter = Counter()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    costs: dict[str, list[float]] = defaultdict(list)
    sized: dict[str, list[float]] = defaultdict(list)
    rng = random.Random(args.seed)
    for path in files:
        try:
            spec = language_for_path(path)
            text = Path(path).read_text(encoding="utf-8")
        except (ValueError, OSError, UnicodeDecodeError):
            continue
        if len(text) > args.max_chars:
            continue
        rows = text.split("\n")
        for a, b in _blocks(rows, args.blocks, rng):
            before = "\n".join(rows[:a] + rows[b:])
            t0 = time.perf_counter()
            found = lint_delta(before, text, spec, new_lines=set(range(a, b)))
            ms = (time.perf_counter() - t0) * 1000
            costs[spec.name].append(ms)
            sized[_bucket(len(rows))].append(ms)
            blocks[spec.name] += 1
            for kind in {f.kind for f in found}:
                flags[spec.name][kind] += 1
            if found:
                flags[spec.name]["any"] += 1
            for f in found:
                if len(examples[(spec.name, f.kind)]) < args.examples:
                    examples[(spec.name, f.kind)].append(f"{os.path.basename(path)}:{a + 1}-{b}: {f}: "
                                                         f"{rows[f.line].strip()[:70]!r}")
    print(f"files: {len(files)}; blocks of 1-8 lines cut out of real code, seed {args.seed}")
    for lang in sorted(blocks):
        n = blocks[lang]
        per = ", ".join(f"{k} {1000 * v / n:.1f}" for k, v in sorted(flags[lang].items()))
        c = sorted(costs[lang])
        print(f"{lang}: {n} blocks; flags per 1,000: {per or 'none'}; lint_delta ms: mean "
              f"{statistics.mean(c):.1f}, p90 {c[int(0.9 * (len(c) - 1))]:.1f}")
    print("lint_delta ms by file size (both buffers analysed; lint_clean reuses the one before): "
          + "; ".join(f"{b} lines: {statistics.mean(sized[b]):.1f} (n={len(sized[b])})" for b in BUCKETS if sized[b]))
    for (lang, kind), ex in sorted(examples.items()):
        print(f"-- {lang} {kind}:")
        for e in ex:
            print("   ", e)


def rows(args) -> None:
    from jumpcoder_lsp.evaluation.datasets import load_benchmark

    prompts = {}
    paths = sorted(glob.glob(str(ROOT / "benchmarks/results/*.jsonl")))
    costs, gens = [], []
    total: Counter = Counter()
    for path in paths:
        table: dict[str, Counter] = defaultdict(Counter)
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            row = json.loads(line)
            bench = row["benchmark"]
            if bench not in prompts:
                prompts[bench] = {p.task_id: p.prompt for p in load_benchmark(bench)}
            prompt = prompts[bench].get(row["task_id"])
            if prompt is None or "code" not in row:
                continue
            spec = get_language(row["language"])
            code, program = row["code"], row.get("program") or row["code"]
            tail = program[len(code):] if program.startswith(code) else ""
            before, after = prompt + tail, code + tail
            t0 = time.perf_counter()
            found = lint_delta(before, after, spec, before_summary=summary(before, spec))
            costs.append((time.perf_counter() - t0) * 1000)
            if row.get("gen_seconds"):
                gens.append(row["gen_seconds"] * 1000)
            t = table[row["method"]]
            t["rows"] += 1
            passed = bool(row.get("passed"))
            if found:
                t["flagged"] += 1
                t["flagged_passed"] += passed
                for kind in {f.kind for f in found}:
                    t[kind] += 1
                if args.show and t["shown"] < args.show:
                    t["shown"] += 1
                    print(f"   {Path(path).name} {row['method']} {row['task_id']} passed={passed}: "
                          + "; ".join(str(f) for f in found[:3]))
            else:
                t["clean_passed"] += passed
        print(Path(path).name)
        for t in table.values():
            total.update({k: v for k, v in t.items() if k != "shown"})
        for method, t in sorted(table.items()):
            n, k = t["rows"], t["flagged"]
            kinds = ", ".join(f"{x} {t[x]}" for x in ("syntax error", "undefined name", "unused import",
                                                          "unused local", "shadowed") if t[x])
            fpass = f"{100 * t['flagged_passed'] / k:.0f}%" if k else "-"
            cpass = f"{100 * t['clean_passed'] / (n - k):.0f}%" if n - k else "-"
            print(f"  {method:16s} rows {n:4d}  flagged {k:4d} ({100 * k / max(n, 1):.0f}%)  "
                  f"pass flagged {fpass:>4s} clean {cpass:>4s}  [{kinds}]")
    n, k = total["rows"], total["flagged"]
    print(f"all rows: {n}, flagged {k} ({100 * k / max(n, 1):.1f}%), of which passed {total['flagged_passed']}; "
          f"clean rows passed {total['clean_passed']} of {n - k} "
          f"({100 * total['clean_passed'] / max(n - k, 1):.0f}%); by kind: "
          + ", ".join(f"{x} {total[x]}" for x in ("syntax error", "undefined name", "unused import",
                                                   "unused local", "shadowed")))
    if costs:
        c = sorted(costs)
        print(f"lint_delta on the rows: {len(c)} calls, mean {statistics.mean(c):.1f} ms, p90 "
              f"{c[int(0.9 * (len(c) - 1))]:.1f} ms; the rows' own generation (gen_seconds, their runs): mean "
              f"{statistics.mean(gens):.0f} ms, lint/generation {statistics.mean(c) / statistics.mean(gens):.5f}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    a = sub.add_parser("fp", help="false positives on real code")
    a.add_argument("--stdlib", default=None, help="a directory of Python modules (e.g. /usr/lib/python3.11)")
    a.add_argument("--glob", action="append", default=[],
                   help="more files (a glob, recursive **; repeatable; at most --files of each)")
    a.add_argument("--files", type=int, default=120)
    a.add_argument("--blocks", type=int, default=25, help="blocks cut out per file")
    a.add_argument("--max-chars", type=int, default=200_000)
    a.add_argument("--seed", type=int, default=17)
    a.add_argument("--examples", type=int, default=6)
    a.set_defaults(func=fp)
    r = sub.add_parser("rows", help="the committed evaluation rows")
    r.add_argument("--show", type=int, default=0, help="print this many flagged rows per method")
    r.set_defaults(func=rows)
    args = p.parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
