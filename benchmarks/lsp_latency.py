"""Latency of the inline suggestion, measured like an editor sees it, per runtime and policy.

For each runtime (``--runtime``, one server each, one after the other in this run) it starts
``python -m jumpcoder_lsp.server`` over stdio, initializes like VS Code (UTF-16) with the server's
own defaults (``inlineMaxLines`` 8, ``inlineBudgetMs`` 500 unless given here; ``debounceMs`` 0:
the model only), waits for the model to load, then for each buffer and each policy (``--policy``:
``inline``, ``paper``, ``cpu``, the server setting ``policy`` with ``method: jumpcoder``, or
``autoregressive``, the setting ``method: autoregressive`` that disables jumps; switched with
``workspace/didChangeConfiguration``, in alternating order from buffer to buffer so that neither
always finds the other's prompt in the runtime's prefix cache):

1. opens the document, types its last line one keystroke at a time (a didChange each), asks
   ``textDocument/inlineCompletion`` (automatic trigger) and times it: **first suggestion**;
2. on a back-insert buffer (the ``backinsert`` set: a name used before it is imported or defined),
   asks again at the same place until an answer carries a back-insertion (the item's command
   ``jumpcoder.applyEdit`` with non-empty ``insertions``, or ``data.insertions``) or the run has
   ended without one: **back-insert** time, counted from the first request, and how many got one;
3. types the first characters of the suggestion and asks again: **typing along**, and whether the
   server answered it without a new model run (its ``jumpcoder.status`` stats ``cache_hits``:
   the suggestion cache, and ``followed_answers``: the run still going that the user typed along);
4. waits until the server is idle and takes the whole suggestion from the cache: the characters
   it writes (continuation and inserted lines) over the model time of that run (the server's
   ``model_ms`` stat) give a rate; **ratio** is a policy's rate over ``autoregressive``'s on the
   same buffers in the same server (characters per second, not tokens: the same buffers and
   the same model, so the tokenizer's characters per token cancel out).

    python benchmarks/lsp_latency.py                      # the default model, inline vs autoregressive
    python benchmarks/lsp_latency.py --runtime llamacpp,torch --policy inline,paper,autoregressive --threads 1
    python benchmarks/lsp_latency.py --model scripted:jumpcoder_lsp.server.scripted:demo --runs 1

Goal (issue 4/14): first line under 2 s on CPU (p50 500 ms), under 300 ms on a GPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

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

#: buffers where a name is used before it is imported or defined (the last line is typed, as above).
#: The first three are also answered by the scripted demo model (jumpcoder_lsp/server/scripted.py
#: RULES: hyp, product, count_primes), with insertions, which the benchmark's test relies on.
BACKINSERT_PROMPTS = [
    "def hyp(x):\n    return math.sqrt(",  # math, no import
    "def product(xs):\n    return reduce(",  # functools.reduce, no import
    # a helper used before it is defined
    "def count_primes(n):\n    total = 0\n    for i in range(n):\n        if is_prime(i):\n"
    "            total += 1\n    ret",
    # benchmarks/data/backinsert/py_import_sorted.py: heapq used under an import block without it
    '"""Top-k helpers."""\nimport os\nimport sys\n\n\ndef top_k(nums, k):\n    """Return the k largest numbers."""\n'
    "    best = heapq.nlargest(k, nums)\n    ",
    'def extract_emails(text):\n    """All e-mail addresses in text."""\n'
    '    found = re.findall(r"[\\w.+-]+@[\\w-]+\\.[\\w.]+", text)\n    ',
    'def most_common_words(text, n):\n    """The n most frequent words of text, with their counts."""\n'
    "    counts = Counter(text.lower().split())\n    ",
]

PROMPT_SETS = {"plain": PROMPTS, "backinsert": BACKINSERT_PROMPTS}
POLICIES = ("inline", "paper", "cpu", "autoregressive")
RUNTIMES = ("auto", "torch", "llamacpp", "remote")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(values: list[float], q: float):
    return round(percentile(values, q) * 1000, 1) if values else None


def end_position(text: str) -> types.Position:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return types.Position(line=len(lines) - 1, character=len(lines[-1].encode("utf-16-le")) // 2)


def policy_settings(policy: str) -> dict:
    """The server settings of a ``--policy`` entry (jumpcoder_lsp/config.py: ``method``,
    ``policy``): ``autoregressive`` is the method that never jumps."""
    if policy == "autoregressive":
        return {"method": "autoregressive"}
    return {"method": "jumpcoder", "policy": policy}


def item_insertions(item) -> list:
    """The lines an inline item inserts above the cursor: its ``jumpcoder.applyEdit`` command's
    ``insertions`` (the client library drops the item's ``data``, which holds the same list)."""
    data = getattr(item, "data", None)
    if isinstance(data, dict) and data.get("insertions"):
        return list(data["insertions"])
    command = getattr(item, "command", None)
    for arg in (getattr(command, "arguments", None) or []):
        if isinstance(arg, dict) and arg.get("insertions"):
            return list(arg["insertions"])
    return []


def item_text(item) -> str:
    if item is None:
        return ""
    text = item.insert_text
    return text if isinstance(text, str) else getattr(text, "value", "")


def insertion_text(insertions: list) -> str:
    return "".join(i.get("text", "") if isinstance(i, dict) else str(i) for i in insertions)


def cpu_flags() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    return sorted(set(re.findall(r"\b(avx512_bf16|amx_bf16|avx2)\b", text)))


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


class Row:
    """What one policy's requests measured in one server."""

    def __init__(self, policy: str):
        self.policy = policy
        self.first: list[float] = []
        self.empty = 0
        self.lines_out: list[int] = []
        self.bi_buffers = 0
        self.bi_times: list[float] = []
        self.along: list[float] = []
        self.along_hits = 0
        self.along_cache = 0
        self.along_followed = 0
        self.chars = 0
        self.model_s = 0.0
        self.rate_buffers = 0
        self.rate_skipped = 0
        self.by_set: dict[str, list] = {}  # set -> [chars, model seconds, buffers]

    def to_json(self) -> dict:
        return {
            "policy": self.policy,
            "requests": len(self.first),
            "first_suggestion_ms": {"p50": ms(self.first, 0.5), "p95": ms(self.first, 0.95),
                                    "mean": round(statistics.mean(self.first) * 1000, 1) if self.first else None},
            "empty_suggestions": self.empty,
            "backinsert": {"buffers": self.bi_buffers, "with_insertions": len(self.bi_times),
                           "p50_ms": ms(self.bi_times, 0.5), "p95_ms": ms(self.bi_times, 0.95)},
            "typing_along": {"requests": len(self.along), "hits": self.along_hits, "cache_hits": self.along_cache,
                             "followed": self.along_followed, "p50_ms": ms(self.along, 0.5),
                             "p95_ms": ms(self.along, 0.95)},
            "rate": {"chars": self.chars, "model_s": round(self.model_s, 3), "buffers": self.rate_buffers,
                     "skipped": self.rate_skipped,
                     "chars_per_s": round(self.chars / self.model_s, 2) if self.model_s > 0 else None},
            "rate_by_set": {k: {"chars": c, "model_s": round(m, 3), "buffers": b,
                                "chars_per_s": round(c / m, 2) if m > 0 else None}
                            for k, (c, m, b) in self.by_set.items()},
            "ratio_vs_autoregressive": None,
            "ratio_vs_autoregressive_by_set": {},
        }


async def run(args) -> dict:
    """One server (``args.runtime`` or ``args.options``' runtime), every policy of ``args.policies``
    on the buffers of ``args.sets``; returns the report (rows per policy; the first row's figures
    also at the top level, as before: benchmarks/shared_engine.py reads them)."""
    policies = list(getattr(args, "policies", None) or [None])  # None: the server's settings as started
    sets = list(getattr(args, "sets", None) or ["plain"])
    runtime = getattr(args, "runtime", None)
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

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params):  # nothing here applies a suggestion's insertions
        return types.ApplyWorkspaceEditResult(applied=False, failure_reason="benchmark client")

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("JUMPCODER_LSP_MODEL", None)
    load_before = loadavg()
    t0 = time.perf_counter()
    # --allow-scripted: --model may name a scripted model (the server refuses them from clients otherwise)
    await client.start_io(sys.executable, "-m", "jumpcoder_lsp.server", "--allow-scripted", env=env)
    options = {"model": args.model, "debounceMs": args.debounce_ms}
    if getattr(args, "inline_max_lines", None) is not None:
        options["inlineMaxLines"] = args.inline_max_lines
    if getattr(args, "inline_budget_ms", None) is not None:
        options["inlineBudgetMs"] = args.inline_budget_ms
    if getattr(args, "threads", None) is not None:
        options["threads"] = args.threads
    if runtime and runtime != "auto":
        options["runtime"] = runtime
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

    async def stats() -> dict:
        return dict((await command("jumpcoder.status"))["stats"])

    status = await command("jumpcoder.status", {"waitReady": True})
    t_ready = time.perf_counter() - t0
    if status["state"] != "ready":
        raise SystemExit(f"model did not load: {status.get('error')}")
    config = status["config"]
    print(f"server up in {t_init:.2f} s, model ready after {t_ready:.1f} s: {status['model']} "
          f"(runtime {config.get('runtime')}, inlineMaxLines {config.get('inlineMaxLines')}, "
          f"inlineBudgetMs {config.get('inlineBudgetMs')})", file=sys.stderr)

    current = [None]

    async def use_policy(policy):
        if policy is None or current[0] == policy:
            return
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=policy_settings(policy)))
        got = (await command("jumpcoder.status"))["config"]
        want = policy_settings(policy)
        if any(got.get(k) != v for k, v in want.items()):
            raise SystemExit(f"the server did not take {want}: {got}")
        current[0] = policy

    def change(uri, version, pos, text):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=pos, end=pos), text=text)],
            )
        )

    async def inline(uri, pos):
        params = types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=pos,
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
        )
        result = await client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params)
        items = result if isinstance(result, list) else (getattr(result, "items", None) or [])
        return items[0] if items else None

    async def one_buffer(row: Row, uri: str, prompt: str, set_name: str):
        backinsert = set_name == "backinsert"
        head, _, last = prompt.rpartition("\n")
        text = head + "\n"
        version = 1
        before = await stats()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )
        for ch in last:  # keystrokes
            version += 1
            change(uri, version, end_position(text), ch)
            text += ch
        pos = end_position(text)
        t = time.perf_counter()
        item = await inline(uri, pos)
        dt = time.perf_counter() - t
        suggestion, answered = item_text(item), item is not None
        row.first.append(dt)
        row.lines_out.append(suggestion.count("\n") + 1 if suggestion else 0)
        row.empty += 0 if item is not None else 1
        if args.verbose:
            print(f"{uri}: {dt * 1000:.0f} ms {suggestion!r} +{item_insertions(item) if item else []}", file=sys.stderr)
        if backinsert:
            row.bi_buffers += 1
            got = item_insertions(item) if item is not None else []
            last_try = False
            while item is not None and not got:
                # ask again at the same place: the run going on answers with its result so far
                # (within the inline budget), then, once it has ended, the cache its whole text
                item = await inline(uri, pos)
                got = item_insertions(item) if item is not None else []
                if got or last_try:
                    break
                if (await command("jumpcoder.status"))["busy"] == 0:
                    last_try = True  # the run has ended: one more answer, its whole text
            if got:
                row.bi_times.append(time.perf_counter() - t)
                if args.verbose:
                    print(f"  back-insertion after {(time.perf_counter() - t) * 1000:.0f} ms: {got}", file=sys.stderr)
        # type along the suggestion: served from the cache or from the run going on
        # (up to 3 characters of its first line, leaving at least one: typed to its end, nothing is left to suggest)
        first_line = re.split(r"\r\n|\r|\n", suggestion, maxsplit=1)[0]
        typed = first_line[: min(3, len(first_line) - 1)]
        if typed:
            version += 1
            change(uri, version, pos, typed)
            text += typed
            pos = end_position(text)
            s0 = await stats()
            t = time.perf_counter()
            await inline(uri, pos)
            row.along.append(time.perf_counter() - t)
            s1 = await stats()
            cache = s1.get("cache_hits", 0) - s0.get("cache_hits", 0)
            followed = s1.get("followed_answers", 0) - s0.get("followed_answers", 0)
            row.along_cache += cache
            row.along_followed += followed
            row.along_hits += 1 if cache + followed else 0
        else:
            typed = ""
        # the whole suggestion, once the run has ended, and the model time it took
        await command("jumpcoder.status", {"waitIdle": True})
        # (an empty first answer is not in the cache: asking again would start another run)
        whole = await inline(uri, pos) if answered else None
        after = await stats()
        runs = after.get("model_runs", 0) - before.get("model_runs", 0)
        if whole is not None and runs == 1:
            chars = len(typed) + len(item_text(whole)) + len(insertion_text(item_insertions(whole)))
            seconds = (after.get("model_ms", 0) - before.get("model_ms", 0)) / 1000
            row.chars += chars
            row.model_s += seconds
            row.rate_buffers += 1
            acc = row.by_set.setdefault(set_name, [0, 0.0, 0])
            acc[0] += chars
            acc[1] += seconds
            acc[2] += 1
        else:
            row.rate_skipped += 1  # no whole text, or more than one model run for the buffer
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    rows = {p: Row(p or "(server settings)") for p in policies}
    name = getattr(args, "name", "c")
    n = 0
    for run_i in range(args.runs):
        for set_name in sets:
            for i, prompt in enumerate(PROMPT_SETS[set_name][: args.prompts]):
                order = policies if n % 2 == 0 else list(reversed(policies))
                n += 1
                for policy in order:
                    await use_policy(policy)
                    uri = f"file:///bench/{name}_{policy or 'default'}_r{run_i}_{set_name}{i}.py"
                    await one_buffer(rows[policy], uri, prompt, set_name)

    final = await command("jumpcoder.status")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    out_rows = [r.to_json() for r in rows.values()]
    ar = rows.get("autoregressive")
    ar_rate = ar.chars / ar.model_s if ar is not None and ar.model_s > 0 else None
    for r, j in zip(rows.values(), out_rows):
        if ar_rate and r.model_s > 0 and r.policy != "autoregressive":
            j["ratio_vs_autoregressive"] = round(r.chars / r.model_s / ar_rate, 3)
        for k, (c, m, _b) in r.by_set.items():
            ac, am, _ab = ar.by_set.get(k, (0, 0.0, 0)) if ar is not None else (0, 0.0, 0)
            if r.policy != "autoregressive" and m > 0 and ac > 0 and am > 0:
                j["ratio_vs_autoregressive_by_set"][k] = round(c / m / (ac / am), 3)
    first = out_rows[0]
    report = {
        "model": status["model"],
        "runtime": config.get("runtime"),
        "device_note": args.device or "auto",
        "device": status.get("device"),
        "inline_max_lines": config.get("inlineMaxLines"),
        "inline_budget_ms": config.get("inlineBudgetMs"),
        "debounce_ms": config.get("debounceMs"),
        "threads": config.get("threads"),
        "sets": sets,
        "rows": out_rows,
        # the first row, as the report had it before rows (benchmarks/shared_engine.py)
        "requests": first["requests"],
        "first_suggestion_ms": first["first_suggestion_ms"],
        "typing_along_ms": {"p50": first["typing_along"]["p50_ms"], "p95": first["typing_along"]["p95_ms"]},
        "empty_suggestions": first["empty_suggestions"],
        "model_ready_s": round(t_ready, 1),
        "load_average": {"before": load_before, "after": loadavg()},
        "server_stats": final.get("stats", {}),
    }
    return report


