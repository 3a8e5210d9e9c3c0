"""Measure the torch runtime on a converted model directory: load, prefill, batched decode, FIM check.

    python benchmarks/runtime_probe.py [HF_DIR] [--device auto] [--dtype auto] [--repeat 3]

HF_DIR defaults to the first converted model under the user cache (~/.cache/jumpcoder-lsp/hf/*/).
Prints one ``FIG {json}`` line per figure and a summary table. ``other_cpu`` is the CPU-seconds per
second that OTHER processes used during a timed region (from /proc/stat): above ~0.2 on a 2-core box
the figure is inflated by contention.
"""

from __future__ import annotations

import argparse
import glob
import inspect
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "runtime"))
from min_sub_array import PREFIX as MIN_SUB_PREFIX, SUFFIX as MIN_SUB_SUFFIX  # noqa: E402


def _busy_jiffies() -> int:
    try:
        with open("/proc/stat") as f:
            parts = [int(x) for x in f.readline().split()[1:]]
        return sum(parts) - parts[3] - parts[4]  # minus idle and iowait
    except OSError:
        return 0


class Timed:
    """Wall time of a region and the CPU other processes used meanwhile."""

    def __enter__(self):
        self.j0, self.c0, self.t0 = _busy_jiffies(), time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        total = (_busy_jiffies() - self.j0) / hz
        own = time.process_time() - self.c0
        self.other_cpu = max(0.0, (total - own) / max(self.seconds, 1e-9))


def fig(name, **values):
    print("FIG " + json.dumps({"figure": name, **values}), flush=True)
    return values


def never(text):
    return None


