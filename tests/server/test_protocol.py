"""The language server end to end over stdio, with the scripted demo model (see
jumpcoder_lsp/server/scripted.py), under the VS Code and Neovim capability presets."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException


from .conftest import DEMO, SCRIPTED

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

URI = "file:///work/hyp.py"


def P(line, ch):
    return types.Position(line=line, character=ch)


# -- capabilities ----------------------------------------------------------------------------


async def test_capabilities_and_encoding(editor):
    st = await editor.status()
    caps = editor.client.capabilities
    assert st["model"] == "scripted demo"
    # Neovim offers utf-8 first; VS Code offers nothing (utf-16)
    assert st["positionEncoding"] == ("utf-8" if editor.preset == "neovim" else "utf-16")
    assert editor.encoding == st["positionEncoding"]
    assert caps is not None


# -- inline completion -----------------------------------------------------------------------


async def test_inline_completion_accept_inserts_the_import(editor):
    editor.open(URI, "def hyp(x):\n    ")
    items = await editor.inline(URI, P(1, 4))
    assert len(items) == 1
    item = items[0]
    assert item.insert_text == "return math.sqrt(x)"
    assert item.range.start == P(1, 4) == item.range.end
    assert item.command.command == "jumpcoder.applyEdit"
    # the back-inserted line travels with the item for previews, in data and in the command
    raw = item.command.arguments[0]
    assert raw["insertions"] == [{"line": 0, "text": "import math\n"}]

    # accept like VS Code / Neovim: insert the text (version +1), then run the item's command
    editor.type(URI, item.insert_text, at=item.range.start)
    edit_done = editor.next_edit()
    result = await editor.command(item.command.command, *item.command.arguments)
    assert result["applied"] is True and await edit_done
    assert editor.texts[URI] == "import math\ndef hyp(x):\n    return math.sqrt(x)"

    # never applied twice
    again = await editor.command(item.command.command, *item.command.arguments)
    assert again == {"applied": False, "reason": "already applied"}
    assert editor.texts[URI].count("import math") == 1
    change = editor.applied_edits[-1].edit.document_changes[0]
    assert change.text_document.version == 2  # the version after the accept, not the one computed for


async def test_inline_data_survives_the_wire(editor):
    editor.open(URI, "def hyp(x):\n    ")
    raw = await editor.send_raw(
        {
            "method": "textDocument/inlineCompletion",
            "params": {
                "textDocument": {"uri": URI},
                "position": {"line": 1, "character": 4},
                "context": {"triggerKind": 1},
            },
        }
    )
    [item] = raw  # plain JSON: what a client sees
    assert item["data"]["insertions"] == [{"line": 0, "text": "import math\n"}]
    assert item["data"]["id"] == item["command"]["arguments"][0]["id"]
    assert item["data"]["version"] == 1


async def test_inline_not_applied_when_the_document_no_longer_matches(editor):
    editor.open(URI, "def hyp(x):\n    ")
    [item] = await editor.inline(URI, P(1, 4))
    editor.type(URI, "return x")  # the user typed something else instead of accepting
    result = await editor.command(item.command.command, *item.command.arguments)
    assert result["applied"] is False
    assert "import" not in editor.texts[URI]
    assert not editor.applied_edits


async def test_typing_along_is_served_from_the_cache(editor):
    editor.open(URI, "def hyp(x):\n    ")
    [first] = await editor.inline(URI, P(1, 4))
    runs = (await editor.status())["stats"]["model_runs"]
    cur = editor.type(URI, "return ma")
    [item] = await editor.inline(URI, cur, invoked=False)
    assert item.insert_text == "th.sqrt(x)"
    st = await editor.status()
    assert st["stats"]["model_runs"] == runs
    assert st["stats"]["cache_hits"] >= 1
    # the derived item still carries the import and applies it once accepted
    editor.type(URI, item.insert_text, at=cur)
    result = await editor.command(item.command.command, *item.command.arguments)
    assert result["applied"] is True
    assert editor.texts[URI] == "import math\ndef hyp(x):\n    return math.sqrt(x)"
    assert first.command.arguments[0]["id"] != item.command.arguments[0]["id"]


async def test_non_ascii_buffer_positions(editor):
    # emoji and CJK before the cursor line and in the function: positions in the client's encoding
    text = '"""数学 😀 helpers"""\nLABEL = "角度😀"\n\n\ndef hyp(x):  # 😀\n    '
    editor.open(URI, text)
    cur = editor.end(URI)
    [item] = await editor.inline(URI, cur)
    assert item.insert_text == "return math.sqrt(x)"
    editor.type(URI, item.insert_text, at=cur)
    assert (await editor.command(item.command.command, *item.command.arguments))["applied"]
    assert editor.texts[URI] == "import math\n" + text + "return math.sqrt(x)"
    assert editor.texts[URI].endswith("    return math.sqrt(x)")


# -- completion ------------------------------------------------------------------------------


async def test_completion_with_additional_text_edits(editor):
    editor.open(URI, "import os\n\n\ndef product(xs):\n    ")
    result = await editor.completion(URI, P(4, 4))
    assert isinstance(result, types.CompletionList) and result.is_incomplete
    [item] = result.items
    assert item.text_edit.new_text == "return reduce(lambda a, b: a * b, xs, 1)"
    [extra] = item.additional_text_edits
    assert extra.range.start == P(1, 0) and extra.new_text == "from functools import reduce\n"
    editor.edit(URI, [item.text_edit, *item.additional_text_edits])
    assert editor.texts[URI] == "import os\nfrom functools import reduce\n\n\ndef product(xs):\n    return reduce(lambda a, b: a * b, xs, 1)"


# -- completeFunction ------------------------------------------------------------------------


async def test_complete_function_one_edit_at_several_locations_with_progress(editor):
    text = "def count_primes(n):\n    "
    editor.open(URI, text)
    edit_done = editor.next_edit()
    result = await editor.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}})
    assert result["applied"] is True and await edit_done
    assert len(editor.applied_edits) == 1  # ONE workspace/applyEdit
    [change] = editor.applied_edits[0].edit.document_changes
    assert change.text_document.version == 1  # versioned, for the version it was computed on
    starts = sorted({(e.range.start.line, e.range.start.character) for e in change.edits})
    assert len(starts) >= 2  # the import at the top, the helper above the function, the body at the cursor
    final = editor.texts[URI]
    assert final.startswith("import math\ndef is_prime(k):\n")
    assert final.index("def is_prime") < final.index("def count_primes")
    assert final.endswith("        total += 1\n    return total")
    # work-done progress: begin, reports (lines generated), end with a summary
    values = editor.progress_values()
    kinds = [v.kind for v in values]
    assert "begin" in kinds and "report" in kinds and "end" in kinds
    assert any("lines generated" in (v.message or "") for v in values if v.kind == "report")
    ends = [v.message for v in values if v.kind == "end"]
    assert any("5 lines" in (m or "") and "jumps" in (m or "") for m in ends), ends


async def test_complete_function_cancel_request_stops_generation(editor):
    editor.open(URI, "def slow_thing(n):\n    ")
    msg_id = "complete-to-cancel"
    call = asyncio.ensure_future(
        editor.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}}, msg_id=msg_id)
    )
    # wait until it is generating (a progress report), then cancel
    while not any(v.kind == "report" and "generated" in (v.message or "") for v in editor.progress_values()):
        await editor.client.wait_for_notification(types.PROGRESS)
    editor.cancel(msg_id)
    with pytest.raises(JsonRpcException) as err:
        await call
    assert err.value.code == -32800  # RequestCancelled
    st = await editor.status(wait_idle=True)  # the model thread has stopped
    assert st["busy"] == 0 and st["stats"]["cancelled"] >= 1
    assert editor.applied_edits == [] and editor.rejected_edits == []  # nothing reached the editor
    assert editor.texts[URI] == "def slow_thing(n):\n    "
    # and the server keeps working
    editor.open("file:///work/p.py", "def plain():\n    ")
    [item] = await editor.inline("file:///work/p.py", P(1, 4))
    assert item.insert_text == "return 42"


async def test_complete_function_progress_cancel(editor):
    editor.open(URI, "def slow_thing(n):\n    ")
    call = asyncio.ensure_future(
        editor.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}})
    )
    while not any(v.kind == "report" and "generated" in (v.message or "") for v in editor.progress_values()):
        await editor.client.wait_for_notification(types.PROGRESS)
    [token] = [t for t, vs in editor.client.progress_reports.items() if any(v.kind == "report" and "generated" in (v.message or "") for v in vs)]
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    assert await call == {"applied": False, "reason": "cancelled"}
    assert editor.applied_edits == []


async def test_stale_version_result_is_dropped(editor):
    editor.open(URI, "def slow_thing(n):\n    ")
    call = asyncio.ensure_future(
        editor.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}})
    )
    while not any(v.kind == "report" and "generated" in (v.message or "") for v in editor.progress_values()):
        await editor.client.wait_for_notification(types.PROGRESS)
    editor.type(URI, "# edited meanwhile\n", at=P(0, 0))  # a new version while the model works
    result = await call
    assert result["applied"] is False and result["reason"] == "stale"
    assert editor.applied_edits == [] and editor.rejected_edits == []
    assert (await editor.status())["stats"]["stale_dropped"] >= 1


async def test_inline_stale_and_superseded_requests(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0})
    ed.open(URI, "def slow_thing(n):\n    ")
    first = asyncio.ensure_future(ed.inline(URI, P(1, 4)))
    st = await ed.status()
    while st["busy"] == 0:  # until the model thread has picked it up
        st = await ed.status()
    ed.open("file:///work/other.py", "def plain():\n    ")
    ed.type(URI, "\n", at=P(0, 0))  # new version of the slow document
    second = asyncio.ensure_future(ed.inline(URI, P(2, 4)))  # supersedes the first
    assert await first == []
    assert await second == [] or second.result()[0].insert_text.startswith("step_0")
    st = await ed.status(wait_idle=True)
    assert st["stats"]["superseded"] >= 1


async def test_cancel_inline_request(editor):
    editor.open(URI, "def slow_thing(n):\n    ")
    call = asyncio.ensure_future(editor.inline(URI, P(1, 4), msg_id="inline-1"))
    st = await editor.status()
    while st["busy"] == 0:
        st = await editor.status()
    editor.cancel("inline-1")
    with pytest.raises(JsonRpcException) as err:
        await call
    assert err.value.code == -32800
    st = await editor.status(wait_idle=True)
    assert st["stats"]["cancelled"] >= 1


# -- invalid params (pitfall 1) and bad requests ----------------------------------------------


async def test_invalid_requests_are_answered_and_the_server_keeps_working(editor):
    editor.open(URI, "def hyp(x):\n    ")
    bad = [
        # ill-typed params: pygls would drop these and the client would hang
        {"method": "textDocument/inlineCompletion", "params": {"textDocument": {"uri": URI}, "position": {"line": -1, "character": 0}, "context": {"triggerKind": 1}}},
        {"method": "textDocument/completion", "params": {"textDocument": {"uri": URI}, "position": "1:4"}},
        {"method": "textDocument/completion", "params": {"textDocument": {"uri": URI}}},
        {"method": "textDocument/codeAction", "params": None},
        # unknown document, position past the end, unknown command, bad command arguments
        {"method": "textDocument/inlineCompletion", "params": {"textDocument": {"uri": "file:///nope.py"}, "position": {"line": 0, "character": 0}, "context": {"triggerKind": 1}}},
        {"method": "textDocument/inlineCompletion", "params": {"textDocument": {"uri": "not a uri"}, "position": {"line": 0, "character": 0}, "context": {"triggerKind": 1}}},
        {"method": "textDocument/completion", "params": {"textDocument": {"uri": URI}, "position": {"line": 7, "character": 0}}},
        {"method": "textDocument/completion", "params": {"textDocument": {"uri": URI}, "position": {"line": 1, "character": 99}}},
        {"method": "workspace/executeCommand", "params": {"command": "jumpcoder.noSuchCommand", "arguments": []}},
        {"method": "workspace/executeCommand", "params": {"command": "jumpcoder.completeFunction", "arguments": [{"uri": URI, "position": "end"}]}},
        {"method": "workspace/executeCommand", "params": {"command": "jumpcoder.completeFunction", "arguments": [{"uri": URI, "position": {"line": 1, "character": 99}}]}},
        {"method": "workspace/executeCommand", "params": {"command": "jumpcoder.applyEdit", "arguments": ["x", 1]}},
    ]
    for message in bad:
        with pytest.raises(JsonRpcException) as err:
            await asyncio.wait_for(editor.send_raw(dict(message)), 10)
        assert err.value.code == -32602, (message, err.value)
    # an unknown method is MethodNotFound
    with pytest.raises(JsonRpcException) as err:
        await editor.send_raw({"method": "jumpcoder/nothing", "params": {}})
    assert err.value.code == -32601
    # still working
    [item] = await editor.inline(URI, P(1, 4))
    assert item.insert_text == "return math.sqrt(x)"


# -- model loading ---------------------------------------------------------------------------


async def test_requests_before_the_model_is_ready_get_an_empty_result_fast(make_editor):
    ed = await make_editor({"model": SCRIPTED + "slow_loading", "debounceMs": 0}, wait=False)
    ed.open(URI, "def hyp(x):\n    ")
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    assert await ed.inline(URI, P(1, 4)) == []
    assert loop.time() - t0 < 1.0
    assert (await ed.status())["state"] == "loading"
    st = await ed.wait_ready()
    assert st["state"] == "ready"
    [item] = await ed.inline(URI, P(1, 4))
    assert item.insert_text == "return math.sqrt(x)"
    # model load progress: begin ... shard reports ... end
    values = ed.progress_values()
    assert values[0].kind == "begin" and "loading model" in values[0].title
    assert any(v.kind == "report" and "shard" in (v.message or "") for v in values)
    assert any(v.kind == "end" and (v.message or "").startswith("ready") for v in values)


async def test_complete_function_waits_for_the_model_load(make_editor):
    ed = await make_editor({"model": SCRIPTED + "slow_loading"}, wait=False)
    ed.open(URI, "def hyp(x):\n    ")
    result = await ed.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}})
    assert result["applied"] is True
    assert ed.texts[URI] == "import math\ndef hyp(x):\n    return math.sqrt(x)"


@pytest.mark.parametrize("preset", ["vscode", "neovim"])
async def test_failed_model_load_is_reported_once_and_the_server_stays_up(make_editor, preset):
    ed = await make_editor({"model": SCRIPTED + "failing"}, preset=preset, wait=False)
    ed.open(URI, "def hyp(x):\n    ")
    while not ed.client.messages:
        await ed.client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
    st = await ed.wait_ready()
    assert st["state"] == "failed" and "nonexistent" in st["error"]
    assert await ed.inline(URI, P(1, 4)) == []
    assert not (await ed.completion(URI, P(1, 4))).items
    with pytest.raises(JsonRpcException):
        await ed.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 4}})
    await ed.status()
    errors = [m for m in ed.client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1 and "could not load the model" in errors[0].message
    # a settings change to a good model recovers
    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"jumpcoder": {"model": DEMO}}))
    st = await ed.wait_ready()
    while st["state"] != "ready":
        await ed.client.wait_for_notification(types.PROGRESS)
        st = await ed.status()
    [item] = await ed.inline(URI, P(1, 4))
    assert item.insert_text == "return math.sqrt(x)"


# -- configuration ---------------------------------------------------------------------------


async def test_bad_configuration_is_reported_and_the_previous_value_stays(make_editor):
    ed = await make_editor({"model": DEMO, "k": "five", "debounceMs": 0})
    assert "invalid initializationOptions" in ed.client.messages[0].message
    st = await ed.status()
    assert st["config"]["engine"]["k"] == 5 and st["config"]["model"] == DEMO
    ed.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"jumpcoder": {"k": 3, "tau": 0.5, "maxLines": 20, "debounceMs": 10}})
    )
    st = await ed.status()
    assert st["config"]["engine"]["k"] == 3 and st["config"]["engine"]["tau"] == 0.5
    assert st["config"]["engine"]["maxLines"] == 20 and st["config"]["debounceMs"] == 10
    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"tau": -1, "device": "tpu"}))
    await ed.client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
    msg = ed.client.messages[-1].message
    assert "tau" in msg and "device" in msg and "previous settings stay" in msg
    st = await ed.status()
    assert st["config"]["engine"]["tau"] == 0.5 and st["config"]["device"] == "auto"
    # disabling inline completion
    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"enableInline": False}))
    ed.open(URI, "def hyp(x):\n    ")
    assert await ed.inline(URI, P(1, 4)) == []
    assert (await ed.completion(URI, P(1, 4))).items[0].text_edit.new_text == "return math.sqrt(x)"


# -- documents over the wire ------------------------------------------------------------------


async def test_form_feed_document_edits_land_on_the_right_lines(editor):
    # pitfall 2: the server must use LSP's line rules, not str.splitlines
    text = "import os\x0c\n\nX = '\u2028'\n\ndef hyp(x):\n    "
    editor.open(URI, text)
    [item] = await editor.inline(URI, editor.end(URI))
    editor.type(URI, item.insert_text)
    result = await editor.command(item.command.command, *item.command.arguments)
    assert result["applied"], result
    assert editor.texts[URI] == "import os\x0c\nimport math\n\nX = '\u2028'\n\ndef hyp(x):\n    return math.sqrt(x)"


# -- diagnostics and the code action -----------------------------------------------------------


async def test_undefined_name_diagnostic_and_insert_missing_definition(editor):
    uri = "file:///work/diag.py"
    waiter = editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    editor.open(uri, 'S = "😀"\n\n\ndef area(r):\n    return math.pi * r * r\n')
    params = await waiter
    [diag] = params.diagnostics
    assert diag.source == "jumpcoder" and diag.code == "undefined-name" and "math" in diag.message
    assert diag.range.start == P(4, 11) and diag.range.end == P(4, 15)
    # raw JSON: lsprotocol's client-side converter cannot tell a CodeAction with a command from a
    # Command (both have title and command); editors look at the type of "command"
    actions = await editor.send_raw(
        {
            "method": "textDocument/codeAction",
            "params": {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 4, "character": 11}, "end": {"line": 4, "character": 15}},
                "context": {"diagnostics": [editor.client.protocol._converter.unstructure(diag)]},
            },
        }
    )
    [action] = actions
    assert action["title"].startswith("JumpCoder: insert missing definition") and action["kind"] == "quickfix"
    command = action["command"]
    edit_done = editor.next_edit()
    result = await editor.command(command["command"], *command["arguments"])
    assert result["applied"] is True and await edit_done
    assert editor.texts[uri] == 'import math\nS = "😀"\n\n\ndef area(r):\n    return math.pi * r * r\n'
    # the fixed document gets an empty diagnostics list
    while True:
        params = await editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.version == editor.versions[uri]:
            break
    assert params.diagnostics == [] or list(params.diagnostics) == []
