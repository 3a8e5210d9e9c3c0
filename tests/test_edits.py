"""Pure conversions: LSP line rules, position encodings, engine answer -> TextEdits."""

from __future__ import annotations

import random

import pytest
from lsprotocol import types

from jumpcoder_lsp import edits as E
from jumpcoder_lsp.engine.types import Insertion


def P(line, ch):
    return types.Position(line=line, character=ch)


# -- lines ---------------------------------------------------------------------------------


def test_lsp_line_rules_ignore_splitlines_extras():
    # pitfall 2: form feed, U+2028, NEL... are NOT line breaks in LSP
    text = "a = 1\x0c\nb = 2\u2028c\nz = 3\n"
    assert E.split_lines(text) == ["a = 1\x0c", "b = 2\u2028c", "z = 3", ""]
    assert len(text.splitlines()) != 3  # what pygls would do
    off = E.position_to_offset(text, 2, 0)
    assert text[off] == "z"


@pytest.mark.parametrize(
    "text,lines",
    [
        ("", [""]),
        ("a", ["a"]),
        ("a\n", ["a", ""]),
        ("a\r\nb", ["a", "b"]),
        ("a\rb\r\n\nc", ["a", "b", "", "c"]),
        ("\r\r\n\n", ["", "", "", ""]),
        ("x\x0by\x1cz\x85w", ["x\x0by\x1cz\x85w"]),
    ],
)
def test_split_lines(text, lines):
    assert E.split_lines(text) == lines
    starts = E.line_starts(text)
    assert len(starts) == len(lines)
    assert [E.line_text(text, starts, i) for i in range(len(lines))] == lines


def test_eol_and_normalize():
    assert E.eol_of("a\r\nb\n") == "\r\n"
    assert E.eol_of("abc") == "\n"
    assert E.normalize_eol("a\r\nb\rc\n") == "a\nb\nc\n"


# -- encodings -----------------------------------------------------------------------------

LINE = "x = '😀中é' + y"  # emoji (2 UTF-16 units, 4 bytes), CJK (1 unit, 3 bytes), é (1, 2)


@pytest.mark.parametrize(
    "encoding,units_of_y",
    [(E.UTF32, 12), (E.UTF16, 13), (E.UTF8, 18)],
)
def test_encodings_roundtrip(encoding, units_of_y):
    col_y = LINE.index("y")
    assert E.chars_to_units(LINE, col_y, encoding) == units_of_y
    assert E.units_to_chars(LINE, units_of_y, encoding) == col_y
    for i in range(len(LINE) + 1):
        u = E.chars_to_units(LINE, i, encoding)
        assert E.units_to_chars(LINE, u, encoding) == i


def test_inside_a_character_snaps_to_its_start():
    emoji_at = LINE.index("😀")
    start16 = E.chars_to_units(LINE, emoji_at, E.UTF16)
    assert E.units_to_chars(LINE, start16 + 1, E.UTF16) == emoji_at  # half a surrogate pair
    start8 = E.chars_to_units(LINE, emoji_at, E.UTF8)
    for k in (1, 2, 3):
        assert E.units_to_chars(LINE, start8 + k, E.UTF8) == emoji_at


def test_past_the_end_clamps_or_raises():
    text = "ab\n中\n"
    assert E.position_to_offset(text, 0, 99) == 2
    assert E.position_to_offset(text, 9, 0) == len(text)
    with pytest.raises(E.PositionError):
        E.position_to_offset(text, 0, 3, strict=True)
    with pytest.raises(E.PositionError):
        E.position_to_offset(text, 1, 2, E.UTF16, strict=True)
    assert E.position_to_offset(text, 1, 3, E.UTF8, strict=True) == 4
    with pytest.raises(E.PositionError):
        E.position_to_offset(text, 3, 0, strict=True)
    with pytest.raises(E.PositionError):
        E.position_to_offset(text, -1, 0)


