"""Typing along a background run (issue 14, item 4's leftover), over a real LSP client on stdio:
after an inline answer within ``inlineBudgetMs`` the run goes on; while the user types text that
matches the head of the suggestion it is generating, it keeps going and the next request is served
from it (trimmed by the typed text, for the version typed to); text that does not match cancels
it at once. Scripted: ``stepped``'s ``budget*`` function writes scripted.BUDGET_LINES lines, one
every scripted.BUDGET_STEP s, then jumps to insert ``import math``."""

from __future__ import annotations

import asyncio
import time

import pytest
from lsprotocol import types

from jumpcoder_lsp.server import scripted

from .test_budget import BUFFER, RUN_S, WHOLE, P, settings

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

URI = "file:///work/typing.py"


async def _answered_within_budget(make_editor):
    ed = await make_editor(settings(300))
    ed.open(URI, BUFFER)
    [item] = await ed.inline(URI, P(1, 4))
    assert item.insert_text and WHOLE.startswith(item.insert_text) and item.insert_text != WHOLE
    return ed, item


async def test_typing_the_head_of_the_suggestion_keeps_the_run_and_serves_the_next_request(make_editor):
    ed, first = await _answered_within_budget(make_editor)
    typed = "v0 = math"
    at = P(1, 4)
    for ch in typed:  # keystrokes, one didChange each, as an editor sends them
        at = ed.type(URI, ch, at=at)
    [along] = await ed.inline(URI, P(1, 4 + len(typed)))
    assert along.insert_text and WHOLE[len(typed):].startswith(along.insert_text), along.insert_text
    s = (await ed.status())["stats"]
    assert s.get("cancelled", 0) == 0 and s["model_started"] == 1, s  # the same run, not a new one
    assert s["background_followed"] >= 1 and s["followed_answers"] == 1, s
    # the run ends; the whole text (and the import above) is served for the typed-to version
    st = await ed.until(lambda st: st.get("background_done", 0) == 1)
    assert st["stats"]["model_runs"] == 1, st["stats"]
    [whole] = await ed.inline(URI, P(1, 4 + len(typed)))
    assert whole.insert_text == WHOLE[len(typed):]
    args = whole.command.arguments[0]
    assert [i["text"] for i in args["insertions"]] == ["import math\n"]
    assert (await ed.status(wait_idle=True))["stats"]["model_started"] == 1


async def test_typing_past_what_is_generated_so_far_keeps_the_run_while_it_matches(make_editor):
    ed, first = await _answered_within_budget(make_editor)
    ahead = WHOLE[: WHOLE.index("v5")] + "v5 = "  # beyond the lines written at the answer
    assert len(ahead) > len(first.insert_text)
    ed.type(URI, ahead, at=P(1, 4))
    end = ed.end(URI)
    [along] = await ed.inline(URI, end)
    assert along.insert_text and WHOLE[len(ahead):].startswith(along.insert_text), along.insert_text
    s = (await ed.status(wait_idle=True))["stats"]
    assert s.get("cancelled", 0) == 0 and s["model_started"] == 1 and s["model_runs"] == 1, s


async def test_typing_text_that_does_not_match_cancels_the_run_at_once(make_editor):
    ed, first = await _answered_within_budget(make_editor)
    started = time.monotonic()
    ed.type(URI, "total = 0", at=P(1, 4))
    st = await ed.until(lambda st: st.get("cancelled", 0) == 1)
    assert time.monotonic() - started < RUN_S / 2, "cancelled only at the run's end"
    s = (await ed.status(wait_idle=True))["stats"]
    assert s.get("model_runs", 0) == 0 and s.get("background_done", 0) == 0, s
    assert s.get("background_followed", 0) == 0, s


async def test_typing_ahead_then_diverging_cancels_the_run_at_its_next_line(make_editor):
    ed, first = await _answered_within_budget(make_editor)
    # matches what is written so far, then differs from a line the run has not written yet
    ahead = WHOLE[: WHOLE.index("v6")] + "v6 = 0"
    ed.type(URI, ahead, at=P(1, 4))
    started = time.monotonic()
    await ed.until(lambda st: st.get("cancelled", 0) == 1)
    assert time.monotonic() - started < RUN_S * 0.8
    s = (await ed.status(wait_idle=True))["stats"]
    assert s["background_followed"] >= 1 and s["background_diverged"] == 1 and s.get("model_runs", 0) == 0, s


async def test_an_edit_elsewhere_while_typing_along_cancels_the_run(make_editor):
    ed, first = await _answered_within_budget(make_editor)
    ed.type(URI, "v0", at=P(1, 4))
    ed.type(URI, "# note\n", at=P(0, 0))
    await ed.until(lambda st: st.get("cancelled", 0) == 1)
    s = (await ed.status(wait_idle=True))["stats"]
    assert s.get("model_runs", 0) == 0, s
