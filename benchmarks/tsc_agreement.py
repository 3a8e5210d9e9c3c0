"""tsc as a second opinion: on real TypeScript files with one import statement deleted, do the
TypeScript judge and ``tsc --noEmit`` report the same undefined names? And how fast is each?

For each file (sorted, the first ``--files``) that imports names from a relative module
(``import { a } from "./a"``), the first such statement is deleted. The names the judge reports on the
mutated file are compared with the names tsc reports there ("Cannot find name" and the other
name errors, minus those tsc already reports on the original file -- globals of an environment
tsc was not given); a file agrees when the two sets are equal. One tsc run checks all the files
(``--noEmit --skipLibCheck --noResolve --target esnext --lib esnext,dom``: imports of other
files stay unresolved, so each file is checked alone).

    python benchmarks/tsc_agreement.py --tsc /tmp/npm/typescript-5.9.3/package/bin/tsc \\
        /tmp/npm/zod-4.6.7/package/src /tmp/npm/rxjs-7.8.2/package/src --files 300
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jumpcoder_lsp.languages import get_language

_NAME_ERRORS = ("TS2304", "TS2552", "TS2448", "TS2449", "TS2450", "TS2454", "TS2580", "TS2582", "TS2503", "TS2749",
                "TS2693", "TS2695")
_ERR_RE = re.compile(r"^(.*?)\((\d+),(\d+)\): error (TS\d+): (.*)$")


def mutate(spec, src: str):
    """(mutated source, the names the deleted import bound) or None."""
    b = src.encode("utf-8")
    root = spec.parse(b).root_node
    for c in root.named_children:
        if c.type != "import_statement":
            continue
        text = b[c.start_byte : c.end_byte].decode("utf-8")
        source = c.child_by_field_name("source")
        if source is None or not b[source.start_byte + 1 : source.end_byte].startswith(b"."):
            continue  # a package's import (a test runner's, say): keep it
        names = spec.import_bindings(" ".join(text.split()))
        if not names:
            continue
        return (b[: c.start_byte] + b[c.end_byte :]).decode("utf-8"), names
    return None


def tsc_names(tsc: list[str], paths: list[str]) -> tuple[dict[str, set[str]], float]:
    t0 = time.perf_counter()
    out = subprocess.run([*tsc, "--noEmit", "--skipLibCheck", "--noResolve", "--target", "esnext", "--lib",
                          "esnext,dom", "--experimentalDecorators", *paths], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    got: dict[str, set[str]] = {}
    for line in (out.stdout + out.stderr).splitlines():
        m = _ERR_RE.match(line)
        if not m or m.group(4) not in _NAME_ERRORS:
            continue
        n = re.search(r"'([\w$]+)'", m.group(5))
        if n:
            got.setdefault(os.path.abspath(m.group(1)), set()).add(n.group(1))
    return got, dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--tsc", required=True, help="the tsc script (bin/tsc of the typescript npm package)")
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--show", type=int, default=10)
    args = ap.parse_args(argv)
    spec = get_language("typescript")
    tsc = [args.tsc] if os.access(args.tsc, os.X_OK) else ["node", args.tsc]
    files = sorted(f for d in args.dirs for f in Path(d).rglob("*.ts")
                   if not f.name.endswith(".d.ts") and "node_modules" not in f.parts)
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            if len(cases) >= args.files:
                break
            src = f.read_text(encoding="utf-8", errors="replace")
            m = mutate(spec, src)
            if m is None:
                continue
            i = len(cases)
            orig, mut = os.path.join(tmp, f"o{i}.ts"), os.path.join(tmp, f"m{i}.ts")
            Path(orig).write_text(src)
            Path(mut).write_text(m[0])
            cases.append((f, orig, mut, m[0], m[1]))
        t0 = time.perf_counter()
        ours = [{u.name for u in spec.undefined_names(mut_src)} for _f, _o, _m, mut_src, _n in cases]
        ours_s = time.perf_counter() - t0
        theirs, tsc_s = tsc_names(tsc, [p for c in cases for p in (c[1], c[2])])
    agree = 0
    shown = 0
    for (f, orig, mut, _src, names), o in zip(cases, ours):
        t = theirs.get(os.path.abspath(mut), set()) - theirs.get(os.path.abspath(orig), set())
        if o == t:
            agree += 1
        elif shown < args.show:
            shown += 1
            print(f"  {f}: judge only {sorted(o - t)}, tsc only {sorted(t - o)} (import bound {sorted(names)})")
    print(f"{len(cases)} files with an import deleted: judge and tsc agree on {agree} "
          f"({100 * agree / max(1, len(cases)):.1f}%); judge {ours_s:.2f} s, tsc {tsc_s:.1f} s (one run, "
          f"{2 * len(cases)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
