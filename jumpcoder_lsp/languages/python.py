"""Python support: :class:`PythonSpec`, built on tree-sitter-python.

The heart of it is :meth:`PythonSpec.undefined_names`, JumpCoder's "AST judge" (paper §3.2,
Appendix B.1): a pyflakes-like scope analysis over a tree-sitter tree, so that it also works on
unfinished code (the ``ast`` module rejects a half-written last line; tree-sitter wraps it in an
``ERROR`` node and keeps the rest of the tree).

Scope rules (see :class:`_Analyzer`):

* module, function (``def`` and ``lambda``), class, comprehension and PEP 695 type-parameter
  scopes; class-level names are not visible from methods or comprehensions in the class body;
* in a function, a name bound anywhere in it (even later) is defined there -- except for an
  augmented assignment ``x += 1`` with no earlier binding of ``x`` in that function, which is an
  undefined use (the paper's ``curr_sum`` case); ``global``/``nonlocal`` names are exempt;
* at module and class level the order counts: a name must be bound before (above) the use;
  a use inside a function body (or lambda, or annotation) sees every binding of the enclosing
  module/function, wherever it is;
* parameters (defaults and annotations are evaluated in the enclosing scope), imports
  (``import a.b`` binds ``a``; ``from x import y as z`` binds ``z``; a star import disables
  reporting for the module), ``for``/``with``/``except ... as`` targets, walrus (binds in the
  enclosing non-comprehension scope), ``match``/``case`` captures, ``del`` (a use), annotations,
  decorators, builtins (``dir(builtins)`` plus module dunders such as ``__file__``);
* attribute names (``a.b``: only ``a``), keyword-argument names and string contents (f-string
  replacement fields excepted) are not uses; names used in the ``try`` body of a
  ``try/except NameError`` (or bare ``except``) are not reported, as in pyflakes.

Thread-safety: one :class:`PythonSpec` may be shared between threads. Its single tree-sitter
``Parser`` is guarded by a lock (parsing is fast: a 2,500-line module takes a few ms); every
other method is a pure function of its arguments.
"""

from __future__ import annotations

import builtins
import keyword
import re
import sys
import threading
import unicodedata
from typing import Iterable, Optional, Sequence, Union

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from .base import Region, UndefinedName, tree_sitter_rows
from .placement import ImportEntry, blank_counts, sorted_import_position

__all__ = ["PythonSpec", "PY_LANGUAGE", "BUILTIN_NAMES"]

PY_LANGUAGE = Language(tree_sitter_python.language())

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

_HARD_KEYWORDS = frozenset(keyword.kwlist)

# Scope kinds
_MODULE, _FUNCTION, _CLASS, _COMPREHENSION, _TYPEPARAMS = range(5)

# Use kinds
_LOAD, _AUG, _DEFERRED = range(3)

# Visit flags
_F_SUPPRESS = 1  # inside the body of a try that catches NameError
_F_DEFERRED = 2  # inside an annotation: resolved as if it ran after the whole module

_AUG_OPS = frozenset(
    ("+=", "-=", "*=", "/=", "//=", "%=", "**=", ">>=", "<<=", "&=", "^=", "|=", "@=")
)
_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")

_COMPREHENSIONS = frozenset(
    ("list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression")
)
_TARGET_CONTAINERS = frozenset(
    (
        "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "expression_list",
        "parenthesized_expression", "as_pattern_target", "list_splat_pattern", "list_splat",
        "parenthesized_list_splat", "dictionary_splat_pattern",
    )
)

_LOOPS = frozenset(("for_statement", "while_statement"))
_CONDITIONAL = frozenset(
    ("if_statement", "elif_clause", "else_clause", "conditional_expression", "boolean_operator",
     "try_statement", "except_clause", "match_statement", "case_clause", "while_statement")
)

_QUERY_SRC = """
(ERROR (string_start) @open)
(expression_statement . (string) @doc .)
(string) @str
"""


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


