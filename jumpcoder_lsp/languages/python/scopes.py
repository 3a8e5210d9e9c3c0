"""The scope model of the Python analysis: :class:`_Scope`, :class:`_Use`, the names that are
always defined (:data:`BUILTIN_NAMES`), and the resolution of a use against its scopes
(:class:`_Resolver`, which :class:`~.analyzer._Analyzer` runs after its walk).

Scope rules (the bindings themselves are in :mod:`.analyzer`):

* module, function (``def`` and ``lambda``), class, comprehension and PEP 695 type-parameter
  scopes; class-level names are not visible from methods or comprehensions in the class body;
* in a function, a name bound anywhere in it (even later) is defined there -- except for an
  augmented assignment ``x += 1`` with no earlier binding of ``x`` in that function, which is an
  undefined use (the paper's ``curr_sum`` case); ``global``/``nonlocal`` names are exempt;
* at module and class level the order counts: a name must be bound before (above) the use;
  a use inside a function body (or lambda, or annotation) sees every binding of the enclosing
  module/function, wherever it is.
"""

from __future__ import annotations

import builtins
from typing import Optional

#: names that are always defined: the builtins module plus the implicit module/class dunders
BUILTIN_NAMES = frozenset(
    (set(dir(builtins)) - {"_"})
    | {
        "__file__", "__name__", "__doc__", "__package__", "__spec__", "__loader__",
        "__builtins__", "__path__", "__cached__", "__annotations__", "__dict__", "__debug__",
        # implicit in class bodies / methods
        "__module__", "__qualname__", "__class__",
        # defined on Windows only, guarded by the code that uses it
        "WindowsError",
    }
)


# Scope kinds
_MODULE, _FUNCTION, _CLASS, _COMPREHENSION, _TYPEPARAMS = range(5)

# Use kinds
_LOAD, _AUG, _DEFERRED = range(3)

# node types around a read: a loop, or a condition that may skip it (read_before_assignment)
_LOOPS = frozenset(("for_statement", "while_statement"))
_CONDITIONAL = frozenset(
    ("if_statement", "elif_clause", "else_clause", "conditional_expression", "boolean_operator",
     "try_statement", "except_clause", "match_statement", "case_clause", "while_statement")
)


class _Scope:
    __slots__ = ("kind", "parent", "bindings", "globals", "nonlocals", "aug_only")

    def __init__(self, kind: int, parent: Optional["_Scope"]):
        self.kind = kind
        self.parent = parent
        self.bindings: dict[str, list[int]] = {}  # name -> byte offsets where bindings take effect
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.aug_only: set[str] = set()  # names bound here by augmented assignments only

    def bind(self, name: str, pos: int, aug: bool = False) -> None:
        if aug:
            if name not in self.bindings:
                self.aug_only.add(name)
        else:
            self.aug_only.discard(name)
        lst = self.bindings.get(name)
        if lst is None:
            self.bindings[name] = [pos]
        else:
            lst.append(pos)


class _Use:
    __slots__ = ("name", "node", "scope", "kind", "pos", "suppressed")

    def __init__(self, name, node, scope, kind, pos, suppressed):
        self.name = name
        self.node = node
        self.scope = scope
        self.kind = kind
        self.pos = pos
        self.suppressed = suppressed


class _Resolver:
    """Name resolution over the scopes an analysis built: needs ``self.module`` (the module
    scope) and ``self.scopes`` (every scope)."""

    module: _Scope
    scopes: list[_Scope]

    def finish_globals(self) -> None:
        """A name a function declares ``global`` and binds is a module binding (valid from the
        start: the function may run at any time); likewise a ``nonlocal`` one binds in the
        nearest enclosing function."""
        for s in self.scopes:
            if s.kind != _MODULE and s.globals:
                for name in s.globals:
                    if name in s.bindings and name not in s.aug_only:
                        self.module.bind(name, 0)
            if s.nonlocals:
                outer = s.parent
                while outer is not None and outer.kind != _FUNCTION:
                    outer = outer.parent
                if outer is not None:
                    for name in s.nonlocals:
                        if name in s.bindings and name not in s.aug_only:
                            outer.bind(name, 0)

    def is_defined(self, u: _Use) -> bool:
        name = u.name
        scope = u.scope
        if u.kind == _AUG and scope.kind == _FUNCTION:
            if name in scope.nonlocals:
                return True
            if name in scope.globals:
                return self._lookup(name, self.module, u.pos, immediate=False, first=False)
            return any(p < u.pos for p in scope.bindings.get(name, ()))
        return self._lookup(name, scope, u.pos, immediate=u.kind != _DEFERRED, first=True)

    def read_before_assignment(self, u: _Use) -> bool:
        """A function local read before any assignment reaches it (issue 17: the
        UnboundLocalError of ``best = max(best, x)`` with no ``best = ...`` above). Conservative:
        only a plain read directly in the function's own scope, of a name the function binds (so
        it is local to the whole function) where no binding of it -- parameter, import,
        assignment, loop target, ``except ... as``, ``with ... as``, ``del`` aside -- lies
        textually before the read, and the name is neither ``global`` nor ``nonlocal`` there. A
        binding later in an enclosing loop counts as none before when the read runs on every
        pass (the first pass raises); a read under a condition inside a loop (a flag set on a
        later pass, as in ``if wrapped: conn.write(...)``) is not reported."""
        scope = u.scope
        if u.kind != _LOAD or scope.kind != _FUNCTION:
            return False
        name = u.name
        if name in scope.globals or name in scope.nonlocals:
            return False
        positions = scope.bindings.get(name)
        if not positions:
            return False
        if any(p <= u.pos for p in positions):
            return False
        conditional = False
        node = u.node.parent
        while node is not None and node.type not in ("function_definition", "lambda"):
            t = node.type
            if t in _LOOPS and conditional:
                return False
            if t in _CONDITIONAL:
                conditional = True
            node = node.parent
        return True

    def _lookup(self, name: str, scope: Optional[_Scope], pos: int, immediate: bool, first: bool) -> bool:
        s = scope
        while s is not None:
            if s.kind == _CLASS and not first:
                s = s.parent  # class scopes are invisible from nested scopes
                continue
            if name in s.nonlocals:
                return True
            if name in s.globals and s.kind != _MODULE:
                return self._lookup(name, self.module, pos, immediate=False, first=False)
            positions = s.bindings.get(name)
            if positions:
                if immediate and s.kind in (_MODULE, _CLASS):
                    if any(p <= pos for p in positions):
                        return True
                    # not bound yet here: a class body falls back to the globals
                else:
                    return True
            if s.kind == _FUNCTION:
                immediate = False  # code in a function runs after its enclosing scopes finish
            if s.kind != _TYPEPARAMS:  # PEP 695 annotation scopes in a class see its names
                first = False
            s = s.parent
        return name in BUILTIN_NAMES