def _f(v, fmt="{:.0f}") -> str:
    return "-" if v is None else fmt.format(v)


def table(reports: list[dict]) -> str:
    head = (f"{'runtime':10s} {'policy':15s} {'first p50':>10s} {'first p95':>10s} {'backins p50':>12s} "
            f"{'backins':>8s} {'along p50':>10s} {'hits':>7s} {'chars/s':>8s} {'vs AR':>6s}")
    out = [head, "-" * len(head)]
    for rep in reports:
        for r in rep["rows"]:
            f, b, a, rate = r["first_suggestion_ms"], r["backinsert"], r["typing_along"], r["rate"]
            out.append(
                f"{str(rep['runtime']):10s} {r['policy']:15s} {_f(f['p50']) + ' ms':>10s} {_f(f['p95']) + ' ms':>10s} "
                f"{_f(b['p50_ms']) + ' ms':>12s} {str(b['with_insertions']) + '/' + str(b['buffers']):>8s} "
                f"{_f(a['p50_ms'], '{:.1f}') + ' ms':>10s} {str(a['hits']) + '/' + str(a['requests']):>7s} "
                f"{_f(rate['chars_per_s'], '{:.1f}'):>8s} {_f(r['ratio_vs_autoregressive'], '{:.2f}'):>6s}"
            )
    return "\n".join(out)


