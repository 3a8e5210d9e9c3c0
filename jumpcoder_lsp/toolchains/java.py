"""Java: does an ``import`` name a package or class of the installed JDK?

The JDK is the one the machine uses: ``$JAVA_HOME``, else the ``javac`` (or ``java``) on
``PATH``, its symbolic links followed. Its classes are read from its module image
(``lib/modules``, the jimage format: :func:`read_jimage`) statically, in this process -- nothing
of the JDK is run; the listing (every package, every class with where its bytes lie) is cached on
disk once per JDK, keyed by its ``release`` file and the image's size and time. A class's access
flags and static members are read from its class file in the image when asked, cached in memory.

What is judged, per ``import`` line (single-type, on-demand ``.*``, ``static``):

* a package the JDK has: its class must be a *public* top-level class of it (``import
  java.util.Lisst;`` is missing), or a nested class of one (``Map.Entry``; an inherited member
  type is unknown); ``import static p.C.m;`` needs ``m`` to be a static field, method or member
  type of ``C`` or of its JDK supertypes (unknown once the chain leaves what the image holds);
* a package the JDK lacks: missing only under the roots that only the JDK may use -- ``java``
  (the JVM refuses other ``java.*`` packages), ``jdk``, ``sun`` (unless the workspace's sources
  or jars have the package); ``javax.xml.bind``, ``javax.servlet``, ``com.sun.jna``,
  ``org.javatuples`` or the project's own packages come from jars: unknown;
* a class missing from a package the JDK has is missing under ``java.``, ``javax.``, ``jdk.``,
  ``sun.``, ``com.sun.`` (a jar may not add classes to a package of a JDK module: javac's
  "package exists in another module"); under ``org.`` (``org.w3c.dom``) unknown.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .common import Problem, cached, judged_lines, project_root, walk_files

#: packages under these roots can only come from the JDK (a jar cannot add a ``java.*`` class)
JDK_ONLY_ROOTS = frozenset({"java", "jdk", "sun"})
#: the JDK's own packages under these prefixes cannot get classes from a jar
SEALED_PREFIXES = ("java.", "javax.", "jdk.", "sun.", "com.sun.")
#: markers of a Java project's root (the CLI looks for one from the file upwards)
ROOT_MARKERS = ("pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts",
                ".classpath", "build.xml", ".git")

_IMPORT = re.compile(r"^\s*import\s+(static\s+)?([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)(\s*\.\s*\*)?\s*;")

_ACC_PUBLIC, _ACC_STATIC = 0x0001, 0x0008


# -- the JDK's module image ---------------------------------------------------------------------
def find_jdk(environ=None) -> Optional[Path]:
    """The JDK home: ``$JAVA_HOME`` (when it has ``lib/modules``), else the one of the ``javac``
    / ``java`` on ``PATH`` (links followed); None when there is none."""
    environ = os.environ if environ is None else environ
    homes = [environ.get("JAVA_HOME")]
    for tool in ("javac", "java"):
        exe = shutil.which(tool, path=environ.get("PATH"))
        if exe:
            homes.append(str(Path(os.path.realpath(exe)).parent.parent))
    for home in homes:
        if home and (Path(home) / "lib" / "modules").is_file():
            return Path(home)
    return None


def read_jimage(path: Path) -> dict[str, dict[str, list[int]]]:
    """The classes of a jimage file (``lib/modules``): {package: {class name (``Map$Entry`` for a
    nested one): [absolute offset, size, compressed size (0: stored plainly)]}}; ``module-info``
    and non-class resources left out. The format (OpenJDK's ``jdk.internal.jimage``): a header
    of seven u4 (magic 0xCAFEDADA, version, flags, resource count, table length, locations size,
    strings size), the redirect and offset tables (table length u4 each), the location
    attributes and the strings; a location is a run of attribute bytes ``kind << 3 | (n - 1)``
    each followed by an n-byte big-endian value, kind 0 ending it."""
    with open(path, "rb") as f:
        head = f.read(28)
        order = "<" if head[:4] == b"\xda\xda\xfe\xca" else ">"
        magic, _version, _flags, _count, table, loc_size, str_size = struct.unpack(order + "7I", head)
        if magic != 0xCAFEDADA:
            raise ValueError(f"{path} is not a jimage file")
        f.seek(28 + 4 * table)
        offsets = struct.unpack(f"{order}{table}I", f.read(4 * table))
        locations = f.read(loc_size)
        strings = f.read(str_size)
    index_size = 28 + 8 * table + loc_size + str_size

    def string(at: int) -> str:
        end = strings.index(b"\0", at)
        return strings[at:end].decode("utf-8", "replace")

    out: dict[str, dict[str, list[int]]] = {}
    for start in offsets:
        attrs = [0] * 8
        i = start
        while i < len(locations):
            byte = locations[i]
            kind, n = byte >> 3, (byte & 7) + 1
            if kind == 0:
                break
            attrs[kind] = int.from_bytes(locations[i + 1:i + 1 + n], "big")
            i += 1 + n
        if string(attrs[4]) != "class":
            continue
        name, parent = string(attrs[3]), string(attrs[2])
        if not parent or name == "module-info":
            continue
        out.setdefault(parent.replace("/", "."), {})[name] = [index_size + attrs[5], attrs[7], attrs[6]]
    return out


def jdk_key(home: Path) -> str:
    """What identifies a JDK's classes: its ``release`` file and its image's size and time."""
    try:
        release = (home / "release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        release = ""
    st = (home / "lib" / "modules").stat()
    return f"{home.resolve()}\n{release}\n{st.st_size} {st.st_mtime_ns}"


@dataclass
class ClassFile:
    """What the judge needs of a class file: access flags, super types, static members."""

    flags: int
    supers: tuple[str, ...]  # binary names (java.lang.Object), superclass first
    statics: frozenset[str]  # static fields and methods


def parse_class(data: bytes) -> ClassFile:
    """Access flags, superclass + interfaces and static member names of a class file."""
    count = struct.unpack_from(">H", data, 8)[0]
    pool: list = [None] * count
    i, k = 10, 1
    while k < count:
        tag = data[i]
        if tag == 1:  # Utf8
            n = struct.unpack_from(">H", data, i + 1)[0]
            pool[k] = data[i + 3:i + 3 + n].decode("utf-8", "replace")
            i += 3 + n
        elif tag == 7:  # Class
            pool[k] = ("class", struct.unpack_from(">H", data, i + 1)[0])
            i += 3
        elif tag in (8, 16, 19, 20):  # String, MethodType, Module, Package
            i += 3
        elif tag == 15:  # MethodHandle
            i += 4
        elif tag in (3, 4, 9, 10, 11, 12, 17, 18):
            i += 5
        elif tag in (5, 6):  # Long, Double: two slots
            i += 9
            k += 1
        else:
            raise ValueError(f"bad constant pool tag {tag}")
        k += 1
    flags, _this, sup, n_if = struct.unpack_from(">HHHH", data, i)
    i += 8
    interfaces = struct.unpack_from(f">{n_if}H", data, i)
    i += 2 * n_if

    def cls(index: int) -> str:
        return pool[pool[index][1]].replace("/", ".")

    statics: set[str] = set()
    for _ in range(2):  # fields, then methods
        n = struct.unpack_from(">H", data, i)[0]
        i += 2
        for _m in range(n):
            acc, name, _desc, n_attr = struct.unpack_from(">HHHH", data, i)
            i += 8
            for _a in range(n_attr):
                i += 6 + struct.unpack_from(">I", data, i + 2)[0]
            if acc & _ACC_STATIC:
                statics.add(pool[name])
    supers = ((cls(sup),) if sup else ()) + tuple(cls(x) for x in interfaces)
    return ClassFile(flags, supers, frozenset(statics))


# -- the environment ----------------------------------------------------------------------------
@dataclass
class JavaEnvironment:
    """The JDK's packages and classes (+ the workspace's packages under the JDK-only prefixes)."""

    image: Path
    classes: dict[str, dict[str, list[int]]]
    description: str = ""
    #: packages under a JDK-only prefix that the workspace's sources or jars have (never missing)
    workspace_packages: frozenset[str] = frozenset()
    complete: bool = True
    _parsed: dict = field(default_factory=dict, repr=False, compare=False)

    def class_file(self, package: str, name: str) -> Optional[ClassFile]:
        """The parsed class ``package.name`` (``Map$Entry`` for a nested one); None: not in the
        image, or stored compressed (then unknown)."""
        key = (package, name)
        if key not in self._parsed:
            where = self.classes.get(package, {}).get(name)
            parsed = None
            if where is not None and not where[2]:
                try:
                    with open(self.image, "rb") as f:
                        f.seek(where[0])
                        parsed = parse_class(f.read(where[1]))
                except (OSError, ValueError, struct.error, IndexError, TypeError):
                    parsed = None
            self._parsed[key] = parsed
        return self._parsed[key]

    def _workspace(self, package: str) -> bool:
        return any(package == w or package.startswith(w + ".") for w in self.workspace_packages)

    def jdk_only(self, package: str) -> bool:
        """Whether only the JDK can provide ``package``: under ``java``, ``jdk`` or ``sun`` (the
        JVM refuses a ``java.*`` class of anyone else) and not one the workspace has."""
        return package.partition(".")[0] in JDK_ONLY_ROOTS and not self._workspace(package)

    def sealed(self, package: str) -> bool:
        """Whether ``package`` is one of the JDK's own (under ``java``, ``javax``, ``jdk``, ``sun``,
        ``com.sun``), which no jar may add classes to (javac: 'package exists in another module'),
        and not one the workspace has."""
        return package in self.classes and package.startswith(SEALED_PREFIXES) and not self._workspace(package)

    def type_resolves(self, dotted: str) -> Optional[bool]:
        """Whether ``dotted`` (``java.util.Map.Entry``) is a type the JDK has and may be imported:
        True, False (definitely not) or None (unknown)."""
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            package = ".".join(parts[:cut])
            if package not in self.classes:
                continue
            top, nested = parts[cut], parts[cut + 1:]
            if top not in self.classes[package]:
                if not nested:
                    return False if self.sealed(package) else None
                break  # ``top`` may be a deeper package the JDK lacks (javax.xml.bind): below
            cf = self.class_file(package, top)
            if cf is not None and not cf.flags & _ACC_PUBLIC:
                return False  # package-private: javac says it cannot be accessed
            if not nested or "$".join([top, *nested]) in self.classes[package]:
                return True
            return None  # perhaps a member type it inherits
        # its package (as written) is none of the JDK's
        return False if self.jdk_only(".".join(parts[:-1])) else None

    def is_package(self, dotted: str) -> bool:
        return dotted in self.classes or any(p.startswith(dotted + ".") for p in self.classes)

    def on_demand_resolves(self, dotted: str) -> Optional[bool]:
        """``import dotted.*;``: a package (one with classes, or a parent of some), or a type."""
        if self.is_package(dotted):
            return True
        answer = self.type_resolves(dotted)
        if answer is True:
            return True
        return False if answer is False and self.jdk_only(dotted) else None

    def static_resolves(self, dotted: str, on_demand: bool) -> Optional[bool]:
        """``import static dotted;`` (``p.C.m``) or ``import static dotted.*;`` (``p.C``)."""
        owner, member = (dotted, None) if on_demand else dotted.rpartition(".")[::2]
        answer = self.type_resolves(owner)
        if answer is not True or member is None:
            return answer
        return self._has_static(owner, member, set())

    def _split(self, dotted: str) -> Optional[tuple[str, str]]:
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            package = ".".join(parts[:cut])
            if package in self.classes:
                return package, "$".join(parts[cut:])
        return None

    def _has_static(self, owner: str, member: str, seen: set) -> Optional[bool]:
        where = self._split(owner.replace("$", "."))
        if where is None or owner in seen:
            return None
        seen.add(owner)
        package, name = where
        cf = self.class_file(package, name)
        if cf is None:
            return None
        if member in cf.statics or f"{name}${member}" in self.classes.get(package, {}):
            return True
        for sup in cf.supers:
            answer = self._has_static(sup, member, seen)
            if answer is not False:
                return answer
        return False

    # -- checking code -------------------------------------------------------------------------
    def problems(self, code: str, lines: Optional[Iterable[int]] = None) -> list[Problem]:
        """The ``import`` lines among ``lines`` (0-based; all: None) of ``code`` that name what
        the JDK definitely lacks."""
        out = []
        for i, text in judged_lines(code, lines):
            m = _IMPORT.match(text)
            if m is None:
                continue
            dotted = re.sub(r"\s+", "", m.group(2))
            static, on_demand = bool(m.group(1)), bool(m.group(3))
            if static:
                answer = self.static_resolves(dotted, on_demand)
            elif on_demand:
                answer = self.on_demand_resolves(dotted)
            else:
                answer = self.type_resolves(dotted)
            if answer is False:
                shown = dotted + (".*" if on_demand else "")
                out.append(Problem(i, shown, f"'{shown}' does not exist in {self.description}"))
        return out


def workspace_packages(root: Optional[Path], limit: int = 20000) -> frozenset[str]:
    """Packages under ``jdk``, ``sun`` and ``javax`` that the workspace's own sources (the
    ``package`` line of a ``.java`` file in a folder of that name) or jars have (``java.*`` cannot
    be anyone else's)."""
    if root is None:
        return frozenset()
    files, _ = walk_files(root, limit, (".java", ".jar"))
    out: set[str] = set()
    for rel in files:
        if rel.endswith(".java"):
            if not any(p in ("jdk", "sun", "javax") for p in rel.split("/")[:-1]):
                continue
            try:
                with open(root / rel, encoding="utf-8", errors="replace") as f:
                    m = re.search(r"^\s*package\s+([\w.]+)\s*;", f.read(4096), re.M)
            except OSError:
                continue
            if m:
                out.add(m.group(1))
            continue
        try:
            with zipfile.ZipFile(root / rel) as jar:
                for entry in jar.namelist():
                    if entry.startswith(("jdk/", "sun/", "javax/")) and entry.endswith(".class"):
                        out.add(entry.rpartition("/")[0].replace("/", "."))
        except (OSError, zipfile.BadZipFile, ValueError):
            continue
    return frozenset(p for p in out if p)


def discover(workspace: Optional[str] = None, *, search_up: bool = False, environ=None) -> Optional[JavaEnvironment]:
    """The environment of the machine's JDK (None when no JDK with a module image is found),
    with the packages of the workspace (``search_up``: the project root above a file's folder)."""
    home = find_jdk(environ)
    if home is None:
        return None
    image = home / "lib" / "modules"
    try:
        classes = cached("jdk", jdk_key(home), lambda: read_jimage(image))
    except (OSError, ValueError, struct.error):
        return None
    version = ""
    try:
        m = re.search(r'^JAVA_VERSION="([^"]+)"', (home / "release").read_text(encoding="utf-8"), re.M)
        version = m.group(1) if m else ""
    except OSError:
        pass
    root = project_root(workspace, ROOT_MARKERS, search_up=search_up)
    return JavaEnvironment(image, classes, description=f"the JDK {version} at {home}".replace("  ", " "),
                           workspace_packages=workspace_packages(root))
