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


@dataclass
class Environment:
    """A Python environment, as a search path; caches per (module, file mtime)."""

    paths: tuple[str, ...]
    description: str = ""
    #: whether ``paths`` are the whole environment (an interpreter's sys.path, a venv with its base
    #: stdlib): only then is a top-level module that is not found missing rather than unknown
    complete: bool = True
    _locate: dict = field(default_factory=dict, repr=False, compare=False)
    _names: dict = field(default_factory=dict, repr=False, compare=False)
    _exported: dict = field(default_factory=dict, repr=False, compare=False)

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
        if top in sys.builtin_module_names and not rest:
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
        """The names a module's source defines at top level (None: unknown)."""
        where = self.locate(module)
        if where is None or where[0] != "source":
            return None if where is None or where[0] == "compiled" else set()
        path = where[1]
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
        for stmt in _top_level(tree.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if stmt.name == "__getattr__":
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
        names.update({"__name__", "__file__", "__doc__", "__path__", "__spec__", "__loader__", "__package__",
                      "__dict__", "__builtins__"})
        self._exported[(module, path)] = exported
        return names

    def star_names(self, module: str) -> Optional[set[str]]:
        """The names ``from module import *`` binds (public names and what ``__all__`` lists;
        None: unknown)."""
        names = self.names(module)
        if names is None:
            return None
        where = self.locate(module)
        exported = self._exported.get((module, where[1]), set()) if where else set()
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
    def problems(self, code: str, lines: Optional[Iterable[int]] = None) -> list[Problem]:
        """Imports and ``module.attr`` uses in ``code`` that definitely do not resolve. ``lines``
        (0-based): report only problems on these lines (the rest is context). Code that does not
        parse is checked line by line (a candidate line inside a partial function)."""
        want = set(lines) if lines is not None else None
        try:
            trees = [(0, ast.parse(code))]
        except SyntaxError:
            trees = []
            for i, text in enumerate(code.splitlines()):
                if want is not None and i not in want:
                    continue
                try:
                    trees.append((i, ast.parse(text.strip())))
                except SyntaxError:
                    continue
        out: list[Problem] = []
        for offset, tree in trees:
            for p in self._check(tree, offset):
                if want is None or p.line in want:
                    out.append(p)
        return out

    def _check(self, tree: ast.AST, offset: int) -> list[Problem]:
        out: list[Problem] = []
        aliases: dict[str, str] = {}  # local name -> module it binds
        for node in ast.walk(tree):
            line = offset + getattr(node, "lineno", 1) - 1
            if isinstance(node, ast.Import):
                for a in node.names:
                    if self.resolves(a.name) is False:
                        out.append(Problem(line, a.name, f"No module named '{a.name}' in {self.description or 'the environment'}"))
                    elif a.asname:
                        aliases[a.asname] = a.name
                    else:
                        aliases[a.name.partition(".")[0]] = a.name.partition(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if self.resolves(node.module) is False:
                    out.append(Problem(line, node.module, f"No module named '{node.module}' in {self.description or 'the environment'}"))
                    continue
                for a in node.names:
                    if a.name != "*" and self.defines(node.module, a.name) is False:
                        out.append(Problem(line, f"{node.module}.{a.name}", self._missing(node.module, a.name)))
                    elif a.name != "*" and self.locate(f"{node.module}.{a.name}") is not None:
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                    and isinstance(node.ctx, ast.Load):
                module = aliases[node.value.id]
                if self.defines(module, node.attr) is False:
                    out.append(Problem(offset + node.lineno - 1, f"{module}.{node.attr}", self._missing(module, node.attr)))
        return out

    def _missing(self, module: str, name: str) -> str:
        top = module.partition(".")[0]
        version = self.version(top)
        where = f"{top} {version}" if version else (self.description or "the environment")
        return f"'{module}' has no attribute '{name}' in the installed version ({where})"


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
                isinstance(node.value, ast.Attribute) and node.value.attr == "modules":
            return True  # sys.modules[...] = ...
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
        out = subprocess.run([python, "-I", "-c", "import sys, json; print(json.dumps(sys.path))"],
                             capture_output=True, text=True, timeout=timeout, check=True, stdin=subprocess.DEVNULL)
        paths = [p for p in json.loads(out.stdout.strip().splitlines()[-1]) if isinstance(p, str) and p and os.path.isdir(p)]
    except subprocess.TimeoutExpired:
        raise EnvironmentUnavailable(f"{python} did not print its sys.path within {timeout:g} s") from None
    except subprocess.CalledProcessError as exc:
        raise EnvironmentUnavailable(f"{python} exited with status {exc.returncode}: {exc.stderr.strip()[-300:]}") from None
    except (OSError, ValueError, IndexError) as exc:
        raise EnvironmentUnavailable(f"cannot read the sys.path of {python}: {exc}") from None
    return Environment(tuple(paths), description=f"the environment of {python}")


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
                       complete=bool(stdlib))


def server_stdlib() -> Environment:
    """The server interpreter's standard library alone: an incomplete environment."""
    return Environment(tuple(stdlib_paths()), complete=False,
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
