"""The server over the real engine with ScriptedRuntimes (jumpcoder_lsp.server.scripted:engine_pair):
the engine's own decisions, end to end through the protocol."""

from __future__ import annotations

import pytest

from .conftest import SCRIPTED

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]

URI = "file:///work/product.py"


async def test_engine_pair_complete_function(make_editor):
    ed = await make_editor({"model": SCRIPTED + "engine_pair", "debounceMs": 0})
    st = await ed.status()
    assert st["state"] == "ready", st
    ed.open(URI, "def product(xs):\n    return ")
    result = await ed.command("jumpcoder.completeFunction", {"uri": URI, "position": {"line": 1, "character": 11}})
    assert result["applied"] is True, result
    text = ed.texts[URI]
    assert "reduce(lambda a, b: a * b, xs, 1)" in text
    # the scripted run is deterministic: the AST judge always takes the import jump
    assert result["jumps"] == 1, result
    assert text.index("from functools import reduce") < text.index("def product")
