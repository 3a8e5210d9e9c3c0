"""When a suggestion ends: the one owner of every end-of-suggestion rule.

Two kinds of rules, all small functions over plain data (strings, a language spec):

* **Partial-line rules** (:func:`line_verdict`), applied to the next line *while it is decoded*
  through the :class:`~jumpcoder_lsp.runtime.base.StopRule` that :func:`next_line_stop` builds:
  the runtimes evaluate a stop rule after every token, so decoding stops as soon as the partial
  line is known to be

  - ``"fence"``: a markdown fence (three backticks at the start of the line, after indentation:
    the instruct model closing its answer),
  - ``"repeat_in_line"``: ending with a short unit written over and over (``1, 1, 1, ...``,
    :func:`repeats_in_line`: the decoding loop a small model falls into inside a line),
  - ``"length"``: longer than ``max_line_chars`` characters,
  - ``"dedent"``: leaving the enclosing block (its indentation is already at or left of the
    function header's once non-space text appears), or ``"function_end"`` for the closing brace
    of the function in Java, C++ and C#.

  The suggestion then ends without that line. The rest of the line the user is typing (the
  cursor line's completion, :func:`rest_of_line_stop`) gets only ``"repeat_in_line"``: a rest
  that loops is not suggested and nothing is written after it, but JumpCoder still gets one
  infill-only iteration (as after a ``return``), so the import that ``math.sqrt(`` needs is still
  made. An infill that loops ends its
  branch at once too (:func:`infill_stop`), and the filters drop it (engine/filters.py,
  "repeat in line").
* **Line-level rules**, applied to each generated line before and after it is accepted:

  - ``"repeat"``: the line equals the previous non-blank line, or already occurred
    ``max_line_repeats`` times in what this run wrote (lines with no letter or digit, such as
    ``}`` or ``)``, are exempt): the suggestion ends without it,
  - ``"suffix"``: the line is the first code line after the cursor (:func:`meets_suffix`): the
    suggestion has reached the code below, which resumes there, and ends without the copy (also
    when the line the user is typing is completed into that line: the suggestion is then empty),
  - ``"function_end"``: a complete ``return``/``raise`` statement directly in the body of the
    enclosing function (Python; not one nested in an ``if``/``for``): the suggestion ends after
    it (JumpCoder still gets one last infill-only iteration, so that a jump the finished
    function needs -- an import for a name the ``return`` uses -- is not lost).

  - ``"environment"``: the line imports a module, or uses ``module.attr``, that definitely does not
    resolve in the configured environment (:func:`environment_verdict`): the suggestion ends
    before it.

Besides these the run ends on end of sequence (``"eos"``), a blank line after written code outside
a function (``"blank"``), the token budget of a line (``"length"``), the paper's adaptive stop for
infills (:func:`infill_stop`) and ``max_lines``. The reason is reported as
:attr:`~jumpcoder_lsp.engine.types.Completion.stop_reason`.
"""

from __future__ import annotations

from typing import Optional, Sequence

from ..languages.base import LanguageSpec
from ..runtime.base import StopRule

FENCE = "```"

