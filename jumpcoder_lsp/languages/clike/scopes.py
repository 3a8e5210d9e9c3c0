"""The scope analysis the brace languages share: :class:`Scope`, :class:`Use`, the use kinds
(``VAR``, ``TYPE``, ``CALL``), :class:`Analyzer` (the walk, the scopes, the resolution) and
:class:`TypeScopeAnalyzer`, what Java and C# add on top of it.

Scope model (:class:`Analyzer`):

* a :class:`Scope` is *ordered* (a block, a function body, C++ file scope: a name is visible
  from the end of its declarator on) or *unordered* (a class body, Java/C# file scope: members
  are visible everywhere in the class, whatever their order);
* a scope may be *open*: a class that extends something this file does not declare, or an
  anonymous class -- any bare name inside could be inherited, so nothing inside is reported
  (false positives cost more than misses);
* an ``ERROR`` node (code tree-sitter could not place) is read leniently: every identifier in it
  counts as declared in the scope around it, and nothing inside it is reported;
* a use that no scope binds goes to the language's ``external`` check (imports, the standard
  library's names, the "unknown namespace" rules).

Thread-safety: the analysers are created per call.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from tree_sitter import Node

from ..base import UndefinedName

# Use kinds
VAR, TYPE, CALL = range(3)


class Scope:
    __slots__ = ("parent", "names", "ordered", "open", "kind")

    def __init__(self, parent: Optional["Scope"], ordered: bool, kind: str = "block", open_: bool = False):
        self.parent = parent
        self.names: dict[str, int] = {}  # name -> smallest byte offset where a binding takes effect
        self.ordered = ordered
        self.open = open_
        self.kind = kind

    def bind(self, name: str, pos: int) -> None:
        old = self.names.get(name)
        if old is None or pos < old:
            self.names[name] = pos


class Use:
    __slots__ = ("name", "node", "scope", "kind", "pos")

    def __init__(self, name: str, node: Node, scope: Scope, kind: int, pos: int):
        self.name, self.node, self.scope, self.kind, self.pos = name, node, scope, kind, pos


class Analyzer:
    """The walk (an explicit stack: deep expressions must not hit the recursion limit), the
    scopes and the resolution; subclasses fill :attr:`handlers` and :meth:`external`."""

    #: node types whose text is an identifier use when met as plain expressions
    IDENT_TYPES: frozenset = frozenset(("identifier",))
    #: node types that hold no uses at all (comments, literals...)
    SKIP_TYPES: frozenset = frozenset(("comment",))
    #: the node type of a statement label's name (``outer:``), which is not a use
    LABEL_TYPE: str = "identifier"

    def __init__(self, src: bytes, root: Node):
        self.src = src
        self.root = root
        self.uses: list[Use] = []
        self.loose: list[tuple[int, int]] = []  # byte ranges whose uses are not reported
        self.stack: list[tuple[Node, Scope]] = []
        self.handlers: dict[str, Callable[[Node, Scope], None]] = {"ERROR": self._error}
        self.report = True  # False: something (a star import, an unknown header) makes every name possible

    # ------------------------------------------------------------------ helpers
    def text(self, node: Optional[Node]) -> str:
        if node is None:
            return ""
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def push(self, node: Optional[Node], scope: Scope) -> None:
        if node is not None:
            self.stack.append((node, scope))

    def push_all(self, nodes: Iterable[Optional[Node]], scope: Scope) -> None:
        for n in nodes:
            if n is not None:
                self.stack.append((n, scope))

    def children(self, node: Node, scope: Scope, skip: Iterable[Optional[Node]] = ()) -> None:
        skip_ids = {s.id for s in skip if s is not None}
        for c in node.named_children:
            if c.id not in skip_ids:
                self.stack.append((c, scope))

    def use(self, node: Node, scope: Scope, kind: int = VAR) -> None:
        if node.is_missing or node.end_byte <= node.start_byte:
            return
        name = self.text(node)
        if not name or not (name[0].isalpha() or name[0] in "_$"):
            return
        self.uses.append(Use(name, node, scope, kind, node.start_byte))

    def bind(self, node: Optional[Node], scope: Scope, pos: Optional[int] = None) -> None:
        if node is None or node.is_missing or node.end_byte <= node.start_byte:
            return
        name = self.text(node)
        scope.bind(name, (node.end_byte if pos is None else pos) if scope.ordered else -1)

    def bind_name(self, name: str, scope: Scope, pos: int = -1) -> None:
        scope.bind(name, pos if scope.ordered else -1)

    # ------------------------------------------------------------------ walk
    def run(self, root_scope: Scope) -> None:
        self.push(self.root, root_scope)
        stack, handlers, idents, skip = self.stack, self.handlers, self.IDENT_TYPES, self.SKIP_TYPES
        while stack:
            node, scope = stack.pop()
            t = node.type
            if t in idents:
                self.use(node, scope)
                continue
            if t in skip:
                continue
            h = handlers.get(t)
            if h is not None:
                h(node, scope)
            else:
                stack.extend((c, scope) for c in node.named_children)

    # ------------------------------------------------------------------ shared handlers
    def _block(self, n: Node, scope: Scope) -> None:
        """A block (or a statement whose declarations end with it): a new ordered scope."""
        self.children(n, Scope(scope, ordered=True))

    def _labeled(self, n: Node, scope: Scope) -> None:
        """A labeled statement: the label (a :attr:`LABEL_TYPE` child) is not a use."""
        self.push_all((c for c in n.named_children if c.type != self.LABEL_TYPE), scope)

    def _type_identifier(self, n: Node, scope: Scope) -> None:
        self.use(n, scope, TYPE)

    def _error(self, node: Node, scope: Scope) -> None:
        """Code tree-sitter could not place: every identifier in it may be a declaration (bind
        them all, from the start of the ERROR on), and none of its uses is reported."""
        self.loose.append((node.start_byte, node.end_byte))
        todo = [node]
        while todo:
            n = todo.pop()
            if n.type in self.IDENT_TYPES or n.type.endswith("identifier"):
                scope.bind(self.text(n), node.start_byte if scope.ordered else -1)
                continue
            todo.extend(n.named_children)
        # still walk the children: declarations inside (a class, a method) create their scopes
        for c in node.named_children:
            self.stack.append((c, scope))

    # ------------------------------------------------------------------ resolution
    def lookup(self, u: Use) -> bool:
        s: Optional[Scope] = u.scope
        name = u.name
        while s is not None:
            if s.open:
                return True
            p = s.names.get(name)
            if p is not None and (not s.ordered or p <= u.pos):
                return True
            s = s.parent
        return False

    def external(self, u: Use) -> bool:
        """True when ``u`` is defined outside the file (imports, the standard library)."""
        return False

    def results(self, ignore_after_byte: Optional[int]) -> list[UndefinedName]:
        if not self.report:
            return []
        out = []
        loose = self.loose
        for u in self.uses:
            node = u.node
            if ignore_after_byte is not None and node.end_byte >= ignore_after_byte:
                continue
            if loose and any(a <= node.start_byte < b for a, b in loose):
                continue
            if self.lookup(u) or self.external(u):
                continue
            out.append(UndefinedName(u.name, node.start_point[0], node.start_byte, node.end_byte))
        out.sort(key=lambda x: x.start_byte)
        return out


class TypeInfo:
    """A type declared in the file (Java, C#): its member names, the simple names of its base
    types, its node type (``kind``) and whether it is ``partial`` (C#)."""

    __slots__ = ("node", "members", "supers", "kind", "partial")

    def __init__(self, node: Node, kind: str):
        self.node, self.kind = node, kind
        self.members: set[str] = set()
        self.supers: list[str] = []
        self.partial = False


class TypeScopeAnalyzer(Analyzer):
    """The scope analysis of Java and C#: an unordered file scope where every type declared in
    the file is visible, type bodies whose members (and their in-file base types' members) are
    visible anywhere in the type, and imports/usings that make outside names available.

    Subclasses name their grammar's node types (the class attributes below) and implement
    :meth:`_import` and :meth:`_members`; :meth:`external_super` and :meth:`qualified_external`
    are the hooks where the two languages' rules for outside names differ."""

    #: the node type of an import/using directive (handed to :meth:`_import`, not walked)
    IMPORT_TYPE: str = ""
    #: type declarations whose name is bound file-wide (and recorded in :attr:`types`)
    FILE_TYPES: frozenset = frozenset()
    #: those of :attr:`FILE_TYPES` with a body of members (C#: not delegates), walked by
    #: :meth:`_type_decl`
    CLASS_TYPES: frozenset = frozenset()
    #: function/method declarations, walked by :meth:`_function`
    FUNCTION_TYPES: frozenset = frozenset()
    #: members every enum has (``values``/``ordinal``; ``HasFlag``...)
    ENUM_MEMBERS: frozenset = frozenset()
    #: methods every object has (a bare call of one is never reported)
    OBJECT_METHODS: frozenset = frozenset()
    #: names defined outside any file (the language's core library, keywords parsed as names)
    ALWAYS: frozenset = frozenset()
    #: parameter node types whose ``name`` field is bound (by :meth:`_params`)
    PARAM_TYPES: frozenset = frozenset()
    #: the field of a for-each loop that holds its variable
    FOREACH_VAR: str = "name"
    #: node types a ``name`` field (for-each variable, pattern, catch...) must have to be bound;
    #: None: any (another node is walked as an expression)
    NAME_TYPES: Optional[frozenset] = None

    def __init__(self, src: bytes, root: Node):
        super().__init__(src, root)
        self.imported: set[str] = set()  # names that imports of known packages/namespaces bring
        self.unknown_import = False  # a wildcard import/using of a package this module does not know
        self.static_import = False  # a static wildcard import / ``using static``
        self.types: dict[str, TypeInfo] = {}
        self.info_of: dict[int, TypeInfo] = {}
        h = self.handlers
        for t in self.CLASS_TYPES:
            h[t] = self._type_decl
        for t in self.FUNCTION_TYPES:
            h[t] = self._function

    @classmethod
    def analyze(cls, src: bytes, root: Node) -> "TypeScopeAnalyzer":
        """The pre-pass (imports, the file's types) and the walk over an unordered file scope."""
        an = cls(src, root)
        file_scope = Scope(None, ordered=False, kind="file")
        an.collect(file_scope)
        an.run(file_scope)
        return an

    # ------------------------------------------------------------------ pre-pass
    def collect(self, file_scope: Scope) -> None:
        todo = [self.root]
        while todo:
            n = todo.pop()
            t = n.type
            if t == self.IMPORT_TYPE:
                self._import(n, file_scope)
                continue
            if t in self.FILE_TYPES:
                name = n.child_by_field_name("name")
                info = TypeInfo(n, t)
                if name is not None:
                    nm = self.text(name)
                    file_scope.bind(nm, -1)
                    self.types.setdefault(nm, info)
                if t in self.CLASS_TYPES:
                    self.info_of[n.id] = info
                    self._members(n, info)
            todo.extend(n.named_children)

    def _import(self, n: Node, file_scope: Scope) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _members(self, n: Node, info: TypeInfo) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _add_names(self, node: Node, out: set) -> None:
        """Add the ``name`` of each of ``node``'s children (type parameters, record components)."""
        for p in node.named_children:
            nm = p.child_by_field_name("name")
            if nm is not None:
                out.add(self.text(nm))

    def external_super(self, name: str) -> Optional[frozenset]:
        """The members a base type not declared in the file brings; None when they are not known
        (the class is then open)."""
        return None

    def _closure(self, info: TypeInfo, seen: set) -> tuple[set[str], bool]:
        """Members of ``info`` and its in-file base types; True when the type is open (a base
        type with unknown members, a partial type)."""
        members = set(info.members)
        open_ = info.partial
        if info.kind == "enum_declaration":
            members |= self.ENUM_MEMBERS
        for s in info.supers:
            sup = self.types.get(s)
            if sup is not None:
                if id(sup) not in seen:
                    seen.add(id(sup))
                    m2, o2 = self._closure(sup, seen)
                    members |= m2
                    open_ = open_ or o2
            else:
                known = self.external_super(s)
                if known is None:
                    open_ = True
                else:
                    members |= known
        return members, open_

    # ------------------------------------------------------------------ handlers
    def _type_decl(self, n: Node, scope: Scope) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _function(self, n: Node, scope: Scope) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def type_scope(self, n: Node, scope: Scope) -> Scope:
        """The (unordered) scope of type declaration ``n``'s body, its members bound."""
        info = self.info_of.get(n.id)
        members, open_ = self._closure(info, {id(info)}) if info is not None else (set(), True)
        ts = Scope(scope, ordered=False, kind="class", open_=open_)
        for m in members:
            ts.bind(m, -1)
        return ts

    def _is_name(self, node: Node) -> bool:
        return self.NAME_TYPES is None or node.type in self.NAME_TYPES

    def _params(self, params: Node, s: Scope) -> None:
        """A parameter list: each parameter's name is bound in ``s`` (for the whole body)."""
        for p in params.named_children:
            if p.type in self.PARAM_TYPES:
                nm = p.child_by_field_name("name")
                self.bind(nm, s, -1)
                self.children(p, s, skip=(nm,))
            elif p.type == "identifier":
                self.bind(p, s, -1)
            else:
                self._other_param(p, s)

    def _other_param(self, p: Node, s: Scope) -> None:
        self.push(p, s)

    def _named(self, n: Node, scope: Scope) -> None:
        """A declaration through a ``name`` field (a pattern variable, a catch variable, a
        resource...): bind it from its end on, walk the rest."""
        name = n.child_by_field_name("name")
        if name is not None and self._is_name(name):
            self.bind(name, scope)
            self.children(n, scope, skip=(name,))
        else:
            self.children(n, scope)

    def _foreach(self, n: Node, scope: Scope) -> None:
        """A for-each loop: its variable (:attr:`FOREACH_VAR`) is bound in the loop's scope."""
        s = Scope(scope, ordered=True)
        var = n.child_by_field_name(self.FOREACH_VAR)
        if var is not None:
            if self._is_name(var):
                self.bind(var, s, -1)
            else:
                self.push(var, s)
        self.children(n, s, skip=(var,))

    def _bind_identifiers(self, n: Node, scope: Scope) -> None:
        """A pattern whose ``identifier`` children are the variables it declares."""
        for c in n.named_children:
            if c.type == "identifier":
                self.bind(c, scope)
            else:
                self.push(c, scope)

    # ------------------------------------------------------------------ outside the file
    def qualified_external(self, u: Use) -> bool:
        """True when ``u`` is the root of a qualified name that needs no import (Java's
        ``java.util.Arrays``)."""
        return False

    def external(self, u: Use) -> bool:
        name = u.name
        if name in self.imported or name in self.ALWAYS:
            return True
        kind = u.kind
        if kind == CALL:
            return self.static_import or name in self.OBJECT_METHODS
        if kind == VAR and self.static_import:
            return True
        if self.qualified_external(u):
            return True
        if self.unknown_import and name[:1].isupper():
            return True
        return False
