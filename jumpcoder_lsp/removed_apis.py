"""Removed APIs in the buffer (issue 17): each import that does not resolve and each
``module.attr`` / ``from module import name`` that the installed version lacks, with a message
naming the installed version, and the replacement where the library's own deprecation notes or
the curated table (:mod:`.removed_apis_table`) give one. The one owner of the rule: the server's
diagnostics, its code action and ``benchmarks/removed_apis.py`` all call :func:`check`.

Nothing is imported or run: the facts come from :class:`~.environment.Environment` (source read
with :mod:`ast`), the notes from the installed package's source read the same way
(:func:`library_notes`: NumPy's ``numpy/_expired_attrs_2_0.py`` ``__expired_attributes__`` and
``numpy/__init__.py``'s ``__former_attrs__``; any package's ``__init__.py`` or
``_expired_attrs*.py`` dict of that shape). Unknown (the environment cannot tell) is no finding.

Spans are (0-based line, UTF-8 byte column, end line, end byte column) in the checked code, as
:mod:`ast` gives them; the server turns them into LSP positions.
"""

from __future__ import annotations

import ast
import builtins
import os
import re
import string
from dataclasses import dataclass
from typing import Any, Optional

from .environment import Environment, Problem, _top_level
from .removed_apis_table import RUNTIME_ATTRIBUTES, RUNTIME_PREFIXES, TABLE

Span = tuple[int, int, int, int]

#: the module-level dicts ``{removed name: note}`` a package's source may hold
NOTE_DICTS = ("__expired_attributes__", "__former_attrs__", "__expired_functions__", "__deprecated_attrs__")
_NOTE_FILES = re.compile(r"^_expired_attrs(?:_(\d+)_(\d+))?\.py$")


@dataclass(frozen=True)
class Note:
    """What a library (or the curated table) says of a removed name."""

    name: str  # dotted: numpy.float_
    text: str  # the note, short: "removed in numpy 2.0: Use `np.float64` instead."
    replacements: tuple[str, ...]  # dotted names (or builtins) the note names as the replacement, preferred first
    source: str  # where the note comes from: a file of the installed package, or the table's reference


@dataclass(frozen=True)
class Fix:
    replacement: str  # what the name becomes, as written in the buffer (np.float64)
    edits: tuple[tuple[Span, str], ...]  # (span, new text); an inserted import has an empty span
    preferred: bool = False
    target: str = ""  # the dotted name it stands for (numpy.float64, float)


@dataclass(frozen=True)
class Finding:
    problem: Problem
    message: str
    note: Optional[Note]
    fixes: tuple[Fix, ...]


# -- the library's own notes, read statically ------------------------------------------------------
_NOTES_CACHE: dict = {}


def library_notes(env: Environment, package: str) -> dict[str, Note]:
    """``{dotted name: Note}`` from an installed package's own deprecation notes (its
    ``__init__.py`` and ``_expired_attrs*.py``), read with :mod:`ast`, never imported; cached per
    file and mtime."""
    where = env.locate(package)
    if where is None or where[0] != "source":
        return {}
    init = where[1][:-1] if where[1].endswith(".pyi") else where[1]
    if not os.path.basename(init).startswith("__init__.") or not os.path.isfile(init):
        return {}
    folder = os.path.dirname(init)
    files = [init] + sorted(os.path.join(folder, f) for f in _listdir(folder) if _NOTE_FILES.match(f))
    out: dict[str, Note] = {}
    for path in files:
        try:
            key = (path, os.stat(path).st_mtime_ns)
        except OSError:
            continue
        if key not in _NOTES_CACHE:
            _NOTES_CACHE[key] = _read_notes(env, package, path)
        out.update({n: v for n, v in _NOTES_CACHE[key].items() if n not in out})
    return out


