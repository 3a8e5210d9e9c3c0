"""Our document model: LSP line rules, encodings and an incrementally edited tree-sitter tree."""

from __future__ import annotations

import random

import pytest
from lsprotocol import types

from jumpcoder_lsp import edits as E
from jumpcoder_lsp.server.documents import Document

SEED_TEXT = '''"""Module docstring 😀."""
import os


def area(r):
    # 中文 comment\x0c
    s = "héllo\u2028world"
    return 3.14 * r * r


class Box:
    def __init__(self, w, h):
        self.w = w\r
        self.h = h
'''

FRAGMENTS = [
    "x", "y = 1", "\n", "\r\n", "\r", "    ", "def g(a):\n    return a\n", "(", ")", ":", "'", '"""',
    "中", "😀", "é", "#", "\x0c", "\u2028", "if x:\n        pass\n", "[1, 2]", "lambda: 0", "import sys\n",
]


def _change(doc: Document, rnd: random.Random) -> tuple[types.TextDocumentContentChangePartial, str]:
    """A random range change in the doc's encoding and the text it must produce."""
    text = doc.text
    starts = E.line_starts(text)

    def rand_offset():
        off = rnd.randint(0, len(text))
        if 0 < off < len(text) and text[off - 1] == "\r" and text[off] == "\n":
            off -= 1  # not inside a \r\n
        return off

    a, b = sorted((rand_offset(), rand_offset()))
    if rnd.random() < 0.6:
        b = min(len(text), a + rnd.randint(0, 3))
        if 0 < b < len(text) and text[b - 1] == "\r" and text[b] == "\n":
            b -= 1
    new = "".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randint(0, 2)))
    start = E.offset_to_position(text, a, doc.encoding, starts=starts)
    end = E.offset_to_position(text, b, doc.encoding, starts=starts)
    return types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=new), text[:a] + new + text[b:]


def _shape(node):
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append((n.type, n.start_byte, n.end_byte, tuple(n.start_point), tuple(n.end_point), n.is_missing))
        stack.extend(reversed(n.children))
    return out


@pytest.mark.parametrize("encoding", [E.UTF16, E.UTF8, E.UTF32])
def test_thousands_of_random_edits_match_a_full_parse(encoding):
    rnd = random.Random(hash(encoding) & 0xFFFF)
    doc = Document("file:///t.py", SEED_TEXT, 1, "python", encoding)
    assert doc.tree is not None
    expected = SEED_TEXT
    for i in range(1500):
        n_changes = 1 if rnd.random() < 0.8 else rnd.randint(2, 4)
        for _ in range(n_changes):  # several changes in one didChange, applied in order
            change, expected = _change(doc, rnd)
            doc.apply_change(change)
            assert doc.text == expected
        doc.version += 1
        if i % 3 == 0 or i > 1400:
            fresh = Document("file:///f.py", expected, 1, "python", encoding)
            assert str(doc.tree.root_node) == str(fresh.tree.root_node)
            assert _shape(doc.tree.root_node) == _shape(fresh.tree.root_node)
    assert doc.full_parses == 1
    assert doc.incremental_parses > 400
    assert doc.text == expected


def test_full_change_resets_tree():
    doc = Document("file:///t.py", "x = 1\n", 1, "python", E.UTF16)
    assert doc.tree.root_node.type == "module"
    doc.apply_changes([types.TextDocumentContentChangeWholeDocument(text="def f():\n    pass\n")], 2)
    assert doc.version == 2
    assert doc.tree.root_node.children[0].type == "function_definition"
    assert doc.full_parses == 2


def test_pitfall_2_form_feed_and_u2028_edit_lands_on_the_right_line():
    text = "a = 1\x0c\nb = 2\u2028c\nz = 3\n"
    doc = Document("file:///t.py", text, 1, "python", E.UTF16)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=2, character=0), end=types.Position(line=2, character=1)),
        text="Z",
    )
    doc.apply_changes([change], 2)
    assert doc.text == "a = 1\x0c\nb = 2\u2028c\nZ = 3\n"


@pytest.mark.parametrize("encoding,char", [(E.UTF16, 9), (E.UTF8, 13), (E.UTF32, 8)])
def test_emoji_and_cjk_positions(encoding, char):
    doc = Document("file:///t.py", "s = '😀中'\n", 1, "python", encoding)
    # position right after the closing quote
    off, line, col = doc.cursor(types.Position(line=0, character=char))
    assert doc.text[:off] == "s = '😀中'"
    assert (line, col) == (0, 8)
    assert doc.position(off) == types.Position(line=0, character=char)
    with pytest.raises(E.PositionError):
        doc.cursor(types.Position(line=0, character=char + 1))


def test_snapshot_is_independent():
    doc = Document("file:///t.py", "x = 1\n", 1, "python", E.UTF16)
    snap = doc.snapshot()
    doc.apply_changes(
        [types.TextDocumentContentChangePartial(range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=1)), text="yy")],
        2,
    )
    assert snap.text == "x = 1\n" and snap.version == 1
    assert str(snap.tree.root_node) != "" and doc.tree.root_node.end_byte == 7
    assert snap.tree.root_node.end_byte == 6


def test_the_last_requests_cursor_moves_with_edits_above_it_and_typing_at_it():
    doc = Document("file:///t.py", "import os\n\ndef f():\n    ", 1, "python", E.UTF16)
    assert doc.asked is None
    doc.asked = len(doc.text)  # a request at the end

    def change(line, ch, end_line, end_ch, text):
        rng = types.Range(start=types.Position(line=line, character=ch), end=types.Position(line=end_line, character=end_ch))
        doc.apply_changes([types.TextDocumentContentChangePartial(range=rng, text=text)], None)

    change(0, 0, 0, 0, "import sys\n")  # above: moves by the inserted text
    assert doc.text[doc.asked:] == "" and doc.asked == len(doc.text)
    change(1, 0, 2, 0, "")  # a line deleted above
    assert doc.asked == len(doc.text)
    change(3, 4, 3, 4, "return")  # typed at the cursor: the cursor is after it
    assert doc.asked == len(doc.text)
    change(3, 0, 3, 10, "    pass")  # a replacement around the cursor: at its end
    assert doc.asked == len(doc.text)
    doc.asked = 0
    change(3, 0, 3, 0, "# below\n")  # an edit after the cursor leaves it
    assert doc.asked == 0
    doc.apply_changes([types.TextDocumentContentChangeWholeDocument(text="x = 1\n")], None)
    assert doc.asked is None
