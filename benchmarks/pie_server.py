"""Edit-aware KV reuse through the language server (issue 16): edit traces replayed over stdio with a
real LSP client, prefix reuse vs PIE vs a full recompute, tokens computed and wall time per suggestion.

A trace (one server per kvReuse mode and buffer size): open a buffer (a prefix of this repo's
jumpcoder_lsp/runtime/llamacpp_runtime.py cut at a line end near ``--sizes`` tokens, the same buffers
as benchmarks/pie_cost.py), ask an inline suggestion at its end (the first one computes the prompt),
then three edits above the cursor, each an incremental didChange with a range, each followed by a
pause until the server's background warm-up after the edit has ended, and an inline suggestion at the
end again:

1. ``import functools`` inserted at the top,
2. a line at ~1/3 of the buffer edited (``  # edited`` appended),
3. a block of up to 10 lines at ~1/2 deleted

(the edits of pie_cost.py, here applied one after another). Full recompute: for each edited buffer a
fresh ``prefix`` server (an empty cache) opened on it and asked the same suggestion.

Per suggestion after an edit: the prompt tokens the runtime computed (``jumpcoder.status`` ``cache``:
the warm-up after the edit plus the request), the request's wall time (the user's wait: the warm-up
ran while the user moved back to the cursor), the warm-up's time, and whether the suggestion equals
the full recompute's. The server's engine sees a bounded context (``contextChars``, default 8192
characters): on the 4,000-token buffer the prompt is the file head plus the last lines before the
cursor, ~2,300 tokens. "full computed" is the fresh server's count for the suggestion: its prompt, and
the prompts of whatever else the engine asked the model for it (e.g. an infill for an undefined name).

    PYTHONPATH=$PWD nice -n 10 python benchmarks/pie_server.py --threads 1 --sizes 200,1000,4000
    PYTHONPATH=$PWD nice -n 10 python benchmarks/pie_server.py --runtime torch --dtype float32 --threads 1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jumpcoder_lsp import edits as E  # noqa: E402

SOURCE = ROOT / "jumpcoder_lsp" / "runtime" / "llamacpp_runtime.py"
EDITS = ("insert an import at the top", "edit a line in an earlier function", "delete a block")


def buffer(count_tokens, target: int) -> str:
    """benchmarks/pie_cost.py's buffer: the source's lines up to ``target`` tokens, with a final newline."""
    lines = SOURCE.read_text().split("\n")
    out = []
    for line in lines:
        out.append(line)
        if count_tokens("\n".join(out)) >= target:
            break
    return "\n".join(out) + "\n"


def trace(text: str) -> list[tuple[str, types.Range, str]]:
    """The three edits as (name, range in the buffer as it is then, new text), applied in order."""
    lines = text.split("\n")
    i = len(lines) // 3
    while not lines[i].strip():
        i += 1
    out = [(EDITS[0], types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            "import functools\n")]
    i += 1  # the import moved every line down by one
    end = types.Position(line=i, character=len(lines[i - 1]))
    out.append((EDITS[1], types.Range(start=end, end=end), "  # edited"))
    j, block = len(lines) // 2 + 1, max(2, min(10, len(lines) // 6))
    out.append((EDITS[2], types.Range(start=types.Position(line=j, character=0),
                                      end=types.Position(line=j + block, character=0)), ""))
    return out


class Server:
    """A server over stdio with a real pygls client; :meth:`command`, :meth:`inline`, :meth:`stop`."""

    def __init__(self, args, options: dict):
        self.args, self.options, self.versions = args, options, {}
        self.texts: dict[str, str] = {}

    async def start(self) -> dict:
        self.client = client = LanguageClient("pie-server-bench", "1")
        for method in (types.WINDOW_SHOW_MESSAGE, types.WINDOW_LOG_MESSAGE, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                       types.PROGRESS, types.WINDOW_WORK_DONE_PROGRESS_CREATE):
            client.feature(method)(lambda params: None)
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env.pop("JUMPCODER_LSP_MODEL", None)
        await client.start_io(sys.executable, "-m", "jumpcoder_lsp.server", env=env)
        caps = types.ClientCapabilities(text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities(dynamic_registration=True)))
        await client.initialize_async(types.InitializeParams(capabilities=caps, initialization_options=self.options,
                                                             process_id=os.getpid()))
        client.initialized(types.InitializedParams())
        status = await self.command("jumpcoder.status", {"waitReady": True})
        if status["state"] != "ready":
            raise SystemExit(f"model did not load: {status.get('error')}")
        return status

    async def command(self, name: str, *arguments: Any):
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments)))

    async def idle(self) -> dict:
        return await self.command("jumpcoder.status", {"waitIdle": True})

    def open(self, uri: str, text: str) -> None:
        self.texts[uri], self.versions[uri] = text, 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))

    def edit(self, uri: str, rng: types.Range, new_text: str) -> None:
        self.texts[uri] = E.apply_text_edits(self.texts[uri], [types.TextEdit(range=rng, new_text=new_text)], "utf-16")
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangePartial(range=rng, text=new_text)]))

    async def inline(self, uri: str) -> tuple[str, float]:
        """The suggestion at the end of the document and the request's wall time."""
        end = E.end_position(self.texts[uri], "utf-16")
        t0 = time.perf_counter()
        got = await self.client.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            types.InlineCompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=end,
                                         context=types.InlineCompletionContext(
                                             trigger_kind=types.InlineCompletionTriggerKind.Invoked)))
        seconds = time.perf_counter() - t0
        items = got if isinstance(got, list) else getattr(got, "items", None) or []
        return (items[0].insert_text if items else ""), seconds

    async def wait_warm(self, done_before: int) -> dict:
        while True:
            st = await self.command("jumpcoder.status")
            s = st["stats"]
            if s.get("warm_done", 0) + s.get("warm_cancelled", 0) > done_before:
                return await self.idle()
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


