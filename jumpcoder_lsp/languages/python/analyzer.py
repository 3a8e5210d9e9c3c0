"""The walk of the Python analysis: :class:`_Analyzer`, one pass over a tree-sitter tree that
builds the scopes (:mod:`.scopes`) and records the uses, with the node types it dispatches on;
``ERROR`` nodes are read token by token (:meth:`_Analyzer._error`).

What binds and what is a use:

* parameters (defaults and annotations are evaluated in the enclosing scope), imports
  (``import a.b`` binds ``a``; ``from x import y as z`` binds ``z``; a star import disables
  reporting for the module), ``for``/``with``/``except ... as`` targets, walrus (binds in the
  enclosing non-comprehension scope), ``match``/``case`` captures, ``del`` (a use), annotations,
  decorators, builtins (``dir(builtins)`` plus module dunders such as ``__file__``);
* attribute names (``a.b``: only ``a``), keyword-argument names and string contents (f-string
  replacement fields excepted) are not uses; names used in the ``try`` body of a
  ``try/except NameError`` (or bare ``except``) are not reported, as in pyflakes.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from typing import Iterable, Optional

from tree_sitter import Node

from .scopes import (
    _AUG,
    _CLASS,
    _COMPREHENSION,
    _DEFERRED,
    _FUNCTION,
    _LOAD,
    _MODULE,
    _TYPEPARAMS,
    _Resolver,
    _Scope,
    _Use,
)

_HARD_KEYWORDS = frozenset(keyword.kwlist)

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


class _Analyzer(_Resolver):
    """One pass over the tree that builds scopes and records uses, then a resolution pass
    (:class:`~.scopes._Resolver`).

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
