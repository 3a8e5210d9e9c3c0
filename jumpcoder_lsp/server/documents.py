"""Open documents: our own text (LSP line rules), version, language and an incremental parse tree.

pygls keeps a copy of every document too, but it splits lines with :meth:`str.splitlines` (form
feed, U+2028... are line breaks there, not in LSP), so the server never reads pygls' copy: each
``didChange`` range is applied here to the text as it was *before* the change (the bytes
tree-sitter's ``Tree.edit`` needs), and the tree is reparsed with the old tree when someone reads it.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterable, Optional

from lsprotocol import types

from .. import edits as E

log = logging.getLogger(__name__)

#: one number per opened document: a file closed and reopened restarts its versions at 1, so
#: (uri, version) alone cannot tell the two apart
_serials = itertools.count(1)


# --------------------------------------------------------------------------------------------
# Languages


def language_for(language_id: str):
    """The :class:`~jumpcoder_lsp.languages.base.LanguageSpec` for an LSP languageId, or None
    for a language JumpCoder does not support (the document is still tracked, without a tree)."""
    from ..languages import get_language

    try:
        return get_language(language_id)
    except ValueError:
        return None


def spec_supports(spec: Any, method: str) -> bool:
    """True when the language spec implements ``method`` (the fallback only parses)."""
    return spec is not None and callable(getattr(spec, method, None))


# --------------------------------------------------------------------------------------------
# The size limit

#: a document over either bound, or with a NUL character (a binary file), is never given to the
#: model nor analysed: every feature answers empty for it (:func:`refusal` is the one check)
MAX_LINES = 100_000
MAX_CHARS = 5_000_000


def refusal(text: str) -> Optional[str]:
    """Why JumpCoder leaves a document alone (too large, or binary), or None when it does not."""
    if len(text) > MAX_CHARS:
        return f"it has {len(text):,} characters (the limit is {MAX_CHARS:,})"
    if "\0" in text:
        return "it contains NUL characters (a binary file)"
    lines = text.count("\n") + text.count("\r") - text.count("\r\n") + 1
    if lines > MAX_LINES:
        return f"it has {lines:,} lines (the limit is {MAX_LINES:,})"
    return None


_UNKNOWN = object()


# --------------------------------------------------------------------------------------------
# Documents


@dataclass(frozen=True)
class Snapshot:
    """An immutable view of a document at one version, safe to hand to another thread. An edit
    computed from a snapshot is sent only while :meth:`Documents.current` still gives its document."""

    uri: str
    version: int
    language_id: str
    text: str
    tree: Any  # a private copy of the tree-sitter tree, or None
    encoding: str
    serial: int = 0  # the :attr:`Document.serial` of the opened document it was taken from

    @cached_property
    def starts(self) -> list[int]:
        return E.line_starts(self.text)


class Document:
    def __init__(self, uri: str, text: str, version: int, language_id: str, encoding: str):
        self.uri = uri
        self.serial = next(_serials)
        self.language_id = language_id
        self.version = version
        self.encoding = encoding
        self.spec = language_for(language_id)
        self._text = text
        self._starts: Optional[list[int]] = None
        self._tree = None
        self._dirty = True  # edited (or never parsed) since the last parse
        self._refusal: Any = _UNKNOWN
        self.full_parses = 0
        self.incremental_parses = 0
        #: the offset of the last suggestion request's cursor, moved along by later edits
        #: (:func:`~jumpcoder_lsp.edits.map_offset`; None: no request yet, or a whole-document change)
        self.asked: Optional[int] = None

    # -- text -----------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._text

    @property
    def refusal(self) -> Optional[str]:
        """:func:`refusal` of the current text (computed once per change)."""
        if self._refusal is _UNKNOWN:
            self._refusal = refusal(self._text)
        return self._refusal

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = E.line_starts(self._text)
        return self._starts

    def line(self, n: int) -> str:
        return E.line_text(self._text, self.starts, n)

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def offset(self, position: types.Position, *, strict: bool = False) -> int:
        return E.position_to_offset(
            self._text, position.line, position.character, self.encoding, starts=self.starts, strict=strict
        )

    def position(self, offset: int) -> types.Position:
        return E.offset_to_position(self._text, offset, self.encoding, starts=self.starts)

    def cursor(self, position: types.Position) -> tuple[int, int, int]:
        """(offset, line, code-point column) of a request's position; raises PositionError past the end."""
        off = self.offset(position, strict=True)
        return off, position.line, off - self.starts[position.line]

    # -- changes --------------------------------------------------------------------------

    def apply_changes(self, changes: Iterable[Any], version: Optional[int]) -> None:
        for change in changes:
            self.apply_change(change)
        if version is not None:
            self.version = version

    def apply_change(self, change: Any) -> None:
        rng = getattr(change, "range", None)
        if rng is None:  # whole-document change
            self.asked = None
            self._text = change.text
            self._starts = None
            self._refusal = _UNKNOWN
            self._tree = None
            self._dirty = True
            return
        old = self._text
        starts = self.starts
        s = E.position_to_offset(old, rng.start.line, rng.start.character, self.encoding, starts=starts)
        e = E.position_to_offset(old, rng.end.line, rng.end.character, self.encoding, starts=starts)
        if e < s:
            s, e = e, s
        new_text = change.text
        new = old[:s] + new_text + old[e:]
        if self.asked is not None:
            self.asked = E.map_offset(self.asked, s, e, len(new_text))
        if self._tree is not None:
            # Byte offsets and points from the OLD text (tree-sitter counts UTF-8 bytes).
            start_byte = E.byte_offset(old, s)
            old_end_byte = start_byte + E.byte_offset(old[s:e], e - s)
            new_end_byte = start_byte + E.byte_offset(new_text, len(new_text))
            start_point = E.ts_point(old, s)
            old_end_point = E.ts_point(old, e)
            new_end_point = _advance_point(start_point, new_text)
            self._tree.edit(
                start_byte=start_byte,
                old_end_byte=old_end_byte,
                new_end_byte=new_end_byte,
                start_point=start_point,
                old_end_point=old_end_point,
                new_end_point=new_end_point,
            )
        self._text = new
        self._starts = None
        self._refusal = _UNKNOWN
        self._dirty = True

    # -- parse ----------------------------------------------------------------------------

    @property
    def tree(self):
        """The parse tree of the current text (incremental reparse when edits are pending)."""
        if self.spec is None or self.refusal is not None:  # never parse a refused document
            self._tree = None
            return None
        if self._dirty or self._tree is None:
            source = self._text.encode("utf-8", "surrogatepass")
            if self._tree is None:
                self._tree = self.spec.parse(source)
                self.full_parses += 1
            else:
                self._tree = self.spec.parse(source, self._tree)
                self.incremental_parses += 1
            self._dirty = False
        return self._tree

    def snapshot(self, *, with_tree: bool = True) -> Snapshot:
        tree = self.tree if with_tree else None
        return Snapshot(
            uri=self.uri,
            version=self.version,
            language_id=self.language_id,
            text=self._text,
            tree=tree.copy() if tree is not None else None,
            encoding=self.encoding,
            serial=self.serial,
        )


