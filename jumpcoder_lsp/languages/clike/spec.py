"""The brace languages' shared :class:`CLikeSpec`: parsing (open braces closed after a
half-written text), the AST judge over a language's analyzer (:mod:`.scopes`), non-code lines,
block and function ends, the enclosing function, import, helper and local-variable placement.

Thread-safety: the specs share one parser behind a lock.
"""

from __future__ import annotations

import re
import threading
from typing import Iterable, Optional, Sequence, Union

from tree_sitter import Language, Node, Parser, Tree

from ..base import Region, UndefinedName, tree_sitter_rows
from ..placement import ImportEntry, blank_counts, sorted_import_position
from .lines import (
    _CODE,
    _COMMENT,
    _STRING,
    _byte_classes,
    _strip_code,
    indent_width,
    looks_like_signature,
    scan,
)
from .scopes import Analyzer


def _descendants(node: Node) -> Iterable[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)


class CLikeSpec:
    """Line helpers shared by the brace languages. Subclasses set ``name``, ``flavor``,
    ``language``, ``_FUNCTION_TYPES`` (tree-sitter node types of function definitions),
    ``_MODIFIERS`` and the import rules, and ``_ANALYZER`` (or implement ``_analyze``)."""

    name = "clike"
    flavor = "java"
    bad_words = ("//", "/*")
    comment_prefixes = ("//",)
    language: Language
    _FUNCTION_TYPES: frozenset = frozenset()
    _MODIFIERS: frozenset = frozenset()
    _PREFIX_LINE_RE = re.compile(r"^\s*@")  # lines that may precede a signature (annotations)
    _IMPORT_RE = re.compile(r"$^")
    _HEADER_RE = re.compile(r"$^")  # lines that may sit among the imports (package...)

    def __init__(self) -> None:
        self._parser = Parser(self.language)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ parsing
    def parse(self, source: Union[bytes, str], old_tree: Optional[Tree] = None) -> Tree:
        if isinstance(source, str):
            source = source.encode("utf-8")
        with self._lock:
            if old_tree is None:
                return self._parser.parse(source)
            return self._parser.parse(source, old_tree)

    def _tree(self, source: Union[str, bytes], tree: Optional[Tree]) -> tuple[bytes, Tree]:
        src = source.encode("utf-8") if isinstance(source, str) else source
        return src, (tree if tree is not None else self.parse(src))

    def _closed_tree(self, source: Union[str, bytes], tree: Optional[Tree]) -> tuple[bytes, Tree, int]:
        """The source, its tree and its length in bytes -- with the braces the text leaves open
        closed (``"\n}"`` appended per open brace, after everything) when there are any.

        Code being written (a prompt plus the lines generated so far, a file being typed) ends
        inside a method inside a class; some grammars (tree-sitter-c-sharp) then give up on the
        whole class and return one ``ERROR`` node. Closing the braces after the text keeps every
        byte offset of the text and gives back the structure."""
        src, tree = self._tree(source, tree)
        n = len(src)
        if not tree.root_node.has_error:
            return src, tree, n
        text = src.decode("utf-8", "replace")
        cls = scan(text, self.flavor)
        depth = 0
        for ch, c in zip(text, cls):
            if c == _CODE:
                if ch == "{":
                    depth += 1
                elif ch == "}" and depth > 0:
                    depth -= 1
        if depth <= 0:
            return src, tree, n
        closed = src + b"\n" + b"}\n" * depth
        return closed, self.parse(closed), n

    def undefined_names(self, source: str, tree: Optional[Tree] = None,
                        ignore_after_byte: Optional[int] = None) -> list[UndefinedName]:
        """Uses of names nothing declares, in source order (one entry per use); see the
        language module for the scope rules. Tolerates half-written code (open braces are
        closed after the text; ``ERROR`` nodes are read leniently); identifiers that end at or
        after ``ignore_after_byte`` (the cursor while the user types) are not reported."""
        src, tree, n = self._closed_tree(source, tree)
        an = self._analyze(src, tree.root_node)
        limit = n if ignore_after_byte is None else min(n, ignore_after_byte)
        out = [u for u in an.results(limit) if u.end_byte <= n]
        if out and tree.root_node.has_error:
            # error recovery may read the words of an unterminated comment or string as code
            classes = _byte_classes(src[:n].decode("utf-8", "replace"), self.flavor)
            out = [u for u in out if u.start_byte >= len(classes) or classes[u.start_byte] == _CODE]
        return out

    #: the :class:`TypeScopeAnalyzer` subclass :meth:`_analyze` runs (C++ overrides ``_analyze``)
    _ANALYZER: Optional[type] = None

    def _analyze(self, src: bytes, root: Node) -> Analyzer:
        if self._ANALYZER is None:  # pragma: no cover - abstract
            raise NotImplementedError
        return self._ANALYZER.analyze(src, root)

    # ------------------------------------------------------------------ lines
    def non_code_lines(self, source: str, tree: Optional[Tree] = None) -> set[int]:
        """Blank lines, lines holding only comments (``//``, ``/* */``, the inside of a block
        comment) and lines that start inside a multi-line string (text blocks, raw strings)."""
        text = source if isinstance(source, str) else source.decode("utf-8", "replace")
        cls = scan(text, self.flavor)
        out: set[int] = set()
        pos = 0
        for i, line in enumerate(text.split("\n")):
            stripped = line.strip()
            if not stripped:
                out.add(i)
            else:
                first = pos + (len(line) - len(line.lstrip()))
                c = cls[first]
                if c == _STRING and first > 0 and cls[first - 1] == _STRING and text[first - 1] in "\n\r \t":
                    out.add(i)  # continues a string from the line above
                elif c == _COMMENT and all(
                    cls[k] == _COMMENT or text[k].isspace() for k in range(first, pos + len(line))
                ):
                    out.add(i)
            pos += len(line) + 1
        return out

    _BLOCK_RE = re.compile(
        r"^\s*(?:\}\s*)?(?:if|else|for|foreach|while|do|switch|try|catch|finally|synchronized|lock|"
        r"using\s*\(|fixed|unsafe|checked|unchecked)\b"
    )

    def opens_block(self, line: str) -> bool:
        """A line starting with a block keyword (``if``/``else``/``for``/``while``/``do``/
        ``switch``/``try``/``catch``/``finally``, and the language's own), or any line whose code
        ends with an unclosed ``{``: on its own it breaks the code after it."""
        if self._BLOCK_RE.match(line):
            return True
        code = _strip_code(line, self.flavor).rstrip()
        return code.endswith("{") and code.count("{") > code.count("}")

    def _first_code_line(self, text: str) -> tuple[int, Optional[str]]:
        """Offset and text of the first line of ``text`` that is not blank, a comment, an
        annotation/attribute or a ``template <...>`` header."""
        off = 0
        in_comment = False
        for line in text.splitlines(keepends=True):
            s = line.strip()
            if in_comment:
                if "*/" in s:
                    in_comment = False
                    s = s.split("*/", 1)[1].strip()
                    if not s:
                        off += len(line)
                        continue
                else:
                    off += len(line)
                    continue
            if not s or s.startswith("//") or self._PREFIX_LINE_RE.match(line):
                off += len(line)
                continue
            if s.startswith("/*"):
                if "*/" not in s:
                    in_comment = True
                off += len(line)
                continue
            return off, line
        return off, None

    def is_function_signature(self, text: str) -> bool:
        """True when the first code line of ``text`` (after blank lines, comments and
        annotations/attributes/``template<...>``) declares a function or method:
        ``[modifiers] ReturnType name(...)`` followed by ``{``, the end of the line or a
        signature suffix (``throws``, ``const``...). Calls, declarations with initialisers and
        control statements are not."""
        _off, line = self._first_code_line(text)
        return line is not None and self._is_signature_line(line)

    def _is_signature_line(self, line: str) -> bool:
        """The one-line signature test :meth:`is_function_signature` and :meth:`function_end`
        use (TypeScript/JavaScript override it: ``function f(``, ``const f = (...) =>``)."""
        return looks_like_signature(line, self.flavor, self._MODIFIERS)

    def function_end(self, text: str) -> Optional[int]:
        """For ``text`` starting with a function definition: the number of characters through
        the newline after the ``}`` that balances the body's ``{`` (braces in strings, character
        literals and comments do not count). A declaration without a body (``;`` before any
        ``{``: an abstract method, a prototype, a C# ``=> expr;``) ends with the newline after
        its ``;``. None until then, or when ``text`` does not start with a function."""
        off, line = self._first_code_line(text)
        if line is None or not self._is_signature_line(line):
            return None
        cls = scan(text, self.flavor)
        depth = 0
        paren = 0
        opened = False
        for i in range(off, len(text)):
            if cls[i] != _CODE:
                continue
            ch = text[i]
            if ch == "(":
                paren += 1
            elif ch == ")":
                paren = max(0, paren - 1)
            elif ch == "{":
                depth += 1
                opened = True
            elif ch == "}":
                depth -= 1
                if depth <= 0 and opened:
                    nl = text.find("\n", i)
                    return None if nl < 0 else nl + 1
            elif ch == ";" and not opened and depth == 0 and paren == 0:
                nl = text.find("\n", i)
                return None if nl < 0 else nl + 1
        return None

    def block_ended(self, block_indent: str, line: str) -> bool:
        """True when ``line``'s first non-blank character is ``}`` and the line is indented no
        deeper than ``block_indent``: it closes the function whose header had that indentation
        (the engine stops there; the brace itself is not generated -- as MultiPL-E's stop
        sequences ``"\\n    }\\n"`` / ``"\\n}"`` do)."""
        stripped = line.strip()
        if not stripped.startswith("}"):
            return False
        return indent_width(line) <= indent_width(block_indent)

    # ------------------------------------------------------------------ structure
    def _function_start(self, node: Node) -> Node:
        return node

    def enclosing_function(self, source: str, line: int, tree: Optional[Tree] = None) -> Optional[Region]:
        """The innermost function/method definition around ``line``: from its first line
        (annotations, attributes and ``template<...>`` included) to its closing brace -- to the
        end of the text while the body is still open. None outside any function."""
        src, tree, n = self._closed_tree(source, tree)
        text = src[:n].decode("utf-8", "replace")
        lines = tree_sitter_rows(text)
        last = len(lines) - 1
        best: Optional[Node] = None
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            if node.start_point[0] > line:
                continue
            end = node.end_point[0] if node.end_byte <= n else last  # closed after the text: open
            if end < line:
                continue
            if node.type in self._FUNCTION_TYPES and self._has_body(node):
                if best is None or node.start_byte >= best.start_byte:
                    best = node
            stack.extend(node.named_children)
        if best is None:
            return None
        top = self._function_start(best)
        start = top.start_point[0]
        if best.end_byte > n or self._body_missing_close(best):
            end = last  # the body is still open: it runs to the end of the text
        else:
            end = best.end_point[0]
            if best.end_point[1] == 0 and end > start:
                end -= 1
        end = min(max(end, line), last) if line <= last else end
        first = lines[start] if start < len(lines) else ""
        return Region(start, end, first[: len(first) - len(first.lstrip())])

    @staticmethod
    def _has_body(node: Node) -> bool:
        body = node.child_by_field_name("body")
        return body is not None and body.type != ";"

    @staticmethod
    def _body_missing_close(node: Node) -> bool:
        body = node.child_by_field_name("body")
        if body is None or not body.child_count:
            return False
        last = body.child(body.child_count - 1)
        return last.is_missing or last.type != "}"

    #: whether a header line (Java's ``package``) alone places new imports after it; C++'s header
    #: lines (guards, ``#pragma``) may only sit among the includes
    _HEADER_IS_ANCHOR = True

    def import_line(self, source: str, tree: Optional[Tree] = None) -> int:
        """The line before which a new import/using/include goes: after the last one of the
        file's header (the run of import lines, package/namespace-less preamble, comments and
        blank lines at the top); without any, after the header lines (Java's ``package``),
        else 0."""
        text = source if isinstance(source, str) else source.decode("utf-8", "replace")
        lines = tree_sitter_rows(text)
        pos = 0
        in_comment = False
        for i, line in enumerate(lines):
            s = line.strip()
            if in_comment:
                if "*/" in s:
                    in_comment = False
                continue
            if not s or s.startswith("//"):
                continue
            if s.startswith("/*"):
                if "*/" not in s[2:]:
                    in_comment = True
                continue
            if self._IMPORT_RE.match(line):
                pos = i + 1
            elif self._HEADER_RE.match(line):
                if self._HEADER_IS_ANCHOR:
                    pos = max(pos, i + 1)
            else:
                break
        return pos

    def is_import(self, line: str) -> bool:
        return bool(self._IMPORT_RE.match(line))

    def _import_entry(self, line: str, row: int) -> Optional[ImportEntry]:
        """One import line as an :class:`ImportEntry` (sort keys and group category), or None
        for a line that is no sortable import. Each language defines its order."""
        return None

    #: a line that may open the file before its imports (a header guard, ``#pragma once``)
    _PREAMBLE_RE = re.compile(r"$^")

    def _after_preamble(self, lines: Sequence[str]) -> int:
        """The line after the file's leading comments (a license header) and preamble lines."""
        pos, in_comment = 0, False
        for i, line in enumerate(lines):
            s = line.strip()
            if in_comment:
                if "*/" in s:
                    in_comment = False
                    pos = i + 1
                continue
            if not s:
                continue
            if s.startswith("//") or self._PREAMBLE_RE.match(line):
                pos = i + 1
            elif s.startswith("/*"):
                if "*/" in s[2:]:
                    pos = i + 1
                else:
                    in_comment = True
            else:
                break
        return pos

    def import_position(self, source: str, import_line: str, tree: Optional[Tree] = None) -> int:
        """The line before which the new ``import_line`` goes (issue 15's placement rule): into
        the file's import block -- the group of the same kind (``_import_entry``'s category), at
        the sorted position when that group is sorted, else after it; without any import, after
        the header (Java's ``package``) and the leading comments (a license header)."""
        text = source if isinstance(source, str) else source.decode("utf-8", "replace")
        lines = tree_sitter_rows(text)
        block_end = self.import_line(text, tree)
        new = self._import_entry(import_line, 0)
        entries, in_comment = [], False
        for i, line in enumerate(lines[:block_end]):
            s = line.strip()
            if in_comment:
                in_comment = "*/" not in s
                continue
            if s.startswith("/*"):
                in_comment = "*/" not in s[2:]
                continue
            e = self._import_entry(line, i)
            if e is not None:
                entries.append(e)
        if not entries:
            return block_end if block_end else self._after_preamble(lines)
        if new is None:
            return block_end
        return sorted_import_position(entries, new, block_end)

    def blank_lines(self, source: str, line: int, inserted: Sequence[str]) -> tuple[int, int]:
        """Blank lines to add (before, after) ``inserted`` placed before ``line``: an import block
        is set off by one blank line from the code around it (a ``package`` line, the class or
        namespace); a function or method by one from its neighbours (none next to a brace that
        opens or closes the enclosing block)."""
        lines = tree_sitter_rows(source if isinstance(source, str) else source.decode("utf-8", "replace"))
        code = [t for t in inserted if t.strip()]
        if not code:
            return 0, 0
        above, below, prev, nxt = blank_counts(lines, line, inserted)
        want_before = want_after = 0
        if all(self.is_import(t) for t in code):
            if prev is not None and not self.is_import(prev) and not (nxt is not None and self.is_import(nxt)):
                want_before = 1
            if nxt is not None and not self.is_import(nxt):
                want_after = 1
        elif self.is_function_signature("".join(inserted)):
            if prev is not None and not prev.rstrip().endswith("{"):
                want_before = 1
            if nxt is not None and not nxt.lstrip().startswith("}"):
                want_after = 1
        return max(0, want_before - above), max(0, want_after - below)

    def helper_position(self, source: str, line: int, inserted: Sequence[str]) -> Optional[tuple[int, str]]:
        """Where a helper function proposed before ``line`` goes (issue 15): inside a method, a
        member of the enclosing class (a top-level function in C++/Go) above the function around
        ``line`` -- (its first line, its indentation); between the members of a class (the model
        wrote it at column 0 above the method), where it is, at the class's member indentation --
        (``line``, that indentation); in Java and C#, at file level above the class, a member
        above the method that calls it; None where it stays."""
        region = self.enclosing_function(source, line)
        if region is not None and region.start_line < line:
            return region.start_line, region.indent
        indent = self._member_indent(source, line)
        if indent is not None:
            return line, indent
        if region is None and self._METHODS_ONLY:
            return self._user_method(source, line, inserted)
        return None

    #: functions live in classes only (Java, C#): a helper proposed at file level moves into the class
    _METHODS_ONLY = False

    def _user_method(self, source: str, line: int, inserted: Sequence[str]) -> Optional[tuple[int, str]]:
        """For a helper proposed at file level (above the class, where Java and C# have no
        functions): the first line and indentation of the method below ``line`` that calls it
        (its first use), when that method is a class member; else None."""
        _off, first = self._first_code_line("".join(inserted))
        m = re.search(r"([A-Za-z_]\w*)\s*(?:<[^()]*>)?\s*\(", _strip_code(first or "", self.flavor))
        if m is None:
            return None
        call = re.compile(r"\b" + re.escape(m.group(1)) + r"\s*(?:<[^()]*>)?\s*\(")
        rows = tree_sitter_rows(source)
        use = next((i for i in range(line, len(rows)) if call.search(_strip_code(rows[i], self.flavor))), None)
        region = self.enclosing_function(source, use) if use is not None else None
        if region is None or region.start_line < line or self._member_indent(source, region.start_line) is None:
            return None
        return region.start_line, region.indent

    def align_close(self, lines: Sequence[str]) -> list[str]:
        """A helper's lines with its closing ``}`` at the indentation of its signature (the model
        may write the body's brace deeper or shallower than its header); nothing else changes."""
        out = list(lines)
        code = [i for i, t in enumerate(out) if t.strip()]
        if len(code) < 2 or out[code[-1]].strip() != "}":
            return out
        first, last = out[code[0]], out[code[-1]]
        indent = first[: len(first) - len(first.lstrip(" \t"))]
        out[code[-1]] = indent + last.lstrip(" \t")
        return out

    #: node types that hold a class's members (``_member_indent``)
    _MEMBER_LIST_TYPES: frozenset = frozenset()
    #: where a variable declared just above a function may be that function's misplaced local
    #: (``local_position``): the node types of such a declaration and of what holds it
    _FIELD_TYPES: frozenset = frozenset()
    _FIELD_SCOPES: frozenset = frozenset()
    #: modifiers that make a declaration a constant: it stays a member
    _CONSTANT_WORDS = frozenset(("final", "const", "readonly", "constexpr", "constinit"))
    _COMMENT_TYPES = frozenset(("comment", "line_comment", "block_comment"))

    def _member_indent(self, source: str, line: int) -> Optional[str]:
        """The indentation of the members of the class whose body holds ``line`` between its
        members (the nearest member below, else above); None outside any class body or inside a
        member."""
        if not self._MEMBER_LIST_TYPES:
            return None
        src, tree, n = self._closed_tree(source, None)
        rows = tree_sitter_rows(src[:n].decode("utf-8", "replace"))
        body: Optional[Node] = None
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            if node.start_point[0] >= line or (node.end_byte <= n and node.end_point[0] < line):
                continue
            if node.type in self._MEMBER_LIST_TYPES:
                body = node
            stack.extend(node.named_children)
        if body is None:
            return None
        members = [m for m in body.named_children if m.type not in self._COMMENT_TYPES
                   and m.start_point[0] > body.start_point[0] and m.start_point[0] < len(rows)]
        if any(m.start_point[0] < line <= m.end_point[0] for m in members):
            return None  # inside a member
        below = [m for m in members if m.start_point[0] >= line]
        above = [m for m in members if m.end_point[0] < line]
        member = below[0] if below else above[-1] if above else None
        if member is None:
            return None
        row = rows[member.start_point[0]]
        return row[: len(row) - len(row.lstrip(" \t"))]

    def local_position(self, source: str, line: int, inserted: Sequence[str]) -> Optional[tuple[int, list[str]]]:
        """Where a variable the model declared above a method, though only that method uses it,
        goes (issue 15: ``static int count = 0;`` above the method for a local ``count``): one
        initialised, non-constant field (C++: a file-level variable) proposed before ``line``
        directly above a function whose body uses its name -- no other member does -- becomes
        a local of that function, declared before the body statement of the name's first use,
        at that statement's indentation, without its modifiers -- (that line, the local's
        lines); None where it stays."""
        code = [t for t in inserted if t.strip()]
        if not self._FIELD_TYPES or len(code) != 1:
            return None
        pieces = source.split("\n")
        offset = sum(len(p) + 1 for p in pieces[:line])
        if line > len(pieces) or offset > len(source):
            return None
        added = "".join(inserted)
        shift = added.count("\n")
        text = source[:offset] + added + source[offset:]
        src, tree, n = self._closed_tree(text, None)
        row = line + next(i for i, t in enumerate(inserted) if t.strip())
        field: Optional[Node] = None
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            if node.start_point[0] > row or node.end_point[0] < row:
                continue
            if node.type in self._FIELD_TYPES and node.start_point[0] == row == node.end_point[0]:
                field = node
                break
            stack.extend(node.named_children)
        if field is None or field.parent is None or field.parent.type not in self._FIELD_SCOPES:
            return None
        siblings = [m for m in field.parent.named_children if m.type not in self._COMMENT_TYPES]
        after = siblings[siblings.index(field) + 1:] if field in siblings else []
        function = after[0] if after else None
        if function is None or function.type not in self._FUNCTION_TYPES or not self._has_body(function):
            return None
        declared = field.child_by_field_name("type") or next(
            (c for c in field.named_children if c.type == "variable_declaration"), None)
        declarators = [d for d in _descendants(field) if d.type in ("variable_declarator", "init_declarator")]
        if declared is None or len(declarators) != 1:
            return None
        d = declarators[0]
        name_node = d.child_by_field_name("name") or d.child_by_field_name("declarator")
        if name_node is None or name_node.type != "identifier":
            return None
        if not (d.child_by_field_name("value") is not None
                or any(c.type in ("=", "equals_value_clause") for c in d.children)):
            return None
        modifiers = src[field.start_byte : declared.start_byte].decode("utf-8", "replace")
        if re.search(r"[@\[]", modifiers) or set(re.findall(r"\w+", modifiers)) & self._CONSTANT_WORDS:
            return None
        name = src[name_node.start_byte : name_node.end_byte]

        def mentions(node: Node) -> bool:
            return any(x.type in self._IDENTIFIER_TYPES and src[x.start_byte : x.end_byte] == name
                       for x in _descendants(node))

        if any(mentions(m) for m in siblings if m != field and m != function):
            return None
        body = function.child_by_field_name("body")
        use = next((s for s in body.named_children if mentions(s)), None) if body is not None else None
        if use is None or use.start_point[0] <= body.start_point[0] or use.start_byte >= n:
            return None
        rows = tree_sitter_rows(src[:n].decode("utf-8", "replace"))
        at = rows[use.start_point[0]]
        indent = at[: len(at) - len(at.lstrip(" \t"))]
        eol = "\r\n" if code[0].endswith("\r\n") else "\n"
        local = src[declared.start_byte : field.end_byte].decode("utf-8", "replace")
        return use.start_point[0] - shift, [indent + local + eol]

    #: identifier node types ``names_used`` collects
    _IDENTIFIER_TYPES = frozenset({"identifier", "type_identifier", "field_identifier", "namespace_identifier"})

    def import_bindings(self, line: str) -> Optional[frozenset[str]]:
        """None: an ``#include`` or a C# ``using`` brings names nobody can list (headers, extension
        methods), so such an import is never called unused. Java overrides this."""
        return None

    def names_used(self, source: str, start_byte: int = 0) -> set[str]:
        src, tree = self._tree(source, None)
        out: set[str] = set()
        stack = [tree.root_node]
        while stack:
            n = stack.pop()
            if n.end_byte <= start_byte:
                continue
            if n.type in self._IDENTIFIER_TYPES and n.start_byte >= start_byte:
                out.add(src[n.start_byte : n.end_byte].decode("utf-8", "replace"))
            stack.extend(n.children)
        return out