def parse_list(value: str, known, what: str, parser) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    for v in items:
        if v not in known:
            parser.error(f"unknown {what} {v!r} (known: {', '.join(known)})")
    return items


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default", help="model spec (preset, path, scripted:...)")
    parser.add_argument("--device", default=None, help="cpu / cuda / auto")
    parser.add_argument("--runtime", default="auto",
                        help="comma-separated runtimes, one server each: auto (the server's), torch, llamacpp, remote")
    parser.add_argument("--policy", default="inline,autoregressive",
                        help="comma-separated: inline, paper, cpu (the policy setting), autoregressive (method)")
    parser.add_argument("--sets", default="plain,backinsert", help="prompt sets: plain, backinsert")
    parser.add_argument("--runs", type=int, default=2, help="passes over the prompts")
    parser.add_argument("--prompts", type=int, default=max(len(PROMPTS), len(BACKINSERT_PROMPTS)),
                        help="how many prompts of each set per pass")
    parser.add_argument("--inline-max-lines", type=int, default=None,
                        help="lines per suggestion (default: the server's, 8)")
    parser.add_argument("--debounce-ms", type=int, default=0, help="server debounce (0: measure the model only)")
    parser.add_argument("--inline-budget-ms", type=int, default=None,
                        help="the server's inlineBudgetMs (default: the server's, 500; 0: the whole run)")
    parser.add_argument("--threads", type=int, default=None, help="the server's threads setting")
    parser.add_argument("--json", action="store_true", help="print the report as JSON only")
    parser.add_argument("--out", default=None, help="also write the JSON report to this file")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    runtimes = parse_list(args.runtime, RUNTIMES, "runtime", parser)
    policies = parse_list(args.policy, POLICIES, "policy", parser)
    sets = parse_list(args.sets, tuple(PROMPT_SETS), "prompt set", parser)
    report = asyncio.run(run_all(args, runtimes, policies, sets))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    if args.json:
        print(json.dumps(report))
    else:
        print(render(report))
    return 0


