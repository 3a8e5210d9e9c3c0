"""The real default model through the server: an inline suggestion in the middle of a function
never repeats the line below the cursor (issue 14, "the code after the cursor"). The buffer is
examples/total.py, the cursor on its blank line 3, between ``s = 0`` and the existing ``return s``.
Run with ``-m real_model``."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol.types import Position

pytestmark = [pytest.mark.asyncio, pytest.mark.real_model, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
URI = "file:///work/total.py"
TOTAL = (ROOT / "examples" / "total.py").read_text()


async def test_the_inline_suggestion_ends_before_the_line_below(make_editor):
    assert TOTAL == "def total(xs):\n    s = 0\n\n    return s\n"
    # the whole suggestion, not what is ready within the inline time budget (tests/server/test_budget.py)
    ed = await make_editor({"model": "default", "debounceMs": 0, "threads": 1, "inlineBudgetMs": 0})
    st = await ed.status()
    assert st["state"] == "ready", st
    ed.open(URI, TOTAL)
    items = await ed.inline(URI, Position(line=2, character=0))
    assert items and len(items) == 1, items
    text = items[0].insert_text
    assert "for " in text and "return" not in text, text
    new = "def total(xs):\n    s = 0\n" + text + "\n    return s\n"
    assert new.count("return s") == 1
    compile(new, "total.py", "exec")
    assert ed.texts[URI] == TOTAL  # an inline suggestion changes nothing by itself
