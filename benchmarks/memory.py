"""Peak resident memory of one real-model completion: a small file vs a ~10k-line file, side by side.

    python benchmarks/memory.py [--preset qwen2.5-coder-0.5b] [--runtime torch] [--lines 10000]
                                [--max-lines 4] [--context-lines N --context-chars N]

Each case runs in its own child process (so neither inherits the other's caches or peak): load the
model pair, reset the kernel's peak-RSS mark (``5 > /proc/self/clear_refs``; where that is refused, a
20 ms sampler), run ``complete`` at the end of the file, read ``VmHWM`` from ``/proc/self/status``.
The small file is a HumanEval prompt (benchmarks/data/humaneval.json); the large one is the same
prompt after ``--lines`` lines of ordinary Python. Prints both peaks, what the completion added over
the loaded model, and the ratio large/small: bounded context and byte-capped caches keep it near 1
(before the bound, every prompt held the whole file and the KV cache grew with it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def filler(n_lines: int) -> str:
    out = []
    i = 0
    while len(out) < n_lines:
        out += [f"def helper_{i}(values, scale={i % 7 + 1}):",
                f'    """Scale the values by {i % 7 + 1} and drop the negative ones."""',
                "    kept = [v * scale for v in values if v >= 0]",
                "    return sum(kept) / max(1, len(kept))",
                ""]
        i += 1
    return "\n".join(out[:n_lines]) + "\n"


def child(args) -> dict:
    from jumpcoder_lsp.engine import EngineConfig, complete
    from jumpcoder_lsp.languages import get_language
    from jumpcoder_lsp.loading import load_model_pair

    problem = json.loads((ROOT / "benchmarks" / "data" / "humaneval.json").read_text())[args.problem]
    prompt = problem["prompt"]
    text = (filler(args.lines) + "\n" + prompt) if args.case == "large" else prompt
    models = load_model_pair(args.preset, runtime=args.runtime, device="cpu", dtype=args.dtype)
    overrides = {k: v for k, v in (("context_lines", args.context_lines), ("context_chars", args.context_chars)) if v}
    config = EngineConfig(k=5, max_lines=args.max_lines, **overrides)
    rss_loaded = status_kib("VmRSS")
    sampler_peak = [0]
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        reset = True
    except OSError:
        reset = False
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                sampler_peak[0] = max(sampler_peak[0], status_kib("VmRSS"))
                stop.wait(0.02)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
    lines = text.split("\n")
    t0 = time.perf_counter()
    result = complete(text, len(lines) - 1, len(lines[-1]), models=models, language=get_language("python"), config=config)
    seconds = time.perf_counter() - t0
    if not reset:
        stop.set()
        thread.join()
    peak = status_kib("VmHWM") if reset else sampler_peak[0]
    return {"case": args.case, "file_lines": len(lines), "file_chars": len(text), "peak_kib": peak,
            "loaded_kib": rss_loaded, "added_kib": peak - rss_loaded, "seconds": round(seconds, 1),
            "lines_written": result.continuation.count("\n") + 1, "peak_reset": reset,
            "model": models.description}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="qwen2.5-coder-0.5b")
    ap.add_argument("--runtime", default="torch", help="torch (the KV cache lives in this process) or llamacpp")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--lines", type=int, default=10_000, help="lines of Python before the prompt in the large file")
    ap.add_argument("--problem", type=int, default=0, help="HumanEval problem index")
    ap.add_argument("--max-lines", type=int, default=4)
    ap.add_argument("--context-lines", type=int, default=None)
    ap.add_argument("--context-chars", type=int, default=None)
    ap.add_argument("--case", choices=("small", "large"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        print(json.dumps(child(args)))
        return 0
    rows = {}
    for case in ("small", "large"):
        cmd = [sys.executable, __file__, "--case", case] + [a for a in (argv if argv is not None else sys.argv[1:])]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            return out.returncode
        rows[case] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"model: {rows['small']['model']}; peak reset by clear_refs: {rows['small']['peak_reset']}")
    print(f"{'case':6} {'lines':>7} {'chars':>9} {'peak MiB':>9} {'loaded MiB':>10} {'added MiB':>9} {'s':>6}")
    for r in rows.values():
        print(f"{r['case']:6} {r['file_lines']:7d} {r['file_chars']:9d} {r['peak_kib'] / 1024:9.0f} "
              f"{r['loaded_kib'] / 1024:10.0f} {r['added_kib'] / 1024:9.0f} {r['seconds']:6.1f}")
    print(f"peak RSS ratio large/small: {rows['large']['peak_kib'] / rows['small']['peak_kib']:.2f}; "
          f"added by the completion: {rows['large']['added_kib'] / 1024:.0f} vs {rows['small']['added_kib'] / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
