"""Back-inserted lines a user would accept (issue 15): resolved, placed, formatted, junk.

Runs the engine the way ``jumpcoder-lsp complete`` does (``jumpcoder_lsp.loading`` +
``engine.complete``, the default model, policy "paper") on each buffer of
``benchmarks/data/backinsert`` (``cases.json``: file, 1-based cursor line, the name the buffer
lacks, the kind of definition it needs, and where the conventions put it) and reports:

* **resolved**: the name is no longer undefined in the document after the suggestion (for
  includes/usings the spec cannot check, ``needs``: the line that defines it is there);
* **placed**: of the cases where the suggestion inserted the definition above the cursor, those
  where it sits where the language's conventions put it: an import in the import block (the
  nearest code lines above/below as ``expect_prev``/``expect_next``: the sorted position, after a
  docstring, ``package``, ``#pragma once``...), a helper at module level (Java/C#: a member of
  the class) above its user, a local initialisation in the function above its use;
* **formatted**: of the cases with insertions, those whose inserted lines use the file's line
  breaks and indentation kind (tabs/spaces, multiples of the unit) and the blank lines of the
  conventions (PEP 8: two before a top-level ``def`` after imports and around a top-level helper;
  C-like: one between the import block and the code, one around a method);
* **junk**: inserted functions that are near-copies of the function being written (same
  docstring, or body similarity >= 0.5) and inserted imports nothing uses.

The checks are written here, independently of the engine's own rules. ``--via server`` asks
``jumpcoder-lsp serve`` instead (a real LSP client over stdio: each buffer opened, then
``jumpcoder.completeFunction`` at the cursor with the same model, runtime, threads, policy and line
cap; the ``workspace/applyEdit`` it sends is applied here, edit by edit, and the same checks read the
result) -- what a user of an editor gets. Usage::

    PYTHONPATH=. python benchmarks/backinsert.py --threads 1 --max-lines 8 --out /tmp/after.json
    PYTHONPATH=. python benchmarks/backinsert.py --via server --runtime llamacpp --threads 1 --max-lines 6 --out /tmp/s.json

(``PYTHONPATH`` picks the code under test: run it against another checkout for a before/after.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "backinsert"
EXT = {"py": "python", "java": "java", "cpp": "cpp", "cs": "csharp", "ts": "typescript", "go": "go"}
LANGUAGES = ("python", "java", "cpp", "csharp", "typescript", "go")


def lead(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def file_unit(lines):
    tabs = sum(1 for l in lines if l.strip() and l.startswith("\t"))
    spaces = [len(lead(l)) for l in lines if l.strip() and l.startswith(" ")]
    if tabs > len(spaces):
        return "\t"
    return " " * (min(spaces) if spaces else 4)


def inserted_rows(completion):
    """(row in the new document, text) of every inserted line, and the rows of each insertion."""
    rows, chunks, shift = [], [], 0
    for ins in sorted(completion.insertions, key=lambda i: i.before_line):
        texts = ins.text.splitlines(keepends=True)
        start = ins.before_line + shift
        chunks.append(list(range(start, start + len(texts))))
        rows += list(zip(range(start, start + len(texts)), texts))
        shift += len(texts)
    return rows, chunks


def neighbours(lines, first, last):
    """The nearest non-blank line above ``first`` and below ``last`` (stripped, None at the edges),
    and the blank lines between."""
    above, up = None, 0
    for i in range(first - 1, -1, -1):
        if lines[i].strip():
            above = lines[i].strip()
            break
        up += 1
    below, down = None, 0
    for i in range(last + 1, len(lines)):
        if lines[i].strip():
            below = lines[i].strip()
            break
        down += 1
    return above, up, below, down


IMPORT_RE = {
    "python": re.compile(r"^\s*(import\s|from\s+\S+\s+import\s)"),
    "java": re.compile(r"^\s*(import|package)\s"),
    "cpp": re.compile(r"^\s*#\s*(include|pragma|ifndef|define)\b"),
    "csharp": re.compile(r"^\s*using\s"),
    "typescript": re.compile(r"^\s*import\s"),
    # Go: an import line, or a bare spec inside `import ( ... )` ("fmt", alias "path")
    "go": re.compile(r'^\s*(import\s|import\(|\)\s*$|(\w+\s+|[._]\s+)?"[^"]+"\s*$)'),
}
DEF_RE = {
    "python": re.compile(r"^\s*(async\s+def|def|class)\s"),
    "java": re.compile(r"^\s*(public|private|protected|static|final|\w+(<[^>]*>)?(\[\])?)\s[\w<>\[\], ]*\w+\s*\([^;]*$"),
    "cpp": re.compile(r"^\s*[\w:<>,\s\*&]+\s[\*&]?\w+\s*\([^;]*$"),
    "csharp": re.compile(r"^\s*(public|private|protected|internal|static|\w+(<[^>]*>)?(\[\])?)\s[\w<>\[\], ]*\w+\s*\([^;]*$"),
    "typescript": re.compile(r"^\s*(export\s+)?(async\s+)?function\s+\w+|^\s*(export\s+)?const\s+\w+\s*=\s*(async\s+)?\("),
    "go": re.compile(r"^\s*func\s"),
}


def check(case, lang, spec, text, new, completion):
    lines = new.splitlines(keepends=True)
    old_lines = text.splitlines(keepends=True)
    rows, chunks = inserted_rows(completion)
    name = case["name"]
    if "needs" in case:
        resolved = bool(re.search(case["needs"], new))
    else:
        resolved = name not in {u.name for u in spec.undefined_names(new)}
    out = {"file": case["file"], "kind": case["kind"], "resolved": resolved, "inserted": [t for _, t in rows],
           "continuation": completion.continuation, "seconds": round(completion.seconds, 1), "jumps": completion.jumps}
    # the definition among the inserted lines
    kind = case["kind"]
    imp_re, def_re = IMPORT_RE[lang], DEF_RE[lang]
    placed = None
    if kind == "import":
        hits = [(r, t) for r, t in rows if imp_re.match(t)]
        if hits:
            ok = True
            for r, t in hits:
                above, _, below, _ = neighbours(lines, r, r)
                # in the head: every line above is an import, a comment, a docstring or a header
                head_code = [l for l in lines[:r] if l.strip() and not imp_re.match(l)
                             and not l.strip().startswith(("#", "//", "/*", "*", '"""', "'''", "package"))
                             and not re.match(r'^\s*("""|\'\'\').*', l)]
                if lang == "python":
                    head_code = [l for l in head_code if not re.match(r'^\s*[\w\s.,:;!?()-]*"""\s*$', l)]
                # Go: a bare spec inside `import ( ... )` is indented
                in_group = lang == "go" and any(re.match(r"^\s*import\s*\(\s*$", l) for l in lines[:r]) \
                    and not any(l.strip() == ")" for l in lines[:r])
                ok = ok and not head_code and (not lead(t) or in_group)
                if "expect_prev" in case:
                    ok = ok and above == case["expect_prev"]
                if "expect_next" in case:
                    ok = ok and below == case["expect_next"]
            placed = ok
    elif kind == "helper":
        starts = [i for i, (r, t) in enumerate(rows) if def_re.match(t) and name in t]
        if starts:
            r, t = rows[starts[0]]
            use = next((i for i, l in enumerate(lines) if name in l and i not in {x for x, _ in rows}), len(lines))
            want = "" if lang in ("python", "cpp", "go", "typescript") else file_unit(old_lines)
            placed = lead(t) == want and r < use
    elif kind == "local":
        hits = [(r, t) for r, t in rows if re.search(rf"\b{re.escape(name)}\b\s*:?=", t)]
        if hits:
            r, t = hits[0]
            use = next((i for i, l in enumerate(lines) if re.search(rf"\b{re.escape(name)}\b", l)
                        and i not in {x for x, _ in rows}), len(lines))
            func = next((i for i in range(r - 1, -1, -1) if def_re.match(lines[i])), None)
            # in the function (not a field or a global above it), above the use
            placed = func is not None and len(lead(t).expandtabs(4)) > len(lead(lines[func]).expandtabs(4)) and r < use
    out["placed"] = placed
    # formatting of everything inserted
    formatted = None
    if rows:
        eol = "\r\n" if "\r\n" in text else "\n"
        unit = file_unit(old_lines)
        ok = all(t.endswith(eol) and (eol == "\r\n" or not t.endswith("\r\n")) for _, t in rows)
        for _, t in rows:
            ws = lead(t)
            if t.strip() and ws:
                ok = ok and (("\t" not in ws) if unit != "\t" else (" " not in ws))
                if unit != "\t":
                    ok = ok and len(ws) % len(unit) == 0
        for chunk in chunks:
            code = [r for r in chunk if lines[r].strip()]
            if not code:
                continue
            first, last = code[0], code[-1]
            above, up, below, down = neighbours(lines, first, last)
            top = lines[first]
            if imp_re.match(top) and all(imp_re.match(lines[r]) for r in code):
                if below is not None and not imp_re.match(below):
                    need = 2 if (lang == "python" and re.match(r"^(def|class|async def|@)", below)) else 1
                    ok = ok and down == need
                new_block = below is None or not imp_re.match(below)
                if new_block and above is not None and not imp_re.match(above) and not above.startswith("#!") \
                        and "coding" not in above:
                    ok = ok and up >= 1
            elif def_re.match(top):
                need = 2 if (lang == "python" and not lead(top)) else 1
                if above is not None and not above.endswith(("{", ":")):
                    ok = ok and up == need
                if below is not None and not below.startswith("}"):
                    ok = ok and down == need
        formatted = ok
    out["formatted"] = formatted
    # junk
    near, unused = 0, 0
    cur = case["line"] - 1 + len(rows)
    func = spec.enclosing_function(new, min(cur, len(lines) - 1))
    enclosing = "".join(lines[func.start_line: func.end_line + 1]) if func else ""
    for chunk in chunks:
        body = [lines[r] for r in chunk if lines[r].strip()]
        if not body:
            continue
        if def_re.match(body[0]) and enclosing:
            a = [l.strip() for l in body[1:]]
            b = [l.strip() for l in enclosing.splitlines()[1:] if l.strip()]
            same_doc = bool(a and b and a[0] == b[0] and a[0].startswith(('"""', "'''", "//", "/*")))
            if same_doc or (a and b and SequenceMatcher(None, "\n".join(a), "\n".join(b)).ratio() >= 0.5):
                near += 1
        for r in chunk:
            bound = spec.import_bindings(lines[r]) if imp_re.match(lines[r]) else None
            if bound:
                offset = len("".join(lines[: r + 1]).encode("utf-8"))
                if not bound & spec.names_used(new, offset):
                    unused += 1
    out["near_copy"], out["unused_import"] = near, unused
    return out


