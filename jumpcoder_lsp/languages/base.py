"""The language contract: what the engine and the server need to know about a language.

Every language is a :class:`LanguageSpec` built on a tree-sitter grammar (tree-sitter parses
half-written code, and the server reuses the same trees). Positions are 0-based lines; byte
offsets are UTF-8, as tree-sitter counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, Sequence


def tree_sitter_rows(text: str) -> list[str]:
    """Lines as tree-sitter counts rows: split on ``\\n`` only, a trailing ``\\r`` dropped from
    each (a lone ``\\r`` is an ordinary byte to tree-sitter, unlike LSP, whose lines are
    :func:`jumpcoder_lsp.edits.split_lines`). A text ending with a newline has a last, empty row
    (where an editor's cursor can be)."""
    return [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]


@dataclass(frozen=True)
class UndefinedName:
    name: str
    line: int  # 0-based line of the use
    start_byte: int
    end_byte: int


@dataclass(frozen=True)
class Region:
    """A span of whole lines [start_line, end_line] (inclusive, 0-based)."""

    start_line: int
    end_line: int
    indent: str = ""  # leading whitespace of the region's first line


class LanguageSpec(Protocol):
    name: str  # e.g. "python"
    #: words the engine may forbid the models to write (the paper's "#" and "pass")
    bad_words: tuple[str, ...]
    #: line-comment markers ("#" for Python, "//" for C-like languages)
    comment_prefixes: tuple[str, ...]

    def parse(self, source: bytes, old_tree=None):
        """A tree-sitter Tree of ``source`` (incremental when ``old_tree`` was edited)."""

    def undefined_names(self, source: str, tree=None, ignore_after_byte: Optional[int] = None) -> list[UndefinedName]:
        """Uses of names no enclosing scope binds (scopes: builtins, imports, parameters,
        comprehensions, globals, class bodies, names bound later in the same function), one entry
        per use, in source order. Tolerates broken code; identifiers that end at or after
        ``ignore_after_byte`` (the cursor while the user types) are not reported."""

    def non_code_lines(self, source: str, tree=None) -> set[int]:
        """Lines that are comments, blank, or start inside a string: never infill before them and
        never use them as uncertainty positions."""

    def opens_block(self, line: str) -> bool:
        """True for a line that starts a block (if/for/while/try/with/else...): the paper filters
        such single-line infills, which break the code after them."""

    def is_function_signature(self, text: str) -> bool:
        """True when ``text`` (a generated infill) starts with a function definition: the adaptive
        stop then lets the infill run to the end of that function."""

    def function_end(self, text: str) -> Optional[int]:
        """For ``text`` that starts with a function definition: the number of characters that make
        up the whole function (through the newline of its last line), or None while it may go on
        -- the end is known only once a later line leaves the function (a dedent)."""

    def block_ended(self, block_indent: str, line: str) -> bool:
        """True when ``line`` (a complete, non-blank line) leaves a block whose header had
        ``block_indent``: ends JumpCoder's run at the end of the enclosing function."""

    def enclosing_function(self, source: str, line: int, tree=None) -> Optional[Region]:
        """The innermost function (or method) around ``line``: from its first decorator to the
        last line of its body (an empty line just below the body, indented deeper than the
        ``def``, counts as inside). None at module level."""

    def import_line(self, source: str, tree=None) -> int:
        """The line before which a new import belongs (after the module docstring, the
        ``__future__`` imports and the existing imports)."""

    def import_position(self, source: str, import_line: str, tree=None) -> int:
        """The line before which the new import ``import_line`` goes (issue 15, the one owner of
        import placement; the engine calls it for an accepted import infill): into the import block
        -- the group of its kind, at its sorted position when that group is sorted, else after it
        -- and without a block after what must come first (Python: module docstring, shebang,
        encoding line, ``__future__`` imports, license comments; Java: ``package``; C++: license
        comments, ``#pragma once``, the header guard; C#: license comments)."""

    def blank_lines(self, source: str, line: int, inserted: Sequence[str]) -> tuple[int, int]:
        """How many blank lines to add (before, after) ``inserted`` placed before ``line`` for the
        language's conventions (PEP 8: two between the imports and a top-level ``def``, two around
        a top-level helper; C-like: one between the imports and the code, one around a method).
        Blank lines already there, in the file or at the edges of ``inserted``, count."""

    def is_import(self, line: str) -> bool: ...

    def import_bindings(self, line: str) -> Optional[frozenset[str]]:
        """The names the import ``line`` binds (``from typing import Dict, List`` -> Dict, List;
        ``import a.b`` -> a; ``import x as y`` -> y), or None when ``line`` is no import or its
        names cannot be told (a wildcard, an ``#include``, a C# ``using`` that may bring extension
        methods): the engine then never calls the import unused."""

    def names_used(self, source: str, start_byte: int = 0) -> set[str]:
        """Every identifier referenced in ``source`` at or after ``start_byte`` (UTF-8 bytes),
        comments and strings excluded: what "nothing after it uses" is judged by."""
