"""How inserted lines look (issue 15's "formatting"): the file's indentation unit and line break.

The models write what they learned -- mostly four spaces and ``\\n`` -- whatever the file uses.
:func:`conform` rewrites the leading whitespace and the line breaks of lines JumpCoder inserts to
the file's own (tabs, two or four spaces; ``\\r\\n``), and nothing else of them. The server hands
the engine ``\\n`` text and converts breaks back at its edges (edits.py); the CLI hands it the file
as it is, so both get the file's breaks.
"""

from __future__ import annotations

from collections import Counter
from typing import Optional, Sequence

from ..edits import eol_of


def _lead(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def indent_unit(lines: Sequence[str], *, from_first: bool = False) -> Optional[str]:
    """The indentation unit of ``lines``: ``"\\t"`` when most indented lines start with a tab,
    else the most common positive step between the indentation of consecutive code lines
    (``"  "``, ``"    "``...), counted from column 0 (a file) or, with ``from_first``, from the
    first code line (a snippet that starts indented); None when there is no step."""
    tabs = spaces = 0
    steps: Counter = Counter()
    prev = None if from_first else 0
    for line in lines:
        if not line.strip():
            continue
        lead = _lead(line)
        if lead.startswith("\t"):
            tabs += 1
            continue
        if lead:
            spaces += 1
        width = len(lead.expandtabs(8))
        if prev is not None and width > prev:
            steps[width - prev] += 1
        prev = width
    if tabs > spaces:
        return "\t"
    if not steps:
        return None
    step = max(steps, key=lambda s: (steps[s], -s))
    return " " * step


def reindent(lines: Sequence[str], unit: Optional[str]) -> list[str]:
    """``lines`` with their leading whitespace in ``unit``: the lines' own unit (their step, or,
    when they all sit at one depth, a tab or four spaces per level) is converted level by level.
    Lines already in ``unit``'s kind at one depth are kept (their depth cannot be told)."""
    lines = list(lines)
    if unit is None:
        return lines
    own = indent_unit(lines, from_first=True)
    leads = [_lead(t) for t in lines if t.strip()]
    if own is None:
        if not any(leads):
            return lines
        own = "\t" if any(l.startswith("\t") for l in leads) else "    "
        if (own == "\t") == (unit == "\t"):
            return lines  # one depth, same kind
    if own == unit:
        return lines
    own_width = 4 if own == "\t" else len(own)
    out = []
    for t in lines:
        if not t.strip():
            out.append(t)
            continue
        lead = _lead(t)
        width = len(lead.expandtabs(own_width)) if "\t" in lead else len(lead)
        levels, rest = divmod(width, own_width)
        out.append(unit * levels + " " * rest + t[len(lead):])
    return out


def with_eol(lines: Sequence[str], eol: str) -> list[str]:
    """Each line's break (``\\n``, ``\\r\\n`` or ``\\r``) as ``eol``."""
    out = []
    for t in lines:
        body = t.rstrip("\r\n")
        out.append(body + eol if len(body) < len(t) else t)
    return out


def conform(lines: Sequence[str], code: Sequence[str]) -> list[str]:
    """Inserted ``lines`` in the indentation unit and line break of the file ``code`` (its lines)."""
    eol = eol_of("".join(code[:50]))
    return with_eol(reindent(lines, indent_unit(code)), eol)
