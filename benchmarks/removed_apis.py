"""The removed-API diagnostic (issue 17) on buffers that call removed APIs, and on real code.

* **cases** (``benchmarks/data/removed_apis/cases.json``): buffers calling APIs that NumPy
  1.24/2.0, pandas 1.0/2.0/3.0 and the standard library removed. The truth: each buffer is run in
  a subprocess of the environment's interpreter (``-I``, a temporary folder) and counts as using a
  removed API when it raises AttributeError or ImportError. Per set: buffers, how many raise, how
  many get the diagnostic for that name, how many get a replacement, how many of those run once
  the (preferred) replacement is applied (the same subprocess), and how many agree with the
  replacement the library's release notes document (the cases' ``documented``).
* **real code** (``--real``): :func:`~jumpcoder_lsp.removed_apis.check` over every ``.py`` of the
  environment's standard library and of installed packages (``--packages``), judged against the
  environment itself: code that imports and runs there, so each report is printed for inspection
  (real: a platform's module used unguarded; false: the analysis is wrong).
* **cost**: milliseconds per buffer, a fresh Environment (cold: the first buffer of a library
  parses its sources) and the same buffers again (warm: what the server, which keeps one
  Environment, pays on each edit), and per real file.

The environment is the interpreter ``--python`` (run once for its sys.path, ``from_interpreter``)
and, for the server's default, its venv read statically (``from_venv``). Usage::

    PYTHONPATH=. python benchmarks/removed_apis.py --python /path/to/venv/bin/python [--real] [--out r.json]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from jumpcoder_lsp.environment import from_interpreter, from_venv
from jumpcoder_lsp.removed_apis import apply, check

DATA = Path(__file__).resolve().parent / "data" / "removed_apis" / "cases.json"
SKIP_DIRS = {"test", "tests", "testing", "idlelib", "lib2to3", "turtledemo", "_vendor", "vendor", "site-packages",
             "__pycache__", "ensurepip", "pydoc_data"}

_RUN = r"""
import json, linecache, os, sys
out = []
for i, code in enumerate(json.load(sys.stdin)):
    name = os.path.abspath(f"buffer{i}.py")  # a file of its own, so that inspect.getsource finds it
    open(name, "w").write(code)
    linecache.checkcache(name)
    try:
        exec(compile(code, name, "exec"), {"__name__": "__main__", "__file__": name})
        out.append(None)
    except BaseException as exc:  # noqa
        out.append(type(exc).__name__)
print(json.dumps(out))
"""


def run_all(python: str, codes: list[str]) -> list:
    """The exception each buffer raises (None: it ran), in one subprocess per 20 buffers."""
    out: list = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(0, len(codes), 20):
            done = subprocess.run([python, "-I", "-c", _RUN], input=json.dumps(codes[i:i + 20]), capture_output=True,
                                  text=True, timeout=600, cwd=tmp)
            out.extend(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def _norm(name):
    if not name:
        return name
    for short, full in (("np.", "numpy."), ("pd.", "pandas.")):
        if name.startswith(short):
            return full + name[len(short):]
    return name


def _ms(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"median": round(statistics.median(ms), 2), "p95": round(ms[int(0.95 * (len(ms) - 1))], 2),
            "max": round(ms[-1], 2)} if ms else {}


def judge_cases(make_env, cases: list[dict], raised: list, python: str) -> dict:
    env = make_env()
    results, cold, warm = [], [], []
    for case in cases:
        t = time.perf_counter()
        findings = check(env, case["code"])
        cold.append(time.perf_counter() - t)
        mine = [f for f in findings if f.problem.name == case["name"]]
        fix = mine[0].fixes[0] if mine and mine[0].fixes else None
        from_source = bool(fix) and not mine[0].note.source.startswith("https://")
        results.append({"name": case["name"], "set": case["set"], "raises": raised[cases.index(case)],
                        "diagnosed": bool(mine), "message": mine[0].message if mine else None,
                        "replacement": fix.target if fix else None, "from_library_source": from_source, "documented": _norm(case["documented"]),
                        "fixed": apply(case["code"], fix.edits) if fix else None,
                        "other": [f.message for f in findings if f.problem.name != case["name"]]})
    for case in cases:
        t = time.perf_counter()
        check(env, case["code"])
        warm.append(time.perf_counter() - t)
    fixed = [r for r in results if r["fixed"] is not None]
    for r, outcome in zip(fixed, run_all(python, [r["fixed"] for r in fixed])):
        r["fixed_raises"] = outcome
    by_set: dict = {}
    for r in results:
        s = by_set.setdefault(r["set"], {"buffers": 0, "raise": 0, "diagnosed": 0, "diagnosed_not_raising": 0,
                                         "replacement": 0, "from_library_source": 0, "replacement_runs": 0, "replacement_documented": 0,
                                         "documented": 0, "other_reports": 0})
        removed = r["raises"] in ("AttributeError", "ImportError", "ModuleNotFoundError")
        s["buffers"] += 1
        s["raise"] += removed
        s["diagnosed"] += removed and r["diagnosed"]
        s["diagnosed_not_raising"] += r["diagnosed"] and not removed
        s["documented"] += removed and r["documented"] is not None
        s["replacement"] += removed and r["replacement"] is not None
        s["from_library_source"] += removed and r["from_library_source"]
        s["replacement_runs"] += removed and r["replacement"] is not None and r.get("fixed_raises") is None
        s["replacement_documented"] += removed and r["replacement"] is not None and r["replacement"] == r["documented"]
        s["other_reports"] += len(r["other"])
    return {"sets": by_set, "ms_cold": _ms(cold), "ms_warm": _ms(warm), "cases": results}


_VERIFY = r"""
import importlib, json, sys
out = []
for kind, module, attr in json.load(sys.stdin):
    try:
        m = importlib.import_module(module)
        out.append("exists" if kind == "name" and hasattr(m, attr) or kind == "module" else "missing")
    except ImportError:
        out.append("missing")
    except BaseException as exc:  # noqa
        out.append("error: " + type(exc).__name__)
