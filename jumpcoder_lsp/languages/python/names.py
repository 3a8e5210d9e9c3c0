"""Unused and shadowed names in Python (issue 17's lint-clean rule, engine/lint.py): the same walk
as the AST judge (:class:`~.analyzer._Analyzer`), recording every binding with its kind.

What is reported (:func:`name_findings`), conservatively -- a finding must be something a linter
(pyflakes, pylint's redefined-builtin / redefined-outer-name) would also call out, and never a
name that some code might still read:

* ``unused import``: an import whose bound name no code in the module reads and no word of the
  text outside the import statement spells (strings such as ``__all__`` or string annotations
  and comments count as reads); not ``__future__``, not ``import x as x`` (a re-export), not
  inside a ``try`` (an optional dependency probe);
* ``unused local``: a plain ``name = ...`` (or ``name: T = ...``, or a walrus) in a function
  whose body and nested scopes never read ``name``; not ``_``-prefixed names, not ``global`` /
  ``nonlocal`` ones, not in a function that calls ``locals()``/``vars()``/``eval``/``exec``;
  tuple targets, loop targets and ``with``/``except ... as`` names are never reported (pyflakes
  does not either);
* ``shadowed``: a local binding (parameter, assignment, loop target, ``as`` name, nested
  ``def``/``class``, comprehension variable) in a function that rebinds a name the module
  imports (``time`` for ``import time``: ``time.time()`` below it breaks), or a name of
  :data:`SHADOWED_BUILTINS` bound in a function or at module level (class attributes such as
  ``id = Column()`` are not: they live in the class's namespace). A local named like a
  module-level ``def`` is not reported: real code does it all the time (``indent``, ``fields``
  in the standard library), measured in docs/languages.md.

Each finding carries the line of the binding and, for a local, the last line of its function
(engine/lint.py flags an unused local only once the suggestion has closed its function; an
import only once code follows it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from tree_sitter import Node

from .analyzer import _HARD_KEYWORDS, _Analyzer
from .scopes import _COMPREHENSION, _FUNCTION, _MODULE, _Scope

#: builtins whose rebinding breaks the code after it or reads as a bug (``list = [...]`` then
#: ``list(x)``); names real code binds on purpose all the time (``id``, ``type``, ``input``,
#: ``format``, ``hash``, ``filter``, ``max``, ``min``, ``sum``, ``next``, ``iter``, ``dir``,
#: ``vars``, ``file``, ``object``, ``bytes``, ``property``, ``copyright``...) are left out: their
#: false-positive rate on the standard library is measured in docs/languages.md
SHADOWED_BUILTINS = frozenset({
    "list", "dict", "str", "int", "float", "set", "tuple", "bool", "frozenset", "len", "print",
    "range", "sorted", "enumerate", "zip", "isinstance", "super", "open", "abs", "any", "all",
    "map", "reversed", "round", "chr", "ord", "repr", "getattr", "setattr", "hasattr",
})

#: calls that read a function's locals by name (an assignment may be read through them)
_READS_LOCALS = frozenset({"locals", "vars", "eval", "exec"})

_LOCAL_KINDS = frozenset({"parameter", "assign", "unpack", "loop", "as", "walrus", "def", "class", "other"})


@dataclass(frozen=True)
class NameFinding:
    """One unused or shadowed name: ``kind`` ("unused import", "unused local", "shadowed"),
    the name, the 0-based line of its binding, and ``scope_end`` (the last line of the function
    the binding is local to; None at module level)."""

    kind: str
    name: str
    line: int
    scope_end: Optional[int] = None
    detail: str = ""


class _Recorder(_Analyzer):
    """The analyzer, keeping every binding's node and scope."""

    def __init__(self, src, root, dead):
        super().__init__(src, root, dead)
        self.bound: list[tuple[str, Node, _Scope]] = []

    def bind(self, node: Node, scope: _Scope, pos: int, aug: bool = False) -> None:
        super().bind(node, scope, pos, aug)
        if aug or node.is_missing or node.end_byte <= node.start_byte:
            return
        name = self.name_of(node)
        if name in _HARD_KEYWORDS or not name.isidentifier() or (self.dead and self.in_dead(node.start_byte)):
            return
        self.bound.append((name, node, scope))


