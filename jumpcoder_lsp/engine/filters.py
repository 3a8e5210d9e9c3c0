"""Filters applied to an infill before it is judged (paper Appendix B.1).

* repetition: language models repeat context; an infill whose gestalt similarity (Ratcliff and
  Obershelp, :class:`difflib.SequenceMatcher`) to a neighbouring line is above 0.85, or that is a
  copy of an existing line, is dropped;
* block openers: a single line that opens a block (if/for/while/try...) breaks the code after it;
* empty infills and truncated ones (no complete line);
* a line that loops within itself (engine/stop.py :func:`~jumpcoder_lsp.engine.stop.repeats_in_line`,
  ``1, 1, 1, ...``: the infill's stop rule ended the branch there), "repeat in line";
* unused imports (not in the paper, issue 15's "no junk"): an infill line that is an import none of
  whose bound names (``LanguageSpec.import_bindings``) the code after it uses
  (``LanguageSpec.names_used``: the rest of the infill and the lines after the position) is
  dropped; an import whose names cannot be told (a wildcard, an ``#include``) never is;
* duplicate imports (issue 15): an import the code already has (the same statement, or one whose
  bound names existing imports all bind) is dropped -- an existing import means the name is defined;
* closing brackets only (issue 15): an infill whose every line is made of closing brackets and
  separators (`` }``, ``});``, ``)``) ends a block early: the code below it moves out of the
  function, which can make an undefined use vanish for the AST judge without defining anything;
* syntax errors (issue 15's "no junk", issue 17's lint-clean rule): an infill after which the code
  has more tree-sitter ``ERROR``/``MISSING`` nodes than before (`` return x`` above a ``def``,
  ``int x = ;``) is dropped; code that is already broken (the line being written) may stay so;
  in Python, whose grammar tree-sitter parses leniently about indentation, also an infill whose
  first line is indented deeper than the code around it with no block opened above it (an
  IndentationError: `` return text.lower()`` inserted above a ``def``): "unexpected indent";
* near-copies (issue 15): an infilled function too similar to the function being written (the same
  docstring or comments, or bodies whose gestalt similarity is at least
  :data:`NEAR_COPY_THRESHOLD`) is dropped: the models like to restate the function under another
  name instead of defining what it lacks.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Optional, Sequence

from ..edits import split_lines
from ..languages.base import LanguageSpec
from .stop import repeats_in_line
from .types import Candidate


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def is_repetition(infill: str, lines: Sequence[str], position: int, threshold: float) -> bool:
    if infill in lines:
        return True
    neighbours = [lines[j] for j in (position - 1, position) if 0 <= j < len(lines)]
    return any(similarity(infill, n) > threshold for n in neighbours)


def adds_unused_import(infill_lines: Sequence[str], lines: Sequence[str], position: int,
                       language: LanguageSpec) -> bool:
    """True when a line of the infill is an import that nothing after it uses."""
    bound = [language.import_bindings(line) for line in infill_lines]
    if not any(bound):
        return False
    before = "".join(lines[:position])
    combined = before + "".join(infill_lines) + "".join(lines[position:])
    offset = len(before.encode("utf-8"))
    for line, names in zip(infill_lines, bound):
        offset += len(line.encode("utf-8"))
        if names and not names & language.names_used(combined, offset):
            return True
    return False


def _normal(line: str) -> str:
    return "".join(line.split())


def duplicate_import(infill_lines: Sequence[str], lines: Sequence[str], language: LanguageSpec) -> bool:
    """True when a line of the infill is an import the code already has: the same statement
    (spacing aside), or one all of whose bound names the code's imports already bind."""
    existing = [l for l in lines if language.is_import(l)]
    if not existing:
        return False
    seen = {_normal(l) for l in existing}
    bound: set[str] = set()
    for l in existing:
        bound |= language.import_bindings(l) or set()
    for line in infill_lines:
        if not language.is_import(line):
            continue
        if _normal(line) in seen:
            return True
        names = language.import_bindings(line)
        if names and names <= bound:
            return True
    return False


#: body similarity (difflib ratio of the stripped code lines after the signature) from which an
#: infilled function is a near-copy of the enclosing one; measured in docs/backinsert.md
NEAR_COPY_THRESHOLD = 0.5


