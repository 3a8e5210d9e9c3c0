"""What the Python support reads from the text line by line, without a tree: the line patterns
(``def``, block openers, imports, encoding lines), indentation widths, :func:`_scan_lines` (the
small tokenizer that tells logical lines from continuation lines, behind
:meth:`~.spec.PythonSpec.function_end`) and :func:`_enclosing_by_indent`, the fallback for trees
too broken to hold a ``def``.
"""

from __future__ import annotations

import re
from typing import Optional

from ..base import Region

_DEF_RE = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+\w")
_BLOCK_RE = re.compile(
    r"^[ \t]*(?:if|elif|else|for|while|try|except|finally|with|async[ \t]+for|async[ \t]+with)\b"
)
_SOFT_BLOCK_RE = re.compile(r"^[ \t]*(?:match|case)\b(?![ \t]*[=.,)\]}:;]|[ \t]*[-+*/%&|^@<>!]=)")
_IMPORT_RE = re.compile(r"^[ \t]*(?:import[ \t]+[\w.]|from[ \t]+[\w.]+[ \t]+import\b)")
_CODING_RE = re.compile(r"^[ \t\f]*#(?:!|.*?coding[:=])")
#: a line starting a top-level definition (PEP 8: two blank lines around it)
_TOP_DEF_RE = re.compile(r"^(?:@|(?:async[ \t]+)?def[ \t]|class[ \t])")
_FUTURE_RE = re.compile(r"^from[ \t]+__future__[ \t]")
_DUNDER_ASSIGN_RE = re.compile(r"^__\w+__\s*(?::[^=]*)?=")


def _indent_width(s: str) -> int:
    """Width of the leading whitespace of ``s`` (tabs to multiples of 8, as Python does)."""
    w = 0
    for ch in s:
        if ch == " ":
            w += 1
        elif ch == "\t":
            w = (w // 8 + 1) * 8
        elif ch == "\f":
            w = 0
        else:
            break
    return w


def _scan_lines(text: str) -> list[tuple[int, str, bool, bool]]:
    """Split ``text`` into physical lines with a small tokenizer.

    Returns ``(offset, line, starts_logical, colon_body)`` per line: ``offset`` is the index of
    the line in ``text``; ``starts_logical`` is False for a line that continues a bracketed
    expression, a triple-quoted string or a backslash continuation; ``colon_body`` is True when
    the logical line that ends on this line has code after a top-level ``:`` (a one-line body
    such as ``def f(): return 1``).
    """
    out: list[tuple[int, str, bool, bool]] = []
    depth = 0
    in_str: Optional[str] = None  # the closing quote of an open triple-quoted string
    continued = False
    colon_seen = False
    colon_body = False
    offset = 0
    parts = text.split("\n")
    phys = [ln + "\n" for ln in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    for line in phys:
        starts = depth == 0 and in_str is None and not continued
        if starts:
            colon_seen = False
            colon_body = False
        continued = False
        i = 0
        n = len(line)
        while i < n:
            ch = line[i]
            if in_str is not None:
                if ch == "\\":
                    i += 2
                    continue
                if line.startswith(in_str, i):
                    i += len(in_str)
                    in_str = None
                    if depth == 0 and colon_seen:
                        colon_body = True
                    continue
                i += 1
                continue
            if ch == "#":
                break
            if ch == "\\" and line[i + 1 : i + 2] in ("\n", "\r", ""):
                continued = True
                break
            if ch in "\"'":
                # a string: is it triple-quoted?
                q = line[i : i + 3]
                if q in ('"""', "'''"):
                    in_str = q
                    i += 3
                    continue
                # single-quoted: skip to its end on this line
                j = i + 1
                while j < n and line[j] != ch and line[j] not in "\r\n":
                    j += 2 if line[j] == "\\" else 1
                i = j + 1
                if depth == 0 and colon_seen:
                    colon_body = True
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth = max(0, depth - 1)
            elif ch == ":" and depth == 0 and not colon_seen:
                colon_seen = True
                i += 1
                continue
            if depth == 0 and colon_seen and not ch.isspace():
                colon_body = True
            i += 1
        logical_ends = depth == 0 and in_str is None and not continued
        out.append((offset, line, starts, colon_body if logical_ends else False))
        offset += len(line)
    return out


def _ends_with_newline(line: str) -> bool:
    return line.endswith(("\n", "\r"))



def _enclosing_by_indent(lines: list[str], line: int) -> Optional[Region]:
    """Fallback for trees too broken to hold a function_definition: the nearest ``def`` line
    above ``line`` whose block (by indentation) reaches ``line``."""
    if not lines:
        return None
    line = min(line, len(lines) - 1)
    cur_indent = None  # the smallest indentation met between the def and ``line``
    for k in range(line, -1, -1):
        text = lines[k]
        if not text.strip():
            if k == line:
                cur_indent = _indent_width(text)
            continue
        m = _DEF_RE.match(text)
        w = _indent_width(text)
        if m and (cur_indent is None or w < cur_indent or k == line):
            start = k
            while start > 0 and lines[start - 1].lstrip().startswith("@"):
                start -= 1
            end = line
            for e in range(line + 1, len(lines)):
                if lines[e].strip():
                    if _indent_width(lines[e]) <= w:
                        break
                    end = e
            first = lines[start]
            return Region(start, end, first[: len(first) - len(first.lstrip())])
        cur_indent = w if cur_indent is None else min(cur_indent, w)
        if cur_indent == 0 and k != line:
            return None
    return None

