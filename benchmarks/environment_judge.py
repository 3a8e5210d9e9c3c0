"""The environment judge (issue 17) on hallucination-style imports and on correct ones.

Three sets of one- or two-line snippets, each judged with ``Environment.problems`` and, for the
truth, executed in a subprocess of the environment's own interpreter (one process per set, each
snippet under try/except; nothing runs in this process):

* **stdlib**: misspelt standard-library modules and names, and APIs the standard library removed
  (Python 2 names, ``collections.Mapping``, ``inspect.getargspec``...), written here; plus every
  distinct top-level ``from x import y`` line harvested from the standard library's own sources
  (absolute imports of public modules), the correct set. Judged against the interpreter running
  this script (``from_interpreter``, a complete environment).
* **numpy**: ``import numpy as np`` then ``np.<attr>`` for APIs NumPy 1.24/2.0 removed and for
  ones it has (only when numpy is installed for this interpreter).
* **site**: the top-level `from x import y` lines of installed packages' own modules (relative ones made
  absolute; `--packages`), the lines that run: a correct set judged from source (no import).
* **fakelib**: two real virtual environments made here (``python -m venv``) with a small pure
  Python package ``fakelib`` of version 1.0 and 2.0 (2.0 removed ``fakelib.float``, the
  ``fakelib.externals.joblib`` submodule -- the ``sklearn.externals.joblib`` pattern -- and renamed
  ``utils.check_arrays``); the same snippets judged against each, statically (``from_venv``: the
  venvs are read, not run) and executed with each venv's interpreter.
* **stdlib, source only**: the stdlib set again without the trusted interpreter's answers for
  modules whose source cannot tell (what a statically read venv of another Python gets).

Reported per set: true/false rejects and accepts against the truth, the snippets judged wrongly,
and the judge's time per check (cold: a fresh Environment, the first check of a module parses
it; warm: the same checks again). Usage::

    PYTHONPATH=. python benchmarks/environment_judge.py [--out results.json]
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
from dataclasses import replace
from pathlib import Path

from jumpcoder_lsp.environment import Environment, from_interpreter, from_venv

# -- the sets ------------------------------------------------------------------------------------

#: hallucination-style stdlib lines: misspelt modules and names, removed or Python 2 APIs
STDLIB_WRONG = [
    "from collections import Counterr", "from collections import defaultDict", "from collections import OrderDict",
    "from collections import Mapping", "from collections import Iterable", "from collections import Callable",
    "from itertools import permutation", "from itertools import izip", "from itertools import imap",
    "from functools import lru_caches", "from functools import reduced", "from typing import Lisst",
    "from typing import Dictionary", "from json import loadz", "from json import JSONDecodeErorr",
    "from math import sqr", "from math import power", "from datetime import datetim", "from string import ascii_letter",
    "from string import maketrans", "from string import letters", "from random import randInt", "from statistics import avg",
    "from heapq import heapush", "from bisect import bisect_middle", "from inspect import getargspec",
    "from asyncio import coroutine", "from base64 import encodestring", "from base64 import decodestring",
    "from fractions import gcd", "from time import clock", "from platform import linux_distribution",
    "from sys import maxint", "from os import getcwdu", "from urllib import urlencode", "from urllib import urlopen",
    "from urllib import quote", "from xml.etree.cElementTree import parse", "from HTMLParser import HTMLParser",
    "from dataclass import dataclass", "from pathlib import path", "from subprocess import run_command",
    "from threading import ThreadPool", "from re import matchall", "from copy import deep_copy",
    "from unittest import Mock", "from operator import itemgettr", "from shutil import copy_tree",
    "from abc import AbstractBase", "from enum import StringEnum", "from decimal import Decima",
    "import colections", "import itertool", "import urllib2", "import ConfigParser", "import cPickle",
    "import Queue", "import StringIO", "import dataclass", "import typing_extension", "import multiprocess",
    "import os.paths", "import xml.etree.cElementTree", "import email.MIMEText", "import concurrent.future",
    "import json\njson.loadz", "import json\njson.dumpz", "import math\nmath.sqr", "import os\nos.getcwdu",
    "import string\nstring.letters", "import itertools\nitertools.izip", "import time\ntime.clock",
    "import random\nrandom.randInt", "import collections\ncollections.Mapping", "import sys\nsys.maxint",
    "import inspect\ninspect.getargspec", "import functools\nfunctools.lru_caches", "import re\nre.matchall",
    "import os.path\nos.path.joinpath", "import subprocess\nsubprocess.check_ouput", "import shutil\nshutil.copy_tree",
]
#: modules whose import has side effects or needs a display / test data: never harvested
HARVEST_SKIP = {"antigravity", "this", "idlelib", "turtledemo", "turtle", "tkinter", "test", "lib2to3", "ensurepip",
                "venv", "pydoc_data", "__phello__", "__hello__"}

NUMPY_REMOVED = ["float", "int", "bool", "object", "str", "long", "unicode", "complex", "asfarray", "product",
                 "cumproduct", "alltrue", "sometrue", "NaN", "Inf", "Infinity", "PINF", "NINF", "float_", "complex_",
                 "cast", "round_", "find_common_type", "msort", "trapz", "in1d", "row_stack", "deprecate",
                 "safe_eval", "set_string_function", "issubclass_", "mat", "asscalar", "rank", "bool8", "int0",
                 "uint0", "string_", "unicode_", "Inf", "disp", "recfromcsv", "who", "source", "lookfor"]
NUMPY_PRESENT = ["float64", "float32", "int64", "bool_", "array", "asarray", "zeros", "ones", "arange", "linspace",
                 "prod", "cumprod", "all", "any", "nan", "inf", "isnan", "isin", "vstack", "hstack", "concatenate",
                 "trapezoid", "round", "dot", "matmul", "einsum", "where", "unique", "sort", "argsort", "mean",
                 "median", "std", "float16", "complex128", "ndarray", "dtype", "random", "linalg", "fft",
                 "newaxis", "pi", "e", "clip", "reshape"]

FAKELIB = {
    "1.0": {
        "__init__.py": "from . import utils\nfloat = float\nint = int\n\ndef load(path):\n    return path\n\n"
                       "def legacy_load(path):\n    return path\n",
        "utils.py": "def check_arrays(*a):\n    return a\n\nclass Bunch(dict):\n    pass\n",
        "externals/__init__.py": "",
        "externals/joblib.py": "def dump(obj, path):\n    pass\n",
    },
    "2.0": {
        "__init__.py": "from . import utils\n\ndef load(path, *, mmap=False):\n    return path\n",
        "utils.py": "def check_array(a):\n    return a\n\nclass Bunch(dict):\n    pass\n",
    },
}
FAKELIB_SNIPPETS = [
    "import fakelib\nfakelib.float", "import fakelib\nfakelib.int", "import fakelib\nfakelib.legacy_load",
    "import fakelib\nfakelib.load", "import fakelib.externals.joblib", "from fakelib.externals import joblib",
    "from fakelib.externals.joblib import dump", "from fakelib.utils import check_arrays",
    "from fakelib.utils import check_array", "from fakelib.utils import Bunch", "from fakelib import utils",
    "import fakelib.utils as U\nU.check_arrays", "import fakelib.utils as U\nU.check_array", "from fakelib import load",
    "from fakelib import loads", "import fakelib_contrib", "import fakelib\nfakelib.utils.Bunch",
]


def harvest_package(site: Path, package: str, limit: int) -> list[str]:
    """Distinct top-level ``from x import y`` lines of an installed package's own modules,
    relative ones made absolute (the correct set for third-party code, judged from source)."""
    seen: list[str] = []
    for path in sorted((site / package).rglob("*.py")):
        rel = path.relative_to(site).with_suffix("").parts
        if any(p in ("tests", "test", "testing", "_vendor", "vendor") for p in rel):
            continue
        pkg = list(rel[:-1]) if rel[-1] != "__init__" else list(rel[:-1])
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in tree.body:
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = pkg[: len(pkg) - (node.level - 1)] if node.level - 1 <= len(pkg) else None
                if not base:
                    continue
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != package:
                continue
            for alias in node.names:
                if alias.name == "*":
                    continue
                line = f"from {module} import {alias.name}"
                if line not in seen:
                    seen.append(line)
            if len(seen) >= limit:
                return seen
    return seen


def harvest_stdlib(limit: int) -> list[str]:
    """Distinct ``from x import y`` lines at the top level of the standard library's public
    modules (absolute, one name each, no star)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    seen: list[str] = []
    for path in sorted(stdlib.rglob("*.py")):
        rel = path.relative_to(stdlib).parts
        if rel[0] in HARVEST_SKIP or rel[0] == "site-packages" or any(p.startswith("_") and p != "__init__.py" for p in rel):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in tree.body:
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            top = node.module.split(".")[0]
            if top.startswith("_") or top in HARVEST_SKIP:
                continue
            for alias in node.names:
                if alias.name == "*" or alias.name.startswith("_"):
                    continue
                line = f"from {node.module} import {alias.name}"
                if line not in seen:
                    seen.append(line)
            if len(seen) >= limit:
                return seen
    return seen