def _function_parts(text: str, language: LanguageSpec) -> tuple[str, str]:
    """(documentation: the docstring/comment lines, body: the other code lines after the first),
    each stripped and joined."""
    rows = text.split("\n")
    non_code = language.non_code_lines(text)
    doc = [rows[i].strip() for i in sorted(non_code) if i < len(rows) and rows[i].strip()]
    code = [r.strip() for i, r in enumerate(rows) if i not in non_code and r.strip()]
    # the signature (through the line that opens the body) is not the body
    code = [c for c in code if not c.startswith("@")] or code
    while code and not code[0].endswith((":", "{", ")")) and len(code) > 1:
        code.pop(0)
    body = code[1:] if code else []
    body = [b for b in body if b not in ("{", "}")]
    return "\n".join(doc), "\n".join(body)


def near_copy(infill_lines: Sequence[str], lines: Sequence[str], language: LanguageSpec,
              threshold: float = NEAR_COPY_THRESHOLD) -> bool:
    """True when the infill is a function too similar to the function the cursor is in (the one
    around the last code line of ``lines``): the same documentation, or bodies whose similarity
    is at least ``threshold`` (both non-empty)."""
    infill = "".join(infill_lines)
    if not language.is_function_signature(infill):
        return False
    anchor = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
    if anchor is None:
        return False
    source = "".join(lines)
    func = language.enclosing_function(source, anchor)
    if func is None:
        return False
    enclosing = "".join(lines[func.start_line : func.end_line + 1])
    doc_a, body_a = _function_parts(infill.replace("\r\n", "\n"), language)
    doc_b, body_b = _function_parts(enclosing.replace("\r\n", "\n"), language)
    if doc_a and doc_a == doc_b:
        return True
    return bool(body_a and body_b) and similarity(body_a, body_b) >= threshold


def comment_only(infill_lines: Sequence[str], language: LanguageSpec) -> bool:
    """True when every line of the infill is a comment (or opens/continues one: ``/**``, ``*``):
    a comment is never the definition a judge wants, and an unclosed ``/*`` comments out the code
    below it, which the AST judge would read as the undefined use gone."""
    prefixes = tuple(language.comment_prefixes)
    block = "//" in prefixes  # C-like: /* ... */ too; a '*' line only inside one (else `*p = 1;`)
    code = [t.strip() for t in infill_lines if t.strip()]
    opened = False
    for t in code:
        if t.startswith(prefixes) or (block and (t.startswith("/*") or (opened and t.startswith("*")))):
            opened = opened or (block and t.startswith("/*"))
            continue
        return False
    return bool(code)


#: what a line of a "closing brackets only" infill is made of (besides whitespace)
_CLOSERS = frozenset(")]};,")


def closing_only(infill_lines: Sequence[str]) -> bool:
    """True when every non-blank line of the infill holds only closing brackets and separators
    (``}``, ``});``, ``]``): it closes the block the user is writing instead of defining anything."""
    code = ["".join(t.split()) for t in infill_lines if t.strip()]
    return bool(code) and all(set(t) <= _CLOSERS for t in code)