def _kind(node: Node) -> tuple[str, Optional[Node]]:
    """What binds the identifier ``node`` (see :data:`_LOCAL_KINDS`), and the statement doing it."""
    child, parent = node, node.parent
    while parent is not None:
        t = parent.type
        if t in ("import_statement", "import_from_statement", "future_import_statement"):
            return ("future" if t == "future_import_statement" else "import"), parent
        if t in ("parameters", "lambda_parameters"):
            return "parameter", parent
        if t in ("function_definition", "class_definition"):
            if parent.child_by_field_name("name") == child:
                return ("def" if t == "function_definition" else "class"), parent
            return "other", parent
        if t in ("for_statement", "for_in_clause"):
            return "loop", parent
        if t == "assignment":
            left = parent.child_by_field_name("left")
            if left == node and parent.child_by_field_name("right") is not None:
                return "assign", parent
            return ("unpack" if left == child else "other"), parent
        if t == "named_expression":
            return "walrus", parent
        if t in ("as_pattern", "with_item", "except_clause"):
            return "as", parent
        if t in ("block", "module", "expression_statement"):
            return "other", parent
        child, parent = parent, parent.parent
    return "other", None


def _function_node(node: Node) -> Optional[Node]:
    p = node.parent
    while p is not None and p.type not in ("function_definition", "lambda"):
        p = p.parent
    return p


def _in_try(node: Node) -> bool:
    p = node.parent
    while p is not None:
        if p.type == "try_statement":
            return True
        p = p.parent
    return False


def _reexport(node: Node, src: bytes) -> bool:
    """``import x as x`` / ``from m import x as x``: the explicit re-export idiom."""
    p = node.parent
    if p is None or p.type != "aliased_import":
        return False
    orig = p.child_by_field_name("name")
    return orig is not None and src[orig.start_byte: orig.end_byte] == src[node.start_byte: node.end_byte]


def _function_scope(scope: _Scope) -> Optional[_Scope]:
    while scope is not None and scope.kind == _COMPREHENSION:
        scope = scope.parent
    return scope if scope is not None and scope.kind == _FUNCTION else None


def record(src: bytes, root: Node, dead: list[tuple[int, int]]) -> _Recorder:
    """The walk of the module ``src`` (its tree ``root``; ``dead``: byte ranges inside
    unterminated strings), run, with every binding kept."""
    an = _Recorder(src, root, dead)
    an.run()
    return an


def name_findings(an: _Recorder, src: bytes) -> list[NameFinding]:
    """The unused and shadowed names of the walk ``an`` of ``src`` (:func:`record`; its globals
    resolved, ``finish_globals``), in source order. Nothing while a star import hides what the
    module binds."""
    if an.star_import:
        return []
    # names read in each scope or a scope nested in it
    reads: dict[int, set[str]] = {}
    for u in an.uses:
        s = u.scope
        while s is not None:
            reads.setdefault(id(s), set()).add(u.name)
            s = s.parent
    imported: set[str] = set()  # the names the module's own imports bind
    kinds = []
    for name, node, scope in an.bound:
        kind, stmt = _kind(node)
        kinds.append((kind, stmt))
        if scope.kind == _MODULE and kind == "import":
            imported.add(name)
    text: Optional[str] = None
    out: list[NameFinding] = []
    for (name, node, scope), (kind, stmt) in zip(an.bound, kinds):
        line = node.start_point[0]
        fscope = _function_scope(scope)
        func = _function_node(node) if fscope is not None else None
        if kind == "parameter" and func is None:
            func = _function_node(stmt) if stmt is not None else None
        end = func.end_point[0] if func is not None else None
        if name.startswith("_") or name in scope.globals or name in scope.nonlocals:
            continue
        if kind == "import" and stmt is not None and name not in reads.get(id(scope), ()):
            if not _reexport(node, src) and not _in_try(stmt):
                if text is None:
                    text = src.decode("utf-8", "replace")
                a = len(src[: stmt.start_byte].decode("utf-8", "replace"))
                b = a + len(src[stmt.start_byte: stmt.end_byte].decode("utf-8", "replace"))
                words = re.finditer(r"\b" + re.escape(name) + r"\b", text)
                if not any(m.start() < a or m.start() >= b for m in words):
                    out.append(NameFinding("unused import", name, line, end))
            continue
        if fscope is not None and kind in ("assign", "walrus") and scope.kind == _FUNCTION:
            r = reads.get(id(scope), set())
            if name not in r and not (r & _READS_LOCALS):
                out.append(NameFinding("unused local", name, line, end))
        if fscope is not None and kind in _LOCAL_KINDS and name in imported:
            # (a function's own ``import os`` under the module's is the same module: not listed)
            out.append(NameFinding("shadowed", name, line, end, f"a local rebinds the module's import {name!r}"))
        elif name in SHADOWED_BUILTINS and kind not in ("import", "future") and (fscope is not None or scope.kind == _MODULE):
            out.append(NameFinding("shadowed", name, line, end, f"rebinds the builtin {name!r}"))
    out.sort(key=lambda f: f.line)
    return out