def _read_notes(env: Environment, package: str, path: str) -> dict[str, Note]:
    try:
        tree = ast.parse(_read_source(path))
    except (SyntaxError, ValueError, OSError):
        return {}
    m = _NOTE_FILES.match(os.path.basename(path))
    removed_in = f"removed in {package} {m.group(1)}.{m.group(2)}" if m and m.group(1) else ""
    consts: dict[str, Any] = {}
    notes: dict[str, Note] = {}
    for stmt in _top_level(tree.body):
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        name = stmt.targets[0].id
        value = _evaluate(stmt.value, consts)
        if value is _UNKNOWN:
            consts.pop(name, None)
            continue
        consts[name] = value
        if name in NOTE_DICTS and isinstance(value, dict):
            for removed, message in value.items():
                if isinstance(removed, str) and isinstance(message, str):
                    dotted = f"{package}.{removed}"
                    text = _short(message, removed)
                    notes[dotted] = Note(dotted, f"{removed_in}: {text}" if removed_in and text else removed_in or text,
                                         _replacements(env, package, removed, message), path)
    return notes


def _short(message: str, name: str) -> str:
    """The note without the "module 'x' has no attribute 'y'" line, its first two sentences."""
    text = re.sub(r"\s+", " ", message).strip()
    text = re.sub(r"^module '[\w.]+' has no attribute '\w+'\.\s*", "", text)
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return " ".join(sentences[:2])[:240]


_REPLACEMENT = re.compile(r"(?:[Uu]se(?: the)?|[Aa]vailable (?:as|under|(from))) `([A-Za-z_][\w.]*)`"
                          r"(?=(?:\s+builtin)?\s*(?:instead\s*(?:[.;]|$)|by itself|here\b|\.|$))")


def _replacements(env: Environment, package: str, removed: str, message: str) -> tuple[str, ...]:
    """The dotted names a note names as the replacement ("Use `np.float64` instead.", "use
    `float` by itself", "still available as `np.lib.add_newdoc`"), the package's abbreviation
    (``np.``) spelt out, kept only when they exist in the environment."""
    out: list[str] = []
    for m in _REPLACEMENT.finditer(message):
        dotted = m.group(2).rstrip(".") + (f".{removed}" if m.group(1) else "")  # "available from `np.lib`"
        top, _, rest = dotted.partition(".")
        if rest and not _is_builtin(top) and env.locate(top) is None:
            dotted = f"{package}.{rest}"  # the package's own abbreviation in its notes (np.)
        if dotted not in out and exists(env, dotted):
            out.append(dotted)
    return tuple(out)


def note_for(env: Environment, problem: Problem) -> Optional[Note]:
    """The note on a removed name: the library's own (its installed source), else the table's."""
    entry = TABLE.get(problem.name)
    if problem.kind == "name":
        top = problem.module.partition(".")[0]
        note = library_notes(env, top).get(problem.name) if problem.module == top else None
        if note is not None:
            if entry is not None and entry[0] is None:  # the table adds when (NumPy's notes on its
                # builtin aliases do not say they went in 1.24)
                return Note(note.name, f"{entry[1]}; {note.text}", note.replacements, note.source)
            return note
    if entry is None:
        return None
    replacement, text, source = entry
    return Note(problem.name, text, (replacement,) if replacement and exists(env, replacement) else (), source)


def exists(env: Environment, dotted: str) -> bool:
    """Whether a dotted name certainly exists: a builtin (``float``, ``str.maketrans``), a module,
    or an attribute its module defines."""
    parts = dotted.split(".")
    if _is_builtin(parts[0]) and env.locate(parts[0]) is None:
        return _has_chain(builtins, parts)
    split = module_of(env, dotted)
    if split is None:
        return False
    module, rest = split
    if not rest:
        return True
    known = env.defines(module, rest[0])
    return known is True or (known is None and rest[0] in _bound_in_source(env, module))


_BOUND_CACHE: dict = {}


