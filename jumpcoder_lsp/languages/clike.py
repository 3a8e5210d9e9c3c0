"""What Java, C++ and C# share: brace blocks, ``//`` and ``/* */`` comments, a function's end by
brace balance, and the skeleton of the scope analysis (scopes, uses, resolution) that
``java.py``, ``cpp.py`` and ``csharp.py`` drive over their own tree-sitter grammars --
:class:`TypeScopeAnalyzer` holds what Java and C# share on top of it (the file's types and
their members, imports, parameters, pattern/loop variables, outside names), parametrized by
node-type names.

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

Thread-safety: the analysers are created per call; the specs share one parser behind a lock.
"""

from __future__ import annotations

import re
import threading
from typing import Callable, Iterable, Optional, Sequence, Union

from tree_sitter import Language, Node, Parser, Tree

from .base import Region, UndefinedName, tree_sitter_rows
from .placement import ImportEntry, blank_counts, sorted_import_position

__all__ = ["Scope", "Use", "Analyzer", "TypeInfo", "TypeScopeAnalyzer", "CLikeSpec", "VAR", "TYPE", "CALL"]

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


# ---------------------------------------------------------------------- lexical scanning
# Character classes of the scanner
_CODE, _COMMENT, _STRING = range(3)


def scan(text: str, flavor: str) -> list[int]:
    """The class (code, comment, string) of every character of ``text``: ``//`` and ``/* */``
    comments, ``"..."`` and ``'...'`` literals, Java text blocks and C# raw strings (``\"\"\"``),
    C# verbatim strings (``@"..."``), C++ raw strings (``R"d(...)d"``) and JavaScript/TypeScript
    template literals (flavor ``"js"``: ```...```, which may span lines); C++ digit
    separators (``1'000``) are not character literals. Unterminated literals and comments run
    to the end of their line (``//``, quotes) or of the text (``/*``, text blocks)."""
    n = len(text)
    cls = [_CODE] * n
    i = 0
    while i < n:
        ch = text[i]
        if ch == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            cls[i:j] = [_COMMENT] * (j - i)
            i = j
            continue
        if ch == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            cls[i:j] = [_COMMENT] * (j - i)
            i = j
            continue
        if ch == "`" and flavor == "js":  # a template literal (``${...}`` counts as string too)
            j = text.find("`", i + 1)
            while j > 0 and text[j - 1] == "\\" and not text.startswith("\\\\", j - 2):
                j = text.find("`", j + 1)
            j = n if j < 0 else j + 1
            cls[i:j] = [_STRING] * (j - i)
            i = j
            continue
        if flavor == "rust" and (ch in "\"'" or (ch == "r" and _RUST_RAW.match(text, i))):
            j = _rust_literal_end(text, i)
            if j > i:
                cls[i:j] = [_STRING] * (j - i)
                i = j
            else:
                i += 1
            continue
        if ch == '"' or (ch == "'" and not (flavor == "cpp" and i > 0 and text[i - 1].isalnum())):
            start = i
            if ch == '"' and text.startswith('"""', i) and flavor in ("java", "csharp"):
                j = text.find('"""', i + 3)
                j = n if j < 0 else j + 3
            elif ch == '"' and flavor == "csharp" and i > 0 and text[i - 1] == "@" or (
                ch == '"' and flavor == "csharp" and i > 1 and text[i - 2 : i] in ("@$", "$@")
            ):
                j = i + 1
                while j < n:
                    if text[j] == '"':
                        if j + 1 < n and text[j + 1] == '"':
                            j += 2
                            continue
                        break
                    j += 1
                j = min(n, j + 1)
            elif ch == '"' and flavor == "cpp" and i > 0 and text[i - 1] == "R" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_") or text[i - 2 : i] in ("uR", "UR", "LR", "8R")):
                k = text.find("(", i + 1)
                delim = text[i + 1 : k] if k >= 0 else ""
                end = text.find(")" + delim + '"', k + 1) if k >= 0 else -1
                j = n if end < 0 else end + len(delim) + 2
            else:
                j = i + 1
                while j < n and text[j] != ch and text[j] != "\n":
                    j += 2 if text[j] == "\\" else 1
                j = min(n, j + 1) if j < n and text[j] == ch else min(j, n)
            cls[start:j] = [_STRING] * (j - start)
            i = j
            continue
        i += 1
    return cls


