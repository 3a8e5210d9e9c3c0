"""The Python :class:`~jumpcoder_lsp.languages.base.LanguageSpec`: :class:`PythonSpec` (parsing,
the AST judge over :class:`~.analyzer._Analyzer`, non-code lines, a function's end, the
enclosing ``def``, import and helper placement, blank lines) and the tree helpers it uses.

Thread-safety: one :class:`PythonSpec` may be shared between threads. Its single tree-sitter
``Parser`` is guarded by a lock (parsing is fast: a 2,500-line module takes a few ms); every
other method is a pure function of its arguments.
"""

from __future__ import annotations

import re
import sys
import threading
from typing import Optional, Sequence, Union

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from ..base import Region, UndefinedName, tree_sitter_rows
from ..placement import ImportEntry, blank_counts, sorted_import_position
from .analyzer import _CLOSE, _Analyzer
from .names import NameFinding, name_findings, record
from .lines import (
    _BLOCK_RE,
    _CODING_RE,
    _DEF_RE,
    _DUNDER_ASSIGN_RE,
    _FUTURE_RE,
    _IMPORT_RE,
    _SOFT_BLOCK_RE,
    _TOP_DEF_RE,
    _enclosing_by_indent,
    _ends_with_newline,
    _indent_width,
    _scan_lines,
)

PY_LANGUAGE = Language(tree_sitter_python.language())

_QUERY_SRC = """
(ERROR (string_start) @open)
(expression_statement . (string) @doc .)
(string) @str
"""

#: top-level modules of the standard library (the first group of :func:`_import_entry`)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)


