"""False positives of a language's undefined-name judge on real code nobody here wrote.

Every file under the given directories with one of the language's extensions is analysed
(``LanguageSpec.undefined_names``); the code is published, working code, so every name reported
is a false positive (an import or declaration JumpCoder would insert for nothing). Reports the
files, the identifier uses checked (the query engine's references; other analyzers: the
identifier nodes), the false positives and the time.

    python benchmarks/lang_accuracy.py typescript /tmp/npm/typescript/package/lib
    python benchmarks/lang_accuracy.py javascript /tmp/npm/lodash-es/package --show 20
    python benchmarks/lang_accuracy.py go /usr/share/go-1.19/src
    python benchmarks/lang_accuracy.py rust /usr/share/cargo/registry
    python benchmarks/lang_accuracy.py python /usr/lib/python3.11 /usr/lib/python3
    python benchmarks/lang_accuracy.py cpp path/to/llama.cpp
    python benchmarks/lang_accuracy.py cpp path/to/llama.cpp --cpp-std-headers

C++: a file that includes a header of its own project (``#include "llama.h"``) gets no reports at
all (anything may be declared there), which leaves few files of a real project checked.
``--cpp-std-headers`` checks the standard-header rule on all of them: each ``#include "x.h"`` (or
``<x.h>``) that resolves to a file under the given directories (next to the including file, else
any file whose path ends with ``x.h``; every match counts) is replaced by the standard headers
that file includes, transitively -- what the compiler sees of the standard library through it --
and only the ``std::X`` reports are counted (the names the project's headers declare are not in
the rewritten file). An include that resolves to nothing under the directories stays (a system
library's header: the file gets no reports).

The compiler as a second opinion is benchmarks/tsc_agreement.py; the figures and the corpora
are in docs/languages.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Optional

from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.languages.cpp import STD_QUALIFIED

_EXTENSIONS = {
    "python": (".py",),
    "typescript": (".ts", ".mts", ".cts"),
    "typescriptreact": (".tsx",),
    "javascript": (".js", ".mjs", ".cjs", ".jsx"),
    "go": (".go",),
    "rust": (".rs",),
    "cpp": (".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h"),
}


def files_of(lang: str, dirs: list[str]) -> list[Path]:
    exts = _EXTENSIONS[lang]
    out = []
    for d in dirs:
        p = Path(d)
        cands = [p] if p.is_file() else p.rglob("*")
        for f in cands:
            if f.is_file() and f.name.endswith(exts) and "node_modules" not in f.parts:
                out.append(f)
    return sorted(out)


_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"][^\n]*$', re.M)


class CppIncludes:
    """``--cpp-std-headers``: the project's own includes of a file replaced by the standard headers
    they bring (see the module docstring)."""

    def __init__(self, files: list[Path]):
        from jumpcoder_lsp.languages.cpp import STD_HEADERS

        self.std = STD_HEADERS
        self.files = [f.resolve() for f in files]
        self.by_name: dict[str, list[Path]] = {}
        for f in self.files:
            self.by_name.setdefault(f.name, []).append(f)
        self.memo: dict[Path, Optional[frozenset]] = {}

    def resolve(self, name: str, at: Path) -> list[Path]:
        near = (at.parent / name).resolve()
        if near in self.memo or near.is_file():
            return [near]
        tail = "/" + name.lstrip("./")
        return [f for f in self.by_name.get(Path(name).name, []) if f.as_posix().endswith(tail)]

    def std_headers(self, f: Path, stack: frozenset = frozenset()) -> Optional[frozenset]:
        """The standard headers ``f`` includes, through its own resolvable includes; None when one
        include resolves to nothing (a library's header)."""
        if f in self.memo:
            return self.memo[f]
        if f in stack:
            return frozenset()
        out: set = set()
        ok = True
        for kind, name in _INCLUDE.findall(f.read_text(encoding="utf-8", errors="replace")):
            name = name.strip()
            if kind == "<" and name in self.std:
                out.add(name)
                continue
            found = self.resolve(name, f)
            if not found:
                ok = False
                continue
            for g in found:
                sub = self.std_headers(g, stack | {f})
                if sub is None:
                    ok = False
                else:
                    out |= sub
        res = frozenset(out) if ok else None
        if not stack:
            self.memo[f] = res
        return res

    def rewrite(self, f: Path, src: str) -> str:
        """``src`` with each include that resolves under the directories blanked and the standard
        headers they bring appended at the end (the analysis reads every include of the file,
        wherever it is; the reported lines stay where they were)."""
        brought: set = set()

        def one(m: re.Match) -> str:
            kind, name = m.group(1), m.group(2).strip()
            if kind == "<" and name in self.std:
                return m.group(0)
            found = self.resolve(name, f.resolve())
            subs = [self.std_headers(g) for g in found]
            if not found or any(x is None for x in subs):
                return m.group(0)
            brought.update(*subs)
            return ""

        out = _INCLUDE.sub(one, src)
        return out + "".join(f"\n#include <{h}>" for h in sorted(brought)) + ("\n" if brought else "")


def identifiers_checked(spec, src: str) -> int:
    """The uses the judge resolved: the query engine's references, else the identifier nodes."""
    if hasattr(spec, "engine"):
        b = src.encode("utf-8")
        return len(spec._analyze(b, spec.parse(b).root_node).uses)
    b = src.encode("utf-8")
    n, stack = 0, [spec.parse(b).root_node]
    while stack:
        x = stack.pop()
        if x.type == "identifier":
            n += 1
        stack.extend(x.children)
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("language", choices=sorted(_EXTENSIONS))
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--show", type=int, default=10, help="false positives to list (file:line name)")
    ap.add_argument("--cpp-std-headers", action="store_true",
                    help="C++: the project's own includes replaced by the standard headers they bring; only std::X "
                         "reports counted")
    args = ap.parse_args(argv)
    spec = get_language(args.language)
    files = files_of(args.language, args.dirs)
    n_ids = n_fp = 0
    names: Counter = Counter()
    shown = []
    t0 = time.perf_counter()
    lines = 0
    reporting = 0  # C++: the files whose includes leave reports on (only standard headers)
    std_uses = 0  # C++: the std::X uses checked in them
    includes = CppIncludes(files) if args.cpp_std_headers else None
    for f in files:
        src = f.read_text(encoding="utf-8", errors="replace")
        lines += src.count("\n") + 1
        if includes is not None:
            src = includes.rewrite(f, src)
        found = spec.undefined_names(src)
        if args.language == "cpp":
            b = src.encode("utf-8")
            an = spec._analyze(b, spec.parse(b).root_node)
            if an.report:
                reporting += 1
                std_uses += sum(u.kind == STD_QUALIFIED for u in an.uses)
        if includes is not None:
            found = [u for u in found if u.name.startswith("std::")]
        n_ids += identifiers_checked(spec, src)
        n_fp += len(found)
        for u in found:
            names[u.name] += 1
            if len(shown) < args.show:
                shown.append(f"{f}:{u.line + 1} {u.name}")
    dt = time.perf_counter() - t0
    what = " (their std::X reports, the project's includes replaced by the standard headers they bring)" \
        if includes is not None else ""
    on = f", {reporting} with reports on (only standard includes; {std_uses} std::X uses checked)" \
        if args.language == "cpp" else ""
    print(f"{args.language}: {len(files)} files{on}, {lines} lines, {n_ids} identifier uses checked, "
          f"{n_fp} false positives{what} ({len(names)} distinct names), {dt:.1f} s (analysis + counting)")
    for s in shown:
        print("  " + s)
    if names:
        print("  most common: " + ", ".join(f"{k} ({v})" for k, v in names.most_common(15)))
    return 0 if n_fp == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
