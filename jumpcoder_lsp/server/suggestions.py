"""Suggestions the server has made: the cache typing-along is served from, and the registry that
``jumpcoder.applyEdit`` checks before applying the lines a suggestion inserts above the cursor."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Optional

from ..edits import LineInsertion

_ids = itertools.count(1)


@dataclass
class Suggestion:
    id: str
    uri: str
    version: int  # the document version it was computed (or derived) for
    text: str  # the document text at that version
    offset: int  # the cursor, a code-point offset into ``text``
    start: int  # where the continuation's edit starts (<= offset: it may replace the indentation)
    continuation: str  # goes at the cursor (the document's line breaks)
    insertions: list[LineInsertion] = field(default_factory=list)  # go above the cursor
    jumps: int = 0
    applied: bool = False  # the insertions have been sent to the client once

    @property
    def empty(self) -> bool:
        return not self.continuation and not self.insertions

    @property
    def insert_only(self) -> bool:
        """Nothing to add at the cursor, lines to insert above (the cursor line is complete)."""
        return not self.continuation and bool(self.insertions)

    def continuation_landed(self, text: str) -> bool:
        """True when ``text`` holds the continuation in place of ``start``..cursor with the text
        before it unchanged (so the lines of the insertions above still hold)."""
        end = self.start + len(self.continuation)
        return text[: self.start] == self.text[: self.start] and text[self.start : end] == self.continuation

    def along(self, text: str, offset: int) -> Optional[str]:
        """What stands of the continuation before the cursor when ``text``/``offset`` is this
        suggestion's state plus the user typing along it; else None."""
        if offset < self.start:
            return None
        typed = text[self.start : offset]
        if not self.continuation.startswith(typed):
            return None
        # typed to its end: nothing left to suggest; an insert-only suggestion (no continuation)
        # only holds for its own state (typed "" with the text unchanged, checked below)
        if self.empty or (self.continuation and len(typed) >= len(self.continuation)):
            return None
        if text[offset:] != self.text[self.offset :] or text[: self.start] != self.text[: self.start]:
            return None
        return typed

    def derived(self, text: str, offset: int, version: int) -> Optional["Suggestion"]:
        """This suggestion for ``text``/``offset`` (at ``version``) when that is its state plus the
        user typing along it: the rest of the continuation, the same insertions above (the text
        before the continuation is unchanged, so their lines hold); else None."""
        typed = self.along(text, offset)
        if typed is None:
            return None
        if self.text == text and offset == self.offset:
            return self
        return replace(self, id=new_id(), version=version, text=text, offset=offset, start=offset,
                       continuation=self.continuation[len(typed) :], applied=False)

    def followed(self, text: str) -> Optional[int]:
        """The cursor in ``text`` when ``text`` is this (partial) suggestion's state with the user
        typing along it: the typed text is a head of the continuation so far, or the continuation
        so far is a head of the typed text (the run may still write the rest); else None. The
        cursor is where the text after the suggestion's cursor resumes."""
        tail = self.text[self.offset :]
        if not text.endswith(tail):
            return None
        cursor = len(text) - len(tail)
        if cursor < self.start or text[: self.start] != self.text[: self.start]:
            return None
        typed = text[self.start : cursor]
        if self.continuation.startswith(typed) or typed.startswith(self.continuation):
            return cursor
        return None


def new_id() -> str:
    return f"s{next(_ids)}"


class SuggestionStore:
    """An LRU of suggestions by id (bounded), with typing-along lookup."""

    def __init__(self, capacity: int = 64):
        self.capacity = max(16, capacity)
        self.lookups_enabled = capacity > 0
        self._items: "OrderedDict[str, Suggestion]" = OrderedDict()
        self.hits = 0

    def resize(self, capacity: int) -> None:
        self.capacity = max(16, capacity)
        self.lookups_enabled = capacity > 0
        self._trim()

    def put(self, s: Suggestion) -> Suggestion:
        self._items[s.id] = s
        self._items.move_to_end(s.id)
        self._trim()
        return s

    def get(self, sid: str) -> Optional[Suggestion]:
        return self._items.get(sid)

    def _trim(self) -> None:
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def lookup(self, uri: str, text: str, offset: int, version: int) -> Optional[Suggestion]:
        """A suggestion for this exact state (the same one, or one derived from an earlier
        suggestion the user has been typing along), newest first."""
        if not self.lookups_enabled:
            return None
        for s in reversed(self._items.values()):
            if s.uri != uri or s.applied:
                continue
            derived = s.derived(text, offset, version)
            if derived is None:
                continue
            self.hits += 1
            self._items.move_to_end(s.id)
            return derived if derived is s else self.put(derived)
        return None

    def drop_uri(self, uri: str) -> None:
        for sid in [k for k, s in self._items.items() if s.uri == uri]:
            del self._items[sid]

