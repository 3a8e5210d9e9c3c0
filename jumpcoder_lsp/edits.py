"""Pure functions between the engine's answer and LSP: line rules, position encodings, TextEdits.

Everything here works on ``str`` text and LSP positions; nothing imports pygls. Conventions:

* **Lines** follow LSP: a line ends at ``\\n``, ``\\r\\n`` or ``\\r`` and nowhere else (not at form
  feed, vertical tab, NEL, U+2028/U+2029 as :meth:`str.splitlines` would).
* **Offsets** are code-point indexes into the ``str``; **byte offsets** are UTF-8 (tree-sitter).
* **Characters** in LSP positions count units of the negotiated encoding: UTF-16 code units
  (the LSP default, VS Code), UTF-8 bytes (offered first by Neovim) or code points (UTF-32).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from lsprotocol import types

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"
ENCODINGS = (UTF8, UTF16, UTF32)

_BREAK = re.compile(r"\r\n|\r|\n")


class PositionError(ValueError):
    """A position that does not exist in the document (line or character past the end)."""


# --------------------------------------------------------------------------------------------
# Lines


def line_starts(text: str) -> list[int]:
    """Offsets where each LSP line starts; ``len(result)`` is the number of lines (>= 1)."""
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of ``text`` by LSP's rules, the one line splitter of the project.

    Without ``keepends``: every LSP line without its break (``"a\\n"`` -> ``["a", ""]``: the
    empty last line is where a cursor can be). With ``keepends``: the text cut after each break,
    so the pieces join back to ``text`` (``"a\\n"`` -> ``["a\\n"]``, ``""`` -> ``[]``), as the
    engine holds code lines. Tree-sitter counts rows differently
    (:func:`jumpcoder_lsp.languages.base.tree_sitter_rows`).
    """
    if not keepends:
        return _BREAK.split(text)
    starts = line_starts(text)
    out = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    if out[-1] == "":
        out.pop()
    return out


def line_text(text: str, starts: Sequence[int], line: int) -> str:
    """Line ``line`` without its break."""
    start = starts[line]
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    seg = text[start:end]
    if seg.endswith("\r\n"):
        return seg[:-2]
    if seg.endswith(("\n", "\r")):
        return seg[:-1]
    return seg


def eol_of(text: str) -> str:
    """The document's line break (the first one found; ``\\n`` when there is none)."""
    m = _BREAK.search(text)
    return m.group() if m else "\n"


def normalize_eol(text: str) -> str:
    """Every line break as ``\\n`` (line numbers and in-line offsets are unchanged)."""
    return _BREAK.sub("\n", text)


# --------------------------------------------------------------------------------------------
# Characters in an encoding <-> code points


def _unit_len(ch: str, encoding: str) -> int:
    cp = ord(ch)
    if encoding == UTF16:
        return 2 if cp > 0xFFFF else 1
    if encoding == UTF8:
        return 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4
    return 1


def units_len(s: str, encoding: str) -> int:
    """Length of ``s`` in units of ``encoding``."""
    if encoding == UTF32 or s.isascii():
        return len(s)
    if encoding == UTF8:
        return len(s.encode("utf-8", "surrogatepass"))
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def units_to_chars(line: str, units: int, encoding: str, *, strict: bool = False) -> int:
    """Code-point index in ``line`` of the LSP character ``units``.

    A unit count inside a character (half a surrogate pair, inside a UTF-8 sequence) snaps back to
    the character's start. Past the end of the line: clamp (LSP's rule), or raise when ``strict``.
    """
    if units < 0:
        raise PositionError(f"negative character {units}")
    if encoding == UTF32 or line.isascii():
        if units > len(line):
            if strict:
                raise PositionError(f"character {units} is past the end of the line ({len(line)})")
            return len(line)
        return units
    acc = 0
    for i, ch in enumerate(line):
        if acc == units:
            return i
        step = _unit_len(ch, encoding)
        if acc + step > units:
            return i  # inside this character: snap to its start
        acc += step
    if acc < units and strict:
        raise PositionError(f"character {units} is past the end of the line ({acc})")
    return len(line)


def chars_to_units(line: str, chars: int, encoding: str) -> int:
    """LSP character (in ``encoding`` units) of code-point index ``chars`` in ``line``."""
    return units_len(line[:chars], encoding)


# --------------------------------------------------------------------------------------------
# Positions <-> offsets