class _Analyzer:
    """One pass over the tree that builds scopes and records uses, then a resolution pass.

    The walk uses an explicit work stack (deeply nested expressions, such as a long chain of
    ``+``, would otherwise hit Python's recursion limit). Walk order does not matter: every
    binding carries the byte offset at which it takes effect (the end of its statement, so that
    ``x = x + 1`` does not define the ``x`` it reads), and every use carries its own offset.
    """

    def __init__(self, src: bytes, root: Node, dead: list[tuple[int, int]]):
        self.src = src
        self.root = root
        self.dead = dead  # byte ranges inside unterminated strings: neither uses nor bindings
        self.module = _Scope(_MODULE, None)
        self.scopes: list[_Scope] = [self.module]
        self.uses: list[_Use] = []
        self.star_import = False
        self.loose: list[tuple[int, int]] = []  # byte ranges whose uses are not reported
        self.stack: list[tuple[Node, _Scope, int]] = []
        self.handlers = {
            "import_statement": self._import,
            "import_from_statement": self._import_from,
            "future_import_statement": self._import_from,
            "assignment": self._assignment,
            "augmented_assignment": self._augmented,
            "named_expression": self._walrus,
            "for_statement": self._for,
            "as_pattern": self._as_pattern,
            "function_definition": self._function,
            "class_definition": self._class,
            "lambda": self._lambda,
            "global_statement": self._global,
            "nonlocal_statement": self._nonlocal,
            "keyword_argument": self._keyword_argument,
            "attribute": self._attribute,
            "member_type": self._first_named_only,
            "dotted_name": self._first_named_only,
            "string": self._string,
            "case_clause": self._case_clause,
            "try_statement": self._try,
            "type_alias_statement": self._type_alias,
            "type": self._annotation,
            "ERROR": self._error,
            "comment": self._nothing,
        }
        for kind in _COMPREHENSIONS:
            self.handlers[kind] = self._comprehension

    # ------------------------------------------------------------------ helpers
    def text(self, node: Node) -> str:
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def name_of(self, node: Node) -> str:
        """An identifier's name, NFKC-normalised as Python does (``ｗｉｄｔｈ`` is ``width``)."""
        raw = self.src[node.start_byte : node.end_byte]
        name = raw.decode("utf-8", "replace")
        if not raw.isascii():
            name = unicodedata.normalize("NFKC", name)
        return name

    def in_dead(self, byte: int) -> bool:
        for a, b in self.dead:
            if a <= byte < b:
                return True
        return False

    def new_scope(self, kind: int, parent: _Scope) -> _Scope:
        s = _Scope(kind, parent)
        self.scopes.append(s)
        return s

    def push(self, node: Optional[Node], scope: _Scope, flags: int) -> None:
        if node is not None:
            self.stack.append((node, scope, flags))

    def push_all(self, nodes: Iterable[Node], scope: _Scope, flags: int) -> None:
        for n in nodes:
            self.stack.append((n, scope, flags))

    def use(self, node: Node, scope: _Scope, flags: int, kind: int = _LOAD, pos: Optional[int] = None) -> None:
        if node.is_missing or node.end_byte <= node.start_byte:
            return
        name = self.name_of(node)
        if name in _HARD_KEYWORDS or not name.isidentifier():
            return
        if kind == _LOAD and flags & _F_DEFERRED:
            kind = _DEFERRED
        self.uses.append(
            _Use(name, node, scope, kind, node.start_byte if pos is None else pos, bool(flags & _F_SUPPRESS))
        )

    def bind(self, node: Node, scope: _Scope, pos: int, aug: bool = False) -> None:
        if node.is_missing or node.end_byte <= node.start_byte:
            return
        name = self.name_of(node)
        if name in _HARD_KEYWORDS or not name.isidentifier():
            return
        if self.dead and self.in_dead(node.start_byte):
            return
        scope.bind(name, pos, aug)

    def bind_target(self, node: Node, scope: _Scope, pos: int, flags: int) -> None:
        """Bind the names an assignment-like target binds; visit the expressions inside it
        (``a[i] = ...`` uses ``a`` and ``i``; ``a.b = ...`` uses ``a``)."""
        t = node.type
        if t == "identifier":
            self.bind(node, scope, pos)
        elif t in _TARGET_CONTAINERS:
            for c in node.named_children:
                self.bind_target(c, scope, pos, flags)
        elif t == "comment":
            return
        else:  # attribute, subscript, ERROR, anything odd: plain expression
            self.push(node, scope, flags)

    # ------------------------------------------------------------------ walk
    def run(self) -> None:
        self.push(self.root, self.module, 0)
        stack = self.stack
        handlers = self.handlers
        while stack:
            node, scope, flags = stack.pop()
            t = node.type
            if t == "identifier":
                self.use(node, scope, flags)
                continue
            h = handlers.get(t)
            if h is not None:
                h(node, scope, flags)
            else:
                stack.extend((c, scope, flags) for c in node.named_children)

    def _nothing(self, node, scope, flags):
        return

    # imports -----------------------------------------------------------------
    def _bind_import_name(self, name_node: Node, scope: _Scope, pos: int, first_only: bool) -> None:
        if name_node.type == "aliased_import":
            alias = name_node.child_by_field_name("alias")
            if alias is not None:
                self.bind(alias, scope, pos)
        elif name_node.type == "dotted_name":
            ids = [c for c in name_node.named_children if c.type == "identifier"]
            if ids:
                self.bind(ids[0] if first_only else ids[-1], scope, pos)
        elif name_node.type == "identifier":
            self.bind(name_node, scope, pos)

    def _import(self, node, scope, flags):
        for n in node.children_by_field_name("name"):
            self._bind_import_name(n, scope, node.end_byte, first_only=True)

    def _import_from(self, node, scope, flags):
        for c in node.named_children:
            if c.type == "wildcard_import":
                self.star_import = True
        for n in node.children_by_field_name("name"):
            self._bind_import_name(n, scope, node.end_byte, first_only=False)

    # assignments -------------------------------------------------------------
    def _assignment(self, node, scope, flags):
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        typ = node.child_by_field_name("type")
        self.push(right, scope, flags)
        self.push(typ, scope, flags)
        if left is not None:
            self.bind_target(left, scope, node.end_byte, flags)
        for c in node.named_children:
            if c.type == "ERROR" and c not in (left, right, typ):
                self.push(c, scope, flags)

    def _augmented(self, node, scope, flags):
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        self.push(right, scope, flags)
        if left is None:
            return
        if left.type == "identifier":
            self.use(left, scope, flags, kind=_AUG, pos=node.start_byte)
            self.bind(left, scope, node.end_byte, aug=True)
        else:
            self.push(left, scope, flags)

    def _walrus(self, node, scope, flags):
        self.push(node.child_by_field_name("value"), scope, flags)
        name = node.child_by_field_name("name")
        target = scope
        while target.kind == _COMPREHENSION and target.parent is not None:
            target = target.parent
        if name is not None:
            self.bind_target(name, target, node.end_byte, flags)

    def _for(self, node, scope, flags):
        left = node.child_by_field_name("left")
        for c in node.named_children:
            if left is not None and c == left:
                self.bind_target(c, scope, c.end_byte, flags)
            else:
                self.push(c, scope, flags)

    def _as_pattern(self, node, scope, flags):
        # with_item / except_clause: ``value as target``
        alias = node.child_by_field_name("alias")
        for c in node.named_children:
            if alias is not None and c == alias:
                self.bind_target(c, scope, node.end_byte, flags)
            elif c.type == "identifier" and alias is None and c != node.named_children[0]:
                self.bind(c, scope, node.end_byte)
            else:
                self.push(c, scope, flags)

    def _global(self, node, scope, flags):
        for c in node.named_children:
            if c.type == "identifier":
                scope.globals.add(self.name_of(c))

    def _nonlocal(self, node, scope, flags):
        for c in node.named_children:
            if c.type == "identifier":
                scope.nonlocals.add(self.name_of(c))

    # definitions ---------------------------------------------------------------
    def _type_params(self, tp_node: Node, scope: _Scope, flags: int) -> _Scope:
        """PEP 695 ``[T, *Ts, **P, U: bound]``: a scope binding them, child of ``scope``."""
        tps = self.new_scope(_TYPEPARAMS, scope)
        for t in tp_node.named_children:
            inner = t.named_children[0] if t.type == "type" and t.named_children else t
            if inner.type == "identifier":
                self.bind(inner, tps, 0)
            elif inner.type == "constrained_type":
                parts = inner.named_children
                if parts:
                    first = parts[0].named_children[0] if parts[0].type == "type" and parts[0].named_children else parts[0]
                    if first.type == "identifier":
                        self.bind(first, tps, 0)
                    self.push_all(parts[1:], tps, flags | _F_DEFERRED)
            elif inner.type == "splat_type":
                for c in inner.named_children:
                    if c.type == "identifier":
                        self.bind(c, tps, 0)
            else:
                self.push(t, tps, flags | _F_DEFERRED)
        return tps

    _PARAM_TYPES = frozenset(
        ("identifier", "list_splat_pattern", "dictionary_splat_pattern", "tuple_pattern",
         "typed_parameter", "default_parameter", "typed_default_parameter")
    )

    def _parameters(self, params: Node, fscope: _Scope, outer: _Scope, ann: _Scope, flags: int) -> None:
        for p in params.named_children:
            self._parameter(p, fscope, outer, ann, flags)

    def _parameter(self, p: Node, fscope: _Scope, outer: _Scope, ann: _Scope, flags: int) -> None:
        """One parameter: its name binds in ``fscope``; its default is evaluated in ``outer``
        (the scope around the def) and its annotation in ``ann`` (``outer`` or the PEP 695
        type-parameter scope)."""
        t = p.type
        if t == "identifier":
            self.bind(p, fscope, p.end_byte)
        elif t in ("list_splat_pattern", "dictionary_splat_pattern", "tuple_pattern"):
            self.bind_target(p, fscope, p.end_byte, flags)
        elif t in ("typed_parameter", "default_parameter", "typed_default_parameter"):
            name = p.child_by_field_name("name")
            typ = p.child_by_field_name("type")
            value = p.child_by_field_name("value")
            if name is None:  # typed_parameter: the first named child is the name
                for c in p.named_children:
                    if c.type != "type":
                        name = c
                        break
            if name is not None:
                self.bind_target(name, fscope, p.end_byte, flags)
            if typ is not None:
                self.push(typ, ann, flags | _F_DEFERRED)
            if value is not None:
                self.push(value, outer, flags & ~_F_DEFERRED)
        elif t == "ERROR":
            self.push(p, fscope, flags)
        # keyword_separator, positional_separator, comment: nothing

    def _function(self, node, scope, flags):
        name = node.child_by_field_name("name")
        tp_node = node.child_by_field_name("type_parameters")
        params = node.child_by_field_name("parameters")
        ret = node.child_by_field_name("return_type")
        if name is not None:
            self.bind(name, scope, node.end_byte)
        ann = self._type_params(tp_node, scope, flags) if tp_node is not None else scope
        fscope = self.new_scope(_FUNCTION, ann)
        body_flags = flags & ~(_F_DEFERRED | _F_SUPPRESS)
        if params is not None:
            self._parameters(params, fscope, scope, ann, flags)
        if ret is not None:
            self.push(ret, ann, flags | _F_DEFERRED)
        skip = {n for n in (name, tp_node, params, ret) if n is not None}
        for c in node.named_children:
            if c not in skip:
                self.push(c, fscope, body_flags)

    def _class(self, node, scope, flags):
        name = node.child_by_field_name("name")
        tp_node = node.child_by_field_name("type_parameters")
        supers = node.child_by_field_name("superclasses")
        if name is not None:
            self.bind(name, scope, node.end_byte)
        outer = self._type_params(tp_node, scope, flags) if tp_node is not None else scope
        self.push(supers, outer, flags)
        cscope = self.new_scope(_CLASS, outer)
        skip = {n for n in (name, tp_node, supers) if n is not None}
        for c in node.named_children:
            if c not in skip:
                self.push(c, cscope, flags & ~_F_DEFERRED)

    def _lambda(self, node, scope, flags):
        lscope = self.new_scope(_FUNCTION, scope)
        params = node.child_by_field_name("parameters")
        if params is not None:
            self._parameters(params, lscope, scope, scope, flags)
        for c in node.named_children:
            if params is None or c != params:
                self.push(c, lscope, flags & ~(_F_DEFERRED | _F_SUPPRESS))

    def _comprehension(self, node, scope, flags):
        cscope = self.new_scope(_COMPREHENSION, scope)
        first = True
        for c in node.named_children:
            if c.type == "for_in_clause":
                for r in c.children_by_field_name("right"):
                    # the first iterable is evaluated in the enclosing scope
                    self.push(r, scope if first else cscope, flags)
                first = False
                for lt in c.children_by_field_name("left"):
                    self.bind_target(lt, cscope, 0, flags)
                for x in c.named_children:  # ERROR, comments
                    if x.type == "ERROR":
                        self.push(x, cscope, flags)
            else:
                self.push(c, cscope, flags)

    def _type_alias(self, node, scope, flags):
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        inner = scope
        if left is not None:
            t = left.named_children[0] if left.type == "type" and left.named_children else left
            if t.type == "identifier":
                self.bind(t, scope, node.end_byte)
            elif t.type == "generic_type":
                kids = t.named_children
                if kids and kids[0].type == "identifier":
                    self.bind(kids[0], scope, node.end_byte)
                for k in kids[1:]:
                    if k.type == "type_parameter":
                        inner = self._type_params(k, scope, flags)
        self.push(right, inner, flags | _F_DEFERRED)

    def _annotation(self, node, scope, flags):
        self.push_all(node.named_children, scope, flags | _F_DEFERRED)

    # expressions -------------------------------------------------------------
    def _keyword_argument(self, node, scope, flags):
        name = node.child_by_field_name("name")
        for c in node.named_children:
            if name is None or c != name:
                self.push(c, scope, flags)

    def _attribute(self, node, scope, flags):
        attr = node.child_by_field_name("attribute")
        for c in node.named_children:
            if attr is None or c != attr:
                self.push(c, scope, flags)

    def _first_named_only(self, node, scope, flags):
        kids = node.named_children
        if kids:
            self.push(kids[0], scope, flags)

    def _string(self, node, scope, flags):
        for c in node.named_children:
            if c.type == "interpolation":
                self.push_all(c.named_children, scope, flags)

    # statements ----------------------------------------------------------------
    def _try(self, node, scope, flags):
        catches_name_error = False
        for c in node.named_children:
            if c.type == "except_clause":
                kinds = [k for k in c.named_children if k.type not in ("block", "comment")]
                if not kinds:
                    catches_name_error = True  # bare except
                elif re.search(r"\bNameError\b", self.text(kinds[0])):
                    catches_name_error = True
        body = node.child_by_field_name("body")
        for c in node.named_children:
            if catches_name_error and body is not None and c == body:
                self.push(c, scope, flags | _F_SUPPRESS)
            else:
                self.push(c, scope, flags)

    # match/case ----------------------------------------------------------------
    def _case_clause(self, node, scope, flags):
        for c in node.named_children:
            if c.type == "case_pattern":
                self._pattern(c, scope, c.end_byte, flags)
            else:  # guard (if_clause), consequence (block)
                self.push(c, scope, flags)

    def _pattern(self, node: Node, scope: _Scope, pos: int, flags: int) -> None:
        t = node.type
        if t == "dotted_name":
            ids = [c for c in node.named_children if c.type == "identifier"]
            if len(ids) == 1:
                if self.text(ids[0]) != "_":
                    self.bind(ids[0], scope, pos)  # capture pattern
            elif ids:
                self.use(ids[0], scope, flags)  # value pattern: Color.RED
        elif t == "identifier":
            if self.text(node) != "_":
                self.bind(node, scope, pos)
        elif t == "class_pattern":
            kids = node.named_children
            if kids:
                if kids[0].type == "dotted_name":
                    ids = [c for c in kids[0].named_children if c.type == "identifier"]
                    if ids:
                        self.use(ids[0], scope, flags)
                    kids = kids[1:]
                for k in kids:
                    self._pattern(k, scope, pos, flags)
        elif t == "keyword_pattern":
            kids = node.named_children
            for k in kids[1:] if kids and kids[0].type == "identifier" else kids:
                self._pattern(k, scope, pos, flags)
        elif t == "dict_pattern":
            keys = set(node.children_by_field_name("key"))
            for k in node.named_children:
                if k in keys:
                    if k.type == "dotted_name":
                        ids = [c for c in k.named_children if c.type == "identifier"]
                        if ids:
                            self.use(ids[0], scope, flags)
                    else:
                        self.push(k, scope, flags)
                else:
                    self._pattern(k, scope, pos, flags)
        elif t in ("case_pattern", "union_pattern", "list_pattern", "tuple_pattern", "splat_pattern", "as_pattern"):
            for k in node.named_children:
                self._pattern(k, scope, pos, flags)
        elif t in ("string", "concatenated_string", "integer", "float", "complex_pattern", "none", "true", "false", "comment"):
            return
        else:  # ERROR or an expression the grammar let through
            self.push(node, scope, flags)

    # broken code ----------------------------------------------------------------
    def _error(self, node, scope, flags):
        """Token-level heuristics inside an ERROR node, whose children are loose tokens and
        whatever sub-trees tree-sitter could still build.

        An identifier after ``.`` is an attribute; before ``=`` inside brackets a keyword
        argument, outside brackets an assignment target; after ``def``/``class``/``as``/
        ``import``, between ``for`` and ``in``, or a ``lambda``/``def`` parameter, a binding;
        after ``from`` (up to ``import``) a module name. Everything after a ``lambda``'s ``:`` or
        a ``def``'s parameter list is taken to belong to that new function scope.
        """
        kids = node.children
        n = len(kids)
        cur = scope
        depth = 0
        prev = ""  # text of the previous token (identifiers included)
        pending_def = None  # "def" / "class" just seen
        def_scope: Optional[_Scope] = None
        def_depth = -1  # bracket depth of a def's parameter list
        in_default = False
        for_target = False
        from_module = False
        after_import = False
        declaring: Optional[set[str]] = None  # after ``global`` / ``nonlocal``
        lam_scope: Optional[_Scope] = None
        opens: list[int] = []  # start bytes of the brackets still open
        comp_for: Optional[tuple[int, int]] = None  # ``[expr for`` with no target yet
        row = kids[0].start_point[0] if kids else 0
        for i, c in enumerate(kids):
            t = c.type
            if t == "comment":
                continue
            if c.start_point[0] != row:
                row = c.start_point[0]
                if depth <= 0:  # a new line: import / for / global clauses do not run on
                    after_import = from_module = for_target = False
                    declaring = None
            txt = self.text(c) if (t == "identifier" or not c.is_named) else None
            if t == "identifier" and txt not in _HARD_KEYWORDS:
                nxt = kids[i + 1] if i + 1 < n else None
                nxt_txt = self.text(nxt) if nxt is not None and not nxt.is_named else ""
                if prev == ".":
                    pass
                elif pending_def is not None:
                    self.bind(c, cur, c.end_byte)
                    if pending_def == "def":
                        def_scope = self.new_scope(_FUNCTION, cur)
                        def_depth = -1
                        in_default = False
                    pending_def = None
                elif def_scope is not None and depth == def_depth and not in_default:
                    self.bind(c, def_scope, c.end_byte)
                elif lam_scope is not None and cur is not lam_scope:
                    self.bind(c, lam_scope, c.end_byte)
                elif prev == "as":
                    self.bind(c, cur, c.end_byte)
                elif for_target:
                    self.bind(c, cur, 0)  # maybe a comprehension variable, used before this
                    comp_for = None
                elif from_module:
                    pass
                elif after_import:
                    if nxt_txt != "as":
                        self.bind(c, cur, c.end_byte)
                elif declaring is not None:
                    declaring.add(self.name_of(c))
                elif nxt_txt == "=" and depth > 0:
                    pass  # keyword argument
                elif nxt_txt == "=" or nxt_txt == ":" and depth == 0 and prev in ("", ",", ";"):
                    self.bind(c, cur, c.end_byte)
                elif nxt_txt in _AUG_OPS:
                    self.use(c, cur, flags, kind=_AUG, pos=c.start_byte)
                    self.bind(c, cur, nxt.end_byte, aug=True)
                else:
                    self.use(c, cur, flags)
                prev = txt
                continue
            if t == "identifier" or not c.is_named:
                # keywords (sometimes mis-parsed as identifiers) and punctuation
                if txt in ("def", "class"):
                    pending_def = txt
                elif txt == "for":
                    for_target = True
                    if opens:
                        comp_for = (opens[-1], c.start_byte)
                elif txt == "in":
                    for_target = False
                elif txt == "from":
                    from_module = True
                elif txt == "import":
                    from_module = False
                    after_import = True
                elif txt == "lambda":
                    lam_scope = self.new_scope(_FUNCTION, cur)
                elif txt in ("global", "nonlocal"):
                    declaring = cur.globals if txt == "global" else cur.nonlocals
                elif txt in _OPEN:
                    depth += 1
                    opens.append(c.start_byte)
                elif txt in _CLOSE:
                    depth -= 1
                    if opens:
                        opens.pop()
                    if def_scope is not None and depth < def_depth:
                        cur = def_scope  # the rest is the function's body
                        def_scope = None
                elif txt in ("=", ":") and def_scope is not None and depth == def_depth:
                    in_default = True
                elif txt == "," and def_scope is not None and depth == def_depth:
                    in_default = False
                elif txt == ":" and lam_scope is not None and cur is not lam_scope:
                    cur = lam_scope
                elif txt == ";":
                    after_import = from_module = for_target = False
                    declaring = None
                if txt == "(" and def_scope is not None and def_depth < 0:
                    def_depth = depth
                prev = txt
                continue
            # named sub-trees
            if def_scope is not None and depth == def_depth and t in self._PARAM_TYPES:
                self._parameter(c, def_scope, cur, cur, flags)
            elif t == "lambda_parameters" or (t == "parameters" and def_scope is not None):
                target = lam_scope if t == "lambda_parameters" and lam_scope is not None else def_scope
                if target is None:
                    target = lam_scope = self.new_scope(_FUNCTION, cur)
                self._parameters(c, target, cur, cur, flags)
                if t == "parameters":
                    cur = target
                    def_scope = None
            elif t in ("dotted_name", "aliased_import") and (after_import or from_module):
                if after_import:
                    nxt = kids[i + 1] if i + 1 < n else None
                    if not (nxt is not None and not nxt.is_named and self.text(nxt) == "as"):
                        self._bind_import_name(c, cur, c.end_byte, first_only=True)
            elif t == "string_start":
                pass  # an unterminated string: see PythonSpec._dead_ranges
            elif prev == "as" and t in _TARGET_CONTAINERS:
                self.bind_target(c, cur, c.end_byte, flags)
            elif for_target and t in _TARGET_CONTAINERS:
                self.bind_target(c, cur, 0, flags)
                comp_for = None
            elif t == "for_in_clause":  # a comprehension's clause, the brackets unfinished
                for lt in c.children_by_field_name("left"):
                    self.bind_target(lt, cur, 0, flags)
                for x in c.named_children:
                    if x not in c.children_by_field_name("left"):
                        self.push(x, cur, flags)
                comp_for = None
            elif depth == 0 and i + 1 < n and not kids[i + 1].is_named and self.text(kids[i + 1]) == "=":
                self.bind_target(c, cur, c.end_byte, flags)  # ``a, b = ...``
            else:
                self.push(c, cur, flags)
            prev = ""
        if comp_for is not None:
            # ``[f(x) for`` being typed: the names before ``for`` are likely the loop variables
            self.loose.append(comp_for)

    # ------------------------------------------------------------------ resolution
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


