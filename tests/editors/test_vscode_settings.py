"""The VS Code extension's settings are untrusted where a workspace can set them: nothing that
starts a program may come from a repository's .vscode/settings.json, and the server never starts
in the workspace (a ``pygls/`` or ``jumpcoder_lsp/`` folder there would be imported first)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "editors" / "vscode"
#: settings that choose or configure the program the extension starts
LAUNCH = ("jumpcoder.server.command", "jumpcoder.server.pythonPath", "jumpcoder.server.env")


def _properties() -> dict:
    return json.loads((EXT / "package.json").read_text())["contributes"]["configuration"]["properties"]


def test_settings_that_start_the_server_cannot_come_from_a_workspace():
    props = _properties()
    scopes = {key: props[key].get("scope") for key in LAUNCH}
    assert scopes == {key: "machine" for key in LAUNCH}, scopes
    # every other server.* setting is listed here on purpose: a new one must be classified
    assert {k for k in props if k.startswith("jumpcoder.server.")} == set(LAUNCH) | {"jumpcoder.server.logLevel"}
    # model settings stay workspace-settable: they name weights (loaded as data, no code), and the
    # server refuses scripted (code) models from any client setting (tests/server/test_untrusted_settings.py)
    assert "machine" not in (props["jumpcoder.model"].get("scope"), props["jumpcoder.infillModel"].get("scope"))


def _node_test(name: str) -> None:
    """Runs tests/editors/vscode/<name> (the extension under stubs, stub_extension.js): it prints PASS."""
    node = shutil.which("node")
    if node is None or not (EXT / "node_modules" / "esbuild").is_dir():
        pytest.skip("needs node and editors/vscode/node_modules (npm ci in editors/vscode)")
    proc = subprocess.run([node, str(ROOT / "tests" / "editors" / "vscode" / name)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("PASS"), proc.stdout + proc.stderr


def test_the_server_starts_in_the_extensions_directory_not_the_workspace():
    _node_test("server_command.test.js")


def test_the_client_attaches_to_the_servers_languages_less_those_jumpcoder_enable_turns_off():
    """The document selector comes from the server's initialize result (a language the server adds
    needs no extension release), filtered by ``jumpcoder.enable`` (Copilot-style per-language object)."""
    _node_test("languages.test.js")


def test_jumpcoder_enable_is_a_per_language_object_and_activation_covers_the_servers_languages():
    pkg = json.loads((EXT / "package.json").read_text())
    enable = pkg["contributes"]["configuration"]["properties"]["jumpcoder.enable"]
    assert enable["type"] == "object" and enable["default"] == {"*": True}
    assert enable["scope"] == "language-overridable"
    from jumpcoder_lsp.languages import language_ids

    # VS Code starts an extension only on the languages its manifest lists: every language the
    # server has today must be there by its VS Code language id (the canonical name)
    assert {f"onLanguage:{name}" for name in language_ids()} <= set(pkg["activationEvents"])
    whens = [k.get("when", "") for k in pkg["contributes"]["keybindings"]] + \
        [m.get("when", "") for m in pkg["contributes"]["menus"]["commandPalette"]]
    assert not any("== python" in w for w in whens), whens
