"""Several language servers sharing one inference engine (issue 18's load test).

Starts one engine, llama-cpp-python's OpenAI-compatible server with the default GGUF on loopback
(tests/runtime/engines.py; ``--endpoint URL`` uses a running one instead), then ``--clients``
language servers (``python -m jumpcoder_lsp.server``), each with ``runtime: "remote"`` and driven by
its own scripted typing client (benchmarks/lsp_latency.py: open a document, type its last line one
keystroke a didChange, ask for the inline suggestion, type along). All clients run at once. Prints
p50/p95 of the first suggestion per client, whether every request was answered, and the engine's
request rate (its own access log when this script started it).

    OMP_NUM_THREADS=1 python benchmarks/shared_engine.py --clients 4 --prompts 2 --method autoregressive
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import lsp_latency  # noqa: E402


async def clients(args, n: int) -> list[dict]:
    runs = []
    for i in range(n):
        a = SimpleNamespace(model="default", device=None, runs=1, prompts=args.prompts, inline_max_lines=1,
                            debounce_ms=0, json=True, verbose=False, name=f"client{i}",
                            options={"runtime": "remote", "method": args.method})
        runs.append(lsp_latency.run(a))
    return await asyncio.gather(*runs, return_exceptions=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--prompts", type=int, default=2, help="documents each client types (bounds the run)")
    ap.add_argument("--method", default="autoregressive", choices=["autoregressive", "jumpcoder", "filtered"])
    ap.add_argument("--endpoint", default=None, help="a running engine (default: start llama_cpp.server)")
    ap.add_argument("--threads", type=int, default=1, help="the started engine's threads")
    args = ap.parse_args()

    server = None
    log_path = None
    if args.endpoint is None:
        from tests.runtime.engines import LlamaServer
        from tests.runtime.test_llamacpp_runtime import default_gguf

        log_path = Path(tempfile.mkdtemp()) / "engine.log"
        server = LlamaServer(default_gguf(), threads=args.threads, log=log_path).start()
        args.endpoint = server.url
    os.environ["JUMPCODER_LSP_REMOTE_ENDPOINT"] = args.endpoint
    # the start-up probe scores two short prompts; on a loaded CPU llama_cpp.server queues them
    os.environ.setdefault("JUMPCODER_LSP_REMOTE_TIMEOUT_S", "600")
    t0 = time.perf_counter()
    try:
        reports = asyncio.run(clients(args, args.clients))
    finally:
        wall = time.perf_counter() - t0
        if server is not None:
            server.stop()
    failed = 0
    print(f"{args.clients} language servers sharing {args.endpoint}, method {args.method}, "
          f"{args.prompts} documents each, {wall:.0f} s in all")
    for i, r in enumerate(reports):
        if isinstance(r, BaseException):
            failed += 1
            print(f"  client{i}: FAILED {type(r).__name__}: {r}")
            continue
        f = r["first_suggestion_ms"]
        empty = r["empty_suggestions"]
        print(f"  client{i}: {r['requests']} suggestions ({empty} empty), first suggestion p50 {f['p50']:.0f} ms, "
              f"p95 {f['p95']:.0f} ms; model ready after {r['model_ready_s']} s")
    if log_path is not None and log_path.exists():
        text = log_path.read_text(errors="replace")
        posts = len(re.findall(r'"POST /v1/completions HTTP/1\.1" 200', text))
        bad = len(re.findall(r'"POST /v1/completions HTTP/1\.1" [45]\d\d', text))
        print(f"engine: {posts} completions answered ({bad} errors), {posts / wall:.2f} requests/s over the run")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
