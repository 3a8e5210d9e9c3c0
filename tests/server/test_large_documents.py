"""Documents over the size limit (more than 100k lines or 5M characters) and binary ones (NUL
characters), over stdio (issue 12, bounded resources): one clear warning per document, empty
answers from every feature, the model never sees them, and the server keeps serving the others."""

from __future__ import annotations

import pytest
from lsprotocol import types

from jumpcoder_lsp.server.documents import MAX_CHARS, MAX_LINES, refusal

pytestmark = [pytest.mark.timeout(120)]

HUGE_URI = "file:///work/huge.py"
BIN_URI = "file:///work/blob.py"
OK_URI = "file:///work/hyp.py"
#: 120k lines, and a use of an undefined name at the end (diagnostics would report it)
HUGE = "x = 1\n" * 120_000 + "def area(r):\n    return math.pi * r * r\n"
BINARY = "import os\n" + "\x00\x01\x02\xff" * 100 + "\ndef area(r):\n    return math.pi * r * r\n"


def P(line, ch):
    return types.Position(line=line, character=ch)


def warnings_about(ed, name):
    return [m for m in ed.client.messages if m.type == types.MessageType.Warning and name in m.message]


async def ask_everything(ed, uri, text):
    """Every feature, at the end of the document: all must answer empty."""
    lines = text.split("\n")
    end = P(len(lines) - 1, len(lines[-1]))
    assert await ed.inline(uri, end) in ([], None)
    done = await ed.completion(uri, end)
    assert done is None or list(getattr(done, "items", done)) == []
    fn = await ed.command("jumpcoder.completeFunction", {"uri": uri, "position": {"line": end.line, "character": end.character}})
    assert fn == {"applied": False, "reason": "too large"}
    definition = await ed.command("jumpcoder.insertDefinition", {"uri": uri, "name": "math", "line": len(lines) - 2})
    assert definition == {"applied": False, "reason": "too large"}


@pytest.mark.asyncio
@pytest.mark.parametrize("uri, text, why", [(HUGE_URI, HUGE, "lines"), (BIN_URI, BINARY, "NUL")])
async def test_a_huge_or_binary_document_gets_one_warning_and_empty_answers(editor, uri, text, why):
    name = uri.rsplit("/", 1)[-1]
    diagnostics = editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    editor.open(uri, text)
    published = await diagnostics
    assert published.uri == uri and list(published.diagnostics) == []  # `math` is undefined, not reported
    for _ in range(2):
        await ask_everything(editor, uri, text)
    editor.type(uri, "# more\n")  # an edit keeps it refused, without a second warning
    await ask_everything(editor, uri, editor.texts[uri])
    status = await editor.status(wait_idle=True)
    assert status["stats"].get("model_runs", 0) == 0, status["stats"]
    [warning] = warnings_about(editor, name)
    assert "JumpCoder is off" in warning.message and why in warning.message
    # the server still serves a normal document, with the model
    editor.open(OK_URI, "def hyp(x):\n    ")
    [item] = await editor.inline(OK_URI, P(1, 4))
    assert item.insert_text == "return math.sqrt(x)"
    assert (await editor.status(wait_idle=True))["stats"]["model_runs"] >= 1
    assert len(warnings_about(editor, name)) == 1 and warnings_about(editor, "hyp.py") == []


@pytest.mark.asyncio
async def test_a_document_that_grows_over_the_limit_is_refused_from_then_on(editor):
    editor.open(OK_URI, "def hyp(x):\n    ")
    [item] = await editor.inline(OK_URI, P(1, 4))
    assert item.insert_text == "return math.sqrt(x)"
    editor.type(OK_URI, "\n" + "y = 2\n" * 110_000, at=P(0, 0))
    await ask_everything(editor, OK_URI, editor.texts[OK_URI])
    assert len(warnings_about(editor, "hyp.py")) == 1


def test_the_limit_is_one_function_of_the_text():
    assert refusal("x = 1\n" * 1000) is None
    assert "lines" in refusal("\n" * (MAX_LINES + 1))
    assert refusal("\n" * (MAX_LINES - 1)) is None
    assert "characters" in refusal("x" * (MAX_CHARS + 1))
    assert "NUL" in refusal("a\0b")
    assert "lines" in refusal("\r" * (MAX_LINES + 1))  # LSP line ends: \r alone ends a line
