"""Superseded work is dropped (issue 14, item 6), over a real LSP client on stdio.

A newer request or an edit for a document supersedes its older requests: they answer empty at
once, without waiting for the model thread, and their model work stops at the engine's next step;
queued jobs for superseded versions never reach the model; the queue is bounded; ``shutdown``
answers while the model thread is busy. The scripted backends (jumpcoder_lsp/server/scripted.py):
``demo``'s ``slow*`` functions generate a line every 50 ms for 20 s and poll cancellation between
lines; ``stubborn``'s ``stuck*`` functions block for 30 s without polling it. Figures under a
real model's load are in benchmarks/busy_editor.py, not here.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from lsprotocol import types

from jumpcoder_lsp.server.worker import ModelWorker

from .conftest import DEMO, SCRIPTED

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]

SLOW = "def slow_thing(n):\n    "
STUCK = "def stuck_thing(n):\n    "


def P(line, ch):
    return types.Position(line=line, character=ch)



async def test_an_edit_supersedes_an_inline_request_and_stops_its_model_work(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0, "inlineMaxLines": 400, "warmCache": False})
    uri = "file:///work/slow.py"
    ed.open(uri, SLOW)
    call = asyncio.ensure_future(ed.inline(uri, P(1, 4)))
    await ed.until(lambda s: s.get("model_started", 0) == 1)  # the engine is generating
    ed.type(uri, "# typed meanwhile\n", at=P(0, 0))
    assert await call == []  # answered empty, long before the 20 s the job would take
    st = await ed.status(wait_idle=True)  # and the model thread stopped at its next line
    s = st["stats"]
    assert s["cancelled"] == 1 and s.get("model_runs", 0) == 0, s
    assert s["superseded_by_edit"] == 1 and st["busy"] == 0, s
    # the server goes on serving the new version
    other = "file:///work/plain.py"
    ed.open(other, "def plain():\n    ")
    [item] = await ed.inline(other, P(1, 4))
    assert item.insert_text == "return 42"


async def test_a_superseded_request_answers_without_waiting_for_the_model_thread(make_editor):
    # the running step never polls cancellation (a long prefill): the answer must not wait for it
    ed = await make_editor({"model": SCRIPTED + "stubborn", "debounceMs": 0, "warmCache": False})
    uri = "file:///work/stuck.py"
    ed.open(uri, STUCK)
    call = asyncio.ensure_future(ed.inline(uri, P(1, 4)))
    await ed.until(lambda s: s.get("model_started", 0) == 1)
    ed.type(uri, "x", at=P(1, 4))
    assert await call == []
    st = await ed.status()
    assert st["busy"] == 1, st  # the model thread is still in its 30 s step: nobody waited for it


async def test_queued_requests_for_old_versions_never_reach_the_model(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0, "inlineMaxLines": 400, "warmCache": False})
    busy_uri, uri = "file:///work/slow.py", "file:///work/b.py"
    ed.open(busy_uri, SLOW)
    running = asyncio.ensure_future(ed.inline(busy_uri, P(1, 4)))
    await ed.until(lambda s: s.get("model_started", 0) == 1)
    ed.open(uri, "def slow_b(n):\n    ")
    old = []
    for i in range(3):  # a request, then an edit: each request is queued behind the running one
        old.append(asyncio.ensure_future(ed.inline(uri, P(1 + i, 4))))
        await ed.until(lambda s, k=i + 2: s.get("requests", 0) >= k)
        ed.type(uri, "\n    ", at=ed.end(uri))
    newest = asyncio.ensure_future(ed.inline(uri, ed.end(uri)))
    assert [await c for c in old] == [[], [], []]
    st = await ed.status()
    assert st["stats"]["model_started"] == 1 and st["stats"]["queue_dropped"] == 3, st["stats"]
    ed.type(busy_uri, "# moved on\n", at=P(0, 0))  # frees the model thread
    assert await running == []
    await ed.until(lambda s: s.get("model_started", 0) == 2)  # the one live request runs next
    assert not newest.done()
    ed.type(uri, "x", at=ed.end(uri))
    assert await newest == []
    st = await ed.status(wait_idle=True)
    assert st["stats"]["model_started"] == 2 and st["stats"]["cancelled"] == 2, st["stats"]


async def test_a_newer_request_supersedes_the_other_kind_at_another_place(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0, "inlineMaxLines": 400, "warmCache": False})
    uri = "file:///work/slow.py"
    ed.open(uri, SLOW + "\n\ndef plain():\n    ")
    inline = asyncio.ensure_future(ed.inline(uri, P(1, 4)))
    await ed.until(lambda s: s.get("model_started", 0) == 1)
    completion = await ed.completion(uri, P(4, 4))  # the same version, another cursor
    assert completion.items[0].text_edit.new_text == "return 42"
    assert await inline == []
    assert (await ed.status(wait_idle=True))["stats"]["cancelled"] == 1


async def test_inline_and_completion_at_one_place_share_one_model_run(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0, "inlineMaxLines": 400, "warmCache": False})
    uri = "file:///work/plain.py"
    ed.open(uri, "def plain():\n    ")
    inline, completion = await asyncio.gather(ed.inline(uri, P(1, 4)), ed.completion(uri, P(1, 4)))
    assert inline[0].insert_text == "return 42"
    assert completion.items[0].text_edit.new_text == "return 42"
    st = await ed.status(wait_idle=True)
    assert st["stats"]["model_started"] == 1, st["stats"]


async def test_the_queue_is_bounded_and_the_oldest_waiting_request_answers_empty(make_editor):
    ed = await make_editor({"model": SCRIPTED + "stubborn", "debounceMs": 0, "warmCache": False})
    ed.open("file:///work/stuck.py", STUCK)
    running = asyncio.ensure_future(ed.inline("file:///work/stuck.py", P(1, 4)))
    await ed.until(lambda s: s.get("model_started", 0) == 1)
    n = ModelWorker.MAX_QUEUED + 2
    calls = []
    for i in range(n):
        uri = f"file:///work/q{i}.py"
        ed.open(uri, "def plain():\n    ")
        calls.append(asyncio.ensure_future(ed.inline(uri, P(1, 4))))
        await ed.until(lambda s, k=i + 2: s.get("requests", 0) >= k)
    # the two oldest were dropped when the 9th and 10th came; the others still wait
    assert [await c for c in calls[:2]] == [[], []]
    st = await ed.status()
    assert st["stats"]["queue_full"] == 2 and st["busy"] == 1 + ModelWorker.MAX_QUEUED, st
    assert not any(c.done() for c in calls[2:]) and not running.done()


async def test_shutdown_under_load_answers_at_once(make_editor):
    ed = await make_editor({"model": SCRIPTED + "stubborn", "debounceMs": 0, "warmCache": False})
    ed.open("file:///work/stuck.py", STUCK)
    running = asyncio.ensure_future(ed.inline("file:///work/stuck.py", P(1, 4)))
    await ed.until(lambda s: s.get("model_started", 0) == 1)
    queued = []
    for i in range(4):
        uri = f"file:///work/q{i}.py"
        ed.open(uri, "def plain():\n    ")
        queued.append(asyncio.ensure_future(ed.inline(uri, P(1, 4))))
    function = ed.send_command("jumpcoder.completeFunction", {"uri": "file:///work/q0.py", "position": {"line": 1, "character": 4}})
    await ed.until(lambda s: s.get("requests", 0) >= 5)
    start = time.monotonic()
    await asyncio.wait_for(ed.client.shutdown_session(), 10)
    took = time.monotonic() - start
    assert took < 2.0, f"shutdown took {took:.1f} s with the model thread busy"
    # every request got an answer (empty, or RequestCancelled), none waited for the 30 s step
    for c in [running, function, *queued]:
        await asyncio.wait_for(asyncio.gather(c, return_exceptions=True), 2)