print(json.dumps(out))
"""


def verify(python: str, reports: list[dict]) -> None:
    """Each report checked by the environment's interpreter: the module imported (ImportError:
    missing), the attribute looked up on it; "exists" marks a false report."""
    items = [[r["kind"], r["module"], r["attr"]] for r in reports]
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([python, "-I", "-c", _VERIFY], input=json.dumps(items), capture_output=True, text=True,
                              timeout=900, cwd=tmp)
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    for r, answer in zip(reports, answers):
        r["truth"] = answer


def real_code(env, roots: list[Path]) -> dict:
    files, reports, times, skipped = 0, [], [], 0
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root.parent)
            if any(p in SKIP_DIRS for p in rel.parts[1:-1]):
                skipped += 1
                continue
            try:
                code = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            files += 1
            t = time.perf_counter()
            for f in check(env, code):
                reports.append({"file": str(path), "line": f.problem.line + 1, "name": f.problem.name,
                                "kind": f.problem.kind, "module": f.problem.module, "attr": f.problem.attr,
                                "message": f.message, "text": code.splitlines()[f.problem.line].strip()[:120]})
            times.append(time.perf_counter() - t)
    return {"files": files, "skipped_in_test_dirs": skipped, "reports": reports, "ms_per_file": _ms(times),
            "total_s": round(sum(times), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the environment's interpreter")
    parser.add_argument("--real", action="store_true", help="also check the stdlib's and packages' own sources")
    parser.add_argument("--packages", default="numpy,pandas,jinja2,click,packaging",
                        help="installed packages whose sources --real checks")
    parser.add_argument("--buffer", action="append", default=[],
                        help="a long file: the whole-buffer check's time on it, warm, median of 5 (repeatable)")
    parser.add_argument("--out", help="write everything (each case, each report) as JSON")
    args = parser.parse_args()
    cases = json.loads(DATA.read_text())["cases"]
    info = json.loads(subprocess.run([args.python, "-I", "-c", "import json, sys, sysconfig; print(json.dumps("
                                      "{'prefix': sys.prefix, 'stdlib': sysconfig.get_paths()['stdlib'], "
                                      "'purelib': sysconfig.get_paths()['purelib'], 'version': sys.version.split()[0]}))"],
                                     capture_output=True, text=True, check=True).stdout)
    raised = run_all(args.python, [c["code"] for c in cases])
    results: dict = {"python": args.python, "python_version": info["version"]}
    envs = {"interpreter": lambda: from_interpreter(args.python)}
    if Path(info["prefix"], "pyvenv.cfg").is_file():
        envs["venv_read_statically"] = lambda: from_venv(info["prefix"])
    for label, make in envs.items():
        results[label] = judge_cases(make, cases, raised, args.python)
        print(label, json.dumps(results[label]["sets"]), "ms cold", results[label]["ms_cold"],
              "warm", results[label]["ms_warm"])
    for path in args.buffer or [str(Path(__file__).resolve().parents[1] / "jumpcoder_lsp/server/server.py")]:
        env = envs.get("venv_read_statically", envs["interpreter"])()
        code = Path(path).read_text(encoding="utf-8")
        check(env, code)
        times, parses = [], []
        for _ in range(5):  # side by side with a bare ast.parse of the same text: a ratio the load spares
            t = time.perf_counter()
            check(env, code)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            ast.parse(code)
            parses.append(time.perf_counter() - t)
        results.setdefault("buffers", {})[path] = {
            "lines": code.count("\n"), "ms_warm_median": round(statistics.median(times) * 1000, 1),
            "ms_ast_parse_median": round(statistics.median(parses) * 1000, 1),
            "ratio_to_ast_parse": round(statistics.median(times) / statistics.median(parses), 2)}
        print("buffer", path, results["buffers"][path])
    if args.real:
        env = envs.get("venv_read_statically", envs["interpreter"])()
        site = Path(info["purelib"])
        roots = [Path(info["stdlib"])] + [site / p for p in args.packages.split(",") if (site / p).is_dir()]
        results["real"] = real_code(env, roots)
        real = results["real"]
        verify(args.python, real["reports"])
        real["truth"] = {t: sum(r["truth"] == t for r in real["reports"]) for t in {r["truth"] for r in real["reports"]}}
        print("real:", real["files"], "files,", len(real["reports"]), "reports, ms/file", real["ms_per_file"],
              "total", real["total_s"], "s; checked by the interpreter:", real["truth"])
        for r in real["reports"]:
            print(f"  {r['truth']}: {r['file']}:{r['line']}: {r['name']}: {r['text']}")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
