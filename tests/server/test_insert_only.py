"""Insert-only suggestions over stdio (issue 15): the cursor line is complete, so nothing is added at
the cursor, but the scripted demo model (jumpcoder_lsp/server/scripted.py) still has lines to insert
above it (``import math`` for ``hyp``; ``import math`` and the ``is_prime`` helper for
``count_primes``). Inline completion and completion offer them anyway; ``jumpcoder.applyEdit``
inserts them, once, and only while the text before the cursor is what the suggestion saw."""

from __future__ import annotations

import pytest
from lsprotocol import types

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

URI = "file:///work/insert_only.py"
HYP = "def hyp(x):\n    return math.sqrt(x)"  # complete: the only thing missing is the import
PRIMES = (
    "import os\n\n\ndef count_primes(n):\n    total = 0\n    for i in range(n):\n        if is_prime(i):\n"
    "            total += 1\n    return total"
)
HELPER = "def is_prime(k):\n    return k > 1 and all(k % d for d in range(2, math.isqrt(k) + 1))\n\n\n"


def inline_raw(editor, uri, position):
    """The inline answer as plain JSON (what a client sees, ``data`` included)."""
    return editor.send_raw({
        "method": "textDocument/inlineCompletion",
        "params": {"textDocument": {"uri": uri}, "position": {"line": position.line, "character": position.character},
                   "context": {"triggerKind": 1}},
    })


async def test_inline_offers_an_insert_only_item_and_its_command_inserts_the_lines(editor):
    editor.open(URI, HYP)
    cur = editor.end(URI)
    [item] = await inline_raw(editor, URI, cur)
    assert item["insertText"] == ""
    here = {"line": cur.line, "character": cur.character}
    assert item["range"] == {"start": here, "end": here}  # inserts nothing, replaces nothing
    assert item["data"]["insertOnly"] is True
    assert item["data"]["insertions"] == [{"line": 0, "text": "import math\n"}]
    assert item["data"]["summary"] == "insert `import math` at line 1"
    command = item["command"]
    assert command["command"] == "jumpcoder.applyEdit"
    assert command["arguments"][0]["insertions"] == item["data"]["insertions"]
    assert command["arguments"][0]["id"] == item["data"]["id"]

    # accepting inserts nothing at the cursor: the client runs the command straight away
    edit_done = editor.next_edit()
    result = await editor.command(command["command"], *command["arguments"])
    assert result == {"applied": True, "edits": 1} and await edit_done
    assert editor.texts[URI] == "import math\n" + HYP
    [applied] = editor.applied_edits
    assert applied.edit.document_changes[0].text_document.version == 1  # the version it was computed for
    # no continuation went in before it: editors make it an undo step of its own (not joined)
    assert applied.label == "JumpCoder: inserted lines (insert-only suggestion)"
    again = await editor.command(command["command"], *command["arguments"])
    assert again == {"applied": False, "reason": "already applied"}
    assert editor.texts[URI].count("import math") == 1


async def test_the_same_state_is_served_from_the_cache(editor):
    editor.open(URI, HYP)
    [first] = await inline_raw(editor, URI, editor.end(URI))
    runs = (await editor.status())["stats"]["model_runs"]
    [again] = await inline_raw(editor, URI, editor.end(URI))  # an editor asks again (cursor events)
    assert again["data"]["id"] == first["data"]["id"] and again["insertText"] == ""
    assert (await editor.status())["stats"]["model_runs"] == runs


async def test_a_helper_and_an_import_above_a_complete_function(editor):
    editor.open(URI, PRIMES)
    items = await editor.inline(URI, editor.end(URI))
    assert len(items) == 1 and items[0].insert_text == ""
    [raw] = await inline_raw(editor, URI, editor.end(URI))
    assert raw["data"]["insertions"] == [{"line": 1, "text": "import math\n"}, {"line": 3, "text": HELPER}]
    assert raw["data"]["summary"] == "insert `import math` at line 2 and `def is_prime(k):` (4 lines) at line 5"
    result = await editor.command(items[0].command.command, *items[0].command.arguments)
    assert result["applied"] is True
    assert editor.texts[URI] == "import os\nimport math\n\n\n" + HELPER + PRIMES[len("import os\n\n\n"):]


async def test_not_applied_once_the_text_before_the_cursor_changed(editor):
    editor.open(URI, HYP)
    [item] = await editor.inline(URI, editor.end(URI))
    # the user rewrote the line above instead of accepting: their text wins, nothing is inserted
    editor.edit(URI, [types.TextEdit(range=types.Range(start=types.Position(line=0, character=8),
                                                         end=types.Position(line=0, character=9)), new_text="y")])
    result = await editor.command(item.command.command, *item.command.arguments)
    assert result["applied"] is False
    assert editor.texts[URI] == HYP.replace("hyp(x)", "hyp(y)")
    assert not editor.applied_edits


async def test_typing_after_the_cursor_keeps_the_lines_above_valid(editor):
    editor.open(URI, HYP)
    [item] = await editor.inline(URI, editor.end(URI))
    editor.type(URI, "  # done")  # after the cursor: the lines above still hold; the edit is for this version
    result = await editor.command(item.command.command, *item.command.arguments)
    assert result["applied"] is True
    assert editor.texts[URI] == "import math\n" + HYP + "  # done"
    assert editor.applied_edits[0].edit.document_changes[0].text_document.version == 2


async def test_completion_item_with_only_additional_edits(editor):
    editor.open(URI, HYP)
    cur = editor.end(URI)
    result = await editor.completion(URI, cur)
    [item] = result.items
    assert item.label == "JumpCoder: insert `import math` at line 1"
    assert item.text_edit.new_text == "" and item.text_edit.range == types.Range(start=cur, end=cur)
    [extra] = item.additional_text_edits
    assert extra.range.start == types.Position(line=0, character=0) and extra.new_text == "import math\n"
    editor.edit(URI, [item.text_edit, *item.additional_text_edits])
    assert editor.texts[URI] == "import math\n" + HYP


async def test_an_insert_only_answer_never_replaces_the_indentation_before_the_cursor():
    # the engine says continuation_start=0 when only whitespace stands before the cursor (its
    # continuation would bring its own indentation); with nothing to continue, the user's
    # whitespace must stay: the item's range is empty, at the cursor
    from jumpcoder_lsp.engine.types import Completion, Insertion
    from jumpcoder_lsp.server.documents import Documents
    from jumpcoder_lsp.server.server import JumpCoderServer

    docs = Documents()
    text = "def hyp(x):\n    y = math.sqrt(x)\n    "
    doc = docs.open(types.TextDocumentItem(uri=URI, language_id="python", version=3, text=text))
    offset = len(text)
    answer = Completion(code=text, continuation="\n", insertions=[Insertion(0, "import math\n")], steps=[],
                        continuation_start=0)
    s = JumpCoderServer().make_suggestion(doc.snapshot(with_tree=False), offset, 2, answer)
    assert s.insert_only and s.start == s.offset == offset and s.continuation == ""
    assert [i.to_json() for i in s.insertions] == [{"line": 0, "text": "import math\n"}]