#: the within-line repetition rule (:func:`repeats_in_line`): a unit of 1 to REPEAT_UNIT_CHARS
#: characters, with a letter or digit, written max(REPEAT_MIN_UNITS, ceil(REPEAT_MIN_CHARS / its
#: length)) times in a row (benchmarks/repeat_in_line.py counts the real lines it condemns)
REPEAT_UNIT_CHARS = 16
REPEAT_MIN_UNITS = 10
REPEAT_MIN_CHARS = 24
#: (unit length, the characters its run must cover), in order of the run's length
_REPEAT_RUNS = tuple((p, p * max(REPEAT_MIN_UNITS, -(-REPEAT_MIN_CHARS // p))) for p in range(1, REPEAT_UNIT_CHARS + 1))


def repeats_in_line(line: str) -> bool:
    """True when ``line`` (a generated line, or the part of one decoded so far) ends with a short
    unit written over and over: ``1, 1, 1, 1, ...``, ``foo(foo(foo(...``, the decoding loop a small
    model falls into inside a line. The unit is 1 to :data:`REPEAT_UNIT_CHARS` characters with a
    letter or digit (a separator of ``-`` or ``=`` never trips it), written at least
    :data:`REPEAT_MIN_UNITS` times in a row and over at least :data:`REPEAT_MIN_CHARS` characters
    (a one-character unit 24 times, two characters 12 times, three or more 10 times).

    Only the end of the text is looked at: the rule runs after every decoded token, so a loop is
    caught at the first token boundary after its 10th unit (the check is ~16 string comparisons per
    call). benchmarks/repeat_in_line.py runs it on every prefix of every line of real code (the
    Python standard library, this repository's examples and benchmark data) to count the real
    lines it would cut: long number literals such as ``0xFFFFFFFFFFFFFFFF`` or
    ``999999999999999999`` do not trip it."""
    body = line.rstrip("\r\n")
    for unit, run in _REPEAT_RUNS:
        if len(body) < run:
            return False
        tail = body[-run:]
        if tail[unit:] == tail[:-unit] and any(c.isalnum() for c in tail[:unit]):
            return True
    return False


def infill_stop(language: LanguageSpec, allow_function: bool) -> StopRule:
    """The paper's adaptive stop: a newline ends an infill, unless the infill starts a function
    (and functions are allowed), which then runs to the end of that function. A line of it that
    loops (:func:`repeats_in_line`) ends the branch at once, with the text so far (the filters drop
    it)."""

    def stop(text: str) -> Optional[int]:
        first = text.find("\n")
        if first < 0:
            return len(text) if repeats_in_line(text) else None
        if allow_function and language.is_function_signature(text):
            end = language.function_end(text)
            if end is None and repeats_in_line(text[text.rfind("\n") + 1:]):  # its line being decoded loops
                return len(text)
            return end
        return first + 1

    return stop


def line_verdict(line: str, language: LanguageSpec, block_indent: Optional[str],
                 max_line_chars: int, partial: bool = False) -> Optional[str]:
    """Why the generated line ``line`` ends the suggestion, or None. ``partial``: the line is
    still being decoded (one or two backticks may yet become a fence: undecided).

    ``block_indent``: indentation of the enclosing function's header (None: no function, or the
    function-end stop is off)."""
    body = line.rstrip("\r\n")
    stripped = body.lstrip(" \t")
    if stripped.startswith(FENCE):
        return "fence"
    if partial and stripped and FENCE.startswith(stripped):
        return None
    if repeats_in_line(body):
        return "repeat_in_line"
    if len(body) > max_line_chars:
        return "length"
    if block_indent is not None and stripped and language.block_ended(block_indent, body):
        return "function_end" if stripped.startswith("}") else "dedent"
    return None


def next_line_stop(language: LanguageSpec, block_indent: Optional[str], max_line_chars: int) -> StopRule:
    """The stop rule of the next generated line: the first newline ends it (kept); a partial line
    that :func:`line_verdict` already condemns ends it at once, keeping the partial text so that the
    engine can tell why (it calls :func:`line_verdict` on it again)."""

    def stop(text: str) -> Optional[int]:
        i = text.find("\n")
        if i >= 0:
            return i + 1
        if line_verdict(text, language, block_indent, max_line_chars, partial=True) is not None:
            return len(text)
        return None

    return stop


def rest_of_line_stop(text: str) -> Optional[int]:
    """The stop rule of the rest of the line the user is typing: the first newline ends it (kept);
    a rest that loops (:func:`repeats_in_line`) ends at once, keeping the partial text so that the
    engine can tell why. Only the model's text is judged, never what the user typed before it."""
    i = text.find("\n")
    if i >= 0:
        return i + 1
    return len(text) if repeats_in_line(text) else None


def _content(line: str) -> str:
    return line.rstrip("\r\n").rstrip()


def repeats(line: str, previous: Sequence[str], written: Sequence[str], max_line_repeats: int) -> bool:
    """True when ``line`` repeats: it equals the last non-blank line of ``previous`` (the code
    before it), or occurs ``max_line_repeats`` times already in ``written`` (the lines this run
    wrote). Indentation counts; lines without a letter or digit never repeat."""
    text = _content(line)
    if not any(c.isalnum() for c in text):
        return False
    last = next((_content(p) for p in reversed(previous) if p.strip()), None)
    if last == text:
        return True
    return sum(1 for w in written if _content(w) == text) >= max_line_repeats


def meets_suffix(line: str, first_code: str) -> bool:
    """True when the generated ``line`` is the first code line of the text after the cursor
    (``first_code``: engine/context.py :class:`~jumpcoder_lsp.engine.context.SuffixWindow`):
    the same text at the same indentation (trailing whitespace aside). A blank line, or an empty
    ``first_code`` (no code after the cursor), never meets it."""
    text = _content(line)
    return bool(first_code.strip()) and bool(text.strip()) and text == first_code.rstrip()


def ends_function(language: LanguageSpec, code: str, block_indent: Optional[str]) -> bool:
    """True when the last line of ``code`` completes a statement that ends the enclosing function
    (the one whose header has ``block_indent``): see the language's ``ends_function_body``."""
    if block_indent is None:
        return False
    check = getattr(language, "ends_function_body", None)
    return bool(check is not None and check(code, block_indent))


def environment_verdict(code_before: str, line: str, environment) -> Optional[str]:
    """``"environment"`` when ``line``, written after ``code_before``, imports a module or uses an
    attribute that the environment (jumpcoder_lsp/environment.py) definitely lacks; else None
    (also when the environment judge is off or the answer is unknown)."""
    if environment is None or not line.strip():
        return None
    n = code_before.count("\n") if code_before.endswith("\n") or not code_before else code_before.count("\n") + 1
    sep = "" if not code_before or code_before.endswith("\n") else "\n"
    return "environment" if environment.problems(code_before + sep + line, lines=[n]) else None
