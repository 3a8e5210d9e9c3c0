"""Turn a model spec (preset name, local directory, .gguf file or hub repo id) into files on disk.

``resolve_model`` fetches what is needed to know the weights (a preset's GGUF is fetched and
verified) but converts nothing: ``ResolvedModel.hf_dir()`` converts a GGUF to a transformers
directory on first use, since a llama.cpp runtime needs only ``gguf_path``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ..runtime.fim import DIALECTS
from . import gguf_info
from .convert import convert_gguf, converted_dir
from .errors import ModelError
from .fetch import Progress, _quiet, cached_sha256, fetch, hub_reachable, read_stamp
from .presets import LanguageSettings, Preset, default_preset, find_preset, preset_names

#: tokens that end a generation in the model families we know (used for non-preset models)
KNOWN_STOP_TOKENS = (
    "<|endoftext|>", "<|im_end|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>", "<file_sep>",
    "<EOT>", "<|EOT|>", "<｜end▁of▁sentence｜>", "<|endofmask|>", "<eos>", "</s>",
)

#: vocabulary hints that pick one dialect when several have all their tokens in the vocabulary
_DIALECT_HINTS = {"qwen": ("<|im_start|>", "<|fim_pad|>"), "starcoder2": ("<file_sep>", "<repo_name>")}

_HUB_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")

#: files worth downloading from a hub repo of transformers weights
_HUB_PATTERNS = ["config.json", "generation_config.json", "*.safetensors", "*.safetensors.index.json",
                 "tokenizer*", "special_tokens_map.json", "vocab.json", "merges.txt", "*.model",
                 "added_tokens.json", "chat_template*"]


@dataclass
class ResolvedModel:
    spec: str
    kind: str  # "preset" | "local" | "gguf" | "hub"
    gguf_path: Optional[Path] = None
    preset: Optional[Preset] = None
    fim: Optional[str] = None  # FIM dialect name (runtime/fim.py), None if unknown
    stop_tokens: tuple[str, ...] = ()
    _hf_dir: Optional[Path] = field(default=None, repr=False)
    _sha256: Optional[str] = field(default=None, repr=False)

    def gguf_sha256(self, progress: Progress = _quiet) -> Optional[str]:
        """sha256 of the GGUF file (the preset's, or hashed once and remembered)."""
        if self.gguf_path is None:
            return None
        if self._sha256 is None:
            self._sha256 = self.preset.sha256 if self.preset else cached_sha256(self.gguf_path, progress)
        return self._sha256

    def is_converted(self) -> bool:
        """True when ``hf_dir()`` will not need to convert anything."""
        if self._hf_dir is not None:
            return True
        sha = self._sha256 or (read_stamp(self.gguf_path) if self.gguf_path else None)
        return sha is not None and converted_dir(sha) is not None

    def hf_dir(self, progress: Progress = _quiet) -> Path:
        """A directory transformers can load; converts the GGUF on first use."""
        if self._hf_dir is None:
            assert self.gguf_path is not None
            self._hf_dir = convert_gguf(self.gguf_path, self.gguf_sha256(progress), progress)
        return self._hf_dir

    @property
    def weights_key(self) -> str:
        """Equal for two specs that name the same weights (so a runtime can load them once)."""
        if self.gguf_path is not None:
            return f"gguf:{self.gguf_sha256()}"
        return f"dir:{Path(self._hf_dir).resolve()}"

    def settings_for(self, language: str) -> Optional[LanguageSettings]:
        """The preset's recommended k and tau for a language, if any."""
        return self.preset.settings_for(language) if self.preset else None


# ---------------------------------------------------------------- guessing from the vocabulary


def _normalize(token: str) -> str:
    return token.strip().lstrip("▁").strip()  # CodeLlama spells its FIM tokens "▁<PRE>"


def guess_fim_dialect(tokens: Iterable[str]) -> Optional[str]:
    """The FIM dialect whose control tokens are all in the vocabulary (None if none fits)."""
    vocab = {_normalize(t) for t in tokens}
    fits = [d.name for d in DIALECTS.values()
            if all(t in vocab for t in (d.prefix, d.suffix, d.middle) if t)]
    for name, hints in _DIALECT_HINTS.items():
        if name in fits and any(h in vocab for h in hints):
            return name
    plain = [name for name in fits if name not in _DIALECT_HINTS]
    return (plain or fits or [None])[0]


def guess_stop_tokens(tokens: Iterable[str]) -> tuple[str, ...]:
    vocab = set(tokens)
    return tuple(t for t in KNOWN_STOP_TOKENS if t in vocab)


def hf_dir_special_tokens(directory: Path) -> list[str]:
    """Added/special tokens named in a transformers directory's tokenizer files."""
    found: list[str] = []

    def load(name: str) -> object:
        try:
            return json.loads((directory / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    tokenizer = load("tokenizer.json")
    if isinstance(tokenizer, dict):
        found += [t.get("content", "") for t in tokenizer.get("added_tokens") or () if isinstance(t, dict)]
    config = load("tokenizer_config.json")
    if isinstance(config, dict):
        decoder = config.get("added_tokens_decoder") or {}
        found += [t.get("content", "") for t in decoder.values() if isinstance(t, dict)]
        found += [t for t in config.get("additional_special_tokens") or () if isinstance(t, str)]
        found += [v for k, v in config.items() if k.endswith("_token") and isinstance(v, str)]
    added = load("added_tokens.json")
    if isinstance(added, dict):
        found += list(added)
    return [t for t in found if t]


# ---------------------------------------------------------------- resolvers


def _from_preset(preset: Preset, spec: str, progress: Progress) -> ResolvedModel:
    path = fetch(preset, progress)
    done = converted_dir(preset.sha256)
    return ResolvedModel(spec, "preset", gguf_path=path, preset=preset, fim=preset.fim,
                         stop_tokens=preset.stop_tokens, _hf_dir=done, _sha256=preset.sha256)


def _from_gguf(path: Path, spec: str, kind: str = "gguf") -> ResolvedModel:
    tokens = gguf_info.special_tokens(path)
    return ResolvedModel(spec, kind, gguf_path=path, fim=guess_fim_dialect(tokens),
                         stop_tokens=guess_stop_tokens(tokens))


def _from_hf_dir(directory: Path, spec: str, kind: str = "local") -> ResolvedModel:
    if not (directory / "config.json").is_file():
        raise ModelError(f"{directory} has no config.json: not a transformers model directory")
    tokens = hf_dir_special_tokens(directory)
    return ResolvedModel(spec, kind, fim=guess_fim_dialect(tokens), stop_tokens=guess_stop_tokens(tokens),
                         _hf_dir=directory)


def _offline_hub_error(repo: str, detail: str) -> ModelError:
    return ModelError(f"cannot get {repo!r} from the Hugging Face hub ({detail}); offline, use a preset "
                      f"({', '.join(preset_names())}), a local model directory or a .gguf file")


def _from_hub(spec: str, progress: Progress) -> ResolvedModel:
    """``org/name`` (transformers weights) or ``org/name:file.gguf``."""
    from huggingface_hub import hf_hub_download, snapshot_download

    repo, _, file = spec.partition(":")
    online = hub_reachable()
    progress(f"{'downloading' if online else 'looking in the hub cache for'} {spec}", None)
    try:
        if file:
            path = Path(hf_hub_download(repo, file, local_files_only=not online))
            return _from_gguf(path, spec, kind="hub")
        directory = Path(snapshot_download(repo, allow_patterns=_HUB_PATTERNS, local_files_only=not online))
    except Exception as e:  # huggingface_hub raises many types (HTTP, offline, not found)
        detail = "hub unreachable and not in the local hub cache" if not online else f"{type(e).__name__}: {e}"
        raise _offline_hub_error(spec, detail.splitlines()[0]) from None
    return _from_hf_dir(directory, spec, kind="hub")


#: a Windows drive path (``C:\\models`` or ``C:/models``), explicit on any OS
_DRIVE_PATH = re.compile(r"^[A-Za-z]:[\\/]")


def is_explicit_path(spec: str) -> bool:
    """Whether a model spec names a local path: it starts with ``./``, ``../``, ``/``, ``~`` (or the
    Windows spellings ``.\\``, ``..\\``, ``\\``, ``C:\\``) or is absolute. Anything else is a
    preset name or a hub id, so a folder in the working directory (an opened project) can never
    stand in for a preset of the same name."""
    return (spec in (".", "..") or spec.startswith(("./", "../", "/", "~", ".\\", "..\\", "\\"))
            or bool(_DRIVE_PATH.match(spec)) or Path(spec).is_absolute())


def _from_path(spec: str) -> ResolvedModel:
    path = Path(spec).expanduser()
    if path.is_dir():
        return _from_hf_dir(path.resolve(), spec)
    if path.is_file():
        return _from_gguf(path.resolve(), spec)
    raise ModelError(f"no such file or directory: {spec}")


def resolve_model(spec: Optional[str] = None, progress: Optional[Progress] = None) -> ResolvedModel:
    """Resolve a model spec, in this order: None (the default preset); an explicit local path
    (:func:`is_explicit_path`: a directory or a .gguf file); a preset name; a hub id
    (``org/name`` or ``org/name:file.gguf``)."""
    progress = progress or _quiet
    if spec is None:
        preset = default_preset()
        return _from_preset(preset, preset.name, progress)
    if is_explicit_path(spec):
        return _from_path(spec)
    preset = find_preset(spec)
    if preset is not None:
        return _from_preset(preset, spec, progress)
    repo = spec.partition(":")[0]
    if _HUB_REPO.match(repo) and (":" not in spec or spec.endswith(".gguf")):
        return _from_hub(spec, progress)
    hint = f"; for the local path, write ./{spec}" if Path(spec).exists() else ""
    if spec.endswith(".gguf"):
        raise ModelError(f"no such file or directory: {spec}{hint}")
    raise ModelError(f"unknown model {spec!r}: not a preset ({', '.join(preset_names())}), "
                     f"a local path (./dir, /abs/file.gguf) or a hub repo id (org/name){hint}")
