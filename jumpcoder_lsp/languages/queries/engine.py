"""One scope engine for every query-driven language: the undefined-identifier analysis as data.

A language gives tree-sitter queries (``*.scm`` next to this module, the ``locals.scm``
convention of tree-sitter grammars and editors) and a set of names defined outside the file
(builtins, the platform's globals); :class:`ScopeEngine` interprets them. The captures:

``@local.scope``
    a node that opens a scope (a block, a ``for``, a ``catch``); names bound in it are visible
    in it only. ``@local.scope.function``: a function (or anything whose code runs later, like a
    class body): a use inside it may refer to a name its enclosing scopes bind *further down*
    (``function f() { return x }  const x = 1``). ``@local.scope.open``: a scope whose bare names
    may come from elsewhere (a ``with`` body, a TypeScript ``namespace``/``declare module`` body,
    which merges with other declarations): nothing inside is reported.
    ``@local.scope.open.script``: open in a script, a block scope in a module -- a file where
    some node is captured ``@local.module`` (TypeScript: a top-level ``import``/``export``, which
    makes the file's namespaces its own, merging with no other file's).
    ``@local.scope.signature``: a block scope for the parameter names of a type signature
    (TypeScript's ``(x: T) => U``), which ``.through`` definitions pass. The root node is a
    function scope, unless a query marks it open (a file whose names may all come from elsewhere).
``@local.definition``
    a name bound from the end of its node on, in the innermost scope around it (``let``,
    ``const``, ``class``: a use above it in the same function is undefined -- the temporal dead
    zone). Modifiers, dot-separated, in any order: ``.hoisted`` (visible in the whole scope:
    parameters, imports, type parameters), ``.var`` (hoisted to the innermost function scope:
    ``var``, function declarations), ``.outer`` (bound in the scope around the innermost scope
    that holds the node: a function's or class's own name), ``.through`` (bound past any
    signature scopes: TypeScript's ``infer U`` inside a function type), ``.global`` (bound for
    the whole file: a name whose existence the code tests, ``typeof x``), ``.pattern`` (a name in a
    destructuring pattern: its kind comes from the nearest ``@local.declaration.*`` ancestor
    below the nearest scope -- ``let``, ``var``, ``param`` (hoisted) or ``none``: the pattern is
    an assignment target and the name a reference).
``@local.reference``
    a use of a name (an identifier node); nodes also captured as definitions are not uses.
``@local.deferred``
    code evaluated later or never (type annotations, ``typeof x`` in a type): uses inside ignore
    the order of bindings.
``@local.ignore``
    a node (and everything under it) whose identifiers are no uses: import statements,
    re-exports, an aliased export's alias, ``typeof x`` guards of globals, JSX intrinsic tags.

``ERROR`` nodes (code tree-sitter could not place) are read leniently, as the hand-written
analyzers do: every identifier in one counts as bound in the scope around it from the start of
the node, and no use inside is reported; so is a node with a ``MISSING`` identifier child (the
parser invented a name to make the code fit: ``const x =`` being typed, or a construct the
grammar misreads, such as TypeScript's ``import("m").T<U>`` type read as a ``<U>`` cast). A use no scope binds is undefined unless the language's
``globals`` hold its name.

Thread-safety: :class:`ScopeEngine` holds only its compiled query; :meth:`ScopeEngine.analyze`
creates its state per call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from tree_sitter import Language, Node, Query, QueryCursor

from ..base import UndefinedName

__all__ = ["ScopeEngine", "Analysis", "load_queries", "load_names", "QUERY_DIR"]

QUERY_DIR = Path(__file__).resolve().parent

_FUNCTION, _BLOCK, _OPEN, _SIGNATURE = "function", "block", "open", "signature"
# definition kinds
_ORDERED, _HOISTED, _VAR = "ordered", "hoisted", "var"
# context flags
_IGNORE, _DEFERRED, _ERROR = 1, 2, 4


def load_queries(*names: str) -> str:
    """The text of the query files ``<name>.scm`` in this package, concatenated."""
    return "\n".join((QUERY_DIR / f"{n}.scm").read_text(encoding="utf-8") for n in names)


def load_names(name: str, prefix: str = "") -> frozenset[str]:
    """The names of the list ``<name>.txt`` in this package (whitespace-separated; ``#``
    comments): those without a ``kind:`` prefix, or with ``prefix`` given, those written
    ``<prefix>:name`` (``type:React``), without it."""
    out = set()
    for line in (QUERY_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        for w in line.split():
            kind, sep, n = w.rpartition(":")
            if (kind if sep else "") == prefix:
                out.add(n)
    return frozenset(out)


class _Scope:
    __slots__ = ("parent", "kind", "names")

    def __init__(self, parent: Optional["_Scope"], kind: str):
        self.parent = parent
        self.kind = kind
        self.names: dict[str, int] = {}  # name -> smallest byte offset from which it is bound

    def bind(self, name: str, pos: int) -> None:
        old = self.names.get(name)
        if old is None or pos < old:
            self.names[name] = pos

    def function(self) -> "_Scope":
        s = self
        while s.kind in (_BLOCK, _SIGNATURE) and s.parent is not None:
            s = s.parent
        return s


class Analysis:
    """One file's scopes and uses (what :meth:`ScopeEngine.analyze` returns)."""

    def __init__(self, src: bytes, root_scope: _Scope, uses: list, loose: list[tuple[int, int]], globals_: frozenset,
                 type_globals: frozenset = frozenset(), qualifiers: Optional[frozenset] = None):
        self.src = src
        self.root_scope = root_scope
        self.uses = uses  # (name, node, scope, deferred)
        self.loose = loose
        self.globals = globals_
        self.type_globals = type_globals
        self.qualifiers = qualifiers

    def file_names(self) -> set[str]:
        """The names bound at file level (what a declaration file such as lib.d.ts declares)."""
        return set(self.root_scope.names)

    def defined(self, name: str, scope: _Scope, pos: int, deferred: bool) -> bool:
        if deferred and name in self.type_globals:
            return True
        s: Optional[_Scope] = scope
        while s is not None:
            if s.kind == _OPEN:
                return True
            p = s.names.get(name)
            if p is not None and (deferred or p <= pos):
                return True
            if s.kind == _FUNCTION:
                deferred = True  # code in a function runs later: it sees bindings further down
            s = s.parent
        return name in self.globals

    def results(self, ignore_after_byte: Optional[int] = None) -> list[UndefinedName]:
        out = []
        loose = self.loose
        for name, node, scope, deferred in self.uses:
            if ignore_after_byte is not None and node.end_byte >= ignore_after_byte:
                continue
            if self.qualifiers is not None and name not in self.qualifiers:
                continue  # only known qualifiers (Go's standard packages) are judged
            if loose and any(a <= node.start_byte < b for a, b in loose):
                continue
            if self.defined(name, scope, node.start_byte, deferred):
                continue
            out.append(UndefinedName(name, node.start_point[0], node.start_byte, node.end_byte))
        out.sort(key=lambda u: u.start_byte)
        return out


