"""Convert a GGUF file once into a transformers directory (bf16 safetensors + tokenizer files).

transformers loads a GGUF by de-quantizing every tensor and converting the tokenizer (~40 s on a
laptop CPU); the converted directory loads in a few seconds. It lives at
``<cache>/hf/<sha256[:16]>/`` and holds a marker file naming the source's sha256, written last,
inside a temporary directory that is renamed into place at the end.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Optional

from .errors import ModelError
from .fetch import Progress, _quiet, cache_dir, remove_stale_temps, temp_name

MARKER = "jumpcoder-source.json"


def hf_cache_dir(sha256: str) -> Path:
    """Where the converted directory of the GGUF with this sha256 lives (whether converted or not)."""
    return cache_dir() / "hf" / sha256[:16]


def read_marker(directory: Path) -> Optional[dict]:
    try:
        return json.loads((Path(directory) / MARKER).read_text())
    except (OSError, ValueError):
        return None


def converted_dir(sha256: str) -> Optional[Path]:
    """The converted directory for this GGUF sha256 if a complete one exists, else None."""
    d = hf_cache_dir(sha256)
    marker = read_marker(d)
    return d if marker and marker.get("source_sha256") == sha256 else None


def _save_converted(gguf: Path, out: Path, dtype_name: str, progress: Progress) -> None:
    """Load the GGUF with transformers and save it as a plain (unquantized) checkpoint."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    dtype = getattr(torch, dtype_name)
    progress(f"converting {gguf.name}: tokenizer", 0.05)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    progress(f"converting {gguf.name}: de-quantizing the weights to {dtype_name}", 0.2)
    # dequantize=True: plain dense weights even where a GGUF matmul kernel is installed
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=dtype, quantization_config=GgufConfig(dequantize=True))
    packed = [name for name, m in model.named_modules() if "Gguf" in type(m).__name__ or ".gguf" in type(m).__module__]
    if packed:
        raise ModelError(f"transformers kept {len(packed)} GGUF-packed modules (e.g. {packed[0]}); cannot convert")
    # save_pretrained refuses a model that has a quantizer ("quantized with gguf"); the weights are
    # plain dense tensors now, so drop it, and the quantization_config that would make a reload
    # go through the GGUF quantizer again.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    progress(f"converting {gguf.name}: writing safetensors", 0.85)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    if model.generation_config is not None:
        model.generation_config.save_pretrained(out)
    _strip_quantization_config(out / "config.json")


def _strip_quantization_config(config_json: Path) -> None:
    """Make sure the saved config does not ask for the GGUF quantizer on reload."""
    config = json.loads(config_json.read_text())
    if config.pop("quantization_config", None) is not None:
        config_json.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def convert_gguf(gguf: Path, sha256: str, progress: Progress = _quiet, dtype: str = "bfloat16") -> Path:
    """Return the converted directory of ``gguf`` (whose sha256 the caller knows), converting once."""
    done = converted_dir(sha256)
    if done is not None:
        return done
    final = hf_cache_dir(sha256)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(final.parent)
    tmp = temp_name(final, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    progress(f"converting {gguf.name} to safetensors (once; about a minute)", 0.0)
    try:
        _save_converted(Path(gguf), tmp, dtype, progress)
        marker = {"source_sha256": sha256, "source_file": Path(gguf).name, "dtype": dtype,
                  "transformers": _transformers_version()}
        (tmp / MARKER).write_text(json.dumps(marker, indent=1))
        if final.exists() and converted_dir(sha256) is None:
            shutil.rmtree(final)  # an incomplete or stale directory
        try:
            os.rename(tmp, final)
        except OSError:
            if converted_dir(sha256) is None:  # not another process finishing first
                raise
    except ModelError:
        raise
    except Exception as e:
        raise ModelError(f"converting {gguf} failed: {type(e).__name__}: {e}") from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    progress(f"converted: {final}", 1.0)
    return final


def _transformers_version() -> str:
    import transformers

    return transformers.__version__
