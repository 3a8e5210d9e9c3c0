"""Latency of the first inline suggestion, measured like an editor sees it.

Starts ``python -m jumpcoder_lsp.server`` over stdio, initializes like VS Code (UTF-16), waits for
the model to load, then for each prompt: opens the document, types its last line one keystroke at
a time (a didChange each, as an editor does), asks ``textDocument/inlineCompletion`` (automatic
trigger) and times the request until the answer arrives. It then types the first characters of
the suggestion and asks again (typing along: served from the cache). Prints p50/p95.

    python benchmarks/lsp_latency.py                      # the default model
    python benchmarks/lsp_latency.py --model scripted:jumpcoder_lsp.server.scripted:demo
    python benchmarks/lsp_latency.py --inline-max-lines 8 --runs 3

Goal (issue 4): first line under 2 s on CPU, under 300 ms on a GPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]

PROMPTS = [
    'def product_of_list(numbers):\n    """Return the product of all numbers in the list."""\n    ',
    'def is_palindrome(text):\n    """True when text reads the same backwards, ignoring case and spaces."""\n    ',
    'import os\n\n\ndef list_python_files(root):\n    """All .py files under root, recursively."""\n    ',
    'def fibonacci(n):\n    """The n-th Fibonacci number."""\n    ',
    'def count_words(path):\n    """A dict of word -> count for the words in the file at path."""\n    ',
    'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        ',
    'def mean_and_std(values):\n    """Mean and standard deviation of a list of floats."""\n    ',
    'def hypotenuse(a, b):\n    """Length of the hypotenuse of a right triangle."""\n    ',
]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def end_position(text: str) -> types.Position:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return types.Position(line=len(lines) - 1, character=len(lines[-1].encode("utf-16-le")) // 2)


async def run(args) -> dict:
    client = LanguageClient("lsp-latency", "1")
    client.messages = []

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show(params):
        client.messages.append(params.message)
        print(f"[server] {params.message}", file=sys.stderr)

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log_message(params):
        if args.verbose:
            print(f"[log] {params.message}", file=sys.stderr)

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params):
        return None

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params):
        pass

    @client.feature(types.PROGRESS)
    def progress(params):
        if args.verbose:
            print(f"[progress] {params.value}", file=sys.stderr)

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("JUMPCODER_LSP_MODEL", None)
    t0 = time.perf_counter()
    # --allow-scripted: --model may name a scripted model (the server refuses them from clients otherwise)
    await client.start_io(sys.executable, "-m", "jumpcoder_lsp.server", "--allow-scripted", env=env)
    options = {"model": args.model, "debounceMs": args.debounce_ms, "inlineMaxLines": args.inline_max_lines}
    if getattr(args, "inline_budget_ms", None) is not None:
        options["inlineBudgetMs"] = args.inline_budget_ms
    if getattr(args, "threads", None) is not None:
        options["threads"] = args.threads
    options.update(getattr(args, "options", None) or {})  # e.g. benchmarks/shared_engine.py's runtime
    if args.device:
        options["device"] = args.device
    caps = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities(dynamic_registration=True)
        ),
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True, workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)
        ),
    )
    await client.initialize_async(
        types.InitializeParams(capabilities=caps, initialization_options=options, process_id=os.getpid())
    )
    client.initialized(types.InitializedParams())
    t_init = time.perf_counter() - t0

    async def command(name, *arguments):
        return await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments))
        )

    status = await command("jumpcoder.status", {"waitReady": True})
    t_ready = time.perf_counter() - t0
    if status["state"] != "ready":
        raise SystemExit(f"model did not load: {status.get('error')}")
    print(f"server up in {t_init:.2f} s, model ready after {t_ready:.1f} s: {status['model']}", file=sys.stderr)

    first, along, lines_out = [], [], []
    for run_i in range(args.runs):
        for i, prompt in enumerate(PROMPTS[: args.prompts]):
            uri = f"file:///bench/{getattr(args, 'name', 'c')}_r{run_i}_p{i}.py"
            head, _, last = prompt.rpartition("\n")
            text = head + "\n"
            version = 1
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
                )
            )
            for ch in last:  # keystrokes
                pos = end_position(text)
                text += ch
                version += 1
                client.text_document_did_change(
                    types.DidChangeTextDocumentParams(
                        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                        content_changes=[
                            types.TextDocumentContentChangePartial(range=types.Range(start=pos, end=pos), text=ch)
                        ],
                    )
                )
            pos = end_position(text)
            params = types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=pos,
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
            )
            t = time.perf_counter()
            result = await client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params)
            dt = time.perf_counter() - t
            items = result if isinstance(result, list) else (getattr(result, "items", None) or [])
            suggestion = items[0].insert_text if items else ""
            first.append(dt)
            lines_out.append(suggestion.count("\n") + 1 if suggestion else 0)
            if args.verbose:
                print(f"{uri}: {dt * 1000:.0f} ms {suggestion!r}", file=sys.stderr)
            # type along the suggestion: the next request is served from the cache
            typed = suggestion[:3]
            if typed and "\n" not in typed:
                pos0 = pos
                text += typed
                version += 1
                client.text_document_did_change(
                    types.DidChangeTextDocumentParams(
                        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                        content_changes=[
                            types.TextDocumentContentChangePartial(range=types.Range(start=pos0, end=pos0), text=typed)
                        ],
                    )
                )
                params.position = end_position(text)
                t = time.perf_counter()
                await client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params)
                along.append(time.perf_counter() - t)
            client.text_document_did_close(
                types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )

    final = await command("jumpcoder.status")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    report = {
        "model": status["model"],
        "device_note": args.device or "auto",
        "inline_max_lines": args.inline_max_lines,
        "requests": len(first),
        "first_suggestion_ms": {
            "p50": round(percentile(first, 0.5) * 1000, 1),
            "p95": round(percentile(first, 0.95) * 1000, 1),
            "mean": round(statistics.mean(first) * 1000, 1) if first else None,
        },
        "typing_along_ms": {
            "p50": round(percentile(along, 0.5) * 1000, 1),
            "p95": round(percentile(along, 0.95) * 1000, 1),
        },
        "empty_suggestions": sum(1 for n in lines_out if n == 0),
        "model_ready_s": round(t_ready, 1),
        "server_stats": final.get("stats", {}),
    }
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default", help="model spec (preset, path, scripted:...)")
    parser.add_argument("--device", default=None, help="cpu / cuda / auto")
    parser.add_argument("--runs", type=int, default=2, help="passes over the prompts")
    parser.add_argument("--prompts", type=int, default=len(PROMPTS), help="how many prompts per pass")
    parser.add_argument("--inline-max-lines", type=int, default=1, help="lines per suggestion (1: the first line)")
    parser.add_argument("--debounce-ms", type=int, default=0, help="server debounce (0: measure the model only)")
    parser.add_argument("--inline-budget-ms", type=int, default=None,
                        help="the server's inlineBudgetMs (default: the server's; 0: the whole run)")
    parser.add_argument("--threads", type=int, default=None, help="the server's threads setting")
    parser.add_argument("--json", action="store_true", help="print the report as JSON only")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args))
    if args.json:
        print(json.dumps(report))
    else:
        f, a = report["first_suggestion_ms"], report["typing_along_ms"]
        print(f"model: {report['model']}  ({report['requests']} requests, inlineMaxLines={report['inline_max_lines']})")
        print(f"first suggestion: p50 {f['p50']:.0f} ms  p95 {f['p95']:.0f} ms  (mean {f['mean']:.0f} ms)")
        print(f"typing along (cache): p50 {a['p50']:.1f} ms  p95 {a['p95']:.1f} ms")
        print(f"empty suggestions: {report['empty_suggestions']}; server stats: {report['server_stats']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