def code_of_tokens(rt, text: str, n: int) -> str:
    _, offsets = rt.encode_with_offsets(text)
    return text[: offsets[min(n, len(offsets)) - 1][1]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("hf_dir", nargs="?")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steps", type=int, default=24, help="decode steps per timing")
    args = ap.parse_args(argv)

    hf_dir = args.hf_dir
    if hf_dir is None:
        found = sorted(glob.glob(os.path.expanduser("~/.cache/jumpcoder-lsp/hf/*/config.json")))
        if not found:
            print("no converted model under ~/.cache/jumpcoder-lsp/hf/; pass HF_DIR", file=sys.stderr)
            return 2
        hf_dir = str(Path(found[0]).parent)

    t0 = time.perf_counter()
    import torch  # noqa: F401

    from jumpcoder_lsp.runtime.base import GenRequest, ScoreRequest, Special, stop_at_newline
    from jumpcoder_lsp.runtime.torch_runtime import TorchRuntime
    t_import = time.perf_counter() - t0

    with Timed() as t:
        rt = TorchRuntime.load(hf_dir, device=args.device, dtype=args.dtype,
                               stop_tokens=["<|endoftext|>", "<|fim_pad|>", "<|im_end|>", "<|file_sep|>"])
    load_seconds = t.seconds
    fig("load", seconds=round(t.seconds, 2), import_seconds=round(t_import, 2), other_cpu=round(t.other_cpu, 2),
        description=rt.description, threads=torch.get_num_threads())
    rt.generate([GenRequest(("def f(x):\n",), stop=never, max_new_tokens=2)])  # warm-up

    corpus = inspect.getsource(argparse)
    summary = {}

    # prefill: fresh store each time; generate(max_new_tokens=1) = prefill + one lm_head row, no decode step
    for n in (128, 512, 1024):
        text = code_of_tokens(rt, corpus, n)
        runs = []
        for _ in range(args.repeat):
            rt.store.clear()
            with Timed() as t:
                rt.generate([GenRequest((text,), stop=never, max_new_tokens=1)])
            runs.append(t)
        sec, best = statistics.median(r.seconds for r in runs), min(r.seconds for r in runs)
        summary[f"prefill {n} tok"] = f"{sec:.2f} s = {n / sec:.0f} tok/s (best {n / best:.0f})"
        fig("prefill", tokens=n, seconds=round(sec, 3), tok_per_s=round(n / sec, 1), best_tok_per_s=round(n / best, 1),
            other_cpu=[round(r.other_cpu, 2) for r in runs])

    # decode: batch 1 vs batch 6 branches sharing a ~500-token prefix (caches warm, so only decode is timed)
    base = code_of_tokens(rt, corpus[20000:], 500)
    lines = ["    def a(self):\n", "    def b(self, x):\n        return x\n", "    # helper\n",
             "    x = 1\n", "    def c(self):\n        pass\n", "    @property\n"]
    branch_prompts = [(base, extra) for extra in lines]
    steps = args.steps
    for batch in (1, 6):
        prompts = branch_prompts[:batch]
        rt.generate([GenRequest(p, stop=never, max_new_tokens=1) for p in prompts])  # fill the cache
        runs = []
        for _ in range(args.repeat):
            with Timed() as t:
                out = rt.generate([GenRequest(p, stop=never, max_new_tokens=steps) for p in prompts])
            runs.append(t)
            assert all(len(g.tokens) == steps for g in out)
        # `steps` tokens = steps-1 forward passes (the first token comes from the cached hidden state)
        per_step = statistics.median(r.seconds for r in runs) / (steps - 1)
        best = min(r.seconds for r in runs) / (steps - 1)
        summary[f"decode batch {batch}"] = f"{per_step * 1000:.0f} ms/step = {1 / per_step:.1f} steps/s" \
                                           f" = {batch / per_step:.1f} tok/s (best {best * 1000:.0f} ms/step)"
        fig("decode", batch=batch, cache_tokens=rt.count_tokens(base), ms_per_step=round(per_step * 1000, 1),
            best_ms_per_step=round(best * 1000, 1), steps_per_s=round(1 / per_step, 2),
            tokens_per_s=round(batch / per_step, 1), other_cpu=[round(r.other_cpu, 2) for r in runs])

    # batched == sequential on the real model (bf16: agreement is expected, not guaranteed bit-exact)
    seq = [rt.generate([GenRequest(p, stop=never, max_new_tokens=12)])[0].tokens for p in branch_prompts]
    bat = [g.tokens for g in rt.generate([GenRequest(p, stop=never, max_new_tokens=12) for p in branch_prompts])]
    agree = sum(a == b for a, b in zip(seq, bat))
    summary["batched == sequential (12 tok)"] = f"{agree}/6 branches"
    fig("batched_equals_sequential", branches=6, equal=agree)

    # score: a 60-token target after the cached 500-token prefix
    rt.score([ScoreRequest((base,), "x")])
    runs = []
    for i in range(args.repeat):
        target = code_of_tokens(rt, corpus[40000 + 3000 * i:], 60)  # a new target each time: nothing memoised
        with Timed() as t:
            rt.score([ScoreRequest((base,), target)])
        runs.append(t)
    sec, best = statistics.median(r.seconds for r in runs), min(r.seconds for r in runs)
    summary["score 60 tok after cached 500"] = f"{sec * 1000:.0f} ms (best {best * 1000:.0f} ms)"
    fig("score_cached_context", target_tokens=60, seconds=round(sec, 3), best_seconds=round(best, 3),
        other_cpu=[round(r.other_cpu, 2) for r in runs])

    # FIM: the paper's minSubArraySum case, the infill model should declare curr_sum before the inner loop
    prompt = (Special("<|fim_prefix|>"), MIN_SUB_PREFIX, Special("<|fim_suffix|>"), MIN_SUB_SUFFIX,
              Special("<|fim_middle|>"))
    with Timed() as t:
        g = rt.generate([GenRequest(prompt, stop=stop_at_newline, max_new_tokens=32)])[0]
    ok = g.text.strip().startswith("curr_sum = 0")
    summary["FIM minSubArraySum middle"] = f"{g.text!r} ({g.finish}) {'OK' if ok else 'UNEXPECTED'}"
    fig("fim_min_sub_array_sum", middle=g.text, finish=g.finish, ok=ok, seconds=round(t.seconds, 2))

    try:
        import resource
        summary["peak RSS"] = f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    except ImportError:
        pass
    summary["load (tokenizer + model)"] = f"{load_seconds:.2f} s (+ {t_import:.1f} s importing torch/transformers)"
    print(f"\n{rt.description}, {torch.get_num_threads()} threads, {hf_dir}")
    for k, v in summary.items():
        print(f"  {k:34s} {v}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
