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

The compiler as a second opinion is benchmarks/tsc_agreement.py; the figures and the corpora
are in docs/languages.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from jumpcoder_lsp.languages import get_language

_EXTENSIONS = {
    "python": (".py",),
    "typescript": (".ts", ".mts", ".cts"),
    "typescriptreact": (".tsx",),
    "javascript": (".js", ".mjs", ".cjs", ".jsx"),
    "go": (".go",),
    "rust": (".rs",),
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
    args = ap.parse_args(argv)
    spec = get_language(args.language)
    files = files_of(args.language, args.dirs)
    n_ids = n_fp = 0
    names: Counter = Counter()
    shown = []
    t0 = time.perf_counter()
    lines = 0
    for f in files:
        src = f.read_text(encoding="utf-8", errors="replace")
        lines += src.count("\n") + 1
        found = spec.undefined_names(src)
        n_ids += identifiers_checked(spec, src)
        n_fp += len(found)
        for u in found:
            names[u.name] += 1
            if len(shown) < args.show:
                shown.append(f"{f}:{u.line + 1} {u.name}")
    dt = time.perf_counter() - t0
    print(f"{args.language}: {len(files)} files, {lines} lines, {n_ids} identifier uses checked, "
          f"{n_fp} false positives ({len(names)} distinct names), {dt:.1f} s (analysis + counting)")
    for s in shown:
        print("  " + s)
    if names:
        print("  most common: " + ", ".join(f"{k} ({v})" for k, v in names.most_common(15)))
    return 0 if n_fp == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
