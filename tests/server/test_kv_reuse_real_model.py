"""Edit-aware KV reuse across a typing session, through the server over stdio (issue 16), on the real
default model (runtime auto: llama.cpp on an AVX2 CPU). A suggestion at the end of a buffer fills the
runtime's prompt cache; the user then inserts an import at the top (an incremental didChange with a
range, above the cursor), the server warms the cache in the background after the edit, and a
suggestion is asked at the end again. ``jumpcoder.status``'s ``cache`` (the runtime's counters) says
how many prompt tokens that cost: with ``kvReuse: "pie"`` about the edited tokens only; with
``prefix`` the whole buffer again (the first changed token is at its start).

Nothing but the token diff links the edit to the cache: the server passes the runtime prompts, and
the runtime plans against its cached sequences (runtime/kvreuse.py ``plan_reuse``). Run with
``-m real_model``."""

from __future__ import annotations

import pytest
from lsprotocol import types

pytestmark = [pytest.mark.asyncio, pytest.mark.real_model, pytest.mark.timeout(900)]

URI = "file:///work/inventory.py"
BUFFER = '''class Inventory:
    """Items and their counts; counts never go below zero."""

    def __init__(self):
        self.items = {}

    def add(self, name, count=1):
        """Add count items called name."""
        if count < 0:
            raise ValueError("count must not be negative")
        self.items[name] = self.items.get(name, 0) + count

    def remove(self, name, count=1):
        """Remove up to count items called name; the number removed."""
        have = self.items.get(name, 0)
        taken = min(have, count)
        if taken == have:
            self.items.pop(name, None)
        else:
            self.items[name] = have - taken
        return taken

    def total(self):
        """How many items there are in all."""
        return sum(self.items.values())

    def names(self):
        """The names of the items in stock, sorted."""
        return sorted(name for name, count in self.items.items() if count > 0)


def merge(first, second):
    """A new inventory holding the items of both."""
    merged = Inventory()
    for source in (first, second):
        for name, count in source.items.items():
            merged.add(name, count)
    return merged


def most_common(inventory, n):
    """The n names with the largest counts, largest first."""
    '''


async def _session(make_editor, kv_reuse: str) -> dict:
    ed = await make_editor({"model": "default", "threads": 1, "kvReuse": kv_reuse, "debounceMs": 0,
                            "inlineMaxLines": 1, "inlineBudgetMs": 0})
    ed.open(URI, BUFFER)
    await ed.inline(URI, ed.end(URI))
    before = (await ed.status(wait_idle=True))["cache"]
    ed.edit(URI, [types.TextEdit(range=types.Range(start=types.Position(line=0, character=0),
                                                    end=types.Position(line=0, character=0)),
                                 new_text="import collections\n")])
    await ed.until(lambda s: s.get("warm_done", 0) + s.get("warm_cancelled", 0) >= 1)
    warmed = (await ed.status(wait_idle=True))["cache"]
    [item] = await ed.inline(URI, ed.end(URI)) or [None]
    after = (await ed.status(wait_idle=True))["cache"]
    return {"before": before, "warmed": warmed, "after": after, "item": item}


def _computed(got: dict, a: str, b: str) -> int:
    return got[b]["tokensComputed"] - got[a]["tokensComputed"]


async def test_pie_computes_about_the_edited_tokens_after_an_edit_above_the_cursor(make_editor):
    pie = await _session(make_editor, "pie")
    assert pie["after"]["kvReuse"] == "pie", pie["after"]
    first = pie["before"]["tokensComputed"]  # the first suggestion computed the buffer
    assert first > 250, pie["before"]
    # the warm-up after the edit and the suggestion together: the import's tokens and a few more,
    # not the buffer after it
    session = _computed(pie, "before", "after")
    print(f"pie: first suggestion {first} tokens, after the edit {session} "
          f"(warm-up {_computed(pie, 'before', 'warmed')}, suggestion {_computed(pie, 'warmed', 'after')})")
    assert pie["after"]["piePlans"] > pie["before"]["piePlans"], pie
    assert session < 0.1 * first, pie
    assert pie["item"] is not None and pie["item"].insert_text.strip(), pie["item"]


async def test_prefix_reuse_computes_the_whole_buffer_again_after_an_edit_at_the_top(make_editor):
    prefix = await _session(make_editor, "prefix")
    first = prefix["before"]["tokensComputed"]
    session = _computed(prefix, "before", "after")
    print(f"prefix: first suggestion {first} tokens, after the edit {session} "
          f"(warm-up {_computed(prefix, 'before', 'warmed')}, suggestion {_computed(prefix, 'warmed', 'after')})")
    assert prefix["after"]["piePlans"] == 0, prefix
    assert session > 0.9 * first, prefix
