"""Language registry: which :class:`~jumpcoder_lsp.languages.base.LanguageSpec` handles a
document.

Each language lives in its own module (the ``python`` package, ``java.py``, ``cpp.py``,
``csharp.py`` on the shared ``clike`` package; ``ecmascript.py`` holds TypeScript, TSX and
JavaScript, whose analysis is the query engine's in ``queries/``) with a class implementing the
protocol. :data:`_BUILTIN` maps a canonical name to
``(module, class, aliases, extensions)``; modules are imported lazily, on first use, so a
missing optional grammar only breaks its own language. Specs are created once and shared (they
are thread-safe, see each module). Third parties can add one with :func:`register_language`.

Names are matched case-insensitively against the canonical name, its aliases (including the LSP
``languageId``, e.g. ``"python"``, ``"cpp"``, ``"csharp"``) and its file extensions (``".py"``).
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import Callable, Iterable, Optional

from .base import LanguageSpec, Region, UndefinedName

__all__ = [
    "LanguageSpec",
    "Region",
    "UndefinedName",
    "get_language",
    "language_for_path",
    "language_ids",
    "register_language",
    "supported_languages",
]

# canonical name -> (module under this package, class name, aliases, extensions)
_BUILTIN: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "python": ("python", "PythonSpec", ("py", "python3", "py3"), (".py", ".pyi", ".pyw")),
    "java": ("java", "JavaSpec", (), (".java",)),
    "cpp": ("cpp", "CppSpec", ("c++", "cxx"), (".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h")),
    "csharp": ("csharp", "CSharpSpec", ("c#", "cs"), (".cs",)),
    "typescript": ("ecmascript", "TypeScriptSpec", ("ts",), (".ts", ".mts", ".cts")),
    "typescriptreact": ("ecmascript", "TSXSpec", ("tsx",), (".tsx",)),
    "javascript": ("ecmascript", "JavaScriptSpec", ("js", "javascriptreact", "jsx"), (".js", ".mjs", ".cjs", ".jsx")),
    "go": ("go", "GoSpec", ("golang",), (".go",)),
    "rust": ("rust", "RustSpec", ("rs",), (".rs",)),
}

_lock = threading.Lock()
_factories: dict[str, Callable[[], LanguageSpec]] = {}
_aliases: dict[str, str] = {}  # alias / extension (lower case) -> canonical name
_instances: dict[str, LanguageSpec] = {}


def _builtin_factory(module: str, cls: str) -> Callable[[], LanguageSpec]:
    def make() -> LanguageSpec:
        mod = importlib.import_module(f"{__name__}.{module}")
        return getattr(mod, cls)()

    return make


def register_language(
    name: str,
    factory: Callable[[], LanguageSpec],
    aliases: Iterable[str] = (),
    extensions: Iterable[str] = (),
) -> None:
    """Add (or replace) a language: ``factory()`` builds its spec on first use; ``aliases``
    (LSP languageIds, other names) and ``extensions`` (with the dot) also select it."""
    key = name.lower()
    with _lock:
        _factories[key] = factory
        _instances.pop(key, None)
        _aliases[key] = key
        for a in aliases:
            _aliases[a.lower()] = key
        for e in extensions:
            e = e.lower()
            _aliases[e if e.startswith(".") else "." + e] = key


for _name, (_mod, _cls, _al, _ext) in _BUILTIN.items():
    register_language(_name, _builtin_factory(_mod, _cls), _al, _ext)


def supported_languages() -> list[str]:
    """Canonical names of the registered languages, sorted."""
    return sorted(_factories)


def language_ids() -> dict[str, list[str]]:
    """Each registered language's canonical name -> the names that select it as an LSP
    ``languageId`` (the canonical name first, then its aliases; no file extensions), e.g.
    ``{"cpp": ["cpp", "c++", "cxx"], ...}``. What the server reports to clients (initialize,
    ``jumpcoder.status``), so that they attach to exactly these languages."""
    with _lock:
        out: dict[str, list[str]] = {name: [name] for name in sorted(_factories)}
        for alias, name in _aliases.items():
            if not alias.startswith(".") and alias != name and name in out:
                out[name].append(alias)
    return out


def _resolve(name: str) -> Optional[str]:
    key = name.strip().lower()
    if key in _aliases:
        return _aliases[key]
    if not key.startswith(".") and "." + key in _aliases:  # "py" given as an extension
        return _aliases["." + key]
    return None


def _unknown(what: str) -> ValueError:
    exts = sorted(k for k in _aliases if k.startswith("."))
    return ValueError(
        f"unsupported language {what}; supported languages: {', '.join(supported_languages())} "
        f"(file extensions: {', '.join(exts)})"
    )


def get_language(name_or_language_id: str) -> LanguageSpec:
    """The (shared) spec for a language name, an LSP ``languageId`` or a file extension
    (``"python"``, ``"py"``, ``".py"``, ``".pyi"``). Raises ValueError naming the supported
    languages for an unknown one."""
    key = _resolve(name_or_language_id)
    if key is None:
        raise _unknown(repr(name_or_language_id))
    with _lock:
        spec = _instances.get(key)
        if spec is None:
            spec = _instances[key] = _factories[key]()
    return spec


def language_for_path(path: "str | os.PathLike[str]") -> LanguageSpec:
    """The spec for a file path or a ``file://`` URI, by its extension. Raises ValueError
    naming the supported languages when the extension is unknown."""
    p = os.fspath(path)
    for sep in ("?", "#"):  # a URI's query / fragment
        p = p.split(sep, 1)[0]
    base = p.replace("\\", "/").rsplit("/", 1)[-1]
    ext = os.path.splitext(base)[1].lower()
    key = _aliases.get(ext) if ext else None
    if key is None:
        raise _unknown(f"for {os.fspath(path)!r}")
    return get_language(key)
