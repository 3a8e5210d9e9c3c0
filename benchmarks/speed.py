"""Autoregressive vs JumpCoder speed, side by side in one run on the same model and prompts.

    python benchmarks/speed.py [--preset qwen2.5-coder-0.5b] [--problems 6] [--policy paper,cpu,inline]
                               [--runtime torch,llamacpp] [--buffers as-is,no-imports] [--threads 1]

For each HumanEval prompt (benchmarks/data/humaneval.json) and each method, the model's KV cache
is cleared, the method runs from the end of the prompt to the end of the function, and the
benchmark records wall time, tokens written (continuation + inserted lines, counted with the
generation model's tokenizer), the latency of every iteration and the peak resident memory while
it ran. Methods alternate per problem so that background load hits both alike. Prints a table per
method and the ratio JumpCoder tokens/s / autoregressive tokens/s (paper: about 0.7; goal >= 0.9).

Buffer sets (``--buffers``): ``as-is``, the first N prompts as they are (every name defined);
``no-imports``, the first N prompts that use a name one of their import lines binds, with the import
lines removed (``List`` used but undefined from the first line: the inline policy's branching case).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jumpcoder_lsp.engine import EngineConfig, complete  # noqa: E402
from jumpcoder_lsp.engine.config import POLICIES  # noqa: E402
from jumpcoder_lsp.languages import get_language  # noqa: E402
from jumpcoder_lsp.loading import load_model_pair  # noqa: E402


class PeakRss:
    """Samples this process's resident memory every 20 ms while in a with-block."""

    def __init__(self):
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self._stop.wait(0.02)

    def __enter__(self):
        self.peak = self.proc.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


@dataclass
class Totals:
    seconds: float = 0.0
    tokens: int = 0
    jumps: int = 0
    iterations: list[float] = field(default_factory=list)
    peak_rss: int = 0

    def row(self, name: str) -> str:
        it = sorted(self.iterations)
        p50 = statistics.median(it) if it else 0.0
        p95 = it[min(len(it) - 1, int(0.95 * len(it)))] if it else 0.0
        rate = self.tokens / self.seconds if self.seconds else 0.0
        return (f"{name:22s} {self.tokens:7d} {self.seconds:8.1f} {rate:8.2f} {p50 * 1000:9.0f} {p95 * 1000:9.0f}"
                f" {self.jumps:6d} {self.peak_rss / 2**20:8.0f}")


def clear_cache(models) -> None:
    for rt in {id(models.gen): models.gen, id(models.infill): models.infill}.values():
        rt.clear_cache()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="qwen2.5-coder-0.5b")
    ap.add_argument("--infill-model", default=None)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--problems", type=int, default=6, help="first N HumanEval problems")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--tau", type=float, default=0.3)
    ap.add_argument("--max-lines", type=int, default=16)
    ap.add_argument("--policy", default="paper",
                    help="comma-separated JumpCoder policies (engine/config.py POLICIES): paper,cpu,inline "
                         "(inline: the server's default for inline suggestions)")
    ap.add_argument("--runtime", default="auto", help="comma-separated runtimes: auto,torch,llamacpp")
    ap.add_argument("--buffers", default="as-is", help="comma-separated buffer sets: as-is,no-imports")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads of the runtime (default: physical cores)")
    args = ap.parse_args(argv)
    for name in args.policy.split(","):
        if name and name not in POLICIES:
            ap.error(f"unknown policy {name!r} (known: {', '.join(POLICIES)})")
    for name in args.buffers.split(","):
        if name not in BUFFER_SETS:
            ap.error(f"unknown buffer set {name!r} (known: {', '.join(BUFFER_SETS)})")
    for runtime in args.runtime.split(","):
        run_one(args, runtime)
    return 0


def _as_is(problems, language):
    return [(p["entry_point"], p["prompt"]) for p in problems]


def _no_imports(problems, language):
    """Prompts with their import lines removed, where that leaves a name used but undefined."""
    out = []
    for p in problems:
        lines = p["prompt"].splitlines(keepends=True)
        kept = "".join(l for l in lines if not language.is_import(l))
        if kept != p["prompt"] and language.undefined_names(kept):
            out.append((p["entry_point"], kept))
    return out


BUFFER_SETS = {"as-is": _as_is, "no-imports": _no_imports}


def run_one(args, runtime: str) -> None:
    every = json.loads((ROOT / "benchmarks" / "data" / "humaneval.json").read_text())
    language = get_language("python")
    t0 = time.perf_counter()
    models = load_model_pair(args.preset, args.infill_model, runtime=runtime, device=args.device, dtype=args.dtype,
                             threads=args.threads)
    load_s = time.perf_counter() - t0
    print(f"\n== runtime {runtime}: {models.description}; load {load_s:.1f}s")

    methods = [("autoregressive", "autoregressive", None)]
    methods += [(f"jumpcoder[{p}]", "jumpcoder", p) for p in args.policy.split(",") if p]
    sets = args.buffers.split(",")
    totals = {(b, name): Totals() for b in sets for name, _, _ in methods}

    # warm-up (kernels, allocator) on a tiny prompt, not counted
    complete("def f(x):\n", 1, 0, models=models, language=language, config=EngineConfig(max_lines=2))

    for buffers in sets:
        for n, (entry, prompt) in enumerate(BUFFER_SETS[buffers](every, language)[: args.problems]):
            line = len(prompt.splitlines(keepends=True))
            order = methods if n % 2 == 0 else list(reversed(methods))
            for name, method, policy in order:
                config = EngineConfig(k=args.k, tau=args.tau, max_lines=args.max_lines, policy=policy or "paper")
                clear_cache(models)
                with PeakRss() as rss:
                    started = time.perf_counter()
                    result = complete(prompt, line, 0, models=models, language=language, config=config, method=method)
                    seconds = time.perf_counter() - started
                written = result.continuation + "".join(i.text for i in result.insertions)
                tot = totals[(buffers, name)]
                tot.seconds += seconds
                tot.tokens += models.gen.count_tokens(written)
                tot.jumps += result.jumps
                tot.iterations += [s.seconds for s in result.steps if s.seconds]
                tot.peak_rss = max(tot.peak_rss, rss.peak)
                print(f"  [{buffers}] {entry:28s} {name:22s} {seconds:6.1f}s jumps={result.jumps}", flush=True)

    for buffers in sets:
        print(f"\nbuffers: {buffers}")
        print(f"{'method':22s} {'tokens':>7s} {'seconds':>8s} {'tok/s':>8s} {'iter p50':>9s} {'iter p95':>9s}"
              f" {'jumps':>6s} {'peakMiB':>8s}")
        for name, _, _ in methods:
            print(totals[(buffers, name)].row(name))
        ar = totals[(buffers, "autoregressive")]
        ar_rate = ar.tokens / ar.seconds if ar.seconds else 0.0
        for name, _, _ in methods[1:]:
            jc = totals[(buffers, name)]
            ratio = jc.tokens / jc.seconds / ar_rate if jc.seconds and ar_rate else 0.0
            print(f"ratio [{buffers}] {name} / autoregressive tokens/s: {ratio:.2f}")


if __name__ == "__main__":
    sys.exit(main())