_DEF_RE = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+\w")
_BLOCK_RE = re.compile(
    r"^[ \t]*(?:if|elif|else|for|while|try|except|finally|with|async[ \t]+for|async[ \t]+with)\b"
)
_SOFT_BLOCK_RE = re.compile(r"^[ \t]*(?:match|case)\b(?![ \t]*[=.,)\]}:;]|[ \t]*[-+*/%&|^@<>!]=)")
_IMPORT_RE = re.compile(r"^[ \t]*(?:import[ \t]+[\w.]|from[ \t]+[\w.]+[ \t]+import\b)")
_CODING_RE = re.compile(r"^[ \t\f]*#(?:!|.*?coding[:=])")
#: a line starting a top-level definition (PEP 8: two blank lines around it)
_FUTURE_RE = re.compile(r"^from[ \t]+__future__[ \t]")
_TOP_DEF_RE = re.compile(r"^(?:@|(?:async[ \t]+)?def[ \t]|class[ \t])")
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)
_DUNDER_ASSIGN_RE = re.compile(r"^__\w+__\s*(?::[^=]*)?=")


def _indent_width(s: str) -> int:
    """Width of the leading whitespace of ``s`` (tabs to multiples of 8, as Python does)."""
    w = 0
    for ch in s:
        if ch == " ":
            w += 1
        elif ch == "\t":
            w = (w // 8 + 1) * 8
        elif ch == "\f":
            w = 0
        else:
            break
    return w


def _scan_lines(text: str) -> list[tuple[int, str, bool, bool]]:
    """Split ``text`` into physical lines with a small tokenizer.

    Returns ``(offset, line, starts_logical, colon_body)`` per line: ``offset`` is the index of
    the line in ``text``; ``starts_logical`` is False for a line that continues a bracketed
    expression, a triple-quoted string or a backslash continuation; ``colon_body`` is True when
    the logical line that ends on this line has code after a top-level ``:`` (a one-line body
    such as ``def f(): return 1``).
    """
    out: list[tuple[int, str, bool, bool]] = []
    depth = 0
    in_str: Optional[str] = None  # the closing quote of an open triple-quoted string
    continued = False
    colon_seen = False
    colon_body = False
    offset = 0
    parts = text.split("\n")
    phys = [ln + "\n" for ln in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    for line in phys:
        starts = depth == 0 and in_str is None and not continued
        if starts:
            colon_seen = False
            colon_body = False
        continued = False
        i = 0
        n = len(line)
        while i < n:
            ch = line[i]
            if in_str is not None:
                if ch == "\\":
                    i += 2
                    continue
                if line.startswith(in_str, i):
                    i += len(in_str)
                    in_str = None
                    if depth == 0 and colon_seen:
                        colon_body = True
                    continue
                i += 1
                continue
            if ch == "#":
                break
            if ch == "\\" and line[i + 1 : i + 2] in ("\n", "\r", ""):
                continued = True
                break
            if ch in "\"'":
                # a string: is it triple-quoted?
                q = line[i : i + 3]
                if q in ('"""', "'''"):
                    in_str = q
                    i += 3
                    continue
                # single-quoted: skip to its end on this line
                j = i + 1
                while j < n and line[j] != ch and line[j] not in "\r\n":
                    j += 2 if line[j] == "\\" else 1
                i = j + 1
                if depth == 0 and colon_seen:
                    colon_body = True
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth = max(0, depth - 1)
            elif ch == ":" and depth == 0 and not colon_seen:
                colon_seen = True
                i += 1
                continue
            if depth == 0 and colon_seen and not ch.isspace():
                colon_body = True
            i += 1
        logical_ends = depth == 0 and in_str is None and not continued
        out.append((offset, line, starts, colon_body if logical_ends else False))
        offset += len(line)
    return out


class PythonSpec:
    """The Python :class:`~jumpcoder_lsp.languages.base.LanguageSpec` (tree-sitter-python).

    Thread-safe: :meth:`parse` serialises the one parser with a lock; everything else is pure.
    """

    name = "python"
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
        caps = self._captures(root)
        dead = self._dead_ranges(src, caps)
        an = _Analyzer(src, root, dead)
        an.run()
        if an.star_import:
            return []
        an.finish_globals()
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


def _ends_with_newline(line: str) -> bool:
    return line.endswith(("\n", "\r"))


def _is_import_block(node: Node) -> bool:
    """``try:`` / ``if TYPE_CHECKING:`` whose first block holds only imports."""
    body = node.child_by_field_name("body" if node.type == "try_statement" else "consequence")
    if body is None:
        return False
    stmts = [c for c in body.named_children if c.type != "comment"]
    return bool(stmts) and all(
        c.type in ("import_statement", "import_from_statement", "future_import_statement") for c in stmts
    )


def _enclosing_by_indent(lines: list[str], line: int) -> Optional[Region]:
    """Fallback for trees too broken to hold a function_definition: the nearest ``def`` line
    above ``line`` whose block (by indentation) reaches ``line``."""
    if not lines:
        return None
    line = min(line, len(lines) - 1)
    cur_indent = None  # the smallest indentation met between the def and ``line``
    for k in range(line, -1, -1):
        text = lines[k]
        if not text.strip():
            if k == line:
                cur_indent = _indent_width(text)
            continue
        m = _DEF_RE.match(text)
        w = _indent_width(text)
        if m and (cur_indent is None or w < cur_indent or k == line):
            start = k
            while start > 0 and lines[start - 1].lstrip().startswith("@"):
                start -= 1
            end = line
            for e in range(line + 1, len(lines)):
                if lines[e].strip():
                    if _indent_width(lines[e]) <= w:
                        break
                    end = e
            first = lines[start]
            return Region(start, end, first[: len(first) - len(first.lstrip())])
        cur_indent = w if cur_indent is None else min(cur_indent, w)
        if cur_indent == 0 and k != line:
            return None
    return None


def _walk(node: Node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)