async def run_all(args, runtimes: list[str], policies: list[str], sets: list[str]) -> dict:
    """Every runtime, one server after the other, in this run."""
    reports = []
    for runtime in runtimes:
        a = SimpleNamespace(**{**vars(args), "runtime": runtime, "policies": policies, "sets": sets})
        reports.append(await run(a))
    return {"command": sys.argv[1:], "cpu_flags": cpu_flags(), "runs": reports}


def render(report: dict) -> str:
    lines = []
    for rep in report["runs"]:
        lines.append(f"{rep['runtime']}: {rep['model']} (device {rep['device']}, threads {rep['threads']}, "
                     f"inlineMaxLines {rep['inline_max_lines']}, inlineBudgetMs {rep['inline_budget_ms']}, "
                     f"debounceMs {rep['debounce_ms']}; load average {rep['load_average']['before']} -> "
                     f"{rep['load_average']['after']})")
    lines.append(f"CPU flags: {' '.join(report['cpu_flags']) or '-'}")
    lines.append(table(report["runs"]))
    lines.append("backins: buffers whose suggestion carried a back-insertion; hits: typing-along answers "
                 "without a new model run; chars/s: whole suggestion (continuation + inserted lines) over the "
                 "server's model_ms; vs AR: that rate over autoregressive's on the same buffers")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
