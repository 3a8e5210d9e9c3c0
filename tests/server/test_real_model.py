"""The real default model through the server: the paper's reduce example (Fig. 12). The
autoregressive model uses ``reduce`` without importing it; JumpCoder jumps back and inserts
``from functools import reduce`` above the function. Run with ``-m real_model``."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.asyncio, pytest.mark.real_model, pytest.mark.timeout(900)]

URI = "file:///work/reduce_example.py"

PROMPT = '''def product_of_list(numbers):
    """Return the product of all numbers in the list, using functools.reduce."""
    return reduce('''


async def test_reduce_example_import_lands_above_the_function(make_editor):
    ed = await make_editor({"model": "default", "debounceMs": 0, "maxLines": 8})
    st = await ed.status()
    assert st["state"] == "ready", st
    ed.open(URI, PROMPT)
    end = ed.end(URI)
    result = await ed.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": end.line, "character": end.character}})
    assert result["applied"] is True, result
    text = ed.texts[URI]
    assert "import reduce" in text or "import functools" in text, text
    import_at = text.find("from functools import reduce")
    if import_at < 0:
        import_at = text.find("import functools")
    assert import_at < text.index("def product_of_list"), text
    assert result["jumps"] >= 1
