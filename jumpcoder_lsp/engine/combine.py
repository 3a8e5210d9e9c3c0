"""Stage 3: combination (paper section 3.3, Algorithm 3).

If no infill survived judging, the generated line L'_{n+1} is appended; otherwise the infill with
the highest V is inserted (the most uncertain position wins a tie), and the lines after its t are
dropped.

:func:`place` is where the winner lands (issue 15): an import goes where the language spec puts
imports (``LanguageSpec.import_position``: the import block, its sorted position), every inserted
line gets the file's indentation unit and line break (engine/formatting.py) and the blank lines
the language's conventions want around it (``LanguageSpec.blank_lines``); a helper function goes
where ``helper_position`` puts it (above the enclosing function, as a class member at the
members' indentation), a variable declared above a method that only the method uses into that
method above its first use (``local_position``). It only chooses the insertion point and the
inserted text: the code's lines are never rewritten.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

from .formatting import conform
from .types import Candidate


def best_candidate(candidates: Sequence[Candidate]) -> Optional[Candidate]:
    accepted = [c for c in candidates if c.rejected is None and c.judge is not None]
    if not accepted:
        return None
    return max(accepted, key=lambda c: c.value)  # max keeps the first of equal values


def combine(lines: list, candidate: Candidate, make_line) -> tuple[list, list]:
    """Insert ``candidate`` into ``lines``; returns (new lines, dropped lines).

    ``make_line(text)`` wraps an infill text as a line object; lines after ``keep_until`` are
    dropped (the scoring judge's t), the AST judge keeps them all.
    """
    i = candidate.position
    end = len(lines) if candidate.keep_until is None else candidate.keep_until + 1
    new = list(lines[:i]) + [make_line(t) for t in candidate.lines] + list(lines[i:end])
    return new, list(lines[end:])


def _contiguous(lines: Sequence, at: int) -> bool:
    """True when inserting before ``lines[at]`` is inserting before one document line: the lines
    the model saw may skip part of the document (engine/context.py), and an insertion at such a
    gap would land below it."""
    if at <= 0 or at >= len(lines):
        return True
    a, b = lines[at - 1], lines[at]
    if getattr(a, "fixed", False) and getattr(b, "fixed", False):
        return b.fixed_index == a.fixed_index + 1
    return True


def place(lines: Sequence, candidate: Candidate, language) -> Candidate:
    """The winner as it is inserted into ``lines`` (the run's :class:`~.types.Line` s): an infill
    made only of imports moves to ``language.import_position`` (its indentation dropped; it stays
    where it was judged when that point lies below the lines the scoring judge keeps, or at a gap
    in what the model saw); a helper function to ``language.helper_position`` (re-indented, its
    closing brace under its header: ``align_close``); a field only the method below uses to
    ``language.local_position`` (a local above its first use); and the lines get the file's
    formatting and blank lines."""
    texts = [l.text for l in lines]
    source = "".join(texts)
    body = list(candidate.lines)
    position = candidate.position
    code = [t for t in body if t.strip()]
    limit = len(texts) if candidate.keep_until is None else candidate.keep_until + 1  # lines kept
    import_position = getattr(language, "import_position", None)  # a spec without the rules: as judged
    blank_lines = getattr(language, "blank_lines", None)
    if import_position is not None and code and all(language.is_import(t) for t in code):
        imports = [t.lstrip(" \t") for t in code]
        at = import_position(source, imports[0])
        if 0 <= at <= limit and _contiguous(lines, at):
            body, position = imports, at
            import_text = getattr(language, "import_text", None)  # Go: a bare spec inside `import (`
            if import_text is not None:
                body = [import_text(source, at, t) for t in imports]
    elif code and language.is_function_signature("".join(body)):
        helper_position = getattr(language, "helper_position", None)  # above the enclosing function
        spot = helper_position(source, position, body) if helper_position is not None else None
        if spot is not None and 0 <= spot[0] <= limit and _contiguous(lines, spot[0]):
            base = code[0][: len(code[0]) - len(code[0].lstrip(" \t"))]
            body = [spot[1] + t[len(base):] if t.startswith(base) and t.strip() else t for t in body]
            align_close = getattr(language, "align_close", None)  # brace languages: `}` under the header
            if align_close is not None:
                body = align_close(body)
            position = spot[0]
    elif code:
        local_position = getattr(language, "local_position", None)  # a field only the method uses
        spot = local_position(source, position, body) if local_position is not None else None
        if spot is not None and position < spot[0] <= limit and _contiguous(lines, spot[0]):
            position, body = spot
    body = conform(body, texts)
    before, after = blank_lines(source, position, body) if blank_lines is not None else (0, 0)
    eol = "\r\n" if body and body[-1].endswith("\r\n") else "\n"
    body = [eol] * before + body + [eol] * after
    return replace(candidate, position=position, lines=body)
