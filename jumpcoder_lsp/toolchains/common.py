"""What the toolchain environments share: the problem record, the disk cache, finding the
project root and walking it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

#: the Python judge's record (jumpcoder_lsp/environment.py Problem): line, name, message
from ..environment import Problem  # noqa: F401  (one record for every language)

#: the cache root's environment variable (the same as the model cache's)
CACHE_ENV = "JUMPCODER_CACHE_DIR"


def cache_path(kind: str, key: str) -> Path:
    """The cache file of one toolchain fact: ``<cache>/toolchains/<kind>-<sha1(key)>.json``."""
    root = os.environ.get(CACHE_ENV) or os.path.join(os.environ.get("XDG_CACHE_HOME") or
                                                     os.path.expanduser("~/.cache"), "jumpcoder-lsp")
    digest = hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()[:20]
    return Path(root).expanduser() / "toolchains" / f"{kind}-{digest}.json"


def cached(kind: str, key: str, build: Callable[[], Any]) -> Any:
    """``build()``'s JSON-able answer, cached on disk under (kind, key); a cache that cannot be
    read or written is rebuilt / skipped (never an error)."""
    path = cache_path(kind, key)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == key:
            return data["value"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps({"key": key, "value": value}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return value


def project_root(start: Optional[str], markers: Sequence[str], *, search_up: bool) -> Optional[Path]:
    """The folder of ``start`` (or the first above it, ``search_up``) holding one of ``markers``
    (file or folder names; a name starting with ``*`` matches a suffix: ``*.csproj``); without
    ``search_up``, ``start`` itself (the server's workspace root) whatever it holds."""
    if not start:
        return None
    folder = Path(start).resolve()
    if folder.is_file():
        folder = folder.parent
    if not search_up:
        return folder if folder.is_dir() else None
    for f in [folder, *folder.parents]:
        if f == Path(f.anchor) or f == Path.home():
            break
        try:
            names = os.listdir(f)
        except OSError:
            continue
        for m in markers:
            if (m.startswith("*") and any(n.endswith(m[1:]) for n in names)) or m in names:
                return f
    return None


#: folders never walked in a workspace (version control, dependencies of other languages, caches)
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".idea", ".vs",
                       ".vscode", ".tox", ".mypy_cache", ".pytest_cache"})


def walk_files(root: Path, limit: int, suffixes: Optional[tuple[str, ...]] = None) -> tuple[list[str], bool]:
    """Up to ``limit`` file paths under ``root`` (relative, ``/``-separated; ``suffixes``: only
    those), and whether the walk saw every file (False: the limit was hit)."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel = os.path.relpath(dirpath, root)
        for name in filenames:
            if suffixes is not None and not name.endswith(suffixes):
                continue
            if len(out) >= limit:
                return out, False
            out.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
    return out, True


def judged_lines(code: str, lines: Optional[Iterable[int]]) -> list[tuple[int, str]]:
    """(index, text) of the lines of ``code`` to judge (all when ``lines`` is None)."""
    split = code.splitlines()
    want = range(len(split)) if lines is None else sorted(set(lines))
    return [(i, split[i]) for i in want if 0 <= i < len(split)]
