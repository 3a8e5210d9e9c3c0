"""The code after the cursor: what a suggestion does when the function (or the file) goes on below
the cursor, for three ways of using that code, side by side in one run on the same model.

    python benchmarks/suffix.py [--preset qwen2.5-coder-0.5b] [--runtime torch] [--threads 1]
                                [--method autoregressive] [--modes off,stop,fim]

Modes: ``off`` (``suffixLines`` 0: the engine blind to the code below, as before issue 14), ``stop``
(``suffixFim`` false: left-to-right prompts, the suffix ends the suggestion where the code below
resumes, engine/stop.py meets_suffix), ``fim`` (the default: the next line is the middle of a FIM
prompt holding the suffix window, plus the same stop rule). Each case is a small buffer with the
cursor on a blank line and code below it. Per case and mode it prints the suggestion, and counts:

* ``dup``: the suggestion writes the first code line below the cursor again (the complaint),
* ``ok``: the document after the suggestion compiles, the suggestion is not empty and not a dup,
* seconds of the engine run.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jumpcoder_lsp.engine import EngineConfig, complete  # noqa: E402
from jumpcoder_lsp.engine.apply import apply_completion  # noqa: E402
from jumpcoder_lsp.languages import get_language  # noqa: E402
from jumpcoder_lsp.loading import load_model_pair  # noqa: E402

#: (name, buffer, cursor line): the cursor on a blank line, code below it
CASES = [
    ("total", "def total(xs):\n    s = 0\n\n    return s\n", 2),
    ("mean", "def mean(xs):\n    if not xs:\n        return 0.0\n\n    return total / len(xs)\n", 3),
    ("read_lines", "def read_lines(path):\n    with open(path) as f:\n\n    return lines\n", 2),
    ("count_vowels", "def count_vowels(s):\n    n = 0\n    for c in s:\n\n    return n\n", 3),
    ("main", "def main():\n    args = parse_args()\n\n    run(config)\n", 2),
    ("fib", "def fib(n):\n    if n < 2:\n        return n\n\n\ndef main():\n    print(fib(10))\n", 3),
    ("is_even", "def is_even(n):\n\n\ndef is_odd(n):\n    return not is_even(n)\n", 1),
    ("listing", "import os\n\n\ndef listing(path):\n    \"\"\"The names of the files in path.\"\"\"\n\n\n"
                "def other():\n    return 1\n", 5),
    ("stack", "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def pop(self):\n"
              "        return self.items.pop()\n", 3),
    ("clamp", "def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n\n    return x\n", 3),
]

MODES = {
    "off": dict(suffix_lines=0),
    "stop": dict(suffix_fim=False),
    "fim": dict(),
}


def first_code_below(text: str, line: int) -> str:
    return next((l for l in text.splitlines()[line + 1 :] if l.strip()), "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="qwen2.5-coder-0.5b")
    ap.add_argument("--runtime", default="torch")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--method", default="autoregressive")
    ap.add_argument("--modes", default="off,stop,fim")
    ap.add_argument("--max-lines", type=int, default=10)
    args = ap.parse_args()
    modes = args.modes.split(",")
    models = load_model_pair(args.preset, runtime=args.runtime, threads=args.threads)
    py = get_language("python")
    totals = {m: {"ok": 0, "dup": 0, "seconds": 0.0} for m in modes}
    for name, text, line in CASES:
        below = first_code_below(text, line)
        for mode in modes:  # the modes alternate per case: background load hits all alike
            config = replace(EngineConfig(k=2, max_lines=args.max_lines), **MODES[mode])
            t0 = time.perf_counter()
            result = complete(text, line, 0, models=models, language=py, method=args.method, config=config)
            seconds = time.perf_counter() - t0
            new = apply_completion(text, line, 0, result)
            dup = any(l == below for l in result.continuation.splitlines())
            try:
                compile(new, name, "exec")
                compiles = True
            except SyntaxError:
                compiles = False
            ok = compiles and bool(result.continuation.strip()) and not dup
            t = totals[mode]
            t["ok"] += ok
            t["dup"] += dup
            t["seconds"] += seconds
            print(f"{name:13s} {mode:5s} ok={int(ok)} dup={int(dup)} {seconds:5.1f}s {result.stop_reason:12s} "
                  f"{result.continuation!r}", flush=True)
    print(f"\n{len(CASES)} cases, {args.method}, {models.description}")
    for mode in modes:
        t = totals[mode]
        print(f"{mode:5s} ok {t['ok']}/{len(CASES)}  dup {t['dup']}/{len(CASES)}  {t['seconds']:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