def _bound_in_source(env: Environment, module: str) -> set[str]:
    """Names a module's source certainly binds at top level (def, class, assignment, import),
    even where the module's names are unknown (a module-level ``__getattr__`` may add more; it
    takes none away): the positive evidence a replacement needs."""
    where = env.locate(module)
    if where is None or where[0] != "source":
        return set()
    path = where[1][:-1] if where[1].endswith(".pyi") and os.path.isfile(where[1][:-1]) else where[1]
    try:
        key = (path, os.stat(path).st_mtime_ns)
    except OSError:
        return set()
    if key not in _BOUND_CACHE:
        names: set[str] = set()
        try:
            tree = ast.parse(_read_source(path))
        except (SyntaxError, ValueError, OSError):
            tree = None
        for stmt in _top_level(tree.body) if tree is not None else ():
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(stmt.name)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                names.update(a.asname or a.name.partition(".")[0] for a in stmt.names if a.name != "*")
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        _BOUND_CACHE[key] = names
    return _BOUND_CACHE[key]


def _has_chain(obj: Any, parts: list[str]) -> bool:
    for p in parts:
        if not hasattr(obj, p):
            return False
        obj = getattr(obj, p)
    return True


def module_of(env: Environment, dotted: str) -> Optional[tuple[str, list[str]]]:
    """(the longest module prefix of ``dotted`` found in the environment, the attributes after it)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        module = ".".join(parts[:i])
        where = env.locate(module)
        if where is None:
            continue
        if where[0] == "compiled" and i > 1 and (where[1].endswith((".py", ".pyi")) or
                                                 env.locate(".".join(parts[: i - 1])) == where):
            continue  # an attribute of a plain module (os.path's way) or of a compiled one: not a module
        return module, parts[i:]
    return None


def _is_builtin(name: str) -> bool:
    return hasattr(builtins, name) and not name.startswith("_")


# -- the check -------------------------------------------------------------------------------------
def check(env: Environment, code: str) -> list[Finding]:
    """The removed or missing APIs ``code`` uses, each with its message and fixes. Not reported:
    what is guarded (an import in ``try`` with ``except ImportError``, code under an ``if`` on the
    Python version, the platform or ``hasattr``), an attribute the buffer itself assigns."""
    try:
        tree, blanked = ast.parse(code), []
    except (SyntaxError, ValueError):
        tree, patched, blanked = _tolerant_parse(code)
    if tree is None or not blanked:
        problems = env.problems(code, tree=tree)  # parses, or not even patched: every line alone, no guards known
    else:
        # a buffer being typed: the rest as the patched buffer shows it (its guards known), the lines
        # that do not parse each alone
        problems = [p for p in env.problems(patched, tree=tree) if p.line not in blanked] + \
            env.problems(code, lines=blanked)
    if not problems:
        return []
    facts = _BufferFacts(tree)
    out = []
    for p in problems:
        if p.span is None or facts.guarded(p.line) or p.name in RUNTIME_ATTRIBUTES or p.name.startswith(RUNTIME_PREFIXES) or (
                p.kind == "name" and not p.from_import and p.attr in facts.stored):
            continue
        note = note_for(env, p)
        fixes = _fixes(env, p, note, facts, code) if note is not None else ()
        out.append(Finding(p, message(env, p, note), note, fixes))
    return out


_TOLERANT_TRIES = 8


def _tolerant_parse(code: str) -> tuple[Optional[ast.Module], str, list[int]]:
    """A buffer that does not parse (being typed), parsed with the lines that break it replaced,
    keeping their indentation: by ``pass``, a block header by ``if True:`` (so is a line made
    ``pass`` whose next line is indented); where the replaced line still fails, the line above
    (an open bracket there). (tree, patched code, 0-based lines replaced); the tree
    None when a few replacements do not make it parse. Lines keep their numbers and the other
    lines their columns."""
    lines = _LINE.findall(code)
    blanked: list[int] = []
    for _ in range(_TOLERANT_TRIES):
        text = "".join(lines)
        try:
            return ast.parse(text), text, blanked
        except SyntaxError as exc:
            n = (exc.lineno or 0) - 1
            if exc.msg.startswith("unexpected indent") and blanked and blanked[-1] < n:
                n = blanked[-1]  # the body of a header made ``pass``: make it a block instead
                body = lines[n].rstrip("\r\n")
                lines[n] = body[: len(body) - len(body.lstrip())] + "if True:" + lines[n][len(body):]
                continue
            while n in blanked and n > 0:  # still failing there: an open bracket above (``def f(x``)
                n -= 1
                while n > 0 and not lines[n].strip():
                    n -= 1
            if not 0 <= n < len(lines) or n in blanked:
                break
            body = lines[n].rstrip("\r\n")
            header = body.split("#", 1)[0].rstrip().endswith(":")
            lines[n] = body[: len(body) - len(body.lstrip())] + ("if True:" if header else "pass") + lines[n][len(body):]
            blanked.append(n)
        except ValueError:
            break
    return None, code, []


def message(env: Environment, problem: Problem, note: Optional[Note]) -> str:
    """"'numpy.float' is not in numpy 2.4.6, installed in <the environment> (<the note>)"."""
    where = env.description or "the environment"
    if problem.kind == "module":
        top = problem.module.partition(".")[0]
        version = _version_of(env, top) if top != problem.module else None
        text = f"No module named '{problem.module}' in {version}, installed in {where}" if version else \
            f"No module named '{problem.module}' in {where}"
    else:
        text = f"'{problem.name}' is not in {installed(env, problem.module)}, installed in {where}"
    return f"{text} ({note.text})" if note is not None and note.text else text


def installed(env: Environment, module: str) -> str:
    """"numpy 2.4.6" (the distribution's metadata), "scikit-learn 1.5.2" for ``sklearn`` (the
    distribution whose files hold it), "the standard library of Python 3.11", or "the installed
    version of x"."""
    top = module.partition(".")[0]
    version = _version_of(env, top)
    if version:
        return version
    where = env.locate(top)
    path = os.path.abspath(where[1]) if where and where[1] else ""
    if top in env.builtins or (path and "site-packages" not in path and "dist-packages" not in path and
                               re.search(r"python\d+\.\d+", path)):
        m = next((m for p in (path, *env.stdlib, *env.paths) if (m := re.search(r"python(\d+\.\d+)", p))), None)
        return f"the standard library of Python {m.group(1)}" if m else "the standard library"
    return f"the installed version of {top}"


