"""The environment judge through the server (a real LSP client over stdio, scripted models through
the real engine: jumpcoder_lsp.server.scripted:engine_env): the interpreter comes from the server's
own environment ($JUMPCODER_PYTHON, which ``serve --python`` sets) and never from a client's
settings; an import the configured environment lacks is not inserted."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lsprotocol import types

from .conftest import SCRIPTED, Editor

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]

URI = "file:///work/dump.py"
TEXT = "def dump(x):\n    "
CURSOR = types.Position(line=1, character=4)


def make_venv(root, with_orjsonx: bool) -> str:
    """A real virtual environment; its interpreter."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    if with_orjsonx:
        site = next(root.glob("lib/python*/site-packages"))
        (site / "orjsonx").mkdir()
        (site / "orjsonx" / "__init__.py").write_text("def dumps(x):\n    return str(x)\n")
    return str(root / "bin" / "python")


async def start(make_editor, python: str, options=None) -> Editor:
    ed = await make_editor({"model": SCRIPTED + "engine_env", "debounceMs": 0, **(options or {})},
                           env={"JUMPCODER_PYTHON": python})
    st = await ed.wait_ready()  # waits for the environment too
    assert st["state"] == "ready" and st["environment"]["complete"], st
    assert python in st["environment"]["description"]
    return ed


async def test_an_import_the_configured_environment_lacks_is_not_inserted(make_editor, tmp_path):
    # lintClean off: the line without its import is what the engine wrote (below: with it on)
    ed = await start(make_editor, make_venv(tmp_path / "venv", with_orjsonx=False), {"lintClean": False})
    ed.open(URI, TEXT)
    [item] = await ed.inline(URI, CURSOR)
    assert item.insert_text == "return orjsonx.dumps(x)", item
    assert item.command is None, item  # no import above the def
    result = await ed.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}})
    assert result["jumps"] == 0, result
    assert "import orjsonx" not in ed.texts[URI]
    # lintClean (the default): a line that uses a module nothing imports is cut, and nothing is left
    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"jumpcoder": {"lintClean": True}}))
    other = "file:///work/dump2.py"
    ed.open(other, TEXT)
    assert await ed.inline(other, CURSOR) == []


async def test_the_same_import_is_inserted_where_the_environment_has_the_module(make_editor, tmp_path):
    ed = await start(make_editor, make_venv(tmp_path / "venv", with_orjsonx=True))
    ed.open(URI, TEXT)
    [item] = await ed.inline(URI, CURSOR)
    assert item.insert_text == "return orjsonx.dumps(x)" and item.command is not None, item
    result = await ed.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}})
    assert result["applied"] is True and result["jumps"] == 1, result
    assert ed.texts[URI].startswith("import orjsonx\n"), ed.texts[URI]


async def test_a_client_setting_naming_an_interpreter_is_refused_and_nothing_runs(make_editor, tmp_path):
    marker = tmp_path / "ran"
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\n")
    fake.chmod(0o755)
    ed = await make_editor({"model": SCRIPTED + "engine_env", "debounceMs": 0, "python": str(fake)},
                           env={"JUMPCODER_PYTHON": ""}, root=tmp_path / "workspace")
    [msg] = await ed.wait_errors(1)
    assert "'python' is refused" in msg and "machine-level" in msg and "--python" in msg, msg
    for settings in ({"pythonPath": str(fake)}, {"engine": {"environment": str(fake)}}, {"interpreter": str(fake)}):
        ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"jumpcoder": settings}))
        msg = (await ed.wait_errors(len(ed.errors()) + 1))[-1]
        assert "refused" in msg and "machine-level" in msg, msg
    st = await ed.wait_ready()
    assert str(fake) not in st["environment"]["description"] and not st["environment"]["complete"], st
    ed.open(URI, TEXT)
    await ed.inline(URI, CURSOR)
    assert not marker.exists()  # the named program never ran


async def test_an_unknown_environment_is_said_in_the_log(make_editor, tmp_path):
    # a workspace with no .venv (the checkout's root may have one: CI makes it there)
    ed = await make_editor({"model": SCRIPTED + "engine_env", "debounceMs": 0}, env={"JUMPCODER_PYTHON": ""},
                           root=tmp_path)
    st = await ed.wait_ready()
    assert st["environment"]["complete"] is False
    logs = [m.message for m in ed.client.log_messages]
    assert any("environment is unknown" in m and "--python" in m for m in logs), logs
    # unknown: the third-party import is not judged, so the AST judge's jump stands
    ed.open(URI, TEXT)
    [item] = await ed.inline(URI, CURSOR)
    assert item.command is not None, item


async def test_an_interpreter_that_fails_is_logged_and_the_server_stays_up(make_editor, tmp_path):
    ed = await make_editor({"model": SCRIPTED + "engine_env", "debounceMs": 0},
                           env={"JUMPCODER_PYTHON": str(tmp_path / "no-such-python")}, root=tmp_path)
    st = await ed.wait_ready()
    assert st["state"] == "ready" and st["environment"]["complete"] is False
    logs = [m.message for m in ed.client.log_messages]
    assert any("cannot be used" in m and "no-such-python" in m for m in logs), logs


JAVA_URI = "file:///work/Words.java"
JAVA_TEXT = "public class Words {\n    static List<String> words(String s) {\n        "


async def test_a_java_import_the_jdk_lacks_is_not_inserted(make_editor):
    from jumpcoder_lsp.toolchains.java import find_jdk

    if find_jdk() is None:
        pytest.skip("no JDK with lib/modules here (scripts/setup_eval_toolchains.sh installs one)")
    ed = await make_editor({"model": SCRIPTED + "engine_java_env", "debounceMs": 0})
    st = await ed.wait_ready()  # waits for the environment (and the toolchains) too
    assert "JDK" in st["toolchains"]["java"]["description"], st
    ed.open(JAVA_URI, JAVA_TEXT, language="java")
    result = await ed.command("jumpcoder.completeFunction", {"uri": JAVA_URI, "position": {"line": 2, "character": 8}})
    assert result["jumps"] == 0, result
    assert "java.utill" not in ed.texts[JAVA_URI] and 'return List.of(s.split(" "));' in ed.texts[JAVA_URI]


async def test_a_linq_call_is_diagnosed_only_where_the_project_does_not_make_system_linq_visible(make_editor, tmp_path):
    from jumpcoder_lsp.toolchains.csharp import installed_assemblies

    if not installed_assemblies()[0]:
        pytest.skip("no .NET assemblies here (Mono: scripts/setup_eval_toolchains.sh)")
    code = "using System.Collections.Generic;\nclass P {\n    static int F(List<int> xs) { return xs.Where(x => x > 0).Count(); }\n}\n"
    for implicit, expected in ((False, ["Where", "Count"]), (True, [])):
        root = tmp_path / f"ws{implicit}"
        root.mkdir()
        (root / "App.csproj").write_text('<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net48'
                                         "</TargetFramework>" + ("<ImplicitUsings>enable</ImplicitUsings>" if implicit
                                                                  else "") + "</PropertyGroup></Project>")
        ed = await make_editor({"model": SCRIPTED + "engine_env", "debounceMs": 0}, root=root)
        st = await ed.wait_ready()
        assert "csharp" in st["toolchains"], st
        uri = (root / "P.cs").as_uri()
        waiter = ed.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        ed.open(uri, code, language="csharp")
        params = await waiter
        names = [code.splitlines()[d.range.start.line][d.range.start.character:d.range.end.character]
                 for d in params.diagnostics]
        assert names == expected, params.diagnostics
