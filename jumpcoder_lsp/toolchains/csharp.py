"""C#: does a ``using`` name a namespace (or, ``using static``, a type) of the installed .NET?

The assemblies are the machine's: Mono's (the ``mono`` / ``mcs`` on ``PATH``: ``lib/mono/4.5``,
its ``Facades`` and the GAC) and the .NET SDK's reference packs (the ``dotnet`` on ``PATH``:
``packs/*.Ref/*/ref/*/*.dll``). Their namespaces and public type names are read from the
ECMA-335 metadata of each file (:func:`read_assembly`: the PE file's CLI header, the ``#~`` and
``#Strings`` streams, the TypeDef table) in this process -- nothing is run; cached on disk per
set of files (paths, sizes, times).

Judged: ``using N;``, ``using static T;``, ``using A = N.T;`` and their ``global`` forms, for
names under ``System`` and ``Microsoft`` only (others come from packages and projects: unknown).
A name is missing when no assembly has it (a namespace counts when any assembly's namespace is it
or below it) and

* the workspace's own ``.cs`` files do not declare it (``namespace System.Polyfills``);
* no package the project uses is a prefix of it or has it as a prefix (``PackageReference``,
  ``packages.config``, ``obj/project.assets.json``; with package references but no restored
  ``project.assets.json`` the packages' namespaces are unknown, so nothing is called missing);
* a ``Microsoft.X`` name's ``Microsoft.X`` is a namespace of the assemblies (``Microsoft.Win32``;
  ``Microsoft.Extensions.*`` are packages: unknown);
* the project does not target a .NET (``net5.0`` and later, ``netcoreapp``) whose reference pack
  is not installed (a Mono-only machine does not know .NET 8's namespaces: unknown).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .common import Problem, cached, judged_lines, project_root, walk_files

ROOT_MARKERS = ("*.csproj", "*.sln", "Directory.Build.props", "global.json", ".git")
_USING = re.compile(r"^\s*(global\s+)?using\s+(static\s+)?(?:(@?[A-Za-z_]\w*)\s*=\s*)?((?:global::)?[A-Za-z_][\w.]*)"
                    r"\s*(<[^;]*>)?\s*;")
_NAMESPACE_DECL = re.compile(r"^\s*namespace\s+([A-Za-z_][\w.]*)", re.M)
_EXTENSION = re.compile(r"\bstatic\s+[^;{}()=]*?\b([A-Za-z_]\w*)\s*(?:<[^>]*>)?\s*\(\s*this\s")
_GLOBAL_USING = re.compile(r"^\s*global\s+using\s+(?!static\b)(?:[A-Za-z_]\w*\s*=\s*)?(?:global::)?([A-Za-z_][\w.]*)\s*;", re.M)


# -- ECMA-335 metadata --------------------------------------------------------------------------
def read_assembly(path: str) -> dict[str, list[str]]:
    """{namespace: [public top-level type names, generic arity dropped]} of a .NET assembly
    (every top-level TypeDef's namespace is listed, public or not); {} when it is not one."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] != b"MZ":
        return {}
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        return {}
    n_sections, opt_size = struct.unpack_from("<H", data, pe + 6)[0], struct.unpack_from("<H", data, pe + 20)[0]
    opt = pe + 24
    magic = struct.unpack_from("<H", data, opt)[0]
    dirs = opt + (96 if magic == 0x10B else 112)
    cli_rva = struct.unpack_from("<I", data, dirs + 14 * 8)[0]
    sections = []
    for s in range(n_sections):
        base = opt + opt_size + 40 * s
        vsize, va, raw_size, raw = struct.unpack_from("<IIII", data, base + 8)
        sections.append((va, max(vsize, raw_size), raw))

    def at(rva: int) -> int:
        for va, size, raw in sections:
            if va <= rva < va + size:
                return rva - va + raw
        raise ValueError("RVA outside the sections")

    if not cli_rva:
        return {}
    cli = at(cli_rva)
    md = at(struct.unpack_from("<I", data, cli + 8)[0])
    if struct.unpack_from("<I", data, md)[0] != 0x424A5342:
        return {}
    vlen = struct.unpack_from("<I", data, md + 12)[0]
    p = md + 16 + vlen
    n_streams = struct.unpack_from("<H", data, p + 2)[0]
    p += 4
    streams = {}
    for _ in range(n_streams):
        off, size = struct.unpack_from("<II", data, p)
        end = data.index(b"\0", p + 8)
        name = data[p + 8:end].decode("ascii", "replace")
        streams[name] = (md + off, size)
        p = p + 8 + ((end - (p + 8)) // 4 + 1) * 4
    tables = streams.get("#~") or streams.get("#-")
    strings = streams.get("#Strings")
    if tables is None or strings is None:
        return {}
    t = tables[0]
    heap_sizes = data[t + 6]
    valid = struct.unpack_from("<Q", data, t + 8)[0]
    rows = [0] * 64
    q = t + 24
    for i in range(64):
        if valid >> i & 1:
            rows[i] = struct.unpack_from("<I", data, q)[0]
            q += 4
    if heap_sizes & 0x40:  # extra data (#- streams)
        q += 4
    s_idx = 4 if heap_sizes & 1 else 2
    g_idx = 4 if heap_sizes & 2 else 2

    def coded(tabs: tuple[int, ...], bits: int) -> int:
        return 2 if max(rows[x] for x in tabs) < (1 << (16 - bits)) else 4

    def simple(tab: int) -> int:
        return 2 if rows[tab] < 65536 else 4

    module_row = 2 + s_idx + 3 * g_idx
    typeref_row = coded((0x00, 0x1A, 0x23, 0x01), 2) + 2 * s_idx
    typedef_row = 4 + 2 * s_idx + coded((0x02, 0x01, 0x1B), 2) + simple(0x04) + simple(0x06)
    q += rows[0] * module_row + rows[1] * typeref_row

    def read_index(pos: int, size: int) -> int:
        return struct.unpack_from("<I" if size == 4 else "<H", data, pos)[0]

    def string(index: int) -> str:
        start = strings[0] + index
        return data[start:data.index(b"\0", start)].decode("utf-8", "replace")

    out: dict[str, set[str]] = {}
    for r in range(rows[2]):
        base = q + r * typedef_row
        flags = struct.unpack_from("<I", data, base)[0]
        visibility = flags & 7
        if visibility > 1:
            continue  # nested
        name = string(read_index(base + 4, s_idx))
        namespace = string(read_index(base + 4 + s_idx, s_idx))
        if not namespace:
            continue  # <Module> and global types
        names = out.setdefault(namespace, set())
        if visibility == 1:
            names.add(name.split("`")[0])
    return {ns: sorted(v) for ns, v in out.items()}


# -- the machine's assemblies -------------------------------------------------------------------
def installed_assemblies(environ=None) -> tuple[list[str], list[str]]:
    """(dll paths, descriptions) of the machine's Mono profile, Facades and GAC and of the .NET
    SDK's reference packs; the ``.NET`` target frameworks whose packs are installed come as
    descriptions ``netX.Y``."""
    environ = os.environ if environ is None else environ
    paths: list[str] = []
    what: list[str] = []
    for tool in ("mono", "mcs", "csc"):
        exe = shutil.which(tool, path=environ.get("PATH"))
        if not exe:
            continue
        prefix = Path(os.path.realpath(exe)).parent.parent / "lib" / "mono"
        if (prefix / "4.5").is_dir():
            paths += sorted(str(p) for p in (prefix / "4.5").glob("*.dll"))
            paths += sorted(str(p) for p in (prefix / "4.5" / "Facades").glob("*.dll"))
            paths += sorted(str(p) for p in (prefix / "gac").glob("*/*/*.dll"))
            what.append(f"Mono ({prefix})")
            break
    exe = shutil.which("dotnet", path=environ.get("PATH"))
    if exe:
        root = Path(os.path.realpath(exe)).parent
        packs = sorted((root / "packs").glob("*.Ref/*/ref/*"))
        for pack in packs:
            paths += sorted(str(p) for p in pack.glob("*.dll"))
            what.append(pack.name)
        if packs:
            what.insert(0, f".NET SDK ({root})")
    return list(dict.fromkeys(paths)), what


def _assemblies_key(paths: list[str]) -> str:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        out.append(f"{p} {st.st_size} {st.st_mtime_ns}")
    return "\n".join(out)


def read_assemblies(paths: list[str]) -> dict[str, list[str]]:
    """The union of :func:`read_assembly` over ``paths`` (files that are not assemblies skipped)."""
    out: dict[str, set[str]] = {}
    for p in paths:
        try:
            answer = read_assembly(p)
        except (OSError, ValueError, struct.error, IndexError):
            continue
        for ns, names in answer.items():
            out.setdefault(ns, set()).update(names)
    return {ns: sorted(v) for ns, v in out.items()}


# -- the workspace -------------------------------------------------------------------------------
@dataclass
class Project:
    """What a C# workspace's files say (read, never built)."""

    root: Path
    namespaces: frozenset[str]  # declared by its .cs files
    global_usings: frozenset[str]  # ``global using N;`` of its .cs files
    packages: frozenset[str]  # package ids (PackageReference, packages.config, project.assets.json)
    unrestored: bool  # package references without a project.assets.json: their namespaces unknown
    frameworks: frozenset[str]  # TargetFramework(s)
    implicit_usings: bool  # an SDK-style project with <ImplicitUsings>enable</ImplicitUsings>
    sdk_style: bool
    complete: bool = True  # the walk read every file
    #: project folder (relative, "" for the root) -> its .csproj text (+ Directory.Build.props above it)
    projects: dict = field(default_factory=dict)
    #: .cs file (relative) -> the namespaces of its ``global using`` lines
    file_usings: dict = field(default_factory=dict)
    extension_methods: frozenset = frozenset()  # names of the extension methods its .cs files declare


def read_project(root: Path, limit: int = 20000) -> Project:
    files, complete = walk_files(root, limit, (".cs", ".csproj", "packages.config", "project.assets.json", ".props"))
    namespaces, usings, packages, frameworks = set(), set(), set(), set()
    projects, props, file_usings, methods = {}, {}, {}, set()
    unrestored = implicit = sdk = False
    assets = [f for f in files if f.endswith("project.assets.json")]
    for rel in assets:
        try:
            import json

            data = json.loads((root / rel).read_text(encoding="utf-8", errors="replace"))
            packages.update(k.split("/")[0] for k in (data.get("libraries") or {}))
        except (OSError, ValueError, AttributeError):
            continue
    for rel in files:
        path = root / rel
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if rel.endswith(".cs"):
            namespaces.update(_NAMESPACE_DECL.findall(text))
            found = _GLOBAL_USING.findall(text)
            usings.update(found)
            if found:
                file_usings[rel] = frozenset(found)
            methods.update(_EXTENSION.findall(text))
        elif rel.endswith((".csproj", ".props")):
            folder = rel.rpartition("/")[0]
            if rel.endswith(".csproj"):
                projects[folder] = projects.get(folder, "") + text
            elif rel.rpartition("/")[2] == "Directory.Build.props":
                props[folder] = text
            refs = re.findall(r"<PackageReference\s+(?:Include|Update)\s*=\s*\"([^\"]+)\"", text)
            packages.update(refs)
            if refs and not assets:
                unrestored = True
            frameworks.update(f.strip().lower() for m in re.findall(r"<TargetFrameworks?>([^<]+)<", text)
                              for f in m.split(";") if f.strip())
            sdk = sdk or bool(re.search(r"<Project\s[^>]*Sdk\s*=", text))
            implicit = implicit or bool(re.search(r"<ImplicitUsings>\s*(enable|true)\s*<", text, re.I))
            usings.update(re.findall(r"<Using\s+Include\s*=\s*\"([^\"]+)\"", text))
        elif rel.endswith("packages.config"):
            packages.update(re.findall(r"<package\s+id\s*=\s*\"([^\"]+)\"", text))
    for folder in list(projects):  # Directory.Build.props of the folder or above it applies
        above = [f for f in props if f == "" or folder == f or folder.startswith(f + "/")]
        projects[folder] = "".join(props[f] for f in sorted(above, key=len)) + projects[folder]
    return Project(root, frozenset(namespaces), frozenset(usings), frozenset(packages), unrestored,
                   frozenset(frameworks), implicit, sdk, complete, projects, file_usings, frozenset(methods))


#: the namespaces ``<ImplicitUsings>enable</ImplicitUsings>`` brings with Microsoft.NET.Sdk (all its
#: variants: Web, Worker, WindowsDesktop add others, never fewer)
SDK_IMPLICIT_USINGS = frozenset({"System", "System.Collections.Generic", "System.IO", "System.Linq",
                                 "System.Net.Http", "System.Threading", "System.Threading.Tasks"})


def visible_usings(project: Optional[Project], path: Optional[str]) -> Optional[frozenset]:
    """The namespaces the file at ``path`` sees without a ``using`` line of its own: the global
    usings of its project's .cs files, the project's ``<Using Include>`` items and, with
    ``<ImplicitUsings>`` enabled (in the .csproj or a Directory.Build.props above it), the SDK's.
    ``frozenset()`` for a file of no project at all (compiled alone, as mcs/csc do); None when it
    cannot be told (the walk did not read every file, the file is in no project of a workspace
    that has projects, or lies outside the workspace)."""
    if project is None:
        return frozenset()
    if not project.complete:
        return None
    if not project.projects:
        return frozenset(project.global_usings)  # a folder of loose files (compiled together or not)
    if path is None:
        return None
    try:
        rel = Path(path).resolve().relative_to(project.root).as_posix()
    except ValueError:
        return None
    folder = rel.rpartition("/")[0]
    owner = next((f for f in sorted(project.projects, key=len, reverse=True)
                  if f == "" or folder == f or folder.startswith(f + "/")), None)
    if owner is None:
        return None
    text = project.projects[owner]
    out = {ns for f, found in project.file_usings.items() if owner == "" or f.startswith(owner + "/") for ns in found}
    flags = re.findall(r"<ImplicitUsings>\s*(\w+)\s*<", text, re.I)
    if flags and flags[-1].lower() in ("enable", "true"):
        out |= SDK_IMPLICIT_USINGS
    out |= set(re.findall(r"<Using\s+Include\s*=\s*\"([\w.]+)\"\s*/?>", text))
    out -= set(re.findall(r"<Using\s+Remove\s*=\s*\"([\w.]+)\"", text))
    return frozenset(out)


def _modern(framework: str) -> bool:
    """``net5.0`` and later, ``netcoreapp3.1``: a .NET (not .NET Framework, not netstandard)."""
    m = re.match(r"net(\d+)\.\d", framework)
    return framework.startswith("netcoreapp") or bool(m and int(m.group(1)) >= 5)


# -- the environment ------------------------------------------------------------------------------
@dataclass
class CSharpEnvironment:
    """The installed assemblies' namespaces and types (+ the project's)."""

    namespaces: dict[str, list[str]]
    description: str = ""
    project: Optional[Project] = None
    #: the installed .NET reference packs (``net8.0``...): a project targeting another is unknown
    packs: frozenset[str] = frozenset()
    complete: bool = True
    #: what the engine hands the C# analysis (languages/csharp.py ``undefined_names(project=...)``):
    #: set by :meth:`for_file`; empty: the file's project is not known
    analysis_context: dict = field(default_factory=dict)
    _prefixes: set = field(default_factory=set, repr=False, compare=False)

    def for_file(self, path: Optional[str]) -> "CSharpEnvironment":
        """The same environment for the file at ``path``, with what its project makes visible
        (:func:`visible_usings`) for the analysis (LINQ calls without ``using System.Linq;``)."""
        from ..languages.csharp import ProjectUsings

        visible = visible_usings(self.project, path)
        env = CSharpEnvironment(self.namespaces, self.description, self.project, self.packs, self.complete,
                                _prefixes=self._prefixes)
        if visible is not None:
            p = self.project
            env.analysis_context = {"project": ProjectUsings(
                visible, p.namespaces if p else frozenset(), p.extension_methods if p else frozenset())}
        return env

    def __post_init__(self):
        if self._prefixes:
            return
        for ns in self.namespaces:
            parts = ns.split(".")
            self._prefixes.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))

    def is_namespace(self, name: str) -> bool:
        return name in self._prefixes

    def is_type(self, dotted: str) -> bool:
        ns, _, name = dotted.rpartition(".")
        return name in self.namespaces.get(ns, ())

    def judged(self, name: str) -> bool:
        """Whether a missing ``name`` would be certain: under ``System`` / ``Microsoft.X`` of the
        assemblies, not the project's own nor a package's, and the project's framework is known."""
        parts = name.split(".")
        if parts[0] == "System":
            pass
        elif parts[0] == "Microsoft" and len(parts) > 1 and self.is_namespace(".".join(parts[:2])):
            pass
        else:
            return False
        p = self.project
        if p is not None:
            if p.unrestored:
                return False
            if any(_related(name, n) for n in p.namespaces) or any(_related(name, k) for k in p.packages):
                return False
            if any(_modern(f) and f.split("-")[0] not in self.packs for f in p.frameworks):
                return False
        return True

    def resolves(self, target: str, static: bool) -> Optional[bool]:
        """``using target;`` (a namespace; a type is an error too, but not a missing name),
        ``using static target;`` (a type, or a nested one: its outer type) or an alias target."""
        target = target.removeprefix("global::")
        if self.is_namespace(target) or self.is_type(target):
            return True
        # a nested type (System.Environment.SpecialFolder): its outer type must exist
        parts = target.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            if self.is_type(".".join(parts[:cut])):
                return None
        return False if self.judged(target) else None

    def problems(self, code: str, lines: Optional[Iterable[int]] = None) -> list[Problem]:
        """The ``using`` lines among ``lines`` (0-based; all: None) of ``code`` naming a
        ``System``/``Microsoft`` namespace or type that no installed assembly has."""
        out = []
        for i, text in judged_lines(code, lines):
            m = _USING.match(text)
            if m is None:
                continue
            target = m.group(4)
            if self.resolves(target, bool(m.group(2))) is False:
                out.append(Problem(i, target, f"'{target}' is in no assembly of {self.description}"))
        return out


def _related(name: str, other: str) -> bool:
    """``name`` is ``other``, under it or above it (``System.Text.Json`` and the package
    ``System.Text.Json.Extensions``)."""
    a, b = name.lower(), other.lower()
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def discover(workspace: Optional[str] = None, *, search_up: bool = False, environ=None) -> Optional[CSharpEnvironment]:
    """The environment of the machine's .NET assemblies (None when none is installed), with the
    project of ``workspace`` (``search_up``: the root above a file's folder)."""
    paths, what = installed_assemblies(environ)
    if not paths:
        return None
    namespaces = cached("dotnet-namespaces", _assemblies_key(paths), lambda: read_assemblies(paths))
    if not namespaces:
        return None
    root = project_root(workspace, ROOT_MARKERS, search_up=search_up)
    project = read_project(root) if root is not None else None
    packs = frozenset(w for w in what if re.match(r"net\d", w))
    return CSharpEnvironment(namespaces, description=", ".join(w for w in what if not re.match(r"net\d", w)),
                             project=project, packs=packs)