_DISTRIBUTIONS: dict = {}


def _version_of(env: Environment, top: str) -> Optional[str]:
    """"name version" of the distribution that installs the top-level module ``top``: the one
    named like it, else the one whose ``top_level.txt`` or ``RECORD`` lists it (read, cached per
    search path)."""
    version = env.version(top)
    if version:
        return f"{top} {version}"
    key = tuple((d, _mtime(d)) for d in env.paths)  # a folder's mtime moves when a package is installed
    if key not in _DISTRIBUTIONS:
        found: dict[str, str] = {}
        for d in env.paths:
            for entry in sorted(_listdir(d)):
                if not entry.endswith(".dist-info"):
                    continue
                meta = _read(os.path.join(d, entry, "METADATA"))
                name = re.search(r"^Name:\s*(\S+)", meta, re.M)
                ver = re.search(r"^Version:\s*(\S+)", meta, re.M)
                if not (name and ver):
                    continue
                tops = _read(os.path.join(d, entry, "top_level.txt")).split()
                if not tops:
                    tops = {line.split("/", 1)[0].split(",", 1)[0].removesuffix(".py")
                            for line in _read(os.path.join(d, entry, "RECORD")).splitlines() if line}
                for t in tops:
                    found.setdefault(t, f"{name.group(1)} {ver.group(1)}")
        _DISTRIBUTIONS[key] = found
    return _DISTRIBUTIONS[key].get(top)


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _read_source(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


class _BufferFacts:
    """What the fixes and the filters need of the buffer (when it parses)."""

    def __init__(self, tree: Optional[ast.Module]):
        self.aliases: dict[str, str] = {}  # local name -> the module an import binds to it
        self.imported: set[str] = set()  # modules imported by ``import x.y``
        self.ranges: list[tuple[int, int]] = []  # 0-based line ranges that are guarded
        self.stored: set[str] = set()  # attributes assigned on a name: ``np.foo = ...``
        self.import_line: Optional[int] = None  # where an inserted import goes
        self.from_imports: dict[int, ast.ImportFrom] = {}  # 0-based line -> the from-import there
        self.parsed = tree is not None
        if tree is None:
            return
        future_end = None
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                future_end = stmt.end_lineno
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)) and self.import_line is None:
                self.import_line = stmt.lineno - 1
        if future_end is not None and (self.import_line is None or self.import_line < future_end):
            self.import_line = future_end
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.imported.add(a.name)
                    if a.asname:
                        self.aliases[a.asname] = a.name
                    else:
                        self.aliases[a.name.partition(".")[0]] = a.name.partition(".")[0]
            elif isinstance(node, ast.ImportFrom):
                for line in range(node.lineno - 1, (node.end_lineno or node.lineno)):
                    self.from_imports[line] = node
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                # the try and its handlers: ``try: import cPickle`` / ``except ImportError: import pickle``
                # and the reverse are both deliberate
                if any(_catches_missing(h.type) for h in node.handlers):
                    self.ranges.append((node.lineno - 1, max(h.end_lineno for h in node.handlers) - 1))
            elif isinstance(node, (ast.If, ast.IfExp, ast.While)) and _is_guard(node.test):
                self.ranges.append((node.lineno - 1, node.end_lineno - 1))
            elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) and any(map(_is_guard, node.values[:-1])):
                self.ranges.append((node.lineno - 1, node.end_lineno - 1))  # hasattr(sys, "x") and sys.x()
            elif isinstance(node, ast.With) and any(
                    isinstance(i.context_expr, ast.Call) and _name_of(i.context_expr.func).endswith("suppress")
                    for i in node.items):
                self.ranges.append((node.lineno - 1, node.end_lineno - 1))
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self.stored.add(node.attr)

    def guarded(self, line: int) -> bool:
        return any(a <= line <= b for a, b in self.ranges)

    def alias_for(self, module: str) -> Optional[str]:
        return next((a for a, m in self.aliases.items() if m == module), None)


