"""GGUF header reading on a tiny GGUF written in the test; model specs; FIM dialect guessing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jumpcoder_lsp.models import gguf_info
from jumpcoder_lsp.models.errors import ModelError
from jumpcoder_lsp.models.gguf_info import GGUFError
from jumpcoder_lsp.models.resolve import guess_fim_dialect, guess_stop_tokens, resolve_model

QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_prefix|>", "<|fim_middle|>",
                 "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"]


@pytest.fixture
def tiny_gguf(tmp_path):
    """A GGUF file with a Qwen-like vocabulary and one tensor, written with the gguf package."""
    import gguf

    path = tmp_path / "tiny-q4_k_m.gguf"
    writer = gguf.GGUFWriter(str(path), "qwen2")
    writer.add_name("Tiny Coder")
    writer.add_file_type(15)
    writer.add_context_length(64)
    tokens = ["a", "b", "<weird>"] + QWEN_SPECIALS
    writer.add_token_list(tokens)
    writer.add_token_types([1, 1, 1] + [3] * len(QWEN_SPECIALS))
    writer.add_eos_token_id(3 + QWEN_SPECIALS.index("<|im_end|>"))
    writer.add_tensor("token_embd.weight", np.zeros((len(tokens), 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_read_metadata_of_a_tiny_gguf(tiny_gguf):
    meta = gguf_info.read_metadata(tiny_gguf)
    assert meta["general.architecture"] == "qwen2"
    assert meta["general.name"] == "Tiny Coder"
    assert meta["general.file_type"] == 15 and gguf_info.quantization_name(meta) == "Q4_K_M"
    assert meta["qwen2.context_length"] == 64
    assert meta["GGUF.tensor_count"] == 1
    assert "tokenizer.ggml.tokens" not in meta  # arrays are skipped unless asked for
    only = gguf_info.read_metadata(tiny_gguf, keys=["general.name", "tokenizer.ggml.tokens"])
    assert only["general.name"] == "Tiny Coder" and only["tokenizer.ggml.tokens"][:2] == ["a", "b"]


def test_special_tokens_are_the_control_tokens(tiny_gguf):
    assert gguf_info.special_tokens(tiny_gguf) == QWEN_SPECIALS


def test_a_cut_file_and_a_non_gguf_file_are_refused(tiny_gguf, tmp_path):
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_gguf.read_bytes()[:60])
    with pytest.raises(GGUFError, match="cut short"):
        gguf_info.read_metadata(cut)
    other = tmp_path / "other.gguf"
    other.write_bytes(b"PK\x03\x04 not a gguf")
    with pytest.raises(GGUFError, match="not a GGUF file"):
        gguf_info.read_metadata(other)


def test_resolve_a_local_gguf(tiny_gguf):
    model = resolve_model(str(tiny_gguf))
    assert model.kind == "gguf" and model.gguf_path == tiny_gguf and model.preset is None
    assert model.fim == "qwen"
    assert set(model.stop_tokens) == {"<|endoftext|>", "<|im_end|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>"}
    assert model.weights_key.startswith("gguf:")
    assert not model.is_converted()


def test_resolve_a_local_hf_dir(tmp_path):
    d = tmp_path / "model"
    d.mkdir()
    (d / "config.json").write_text("{}")
    (d / "tokenizer_config.json").write_text(json.dumps({
        "added_tokens_decoder": {str(i): {"content": t} for i, t in enumerate(["<fim_prefix>", "<fim_middle>",
                                                                                "<fim_suffix>", "<|endoftext|>"])}}))
    model = resolve_model(str(d))
    assert (model.kind, model.fim, model.stop_tokens, model.gguf_path) == ("local", "starcoder", ("<|endoftext|>",), None)
    assert model.hf_dir() == d and model.is_converted()


@pytest.mark.parametrize("tokens, dialect", [
    (QWEN_SPECIALS, "qwen"),
    (["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<|endoftext|>"], "starcoder"),
    (["▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>"], "codellama"),
    (["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"], "deepseek"),
    (["<|mask:0|>", "<|endofmask|>"], "incoder"),
    (["<s>", "</s>"], None),
])
def test_guess_fim_dialect(tokens, dialect):
    assert guess_fim_dialect(tokens) == dialect


def test_guess_stop_tokens_keeps_only_known_ones_in_the_vocabulary():
    assert guess_stop_tokens(["<|endoftext|>", "<|im_start|>", "<|im_end|>"]) == ("<|endoftext|>", "<|im_end|>")


def test_bad_specs_give_clear_errors(tmp_path):
    with pytest.raises(ModelError, match="not a preset .*qwen2.5-coder-0.5b.* hub repo id"):
        resolve_model("no-such-model")
    with pytest.raises(ModelError, match="no such file or directory: ./missing.gguf"):
        resolve_model("./missing.gguf")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path / "empty"))


def test_a_hub_id_offline_fails_fast_with_advice():
    with pytest.raises(ModelError, match="offline, use a preset"):
        resolve_model("example-org/no-such-model")


# -- presets first; a local path only when it is explicit -------------------------------------


@pytest.mark.parametrize("spec, explicit", [
    ("./m", True), ("../m", True), ("/abs/m.gguf", True), ("~/m", True), (".", True), ("C:\\models\\m", True),
    ("c:/m.gguf", True), (".\\m", True), ("qwen2.5-coder-0.5b", False), ("default", False), ("org/name", False),
    ("org/name:file.gguf", False), ("m.gguf", False), (".hidden", False),
])
def test_only_explicit_specs_are_local_paths(spec, explicit):
    from jumpcoder_lsp.models.resolve import is_explicit_path

    assert is_explicit_path(spec) is explicit


def test_a_folder_in_the_working_directory_does_not_shadow_the_preset_of_its_name(tmp_path, monkeypatch):
    from jumpcoder_lsp.models import resolve as resolve_mod

    monkeypatch.delenv("JUMPCODER_PRESETS_DIR")  # the shipped presets
    project = tmp_path / "project"  # an opened project with a folder named like the default preset
    (project / "qwen2.5-coder-0.5b").mkdir(parents=True)
    (project / "qwen2.5-coder-0.5b" / "config.json").write_text('{"model_type": "bogus"}')
    monkeypatch.chdir(project)
    fetched = []
    monkeypatch.setattr(resolve_mod, "fetch", lambda preset, progress: fetched.append(preset.name) or tmp_path / "x.gguf")
    model = resolve_model("qwen2.5-coder-0.5b")
    assert model.kind == "preset" and model.preset.name == "qwen2.5-coder-0.5b" and fetched == ["qwen2.5-coder-0.5b"]
    local = resolve_model("./qwen2.5-coder-0.5b")  # spelled as a path, it is the folder
    assert local.kind == "local" and local._hf_dir == project / "qwen2.5-coder-0.5b"


def test_a_relative_spec_that_is_no_preset_is_not_read_from_the_working_directory(tmp_path, tiny_gguf, monkeypatch):
    monkeypatch.chdir(tiny_gguf.parent)
    with pytest.raises(ModelError, match=r"write ./tiny-q4_k_m.gguf"):
        resolve_model("tiny-q4_k_m.gguf")
    assert resolve_model("./tiny-q4_k_m.gguf").kind == "gguf"
    (tmp_path / "example-org" / "repo").mkdir(parents=True)
    (tmp_path / "example-org" / "repo" / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="offline, use a preset"):  # a hub id (HF_HUB_OFFLINE=1), not the folder
        resolve_model("example-org/repo")