_RUST_RAW = re.compile(r'(?<![\w])b?r(#*)"')
_RUST_CHAR = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)|[^\\'\n])'")


def _rust_literal_end(text: str, i: int) -> int:
    """Rust (flavor ``"rust"``): the end of the literal at ``i`` -- a ``"..."`` string (it may
    span lines), a raw string ``r#"..."#``, a character ``'x'``/``'\\n'`` -- or ``i`` when the
    ``'`` opens a lifetime or a label (``'a``), which is code."""
    ch = text[i]
    if ch == "'":
        m = _RUST_CHAR.match(text, i)
        return m.end() if m else i
    if ch == "r" or (ch == "b" and text.startswith("br", i)):
        m = _RUST_RAW.match(text, i)
        if m is None:
            return i
        j = text.find('"' + m.group(1), m.end())
        return len(text) if j < 0 else j + 1 + len(m.group(1))
    j = i + 1
    n = len(text)
    while j < n and text[j] != '"':
        j += 2 if text[j] == "\\" else 1
    return min(n, j + 1)


def _byte_classes(text: str, flavor: str) -> bytearray:
    """:func:`scan`'s classes indexed by UTF-8 byte offset."""
    cls = scan(text, flavor)
    if text.isascii():
        return bytearray(cls)
    out = bytearray()
    for ch, c in zip(text, cls):
        out.extend([c] * len(ch.encode("utf-8")))
    return out


def _descendants(node: Node) -> Iterable[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)


def indent_width(s: str) -> int:
    w = 0
    for ch in s:
        if ch == " ":
            w += 1
        elif ch == "\t":
            w += 4
        else:
            break
    return w


def _strip_code(line: str, flavor: str) -> str:
    """``line`` with comments removed and string contents blanked (one line, no context)."""
    cls = scan(line, flavor)
    out = []
    for ch, c in zip(line, cls):
        if c == _COMMENT:
            continue
        out.append(ch if c == _CODE else " ")
    return "".join(out)


_SIG_STOP = frozenset(
    """return new delete throw else case goto yield await using typedef if for foreach while switch
    catch do sizeof co_return co_yield co_await not and or lock fixed checked unchecked unsafe
    synchronized assert import package namespace var let auto const_cast static_cast
    dynamic_cast reinterpret_cast in is as out ref params from where select group orderby
    nameof typeof default""".split()
)
_NAME_RE = re.compile(r"(?:~?[A-Za-z_$][\w$]*)(?:::~?[A-Za-z_$][\w$]*)*$|(?:[\w:]*::)?operator\s*\S+$")
_WORD_RE = re.compile(r"[A-Za-z_$][\w$.:]*$")


def _drop_angles(s: str) -> Optional[str]:
    """``s`` without its (nested) ``<...>`` groups; None when they do not balance."""
    out, depth = [], 0
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0:
            out.append(ch)
    return "".join(out) if depth == 0 else None


def looks_like_signature(line: str, flavor: str, modifiers: frozenset) -> bool:
    """True when ``line`` (one line, comments allowed) starts a function definition:
    ``[modifiers] [<T>] ReturnType name(`` (or a constructor ``modifier Name(``, a C++
    ``Class::name(``), with nothing but a body opener, ``throws``/``const``/``override``... or
    the end of the line after the parameter list."""
    code = _strip_code(line, flavor).strip()
    if not code or code[0] in "#@[}{)" or "(" not in code:
        return False
    head, _, rest = code.partition("(")
    head = _drop_angles(head) if "operator" not in head else head
    if head is None or ";" in head or ("operator" not in head and ("=" in head or "," in head)):
        return False
    head = re.sub(r"\[\s*\]", " ", head).replace("*", " ").replace("&", " ").replace("?", " ")
    words = head.split()
    if not words:
        return False
    name = words[-1]
    if not _NAME_RE.match(name) or name in _SIG_STOP or words[0] in _SIG_STOP:
        return False
    if any(not _WORD_RE.match(w) or w in _SIG_STOP for w in words[:-1]):
        return False
    if "." in name:
        return False
    if len(words) == 1:
        if "::" not in name:  # a bare call `foo(x);`
            return False
    elif all(w in modifiers for w in words[:-1]) and flavor == "cpp":
        return False
    # after the parameter list
    depth, i = 1, 0
    while i < len(rest) and depth:
        if rest[i] == "(":
            depth += 1
        elif rest[i] == ")":
            depth -= 1
        i += 1
    if depth:
        return True  # the parameter list goes on, on the next line
    after = rest[i:].strip()
    if len(words) == 1 and after.startswith(";"):
        return False  # `std::sort(a.begin(), a.end());`: a qualified call
    if not after or after.startswith(("{", ";", "throws", "const", "override", "final", "noexcept", "->",
                                      ":", "where", "=>", "= 0", "= default", "= delete", "&", "mutable",
                                      "volatile", "try", "requires", "[[")):
        if after.startswith("=>") and flavor != "csharp":
            return False
        return True
    return False


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
