"""Typing along a background run on the real default model (issue 14, item 4), through the server
over stdio: an inline request with a short ``inlineBudgetMs`` is answered with the first line(s) while
the run goes on; the user types exactly what was suggested, one keystroke per didChange; the next
request is served by that same run (no second model run), trimmed by what was typed, and once the run
has ended the whole suggestion continues where the typing stopped. The scripted twin is
tests/server/test_typing_along_background.py. Runtime auto (torch bf16 on an avx512_bf16 CPU,
llama.cpp on an AVX2 one)."""

from __future__ import annotations

import pytest
from lsprotocol import types

pytestmark = [pytest.mark.asyncio, pytest.mark.real_model, pytest.mark.timeout(900)]

URI = "file:///work/evens.py"
# a loop still to write: the suggestion has several lines, so the run outlasts the budget
BUFFER = 'def count_even(xs):\n    """Count the even numbers in xs."""\n    count = 0\n    '


async def test_real_model_typing_the_suggestion_is_served_by_the_same_run(make_editor):
    ed = await make_editor({"model": "default", "debounceMs": 0, "warmCache": False, "inlineMaxLines": 8,
                            "inlineBudgetMs": 1})
    ed.open(URI, BUFFER)
    start = ed.end(URI)
    [first] = await ed.inline(URI, start)
    head = first.insert_text
    assert head.strip(), "the budget answer holds at least one non-empty line"
    at = start
    for ch in head:  # keystrokes, one didChange each
        at = ed.type(URI, ch, at=at)
    [along] = await ed.inline(URI, ed.end(URI)) or [None]
    st = await ed.until(lambda s: s.get("background_done", 0) + s.get("model_runs", 0) >= 1)
    stats = (await ed.status(wait_idle=True))["stats"]
    assert stats["model_started"] == 1, stats  # typing along started no second run
    assert stats.get("cancelled", 0) == 0, stats
    assert stats.get("background_followed", 0) + stats.get("followed_answers", 0) >= 1, stats
    # once the run has ended, asking at the typed-to end gets the rest of the same suggestion
    [rest] = await ed.inline(URI, ed.end(URI)) or [None]
    assert (await ed.status(wait_idle=True))["stats"]["model_started"] == 1
    if along is not None:  # what was served while typing is the head of what the run ended with
        assert rest is not None and rest.insert_text.startswith(along.insert_text.rstrip()[:20])
    text = ed.texts[URI]
    assert text.startswith(BUFFER + head), "the typed text is the suggestion"