_MISSING_ERRORS = {"ImportError", "ModuleNotFoundError", "AttributeError", "Exception", "BaseException", "NameError"}
#: what a test that guards platform- or version-specific code mentions
_GUARD_WORDS = re.compile(r"version_info|hexversion|sys\.version|platform|os\.name|TYPE_CHECKING|hasattr|getattr|"
                          r"__version__|\bPY[23]\b|\b(?:IS|HAS)_\w+|_AVAILABLE\b|minversion|Version|parse_version|"
                          r"\b_?(?:[Ww]in(?:32|64|dows|api|reg)?|WIN(?:32|64|DOWS)?|mswindows|MS_WINDOWS)\b|"
                          r"darwin|linux|posix|\bnt\b|java|cygwin|emscripten|wasi|\b_names\b")


def _catches_missing(handler_type: Optional[ast.expr]) -> bool:
    if handler_type is None:
        return True
    names = [handler_type] if not isinstance(handler_type, ast.Tuple) else handler_type.elts
    return any(_name_of(n).rpartition(".")[2] in _MISSING_ERRORS for n in names)


def _is_guard(test: ast.expr) -> bool:
    return bool(_GUARD_WORDS.search(ast.unparse(test)))


def _name_of(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name_of(node.value)}.{node.attr}"
    return ""


