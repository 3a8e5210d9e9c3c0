"""Rust: :class:`RustSpec`, on tree-sitter-rust and the query engine (``queries/rust.scm``).

A Rust file sees the names it declares, ``use``s or gets from the prelude -- and whatever a macro
expands to, which a one-file analysis cannot know; so the judge reports only what it knows is
undefined: a path root that names a standard module or an upper-case standard item
(``HashMap::new()``, ``HashMap<K, V>`` in a type, ``fs::read_to_string(..)``, ``impl Display``)
that the file neither ``use``s nor declares. That is the missing-``use`` case, the one a Rust
buffer needs JumpCoder's jump back for. The names are generated from the rust-docs of Rust 1.95
(``queries/rust_std_names.txt``, ``scripts/gen_rust_std_names.py``; prelude names left out).

What binds a name for the whole file: each ``use`` (its last segment, an ``as`` alias, the parent
of a ``self`` in a list), every identifier of an item-level macro invocation or of a
``macro_rules!`` definition (they may declare items). A glob ``use x::*;``, an ``extern crate`` or
an item-level ``include!`` make the analysis report nothing. Macro invocations' token trees and
attributes are never uses.
"""

from __future__ import annotations

import re
from typing import Optional

import tree_sitter_rust
from tree_sitter import Language, Node, Tree

from .base import tree_sitter_rows
from .clike import CLikeSpec
from .placement import ImportEntry, sorted_import_position
from .queries.engine import Analysis, ScopeEngine, load_names, load_queries

__all__ = ["RustSpec", "RUST_LANGUAGE", "RUST_STD_NAMES"]

RUST_LANGUAGE = Language(tree_sitter_rust.language())
RUST_STD_NAMES = load_names("rust_std_names")

_SIG_RE = re.compile(
    r"^\s*(?:pub(?:\s*\([^()]*\))?\s+)?(?:(?:const|async|unsafe|default)\s+)*(?:extern\s+(?:\"[^\"]*\"\s+)?)?"
    r"fn\s+[A-Za-z_]\w*\s*(?:<.*>)?\s*\(")
_IMPORT_RE = re.compile(r"^\s*(?:pub(?:\s*\([^()]*\))?\s+)?use\s")
_ONE_USE_RE = re.compile(r"^\s*(?:pub(?:\s*\([^()]*\))?\s+)?use\s+([\w:]+?)(?:\s+as\s+(\w+))?\s*;\s*(?://.*)?$")
#: an item-level macro that brings names nobody can list
_OPAQUE_MACROS = frozenset({"include"})


def _use_names(src: bytes, node: Node, out: set[str]) -> bool:
    """Add the names the use tree ``node`` binds to ``out``; False when it holds a glob."""
    t = node.type
    text = lambda n: src[n.start_byte : n.end_byte].decode("utf-8", "replace")  # noqa: E731
    if t == "use_wildcard":
        return False
    if t == "identifier":
        out.add(text(node))
    elif t == "scoped_identifier":
        name = node.child_by_field_name("name")
        if name is not None:
            out.add(text(name))
    elif t == "use_as_clause":
        alias = node.child_by_field_name("alias")
        if alias is not None:
            out.add(text(alias))
    elif t == "scoped_use_list":
        path, lst = node.child_by_field_name("path"), node.child_by_field_name("list")
        ok = True
        if lst is not None:
            for c in lst.named_children:
                if c.type == "self" and path is not None:  # use std::io::{self, Read}: binds io
                    _use_names(src, path, out)
                else:
                    ok = _use_names(src, c, out) and ok
        return ok
    elif t == "use_list":
        ok = True
        for c in node.named_children:
            ok = _use_names(src, c, out) and ok
        return ok
    return True


def _identifiers(src: bytes, node: Node, out: set[str]) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.add(src[n.start_byte : n.end_byte].decode("utf-8", "replace"))
        stack.extend(n.children)


def _item_level(n: Node) -> bool:
    """A macro invocation among items (``foo! { .. }``; ``foo!(..);`` parses as a statement)."""
    p = n.parent
    if p is not None and p.type == "expression_statement":
        p = p.parent
    return p is not None and p.type in ("source_file", "declaration_list")


