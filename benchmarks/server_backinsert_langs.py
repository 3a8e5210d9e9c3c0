"""Back-inserted lines through the server, per language: starts ``python -m jumpcoder_lsp.server``
over stdio with a real LSP client (pygls, as benchmarks/lsp_latency.py), opens each example buffer
(a missing import: examples/read_port.ts, examples/count_words.go, examples/word_count.rs), and at its cursor runs
``jumpcoder.completeFunction`` (the edit comes back as a ``workspace/applyEdit``, which this
client records and accepts) and ``textDocument/inlineCompletion`` (the item's insertion
commands / additional edits), printing the lines each inserts above the cursor.

    PYTHONPATH=$PWD python benchmarks/server_backinsert_langs.py --threads 1 --max-lines 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
#: file, language id, 1-based cursor line (the cursor at the end of that line)
CASES = [("examples/read_port.ts", "typescript", 6), ("examples/count_words.go", "go", 9),
         ("examples/word_count.rs", "rust", 9)]


def edits_above(edit_json, cursor_line: int) -> list[str]:
    """The texts of the edits (a WorkspaceEdit as JSON) that start above the cursor line."""
    out = []
    for dc in edit_json.get("documentChanges") or []:
        for e in dc.get("edits", []):
            if e["range"]["start"]["line"] < cursor_line:
                out.append(e["newText"])
    for es in (edit_json.get("changes") or {}).values():
        for e in es:
            if e["range"]["start"]["line"] < cursor_line:
                out.append(e["newText"])
    return out


async def run(args) -> int:
    client = LanguageClient("backinsert-langs", "1")
    applied = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params):
        applied.append(json.loads(json.dumps(client.protocol._converter.unstructure(params.edit))))
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params):
        return None

    for m in (types.WINDOW_SHOW_MESSAGE, types.WINDOW_LOG_MESSAGE, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
              types.PROGRESS):
        client.feature(m)(lambda params: None)

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("JUMPCODER_LSP_MODEL", None)
    await client.start_io(sys.executable, "-m", "jumpcoder_lsp.server", env=env)
    options = {"threads": args.threads, "inlineMaxLines": args.max_lines, "maxLines": args.max_lines,
               "inlineBudgetMs": args.inline_budget_ms}
    caps = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities(dynamic_registration=True)),
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True, workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)),
    )
    await client.initialize_async(types.InitializeParams(capabilities=caps, initialization_options=options,
                                                         process_id=os.getpid()))
    client.initialized(types.InitializedParams())

    async def command(name, *arguments):
        return await client.workspace_execute_command_async(types.ExecuteCommandParams(command=name,
                                                                                       arguments=list(arguments)))

    status = await command("jumpcoder.status", {"waitReady": True})
    print(f"model: {status.get('model')} ({status.get('state')})")
    for path, lang, line1 in [c for c in CASES if c[0].rsplit(".", 1)[1] in args.cases.split(",")]:
        text = (ROOT / path).read_text()
        uri = (ROOT / path).as_uri()
        line = line1 - 1
        char = len(text.split("\n")[line])
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=lang, version=1, text=text)))
        pos = {"line": line, "character": char}
        if "function" in args.requests:
            applied.clear()
            t0 = time.perf_counter()
            await command("jumpcoder.completeFunction", {"uri": uri, "position": pos})
            dt = time.perf_counter() - t0
            above = [t for e in applied for t in edits_above(e, line)]
            print(f"{path} completeFunction ({dt:.1f} s): inserted above the cursor {above}")
        if "inline" in args.requests:
            t0 = time.perf_counter()
            result = await client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION,
                types.InlineCompletionParams(text_document=types.TextDocumentIdentifier(uri=uri),
                                             position=types.Position(line, char),
                                             context=types.InlineCompletionContext(
                                                 trigger_kind=types.InlineCompletionTriggerKind.Invoked)))
            dt = time.perf_counter() - t0
            items = result if isinstance(result, list) else (getattr(result, "items", None) or [])
            for it in items[:1]:
                raw = json.loads(json.dumps(client.protocol._converter.unstructure(it)))
                cmd = raw.get("command") or {}
                extra = [a for a in cmd.get("arguments", [])]
                print(f"{path} inline ({dt:.1f} s): {raw.get('insertText')!r}; command "
                      f"{cmd.get('command')} {json.dumps(extra)[:600]}")
            if not items:
                print(f"{path} inline ({dt:.1f} s): no item")
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-lines", type=int, default=4)
    ap.add_argument("--inline-budget-ms", type=int, default=500,
                    help="the server's inlineBudgetMs (0: the inline answer waits for the whole run)")
    ap.add_argument("--cases", default="ts,go,rs", help="ts, go, rs (comma-separated)")
    ap.add_argument("--requests", default="function,inline", help="function, inline or both (comma-separated)")
    args = ap.parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
