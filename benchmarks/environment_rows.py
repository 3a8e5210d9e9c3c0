"""The environment judge (issue 17) over the evaluation's committed rows: how many generated
programs (prompt + suggestion, per method) import a module or use a ``module.attr`` /
``from module import name`` that the environment lacks, and the judge's cost per program.

The judge changes a run only where it flags a candidate or a generated line, and a row's
``raw_code`` holds every generated line and every accepted infill; so a method with no flagged
program here would write the same code with the judge on (pass@1 unchanged). Python rows only
(``--rows`` glob); judged against this interpreter's environment (``from_interpreter``: the
sandbox's Python, the one the tests ran on). Usage::

    PYTHONPATH=. python benchmarks/environment_rows.py [--rows 'benchmarks/results/*.jsonl']
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jumpcoder_lsp.environment import from_interpreter  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default=str(Path(__file__).resolve().parent / "results" / "*.jsonl"))
    args = p.parse_args()
    env = from_interpreter(sys.executable)
    print(f"environment: {env.description}")
    print("| rows | method | programs | flagged | flagged and passed | median ms/program |")
    print("|---|---|---|---|---|---|")
    examples = []
    for path in sorted(glob.glob(args.rows)):
        rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
        rows = [r for r in rows if r.get("language") == "python"]
        by = collections.defaultdict(list)
        for r in rows:
            by[r["method"]].append(r)
        for method, rs in by.items():
            flagged = passed = 0
            ms = []
            for r in rs:
                t0 = time.perf_counter()
                problems = env.problems(r["raw_code"])
                ms.append(1000 * (time.perf_counter() - t0))
                if problems:
                    flagged += 1
                    passed += bool(r["passed"])
                    examples.append((Path(path).stem, r["task_id"], method, [q.message for q in problems]))
            print(f"| {Path(path).stem} | {method} | {len(rs)} | {flagged} | {passed} | {statistics.median(ms):.2f} |")
    for e in examples:
        print("flagged:", *e)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