def error_lines(language: LanguageSpec, text: str, tree=None) -> list[int]:
    """The 0-based line (tree-sitter row) of every ``ERROR`` and ``MISSING`` node of the parse of
    ``text`` (``tree``: that parse, when the caller has it), in no particular order; [] fast when
    the tree has none."""
    root = (tree if tree is not None else language.parse(text.encode("utf-8"))).root_node
    if not root.has_error:
        return []
    lines, stack = [], [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            lines.append(node.start_point[0])
        if node.has_error:
            stack.extend(node.children)
    return lines


def syntax_errors(language: LanguageSpec, text: str) -> int:
    """How many ``ERROR`` and ``MISSING`` nodes tree-sitter's parse of ``text`` has (0 fast when
    the tree has none)."""
    return len(error_lines(language, text))


def adds_syntax_error(infill_lines: Sequence[str], lines: Sequence[str], position: int,
                      language: LanguageSpec) -> bool:
    """True when inserting the infill before ``lines[position]`` gives the code more syntax errors
    (:func:`syntax_errors`) than it had."""
    after = syntax_errors(language, "".join(lines[:position]) + "".join(infill_lines) + "".join(lines[position:]))
    return after > 0 and after > syntax_errors(language, "".join(lines))


def _width(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _code_line(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def unexpected_indent(infill_lines: Sequence[str], lines: Sequence[str], position: int,
                      language: LanguageSpec) -> bool:
    """True, for a language whose blocks are its indentation (``indented_blocks``: Python), when
    the infill's first code line is indented deeper than the code line above it, which opens no
    block, continues no bracket or backslash, and deeper than the code line below it."""
    if not getattr(language, "indented_blocks", False):
        return False
    first = next((l for l in infill_lines if _code_line(l)), None)
    if first is None:
        return False
    width = _width(first)
    above = next((l for l in reversed(lines[:position]) if _code_line(l)), None)
    if above is None:
        if width == 0:
            return False
    elif above.rstrip().endswith((":", "(", "[", "{", ",", "\\")) or width <= _width(above):
        return False
    below = next((l for l in lines[position:] if _code_line(l)), None)
    return below is None or width > _width(below)


def wildcard_import(infill_lines: Sequence[str], language: LanguageSpec) -> bool:
    """True when the infill holds a wildcard import (``from x import *``, Java's ``import x.*;``,
    Go's ``import . "x"``; ``LanguageSpec.is_wildcard_import``): it makes the name analysis give up,
    so the AST judge would take it as resolving any name."""
    check = getattr(language, "is_wildcard_import", None)
    return check is not None and any(check(t) for t in infill_lines)


def rejection(
    infill_lines: Sequence[str],
    lines: Sequence[str],
    position: int,
    language: LanguageSpec,
    *,
    repetition_threshold: float,
    filter_blocks: bool,
) -> Optional[str]:
    """Why an infill must be dropped, or None when it may be judged."""
    if not infill_lines or not "".join(infill_lines).strip():
        return "empty"
    if any(repeats_in_line(line) for line in infill_lines):
        return "repeat in line"
    if any(not line.endswith("\n") for line in infill_lines):
        return "incomplete"
    first = infill_lines[0]
    if is_repetition(first, lines, position, repetition_threshold):
        return "repetition"
    if filter_blocks and len(infill_lines) == 1 and language.opens_block(first):
        return "opens a block"
    if comment_only(infill_lines, language):
        return "comment only"
    if closing_only(infill_lines):
        return "closing brackets only"
    if wildcard_import(infill_lines, language):
        return "wildcard import"
    if duplicate_import(infill_lines, lines, language):
        return "duplicate import"
    if adds_unused_import(infill_lines, lines, position, language):
        return "unused import"
    if near_copy(infill_lines, lines, language):
        return "near-copy of the enclosing function"
    if unexpected_indent(infill_lines, lines, position, language):
        return "unexpected indent"
    if adds_syntax_error(infill_lines, lines, position, language):
        return "syntax error"
    return None


def infill_lines(text: str, finish: str) -> list[str]:
    """The lines of an infill as the model ended it: one that ended of itself ("eos", "stop")
    gets its last newline, one cut by the token budget ("length") stays as it is."""
    if finish in ("eos", "stop") and text and not text.endswith("\n"):
        text += "\n"
    return split_lines(text, keepends=True) if text else []


def candidate(result, lines: Sequence[str], language: LanguageSpec, *,
              repetition_threshold: float, filter_blocks: bool) -> Candidate:
    """The :class:`Candidate` for one infill of the hybrid generation (``result``: its
    ``position``, ``text``, ``finish`` and ``speculative_hit``), with ``rejected`` set when a
    filter drops it: "too long" when the token budget cut it (unless it is a function signature,
    the adaptive stop's kind), else :func:`rejection`."""
    infill = infill_lines(result.text, result.finish)
    cand = Candidate(result.position, infill, speculative_hit=result.speculative_hit)
    if result.finish == "length" and not language.is_function_signature(result.text):
        cand.rejected = "too long"
        return cand
    cand.rejected = rejection(infill, lines, result.position, language,
                              repetition_threshold=repetition_threshold, filter_blocks=filter_blocks)
    return cand