class PythonSpec:
    """The Python :class:`~jumpcoder_lsp.languages.base.LanguageSpec` (tree-sitter-python).

    Thread-safe: :meth:`parse` serialises the one parser with a lock; everything else is pure.
    """

    name = "python"
    #: blocks are indentation (engine/filters.py unexpected_indent)
    indented_blocks = True
    bad_words = ("#", "pass")
    comment_prefixes = ("#",)
    language = PY_LANGUAGE

    def __init__(self) -> None:
        self._parser = Parser(PY_LANGUAGE)
        self._lock = threading.Lock()
        self._query = Query(PY_LANGUAGE, _QUERY_SRC)

    # ------------------------------------------------------------------ parsing
    def parse(self, source: Union[bytes, str], old_tree: Optional[Tree] = None) -> Tree:
        """A tree-sitter Tree of ``source`` (UTF-8 bytes, or a str that is encoded); incremental
        when ``old_tree`` was edited with ``Tree.edit`` to match ``source``."""
        if isinstance(source, str):
            source = source.encode("utf-8")
        with self._lock:
            if old_tree is None:
                return self._parser.parse(source)
            return self._parser.parse(source, old_tree)

    def _tree(self, source: str, tree: Optional[Tree]) -> tuple[bytes, Tree]:
        src = source.encode("utf-8") if isinstance(source, str) else source
        return src, (tree if tree is not None else self.parse(src))

    def _captures(self, root: Node) -> dict[str, list[Node]]:
        return QueryCursor(self._query).captures(root)

    @staticmethod
    def _dead_ranges(src: bytes, caps: dict[str, list[Node]]) -> list[tuple[int, int]]:
        """Byte ranges that an unterminated string swallows: a triple-quoted one runs to the end
        of the file, a single-quoted one to the end of its line. tree-sitter shows such a string
        as a ``string_start`` loose in an ERROR, or as a ``string`` whose ``string_end`` is
        MISSING."""
        opens = list(caps.get("open", []))
        for st in caps.get("str", []):
            last = st.child(st.child_count - 1) if st.child_count else None
            if last is not None and last.type == "string_end" and last.is_missing:
                opens.append(st.child(0))
        dead = []
        for s in opens:
            # a string_start that tree-sitter could not close (no string_end after it)
            sib = s.next_sibling if s.parent is not None and s.parent.type == "ERROR" else None
            closed = False
            while sib is not None:
                if sib.type == "string_end":
                    closed = True
                    break
                if sib.type == "string_start":
                    break
                sib = sib.next_sibling
            if closed:
                continue
            quote = src[s.start_byte : s.end_byte]
            if quote.endswith((b'"""', b"'''")):
                dead.append((s.start_byte, len(src) + 1))
            else:
                eol = src.find(b"\n", s.end_byte)
                dead.append((s.start_byte, len(src) + 1 if eol < 0 else eol))
        return dead

    # ------------------------------------------------------------------ the AST judge
    def undefined_names(
        self, source: str, tree: Optional[Tree] = None, ignore_after_byte: Optional[int] = None
    ) -> list[UndefinedName]:
        """Uses of names that no enclosing scope binds, in source order (one entry per use).

        Tolerates broken code: ERROR nodes are read token by token (see ``_Analyzer._error``);
        identifiers inside an unterminated string are not code. Identifiers that end at or after
        ``ignore_after_byte`` (the cursor while the user types) are not reported. A star import
        anywhere in the module turns reporting off (nothing can be known).
        """
        src, tree = self._tree(source, tree)
        root = tree.root_node
        dead = self._dead_ranges(src, self._captures(root))
        an = _Analyzer(src, root, dead)
        an.run()
        return self._undefined_of(an, src, root, ignore_after_byte)

    def _undefined_of(self, an: _Analyzer, src: bytes, root: Node, ignore_after_byte: Optional[int] = None
                      ) -> list[UndefinedName]:
        """:meth:`undefined_names` of a walk already run."""
        if an.star_import:
            return []
        an.finish_globals()
        dead = an.dead
        if ignore_after_byte is not None:
            typing = self._target_being_typed(src, root, ignore_after_byte)
            if typing is not None:
                an.loose.append(typing)
        out = []
        for u in an.uses:
            node = u.node
            if u.suppressed:
                continue
            if ignore_after_byte is not None and node.end_byte >= ignore_after_byte:
                continue
            if dead and an.in_dead(node.start_byte):
                continue
            if an.loose and any(a <= node.start_byte < b for a, b in an.loose):
                continue
            if an.is_defined(u) and not an.read_before_assignment(u):
                continue
            out.append(UndefinedName(u.name, node.start_point[0], node.start_byte, node.end_byte))
        out.sort(key=lambda x: x.start_byte)
        return out

    def name_findings(self, source: str, tree: Optional[Tree] = None) -> list[NameFinding]:
        """Unused imports and locals and shadowed names (:mod:`.names`, issue 17's lint-clean
        rule, engine/lint.py), in source order."""
        return self.lint_names(source, tree)[1]

    def lint_names(self, source: str, tree: Optional[Tree] = None) -> tuple[list[UndefinedName], list[NameFinding]]:
        """(:meth:`undefined_names`, :meth:`name_findings`) from one walk (engine/lint.py)."""
        src, tree = self._tree(source, tree)
        root = tree.root_node
        an = record(src, root, self._dead_ranges(src, self._captures(root)))
        undefined = self._undefined_of(an, src, root)
        return undefined, ([] if an.star_import else name_findings(an, src))

    @staticmethod
    def _target_being_typed(src: bytes, root: Node, cursor: int) -> Optional[tuple[int, int]]:
        """The byte range of a statement the user is typing at ``cursor`` that so far is only a
        bare name or a tuple of names -- ``    total `` or ``    key, value`` -- which is almost
        certainly the target of an assignment (or a ``for``) still to come, not a use."""
        last = min(cursor, len(src)) - 1
        while last >= 0 and src[last] in b" \t":
            last -= 1
        if last < 0 or src[last] in b"\r\n":
            return None
        node = root.descendant_for_byte_range(last, last)
        while node is not None and node.type not in ("expression_statement", "ERROR", "block", "module"):
            node = node.parent
        if node is None or node.type != "expression_statement" or not node.named_child_count:
            return None
        if node.end_byte > cursor or src[node.end_byte : cursor].strip(b" \t"):
            return None  # the cursor is not at the end of this statement, on its line
        kids = node.named_children
        if len(kids) == 1 and kids[0].type in ("expression_list", "tuple", "pattern_list"):
            kids = kids[0].named_children
        if kids and all(c.type == "identifier" for c in kids):
            return (node.start_byte, node.end_byte)
        return None

    # ------------------------------------------------------------------ lines
    def non_code_lines(self, source: str, tree: Optional[Tree] = None) -> set[int]:
        """0-based lines that are blank, comment-only, a bare string statement (docstrings,
        every line of them), or whose first non-blank character lies inside a string (the
        continuation lines of a multi-line string, and everything after an unterminated
        triple-quoted string)."""
        src, tree = self._tree(source, tree)
        lines = tree_sitter_rows(source if isinstance(source, str) else src.decode("utf-8", "replace"))
        firsts: list[int] = []  # column (in bytes) of each line's first non-blank character, -1 if blank
        result: set[int] = set()
        for i, line in enumerate(lines):
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#"):
                result.add(i)
                firsts.append(-1)
            else:
                firsts.append(len(line[: len(line) - len(stripped)].encode("utf-8")))
        caps = self._captures(tree.root_node)
        for doc in caps.get("doc", []):
            result.update(range(doc.start_point[0], doc.end_point[0] + 1))
        for s in caps.get("str", []):
            (r0, _c0), (r1, c1) = s.start_point, s.end_point
            for r in range(r0 + 1, min(r1, len(lines) - 1) + 1):
                f = firsts[r]
                if f >= 0 and (r < r1 or f < c1):
                    result.add(r)
        for a, _b in self._dead_ranges(src, caps):
            if _b > len(src):  # triple-quoted: the rest of the file is string
                start = src[:a].count(b"\n")
                col = a - (src.rfind(b"\n", 0, a) + 1)
                if start < len(firsts) and firsts[start] == col:
                    result.add(start)
                result.update(range(start + 1, len(lines)))
        return result

    def opens_block(self, line: str) -> bool:
        """True for a line starting (after its indentation) a compound-statement clause:
        ``if/elif/else/for/while/try/except/finally/with``, ``async for``/``async with`` and
        ``match``/``case`` (soft keywords: only when used as such -- ``match = re.match(...)``
        is an assignment, not a block)."""
        if _BLOCK_RE.match(line):
            return True
        if _SOFT_BLOCK_RE.match(line):
            code = line.split("#", 1)[0].rstrip()
            return code.endswith(":")
        return False

    def is_function_signature(self, text: str) -> bool:
        """True when the first non-blank line of ``text`` starts a ``def``/``async def``,
        decorators (possibly spanning several lines) allowed before it."""
        for _off, line, starts, _cb in _scan_lines(text):
            if not starts or not line.strip():
                continue
            if line.lstrip().startswith("@"):
                continue
            return bool(_DEF_RE.match(line))
        return False

    def function_end(self, text: str) -> Optional[int]:
        """For ``text`` that starts with a (possibly decorated) function definition: the number
        of characters through the newline of the last line of the function's body, once known --
        that is, once a later logical line that is not blank has an indentation <= the ``def``'s
        (a comment line counts; a line continuing brackets or a string does not; a partial last
        line counts as soon as it has a non-blank character). None while the function may go on,
        when the body has no line yet, or when ``text`` does not start with a ``def``.

        A ``def`` whose signature is followed directly by a dedented line (no body at all) ends
        after the signature: the text is broken either way and generation should stop.
        """
        rows = _scan_lines(text)
        i = 0
        n = len(rows)
        # leading blank lines and decorators
        while i < n:
            _off, line, starts, _cb = rows[i]
            if not line.strip() or not starts or line.lstrip().startswith("@"):
                i += 1
                continue
            break
        if i >= n:
            return None
        m = _DEF_RE.match(rows[i][1])
        if not m:
            return None
        def_indent = _indent_width(m.group(1))
        # the signature: the logical line starting at row i
        j = i
        while True:
            if j + 1 < n and not rows[j + 1][2]:
                j += 1
                continue
            break
        last_sig = rows[j]
        if j == n - 1 and not _ends_with_newline(last_sig[1]):
            return None  # the signature (or its one-line body) is still being written
        last_body_end = last_sig[0] + len(last_sig[1]) if last_sig[3] else None
        for k in range(j + 1, n):
            off, line, starts, _cb = rows[k]
            content = line.strip()
            if not content:
                continue
            if starts and _indent_width(line) <= def_indent:
                if last_body_end is None:
                    return last_sig[0] + len(last_sig[1])
                return last_body_end
            if not _ends_with_newline(line):
                return None  # a body line still being written
            last_body_end = off + len(line)
        return None

    def block_ended(self, block_indent: str, line: str) -> bool:
        """True when ``line`` is a non-blank, non-comment line indented no deeper than
        ``block_indent``: it leaves the block (the function) whose header had that indentation.

        Judged from the one line only: a line starting with a closing bracket is taken as a
        continuation, but any other continuation line of a bracketed expression or multi-line
        string at a shallow indentation would be misread as ending the block -- callers that
        have the whole text should prefer :meth:`function_end`.
        """
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped[0] in _CLOSE:
            return False
        return _indent_width(line) <= _indent_width(block_indent)

    def ends_function_body(self, source: str, block_indent: str) -> bool:
        """True when the last code line of ``source`` ends a complete ``return`` or ``raise``
        statement that stands directly in the body of the innermost function whose ``def`` has
        the indentation ``block_indent`` (not one nested in an ``if``/``for``/``try`` or in a
        nested ``def``; not a multi-line expression still open)."""
        src, tree = self._tree(source, None)
        lines = tree_sitter_rows(source)
        last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
        if last is None:
            return False
        row_start = sum(len(l.encode("utf-8")) for l in lines[:last])
        func = None
        node = tree.root_node
        while node is not None:  # the innermost def around the last line
            if node.type == "function_definition":
                func = node
            node = next((c for c in node.named_children
                         if c.start_byte <= row_start < c.end_byte or c.start_point[0] == last), None)
        if func is None or func.start_point[1] != len(block_indent):
            return False
        body = func.child_by_field_name("body")
        stmts = [c for c in (body.named_children if body is not None else []) if c.type != "comment"]
        if not stmts:
            return False
        stmt = stmts[-1]
        return (stmt.type in ("return_statement", "raise_statement") and not stmt.has_error
                and not stmt.is_missing and stmt.end_point[0] >= last
                and not any(ch.is_missing for ch in _walk(stmt)))

    # ------------------------------------------------------------------ structure
    def enclosing_function(self, source: str, line: int, tree: Optional[Tree] = None) -> Optional[Region]:
        """The innermost ``def`` (function or method) around ``line``: from its first decorator
        to the last line of its body. A whitespace-only line just after the body (only blank
        lines between) that is indented deeper than the ``def`` counts as inside -- the cursor
        on a fresh line of the body -- and extends ``end_line`` to it. So does an empty line
        (no indentation at all) at the end of the text after a ``def`` whose body is missing or
        only a docstring (a prompt whose body is still to be written: the engine passes the
        text before the cursor, without the cursor line's indentation). None at module level."""
        src, tree = self._tree(source, tree)
        lines = tree_sitter_rows(source if isinstance(source, str) else src.decode("utf-8", "replace"))
        best: Optional[tuple[int, Region]] = None
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            if node.type == "decorated_definition":
                stack.extend(node.named_children)  # the def starts below its decorators
                continue
            if node.start_point[0] > line and not (
                node.parent is not None and node.parent.type == "decorated_definition"
            ):
                continue
            if node.type == "function_definition":
                region = self._def_region(node, lines, line)
                if region is not None and (best is None or node.start_byte > best[0]):
                    best = (node.start_byte, region)
            # only descend where a def around ``line`` can be: the children that reach ``line``
            # and the last one before it (a def whose body ends just above an empty line)
            kids = [c for c in node.named_children if c.start_point[0] <= line]
            stack.extend(c for c in kids[:-1] if c.end_point[0] >= line)
            if kids:
                stack.append(kids[-1])
        if best is not None:
            return best[1]
        if tree.root_node.has_error:
            return _enclosing_by_indent(lines, line)
        return None

    @staticmethod
    def _def_region(node: Node, lines: list[str], line: int) -> Optional[Region]:
        top = node.parent if node.parent is not None and node.parent.type == "decorated_definition" else node
        start = top.start_point[0]
        end = node.end_point[0]
        if node.end_point[1] == 0 and end > node.start_point[0]:
            end -= 1  # ends at the start of a line: the body's last line is the one before
        if start > line:
            return None
        first = lines[start] if start < len(lines) else ""
        indent = first[: len(first) - len(first.lstrip())]
        def_row = node.start_point[0]
        def_line = lines[def_row] if def_row < len(lines) else ""
        def_indent = _indent_width(def_line)
        if line <= end:
            return Region(start, end, indent)
        # a fresh, empty line just after the body, indented deeper than the def
        cur = lines[line] if line < len(lines) else ""
        if cur.strip():
            return None
        if any(lines[k].strip() for k in range(end + 1, min(line, len(lines)))):
            return None
        if line < len(lines) and _indent_width(cur) > def_indent:
            return Region(start, line, indent)
        if (
            cur == ""
            and not any(lines[k].strip() for k in range(line + 1, len(lines)))
            and _body_is_a_stub(node)
        ):
            # The end of the text, no indentation to go by, and a def that has no body yet or
            # only a docstring (a prompt to complete): the next line is the body.
            return Region(start, line, indent)
        return None

    def import_line(self, source: str, tree: Optional[Tree] = None) -> int:
        """The line before which a new import goes: after the module docstring, the
        ``__future__`` imports and the top-of-file import block (comments and ``__dunder__ =``
        assignments between imports, and ``try:``/``if TYPE_CHECKING:`` blocks of imports,
        belong to it). Without any
        of these: after a leading shebang/encoding line, else 0."""
        src, tree = self._tree(source, tree)
        pos = 0
        lines = tree_sitter_rows(source if isinstance(source, str) else src.decode("utf-8", "replace"))
        while pos < min(2, len(lines)) and _CODING_RE.match(lines[pos]):
            pos += 1
        seen_statement = False
        for child in tree.root_node.named_children:
            t = child.type
            end = child.end_point[0] + (0 if child.end_point[1] == 0 and child.end_point[0] > child.start_point[0] else 1)
            if t == "comment":
                continue
            if not seen_statement and t == "expression_statement" and child.named_child_count == 1 \
                    and child.named_children[0].type in ("string", "concatenated_string"):
                pos = end
                seen_statement = True
                continue
            seen_statement = True
            if t in ("import_statement", "import_from_statement", "future_import_statement"):
                pos = end
            elif t in ("try_statement", "if_statement") and _is_import_block(child):
                pos = end
            elif t == "expression_statement" and _DUNDER_ASSIGN_RE.match(
                src[child.start_byte : child.end_byte].decode("utf-8", "replace")
            ):
                continue
            else:
                break
        return pos

    def import_position(self, source: str, import_line: str, tree: Optional[Tree] = None) -> int:
        """The line before which the new ``import_line`` goes (issue 15's placement rule): into
        the top-of-file import block -- its group of the same kind (standard library, third party,
        relative), at the sorted position when that group is sorted (isort's default order,
        ``import x`` before ``from x import y``, or by module alone), else after the group --
        and, without any import, where :meth:`import_line` puts it (after a module docstring,
        shebang/encoding lines and ``from __future__`` imports)."""
        src, tree = self._tree(source, tree)
        block_end = self.import_line(source, tree)
        new = _import_entry(import_line.strip().encode("utf-8"), None, self.parse)
        if new is None:
            return block_end
        entries = []
        for child in tree.root_node.named_children:
            if child.start_point[0] >= block_end:
                break
            if child.type in ("import_statement", "import_from_statement"):
                e = _import_entry(src, child)
                if e is not None:
                    entries.append(e)
        return sorted_import_position(entries, new, block_end)

    def blank_lines(self, source: str, line: int, inserted: Sequence[str]) -> tuple[int, int]:
        """Blank lines to add (before, after) ``inserted`` placed before ``line`` (PEP 8): an
        import block ends with two blank lines before a top-level ``def``/``class`` (one before
        other code) and is set off by one from a docstring or comment above it; a top-level
        ``def``/``class`` gets two blank lines on either side, a nested one one."""
        lines = tree_sitter_rows(source if isinstance(source, str) else source.decode("utf-8", "replace"))
        code = [t for t in inserted if t.strip()]
        if not code:
            return 0, 0
        above, below, prev, nxt = blank_counts(lines, line, inserted)
        want_before = want_after = 0
        if all(self.is_import(t) for t in code):
            # a new block below a docstring, a comment or the __future__ imports (not one joining
            # the block's imports)
            if prev is not None and (not self.is_import(prev) or _FUTURE_RE.match(prev)) \
                    and not _CODING_RE.match(prev) and not prev.startswith((" ", "\t")) \
                    and not (nxt is not None and self.is_import(nxt)):
                want_before = 1
            if nxt is not None and not self.is_import(nxt):
                want_after = 2 if _TOP_DEF_RE.match(nxt) else 1
        elif self.is_function_signature("".join(inserted)) or _TOP_DEF_RE.match(code[0].lstrip()):
            top = not code[0].startswith((" ", "\t"))
            want = 2 if top else 1
            if prev is not None and not (not top and prev.rstrip().endswith(":")):
                want_before = want
            if nxt is not None:
                want_after = want
        return max(0, want_before - above), max(0, want_after - below)

    def is_import(self, line: str) -> bool:
        """``import x`` / ``from x import y`` (any indentation)."""
        return bool(_IMPORT_RE.match(line))

    def helper_position(self, source: str, line: int, inserted: Sequence[str]) -> Optional[tuple[int, str]]:
        """Where a helper function proposed before ``line`` goes (issue 15): at module level above
        the top-level ``def`` around ``line`` -- (that line, no indentation) -- or None where it
        stays (at module level already, or inside a class, where a def would be a method)."""
        region = self.enclosing_function(source, line)
        if region is None or not region.start_line < line:
            return None
        while region.indent:
            outer = self.enclosing_function(source, region.start_line - 1) if region.start_line else None
            if outer is None or outer.start_line >= region.start_line:
                return None  # a method: stays in its class
            region = outer
        return region.start_line, ""

    def is_wildcard_import(self, line: str) -> bool:
        """``from x import *``: binds names nobody can list, so the analysis gives up on the file."""
        return bool(re.match(r"^\s*from\s+[\w.]+\s+import\s*\*", line))

    def import_bindings(self, line: str) -> Optional[frozenset[str]]:
        """``import a.b, c as d`` -> {a, d}; ``from x import y, z as w`` -> {y, w}; None for a
        star import, a ``__future__`` import, a broken line or anything else."""
        if not self.is_import(line):
            return None
        src = line.strip().encode("utf-8")
        root = self.parse(src).root_node
        stmt = root.named_children[0] if root.named_child_count == 1 else None
        if stmt is None or root.has_error or stmt.type not in ("import_statement", "import_from_statement"):
            return None
        if stmt.type == "import_from_statement":
            module = stmt.child_by_field_name("module_name")
            if module is None or src[module.start_byte : module.end_byte] == b"__future__":
                return None
            if any(c.type == "wildcard_import" for c in stmt.named_children):
                return None
        names = set()
        for node in stmt.children_by_field_name("name"):
            if node.type == "aliased_import":
                node = node.child_by_field_name("alias")
            elif stmt.type == "import_statement":  # import a.b binds a
                node = node.named_children[0] if node.named_children else node
            else:  # from x import a
                node = node.named_children[-1] if node.named_children else node
            names.add(src[node.start_byte : node.end_byte].decode("utf-8"))
        return frozenset(names) or None

    def names_used(self, source: str, start_byte: int = 0) -> set[str]:
        src, tree = self._tree(source, None)
        return {
            src[n.start_byte : n.end_byte].decode("utf-8", "replace")
            for n in _walk(tree.root_node)
            if n.type == "identifier" and n.start_byte >= start_byte
        }


