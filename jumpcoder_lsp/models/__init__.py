"""Model presets, fetching and verification, and the one-time GGUF -> safetensors conversion.

Nothing here imports torch or transformers until a conversion actually runs. ``fetch`` (the
function) lives in :mod:`.fetch`; it is not re-exported here, where it would hide the module.
"""

from .convert import convert_gguf, converted_dir, hf_cache_dir
from .errors import FetchError, ModelError, PresetError, VerifyError
from .fetch import Progress, cache_dir, gguf_path, is_fetched, verify
from .presets import LanguageSettings, Preset, default_preset, get_preset, list_presets
from .resolve import ResolvedModel, guess_fim_dialect, resolve_model

__all__ = [
    "FetchError", "LanguageSettings", "ModelError", "Preset", "PresetError", "Progress", "ResolvedModel",
    "VerifyError", "cache_dir", "convert_gguf", "converted_dir", "default_preset", "get_preset",
    "gguf_path", "guess_fim_dialect", "hf_cache_dir", "is_fetched", "list_presets", "resolve_model", "verify",
]
