"""Cost and agreement of edit-aware KV reuse (issue 16) on llama.cpp or torch: prefix reuse vs PIE vs
a full recompute, side by side in one run.

For each buffer (a prefix of this repo's jumpcoder_lsp/runtime/llamacpp_runtime.py cut at a line end
near 200, 1,000 and 4,000 tokens; the cursor at its end) and each edit (an import inserted at the top,
a line changed in an earlier function at ~1/3 of the buffer, a block of 10 lines (1/6 of a short buffer) deleted at ~1/2), the
edited buffer is prefilled (``warm``: what a suggestion after the edit waits for) by

* prefix: a kv_reuse="prefix" runtime that holds the unedited buffer,
* pie: a kv_reuse="pie" runtime that holds the unedited buffer,
* full: a runtime with an empty cache,

and the script prints the tokens each computed (the runtime's ``misses`` counter), the wall time, the
ratios to full, whether PIE's next greedy token equals the full recompute's, and |logprob diff| of that
token and the largest over full's top 10 tokens.

    nice -n 10 python benchmarks/pie_cost.py --threads 1
    nice -n 10 python benchmarks/pie_cost.py --runtime torch --threads 1 --sizes 200   # [--dtype float32]

``--runtime llamacpp`` (default): the default preset's GGUF. ``--runtime torch``: the default preset
converted for torch (``jumpcoder-lsp models fetch``), ``--dtype auto`` as the server picks it (bf16 on
a CPU with avx512_bf16, else fp32); the three torch runtimes share one model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.runtime.test_llamacpp_runtime import STOP_TOKENS  # noqa: E402

SOURCE = ROOT / "jumpcoder_lsp" / "runtime" / "llamacpp_runtime.py"


def buffer(rt, target: int) -> str:
    lines = SOURCE.read_text().split("\n")
    out = []
    for line in lines:
        out.append(line)
        if rt.count_tokens("\n".join(out)) >= target:
            break
    return "\n".join(out) + "\n"


def edits(text: str) -> dict[str, str]:
    lines = text.split("\n")
    i = len(lines) // 3
    while not lines[i].strip():
        i += 1
    changed = lines[:i] + [lines[i] + "  # edited"] + lines[i + 1:]
    j, block = len(lines) // 2, max(2, min(10, len(lines) // 6))
    return {"insert an import at the top": "import functools\n" + text,
            "edit a line in an earlier function": "\n".join(changed),
            "delete a block": "\n".join(lines[:j] + lines[j + block:])}


def misses(rt) -> int:
    """Tokens computed so far (llama.cpp: the runtime's counter; torch: its KV store's)."""
    return rt.store.misses if hasattr(rt, "store") else rt.misses


def next_logprobs(rt, text: str) -> np.ndarray:
    ids = rt.prompt_ids([text])
    if hasattr(rt, "_logits"):  # torch: the last hidden state of the entry, through lm_head
        import torch

        entry = next(e for e in rt.store.entries() if e.ids == ids)
        with torch.inference_mode():
            return torch.log_softmax(rt._logits(entry.hidden[-1]), dim=-1).double().cpu().numpy()
    row = next(s for s in rt.store.entries() if s.ids == ids).last
    return row - (row.max() + np.log(np.exp(row - row.max()).sum()))


def timed(rt, text: str):
    before = misses(rt)
    t0 = time.perf_counter()
    rt.warm([text])
    return misses(rt) - before, time.perf_counter() - t0, next_logprobs(rt, text)


def llamacpp_runtimes(args):
    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime
    from tests.runtime.test_llamacpp_runtime import default_gguf

    kw = dict(stop_tokens=STOP_TOKENS, threads=args.threads, n_ctx=16384, n_seq_max=8, max_cache_entries=4)
    path = default_gguf()
    rts = {m: LlamaCppRuntime(path, kv_reuse=m, **kw) for m in ("prefix", "pie")}
    return rts, LlamaCppRuntime(path, **kw), f"model {path.name}, threads {args.threads}"


def torch_runtimes(args):
    from jumpcoder_lsp.runtime.torch_runtime import TorchRuntime

    sys.path.insert(0, str(ROOT / "tests" / "runtime"))  # test_torch_runtime_real imports its neighbours
    from test_torch_runtime_real import _converted_dir

    directory = _converted_dir()
    if directory is None:
        sys.exit("no converted model in the cache (run: jumpcoder-lsp models fetch)")
    stops = STOP_TOKENS
    pie = TorchRuntime.load(directory, dtype=args.dtype, threads=args.threads, stop_tokens=stops, kv_reuse="pie",
                            max_cache_entries=4)

    def same_model(mode):
        return TorchRuntime(pie.model, pie.tokenizer, device=pie.device.type, dtype=pie.dtype, stop_tokens=stops,
                            kv_reuse=mode, max_cache_entries=4)

    return ({"prefix": same_model("prefix"), "pie": pie}, same_model("prefix"),
            f"model {directory.name} ({pie.description}), threads {args.threads}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sizes", default="200,1000,4000")
    ap.add_argument("--runtime", choices=("llamacpp", "torch"), default="llamacpp")
    ap.add_argument("--dtype", default="auto", help="torch only: auto, float32 or bfloat16")
    args = ap.parse_args()
    rts, full, what = (torch_runtimes if args.runtime == "torch" else llamacpp_runtimes)(args)
    print(what)
    print("| buffer | edit | computed prefix / pie / full | time prefix / pie / full (s) | pie/full tokens | "
          "pie/full time | prefix/full time | greedy agrees | |Δlogprob| greedy | max |Δlogprob| top-10 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        text = buffer(full, size)
        n = full.count_tokens(text)
        rts["prefix"].clear_cache()
        rts["prefix"].warm([text])
        for name, new in edits(text).items():
            got = {}
            rts["pie"].clear_cache()
            rts["pie"].warm([text])
            for m in ("prefix", "pie"):
                got[m] = timed(rts[m], new)
            full.clear_cache()
            got["full"] = timed(full, new)
            (cp, tp, _), (ci, ti, lp_pie), (cf, tf, lp_full) = got["prefix"], got["pie"], got["full"]
            top = int(lp_full.argmax())
            top10 = np.argsort(lp_full)[-10:]
            print(f"| {n} | {name} | {cp} / {ci} / {cf} | {tp:.2f} / {ti:.2f} / {tf:.2f} | {ci / cf:.3f} | "
                  f"{ti / tf:.3f} | {tp / tf:.3f} | {'yes' if int(lp_pie.argmax()) == top else 'no'} | "
                  f"{abs(lp_pie[top] - lp_full[top]):.4f} | {np.abs(lp_pie[top10] - lp_full[top10]).max():.4f} |",
                  flush=True)
    for r in (*rts.values(), full):
        getattr(r, "close", lambda: None)()


if __name__ == "__main__":
    main()