def position_to_offset(
    text: str,
    line: int,
    character: int,
    encoding: str = UTF16,
    *,
    starts: Optional[Sequence[int]] = None,
    strict: bool = False,
) -> int:
    """Code-point offset in ``text`` of an LSP position.

    Not strict (the LSP rule for edits): a line past the end means the end of the document and a
    character past the end of its line means the end of that line. Strict (for a request's
    cursor): both raise :class:`PositionError`.
    """
    if starts is None:
        starts = line_starts(text)
    if line < 0 or character < 0:
        raise PositionError(f"negative position ({line}, {character})")
    if line >= len(starts):
        if strict:
            raise PositionError(f"line {line} is past the end of the document ({len(starts)} lines)")
        return len(text)
    ln = line_text(text, starts, line)
    return starts[line] + units_to_chars(ln, character, encoding, strict=strict)


def offset_to_position(
    text: str, offset: int, encoding: str = UTF16, *, starts: Optional[Sequence[int]] = None
) -> types.Position:
    """LSP position of a code-point offset (an offset inside a ``\\r\\n`` counts as its start)."""
    if starts is None:
        starts = line_starts(text)
    offset = max(0, min(offset, len(text)))
    line = bisect.bisect_right(starts, offset) - 1
    ln = line_text(text, starts, line)
    col = min(offset - starts[line], len(ln))
    return types.Position(line=line, character=chars_to_units(ln, col, encoding))


def map_offset(offset: int, start: int, end: int, new_len: int) -> int:
    """Where ``offset`` is after ``text[start:end]`` was replaced by ``new_len`` characters: before the
    edit it stays; at or after the replaced span's end it moves by the change in length (text typed
    at the offset ends before it); inside the replaced span it goes to the new text's end."""
    if offset < start:
        return offset
    if offset >= end:
        return offset + new_len - (end - start)
    return start + new_len


def byte_offset(text: str, offset: int) -> int:
    """UTF-8 byte offset of a code-point offset."""
    prefix = text[:offset]
    return offset if prefix.isascii() else len(prefix.encode("utf-8", "surrogatepass"))


def ts_point(text: str, offset: int) -> tuple[int, int]:
    """tree-sitter point (row, UTF-8 byte column) of a code-point offset. tree-sitter starts a row
    after ``\n`` only (a lone ``\r`` is an ordinary column byte to it), unlike LSP lines."""
    row = text.count("\n", 0, offset)
    last = text.rfind("\n", 0, offset)
    return row, byte_offset(text[last + 1 : offset], offset - last - 1)


# --------------------------------------------------------------------------------------------
# Engine answer -> TextEdits


@dataclass(frozen=True)
class LineInsertion:
    """Whole lines to insert at the start of document line ``line`` (what the server sends and
    what a client previews). ``text`` ends with a line break in the document's style."""

    line: int
    text: str

    def to_json(self) -> dict:
        return {"line": self.line, "text": self.text}


def insertions_for_document(
    insertions: Iterable, text: str, *, starts: Optional[Sequence[int]] = None, cursor_line: Optional[int] = None
) -> list[LineInsertion]:
    """The engine's :class:`~jumpcoder_lsp.engine.types.Insertion` list as document line insertions.

    Texts get the document's line break style and a final break; several insertions before the
    same line keep their order; empty ones are dropped. ``before_line`` at or past the line count
    appends at the end. With ``cursor_line``, an insertion below the cursor is an error (the
    engine only inserts above the cursor).
    """
    if starts is None:
        starts = line_starts(text)
    eol = eol_of(text)
    out: list[LineInsertion] = []
    for ins in insertions:
        body = normalize_eol(ins.text)
        if not body:
            continue
        if not body.endswith("\n"):
            body += "\n"
        if cursor_line is not None and ins.before_line > cursor_line:
            raise ValueError(f"insertion before line {ins.before_line} is below the cursor line {cursor_line}")
        line = max(0, ins.before_line)
        if line >= len(starts):
            line = len(starts)  # append at the end
        out.append(LineInsertion(line, body.replace("\n", eol) if eol != "\n" else body))
    out.sort(key=lambda i: i.line)  # stable: same-line insertions keep the engine's order
    return out


#: the longest first line :func:`describe_insertions` quotes
DESCRIBE_CHARS = 60


def describe_insertions(insertions: Sequence[LineInsertion]) -> str:
    """What accepting ``insertions`` does, for a person: "insert `import math` at line 1", or for
    several "insert `import math` at line 2 and `def is_prime(k):` (4 lines) at line 5". Each is
    quoted by its first non-blank line; the line numbers (1-based) are where each one's first line
    will be once all of them are in (every insertion is above the ones after it). Empty: "".
    The one wording the server sends (``data.summary`` of an inline item, a completion item's
    label) for editors to say what <Tab> will do."""
    parts, shift = [], 0
    for ins in sorted(insertions, key=lambda i: i.line):
        lines = split_lines(ins.text)
        if lines and lines[-1] == "":
            lines.pop()  # the text ends with its line break
        first = next((ln.strip() for ln in lines if ln.strip()), "")
        if len(first) > DESCRIBE_CHARS:
            first = first[: DESCRIBE_CHARS - 1].rstrip() + "\u2026"
        size = f" ({len(lines)} lines)" if len(lines) > 1 else ""
        parts.append(f"`{first}`{size} at line {ins.line + shift + 1}")
        shift += len(lines)
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return "insert " + listed