class ScopeEngine:
    """Interprets one language's scope queries (see the module docstring)."""

    def __init__(self, language: Language, query_text: str, globals_: Iterable[str] = (),
                 hoisting_keywords: Iterable[str] = (), type_globals: Iterable[str] = (),
                 qualifiers: Optional[Iterable[str]] = None):
        """``hoisting_keywords``: in an ``ERROR`` node, a name right after one of these tokens
        (JavaScript's ``function``: a declaration being typed) is bound for its whole function.
        ``type_globals``: names defined outside the file for uses in ``@local.deferred`` code
        only (TypeScript's UMD namespaces, which a module may name in types but not in values).
        ``qualifiers``: when given, only uses of these names are ever reported (Go: a file sees
        the package-level names of its package's other files, so only an unimported standard
        package, ``strings.Split`` without ``import "strings"``, is known to be undefined)."""
        self.language = language
        self.query = Query(language, query_text)
        self.globals = frozenset(globals_)
        self.type_globals = frozenset(type_globals)
        self.qualifiers = None if qualifiers is None else frozenset(qualifiers)
        self.hoisting_keywords = frozenset(hoisting_keywords)

    def analyze(self, src: bytes, root: Node, file_names: Iterable[str] = ()) -> Analysis:
        """The scopes and uses of ``src``; ``file_names`` are bound for the whole file (names a
        language derives outside the queries: Go's import paths)."""
        caps = QueryCursor(self.query).captures(root)
        # every node some capture marks as a scope, a flag or a declaration: an interval
        info: dict[int, list] = {}  # node id -> [start, end, scope kind, flags, decl kind, node]

        def entry(n: Node) -> list:
            e = info.get(n.id)
            if e is None:
                e = info[n.id] = [n.start_byte, n.end_byte, None, 0, None, n]
            return e

        leaves: dict[str, list[Node]] = {}
        is_module = bool(caps.get("local.module"))
        for cap, nodes in caps.items():
            if cap == "local.module":
                continue
            if cap.startswith("local.scope"):
                kind = {"local.scope": _BLOCK, "local.scope.function": _FUNCTION, "local.scope.open": _OPEN,
                        "local.scope.signature": _SIGNATURE,
                        "local.scope.open.script": _BLOCK if is_module else _OPEN}.get(cap)
                if kind is None:
                    raise ValueError(f"unknown capture @{cap}")
                for n in nodes:
                    e = entry(n)
                    old = e[2]  # the strongest wins: open > function > block/signature
                    if old is None or old in (_BLOCK, _SIGNATURE) or kind == _OPEN:
                        e[2] = kind
            elif cap == "local.ignore" or cap == "local.deferred":
                bit = _IGNORE if cap == "local.ignore" else _DEFERRED
                for n in nodes:
                    entry(n)[3] |= bit
            elif cap.startswith("local.declaration."):
                kind = cap[len("local.declaration."):]
                if kind not in ("let", "var", "param", "none"):
                    raise ValueError(f"unknown capture @{cap}")
                for n in nodes:
                    entry(n)[4] = kind
            elif cap.startswith("local.definition") or cap.startswith("local.reference"):
                leaves[cap] = nodes
            elif cap.startswith("local."):
                raise ValueError(f"unknown capture @{cap}")

        root_scope = _Scope(None, _OPEN if (info.get(root.id) or [None, None, None])[2] == _OPEN else _FUNCTION)
        scope_of: dict[int, _Scope] = {root.id: root_scope}
        for name in file_names:
            root_scope.bind(name, -1)
        # the sweep: intervals sorted by (start, -end) nest like the tree; each leaf (a definition
        # or reference node) sees the stack of intervals that contain it
        items = []  # (start, order, -end, payload)
        for e in info.values():
            if e[1] > e[0] and e[5].id != root.id:
                items.append((e[0], 0, -e[1], e))
        order = {}
        for cap, nodes in leaves.items():
            for n in nodes:
                if n.is_missing or n.end_byte <= n.start_byte:
                    continue
                items.append((n.start_byte, 1, -n.end_byte, (cap, n)))
        items.sort(key=lambda t: (t[0], t[1], t[2]))
        # stack entries: (end, scope, flags, nearest decl-or-scope kind ("none" for a scope))
        stack: list[tuple[int, _Scope, int, Optional[str]]] = [(1 << 62, root_scope, 0, "none")]
        seen: dict[int, tuple[_Scope, int, Optional[str], Node]] = {}  # leaf id -> (scope, flags, decl, node)
        caps_of: dict[int, list[str]] = {}
        for start, kind, negend, payload in items:
            end = -negend
            while stack[-1][0] < end:
                stack.pop()
            top_end, scope, fl, decl = stack[-1]
            if kind == 0:
                e = payload
                if e[2] is not None:
                    scope = scope_of[e[5].id] = _Scope(scope, e[2])
                    decl = "none"
                if e[4] is not None:
                    decl = e[4]
                stack.append((end, scope, fl | e[3], decl))
            else:
                cap, n = payload
                own = info.get(n.id)
                f = fl | (own[3] if own is not None else 0)
                seen[n.id] = (scope, f, decl, n)
                caps_of.setdefault(n.id, []).append(cap)

        defs: set[int] = set()
        for nid, cap_list in caps_of.items():
            scope0, _f, decl, n = seen[nid]
            for cap in cap_list:
                if not cap.startswith("local.definition"):
                    continue
                mods = set(cap.split(".")[2:])
                unknown = mods - {"hoisted", "var", "outer", "pattern", "through", "global"}
                if unknown:
                    raise ValueError(f"unknown capture @{cap}")
                kind = _VAR if "var" in mods else _HOISTED if "hoisted" in mods else _ORDERED
                if "pattern" in mods:
                    if decl == "none" or decl is None:
                        continue  # an assignment target: stays a reference
                    kind = {"let": _ORDERED, "var": _VAR, "param": _HOISTED}[decl]
                defs.add(nid)
                scope = scope0
                if "outer" in mods and scope.parent is not None:
                    scope = scope.parent
                if "through" in mods:
                    while scope.kind == _SIGNATURE and scope.parent is not None:
                        scope = scope.parent
                name = src[n.start_byte : n.end_byte].decode("utf-8", "replace")
                if "global" in mods:
                    root_scope.bind(name, -1)
                elif kind == _VAR:
                    scope.function().bind(name, -1)
                elif kind == _HOISTED:
                    scope.bind(name, -1)
                else:
                    scope.bind(name, n.end_byte)
        uses = []
        for nid, cap_list in caps_of.items():
            if nid in defs:
                continue
            ref = [c for c in cap_list if c.startswith("local.reference")]
            if not ref:
                continue
            if any(c not in ("local.reference", "local.reference.type") for c in ref):
                raise ValueError(f"unknown capture @{ref}")
            scope, f, _decl, n = seen[nid]
            if f & _IGNORE:
                continue
            name = src[n.start_byte : n.end_byte].decode("utf-8", "replace")
            uses.append((name, n, scope, bool(f & _DEFERRED)))
        uses.sort(key=lambda u: u[1].start_byte)

        # ERROR nodes: every identifier inside may be a declaration
        loose: list[tuple[int, int]] = []
        if root.has_error:
            def around(node: Node) -> _Scope:
                a = node.parent
                while a is not None:
                    sc = scope_of.get(a.id)
                    if sc is not None:
                        return sc
                    a = a.parent
                return root_scope

            todo = [root]
            while todo:
                n = todo.pop()
                if n.type == "ERROR" or any(c.is_missing and c.type.endswith("identifier") for c in n.children):
                    loose.append((n.start_byte, n.end_byte))
                    scope = around(n)
                    stack2 = [n]
                    while stack2:
                        m = stack2.pop()
                        if m.type.endswith("identifier") and m.child_count == 0:
                            name = src[m.start_byte : m.end_byte].decode("utf-8", "replace")
                            prev = m.prev_sibling
                            if prev is not None and prev.type in self.hoisting_keywords:
                                scope.function().bind(name, -1)
                            else:
                                scope.bind(name, n.start_byte)
                        stack2.extend(m.children)
                if n.has_error:
                    todo.extend(n.children)
        return Analysis(src, root_scope, uses, loose, self.globals, self.type_globals, self.qualifiers)
