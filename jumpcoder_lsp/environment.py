"""The environment judge's facts: does a Python import or ``module.attr`` resolve in the project's
environment? Answered statically -- module files are found on the environment's search path and
parsed with :mod:`ast`; nothing of the user's is imported or run in this process.

Answers are three-valued: True (resolves), False (definitely not: no such module, or the module's
source defines no such name) and None (unknown: a compiled extension, a module-level
``__getattr__``, a module-level ``exec``/``setattr``/``globals()`` write, a star import of something
unknown, a parse error). Only False rejects.

Where the search path comes from (:func:`discover`), trusted input first:

* a trusted interpreter (CLI ``--python``, env :data:`PYTHON_ENV` ``JUMPCODER_PYTHON``; never a
  client's or a workspace's setting): it is run once, ``python -I -c 'import sys; print(sys.path)'``,
  with a timeout;
* else, statically: a ``.venv`` / ``venv`` in the workspace (its ``pyvenv.cfg`` and
  ``lib/pythonX.Y/site-packages``, read, never run) plus the standard library of its base
  interpreter (``home`` in ``pyvenv.cfg``, or the server's own when the versions match);
* else the server interpreter's standard library only: an *incomplete* environment
  (:attr:`Environment.complete` False), where a top-level module that is not found is unknown,
  not missing (it may be installed where the server cannot see), and only what the standard
  library's own modules lack is rejected.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

#: the environment variable naming the trusted interpreter (``--python`` sets it for the server)
PYTHON_ENV = "JUMPCODER_PYTHON"

_SOURCE_SUFFIXES = (".pyi", ".py")
_COMPILED = (".so", ".pyd", ".dylib")


@dataclass(frozen=True)
class Problem:
    line: int  # 0-based line in the checked code
    name: str  # the dotted name that does not resolve
    message: str
    #: "module" (an import of a module not found) or "name" (``module.attr`` / ``from module
    #: import attr`` that the module does not define)
    kind: str = "name"
    module: str = ""  # the module judged (kind "name": the one lacking ``attr``; "module": the missing one)
    attr: str = ""
    #: where in the code: the whole use (``np.float``, the alias of an import), then the name's own
    #: token (``float``); (line, UTF-8 byte column, end line, end byte column), 0-based lines
    span: Optional[tuple[int, int, int, int]] = None
    token: Optional[tuple[int, int, int, int]] = None
    #: kind "name" from an import: ``from module import attr [as asname]`` (the asname, or None)
    imported_as: Optional[str] = None
    from_import: bool = False


@dataclass
class Environment:
    """A Python environment, as a search path; caches per (module, file mtime)."""

    paths: tuple[str, ...]
    description: str = ""
    #: whether ``paths`` are the whole environment (an interpreter's sys.path, a venv with its base
    #: stdlib): only then is a top-level module that is not found missing rather than unknown
    complete: bool = True
    #: a trusted interpreter (the CLI's --python, $JUMPCODER_PYTHON, the server's own) that may
    #: import this environment's standard-library modules in a subprocess when their source cannot
    #: tell (compiled, ``from _x import *``, module-level ``globals()`` writes); None: never run
    python: Optional[str] = None
    #: the standard library folders (of ``python``); only their modules (and builtins) are imported
    stdlib: tuple[str, ...] = ()
    builtins: frozenset = field(default_factory=lambda: frozenset(sys.builtin_module_names))
    import_timeout: float = 10.0
    _locate: dict = field(default_factory=dict, repr=False, compare=False)
    _names: dict = field(default_factory=dict, repr=False, compare=False)
    _exported: dict = field(default_factory=dict, repr=False, compare=False)
    _imported: dict = field(default_factory=dict, repr=False, compare=False)
    _lazy: dict = field(default_factory=dict, repr=False, compare=False)  # (module, path) with a __getattr__

    # -- finding modules ------------------------------------------------------------------
    def locate(self, module: str) -> Optional[tuple[str, str]]:
        """(kind, path) of a module: kind "source" (a .py/.pyi file), "compiled", "namespace";
        None when it is not on the path. Builtin modules count as compiled."""
        if module in self._locate:
            return self._locate[module]
        answer = self._find(module)
        self._locate[module] = answer
        return answer

    def _find(self, module: str):
        top, _, rest = module.partition(".")
        if (top in self.builtins or top in _ALWAYS_PRESENT) and not rest:
            return ("compiled", "")
        dirs: Sequence[str] = self.paths
        parts = module.split(".")
        for i, part in enumerate(parts):
            found = None
            namespace = []
            for d in dirs:
                base = os.path.join(d, part)
                if os.path.isdir(base):
                    for init in ("__init__.pyi", "__init__.py"):
                        if os.path.isfile(os.path.join(base, init)):
                            found = ("source", os.path.join(base, init))
                            break
                    if found is None and any(f.startswith("__init__.") for f in _listdir(base)):
                        found = ("compiled", base)
                    if found is None:
                        namespace.append(base)
                        continue
                    break
                for suffix in _SOURCE_SUFFIXES:
                    if os.path.isfile(base + suffix):
                        found = ("source", base + suffix)
                        break
                if found is None and any(f.startswith(part + ".") and f.endswith(_COMPILED) for f in _listdir(d)):
                    found = ("compiled", d)
                if found is not None:
                    break
            if found is None and namespace:
                found = ("namespace", namespace[0])
            if found is None:
                return None
            if i == len(parts) - 1:
                return found
            if found[0] == "compiled":
                return found  # submodules of a compiled package: unknown, not missing
            if found[0] == "source" and not found[1].endswith(("__init__.py", "__init__.pyi")):
                # a plain module: ``a.b`` may be an attribute re-exported as a module (os.path)
                return ("compiled", found[1]) if self.defines(".".join(parts[: i + 1]), parts[i + 1]) is not False else None
            dirs = [found[1] if found[0] == "namespace" else os.path.dirname(found[1])] + namespace
        return None

    def resolves(self, module: str) -> Optional[bool]:
        if self.locate(module) is not None:
            return True
        if not self.complete and self.locate(module.partition(".")[0]) is None:
            return None  # an incomplete environment: a package it cannot see may be installed
        return None if _any_unknown(self, module) else False

    # -- names a module defines ------------------------------------------------------------
    def names(self, module: str) -> Optional[set[str]]:
        """The names a module defines at top level (None: unknown): from its source; where that
        cannot tell, for a standard-library module of an environment with a trusted interpreter,
        from the interpreter (:meth:`imported_names`)."""
        names = self.source_names(module)
        if names is None and self.may_import(module):
            return self.imported_names(module)
        return names

    def source_names(self, module: str) -> Optional[set[str]]:
        """The names a module's source defines at top level (None: unknown)."""
        where = self.locate(module)
        if where is None or where[0] != "source":
            return None if where is None or where[0] == "compiled" else set()
        path = where[1]
        names = self._file_names(module, path)
        source = path[:-1] if path.endswith(".pyi") else None
        if source is None or not os.path.isfile(source):
            return names
        # a stub beside its source: stubs leave names out (numpy._core.numerictypes.sctypes), so a
        # name either defines counts; where the source cannot tell, the stub decides only for a
        # module-level __getattr__ (what it serves is what the stub describes: numpy's removed
        # aliases), else (``from _compiled import *``) nothing is certain
        code = self._file_names(module, source)
        if names is None or code is not None:
            return None if names is None and code is None else (names or set()) | (code or set())
        return names if self._lazy.get((module, source)) else None

    def _file_names(self, module: str, path: str) -> Optional[set[str]]:
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            return None
        key = (module, path, mtime)
        if key in self._names:
            return self._names[key]
        self._names[key] = None  # cycles (star imports of each other): unknown
        result = self._parse_names(module, path)
        self._names[key] = result
        return result

    def _parse_names(self, module: str, path: str) -> Optional[set[str]]:
        try:
            tree = ast.parse(Path(path).read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError, OSError):
            return None
        package = module if os.path.basename(path).startswith("__init__.") else module.rpartition(".")[0]
        names: set[str] = set()
        exported: set[str] = set()  # string literals of __all__ (a star import exports them)
        if any(isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name == "__getattr__"
               for st in _top_level(tree.body)):
            self._lazy[(module, path)] = True
            return None  # module-level __getattr__: anything may exist
        for stmt in _top_level(tree.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if stmt.name == "__getattr__":
                    self._lazy[(module, path)] = True
                    return None  # module-level __getattr__: anything may exist
                names.add(stmt.name)
                # ``global x`` in a function defines x at module level once it runs
                names.update(n for node in ast.walk(stmt) if isinstance(node, ast.Global) for n in node.names)
                continue
            if isinstance(stmt, ast.ClassDef):
                names.add(stmt.name)
                if any(_callee(d) == "global_enum" if isinstance(d, ast.Call) else
                       getattr(d, "attr", getattr(d, "id", "")) == "global_enum" for d in stmt.decorator_list):
                    # enum.global_enum copies the members into the module (re.IGNORECASE)
                    names.update(t.id for b in stmt.body if isinstance(b, (ast.Assign, ast.AnnAssign))
                                 for t in (b.targets if isinstance(b, ast.Assign) else [b.target])
                                 if isinstance(t, ast.Name))
                names.update(n for node in ast.walk(stmt) if isinstance(node, ast.Global) for n in node.names)
                continue
            if _adds_names_dynamically(stmt):
                return None
            if isinstance(stmt, ast.Import):
                names.update(a.asname or a.name.partition(".")[0] for a in stmt.names)
            elif isinstance(stmt, ast.ImportFrom):
                for a in stmt.names:
                    if a.name != "*":
                        names.add(a.asname or a.name)
                        continue
                    source = _absolute(stmt, package)
                    star = self.star_names(source) if source else None
                    if star is None:
                        return None
                    names |= star
            for node in _own_nodes(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                    names.add(node.id)
                elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
                elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                    names.add(node.name)
                elif isinstance(node, ast.ExceptHandler) and node.name:
                    names.add(node.name)
            if _assigns_all(stmt):
                exported.update(n.value for n in ast.walk(stmt) if isinstance(n, ast.Constant) and isinstance(n.value, str))
        # submodules of a package are attributes once imported
        if os.path.basename(path).startswith("__init__."):
            for entry in _listdir(os.path.dirname(path)):
                names.add(entry.split(".")[0])
        names.update(_MODULE_ATTRIBUTES)
        self._exported[(module, path)] = exported
        return names

    def may_import(self, module: str) -> bool:
        """Whether ``module`` may be imported to learn its names: the environment has a trusted
        interpreter and the module is one of its builtins or lies in its standard library (the
        user's own packages are never imported)."""
        if self.python is None or not self.stdlib:
            return False
        top = module.partition(".")[0]
        if top in _NEVER_IMPORT:
            return False
        if top in self.builtins:
            return True
        where = self.locate(top)
        return where is not None and bool(where[1]) and any(
            os.path.commonpath([os.path.abspath(where[1]), d]) == d for d in self.stdlib)

    def imported_names(self, module: str) -> Optional[set[str]]:
        """``dir(module)`` as the trusted interpreter imports it, in an isolated subprocess with a
        timeout, cached per module (None: it failed, or the module has a ``__getattr__``)."""
        if module in self._imported:
            return self._imported[module]
        result = None
        try:
            done = subprocess.run([self.python, "-I", "-c", _DIR_SCRIPT, module], capture_output=True, text=True,
                                  timeout=self.import_timeout, stdin=subprocess.DEVNULL)
            answer = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None
            if answer is not None and not answer["lazy"]:
                # dir() leaves out a module's own attributes (__dict__) and the submodules not
                # imported yet, which the source analysis counts (attributes once imported)
                result = set(answer["names"]) | _MODULE_ATTRIBUTES
                where = self.locate(module)
                if where is not None and os.path.basename(where[1]).startswith("__init__."):
                    result.update(entry.split(".")[0] for entry in _listdir(os.path.dirname(where[1])))
        except (subprocess.TimeoutExpired, OSError, ValueError, IndexError, KeyError, TypeError):
            result = None
        self._imported[module] = result
        return result

    def star_names(self, module: str) -> Optional[set[str]]:
        """The names ``from module import *`` binds (public names and what ``__all__`` lists;
        None: unknown)."""
        names = self.names(module)
        if names is None:
            return None
        where = self.locate(module)
        exported = set()
        for path in ([where[1], where[1][:-1]] if where[1].endswith(".pyi") else [where[1]]) if where else []:
            exported |= self._exported.get((module, path), set())
        return {n for n in names if not n.startswith("_")} | exported

    def defines(self, module: str, name: str) -> Optional[bool]:
        """Whether ``module`` (found on the path) has attribute ``name``: True, False or None."""
        where = self.locate(module)
        if where is None:
            return None
        if where[0] == "namespace":
            return self.locate(f"{module}.{name}") is not None
        names = self.names(module)
        if names is None:
            return None
        return name in names  # a package's names hold its submodules already

    def version(self, distribution: str) -> Optional[str]:
        """The installed version of a distribution, from its dist-info METADATA (None: unknown)."""
        want = _normal(distribution)
        for d in self.paths:
            for entry in _listdir(d):
                if entry.endswith((".dist-info", ".egg-info")) and _normal(entry.split("-")[0]) == want:
                    for meta in ("METADATA", "PKG-INFO"):
                        try:
                            text = Path(d, entry, meta).read_text(encoding="utf-8", errors="replace")
                        except OSError:
                            continue
                        m = re.search(r"^Version:\s*(\S+)", text, re.M)
                        if m:
                            return m.group(1)
        return None

    # -- checking code ----------------------------------------------------------------------
    def problems(self, code: str, lines: Optional[Iterable[int]] = None,
                 tree: Optional[ast.Module] = None) -> list[Problem]:
        """Imports and ``module.attr`` uses in ``code`` that definitely do not resolve. ``lines``
        (0-based): report only problems on these lines (the rest is context). Code that does not
        parse is checked line by line (a candidate line inside a partial function), with the
        aliases that the import lines of the rest bind. ``tree``: ``code`` parsed already."""
        want = set(lines) if lines is not None else None
        shifts: dict[int, int] = {}  # line parsed alone -> the UTF-8 bytes of its indentation
        try:
            trees = [(0, tree if tree is not None else ast.parse(code))]
        except SyntaxError:
            trees = []
            for i, text in enumerate(code.splitlines()):
                stripped = text.strip()
                if want is not None and i not in want and not stripped.startswith(("import ", "from ")):
                    continue
                tree = _parse_line(stripped)
                if tree is not None:
                    trees.append((i, tree))
                    shifts[i] = len(text[: len(text) - len(text.lstrip())].encode("utf-8", "surrogatepass"))
        out: list[Problem] = []
        aliases: dict[str, str] = {}  # local name -> module it binds, over the whole code
        # statements only (not every expression node): a long buffer costs a parse and little more
        statements = [(offset, _statements(tree.body)) for offset, tree in trees]
        for offset, stmts in statements:
            self._imports(stmts, offset, aliases, out, want, shifts.get(offset, 0))
        # a name bound otherwise too where the judged lines see it (``json = r.json()`` at module level
        # or in an enclosing function, a parameter): not judged
        for (offset, stmts), (_o, tree) in zip(statements, trees) if aliases else ():
            scope = stmts if want is None else _visible(tree.body, {l - offset + 1 for l in want})
            for stmt in scope:
                for bound in _binds(stmt):
                    aliases.pop(bound, None)
        for offset, stmts in statements:
            mine = [st for st in stmts if want is None or any(
                offset + st.lineno - 1 <= line <= offset + (st.end_lineno or st.lineno) - 1 for line in want)]
            self._attributes(mine, offset, aliases, out, shifts.get(offset, 0))
        return [p for p in out if want is None or p.line in want]

    def _imports(self, stmts: Sequence[ast.stmt], offset: int, aliases: dict[str, str], out: list[Problem],
                 want: Optional[set[int]], shift: int = 0) -> None:
        for node in stmts:
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            span = range(offset + node.lineno - 1, offset + (node.end_lineno or node.lineno))
            line = span[0] if want is None else next((l for l in span if l in want), None)
            judged = line is not None  # the rest only binds aliases (cheap: nothing looked up)
            if not judged:
                for a in node.names:
                    if isinstance(node, ast.Import):
                        aliases[a.asname or a.name.partition(".")[0]] = a.name if a.asname else a.name.partition(".")[0]
                    elif node.level == 0 and node.module and a.name != "*" and self.locate(f"{node.module}.{a.name}"):
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                continue
            if isinstance(node, ast.Import):
                for a in node.names:
                    if self.resolves(a.name) is False:
                        out.append(Problem(line, a.name, f"No module named '{a.name}' in {self.description or 'the environment'}",
                                           kind="module", module=a.name, **_alias_spans(a, offset, shift, a.name)))
                    elif a.asname:
                        aliases[a.asname] = a.name
                    else:
                        aliases[a.name.partition(".")[0]] = a.name.partition(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if self.resolves(node.module) is False:
                    out.append(Problem(line, node.module, f"No module named '{node.module}' in {self.description or 'the environment'}",
                                       kind="module", module=node.module, span=_node_span(node, offset, shift)))
                    continue
                for a in node.names:
                    if a.name != "*" and self.defines(node.module, a.name) is False:
                        out.append(Problem(line, f"{node.module}.{a.name}", self._missing(node.module, a.name),
                                           module=node.module, attr=a.name, imported_as=a.asname, from_import=True,
                                           **_alias_spans(a, offset, shift, a.name)))
                    elif a.name != "*" and self.locate(f"{node.module}.{a.name}") is not None:
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def _attributes(self, stmts: Sequence[ast.stmt], offset: int, aliases: dict[str, str], out: list[Problem],
                    shift: int = 0) -> None:
        if not aliases:
            return
        for node in (n for st in stmts for n in _expressions(st)):
            if not (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)):
                continue
            chain, base = [node.attr], node.value
            while isinstance(base, ast.Attribute):
                chain.insert(0, base.attr)
                base = base.value
            if not (isinstance(base, ast.Name) and base.id in aliases):
                continue
            # alias.sub.module.attr: follow the submodules, judge the attribute after the last one
            module, *between = [aliases[base.id], *chain[:-1]]
            for part in between:
                if self.locate(f"{module}.{part}") is None:
                    module = None  # an attribute of something that is not a module: not judged
                    break
                module = f"{module}.{part}"
            if module is not None and self.defines(module, node.attr) is False:
                span = _node_span(node, offset, shift)
                end = len(node.attr.encode("utf-8"))
                out.append(Problem(offset + node.lineno - 1, f"{module}.{node.attr}", self._missing(module, node.attr),
                                   module=module, attr=node.attr, span=span,
                                   token=None if span is None else (span[2], span[3] - end, span[2], span[3])))

    def _missing(self, module: str, name: str) -> str:
        top = module.partition(".")[0]
        version = self.version(top)
        where = f"{top} {version}" if version else (self.description or "the environment")
        return f"'{module}' has no attribute '{name}' in the installed version ({where})"


#: what every module has, whatever its source or dir() says
_MODULE_ATTRIBUTES = frozenset({"__name__", "__file__", "__doc__", "__path__", "__spec__", "__loader__", "__package__",
                                "__dict__", "__builtins__", "__class__"})
#: modules every interpreter has without a file or a builtin entry: the running script and the
#: frozen import machinery
_ALWAYS_PRESENT = frozenset({"__main__", "_frozen_importlib", "_frozen_importlib_external"})
#: modules never imported to learn their names (they open windows or print on import)
_NEVER_IMPORT = frozenset({"antigravity", "this", "turtle", "turtledemo", "tkinter", "idlelib", "webbrowser"})
#: run by the trusted interpreter: the names of the module argv[1], and whether it has a __getattr__
_DIR_SCRIPT = ("import importlib, json, sys; m = importlib.import_module(sys.argv[1]); "
               "print(json.dumps({'names': sorted(set(dir(m)) | set(vars(m))), 'lazy': '__getattr__' in vars(m)}))")

#: calls at module level that can add names to the module without a binding the parser sees
_DYNAMIC_CALLS = {"exec", "eval", "setattr", "globals", "vars", "locals"}
#: calls that take the module's own ``__name__`` without writing into it
_NAME_READERS = {"getLogger", "get_logger", "warn", "namedtuple", "TypeVar", "NewType", "Logger"}


def _top_level(body: Sequence[ast.stmt]) -> Iterable[ast.stmt]:
    """The statements that run as the module body: its own, and those nested in compound
    statements (if/try/for/while/with/match), but not the bodies of functions or classes (which
    are yielded themselves, whole)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field_name in ("body", "orelse", "finalbody"):
            yield from _top_level(getattr(stmt, field_name, None) or [])
        for handler in getattr(stmt, "handlers", None) or []:
            yield from _top_level(handler.body)
        for case in getattr(stmt, "cases", None) or []:
            yield from _top_level(case.body)


def _own_nodes(stmt: ast.stmt) -> Iterable[ast.AST]:
    """The nodes of one statement without the statements nested in it (those come from
    :func:`_top_level` themselves), nor lambdas' or comprehensions' own scopes."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                continue
            stack.append(child)


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _adds_names_dynamically(stmt: ast.stmt) -> bool:
    """True when a module-level statement can define names the parser does not see: exec/eval,
    setattr, globals()/vars()/locals(), writing into ``sys.modules``, or handing the module's own
    ``__name__`` to a call (enum's ``IntEnum._convert_('Signals', __name__, ...)``)."""
    for node in _own_nodes(stmt):
        if isinstance(node, ast.Call):
            name = _callee(node)
            if name in _DYNAMIC_CALLS:
                return True
            if name not in _NAME_READERS and any(
                    isinstance(a, ast.Name) and a.id == "__name__" for a in [*node.args, *(k.value for k in node.keywords)]):
                return True
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and \
                isinstance(node.value, ast.Attribute) and node.value.attr == "modules" and any(
                    isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(node.slice)):
            return True  # sys.modules[__name__] = ... (typing's sys.modules[io.__name__] is another module)
    return False


def _assigns_all(stmt: ast.stmt) -> bool:
    """``__all__ = ...``, ``__all__ += ...`` or ``__all__.extend/append(...)``."""
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "__all__"
    return False


def _statements(body: Sequence[ast.stmt]) -> list[ast.stmt]:
    """Every statement, nested ones too (function and class bodies included)."""
    out: list[ast.stmt] = []
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        out.append(stmt)
        nested: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            nested.extend(getattr(stmt, name, None) or [])
        for handler in getattr(stmt, "handlers", None) or []:
            nested.extend(handler.body)
        for case in getattr(stmt, "cases", None) or []:
            nested.extend(case.body)
        stack.extend(reversed(nested))
    return out


def _visible(body: Sequence[ast.stmt], lines: set[int]) -> list[ast.stmt]:
    """The statements whose bindings the code at ``lines`` (1-based) sees: the module level and
    the bodies of the functions and classes enclosing those lines (not other functions')."""
    out: list[ast.stmt] = []
    stack = list(body)
    while stack:
        stmt = stack.pop()
        out.append(stmt)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not any(stmt.lineno <= l <= (stmt.end_lineno or stmt.lineno) for l in lines):
                continue
            stack.extend(stmt.body)
            continue
        for name in ("body", "orelse", "finalbody"):
            stack.extend(getattr(stmt, name, None) or [])
        for handler in getattr(stmt, "handlers", None) or []:
            stack.extend(handler.body)
        for case in getattr(stmt, "cases", None) or []:
            stack.extend(case.body)
    return out


def _expressions(stmt: ast.stmt):
    """The nodes of one statement without the statements nested in it."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.stmt))


def _binds(stmt: ast.stmt) -> Iterable[str]:
    """Names a statement binds other than by an import: definitions, parameters, assignment,
    loop, with, except and walrus targets (its own expressions, not nested statements)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield stmt.name
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return
    for node in _expressions(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node.id
        elif isinstance(node, ast.arg):
            yield node.arg
        elif isinstance(node, ast.ExceptHandler) and node.name:
            yield node.name


def _parse_line(text: str) -> Optional[ast.AST]:
    """One line of code that does not parse in its context, parsed alone: as it is, else with its
    open brackets closed (a line being written: ``return json.loadz(f.read(``) or, for a block
    header, a body (``for x in np.arange(n):``)."""
    closers = []
    pairs = {"(": ")", "[": "]", "{": "}"}
    for ch in re.sub(r"(\"[^\"]*\"|'[^']*')", "", text.split("#", 1)[0]):
        if ch in pairs:
            closers.append(pairs[ch])
        elif closers and ch == closers[-1]:
            closers.pop()
    closed = text + "".join(reversed(closers))
    for attempt in (text, closed, closed + " pass" if closed.rstrip().endswith(":") else None):
        if attempt is None:
            continue
        try:
            return ast.parse(attempt)
        except (SyntaxError, ValueError):
            continue
    return None


def _node_span(node: ast.AST, offset: int, shift: int) -> Optional[tuple[int, int, int, int]]:
    """(line, byte column, end line, end byte column) of a node, in the lines of the whole code."""
    if getattr(node, "end_lineno", None) is None:
        return None
    return (offset + node.lineno - 1, node.col_offset + shift, offset + node.end_lineno - 1, node.end_col_offset + shift)


def _alias_spans(alias: ast.alias, offset: int, shift: int, name: str) -> dict:
    """``span`` (``name as asname``) and ``token`` (``name``) of an import's alias."""
    span = _node_span(alias, offset, shift)
    if span is None:
        return {}
    return {"span": span, "token": (span[0], span[1], span[0], span[1] + len(name.encode("utf-8")))}


def _listdir(d: str) -> list[str]:
    try:
        return os.listdir(d)
    except OSError:
        return []


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _absolute(node: ast.ImportFrom, package: str) -> Optional[str]:
    if node.level == 0:
        return node.module
    base = package.split(".") if package else []
    if node.level - 1 > len(base):
        return None
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else [])) or None


def _any_unknown(env: Environment, module: str) -> bool:
    """A missing dotted module whose parent is unknown (compiled, __getattr__): don't reject."""
    parts = module.split(".")
    for i in range(len(parts) - 1, 0, -1):
        parent = ".".join(parts[:i])
        where = env.locate(parent)
        if where is not None:
            return where[0] == "compiled" or env.names(parent) is None
    return False


# -- where the search path comes from -------------------------------------------------------------
class EnvironmentUnavailable(RuntimeError):
    """The trusted interpreter could not be run or did not answer (the message says why)."""


def stdlib_paths(base: Optional[Path] = None, version: Optional[tuple[int, int]] = None) -> list[str]:
    """The standard library directories: the server interpreter's, or those of a base install
    ``base`` (a prefix holding ``lib/pythonX.Y``) for ``version``."""
    if base is None:
        stdlib = sysconfig.get_paths()["stdlib"]
    else:
        stdlib = str(base / "lib" / f"python{version[0]}.{version[1]}")
    out = [stdlib, os.path.join(stdlib, "lib-dynload")]
    return [p for p in out if os.path.isdir(p)]


def from_interpreter(python: str, timeout: float = 10.0) -> Environment:
    """Run a TRUSTED interpreter once (isolated mode, no stdin) to read its sys.path;
    :class:`EnvironmentUnavailable` when it cannot be run or does not answer in ``timeout``."""
    try:
        out = subprocess.run([python, "-I", "-c", _PATH_SCRIPT], capture_output=True, text=True, timeout=timeout,
                             check=True, stdin=subprocess.DEVNULL)
        answer = json.loads(out.stdout.strip().splitlines()[-1])
        paths = [p for p in answer["path"] if isinstance(p, str) and p and os.path.isdir(p)]
        stdlib = tuple(os.path.abspath(p) for p in (answer["stdlib"], os.path.join(answer["stdlib"], "lib-dynload"))
                       if os.path.isdir(p))
        builtins = frozenset(answer["builtins"])
    except subprocess.TimeoutExpired:
        raise EnvironmentUnavailable(f"{python} did not print its sys.path within {timeout:g} s") from None
    except subprocess.CalledProcessError as exc:
        raise EnvironmentUnavailable(f"{python} exited with status {exc.returncode}: {exc.stderr.strip()[-300:]}") from None
    except (OSError, ValueError, IndexError, KeyError, TypeError) as exc:
        raise EnvironmentUnavailable(f"cannot read the sys.path of {python}: {exc}") from None
    return Environment(tuple(paths), description=f"the environment of {python}", python=python, stdlib=stdlib,
                       builtins=builtins)


_PATH_SCRIPT = ("import json, sys, sysconfig; print(json.dumps({'path': sys.path, 'stdlib': sysconfig.get_paths()['stdlib'], "
                "'builtins': sorted(sys.builtin_module_names)}))")


def from_venv(venv: str) -> Optional[Environment]:
    """A virtual environment read statically (pyvenv.cfg + site-packages, never run), with the
    standard library of its base interpreter (``home``), or the server's when the versions match;
    without a standard library it is incomplete."""
    root = Path(venv)
    try:
        cfg = (root / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    m = re.search(r"^version(?:_info)?\s*=\s*(\d+)\.(\d+)", cfg, re.M)
    site = sorted(root.glob("lib/python*/site-packages")) + sorted(root.glob("Lib/site-packages"))
    if m:
        wanted = root / "lib" / f"python{m.group(1)}.{m.group(2)}" / "site-packages"
        site = [wanted] if wanted.is_dir() else site
    paths = [str(p) for p in site]
    stdlib: list[str] = []
    if m is not None:
        version = (int(m.group(1)), int(m.group(2)))
        home = re.search(r"^home\s*=\s*(.+?)\s*$", cfg, re.M)
        if home:
            stdlib = stdlib_paths(Path(home.group(1)).parent, version)
        if not stdlib and version == sys.version_info[:2]:
            stdlib = stdlib_paths()
    return Environment(tuple(stdlib + paths), description=f"the virtual environment {root} (read, not run)",
                       complete=bool(stdlib), **_server_python_for(stdlib))


def _server_python_for(stdlib: Sequence[str]) -> dict:
    """The server's own interpreter may import standard-library modules for an environment whose
    standard library is the server's (never the venv's interpreter: a workspace's program)."""
    own = [os.path.abspath(p) for p in stdlib_paths()]
    if stdlib and [os.path.abspath(p) for p in stdlib] == own:
        return {"python": sys.executable, "stdlib": tuple(own)}
    return {}


def server_stdlib() -> Environment:
    """The server interpreter's standard library alone: an incomplete environment."""
    return Environment(tuple(stdlib_paths()), complete=False, **_server_python_for(stdlib_paths()),
                       description=f"the standard library of Python {sys.version_info[0]}.{sys.version_info[1]} only")


def discover(workspace: Optional[str] = None, python: Optional[str] = None, *, search_up: bool = False,
             environ: Optional[Mapping[str, str]] = None) -> Environment:
    """The environment to judge against: ``python`` (trusted: the CLI's ``--python``), else
    ``$JUMPCODER_PYTHON`` (``environ``, default the process's), both run once
    (:class:`EnvironmentUnavailable` if that fails); else a ``.venv``/``venv`` in ``workspace``
    (``search_up``: or in a folder above it; ``workspace`` may be a file) read statically; else
    the server's standard library (incomplete: :attr:`Environment.complete` is False)."""
    python = python or (os.environ if environ is None else environ).get(PYTHON_ENV) or None
    if python:
        return from_interpreter(python)
    if workspace:
        start = Path(workspace).resolve()
        folders = [start] + (list(start.parents) if search_up else [])
        for folder in folders:
            for name in (".venv", "venv"):
                env = from_venv(str(folder / name))
                if env is not None:
                    return env
    return server_stdlib()