class RustSpec(CLikeSpec):
    """The Rust :class:`~jumpcoder_lsp.languages.base.LanguageSpec`."""

    name = "rust"
    flavor = "rust"  # 'a lifetimes are no character literals; strings may span lines
    language = RUST_LANGUAGE
    _FUNCTION_TYPES = frozenset(("function_item",))
    _IMPORT_RE = _IMPORT_RE
    _HEADER_RE = re.compile(r"^\s*(?:#!\[|extern\s+crate\b|//!)")
    _PREFIX_LINE_RE = re.compile(r"^\s*#\[")
    _IDENTIFIER_TYPES = frozenset({"identifier", "type_identifier"})
    _BLOCK_RE = re.compile(r"^\s*(?:\}\s*)?(?:if|else|for|while|loop|match|unsafe\s*\{)\b")

    def __init__(self) -> None:
        super().__init__()
        self.engine = ScopeEngine(self.language, load_queries("rust"), qualifiers=RUST_STD_NAMES)

    def _analyze(self, src: bytes, root: Node) -> Analysis:
        names: set[str] = set()
        opaque = False
        stack = [root]
        while stack:
            n = stack.pop()
            t = n.type
            if t == "use_declaration":
                arg = n.child_by_field_name("argument")
                if arg is not None and not _use_names(src, arg, names):
                    opaque = True
                continue
            if t == "extern_crate_declaration":
                opaque = True
                continue
            if t == "macro_definition":
                _identifiers(src, n, names)
                continue
            if t == "macro_invocation" and _item_level(n):
                m = n.child_by_field_name("macro")
                if m is not None and src[m.start_byte : m.end_byte].decode("utf-8", "replace") in _OPAQUE_MACROS:
                    opaque = True
                _identifiers(src, n, names)
                continue
            stack.extend(n.children)
        an = self.engine.analyze(src, root, names)
        if opaque:
            an.uses = []
        return an

    def _is_signature_line(self, line: str) -> bool:
        return bool(_SIG_RE.match(line))

    def _has_body(self, node: Node) -> bool:
        body = node.child_by_field_name("body")
        return body is not None and body.type == "block"

    # ------------------------------------------------------------------ imports
    def import_line(self, source: str, tree: Optional[Tree] = None) -> int:
        """The line after the file's leading inner attributes and doc comments (``#![..]``,
        ``//!``), ``extern crate`` lines and ``use`` declarations (a multi-line ``use {..}``
        whole); without any, the blank line after a leading header comment (a licence or a note
        on the file: the infill there sees it as its prefix, and a ``use`` goes below it), else 0."""
        src, tree = self._tree(source, tree)
        pos = 0
        header_end = -1  # the last line of the leading plain comments, while nothing else came
        for c in tree.root_node.children:
            text = src[c.start_byte : c.start_byte + 3]
            if c.type in ("line_comment", "block_comment") and text not in (b"//!", b"/*!"):
                if pos == 0 and text != b"///" and c.start_point[0] <= header_end + 1:
                    header_end = c.end_point[0] - (1 if c.end_point[1] == 0 else 0)
                continue
            if c.type == "attribute_item":
                continue  # #[cfg(..)] before a use
            if c.type in ("use_declaration", "extern_crate_declaration", "inner_attribute_item",
                          "line_comment", "block_comment") and not c.has_error:
                pos = c.end_point[0] + (1 if c.end_point[1] > 0 else 0)
            else:
                break
        if pos == 0 and header_end >= 0:
            lines = source.split("\n")
            if header_end + 1 < len(lines) and not lines[header_end + 1].strip():
                return header_end + 1
        return pos

    @staticmethod
    def _category(path: str) -> int:
        root = path.split("::", 1)[0]
        return 0 if root in ("std", "core", "alloc") else 2 if root in ("crate", "self", "super") else 1

    def _use_entries(self, source: str, tree: Optional[Tree]) -> list[ImportEntry]:
        src, tree = self._tree(source, tree)
        out = []
        for c in tree.root_node.named_children:
            if c.type == "use_declaration" and not c.has_error:
                arg = c.child_by_field_name("argument")
                path = src[arg.start_byte : arg.end_byte].decode("utf-8", "replace") if arg is not None else ""
                out.append(ImportEntry(c.start_point[0], c.end_point[0], (path,), self._category(path)))
        return out

    def import_position(self, source: str, import_line: str, tree: Optional[Tree] = None) -> int:
        """Where a new ``use`` goes: into the file's ``use`` block, in the group of its kind
        (std/core/alloc, other crates, ``crate``/``self``/``super``: rustfmt's
        ``StdExternalCrate``), at the sorted position when that group is sorted, else after it;
        without any ``use``, after the inner attributes, doc comments and ``extern crate``s, else
        after the leading comments (a license header)."""
        block_end = self.import_line(source, tree)
        entries = self._use_entries(source, tree)
        if not entries and block_end == 0:
            text = source if isinstance(source, str) else source.decode("utf-8", "replace")
            lines = tree_sitter_rows(text)
            doc = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith(("///", "/**"))), len(lines))
            return min(self._after_preamble(lines[:doc]), doc)  # a doc comment belongs to its item
        m = _ONE_USE_RE.match(import_line)
        if not entries or m is None:
            return block_end
        new = ImportEntry(0, 0, (m.group(1),), self._category(m.group(1)))
        return sorted_import_position(entries, new, block_end)

    def import_bindings(self, line: str) -> Optional[frozenset[str]]:
        """``use std::collections::HashMap;`` -> {HashMap}; ``use std::fmt as f;`` -> {f}; None
        for a ``use`` list or glob (names nobody can list here)."""
        m = _ONE_USE_RE.match(line)
        if not m:
            return None
        name = m.group(2) or m.group(1).rsplit("::", 1)[-1]
        return frozenset({name}) if name and name not in ("self", "super", "crate") else None

    def is_wildcard_import(self, line: str) -> bool:
        """``use x::*;``: every public name of ``x``, which the analysis cannot see."""
        return bool(_IMPORT_RE.match(line)) and bool(re.search(r"::\s*\*\s*;", line))
