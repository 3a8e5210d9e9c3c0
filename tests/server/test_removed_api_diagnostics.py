"""Removed-API diagnostics and their "replace with" code action through the server (a real LSP
client over stdio): two real virtual environments made here, ``fakelib`` 1.0 (with ``old_api``)
and 2.0 (without it, its notes naming ``new_api``), each the workspace's ``.venv``, read and never
run. The diagnostic names the installed version, the action replaces exactly the attribute and is
sent for the version it was computed on; the old version gets no diagnostic."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lsprotocol import types

from .conftest import DEMO

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]

FAKELIB = {
    "1.0": {"__init__.py": "def old_api(x):\n    return x\n\ndef new_api(x):\n    return x\n"},
    "2.0": {"__init__.py": "def new_api(x):\n    return x\n",
            "_expired_attrs_2_0.py": "__expired_attributes__ = {\n    'old_api': 'Use `fakelib.new_api` instead.',\n}\n"},
}
#: a UTF-16 surrogate pair before the use: the range is in the client's units
TEXT = 'import fakelib\n\nS = "😀"; y = fakelib.old_api(3)\n'
USE = (2, 14, 2, 29)  # `fakelib.old_api`, UTF-16 units
ATTR = (2, 22, 2, 29)  # `old_api`


def make_workspace(root, version: str):
    venv = root / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    for rel, text in FAKELIB[version].items():
        (site / "fakelib").mkdir(exist_ok=True)
        (site / "fakelib" / rel).write_text(text)
    (site / f"fakelib-{version}.dist-info").mkdir()
    (site / f"fakelib-{version}.dist-info" / "METADATA").write_text(f"Name: fakelib\nVersion: {version}\n")
    return root


def R(a, b, c, d) -> types.Range:
    return types.Range(start=types.Position(line=a, character=b), end=types.Position(line=c, character=d))


async def published(ed, uri: str) -> types.PublishDiagnosticsParams:
    """The diagnostics published for the editor's current version of ``uri``."""
    while True:
        params = await ed.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.uri == uri and params.version == ed.versions[uri]:
            return params


async def code_actions(ed, uri: str, diag: types.Diagnostic) -> list[dict]:
    return await ed.send_raw({"method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": uri}, "range": ed.client.protocol._converter.unstructure(diag.range),
        "context": {"diagnostics": [ed.client.protocol._converter.unstructure(diag)]}}})


async def start(make_editor, root, debounce_ms: int = 0):
    ed = await make_editor({"model": DEMO, "debounceMs": debounce_ms}, env={"JUMPCODER_PYTHON": ""}, root=root)
    st = await ed.wait_ready()
    assert str(root / ".venv") in st["environment"]["description"], st
    return ed


async def test_the_diagnostic_names_the_installed_version_and_the_action_replaces_the_attribute(make_editor, tmp_path):
    root = make_workspace(tmp_path / "ws", "2.0")
    ed = await start(make_editor, root)
    uri = (root / "use.py").as_uri()
    waiter = published(ed, uri)
    ed.open(uri, TEXT)
    [diag] = (await waiter).diagnostics
    assert diag.code == "removed-api" and diag.source == "jumpcoder" and diag.range == R(*USE)
    assert diag.message.startswith("'fakelib.old_api' is not in fakelib 2.0, installed in the virtual environment "
                                   f"{root / '.venv'}"), diag.message
    assert "Use `fakelib.new_api` instead." in diag.message
    [action] = await code_actions(ed, uri, diag)
    assert action["title"] == "JumpCoder: replace with fakelib.new_api" and action["kind"] == "quickfix"
    assert action["isPreferred"] is True and "command" not in action
    [change] = action["edit"]["documentChanges"]
    assert change["textDocument"] == {"uri": uri, "version": 1}
    assert change["edits"] == [{"range": ed.client.protocol._converter.unstructure(R(*ATTR)), "newText": "new_api"}]
    # the editor applies it; the fixed buffer gets no diagnostic
    waiter = published(ed, uri)
    ed.edit(uri, [types.TextEdit(range=R(*ATTR), new_text="new_api")])
    assert ed.texts[uri] == TEXT.replace("old_api", "new_api")
    assert list((await waiter).diagnostics) == []
    # the old diagnostic, sent again for the changed document: no action (its edit was for version 1)
    assert await code_actions(ed, uri, diag) == []


async def test_a_from_import_keeps_its_local_name_and_an_edit_is_offered_only_for_its_version(make_editor, tmp_path):
    root = make_workspace(tmp_path / "ws", "2.0")
    ed = await start(make_editor, root, debounce_ms=3000)  # an edit's diagnostics come 3 s later
    uri = (root / "imp.py").as_uri()
    waiter = published(ed, uri)
    ed.open(uri, "from fakelib import old_api\nold_api(1)\n")
    [diag] = (await waiter).diagnostics
    assert diag.range == R(0, 20, 0, 27) and "fakelib 2.0" in diag.message
    [action] = await code_actions(ed, uri, diag)
    [change] = action["edit"]["documentChanges"]
    assert change["edits"][0]["newText"] == "new_api as old_api"
    waiter = published(ed, uri)
    ed.type(uri, "# edited\n", at=types.Position(line=2, character=0))
    assert await code_actions(ed, uri, diag) == []  # its edit was computed for version 1
    [again] = (await waiter).diagnostics
    [action] = await code_actions(ed, uri, again)
    assert action["edit"]["documentChanges"][0]["textDocument"]["version"] == 2


async def test_the_old_version_gets_no_diagnostic(make_editor, tmp_path):
    root = make_workspace(tmp_path / "ws", "1.0")
    ed = await start(make_editor, root)
    uri = (root / "use.py").as_uri()
    waiter = published(ed, uri)
    ed.open(uri, TEXT)
    assert list((await waiter).diagnostics) == []


async def test_the_diagnostic_follows_enable_diagnostics(make_editor, tmp_path):
    root = make_workspace(tmp_path / "ws", "2.0")
    ed = await make_editor({"model": DEMO, "debounceMs": 0, "enableDiagnostics": False}, env={"JUMPCODER_PYTHON": ""},
                           root=root)
    await ed.wait_ready()
    uri = (root / "use.py").as_uri()
    ed.open(uri, TEXT)
    st = await ed.status()
    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"jumpcoder": {"enableDiagnostics": True}}))
    [diag] = (await published(ed, uri)).diagnostics
    assert diag.code == "removed-api", st


async def test_a_document_opened_at_once_gets_the_diagnostic_in_its_first_publish(make_editor, tmp_path):
    root = make_workspace(tmp_path / "ws", "2.0")
    slow = tmp_path / "slow-python"  # a trusted interpreter that takes a second to answer
    slow.write_text(f"#!/bin/sh\nsleep 1\nexec {root / '.venv' / 'bin' / 'python'} \"$@\"\n")
    slow.chmod(0o755)
    ed = await make_editor({"model": DEMO, "debounceMs": 0}, env={"JUMPCODER_PYTHON": str(slow)}, root=root, wait=False)
    uri = (root / "use.py").as_uri()
    waiter = published(ed, uri)
    ed.open(uri, TEXT)  # right after initialized, while the environment is being found
    [diag] = (await waiter).diagnostics
    assert diag.code == "removed-api" and "fakelib 2.0" in diag.message and str(slow) in diag.message