def _import_entry(src: bytes, node: Optional[Node], parse=None) -> Optional[ImportEntry]:
    """An import statement as an :class:`ImportEntry` (keys: isort's default ``(from?, module)``,
    then the module alone; category: standard library 0, third party 1, relative 2). ``node``
    None: ``src`` is one import line, parsed with ``parse``."""
    if node is None:
        root = parse(src).root_node
        if root.named_child_count != 1 or root.has_error:
            return None
        node = root.named_children[0]
        if node.type not in ("import_statement", "import_from_statement"):
            return None
    if node.type == "import_statement":
        names = node.children_by_field_name("name")
        if not names:
            return None
        first = names[0]
        if first.type == "aliased_import":
            first = first.child_by_field_name("name") or first
        module, is_from = src[first.start_byte : first.end_byte].decode("utf-8", "replace"), 0
    else:
        mod = node.child_by_field_name("module_name")
        if mod is None:
            return None
        module, is_from = src[mod.start_byte : mod.end_byte].decode("utf-8", "replace"), 1
    module = "".join(module.split())
    root_name = module.split(".")[0]
    category = 2 if module.startswith(".") else (0 if root_name in _STDLIB else 1)
    key = module.lower()
    return ImportEntry(node.start_point[0], node.end_point[0], ((is_from, key), key), category)


def _body_is_a_stub(node: Node) -> bool:
    """True when a function_definition's body is empty or only a docstring."""
    body = node.child_by_field_name("body")
    stmts = [c for c in body.named_children if c.type != "comment"] if body is not None else []
    if not stmts:
        return True
    return len(stmts) == 1 and stmts[0].type == "expression_statement" and stmts[0].named_child_count == 1 \
        and stmts[0].named_children[0].type in ("string", "concatenated_string")



def _is_import_block(node: Node) -> bool:
    """``try:`` / ``if TYPE_CHECKING:`` whose first block holds only imports."""
    body = node.child_by_field_name("body" if node.type == "try_statement" else "consequence")
    if body is None:
        return False
    stmts = [c for c in body.named_children if c.type != "comment"]
    return bool(stmts) and all(
        c.type in ("import_statement", "import_from_statement", "future_import_statement") for c in stmts
    )



def _walk(node: Node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)
