"""LINQ extension-method calls without ``using System.Linq;`` (issue 17, languages/csharp.py
``linq_without_using``): the C# analysis against mcs, and its false positives on a real project.

* ``rows``: the ``program`` of each committed C# evaluation row (benchmarks/results/csharp.*.jsonl,
  prompt + completion + tests) whose original compiles with mcs, with its ``using System.Linq;``
  line removed. Truth: mcs's ``CS1061 ... does not contain a definition for `M'`` errors for the
  LINQ methods (line, method). Reported: the analysis of the same text as a loose file
  (``ProjectUsings(frozenset())``: nothing visible but the file's own usings). Calls it finds
  that mcs does not reject are false positives; calls mcs rejects that it does not find, misses.
* ``--dir NAME=PATH``: a real project (published, builds), every ``.cs`` file analysed with what
  its project makes visible (toolchains/csharp.py ``visible_usings``: the nearest .csproj's
  ``ImplicitUsings``, ``global using`` lines): every report is a false positive; and analysed as a
  loose file (project ignored) for comparison.

    PYTHONPATH=. python benchmarks/csharp_linq.py --dir TheAlgorithms-C#=/path/to/C-Sharp
"""

from __future__ import annotations

import argparse
import glob
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jumpcoder_lsp.languages import get_language  # noqa: E402
from jumpcoder_lsp.languages.csharp import LINQ_METHODS, ProjectUsings  # noqa: E402
from jumpcoder_lsp.toolchains.csharp import read_project, visible_usings  # noqa: E402

CS = get_language("csharp")
LOOSE = ProjectUsings(frozenset())
_CS1061 = re.compile(r"\((\d+),\d+\): error (?:CS1061: .*? does not contain a definition for `(\w+)'|"
                    r"CS1955: The member `[\w.<>`,]*?\.(\w+)' cannot be used as method or delegate|"
                    r"CS0411: The type arguments for method `[\w.]*?\.(\w+)[<(])")


def mcs(code: str) -> tuple[int, set]:
    """(return code, {(0-based line, method)} of mcs's errors for LINQ methods: CS1061 "does not
    contain a definition", CS1955 "cannot be used as method" (``list.Count(pred)``, a property),
    CS0411 "type arguments cannot be inferred" (``s.Reverse()`` meets System.MemoryExtensions'))."""
    with tempfile.TemporaryDirectory() as d:
        Path(d, "p.cs").write_text(code)
        done = subprocess.run(["mcs", "-r:System.Numerics.dll", f"-out:{d}/p.exe", f"{d}/p.cs"],
                              capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    errors = {(int(m.group(1)) - 1, m.group(2) or m.group(3) or m.group(4)) for m in _CS1061.finditer(out)
              if (m.group(2) or m.group(3) or m.group(4)) in LINQ_METHODS}
    return done.returncode, errors


def reported(code: str, project) -> set:
    return {(u.line, u.name) for u in CS.undefined_names(code, project=project) if u.name in LINQ_METHODS}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    report: dict = {}
    if shutil.which("mcs"):
        programs = []
        for path in sorted(glob.glob(str(ROOT / "benchmarks/results/csharp.*.jsonl"))):
            for line in Path(path).read_text(encoding="utf-8").splitlines():
                p = json.loads(line).get("program") or ""
                if p and p not in programs:
                    programs.append(p)
        compiled = tp = fp = miss = with_calls = programs_found = programs_both = 0
        times = []
        for p in programs:
            if not re.search(r"^using System\.Linq;\n", p, re.M) or mcs(p)[0] != 0:
                continue
            compiled += 1
            stripped = re.sub(r"^using System\.Linq;\n", "", p, flags=re.M)
            _, truth = mcs(stripped)
            t = time.perf_counter()
            found = reported(stripped, LOOSE)
            times.append((time.perf_counter() - t) * 1000)
            with_calls += bool(truth)
            # per line: mcs reports the first failing call of a chain only (xs.Where(...).ToList())
            found_lines, truth_lines = {x[0] for x in found}, {x[0] for x in truth}
            tp += len(found_lines & truth_lines)
            fp += len(found_lines - truth_lines)
            miss += len(truth_lines - found_lines)
            programs_found += bool(found)
            programs_both += bool(found) and bool(truth)
            for x in sorted(found_lines - truth_lines):
                print(f"   false positive at line {x}:\n" + "\n".join(stripped.splitlines()[max(0, x - 1):x + 2]))
            for x in sorted(truth_lines - found_lines):
                print(f"   missed at line {x}: {stripped.splitlines()[x].strip()}")
        print(f"rows: {len(programs)} distinct programs, {compiled} compile with mcs; without using System.Linq "
              f"{with_calls} have LINQ calls mcs rejects, {programs_found} get a report ({programs_both} of them both); "
              f"lines with a LINQ call: found {tp}, false positives {fp}, missed {miss}; "
              f"ms per program median {statistics.median(times) if times else 0:.2f}")
        report["rows"] = {"programs": len(programs), "compiled": compiled, "with_linq_errors": with_calls,
                          "reported": programs_found, "both": programs_both,
                          "lines_true": tp, "lines_false": fp, "lines_missed": miss}
    else:
        print("no mcs on PATH: the rows are not checked")
    for spec in args.dir:
        name, _, path = spec.partition("=")
        root = Path(path)
        t = time.perf_counter()
        project = read_project(root)
        took = (time.perf_counter() - t) * 1000
        files = sorted(f for f in root.rglob("*.cs") if ".git" not in f.parts)
        fps, loose, unknown, times, unseen = [], [], 0, [], 0
        for f in files:
            code = f.read_text(encoding="utf-8", errors="replace")
            visible = visible_usings(project, str(f))
            if visible is None:
                unknown += 1
            elif "System.Linq" not in visible and not re.search(r"using\s+System\.Linq\s*;", code):
                unseen += 1
            else:
                t = time.perf_counter()
                ctx = ProjectUsings(visible, project.namespaces, project.extension_methods)
                fps += [(str(f.relative_to(root)),) + x for x in reported(code, ctx)]
                times.append((time.perf_counter() - t) * 1000)
            loose += [(str(f.relative_to(root)),) + x for x in reported(code, LOOSE)]
        print(f"{name}: {len(files)} files (project read in {took:.0f} ms; {unknown} with the project unknown; "
              f"{unseen} where System.Linq is not visible): "
              f"{len(fps)} LINQ reports with the project's usings (false positives); {len(loose)} if each file were "
              f"judged alone (in {len({x[0] for x in loose})} files); ms per file median "
              f"{statistics.median(times) if times else 0:.2f}")
        for x in fps[:30]:
            print("   ", x)
        report[name] = {"files": len(files), "unknown": unknown, "linq_not_visible": unseen, "false_positives": len(fps), "alone": len(loose)}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