def table(results) -> str:
    """The Markdown table of per-case results (per language and all)."""

    def row(label, rs):
        ins = [r for r in rs if r["inserted"]]
        placed = [r for r in rs if r["placed"] is not None]
        return (f"| {label} | {len(rs)} | {sum(r['resolved'] for r in rs)} | {len(ins)} | "
                f"{sum(bool(r['placed']) for r in placed)}/{len(placed)} | "
                f"{sum(bool(r['formatted']) for r in ins)}/{len(ins)} | "
                f"{sum(r['near_copy'] for r in rs)} | {sum(r['unused_import'] for r in rs)} |")

    out = ["| language | buffers | resolved | with insertions | placed per convention | formatted per convention | near-copy functions | unused imports |",
           "|---|---|---|---|---|---|---|---|"]
    for lang in LANGUAGES:
        rs = [r for r in results if r["language"] == lang]
        if rs:
            out.append(row(lang, rs))
    out.append(row("all", results))
    return "\n".join(out)


@dataclass
class Served:
    """What ``jumpcoder.completeFunction`` did to a buffer, in the shape :func:`check` reads (the
    engine's :class:`~jumpcoder_lsp.engine.Completion` has the same fields)."""

    insertions: list
    continuation: str
    seconds: float
    jumps: int


@dataclass
class Inserted:
    before_line: int
    text: str