# -- the truth: executed by the environment's interpreter, in a subprocess ------------------------

_RUNNER = r"""
import json, sys, warnings, io, contextlib
warnings.simplefilter("ignore")
out = []
for code in json.load(sys.stdin):
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, "<snippet>", "exec"), {})
        out.append(True)
    except Exception:
        out.append(False)
print(json.dumps(out))
"""


def truth(python: str, snippets: list[str]) -> list[bool]:
    done = subprocess.run([python, "-I", "-c", _RUNNER], input=json.dumps(snippets), capture_output=True, text=True,
                          timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- judging --------------------------------------------------------------------------------------

def judge(make_env, snippets: list[str], truths: list[bool]) -> dict:
    env: Environment = make_env()
    cold, warm, verdicts = [], [], []
    for code in snippets:
        t0 = time.perf_counter()
        verdicts.append(not env.problems(code + "\n"))  # True: accepted
        cold.append(time.perf_counter() - t0)
    for code in snippets:
        t0 = time.perf_counter()
        env.problems(code + "\n")
        warm.append(time.perf_counter() - t0)
    wrong = [{"code": c, "runs": t, "accepted": v} for c, t, v in zip(snippets, truths, verdicts) if t != v]
    return {
        "snippets": len(snippets),
        "true_reject": sum(1 for t, v in zip(truths, verdicts) if not t and not v),
        "false_accept": sum(1 for t, v in zip(truths, verdicts) if not t and v),
        "true_accept": sum(1 for t, v in zip(truths, verdicts) if t and v),
        "false_reject": sum(1 for t, v in zip(truths, verdicts) if t and not v),
        "cold_ms": _ms(cold), "warm_ms": _ms(warm), "wrong": wrong,
    }


def _ms(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"median": round(statistics.median(ms), 3), "p95": round(ms[int(0.95 * (len(ms) - 1))], 3),
            "max": round(ms[-1], 3), "mean": round(statistics.fmean(ms), 3)}


def make_fakelib_venv(root: Path, version: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    site = next(root.glob("lib/python*/site-packages"))
    for rel, text in FAKELIB[version].items():
        target = site / "fakelib" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    meta = site / f"fakelib-{version}.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fakelib\nVersion: {version}\n")
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--harvest", type=int, default=150, help="correct stdlib lines to harvest (default 150)")
    parser.add_argument("--packages", default="numpy,jinja2,click,packaging,networkx,pydantic,huggingface_hub",
                        help="installed packages whose own from-imports are a correct set judged from source")
    parser.add_argument("--per-package", type=int, default=60, help="lines harvested per package (default 60)")
    parser.add_argument("--buffer", default=str(Path(__file__).resolve().parents[1] / "jumpcoder_lsp/server/server.py"),
                        help="a long Python file: the time of one judged line in it, whole and its first 200 lines")
    parser.add_argument("--out", help="write the full results (every wrong verdict) as JSON")
    args = parser.parse_args()
    python = sys.executable
    results: dict = {"python": python, "version": sys.version.split()[0]}

    correct = harvest_stdlib(args.harvest)
    snippets = STDLIB_WRONG + correct
    runs = truth(python, snippets)
    # a harvested line that does not run here (a platform's module) is left out, and counted
    kept = [(c, t) for i, (c, t) in enumerate(zip(snippets, runs)) if t or i < len(STDLIB_WRONG)]
    results["stdlib_harvested"] = len(correct)
    results["stdlib_harvested_not_running"] = len(snippets) - len(kept)
    results["stdlib_wrong_that_run"] = [c for c, t in zip(STDLIB_WRONG, runs) if t]
    results["stdlib"] = judge(lambda: from_interpreter(python), [c for c, _ in kept], [t for _, t in kept])
    results["stdlib_source_only"] = judge(lambda: replace(from_interpreter(python), python=None),
                                          [c for c, _ in kept], [t for _, t in kept])

    try:
        import numpy  # noqa: F401 - only to know whether this interpreter has it

        np_snippets = [f"import numpy as np\nnp.{a}" for a in dict.fromkeys(NUMPY_REMOVED + NUMPY_PRESENT)]
        results["numpy_version"] = numpy.__version__
        np_truth = truth(python, np_snippets)
        results["numpy_running"] = [c.rsplit(".", 1)[1] for c, t in zip(np_snippets, np_truth) if t]
        results["numpy"] = judge(lambda: from_interpreter(python), np_snippets, np_truth)
    except ImportError:
        results["numpy"] = None

    site = next((Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()), None)
    packages = [p for p in args.packages.split(",") if p and site is not None and (site / p).is_dir()]
    if packages:
        lines = [line for p in packages for line in harvest_package(site, p, args.per_package)]
        runs = truth(python, lines)
        results["site_packages"] = packages
        results["site_harvested_not_running"] = runs.count(False)
        kept = [line for line, ok in zip(lines, runs) if ok]
        results["site"] = judge(lambda: from_interpreter(python), kept, [True] * len(kept))

    with tempfile.TemporaryDirectory() as tmp:
        for version in FAKELIB:
            venv = make_fakelib_venv(Path(tmp) / f"fakelib-{version}" / ".venv", version)
            results[f"fakelib_{version}"] = judge(lambda: from_venv(str(venv)), FAKELIB_SNIPPETS,
                                                  truth(str(venv / "bin" / "python"), FAKELIB_SNIPPETS))

    buffer = Path(args.buffer).read_text(encoding="utf-8")
    env = from_interpreter(python)
    env.problems(buffer)  # the module caches, as a long-running server has them
    lines = buffer.splitlines(keepends=True)
    results["buffer"] = {}
    for n in (len(lines), 200):
        text, times = "".join(lines[:n]), []
        for _ in range(20):
            t0 = time.perf_counter()
            env.problems(text, lines=[n // 2])
            times.append(time.perf_counter() - t0)
        results["buffer"][n] = round(statistics.median(times) * 1000, 2)

    sets = [k for k in ("stdlib", "stdlib_source_only", "numpy", "site", "fakelib_1.0", "fakelib_2.0") if results.get(k)]
    print(f"python {results['version']}; numpy {results.get('numpy_version', 'absent')}; "
          f"harvested {results['stdlib_harvested']} stdlib lines ({results['stdlib_harvested_not_running']} do not run here); "
          f"site: {','.join(results.get('site_packages', []))} ({results.get('site_harvested_not_running', 0)} do not run)")
    print("| set | snippets | true reject | false accept | true accept | false reject | ms/check cold median / p95 / max | warm median |")
    print("|---|---|---|---|---|---|---|---|")
    for k in sets:
        r = results[k]
        c = r["cold_ms"]
        print(f"| {k} | {r['snippets']} | {r['true_reject']} | {r['false_accept']} | {r['true_accept']} | "
              f"{r['false_reject']} | {c['median']} / {c['p95']} / {c['max']} | {r['warm_ms']['median']} |")
    print("one judged line in " + ", ".join(f"{n} lines: {ms} ms" for n, ms in results["buffer"].items())
          + f" (median of 20, {Path(args.buffer).name})")
    if results.get("numpy"):
        print("numpy removed-list names that still run:",
              [a for a in dict.fromkeys(NUMPY_REMOVED) if f"import numpy as np\nnp.{a}" not in
               {w["code"] for w in results["numpy"]["wrong"]} and a in results.get("numpy_running", [])])
    for k in sets:
        for w in results[k]["wrong"]:
            kind = "false accept" if w["accepted"] else "false reject"
            print(f"  {k}: {kind}: {w['code']!r}")
    if results["stdlib_wrong_that_run"]:
        print("  written as wrong but they run:", results["stdlib_wrong_that_run"])
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
