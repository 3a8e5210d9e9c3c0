"""The server driven like a busy editor: is superseded work dropped? (issue 14, item 6)

Starts ``python -m jumpcoder_lsp.server`` over stdio with a real LSP client (pygls), opens four
Python documents and, for ``--minutes``, sends a seeded random mix of what an editor sends while
the user types in all four: incremental edits (keystrokes at the cursor, new lines),
``textDocument/inlineCompletion`` (automatic trigger) and ``textDocument/completion`` requests at
the cursor, and ``$/cancelRequest`` for requests the editor gave up on. Requests are not awaited
one by one: they overlap as in an editor. Then it sends ``shutdown`` at once, with work still
running, and times its answer. Prints:

* answered / total (an empty answer and a RequestCancelled error count as answered);
* the latency from each request to its answer (p50 / p95 / max);
* for each request followed by a change of its document: the time from that change to the
  request's answer (0 when it was answered before the change). Goal: every one within 2 s;
* answers that came more than 2 s after the client cancelled the request;
* the shutdown time (goal: under 2 s), and the server's counters.

    python benchmarks/busy_editor.py --minutes 3 --seed 1                 # the default model
    python benchmarks/busy_editor.py --minutes 3 --runtime llamacpp --threads 2
    python benchmarks/busy_editor.py --minutes 0.5 --model scripted:jumpcoder_lsp.server.scripted:demo
    python benchmarks/busy_editor.py --warm-probe 3 --inline-max-lines 1 --method autoregressive \
        --warm-wait 20 --runtime llamacpp --threads 1                          # the warm prompt cache

``--pause`` (default 0.1) is the chance of a 1.5-5 s pause after an action (the user reads or
thinks): without pauses a CPU model is superseded before it ever answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]

#: what the user types in each document: a head the document opens with, then lines typed
DOCUMENTS = [
    ("import os\n\n\ndef list_python_files(root):\n    \"\"\"All .py files under root, recursively.\"\"\"\n",
     ["    out = []", "    for dirpath, _dirs, files in os.walk(root):", "        for name in files:",
      "            if name.endswith('.py'):", "                out.append(os.path.join(dirpath, name))",
      "    return out", "", "", "def count_lines(path):", "    with open(path) as f:",
      "        return sum(1 for _ in f)"]),
    ("def fibonacci(n):\n    \"\"\"The n-th Fibonacci number.\"\"\"\n",
     ["    a, b = 0, 1", "    for _ in range(n):", "        a, b = b, a + b", "    return a", "", "",
      "def is_even(n):", "    return n % 2 == 0"]),
    ("class Stack:\n    def __init__(self):\n        self.items = []\n\n",
     ["    def push(self, item):", "        self.items.append(item)", "", "    def pop(self):",
      "        return self.items.pop()", "", "    def __len__(self):", "        return len(self.items)"]),
    ("def mean_and_std(values):\n    \"\"\"Mean and standard deviation of a list of floats.\"\"\"\n",
     ["    n = len(values)", "    mean = sum(values) / n", "    var = sum((v - mean) ** 2 for v in values) / n",
      "    return mean, var ** 0.5", "", "", "def median(values):", "    s = sorted(values)",
      "    return s[len(s) // 2]"]),
]


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


@dataclass
class Doc:
    uri: str
    text: str
    lines: list[str]
    version: int = 1
    line_i: int = 0  # the line of ``lines`` being typed
    col: int = 0  # how much of it is typed
    changes: list[float] = field(default_factory=list)  # times of the didChange notifications

    def cursor(self) -> types.Position:
        rows = self.text.split("\n")
        return types.Position(line=len(rows) - 1, character=utf16_len(rows[-1]))


@dataclass
class Request:
    id: str
    kind: str
    uri: str
    version: int
    sent: float
    answered: Optional[float] = None
    error: Optional[str] = None
    nonempty: bool = False
    cancelled_at: Optional[float] = None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _nonempty(result: Any) -> bool:
    if isinstance(result, list):
        return bool(result)
    items = getattr(result, "items", None)
    return bool(items)


async def start(args, extra: Optional[dict] = None):
    """A server over stdio, initialized and with its model loaded: (client, command, status)."""
    client = LanguageClient("busy-editor", "1")

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show(params):
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
        pass

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("JUMPCODER_LSP_MODEL", None)
    await client.start_io(sys.executable, "-m", "jumpcoder_lsp.server", "--allow-scripted", env=env)
    options: dict[str, Any] = {"model": args.model, **(extra or {})}
    for key, value in (("runtime", args.runtime), ("threads", args.threads), ("device", args.device)):
        if value is not None:
            options[key] = value
    caps = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities(dynamic_registration=True)
        ),
    )
    await client.initialize_async(
        types.InitializeParams(capabilities=caps, initialization_options=options, process_id=os.getpid())
    )
    client.initialized(types.InitializedParams())

    async def command(name, *arguments):
        return await client.workspace_execute_command_async(types.ExecuteCommandParams(command=name, arguments=list(arguments)))

    status = await command("jumpcoder.status", {"waitReady": True})
    if status["state"] != "ready":
        raise SystemExit(f"model did not load: {status.get('error')}")
    print(f"model ready: {status['model']} ({status.get('device')})", file=sys.stderr)
    return client, command, status


async def run(args) -> dict:
    rng = random.Random(args.seed)
    client, command, status = await start(args, {} if args.warm_cache is None else {"warmCache": args.warm_cache})
    docs = []
    for i, (head, lines) in enumerate(DOCUMENTS):
        d = Doc(uri=f"file:///busy/doc{i}.py", text=head, lines=lines)
        docs.append(d)
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=d.uri, language_id="python", version=1, text=d.text))
        )

    requests: list[Request] = []
    pending: dict[str, Request] = {}
    counter = iter(range(1, 10**9))

    def change(d: Doc) -> None:
        """One keystroke or a few (the next characters of the line being typed), or Enter."""
        line = d.lines[d.line_i % len(d.lines)]
        if d.col >= len(line):
            typed = "\n"
            d.line_i += 1
            d.col = 0
        else:
            n = rng.choice((1, 1, 1, 2, 3))
            typed = line[d.col : d.col + n]
            d.col += n
        pos = d.cursor()
        d.text += typed
        d.version += 1
        d.changes.append(time.perf_counter())
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=d.uri, version=d.version),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=pos, end=pos), text=typed)],
            )
        )

    def request(d: Doc, kind: str) -> None:
        msg_id = f"busy-{next(counter)}"
        if kind == "inline":
            method = types.TEXT_DOCUMENT_INLINE_COMPLETION
            params = types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=d.uri), position=d.cursor(),
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
            )
        else:
            method = types.TEXT_DOCUMENT_COMPLETION
            params = types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=d.uri), position=d.cursor(),
                context=types.CompletionContext(trigger_kind=types.CompletionTriggerKind.TriggerForIncompleteCompletions),
            )
        r = Request(msg_id, kind, d.uri, d.version, time.perf_counter())
        requests.append(r)
        pending[msg_id] = r
        future = client.protocol.send_request(method, params, msg_id=msg_id)

        def done(f, r=r):
            r.answered = time.perf_counter()
            pending.pop(r.id, None)
            exc = f.exception() if not f.cancelled() else None
            if exc is not None:
                r.error = type(exc).__name__
            elif not f.cancelled():
                r.nonempty = _nonempty(f.result())

        future.add_done_callback(done)  # resolved on this event loop, where the client reads

    def cancel() -> None:
        live = [r for r in pending.values() if r.cancelled_at is None]
        if not live:
            return
        r = rng.choice(live)
        r.cancelled_at = time.perf_counter()
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=r.id))

    t_end = time.perf_counter() + args.minutes * 60
    while time.perf_counter() < t_end:
        d = rng.choice(docs)
        x = rng.random()
        if x < 0.5:
            change(d)
            if rng.random() < 0.7:  # an editor asks for an inline suggestion after most keystrokes
                request(d, "inline")
        elif x < 0.75:
            request(d, "inline")
        elif x < 0.9:
            request(d, "completion")
        else:
            cancel()
        await asyncio.sleep(rng.uniform(0.05, 0.6))
        if rng.random() < args.pause:  # the user stops to read or think
            await asyncio.sleep(rng.uniform(1.5, 5.0))

    # shutdown at once, with requests still in flight and the model busy
    outstanding_at_shutdown = len(pending)
    st_before = await command("jumpcoder.status")
    t = time.perf_counter()
    try:
        await asyncio.wait_for(client.shutdown_async(None), 30)
        shutdown_s = time.perf_counter() - t
    except asyncio.TimeoutError:
        shutdown_s = float("inf")
    t_shutdown = time.perf_counter()
    await asyncio.sleep(0.5)  # answers still on their way
    client.exit(None)
    try:
        await asyncio.wait_for(client.stop(), 10)
    except asyncio.TimeoutError:
        pass

    answered = [r for r in requests if r.answered is not None]
    latency = [r.answered - r.sent for r in answered]
    # the time from the next change of the request's document to its answer
    after_change, never = [], 0
    for r in requests:
        doc = next(d for d in docs if d.uri == r.uri)
        nxt = next((c for c in doc.changes if c > r.sent), None)
        if nxt is None or nxt > t_shutdown:
            continue
        if r.answered is None:
            never += 1
            continue
        after_change.append(max(0.0, r.answered - nxt))
    late_after_cancel = [r.answered - r.cancelled_at for r in answered if r.cancelled_at is not None and r.answered - r.cancelled_at > 2.0]
    before_shutdown = [r for r in answered if r.answered <= t]
    report = {
        "model": status["model"],
        "device": status.get("device"),
        "minutes": args.minutes,
        "seed": args.seed,
        "requests": len(requests),
        "answered": len(answered),
        "answered_before_shutdown": len(before_shutdown),
        "nonempty": sum(r.nonempty for r in answered),
        "errors": {e: sum(1 for r in answered if r.error == e) for e in sorted({r.error for r in answered if r.error})},
        "changes": sum(len(d.changes) for d in docs),
        "client_cancels": sum(1 for r in requests if r.cancelled_at is not None),
        "latency_s": {"p50": round(percentile(latency, 0.5), 3), "p95": round(percentile(latency, 0.95), 3),
                      "max": round(max(latency), 3) if latency else None},
        "after_next_change_s": {"n": len(after_change), "p50": round(percentile(after_change, 0.5), 3),
                                "p95": round(percentile(after_change, 0.95), 3),
                                "max": round(max(after_change), 3) if after_change else None,
                                "over_2s": sum(1 for x in after_change if x > 2.0), "never_answered": never},
        "answers_over_2s_after_cancel": len(late_after_cancel),
        "outstanding_at_shutdown": outstanding_at_shutdown,
        "shutdown_s": round(shutdown_s, 3),
        "server_stats": st_before.get("stats", {}),
    }
    return report


async def warm_probe(args) -> dict:
    """A request after the warm-up against one without it: for warmCache off and on, ``--warm-probe``
    fresh documents (a distinct first line each, so nothing is cached from the one before), the
    last line typed as one didChange, a wait of ``--warm-wait`` s, then an invoked inline request."""
    out = {}
    body = "".join(head + "\n".join(lines) + "\n\n\n" for head, lines in DOCUMENTS)
    extra = {k: v for k, v in (("inlineMaxLines", args.inline_max_lines), ("method", args.method)) if v is not None}
    for warm in (False, True):
        client, command, status = await start(args, {"warmCache": warm, **extra})
        times = []
        for i in range(args.warm_probe):
            uri = f"file:///busy/warm{int(warm)}_{i}.py"
            text = f"# trial {i} of {'warm' if warm else 'cold'}: {args.seed}\n" + body + "def clamp(x, lo, hi):\n"
            client.text_document_did_open(types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
            end = types.Position(line=text.count("\n"), character=0)
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=end, end=end), text="    ")]))
            await asyncio.sleep(args.warm_wait)
            t = time.perf_counter()
            await client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=end.line, character=4),
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked)))
            times.append(time.perf_counter() - t)
            print(f"warmCache {warm}: request {i + 1}: {times[-1]:.2f} s", file=sys.stderr)
        st = await command("jumpcoder.status")
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        out["warm" if warm else "cold"] = {"p50_s": round(percentile(times, 0.5), 3), "max_s": round(max(times), 3),
                                           "times_s": [round(x, 3) for x in times],
                                           "stats": {k: v for k, v in st["stats"].items() if k.startswith(("warm", "model"))}}
    out["model"] = status["model"]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default", help="model spec (preset, path, scripted:...)")
    parser.add_argument("--runtime", default=None, help="torch / llamacpp / auto (the server's runtime setting)")
    parser.add_argument("--threads", type=int, default=None, help="the runtime's CPU threads")
    parser.add_argument("--device", default=None)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pause", type=float, default=0.1, help="chance of a 1.5-5 s pause after each action")
    parser.add_argument("--warm-cache", choices=("true", "false"), default=None, help="the warmCache setting "
                        "(default: the server's)")
    parser.add_argument("--warm-probe", type=int, default=0, metavar="N", help="instead: N requests after a "
                        "warm-up, with warmCache off and on")
    parser.add_argument("--inline-max-lines", type=int, default=None, help="with --warm-probe: the inlineMaxLines setting")
    parser.add_argument("--method", default=None, help="with --warm-probe: the method setting (e.g. autoregressive)")
    parser.add_argument("--warm-wait", type=float, default=4.0, help="with --warm-probe: seconds between the edit and the request")
    parser.add_argument("--json", action="store_true", help="print the report as JSON only")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.warm_cache is not None:
        args.warm_cache = args.warm_cache == "true"
    if args.warm_probe:
        report = asyncio.run(warm_probe(args))
        print(json.dumps(report) if args.json else
              f"model: {report['model']}\nrequest after an edit, warmCache off: p50 {report['cold']['p50_s']:.2f} s "
              f"{report['cold']['times_s']}\n                     warmCache on:  p50 {report['warm']['p50_s']:.2f} s "
              f"{report['warm']['times_s']}\nstats: off {report['cold']['stats']}; on {report['warm']['stats']}")
        return 0
    report = asyncio.run(run(args))
    if args.json:
        print(json.dumps(report))
        return 0
    lat, ch = report["latency_s"], report["after_next_change_s"]
    print(f"model: {report['model']} ({report['device']}), {report['minutes']} min, seed {report['seed']}")
    print(f"answered {report['answered']}/{report['requests']} ({report['answered_before_shutdown']} before shutdown), "
          f"{report['nonempty']} with a suggestion; errors {report['errors']}; {report['changes']} changes, "
          f"{report['client_cancels']} client cancels")
    print(f"request -> answer: p50 {lat['p50']:.2f} s  p95 {lat['p95']:.2f} s  max {lat['max']:.2f} s")
    print(f"next change -> answer ({ch['n']} requests): p50 {ch['p50']:.2f} s  p95 {ch['p95']:.2f} s  max {ch['max']:.2f} s; "
          f"over 2 s: {ch['over_2s']}; never answered: {ch['never_answered']}")
    print(f"answers more than 2 s after the client cancelled: {report['answers_over_2s_after_cancel']}")
    print(f"shutdown with {report['outstanding_at_shutdown']} requests in flight: {report['shutdown_s']:.2f} s")
    print(f"server stats: {report['server_stats']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
