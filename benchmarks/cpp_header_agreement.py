"""The C++ judge's missing-header reports against g++'s: each standard ``#include`` of real,
compiling C++ taken out in turn.

For each C++ file under the given directories whose includes are all standard headers and that
``g++ -fsyntax-only`` compiles without an error, every ``#include <H>`` line is blanked in turn
(one mutant per include); the judge's ``std::X`` reports on the mutant (``CppSpec.undefined_names``)
are compared with the names g++ says namespace ``std`` lacks there ("'X' is not a member of 'std'",
"'X' in namespace 'std' does not name a type", "'X' has not been declared in 'std'"...). A name
the judge reports and g++ does not is a false positive (the judge would have JumpCoder insert an
include for nothing); one g++ reports and the judge does not is a miss (the map is conservative:
a name any header of the closure declares under any ``-std`` counts as there). The bare names of
namespace std the judge reports under ``using namespace std;`` are compared the same way with
g++'s "'X' was not declared in this scope" / "'X' does not name a type".

g++ stops checking a function whose signature failed (a missing ``std::string`` return type), so
a name the judge reports may be missing from its errors: each such name is then asked of g++
directly (``using std::X;`` after the code); one namespace std lacks there too is a true report.

    python benchmarks/cpp_header_agreement.py /path/to/TheAlgorithms-C-Plus-Plus --max-files 150
    python benchmarks/cpp_header_agreement.py /path/to/humaneval-x-cpp --using-std --max-files 60
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.languages.cpp import std_header_map

_INCLUDE = re.compile(r"^[ \t]*#[ \t]*include[ \t]*<([^>\n]+)>")
_GXX_STD = [
    re.compile(r"'(\w+)' is not a member of 'std'"),
    re.compile(r"'(\w+)' in namespace 'std' does not name a (?:template )?type"),
    re.compile(r"'(\w+)' has not been declared in 'std'"),
    re.compile(r"'std::(\w+)' has not been declared"),
]


_GXX_BARE = re.compile(r"'(\w+)' (?:was not declared in this scope|does not name a (?:template )?type)")


def gxx_missing(cxx: str, std: str, src: str) -> tuple[bool, set[str], set[str]]:
    """(whether g++ reports any error, the names it says namespace std lacks, the bare names it
    says are not declared)."""
    with tempfile.NamedTemporaryFile("w", suffix=".cpp", delete=False) as f:
        f.write(src)
    try:
        r = subprocess.run([cxx, f"-std={std}", "-fsyntax-only", "-w", f.name], capture_output=True, text=True,
                           env={**os.environ, "LC_ALL": "C"}, timeout=120)
    finally:
        os.unlink(f.name)
    err = r.stderr
    return " error: " in err, {m for rx in _GXX_STD for m in rx.findall(err)}, set(_GXX_BARE.findall(err))


def absent_after(cxx: str, std: str, src: str, names: list[str]) -> set[str]:
    """Of ``names``, those namespace std lacks at the end of ``src``: g++ stops checking a function
    whose signature failed (a missing ``std::string``), so a name the judge reports there may not be
    in its errors; a ``using std::X;`` (or ``namespace a = std::X;``) after the code asks it
    directly."""
    lines = src.split("\n")
    first = len(lines) + 1
    checks = [f"namespace jc_{i} {{ using std::{n}; }} namespace jc_a{i} = std::{n};" for i, n in enumerate(names)]
    with tempfile.NamedTemporaryFile("w", suffix=".cpp", delete=False) as f:
        f.write(src + "\n" + "\n".join(checks) + "\n")
    try:
        r = subprocess.run([cxx, f"-std={std}", "-fsyntax-only", "-w", f.name], capture_output=True, text=True,
                           env={**os.environ, "LC_ALL": "C"}, timeout=120)
    finally:
        os.unlink(f.name)
    out = set()
    for i, n in enumerate(names):
        # each check line holds two declarations: the name is there when one of them compiles
        errs = re.findall(rf"^[^:\n]*:{first + i}:(\d+): error", r.stderr, re.M)
        if len(errs) >= 2:
            out.add(n)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--cxx", default="g++")
    ap.add_argument("--std", default="c++17")
    ap.add_argument("--max-files", type=int, default=0, help="at most this many files (0: all), in path order")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--show-misses", action="store_true", help="list the names g++ reports and the judge does not")
    ap.add_argument("--using-std", action="store_true", help="only the files with `using namespace std;`")
    args = ap.parse_args(argv)
    spec = get_language("cpp")
    files = sorted(f for d in args.dirs for f in Path(d).rglob("*") if f.suffix in (".cpp", ".cc", ".cxx") and f.is_file())
    chosen = []
    for f in files:
        src = f.read_text(encoding="utf-8", errors="replace")
        b = src.encode("utf-8")
        an = spec._analyze(b, spec.parse(b).root_node)
        if args.using_std and not an.using_std:
            continue
        if an.report and an.std_headers and not spec.undefined_names(src):
            chosen.append((f, src))
    t0 = time.perf_counter()
    compiling: list = []
    want = args.max_files or len(chosen)
    with ThreadPoolExecutor(args.jobs) as pool:
        at = 0
        while len(compiling) < want and at < len(chosen):  # in chunks: stop once there are enough
            chunk = chosen[at : at + max(args.jobs, want - len(compiling))]
            at += len(chunk)
            base = list(pool.map(lambda fs: gxx_missing(args.cxx, args.std, fs[1])[0], chunk))
            compiling += [fs for fs, bad in zip(chunk, base) if not bad]
    compiling = compiling[:want]
    mutants = []
    for f, src in compiling:
        lines = src.split("\n")
        for i, ln in enumerate(lines):
            if _INCLUDE.match(ln):
                mutants.append((f, i, "\n".join(lines[:i] + [""] + lines[i + 1:])))
    with ThreadPoolExecutor(args.jobs) as pool:
        theirs = list(pool.map(lambda m: gxx_missing(args.cxx, args.std, m[2])[1:], mutants))
    std_names = std_header_map().names
    agree = fp = miss = confirmed = 0
    bare = [0, 0, 0, 0]  # bare std names (using namespace std): both, false positives, g++ only, judge only confirmed
    shown = []
    reported_mutants = 0
    for (f, i, src), (t, t_bare) in zip(mutants, theirs):
        found = spec.undefined_names(src)
        ours = {u.name[5:] for u in found if u.name.startswith("std::")}
        o_bare = {u.name for u in found if u.name in std_names}
        t_bare &= set(std_names)
        bare[0] += len(o_bare & t_bare)
        b_only = sorted(o_bare - t_bare)
        if b_only:  # the same question: does namespace std have it at the end of the code?
            gone = absent_after(args.cxx, args.std, src, b_only)
            bare[3] += len(gone)
            b_only = [n for n in b_only if n not in gone]
        bare[1] += len(b_only)
        bare[2] += len(t_bare - o_bare)
        for n in b_only:
            if len(shown) < args.show:
                shown.append(f"  false positive: {f}:{i + 1} (include removed) {n}")
        reported_mutants += bool(ours)
        agree += len(ours & t)
        only = sorted(ours - t)
        if only:  # g++ may not have looked (a cascade): ask it about each name directly
            gone = absent_after(args.cxx, args.std, src, only)
            confirmed += len(gone)
            only = [n for n in only if n not in gone]
        fp += len(only)
        miss += len(t - ours)
        if args.show_misses:
            shown += [f"  miss: {f}:{i + 1} (include removed) std::{n}" for n in sorted(t - ours)]
        for n in only:
            if len(shown) < args.show:
                shown.append(f"  false positive: {f}:{i + 1} (include removed) std::{n}")
    dt = time.perf_counter() - t0
    print(f"cpp header agreement: {len(chosen)} files with only standard includes and no report, "
          f"the first {len(compiling)} compiling with {args.cxx} -std={args.std} taken, {len(mutants)} mutants (one include "
          f"removed), {reported_mutants} with a std::X report; names: {agree} both, {confirmed} judge only but "
          f"absent for g++ too (asked with a using-declaration after the code: its errors stopped short), "
          f"{fp} false positives, {miss} g++ only (misses); bare std names (using namespace std): {bare[0]} both, "
          f"{bare[3]} judge only but absent for g++ too, {bare[1]} false positives, {bare[2]} g++ only; {dt:.0f} s")
    print("\n".join(shown))
    return 0 if fp == 0 and bare[1] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
