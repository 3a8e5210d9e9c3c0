"""How often the within-line repetition rule (engine/stop.py :func:`repeats_in_line`, stop reason
``"repeat_in_line"``) would cut real code: every line of the given files is checked at each of its
prefixes (every character boundary: at least as often as the rule runs while a line is decoded, one
check a token), and a line counts as tripped when some prefix trips the rule. Every tripped line is
listed with its file and line number.

Sources: folders (searched for ``--ext`` files), single files, and the benchmark data's JSON /
JSONL problem sets (``benchmarks/data/*.json*``: each problem's prompt and reference/canonical
solution text, one line per line).

    python benchmarks/repeat_in_line.py /usr/lib/python3.11 examples benchmarks/data
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from jumpcoder_lsp.engine.stop import repeats_in_line

TEXT_FIELDS = ("prompt", "reference", "canonical_solution", "output", "code", "test", "example")
DEFAULT_EXT = (".py", ".go", ".rs", ".ts", ".js", ".java", ".cpp", ".cc", ".h", ".hpp", ".cs", ".c")


def trips(line: str) -> bool:
    """True when the rule would stop decoding somewhere inside ``line``."""
    body = line.rstrip("\r\n")
    return any(repeats_in_line(body[:i]) for i in range(1, len(body) + 1))


def texts_of(path: Path, exts: tuple[str, ...]):
    """(name, text) of each source under ``path``."""
    if path.is_dir():
        for f in sorted(path.rglob("*")):
            if f.is_file() and (f.suffix in exts or f.suffix in (".json", ".jsonl")):
                yield from texts_of(f, exts)
        return
    if path.suffix in (".json", ".jsonl"):
        raw = path.read_text(encoding="utf-8", errors="replace")
        try:
            rows = json.loads(raw) if path.suffix == ".json" else [json.loads(l) for l in raw.splitlines() if l.strip()]
        except ValueError:
            return
        rows = rows if isinstance(rows, list) else [rows]
        for n, row in enumerate(rows):
            if isinstance(row, dict):
                for key in TEXT_FIELDS:
                    if isinstance(row.get(key), str):
                        yield f"{path}[{n}].{key}", row[key]
        return
    yield str(path), path.read_text(encoding="utf-8", errors="replace")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--ext", default=",".join(DEFAULT_EXT), help="source file suffixes searched in folders")
    args = ap.parse_args(argv)
    exts = tuple(e if e.startswith(".") else "." + e for e in args.ext.split(","))
    t0 = time.perf_counter()
    total = sources = 0
    tripped = []
    for root in args.paths:
        for name, text in texts_of(root, exts):
            sources += 1
            for n, line in enumerate(text.splitlines(), 1):
                total += 1
                if trips(line):
                    tripped.append((name, n, line))
        print(f"{root}: {sources} sources, {total} lines, {len(tripped)} tripped so far", file=sys.stderr)
    for name, n, line in tripped:
        print(f"{name}:{n}: {line.strip()[:160]}")
    print(f"{len(tripped)} of {total} lines ({sources} sources) trip the rule; {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
