"""Edits that would land in the wrong place or after a cancel, spinners left running and hung
server-to-client requests, over stdio (issue 12). The Editor rejects an edit whose version differs
from its own, like VS Code; everything it does accept is in ``editor.applied_edits``."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from jumpcoder_lsp.server.documents import Documents

from .conftest import DEMO, SCRIPTED

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

URI = "file:///work/hyp.py"
DIAG_URI = "file:///work/area.py"
AREA = "def area(r):\n    return math.pi * r * r\n"
#: the server's timeout for server-to-client requests in the tests that need it (seconds)
FAST_TIMEOUT = {"JUMPCODER_LSP_CLIENT_TIMEOUT_S": "0.5"}


def P(line, ch):
    return types.Position(line=line, character=ch)


def define_math(uri: str = DIAG_URI) -> dict:
    return {"uri": uri, "name": "math", "line": 1}


async def until_busy(ed) -> None:
    """Until the model thread has a job (the request is past its checks and running)."""
    while (await ed.status())["busy"] == 0:
        pass


# -- 1. completeFunction: one snapshot for the cursor, the text and the version ---------------


@pytest.mark.parametrize(
    "typed, completed",
    [
        ("import os\n", "import os\nimport math\ndef hyp(x):\n    return math.sqrt(x)"),
        ("import os\ny = 2\n", "import os\nimport math\ny = 2\ndef hyp(x):\n    return math.sqrt(x)"),
    ],
)
async def test_complete_function_typing_during_the_model_load_loses_no_text(make_editor, typed, completed):
    # the user types above the cursor while the model loads: the edit computed for the old
    # cursor must not be sent for the new version (it used to rewrite `def hyp(x):` into `hyp(x):`)
    ed = await make_editor({"model": SCRIPTED + "slow_loading"}, wait=False)
    ed.open(URI, "def hyp(x):\n    ")
    call = ed.send_command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}})
    ed.type(URI, typed, at=P(0, 0))  # reaches the server after the command, during the ~1.5 s load
    result = await call
    assert result["applied"] is False and result["reason"] == "stale", result
    assert ed.texts[URI] == typed + "def hyp(x):\n    "
    assert ed.applied_edits == [] and ed.rejected_edits == []
    assert any("changed" in m.message and "again" in m.message for m in ed.client.messages), ed.client.messages
    # run again on the new version: the edit lands where the user is
    edit_done = ed.next_edit()
    cursor = ed.end(URI)
    again = await ed.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": cursor.line, "character": cursor.character}})
    assert again["applied"] is True and await edit_done
    assert ed.texts[URI] == completed


async def test_complete_function_with_nothing_to_add_leaves_the_text_before_the_cursor(editor):
    # an engine answer whose edit would start before the cursor may only rewrite indentation: an
    # empty answer on `x = 1` used to delete `x = 1`
    editor.open(URI, "import os\nx = 1")
    result = await editor.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 5}})
    assert result == {"applied": False, "reason": "empty", "lines": 0, "jumps": 0}
    assert editor.texts[URI] == "import os\nx = 1" and editor.applied_edits == []


# -- 2. insertDefinition after a cancel, a close, a reopen --------------------------------------


async def test_insert_definition_cancelled_before_it_starts_sends_no_edit(make_editor):
    ed = await make_editor({"model": SCRIPTED + "slow_infill"})
    ed.open(DIAG_URI, AREA)
    ed.cancel("define-1")  # the cancel is read before the request it cancels
    result = await ed.command("jumpcoder.insertDefinition", define_math(), msg_id="define-1")
    assert result == {"applied": False, "reason": "cancelled"}
    assert ed.applied_edits == [] and ed.texts[DIAG_URI] == AREA


async def _define_elsewhere(ed) -> None:
    """A second insertDefinition that queues behind the first on the model thread and applies:
    once it has, whatever the first one was going to send has reached the editor."""
    other = "file:///work/other.py"
    ed.open(other, AREA)
    assert (await ed.command("jumpcoder.insertDefinition", define_math(other)))["applied"] is True
    assert ed.texts[other] == "import math\n" + AREA


async def test_insert_definition_cancelled_while_the_model_runs_sends_no_edit(make_editor):
    ed = await make_editor({"model": SCRIPTED + "slow_infill"})
    ed.open(DIAG_URI, AREA)
    call = ed.send_command("jumpcoder.insertDefinition", define_math(), msg_id="define-2")
    await until_busy(ed)
    ed.cancel("define-2")
    with pytest.raises(JsonRpcException) as err:
        await call
    assert err.value.code == -32800  # RequestCancelled
    await _define_elsewhere(ed)
    assert [e.edit.document_changes[0].text_document.uri for e in ed.applied_edits] == ["file:///work/other.py"]
    assert ed.texts[DIAG_URI] == AREA


async def test_insert_definition_document_closed_while_the_model_runs_sends_no_edit(make_editor):
    ed = await make_editor({"model": SCRIPTED + "slow_infill"})
    ed.open(DIAG_URI, AREA)
    call = ed.send_command("jumpcoder.insertDefinition", define_math())
    await until_busy(ed)
    ed.close(DIAG_URI)
    result = await call
    assert result["applied"] is False, result
    await _define_elsewhere(ed)
    assert len(ed.applied_edits) == 1 and ed.rejected_edits == []


async def test_insert_definition_reopened_with_the_same_version_sends_no_edit(make_editor):
    # close + reopen restarts the version at 1: the number alone does not tell the documents apart
    ed = await make_editor({"model": SCRIPTED + "slow_infill"})
    ed.open(DIAG_URI, AREA)
    call = ed.send_command("jumpcoder.insertDefinition", define_math())
    await until_busy(ed)
    ed.close(DIAG_URI)
    reopened = '"""Areas."""\n\n\ndef area(r):\n    return math.pi * r * r\n'
    ed.open(DIAG_URI, reopened)  # version 1 again, other text
    result = await call
    assert result["applied"] is False and result["reason"] in ("cancelled", "stale"), result
    assert ed.applied_edits == [] and ed.rejected_edits == []
    assert ed.texts[DIAG_URI] == reopened


async def test_a_reopened_document_is_not_current_for_a_snapshot_of_the_old_one():
    # the rule behind every edit the server sends (Documents.current), without the close's cancel
    docs = Documents()
    item = types.TextDocumentItem(uri=DIAG_URI, language_id="python", version=1, text=AREA)
    snap = docs.open(item).snapshot(with_tree=False)
    assert docs.current(snap) is not None
    docs.close(DIAG_URI)
    docs.open(item)  # the same uri, version and even text: another opening of the file
    assert docs.current(snap) is None
    assert docs.current(docs.get(DIAG_URI).snapshot(with_tree=False)) is docs.get(DIAG_URI)


# -- jumpcoder.applyEdit: cancelled while it waits for the accepted text ------------------------


async def test_apply_edit_cancelled_while_waiting_for_the_accept_sends_no_edit(editor):
    editor.open(URI, "def hyp(x):\n    ")
    [item] = await editor.inline(URI, P(1, 4))
    # the command arrives before the didChange carrying the accepted text; it waits for it
    call = editor.send_command(item.command.command, *item.command.arguments, msg_id="apply-1")
    await editor.status()  # the command is waiting now
    editor.cancel("apply-1")
    editor.type(URI, item.insert_text, at=item.range.start)
    with pytest.raises(JsonRpcException) as err:
        await call
    assert err.value.code == -32800
    await editor.status()
    assert editor.applied_edits == [] and "import" not in editor.texts[URI]


# -- 3. every work-done progress that begins ends -----------------------------------------------


def _ends(ed) -> dict:
    return {t: [v.message for v in vs if v.kind == "end"] for t, vs in ed.client.progress_reports.items()}


@pytest.mark.parametrize("model, error", [("context_full", "RuntimeError"), ("out_of_memory", "MemoryError")])
async def test_complete_function_backend_failure_ends_its_progress(make_editor, model, error):
    ed = await make_editor({"model": SCRIPTED + model})
    ed.open(URI, "def hyp(x):\n    ")
    with pytest.raises(JsonRpcException) as err:
        await ed.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}})
    assert error in str(err.value)
    [token] = [t for t, vs in ed.client.progress_reports.items() if any("generated" in (v.message or "") for v in vs)]
    assert _ends(ed)[token] == ["failed"]
    assert ed.unended_progress() == []
    assert ed.applied_edits == []
    assert any(error in m.message for m in ed.client.messages if m.type == types.MessageType.Error)
    # the server stays up and answers
    st = await ed.status(wait_idle=True)
    assert st["state"] == "ready" and st["busy"] == 0


async def test_superseded_model_load_ends_its_progress(make_editor):
    ed = await make_editor({"model": SCRIPTED + "slow_loading"}, wait=False)
    while not any("shard" in (v.message or "") for v in ed.progress_values()):
        await ed.client.wait_for_notification(types.PROGRESS)
    [first] = list(ed.client.progress_reports)
    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"jumpcoder": {"model": DEMO}}))
    st = await ed.wait_ready()
    assert st["state"] == "ready" and st["model"] == "scripted demo", st
    assert await ed.wait_progress_ended(timeout=5) == []
    assert _ends(ed)[first] and "superseded" in _ends(ed)[first][0]


# -- 4. server-to-client requests time out -------------------------------------------------------


async def test_model_loads_when_the_client_never_answers_progress_create(make_editor):
    ed = await make_editor({"model": DEMO}, wait=False, env=FAST_TIMEOUT, answer_progress_create=False)
    st = await asyncio.wait_for(ed.wait_ready(), 10)
    assert st["state"] == "ready" and st["model"] == "scripted demo"
    assert ed.progress_values() == []  # no progress without a created token
    ed.open(URI, "def hyp(x):\n    ")
    [item] = await ed.inline(URI, P(1, 4))
    assert item.insert_text == "return math.sqrt(x)"


async def test_apply_edit_never_answered_returns_within_the_timeout(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0}, env=FAST_TIMEOUT)
    ed.answer_apply_edit = False
    ed.open(URI, "def hyp(x):\n    ")
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    result = await asyncio.wait_for(
        ed.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}}), 10
    )
    assert loop.time() - t0 < 5
    assert result["applied"] is False and "did not answer" in result["reason"], result
    # later requests still work
    [item] = await asyncio.wait_for(ed.inline(URI, P(1, 4)), 10)
    assert item.insert_text == "return math.sqrt(x)"
    st = await asyncio.wait_for(ed.status(wait_idle=True), 10)
    assert st["state"] == "ready" and st["busy"] == 0


async def test_client_timeout_comes_from_the_environment_or_the_default():
    from jumpcoder_lsp.server.server import CLIENT_TIMEOUT_ENV, CLIENT_TIMEOUT_S, client_timeout_from_environment

    assert client_timeout_from_environment({}) == CLIENT_TIMEOUT_S == 10.0
    assert client_timeout_from_environment({CLIENT_TIMEOUT_ENV: "0.5"}) == 0.5
    for bad in ("0", "-1", "soon", "inf", "nan"):
        assert client_timeout_from_environment({CLIENT_TIMEOUT_ENV: bad}) == CLIENT_TIMEOUT_S, bad
