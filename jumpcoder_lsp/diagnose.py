"""The diagnostics of one text: its undefined names (the language's ``undefined_names``, with what
the environment judge knows of the file's project: C#'s visible usings) and, given an environment
(Python), the removed or missing APIs it uses (:func:`jumpcoder_lsp.removed_apis.check`). The one
owner of what is diagnosed and of its messages and codes: the server publishes it
(``server/diagnostics.py``, in LSP ranges), ``jumpcoder-lsp check`` prints it (:func:`located`).
Pure: nothing here runs, loads a model or reads a file."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Optional

from . import edits as E

log = logging.getLogger(__name__)

UNDEFINED_NAME = "undefined-name"
REMOVED_API = "removed-api"


def undefined_message(name: str) -> str:
    return f"'{name}' is not defined"


def analyse(spec, text: str, tree=None, environment=None, context: Optional[dict] = None,
            where: str = "") -> tuple[list, list]:
    """(the undefined names of ``text``, the removed-API findings when ``environment`` is given).
    ``tree``: the spec's parse of the text (None: the spec parses it); ``context``: keyword arguments for
    ``undefined_names`` from the environment judge (``analysis_context``); ``where`` names the text
    in the log when the removed-API analysis fails (the undefined names are returned all the same)."""
    names = spec.undefined_names(text, tree, **(context or {}))
    if environment is None:
        return names, []
    from .removed_apis import check

    try:
        return names, check(environment, text)
    except Exception:  # noqa: BLE001 - the undefined names are reported all the same
        log.exception("removed-API analysis failed for %s", where)
        return names, []


# -- positions a person reads (the CLI): 0-based lines, code-point columns ------------------------

@dataclass(frozen=True)
class Edit:
    start: tuple[int, int]  # (line, column), 0-based, code points
    end: tuple[int, int]
    old: str  # the text replaced ("" for an insertion)
    new: str


@dataclass(frozen=True)
class Located:
    start: tuple[int, int]  # (line, column), 0-based, code points
    end: tuple[int, int]
    severity: str
    message: str
    code: str
    name: str
    fixes: tuple[tuple[str, bool, tuple[Edit, ...]], ...] = ()  # (replacement, preferred, edits)


def span_points(text: str, span, starts=None) -> Optional[tuple[tuple[int, int], tuple[int, int]]]:
    """The (line, code-point column) pair of an ast span ((line, UTF-8 byte column) twice) of
    ``text``; None when it is not in the text."""
    starts = E.line_starts(text) if starts is None else starts
    out = []
    for line, column in (span[:2], span[2:]):
        if not 0 <= line < len(starts):
            return None
        line_text = E.line_text(text, starts, line)
        out.append((line, len(line_text.encode("utf-8", "surrogatepass")[:column].decode("utf-8", "ignore"))))
    return out[0], out[1]


def located(text: str, names: list, findings: list) -> list[Located]:
    """:func:`analyse`'s results as positions in ``text``, in source order."""
    starts = E.line_starts(text)
    bounds = E.offsets_of_bytes(text, [b for n in names for b in (n.start_byte, n.end_byte)])
    out = []
    for i, n in enumerate(names):
        points = [_point(starts, bounds[2 * i + k]) for k in (0, 1)]
        out.append(Located(points[0], points[1], "warning", undefined_message(n.name), UNDEFINED_NAME, n.name))
    for f in findings:
        points = span_points(text, f.problem.span, starts)
        if points is None:
            continue
        fixes = []
        for fix in f.fixes:
            edits = []
            for span, new in fix.edits:
                p = span_points(text, span, starts)
                if p is not None:
                    edits.append(Edit(p[0], p[1], _between(text, starts, *p), new))
            fixes.append((fix.replacement, fix.preferred, tuple(edits)))
        out.append(Located(points[0], points[1], "warning", f.message, REMOVED_API, f.problem.name, tuple(fixes)))
    return sorted(out, key=lambda d: (d.start, d.end))


def _point(starts, offset: int) -> tuple[int, int]:
    import bisect

    line = max(0, bisect.bisect_right(starts, offset) - 1)
    return line, offset - starts[line]


def _between(text: str, starts, a: tuple[int, int], b: tuple[int, int]) -> str:
    return text[starts[a[0]] + a[1]:starts[b[0]] + b[1]]


def as_json(d: Located) -> dict[str, Any]:
    """A diagnostic as the CLI's ``--json`` prints it (1-based lines and columns)."""
    pos = lambda p: {"line": p[0] + 1, "column": p[1] + 1}  # noqa: E731
    return {"start": pos(d.start), "end": pos(d.end), "severity": d.severity, "message": d.message,
            "code": d.code, "name": d.name,
            "fixes": [{"replacement": r, "preferred": p,
                       "edits": [{"start": pos(e.start), "end": pos(e.end), "old": e.old, "new": e.new}
                                 for e in edits]} for r, p, edits in d.fixes]}
