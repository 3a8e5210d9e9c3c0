"""The server reports its languages (over stdio): ``capabilities.experimental.jumpcoder.languages``
in the initialize result and ``languages`` in ``jumpcoder.status``, each language with the LSP
languageIds that select it. The clients attach to exactly these (editors/vscode, editors/neovim),
so a language added to the server needs no client release; every reported languageId must
therefore select its language's spec in the server."""

from __future__ import annotations

import pytest

from jumpcoder_lsp.languages import language_ids, supported_languages

from .wire import Server, initialize

pytestmark = pytest.mark.timeout(120)

JAVA = 'import java.util.List;\n\nclass Words {\n    static List<String> words(String s) {\n        ret\n    }\n}\n'
CPP = "#include <vector>\n\ndouble hyp(double x, double y) {\n    ret\n}\n"
PY = "def hyp(x):\n    ret"
# what the scripted demo model suggests in each (the continuation, the back-inserted line)
WANT = {
    "java": ('urn Arrays.asList(s.split(" "));', "import java.util.Arrays;\n", 1),
    "cpp": ("urn std::sqrt(x * x + y * y);", "#include <cmath>\n", 1),
    "python": ("urn math.sqrt(x)", "import math\n", 0),
}
TEXT = {"java": JAVA, "cpp": CPP, "python": PY}


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def test_initialize_and_status_report_the_languages_with_their_language_ids(server):
    w = server.wire
    caps = initialize(w)["result"]["capabilities"]
    reported = caps["experimental"]["jumpcoder"]["languages"]
    assert reported == language_ids()  # one owner: the language registry
    assert sorted(reported) == supported_languages() == [
        "cpp", "csharp", "go", "java", "javascript", "python", "rust", "typescript", "typescriptreact"]
    assert reported["java"] == ["java"]
    assert reported["cpp"][0] == "cpp" and "c++" in reported["cpp"]
    assert reported["csharp"][0] == "csharp" and "cs" in reported["csharp"]  # Neovim's filetype for C#
    assert reported["python"][0] == "python"
    assert "javascriptreact" in reported["javascript"]  # VS Code's and Neovim's id for .jsx
    status = w.command("jumpcoder.status", {"waitReady": True})
    assert status["languages"] == reported


def _inline(w, uri: str, line: int, character: int) -> list:
    reply = w.call("textDocument/inlineCompletion", {
        "textDocument": {"uri": uri}, "position": {"line": line, "character": character}, "context": {"triggerKind": 1},
    })
    assert "result" in reply, reply
    result = reply["result"]
    return result if isinstance(result, list) else (result or {}).get("items", [])


def test_every_reported_language_id_selects_its_language(server):
    w = server.wire
    reported = initialize(w)["result"]["capabilities"]["experimental"]["jumpcoder"]["languages"]
    w.command("jumpcoder.status", {"waitReady": True})
    n = 0
    for name, ids in reported.items():
        for language_id in ids:
            n += 1
            uri = f"file:///work/doc{n}"
            text = TEXT.get(name, "x\n")
            w.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language_id, "version": 1, "text": text}})
            st = w.command("jumpcoder.status", {"uri": uri})
            assert st["document"]["languageId"] == language_id
            if name not in WANT:
                continue
            lines = text.split("\n")
            line = next(i for i, ln in enumerate(lines) if ln.strip() == "ret")
            items = _inline(w, uri, line, len(lines[line]))
            cont, imp, imp_line = WANT[name]
            assert [it["insertText"] for it in items] == [cont], (language_id, items)
            insertions = items[0]["data"]["insertions"]
            assert [(i["text"], i["line"]) for i in insertions] == [(imp, imp_line)], (language_id, insertions)
    # a languageId the server does not report gets nothing (and no error)
    w.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///work/x.txt", "languageId": "plaintext", "version": 1, "text": PY}})
    assert _inline(w, "file:///work/x.txt", 1, 7) == []