def options(args, kv_reuse: str) -> dict:
    out = {"model": "default", "runtime": args.runtime, "threads": args.threads, "kvReuse": kv_reuse,
           "debounceMs": 0, "inlineMaxLines": 1, "inlineBudgetMs": 0, "enableDiagnostics": False}
    if args.dtype:
        out["dtype"] = args.dtype
    return out


def _warm_count(st: dict) -> int:
    return st["stats"].get("warm_done", 0) + st["stats"].get("warm_cancelled", 0)


async def session(args, kv_reuse: str, text: str) -> list[dict]:
    srv = Server(args, options(args, kv_reuse))
    await srv.start()
    uri = "file:///bench/buffer.py"
    srv.open(uri, text)
    first, first_s = await srv.inline(uri)
    st = await srv.idle()
    rows = [{"edit": "first suggestion", "computed": st["cache"]["tokensComputed"], "request_s": first_s,
             "warm_s": 0.0, "text": first}]
    for name, rng, new_text in trace(text):
        before = st
        srv.edit(uri, rng, new_text)
        warmed = await srv.wait_warm(_warm_count(before))
        suggestion, seconds = await srv.inline(uri)
        st = await srv.idle()
        rows.append({"edit": name, "computed": st["cache"]["tokensComputed"] - before["cache"]["tokensComputed"],
                     "request_computed": st["cache"]["tokensComputed"] - warmed["cache"]["tokensComputed"],
                     "request_s": seconds,
                     "warm_s": (warmed["stats"].get("warm_ms", 0) - before["stats"].get("warm_ms", 0)) / 1000,
                     "text": suggestion, "buffer": srv.texts[uri]})
    await srv.stop()
    return rows


async def full(args, text: str) -> dict:
    srv = Server(args, options(args, "prefix"))
    await srv.start()
    srv.open("file:///bench/buffer.py", text)
    suggestion, seconds = await srv.inline("file:///bench/buffer.py")
    st = await srv.idle()
    await srv.stop()
    return {"computed": st["cache"]["tokensComputed"], "request_s": seconds, "text": suggestion}


def count_tokens_fn(args):
    """The default model's tokenizer, to cut the buffers (llama.cpp, vocabulary use only)."""
    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime
    from tests.runtime.test_llamacpp_runtime import default_gguf

    rt = LlamaCppRuntime(default_gguf(), threads=1, n_ctx=512, n_seq_max=2)
    return rt.count_tokens


async def main_async(args) -> None:
    count = count_tokens_fn(args)
    print(f"runtime {args.runtime}, threads {args.threads}, dtype {args.dtype or 'auto'}; sizes {args.sizes}")
    print("| buffer (tokens) | full computed (tokens) | edit | computed prefix / pie / full | request s prefix / pie / full "
          "| warm-up s prefix / pie | pie/full tokens | pie/full request time | prefix/full request time "
          "| suggestion pie = full | prefix = full |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        text = buffer(count, size)
        n = count(text)
        got = {m: await session(args, m, text) for m in ("prefix", "pie")}
        for k, name in enumerate(EDITS, 1):
            p, q = got["prefix"][k], got["pie"][k]
            f = await full(args, q["buffer"])
            print(f"| {n} | {f['computed']} | {name} | {p['computed']} / {q['computed']} / {f['computed']} | "
                  f"{p['request_s']:.2f} / {q['request_s']:.2f} / {f['request_s']:.2f} | "
                  f"{p['warm_s']:.2f} / {q['warm_s']:.2f} | {q['computed'] / f['computed']:.3f} | "
                  f"{q['request_s'] / f['request_s']:.3f} | {p['request_s'] / f['request_s']:.3f} | "
                  f"{'yes' if q['text'] == f['text'] else 'no'} | {'yes' if p['text'] == f['text'] else 'no'} |",
                  flush=True)
            if args.verbose:
                print(f"  pie {q['text']!r} prefix {p['text']!r} full {f['text']!r}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sizes", default="200,1000,4000")
    ap.add_argument("--runtime", choices=("llamacpp", "torch"), default="llamacpp")
    ap.add_argument("--dtype", default=None, help="torch: auto, float32 or bfloat16")
    ap.add_argument("--verbose", action="store_true")
    asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    main()