def end_position(text: str, encoding: str, *, starts: Optional[Sequence[int]] = None) -> types.Position:
    """The position after the document's last character."""
    return offset_to_position(text, len(text), encoding, starts=starts)


def completion_edits(
    text: str,
    cursor: types.Position,
    continuation: str,
    insertions: Sequence[LineInsertion],
    encoding: str,
    *,
    start: Optional[types.Position] = None,
    starts: Optional[Sequence[int]] = None,
) -> tuple[types.TextEdit, list[types.TextEdit]]:
    """(the continuation's edit, the insertions' edits), all against ``text``.

    The continuation replaces ``start``..``cursor`` (default: inserted at the cursor; the engine
    replaces the whitespace before the cursor when its continuation brings its own indentation).
    The edits do not overlap, so a client applies them together (LSP semantics: every range refers
    to the document before the edit).
    """
    eol = eol_of(text)
    cont = normalize_eol(continuation)
    if eol != "\n":
        cont = cont.replace("\n", eol)
    main = types.TextEdit(range=types.Range(start=start or cursor, end=cursor), new_text=cont)
    return main, insertion_edits(text, insertions, encoding, starts=starts)


def insertion_edits(
    text: str, insertions: Sequence[LineInsertion], encoding: str, *, starts: Optional[Sequence[int]] = None
) -> list[types.TextEdit]:
    """TextEdits inserting the lines into ``text`` as it is now. Column 0 is the same in every
    encoding; an insertion at the line count goes at the end of the document, behind a line break
    when the document does not end with one."""
    if starts is None:
        starts = line_starts(text)
    edits = []
    for ins in insertions:
        if ins.line < len(starts):
            pos = types.Position(line=ins.line, character=0)
            new_text = ins.text
        else:
            pos = end_position(text, encoding, starts=starts)
            new_text = ins.text if (not text or text.endswith(("\n", "\r"))) else eol_of(text) + ins.text
        edits.append(types.TextEdit(range=types.Range(start=pos, end=pos), new_text=new_text))
    return edits


def apply_text_edits(text: str, edits: Sequence[types.TextEdit], encoding: str = UTF16) -> str:
    """Apply LSP TextEdits (all relative to ``text``) the way a client does: stable, back to front.
    Used by tests and to check what an edit will produce."""
    starts = line_starts(text)
    spans = []
    for order, e in enumerate(edits):
        s = position_to_offset(text, e.range.start.line, e.range.start.character, encoding, starts=starts)
        t = position_to_offset(text, e.range.end.line, e.range.end.character, encoding, starts=starts)
        spans.append((s, t, order, e.new_text))
    spans.sort(key=lambda x: (x[0], x[2]))
    out, pos = [], 0
    for s, t, _, new in spans:
        if s < pos:
            raise ValueError("overlapping edits")
        out.append(text[pos:s])
        out.append(new)
        pos = t
    out.append(text[pos:])
    return "".join(out)


def offsets_of_bytes(text: str, byte_offsets: Sequence[int]) -> list[int]:
    """Code-point offsets of UTF-8 byte offsets (e.g. tree-sitter node bounds), in one pass over
    the text; a byte offset inside a character maps to that character's start."""
    if text.isascii():
        return [max(0, min(b, len(text))) for b in byte_offsets]
    data = text.encode("utf-8", "surrogatepass")
    order = sorted(range(len(byte_offsets)), key=lambda i: byte_offsets[i])
    out = [0] * len(byte_offsets)
    done_bytes, done_chars = 0, 0
    for i in order:
        b = max(0, min(byte_offsets[i], len(data)))
        chunk = data[done_bytes:b].decode("utf-8", "ignore")  # a cut character is dropped
        done_chars += len(chunk)
        done_bytes += len(chunk.encode("utf-8", "surrogatepass"))
        out[i] = done_chars
    return out


