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


# -- the one conversion: engine answer -> document (document_completion) -------------------


def C(continuation, insertions=(), continuation_start=None, character=0):
    from jumpcoder_lsp.engine.types import Completion

    return Completion(code="", continuation=continuation, insertions=list(insertions), steps=[],
                      continuation_start=character if continuation_start is None else continuation_start)


def test_trim_rule_drops_the_final_breaks_when_nothing_follows_the_cursor():
    text = "def f(x):\n    "
    doc = E.document_completion(text, 1, 4, C("    return x\n\n", continuation_start=0))
    # the indentation before the cursor is kept (a plain insertion at the cursor), the breaks trimmed
    assert (doc.start, doc.cursor, doc.continuation) == (14, 14, "return x")
    assert doc.apply(text) == "def f(x):\n    return x"


def test_trim_rule_keeps_the_break_when_code_follows_the_cursor():
    text = "def f(x):\n    y = 1\n"
    doc = E.document_completion(text, 1, 0, C("    x += 1\n"))
    assert doc.continuation == "    x += 1\n"
    assert doc.apply(text) == "def f(x):\n    x += 1\n    y = 1\n"
    # whitespace after the cursor counts as nothing
    doc = E.document_completion("a = 1\n   ", 1, 0, C("b = 2\n"))
    assert doc.continuation == "b = 2"


def test_workspace_edit_trims_like_the_server():
    # complete --json once sent the continuation untrimmed (a stray line break the server never sent)
    text = "def f(x):\n"
    edit = E.completion_to_workspace_edit("file:///t.py", text, 1, 0, C("    return x\n\n"))
    (change,) = edit["documentChanges"]
    assert [e["newText"] for e in change["edits"]] == ["    return x"]


def test_crlf_and_lone_cr_documents_get_their_own_breaks():
    for eol in ("\r\n", "\r"):
        text = f"def f():{eol}    x = 1{eol}"
        doc = E.document_completion(text, 2, 0, C("    y = x\n    return y\n", [Insertion(0, "import os\n")]))
        assert doc.continuation == f"    y = x{eol}    return y"
        assert doc.insertions == (E.LineInsertion(0, f"import os{eol}"),)
        assert doc.apply(text) == f"import os{eol}def f():{eol}    x = 1{eol}    y = x{eol}    return y"


def test_line_rules_are_lsp_not_splitlines():
    # a form feed or U+2028 inside a line is not a line break: insertions keep their line
    text = "a = '\x0c'\nb = '\u2028'\n"
    doc = E.document_completion(text, 2, 0, C("c = 3\n", [Insertion(1, "import os\n")]))
    assert doc.apply(text) == "a = '\x0c'\nimport os\nb = '\u2028'\nc = 3"
    before, cont, after = doc.parts(text)
    assert (before, cont, after) == ("a = '\x0c'\nimport os\nb = '\u2028'\n", "c = 3", "")


def test_rewriting_indentation_is_allowed_rewriting_code_is_not():
    text = "def f():\n\t"
    doc = E.document_completion(text, 1, 1, C("    return 1", continuation_start=0))
    assert (doc.start, doc.cursor, doc.continuation) == (9, 10, "    return 1")
    assert doc.apply(text) == "def f():\n    return 1"
    text = "def f():\n    ret"
    doc = E.document_completion(text, 1, 7, C("    pass", continuation_start=0))
    assert doc.continuation == "" and doc.start == doc.cursor and doc.warnings


def test_insertions_below_the_cursor_are_dropped_with_a_warning():
    text = "a\nb\nc\n"
    doc = E.document_completion(text, 1, 0, C("x", [Insertion(2, "y\n")]))
    assert doc.insertions == () and "below the cursor" in doc.warnings[0]


def test_the_line_after_a_last_line_without_a_break():
    text = "def f():\n    x = 1"
    doc = E.document_completion(text, 2, 0, C("    return x"))
    assert doc.apply(text) == "def f():\n    x = 1\n    return x"
    assert E.document_completion(text, 2, 0, C("")).apply(text) == text
    with pytest.raises(E.PositionError):
        E.document_completion(text, 3, 0, C("x"))


def test_text_edits_equal_apply():
    text = "s = '😀'\ndef g():\n    "
    doc = E.document_completion(text, 2, 4, C("return s\n", [Insertion(0, "import os")], continuation_start=4))
    for enc in E.ENCODINGS:
        assert E.apply_text_edits(text, doc.text_edits(text, enc), enc) == doc.apply(text)


def _old_engine_split_lines(text):  # engine/loop.py's own splitter before edits.split_lines owned the rule
    out, start, i = [], 0, 0
    while i < len(text):
        c = text[i]
        if c == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            i += 1
        if c in "\r\n":
            out.append(text[start : i + 1])
            start = i + 1
        i += 1
    if start < len(text):
        out.append(text[start:])
    return out


def test_split_lines_keepends_is_the_engines_line_rule():
    from jumpcoder_lsp.engine.types import split_lines as engine_split_lines

    rng = random.Random(7)
    for _ in range(500):
        text = "".join(rng.choice(["a", " ", "\n", "\r", "\r\n", "\x0c", "\u2028"]) for _ in range(rng.randint(0, 12)))
        pieces = E.split_lines(text, keepends=True)
        assert pieces == _old_engine_split_lines(text) == engine_split_lines(text)
        assert "".join(pieces) == text
        assert [p.rstrip("\r\n") for p in pieces] == E.split_lines(text)[: len(pieces)]
    assert E.split_lines("", keepends=True) == [] and E.split_lines("a\n", keepends=True) == ["a\n"]


def test_tree_sitter_rows_split_on_newline_only():
    from jumpcoder_lsp.languages.base import tree_sitter_rows

    assert tree_sitter_rows("a\r\nb\rc\n") == ["a", "b\rc", ""]
    assert E.split_lines("a\r\nb\rc\n") == ["a", "b", "c", ""]