def lsp_lines(text: str) -> list[str]:
    """The document's lines as LSP counts them (``\r\n``, ``\n`` or ``\r`` end a line)."""
    return re.split(r"\r\n|\n|\r", text)


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def lsp_offset(text: str, line: int, character: int) -> int:
    """The string offset of an LSP position (UTF-16 columns)."""
    offset = 0
    for m in re.finditer(r"[^\r\n]*(\r\n|\n|\r|$)", text):
        if line == 0:
            row, col = m.group(0).rstrip("\r\n"), 0
            for i, ch in enumerate(row):
                if col >= character:
                    return offset + i
                col += utf16_len(ch)
            return offset + len(row)
        line -= 1
        offset = m.end()
        if offset >= len(text):
            break
    return len(text)


def apply_lsp_edits(text: str, edits: list) -> str:
    """TextEdits (all relative to ``text``) applied back to front, as a client does."""
    spans = sorted(((lsp_offset(text, e["range"]["start"]["line"], e["range"]["start"]["character"]),
                     lsp_offset(text, e["range"]["end"]["line"], e["range"]["end"]["character"]), i, e["newText"])
                    for i, e in enumerate(edits)), key=lambda x: (x[0], x[2]), reverse=True)
    for a, b, _, new in spans:
        text = text[:a] + new + text[b:]
    return text