def _fixes(env: Environment, p: Problem, note: Note, facts: _BufferFacts, code: str) -> tuple[Fix, ...]:
    out: list[Fix] = []
    for replacement in note.replacements:
        fix = _fix(env, p, replacement, facts)
        if fix is None or any(f.edits == fix.edits for f in out):
            continue
        if p.kind == "name" and not p.from_import and fix.edits[0][0] == p.token:
            # the title reads as the buffer will: the use's own spelling of the module (np.)
            use = _slice(code, p.span)
            cut = len(use.encode("utf-8")) - (p.token[3] - p.token[1])
            fix = Fix(use.encode("utf-8")[:cut].decode("utf-8", "replace") + fix.edits[0][1], fix.edits)
        out.append(Fix(fix.replacement, fix.edits, preferred=not out, target=replacement))
    return tuple(out)


def apply(code: str, edits) -> str:
    """``code`` with a fix's edits applied (spans of the same code, byte columns)."""
    lines = _LINE.findall(code) or [""]
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode("utf-8")))
    data = code.encode("utf-8")
    for span, text in sorted(edits, key=lambda e: (e[0][0], e[0][1]), reverse=True):
        a, b = starts[span[0]] + span[1], starts[span[2]] + span[3]
        data = data[:a] + text.encode("utf-8") + data[b:]
    return data.decode("utf-8")


def _slice(code: str, span: Span) -> str:
    """The text of a span (byte columns) of ``code``."""
    lines = _LINE.findall(code)  # the lines ast counts: \n, \r\n, \r
    if span[0] >= len(lines) or span[2] >= len(lines):
        return ""
    if span[0] == span[2]:
        return lines[span[0]].encode("utf-8")[span[1]:span[3]].decode("utf-8", "replace")
    first = lines[span[0]].encode("utf-8")[span[1]:].decode("utf-8", "replace")
    last = lines[span[2]].encode("utf-8")[:span[3]].decode("utf-8", "replace")
    return first + "".join(lines[span[0] + 1:span[2]]) + last


def _fix(env: Environment, p: Problem, replacement: str, facts: _BufferFacts) -> Optional[Fix]:
    """The edit that replaces the use of ``p.name`` with ``replacement`` (None: no simple one)."""
    if p.kind != "name" or p.token is None or p.span is None:
        return None
    builtin = _is_builtin(replacement.partition(".")[0]) and module_of(env, replacement) is None
    split = None if builtin else module_of(env, replacement)
    if not builtin and (split is None or not split[1]):
        return None
    if p.from_import:
        if builtin or len(split[1]) != 1:
            return None
        module, (name,) = split
        local = p.imported_as or p.attr
        if module == p.module:
            text = name if p.imported_as or name == p.attr else f"{name} as {p.attr}"
            return Fix(f"{name}", ((p.token, text),))
        stmt = facts.from_imports.get(p.line)
        if stmt is None or stmt.lineno != stmt.end_lineno or stmt.col_offset != 0:
            return None  # the module differs: only a one-line import at the left margin is rewritten
        text = f"from {module} import {name}" + (f" as {local}" if local != name else "")
        if len(stmt.names) == 1:
            span = (stmt.lineno - 1, stmt.col_offset, stmt.end_lineno - 1, stmt.end_col_offset)
            return Fix(f"{module}.{name}", ((span, text),))
        # one name of several: take it out of the statement, import it from its module below
        i = next((k for k, a in enumerate(stmt.names) if a.name == p.attr and (a.asname or None) == p.imported_as), None)
        if i is None or any(getattr(a, "end_col_offset", None) is None for a in stmt.names):
            return None
        line, names = stmt.lineno - 1, stmt.names
        cut = ((line, names[i].col_offset, line, names[i + 1].col_offset) if i + 1 < len(names)
               else (line, names[i - 1].end_col_offset, line, names[i].end_col_offset))
        below = (stmt.end_lineno, 0, stmt.end_lineno, 0)
        return Fix(f"{module}.{name}", ((cut, ""), (below, text + "\n")))
    if builtin:
        return Fix(replacement, ((p.span, replacement),))
    module, rest = split
    if module == p.module:
        text = ".".join(rest)
        return Fix(text, ((p.token, text),))
    imports: tuple = ()
    if module.startswith(p.module + "."):
        text = module[len(p.module) + 1:] + "." + ".".join(rest)
        if module not in facts.imported:
            if facts.import_line is None:
                return None
            imports = (((facts.import_line, 0, facts.import_line, 0), f"import {module}\n"),)
        return Fix(text, ((p.token, text),) + imports)
    alias = facts.alias_for(module)
    if alias is None:
        if facts.import_line is None:
            return None
        imports = (((facts.import_line, 0, facts.import_line, 0), f"import {module}\n"),)
        alias = module
    text = f"{alias}.{'.'.join(rest)}"
    return Fix(text, ((p.span, text),) + imports)


