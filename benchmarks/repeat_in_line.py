"""How often the within-line repetition rule (engine/stop.py :func:`repeats_in_line`, stop reason
``"repeat_in_line"``) would cut real code: every line of the given files is checked at each of its
prefixes (every character boundary: at least as often as the rule runs while a line is decoded, one
check a token), and a line counts as tripped when some prefix trips the rule. Every tripped line is
listed with its file and line number.

Sources: folders (searched for ``--ext`` files), single files, and the benchmark data's JSON /
JSONL problem sets (``benchmarks/data/*.json*``: each problem's prompt and reference/canonical
solution text, one line per line).

    python benchmarks/repeat_in_line.py /usr/lib/python3.11 examples benchmarks/data

``--decode``: what the rule saves on the default model (through the real loading path, ``--runtime``,
``--threads``): each buffer of :data:`LOOP_BUFFERS` ends inside a line that the model goes on
filling with the same item; the rest of that line is decoded as the engine decodes the rest of
the line the user is typing (a left-to-right prompt, ``EngineConfig.max_line_tokens`` = 96), once
with the stop rule before this rule (the first newline: ``stop_at_newline``) and once with it
(engine/stop.py ``rest_of_line_stop``), alternating which goes first from buffer to buffer and
with a cold cache each time; tokens, seconds and the ratio are printed side by side.

    python benchmarks/repeat_in_line.py --decode --runtime llamacpp --threads 1
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


#: buffers whose last line the default model fills with the same item (the cursor at their end)
LOOP_BUFFERS = [
    "def zeros():\n    return [0, 0, 0, 0, 0, 0,",
    "ONES = [1, 1, 1, 1, 1, 1, 1, 1,",
    "MASK = 0xFF, 0xFF, 0xFF, 0xFF,",
    "def product(xs):\n    return reduce(",  # torch bf16 looped here (docs/latency.md); fp32 and llama.cpp do not
]


def decode_savings(runtime: str, threads, budget: int) -> None:
    from jumpcoder_lsp.engine.stop import rest_of_line_stop
    from jumpcoder_lsp.loading import load_model_pair
    from jumpcoder_lsp.runtime.base import GenRequest, stop_at_newline

    models = load_model_pair("qwen2.5-coder-0.5b", runtime=runtime, threads=threads)
    print(f"model: {models.gen.description}")
    print("| buffer (end) | before: tokens | s | after: tokens | s | stop | tokens after/before | s after/before |")
    print("|---|---|---|---|---|---|---|---|")
    totals = {"before": [0, 0.0], "after": [0, 0.0]}
    for n, buffer in enumerate(LOOP_BUFFERS):
        rules = [("before", stop_at_newline), ("after", rest_of_line_stop)]
        got = {}
        for name, rule in (rules if n % 2 == 0 else rules[::-1]):
            models.gen.clear_cache()
            t0 = time.perf_counter()
            out = models.gen.generate([GenRequest((buffer,), stop=rule, max_new_tokens=budget)])[0]
            got[name] = (out, time.perf_counter() - t0)
            totals[name][0] += len(out.tokens)
            totals[name][1] += got[name][1]
        (b, bs), (a, as_) = got["before"], got["after"]
        stop = "repeat_in_line" if repeats_in_line(a.text) else a.finish
        print(f"| `{buffer.splitlines()[-1].strip()[-28:]}` | {len(b.tokens)} ({b.finish}) | {bs:.1f} | "
              f"{len(a.tokens)} | {as_:.1f} | {stop} | {len(a.tokens) / len(b.tokens):.2f} | {as_ / bs:.2f} |")
    (bt, bs), (at, as_) = totals["before"], totals["after"]
    print(f"| all | {bt} | {bs:.1f} | {at} | {as_:.1f} | | {at / bt:.2f} | {as_ / bs:.2f} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--ext", default=",".join(DEFAULT_EXT), help="source file suffixes searched in folders")
    ap.add_argument("--decode", action="store_true", help="measure the savings on the default model instead")
    ap.add_argument("--runtime", default="auto")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--budget", type=int, default=96, help="the line's token budget (EngineConfig.max_line_tokens)")
    args = ap.parse_args(argv)
    if args.decode:
        decode_savings(args.runtime, args.threads, args.budget)
        return 0
    if not args.paths:
        ap.error("give the paths to check (or --decode)")
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