def served(edits: list, line: int, column: int, result: dict, seconds: float) -> Served:
    """Read the edits back into insertions above the cursor (pure insertions at column 0) and the
    continuation (the edit that ends at the cursor, the last one the server sends)."""
    main = None
    if edits and result.get("lines", 0) and edits[-1]["range"]["end"] == {"line": line, "character": column}:
        main = edits[-1]
    elif edits and edits[-1]["range"]["start"] != edits[-1]["range"]["end"]:  # replaces the indentation
        main = edits[-1]
    inserted = [Inserted(e["range"]["start"]["line"], e["newText"]) for e in edits if e is not main and e["newText"]]
    return Served(inserted, main["newText"] if main else "", seconds, int(result.get("jumps", 0)))


async def serve_cases(args, cases, data: Path, report) -> str:
    """Run every case through ``jumpcoder-lsp serve`` over stdio; ``report(case, text, new,
    served)`` gets each. Returns the server's model description."""
    import asyncio

    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("backinsert", "1")
    applied: list = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams):
        applied.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params):
        return None

    for method in (types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, types.PROGRESS, types.WINDOW_LOG_MESSAGE):
        client.feature(method)(lambda params: None)

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show(params):
        print(f"[server] {params.message}", file=sys.stderr)

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(HERE.parent)) if p)
    command = [sys.executable, "-m", "jumpcoder_lsp.cli", "serve", "--model", args.preset]  # = jumpcoder-lsp serve
    if args.preset.startswith("scripted:"):
        command.append("--allow-scripted")
    await client.start_io(*command, env=env)
    options = {"model": args.preset, "runtime": args.runtime, "threads": args.threads, "functionPolicy": "paper",
               "debounceMs": 0}
    if args.max_lines:
        options["maxLines"] = args.max_lines
    caps = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True, workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)),
    )
    await client.initialize_async(types.InitializeParams(capabilities=caps, initialization_options=options,
                                                         process_id=os.getpid()))
    client.initialized(types.InitializedParams())

    async def command_(name, *arguments):
        return await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments)))

    status = await command_("jumpcoder.status", {"waitReady": True})
    if status.get("state") != "ready":
        raise SystemExit(f"the server's model did not load: {status.get('error')}")
    description = str(status.get("model"))
    print(f"server ready: {description}; {len(cases)} buffers", file=sys.stderr)
    for n, case in enumerate(cases):
        with open(data / case["file"], newline="") as f:
            text = f.read()
        lang = EXT[case["file"].rsplit(".", 1)[1]]
        uri = f"file:///backinsert/{n}/{case['file']}"
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=lang, version=1, text=text)))
        line = case["line"] - 1
        rows = lsp_lines(text)
        column = utf16_len(rows[line]) if line < len(rows) else 0
        applied.clear()
        t0 = time.perf_counter()
        result = await command_("jumpcoder.completeFunction",
                                {"uri": uri, "position": {"line": line, "character": column}})
        seconds = time.perf_counter() - t0
        result = result if isinstance(result, dict) else {}
        edits = []
        for edit in applied:
            changes = [c.edits for c in edit.document_changes or []] + list((edit.changes or {}).values())
            for es in changes:
                edits += [{"range": {"start": {"line": e.range.start.line, "character": e.range.start.character},
                                     "end": {"line": e.range.end.line, "character": e.range.end.character}},
                           "newText": e.new_text} for e in es]
        new = apply_lsp_edits(text, edits)
        report(case, text, new, served(edits, line, column, result, seconds))
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
    await client.shutdown_async(None)
    client.exit(None)
    await asyncio.sleep(0.2)
    await client.stop()
    return description


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--preset", default="qwen2.5-coder-0.5b",
                   help="model preset (through the server also scripted:<module>:<function>, for a dry run)")
    p.add_argument("--runtime", default="auto")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-lines", type=int, default=None, help="engine max_lines (default: the engine's)")
    p.add_argument("--via", choices=("engine", "server"), default="engine",
                   help="engine: engine.complete in this process (as `jumpcoder-lsp complete`); server: "
                        "jumpcoder.completeFunction through `jumpcoder-lsp serve` over stdio")
    p.add_argument("--only", default="", help="run only files whose name contains one of these (comma-separated)")
    p.add_argument("--out", default="", help="write the per-case results as JSON")
    p.add_argument("--report", default="", help="print the table of a results JSON (no model run)")
    args = p.parse_args(argv)
    if args.report:
        print(table(json.loads(Path(args.report).read_text())))
        return 0
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    from jumpcoder_lsp.languages import get_language

    data = Path(args.data)
    only = args.only.split(",")
    cases = [c for c in json.loads((data / "cases.json").read_text()) if any(o in c["file"] for o in only)]
    results = []

    def report(case, text, new, completion) -> None:
        lang = EXT[case["file"].rsplit(".", 1)[1]]
        spec = get_language(lang)
        try:
            r = check(case, lang, spec, text, new, completion)
        except Exception as exc:  # a check that breaks is a result to read, not a lost run
            r = {"file": case["file"], "kind": case["kind"], "resolved": False, "placed": None, "formatted": None,
                 "near_copy": 0, "unused_import": 0, "inserted": [], "seconds": round(completion.seconds, 1),
                 "error": repr(exc)}
        r["language"] = lang
        r["via"] = args.via
        results.append(r)
        print(f"{case['file']:32s} resolved={r['resolved']!s:5s} placed={r['placed']!s:5s} "
              f"formatted={r['formatted']!s:5s} near={r['near_copy']} unused={r['unused_import']} "
              f"{r['seconds']:5.1f}s inserted={''.join(r['inserted'])!r} {r.get('error', '')}", file=sys.stderr)
        if args.out:
            Path(args.out).write_text(json.dumps(results, indent=1))

    started = time.perf_counter()
    if args.via == "server":
        import asyncio

        description = asyncio.run(serve_cases(args, cases, data, report))
    else:
        from jumpcoder_lsp.engine import complete
        from jumpcoder_lsp.engine.apply import apply_completion
        from jumpcoder_lsp.loading import engine_config_for, load_model_pair

        models = load_model_pair(args.preset, runtime=args.runtime, threads=args.threads)
        description = models.description
        print(f"model: {description}; {len(cases)} buffers", file=sys.stderr)
        for case in cases:
            lang = EXT[case["file"].rsplit(".", 1)[1]]
            with open(data / case["file"], newline="") as f:
                text = f.read()
            line = case["line"] - 1
            doc = text.splitlines(keepends=True)
            column = len(doc[line].rstrip("\r\n")) if line < len(doc) else 0
            overrides = {"policy": "paper"}
            if args.max_lines:
                overrides["max_lines"] = args.max_lines
            config = engine_config_for(args.preset, lang, overrides)
            completion = complete(text, line, column, models=models, language=get_language(lang), config=config)
            report(case, text, apply_completion(text, line, column, completion), completion)
    total = time.perf_counter() - started

    print(table(results))
    print(f"\n{len(results)} buffers in {total:.0f} s via {args.via} ({description})")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