# -- a small evaluator for the notes' literal dicts (no code runs) ------------------------------------
_UNKNOWN = object()
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_FIELD = re.compile(r"^\w*$")


def _evaluate(node: ast.AST, consts: dict, depth: int = 0) -> Any:
    """The value of a literal expression: constants, names already evaluated, ``+`` of strings,
    tuples/lists/dicts, ``"...".format(...)`` with plain fields and a dict comprehension over such
    values; anything else is unknown. Nothing of the package runs."""
    if depth > 20:
        return _UNKNOWN
    ev = lambda n: _evaluate(n, consts, depth + 1)  # noqa: E731
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        return node.value
    if isinstance(node, ast.Name):
        return consts.get(node.id, _UNKNOWN)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = ev(node.left), ev(node.right)
        return left + right if isinstance(left, str) and isinstance(right, str) else _UNKNOWN
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [ev(e) for e in node.elts]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else (tuple(items) if isinstance(node, ast.Tuple) else items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            return _UNKNOWN
        keys, values = [ev(k) for k in node.keys], [ev(v) for v in node.values]
        if any(x is _UNKNOWN or isinstance(x, (list, dict)) for x in keys) or any(v is _UNKNOWN for v in values):
            return _UNKNOWN
        return dict(zip(keys, values))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        template = ev(node.func.value)
        if not isinstance(template, str) or any(isinstance(a, ast.Starred) for a in node.args):
            return _UNKNOWN
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        except ValueError:
            return _UNKNOWN
        if not all(_FIELD.match(f) for f in fields):
            return _UNKNOWN  # attribute or index lookups in a field: not evaluated
        args = [ev(a) for a in node.args]
        kwargs = {k.arg: ev(k.value) for k in node.keywords if k.arg}
        if len(kwargs) != len(node.keywords) or any(v is _UNKNOWN or not isinstance(v, (str, int, float))
                                                    for v in [*args, *kwargs.values()]):
            return _UNKNOWN
        try:
            return template.format(*args, **kwargs)
        except (IndexError, KeyError, ValueError):
            return _UNKNOWN
    if isinstance(node, ast.DictComp) and len(node.generators) == 1 and not node.generators[0].ifs:
        gen = node.generators[0]
        items = ev(gen.iter)
        if not isinstance(items, (list, tuple)):
            return _UNKNOWN
        out = {}
        for item in items:
            bound = dict(consts)
            if isinstance(gen.target, ast.Name):
                bound[gen.target.id] = item
            elif isinstance(gen.target, ast.Tuple) and all(isinstance(t, ast.Name) for t in gen.target.elts) and \
                    isinstance(item, (tuple, list)) and len(item) == len(gen.target.elts):
                bound.update({t.id: v for t, v in zip(gen.target.elts, item)})
            else:
                return _UNKNOWN
            key, value = _evaluate(node.key, bound, depth + 1), _evaluate(node.value, bound, depth + 1)
            if key is _UNKNOWN or value is _UNKNOWN or isinstance(key, (list, dict)):
                return _UNKNOWN
            out[key] = value
        return out
    return _UNKNOWN


def _listdir(d: str) -> list[str]:
    try:
        return os.listdir(d)
    except OSError:
        return []
