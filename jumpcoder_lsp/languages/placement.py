"""Shared mechanics of the specs' placement rules (issue 15): where a new import goes in an
existing import block, and how many blank lines an insertion needs around it.

The *rules* belong to each language spec (``import_position``, ``blank_lines``); this module only
holds what they have in common: the sorted position in a block of import groups, and counting the
blank lines around an insertion point. Lines are plain strings (any line ending); positions are
0-based line indexes, "before line i".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence


@dataclass(frozen=True)
class ImportEntry:
    """One import statement of the block: lines [start, end] (inclusive), its sort keys (the
    same variants for every entry, e.g. ``(kind, module)`` and ``module``) and its category
    (stdlib / third party, ``<...>`` / ``"..."``, ``System`` / other: what import groups are made of)."""

    start: int
    end: int
    keys: tuple[Any, ...]
    category: Any = 0


def _groups(entries: Sequence[ImportEntry]) -> list[list[ImportEntry]]:
    """Runs of imports on consecutive lines (a blank line or any other line splits groups)."""
    groups: list[list[ImportEntry]] = []
    for e in sorted(entries, key=lambda e: e.start):
        if groups and e.start == groups[-1][-1].end + 1:
            groups[-1].append(e)
        else:
            groups.append([e])
    return groups


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _sorted_by(group: Sequence[ImportEntry], variant: int) -> bool:
    keys = [e.keys[variant] for e in group]
    return all(a <= b for a, b in zip(keys, keys[1:]))


def sorted_import_position(entries: Sequence[ImportEntry], new: ImportEntry, block_end: int) -> int:
    """Where ``new`` (its keys and category; start/end unused) goes among ``entries``.

    The group: of those whose imports share ``new``'s category (majority), the one with the longest
    common prefix with ``new``'s last key (``java.util`` beside ``java.io``), else the end of
    the block (``block_end``). In that group: when it is sorted by one of the key variants (tried
    in order; a group of one counts as sorted; only its imports of ``new``'s category count), before
    the first import whose key is greater (after equal ones); otherwise after the group's last import.
    """
    groups = _groups(entries)
    if not groups:
        return block_end
    target: Optional[list[ImportEntry]] = None
    best = -1
    for g in groups:
        cats = [e.category for e in g]
        if max(set(cats), key=cats.count) != new.category:
            continue
        shared = max(_common_prefix(str(e.keys[-1]), str(new.keys[-1])) for e in g)
        if shared > best:
            target, best = g, shared
    if target is None:
        if len(groups) == 1:
            target = groups[0]
        else:
            return block_end
    members = [e for e in target if e.category == new.category] or target
    for variant in range(len(new.keys)):
        if _sorted_by(members, variant):
            for e in members:
                if e.keys[variant] > new.keys[variant]:
                    return e.start
            return members[-1].end + 1
    return target[-1].end + 1


def _blank(line: str) -> bool:
    return not line.strip()


def blank_counts(lines: Sequence[str], at: int, inserted: Sequence[str]) -> tuple[int, int, Optional[str], Optional[str]]:
    """(blank lines above the insertion, blank lines below it, the nearest non-blank line above,
    the nearest non-blank line below): the insertion's own leading/trailing blank lines count."""
    lead = 0
    for t in inserted:
        if not _blank(t):
            break
        lead += 1
    trail = 0
    for t in reversed(inserted):
        if not _blank(t):
            break
        trail += 1
    above, prev = 0, None
    for i in range(at - 1, -1, -1):
        if _blank(lines[i]):
            above += 1
        else:
            prev = lines[i]
            break
    below, nxt = 0, None
    for i in range(at, len(lines)):
        if _blank(lines[i]):
            below += 1
        else:
            nxt = lines[i]
            break
    return above + lead, below + trail, prev, nxt