def test_offset_position_roundtrip_random():
    rnd = random.Random(7)
    alphabet = ["a", " ", "\n", "\r\n", "\r", "😀", "中", "é", "\x0c", "\u2028"]
    for _ in range(200):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        for enc in E.ENCODINGS:
            starts = E.line_starts(text)
            for off in range(len(text) + 1):
                if 0 < off < len(text) and text[off - 1] == "\r" and text[off] == "\n":
                    continue  # inside a \r\n: not a position
                pos = E.offset_to_position(text, off, enc, starts=starts)
                assert E.position_to_offset(text, pos.line, pos.character, enc, starts=starts) == off


def test_byte_offsets_and_ts_points():
    text = "a😀\nb\r中x"
    assert E.byte_offset(text, 2) == 5
    assert E.ts_point(text, len(text)) == (1, len("b\r中x".encode()))  # lone \r is no row for tree-sitter


# -- edits ---------------------------------------------------------------------------------


def test_completion_edits_apply_at_both_locations():
    text = "def f(xs):\n    return "
    ins = E.insertions_for_document([Insertion(0, "from functools import reduce")], text, cursor_line=1)
    main, extra = E.completion_edits(text, P(1, 11), "reduce(lambda a, b: a * b, xs)\n", ins, E.UTF16)
    out = E.apply_text_edits(text, [main, *extra])
    assert out == "from functools import reduce\ndef f(xs):\n    return reduce(lambda a, b: a * b, xs)\n"


def test_crlf_document_gets_crlf_edits():
    text = "def f():\r\n    x = "
    ins = E.insertions_for_document([Insertion(0, "import os\n")], text)
    assert ins == [E.LineInsertion(0, "import os\r\n")]
    main, extra = E.completion_edits(text, P(1, 8), "1\n    return x", ins, E.UTF16)
    assert main.new_text == "1\r\n    return x"


def test_insertions_keep_order_and_reject_below_cursor():
    text = "a\nb\nc"
    ins = E.insertions_for_document([Insertion(2, "y"), Insertion(0, "x1"), Insertion(0, "x2")], text)
    assert [(i.line, i.text) for i in ins] == [(0, "x1\n"), (0, "x2\n"), (2, "y\n")]
    assert E.apply_text_edits(text, E.insertion_edits(text, ins, E.UTF16)) == "x1\nx2\na\nb\ny\nc"
    with pytest.raises(ValueError):
        E.insertions_for_document([Insertion(3, "z")], text, cursor_line=1)


def test_insertion_at_end_of_document_without_final_break():
    text = "a\n中b"
    ins = E.insertions_for_document([Insertion(5, "z")], text)
    edits = E.insertion_edits(text, ins, E.UTF8)
    assert edits[0].range.start == P(1, 4)
    assert E.apply_text_edits(text, edits, E.UTF8) == "a\n中b\nz\n"


def test_non_ascii_cursor_in_each_encoding():
    text = "s = '😀中'  # ok\ndef g():\n    return s"
    for enc in E.ENCODINGS:
        line1 = E.split_lines(text)[0]
        cur = P(0, E.chars_to_units(line1, line1.index("#"), enc))
        main, _ = E.completion_edits(text, cur, "X", [], enc)
        assert E.apply_text_edits(text, [main], enc).startswith("s = '😀中'  X#")


def test_describe_insertions_says_what_accepting_inserts_and_where():
    assert E.describe_insertions([]) == ""
    assert E.describe_insertions([E.LineInsertion(0, "import heapq\n")]) == "insert `import heapq` at line 1"
    helper = E.LineInsertion(3, "\ndef is_prime(k):\r\n    return k > 1\r\n")  # quoted by its first non-blank line
    # line numbers are where each lands once both are in: the import pushes the helper down a line
    assert E.describe_insertions([helper, E.LineInsertion(1, "import math\n")]) == (
        "insert `import math` at line 2 and `def is_prime(k):` (3 lines) at line 5")
    long = E.LineInsertion(0, "x = " + "1 + " * 40 + "1\n")
    text = E.describe_insertions([long])
    assert text.startswith("insert `x = 1 + 1") and "\u2026`" in text and len(text) < E.DESCRIBE_CHARS + 30
    three = [E.LineInsertion(0, "import a\n"), E.LineInsertion(0, "import b\n"), E.LineInsertion(2, "y = 0\n")]
    assert E.describe_insertions(three) == "insert `import a` at line 1, `import b` at line 2 and `y = 0` at line 5"