@dataclass(frozen=True)
class DocumentCompletion:
    """An engine :class:`~jumpcoder_lsp.engine.types.Completion` in the terms of the document it
    was computed for (:func:`document_completion`): what the server suggests, what
    ``jumpcoder-lsp complete`` writes and what the evaluation runs."""

    start: int  # code-point offset where the continuation's edit starts (<= cursor)
    cursor: int  # code-point offset of the cursor
    continuation: str  # replaces start..cursor; the document's line breaks
    insertions: tuple  # LineInsertion, sorted by line, all at or above the cursor line
    warnings: tuple = ()  # what was dropped, and why

    def parts(self, text: str) -> tuple[str, str, str]:
        """(the document before the continuation, with the insertions in it; the continuation;
        the document after the cursor). Their concatenation is the document once accepted."""
        starts = line_starts(text)
        out, pos = [], 0
        for ins in self.insertions:
            at = starts[ins.line]
            out += [text[pos:at], ins.text]
            pos = at
        out.append(text[pos:self.start])
        return "".join(out), self.continuation, text[self.cursor:]

    def apply(self, text: str) -> str:
        """The document once the suggestion is accepted."""
        return "".join(self.parts(text))

    def text_edits(self, text: str, encoding: str = UTF16) -> list[types.TextEdit]:
        """LSP TextEdits against ``text``: the insertions, then the continuation's edit."""
        starts = line_starts(text)
        main = types.TextEdit(range=types.Range(start=offset_to_position(text, self.start, encoding, starts=starts),
                                                end=offset_to_position(text, self.cursor, encoding, starts=starts)),
                              new_text=self.continuation)
        return [*insertion_edits(text, list(self.insertions), encoding, starts=starts), main]


def document_completion(text: str, line: int, character: int, completion, *,
                        starts: Optional[Sequence[int]] = None) -> DocumentCompletion:
    """The one conversion of an engine answer at (line, character) of ``text`` (``character``
    counts code points) into document terms. The rules:

    * insertions: :func:`insertions_for_document` (the document's line breaks, a final break; one
      below the cursor line drops them all, with a warning);
    * a continuation of nothing (or only line breaks: an insert-only answer) replaces nothing;
    * else the continuation replaces ``completion.continuation_start``..cursor: when it begins with the
      text there, that part is left standing and the edit is a plain insertion at the cursor (ghost
      text in every client); else that text may only be whitespace (the engine rewrites the
      indentation, never code: a continuation that would replace code is dropped, with a warning);
    * the trim rule: when only whitespace follows the cursor on its line, the continuation ends
      without line breaks (the user's next line stays where it is);
    * line breaks in the document's style (``\r\n``, ``\r``);
    * the line after a last line without a break (where the engine may be asked to continue):
      the continuation starts with a break.
    """
    if starts is None:
        starts = line_starts(text)
    warnings: list[str] = []
    lead = ""
    eol = eol_of(text)
    if line == len(starts) and character == 0 and text and not text.endswith(("\n", "\r")):
        line, character, lead = len(starts) - 1, len(line_text(text, starts, len(starts) - 1)), "\n"
    if line < 0 or line >= len(starts):
        raise PositionError(f"line {line} is outside the document ({len(starts)} lines)")
    cursor_line = line_text(text, starts, line)
    if character < 0 or character > len(cursor_line):
        raise PositionError(f"character {character} is outside line {line} ({len(cursor_line)} characters)")
    try:
        insertions = insertions_for_document(completion.insertions, text, starts=starts, cursor_line=line)
    except ValueError as exc:
        warnings.append(f"dropping insertions: {exc}")
        insertions = []
    continuation = lead + normalize_eol(completion.continuation)
    start_col = character if lead else max(0, min(int(getattr(completion, "continuation_start", character)), character))
    replaced = cursor_line[start_col:character]
    if not continuation.strip("\n"):  # nothing (or only line breaks) at the cursor: it replaces nothing
        start_col = character
    elif continuation.startswith(replaced):
        continuation, start_col = continuation[len(replaced):], character
    elif replaced.strip():  # the engine may rewrite the indentation before the cursor, never code
        warnings.append(f"dropping a continuation that would replace {replaced!r} before the cursor")
        continuation, start_col = "", character
    if not cursor_line[character:].strip():
        continuation = continuation.rstrip("\n")
    if eol != "\n":
        continuation = continuation.replace("\n", eol)
    return DocumentCompletion(start=starts[line] + start_col, cursor=starts[line] + character,
                              continuation=continuation, insertions=tuple(insertions), warnings=tuple(warnings))


def completion_to_workspace_edit(uri: str, text: str, line: int, character: int, completion, encoding: str = UTF16,
                                 version: Optional[int] = None) -> dict:
    """A JSON-ready LSP WorkspaceEdit for an engine :class:`Completion` computed at (line,
    character) of ``text`` (``character`` counts code points): :func:`document_completion`'s
    insertions and continuation in one TextDocumentEdit (used by ``jumpcoder-lsp complete --json``)."""
    from lsprotocol import converters

    doc = document_completion(text, line, character, completion)
    edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
        edits=doc.text_edits(text, encoding),
    )])
    return converters.get_converter().unstructure(edit, unstructure_as=types.WorkspaceEdit)
