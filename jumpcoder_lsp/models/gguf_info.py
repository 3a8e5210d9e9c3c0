"""Read a GGUF file's metadata (the key-value header) without loading tensors.

A small streaming reader: ``gguf.GGUFReader`` memory-maps the whole file and builds objects for
every vocabulary entry (~6 s for a 150k-token vocabulary); this reads only what it is asked for,
and works on the first bytes of a file alone (e.g. the first part of a split mirror).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Optional

from .errors import ModelError

MAGIC = b"GGUF"

# GGUF value types -> struct format (little-endian)
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9

#: llama.cpp's ``general.file_type`` values (LLAMA_FTYPE_*) -> the usual quantization name
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M",
    30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
}

#: token types in ``tokenizer.ggml.token_type``: CONTROL and USER_DEFINED are the special tokens
_SPECIAL_TOKEN_TYPES = (3, 4)


class GGUFError(ModelError):
    """The file is not a GGUF file, or its header is cut short."""


def _read(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise GGUFError(f"{getattr(f, 'name', 'GGUF file')}: header cut short")
    return data


def _unpack(f: BinaryIO, fmt: str) -> Any:
    return struct.unpack(fmt, _read(f, struct.calcsize(fmt)))[0]


def _string(f: BinaryIO) -> str:
    return _read(f, _unpack(f, "<Q")).decode("utf-8", errors="replace")


def _value(f: BinaryIO, vtype: int, keep: bool) -> Any:
    """Read (or, when ``keep`` is false, skip) one value of the given type."""
    if vtype in _SCALARS:
        return _unpack(f, _SCALARS[vtype])
    if vtype == _STRING:
        if keep:
            return _string(f)
        f.seek(_unpack(f, "<Q"), 1)
        return None
    if vtype == _ARRAY:
        etype, count = _unpack(f, "<I"), _unpack(f, "<Q")
        if etype in _SCALARS and not keep:
            f.seek(count * struct.calcsize(_SCALARS[etype]), 1)
            return None
        if etype in _SCALARS:
            fmt = _SCALARS[etype]
            return list(struct.unpack(f"<{count}{fmt[1]}", _read(f, count * struct.calcsize(fmt))))
        items = [_value(f, etype, keep) for _ in range(count)]
        return items if keep else None
    raise GGUFError(f"unknown GGUF value type {vtype}")


def read_metadata(path: Path, keys: Optional[Iterable[str]] = None, arrays: bool = False) -> dict[str, Any]:
    """The header's key-value pairs.

    ``keys``: only these keys (default: all); arrays are skipped unless ``arrays`` is true or the
    key is named in ``keys``. The result also holds ``GGUF.version`` and ``GGUF.tensor_count``.
    """
    wanted = set(keys) if keys is not None else None
    try:
        with open(path, "rb", buffering=1 << 20) as f:
            if f.read(4) != MAGIC:
                raise GGUFError(f"{path} is not a GGUF file (bad magic)")
            version = _unpack(f, "<I")
            if not 1 <= version <= 64:
                raise GGUFError(f"{path}: unsupported GGUF version {version} (big-endian file?)")
            tensor_count, kv_count = _unpack(f, "<Q"), _unpack(f, "<Q")
            out: dict[str, Any] = {"GGUF.version": version, "GGUF.tensor_count": tensor_count}
            for _ in range(kv_count):
                key, vtype = _string(f), _unpack(f, "<I")
                named = wanted is not None and key in wanted
                keep = named or (wanted is None and (vtype != _ARRAY or arrays))
                value = _value(f, vtype, keep)
                if keep:
                    out[key] = value
                if wanted is not None and wanted <= out.keys():
                    break
            return out
    except OSError as e:
        raise GGUFError(f"cannot read {path}: {e.strerror or e}") from None


def quantization_name(metadata: dict[str, Any]) -> Optional[str]:
    """``general.file_type`` as a name such as ``Q4_K_M`` (None if absent or unknown)."""
    ftype = metadata.get("general.file_type")
    return FILE_TYPES.get(ftype) if isinstance(ftype, int) else None


def special_tokens(path: Path) -> list[str]:
    """The vocabulary's control and user-defined tokens (e.g. ``<|fim_prefix|>``)."""
    meta = read_metadata(path, keys=("tokenizer.ggml.tokens", "tokenizer.ggml.token_type"))
    tokens, types = meta.get("tokenizer.ggml.tokens") or [], meta.get("tokenizer.ggml.token_type")
    if types is None or len(types) != len(tokens):
        return [t for t in tokens if t.startswith("<") and t.endswith(">")]
    return [t for t, kind in zip(tokens, types) if kind in _SPECIAL_TOKEN_TYPES]
