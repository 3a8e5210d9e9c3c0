"""The warm prompt cache (issue 14, item 3): after an edit the server prefills, in the background,
what a request at the edit would send; any request cancels it at once. Scripted: ``demo``'s warm
takes 20 s in a buffer with a ``slow*`` function and polls cancellation every 50 ms; the engine
pair's ScriptedRuntime records the prompts it warmed. Whether it makes a real request faster is
measured in benchmarks/busy_editor.py (``--warm-probe``), not here."""

from __future__ import annotations


import pytest
from lsprotocol import types

from jumpcoder_lsp.engine.config import EngineConfig
from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.server import scripted
from jumpcoder_lsp.server.worker import EngineBackend

from .conftest import DEMO

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def P(line, ch):
    return types.Position(line=line, character=ch)



async def test_an_edit_warms_the_cache_and_a_request_cancels_the_warm_up(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0, "inlineMaxLines": 2})
    uri = "file:///work/slow.py"
    ed.open(uri, "def slow_thing(n):\n")
    ed.type(uri, "    ", at=P(1, 0))
    await ed.until(lambda s: s.get("warm_started", 0) == 1)  # the background prefill runs
    [item] = await ed.inline(uri, P(1, 4))  # the request does not wait behind it
    assert item.insert_text.startswith("step_0 = 0")
    s = (await ed.status(wait_idle=True))["stats"]
    assert s["warm_cancelled"] == 1 and s.get("warm_done", 0) == 0 and s["model_runs"] == 1, s


async def test_a_request_for_another_document_cancels_the_warm_up_too(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0})
    ed.open("file:///work/slow.py", "def slow_thing(n):\n")
    ed.type("file:///work/slow.py", "    ", at=P(1, 0))
    await ed.until(lambda s: s.get("warm_started", 0) == 1)
    ed.open("file:///work/plain.py", "def plain():\n    ")
    [item] = await ed.inline("file:///work/plain.py", P(1, 4))
    assert item.insert_text == "return 42"
    s = (await ed.status(wait_idle=True))["stats"]
    assert s["warm_cancelled"] == 1 and s["model_runs"] == 1, s


async def test_a_finished_warm_up_and_the_setting_that_turns_it_off(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0})
    ed.open("file:///work/plain.py", "def plain():\n")
    ed.type("file:///work/plain.py", "    ", at=P(1, 0))
    s = (await ed.until(lambda s: s.get("warm_done", 0) == 1))["stats"]
    assert s.get("warm_cancelled", 0) == 0
    off = await make_editor({"model": DEMO, "debounceMs": 0, "warmCache": False})
    off.open("file:///work/plain.py", "def plain():\n")
    off.type("file:///work/plain.py", "    ", at=P(1, 0))
    [item] = await off.inline("file:///work/plain.py", P(1, 4))
    assert item.insert_text == "return 42"
    s = (await off.status(wait_idle=True))["stats"]
    assert s.get("warm_started", 0) == 0, s


async def test_the_warmed_prompt_is_the_one_the_engine_then_sends():
    backend = EngineBackend(scripted.engine_pair())
    text = "import os\n\n\ndef product(xs):\n    return "
    python = get_language("python")
    config = EngineConfig(max_lines=1)
    backend.warm(text, 4, 11, language=python, config=config)
    [warmed] = backend.pair.gen.warmed_prompts
    assert warmed == text
    backend.complete(text, 4, 11, language=python, config=config, method="autoregressive", tree=None,
                     progress=None, cancel=None)
    assert backend.pair.gen.generated_prompts and all(p.startswith(warmed) for p in backend.pair.gen.generated_prompts)


def test_the_backend_reports_its_runtimes_cache_counters_and_the_infill_ones_when_another_runtime():
    from types import SimpleNamespace

    from jumpcoder_lsp.runtime.kvreuse import reuse_stats

    gen = SimpleNamespace(reuse_stats=lambda: reuse_stats("pie", computed=5, reused=95, moved=90, plans=1))
    infill = SimpleNamespace(reuse_stats=lambda: reuse_stats("prefix", computed=7, reused=0, moved=0, plans=0))
    shared = EngineBackend(SimpleNamespace(gen=gen, infill=gen, fim=None))
    assert shared.reuse_stats() == {"kvReuse": "pie", "tokensComputed": 5, "tokensReused": 95, "tokensMoved": 90,
                                    "piePlans": 1}
    assert EngineBackend(SimpleNamespace(gen=gen, infill=infill, fim=None)).reuse_stats()["infill"]["tokensComputed"] == 7
    assert EngineBackend(scripted.engine_pair()).reuse_stats() is None  # a runtime without a prompt cache


async def test_status_carries_the_cache_counters_none_for_a_model_without_them(make_editor):
    ed = await make_editor({"model": DEMO, "debounceMs": 0})
    st = await ed.status()
    assert "cache" in st and st["cache"] is None, st


def test_an_edit_above_the_last_requests_cursor_warms_there_typing_at_or_below_it_warms_at_the_edit():
    from jumpcoder_lsp.server.server import warm_offset

    assert warm_offset(12, 500) == 500  # an import added at the top: the user goes back and asks at 500
    assert warm_offset(500, 500) == 500 and warm_offset(503, 500) == 503  # typing at the cursor / below
    assert warm_offset(12, None) == 12  # no request yet