def _advance_point(start: tuple[int, int], inserted: str) -> tuple[int, int]:
    """The point after ``inserted`` placed at ``start``. tree-sitter counts rows at ``\\n`` only (a
    lone ``\\r`` is a column byte for it); the tree only needs to be consistent with itself."""
    row, col = start
    nl = inserted.count("\n")
    if nl == 0:
        return row, col + len(inserted.encode("utf-8", "surrogatepass"))
    tail = inserted[inserted.rfind("\n") + 1 :]
    return row + nl, len(tail.encode("utf-8", "surrogatepass"))


class Documents:
    """All open documents of one session, by URI."""

    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}
        self.encoding = E.UTF16

    def open(self, item: types.TextDocumentItem) -> Document:
        doc = Document(item.uri, item.text, item.version, item.language_id, self.encoding)
        self._docs[item.uri] = doc
        return doc

    def change(self, params: types.DidChangeTextDocumentParams) -> Optional[Document]:
        doc = self._docs.get(params.text_document.uri)
        if doc is None:
            log.warning("didChange for a document that is not open: %s", params.text_document.uri)
            return None
        doc.apply_changes(params.content_changes, params.text_document.version)
        return doc

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def get(self, uri: str) -> Optional[Document]:
        return self._docs.get(uri)

    def current(self, snap: Snapshot) -> Optional[Document]:
        """The open document when it is still exactly ``snap``: the same opening of the file (not
        a reopen that restarted the versions), the same version and the same text; else None."""
        doc = self._docs.get(snap.uri)
        if doc is None or doc.serial != snap.serial or doc.version != snap.version or doc.text != snap.text:
            return None
        return doc

    def __iter__(self):
        return iter(list(self._docs.values()))

    def __contains__(self, uri: str) -> bool:
        return uri in self._docs

    def __len__(self) -> int:
        return len(self._docs)
