"""Recall of the Rust judge on real code: in each file the judge reports nothing on, delete the
first line ``use std::..::X;`` (``core``/``alloc`` too) whose ``X`` is on the judge's list and that
the rest of the file still names; the judge should then report ``X`` -- and nothing else.

    python benchmarks/rust_missing_use.py /usr/share/cargo/registry

Prints the files mutated, how many report ``X`` (misses: files with a glob ``use x::*;``, an
``extern crate``, or ``X`` only inside macros) and how many report any other name (false
positives caused by the deletion). Figures in docs/languages.md.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.languages.rust import RUST_STD_NAMES

_USE = re.compile(r"^use (?:std|core|alloc)::(?:\w+::)*(\w+);\n", re.M)


def main(argv: list[str]) -> int:
    spec = get_language("rust")
    n = found = other = 0
    t0 = time.perf_counter()
    for f in sorted(p for d in argv for p in Path(d).rglob("*.rs")):
        src = f.read_text(encoding="utf-8", errors="replace")
        if spec.undefined_names(src):
            continue
        for m in _USE.finditer(src):
            name = m.group(1)
            mutated = src[: m.start()] + src[m.end():]
            if name not in RUST_STD_NAMES or not re.search(r"\b%s\b" % re.escape(name), mutated):
                continue
            n += 1
            got = {u.name for u in spec.undefined_names(mutated)}
            found += name in got
            if got - {name}:
                other += 1
                print(f"  {f}: deleted use of {name}, reported {sorted(got)}")
            break  # one mutation per file
    print(f"{n} files with one `use std::..::X;` deleted: X reported in {found} ({100 * found / max(n, 1):.1f}%), "
          f"another name in {other}, {time.perf_counter() - t0:.0f} s")
    return 0 if other == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
