"""The real default model (fetches and converts it on first use: ~500 MB, about a minute)."""

from __future__ import annotations

import json
import time

import pytest

from jumpcoder_lsp.models import gguf_info
from jumpcoder_lsp.models.resolve import resolve_model

pytestmark = pytest.mark.real_model


@pytest.fixture(scope="module")
def default_model():
    model = resolve_model()
    model.hf_dir()
    return model


def test_default_preset_file_is_the_official_q4_k_m(default_model):
    meta = gguf_info.read_metadata(default_model.gguf_path)
    assert meta["general.architecture"] == "qwen2" and meta["general.size_label"] == "0.5B"
    assert gguf_info.quantization_name(meta) == "Q4_K_M"
    assert default_model.gguf_path.stat().st_size == default_model.preset.size
    assert "<|fim_prefix|>" in gguf_info.special_tokens(default_model.gguf_path)


def test_converted_dir_loads_fast_as_plain_bf16(default_model):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    hf_dir = default_model.hf_dir()
    assert "quantization_config" not in json.loads((hf_dir / "config.json").read_text())
    start = time.monotonic()
    tokenizer = AutoTokenizer.from_pretrained(hf_dir)
    model = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.bfloat16)
    load_s = time.monotonic() - start
    assert getattr(model, "hf_quantizer", None) is None
    assert next(model.parameters()).dtype == torch.bfloat16
    assert load_s < 10, f"warm load took {load_s:.1f} s"

    fim = [tokenizer.convert_tokens_to_ids(t) for t in ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>")]
    ids = [fim[0]] + tokenizer.encode("def add(a, b):\n    ") + [fim[1]] + tokenizer.encode("\n") + [fim[2]]
    out = model.generate(torch.tensor([ids]), max_new_tokens=6, do_sample=False)
    assert tokenizer.decode(out[0, len(ids):]).startswith("return a + b")
