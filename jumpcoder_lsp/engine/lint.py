"""The lint-clean rule (issue 17; LintSeq's "every edit keeps the program lint-free"): a
suggestion -- its continuation and its insertions together, as the user would accept it -- may
not give the buffer what it did not have before:

* a syntax error: more tree-sitter ``ERROR``/``MISSING`` nodes (engine/filters.py error_lines),
  unless the buffer before already had more than :data:`NOISY_ERRORS` of them;
* an undefined name: a use, in the suggestion's lines, of a name ``LanguageSpec.undefined_names``
  did not report before (a name the user's own code already left undefined is not new; a use in
  the user's lines is not counted: where the buffer before was too broken to analyse, the
  analysis of the buffer after would blame the user's code; in Java and C#, whose files see the
  types of their package's other files, a capitalised name is never called undefined);
* an unused or shadowed name (languages whose spec has ``lint_names``: Python,
  languages/python/names.py): bound in the suggestion's lines, and
  - an unused local only once the suggestion has closed its function (the function's last line
    is the suggestion's and code follows it): mid-function the user is still writing, and a
    name assigned on the last line will be read on the next;
  - an unused import only once code follows it (a file whose imports are being written is
    unfinished);
  - a shadowed name always (a local rebinding an import, a module-level ``def``/``class`` or a
    builtin such as ``list``).

:func:`lint_delta` is the one owner of the comparison; :func:`lint_clean` applies it to an
engine :class:`~.types.Completion` (the engine calls it when ``EngineConfig.lint_clean`` is set:
the server's ``lintClean`` for inline suggestions and completion items, the CLI's
``complete --lint-clean``, the evaluation's ``--lint-clean``). A suggestion that breaks the rule is
cut back, never the user's text: an insertion the problem lies in is dropped, else the
continuation is cut before the line the problem lies in (its longest clean prefix), and that
again until the rest is clean (what the cut leaves may in turn be unclean: an import the cut
line used, now unused).
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, replace
from typing import Optional, Sequence

from ..edits import document_completion, split_lines
from ..languages.base import LanguageSpec, tree_sitter_rows
from .filters import error_lines
from .types import Completion

#: the kinds of :class:`Finding`
SYNTAX, UNDEFINED, UNUSED_IMPORT, UNUSED_LOCAL, SHADOWED = (
    "syntax error", "undefined name", "unused import", "unused local", "shadowed")


#: more ERROR/MISSING nodes than this in the buffer before: tree-sitter already fails on the file
#: (C++ macros such as ``_GLIBCXX_VISIBILITY``), and one more says nothing about the suggestion;
#: the syntax check is off there (the line being typed accounts for one or two)
NOISY_ERRORS = 2


@dataclass(frozen=True)
class Finding:
    """One thing a suggestion adds to the buffer: ``kind`` (one of the constants above), the name
    ("" for a syntax error), the 0-based line (tree-sitter row) of the buffer after the
    suggestion where it lies, and a note for people."""

    kind: str
    name: str
    line: int
    detail: str = ""

    def __str__(self) -> str:
        what = f"{self.kind} {self.name!r}" if self.name else self.kind
        return f"{what} at line {self.line + 1}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class _Summary:
    """What :func:`lint_delta` compares, of one buffer."""

    errors: tuple[int, ...]  # lines of the ERROR/MISSING nodes
    undefined: tuple  # UndefinedName, in source order
    names: tuple  # NameFinding (languages with name_findings), in source order


def summary(text: str, language: LanguageSpec) -> _Summary:
    """One buffer's syntax errors, undefined names and unused/shadowed names (one parse)."""
    tree = language.parse(text.encode("utf-8"))
    both = getattr(language, "lint_names", None)  # one walk for both (Python)
    undefined, names = both(text, tree) if both is not None else (language.undefined_names(text, tree), ())
    return _Summary(tuple(error_lines(language, text, tree)), tuple(undefined), tuple(names))


def new_lines_of(before: str, after: str) -> set[int]:
    """The lines of ``after`` that ``before`` does not have, by a line diff (what a suggestion
    added, the cursor line it completed included)."""
    a, b = tree_sitter_rows(before), tree_sitter_rows(after)
    out: set[int] = set()
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            out.update(range(j1, j2))
    return out


def _code_after(rows: Sequence[str], line: int, *, skip_imports: Optional[LanguageSpec] = None) -> bool:
    """Whether a code line (not blank, not a comment; with ``skip_imports``: not an import either)
    follows ``line``."""
    for row in rows[line + 1:]:
        s = row.strip()
        if not s or s.startswith(("#", "//")):
            continue
        if skip_imports is not None and skip_imports.is_import(row):
            continue
        return True
    return False


def lint_delta(before: str, after: str, language: LanguageSpec, *, new_lines: Optional[set[int]] = None,
               before_summary: Optional[_Summary] = None) -> list[Finding]:
    """What the buffer ``after`` (the buffer ``before`` with a suggestion accepted) has that
    ``before`` did not, by the rules of this module, in line order. ``new_lines``: the lines of
    ``after`` the suggestion wrote (default: :func:`new_lines_of`); ``before_summary``:
    :func:`summary` of ``before`` when the caller has it (several candidates against one buffer)."""
    was = before_summary if before_summary is not None else summary(before, language)
    now = summary(after, language)
    if new_lines is None:
        new_lines = new_lines_of(before, after)
    out: list[Finding] = []
    if len(now.errors) > len(was.errors) and len(was.errors) <= NOISY_ERRORS:
        ours = sorted(l for l in now.errors if l in new_lines)
        out.append(Finding(SYNTAX, "", ours[0] if ours else min(now.errors),
                           f"{len(now.errors)} ERROR/MISSING nodes, {len(was.errors)} before"))
    known = {u.name for u in was.undefined}
    seen: set[str] = set()
    other_files = getattr(language, "package_types", False)  # Java, C#: the package's other files
    for u in now.undefined:
        if u.name == "_" or (other_files and u.name[:1].isupper()):
            continue  # ``_``: C#'s discard, Go's blank identifier, Rust's wildcard
        if u.name not in known and u.name not in seen and u.line in new_lines:
            seen.add(u.name)
            out.append(Finding(UNDEFINED, u.name, u.line))
    if now.names:
        rows = tree_sitter_rows(after)
        budget = Counter((f.kind, f.name) for f in was.names)
        counts = Counter((f.kind, f.name) for f in now.names)
        for f in now.names:
            key = (f.kind, f.name)
            if f.line not in new_lines or counts[key] <= budget[key]:
                continue
            if f.kind == UNUSED_LOCAL and not (f.scope_end is not None and f.scope_end in new_lines
                                               and _code_after(rows, f.scope_end)):
                continue
            if f.kind == UNUSED_IMPORT and not _code_after(rows, f.line, skip_imports=language):
                continue
            counts[key] -= 1
            out.append(Finding(f.kind, f.name, f.line, f.detail))
    out.sort(key=lambda f: f.line)
    return out


def _spans(text: str, line: int, character: int, completion: Completion):
    """(the buffer once ``completion`` is accepted, the line span [a, b) of each of its insertions
    in that buffer, the span of its continuation), or None when the conversion drops the
    insertions (one below the cursor)."""
    doc = document_completion(text, line, character, completion)
    if doc.warnings and any(i.text for i in completion.insertions) and not doc.insertions:
        return None
    head, cont, tail = doc.parts(text)
    spans, shift = [], 0
    for ins in doc.insertions:
        k = ins.text.count("\n")
        spans.append((ins.line + shift, ins.line + shift + k))
        shift += k
    start = head.count("\n")
    # the rows the continuation's lines are on (the row after a last line break is the user's)
    end = start + cont.count("\n") + (0 if cont.endswith("\n") else 1) if cont else start
    return head + cont + tail, spans, (start, end)


def lint_clean(text: str, line: int, character: int, completion: Completion,
               language: LanguageSpec, *, before_summary: Optional[_Summary] = None) -> tuple[Completion, list[Finding]]:
    """``completion`` (computed at ``line``:``character`` of ``text``) cut back until accepting it
    adds nothing :func:`lint_delta` finds, and the findings of the whole suggestion (empty: it
    was clean and is returned as it is). Insertions and the continuation's lines are only ever
    dropped, never edited; the user's text is never touched. ``before_summary``: :func:`summary`
    of ``text``, when the caller lints several suggestions for it (the engine's partial results)."""
    insertions = sorted((i for i in completion.insertions if i.text), key=lambda i: i.before_line)
    cont = split_lines(completion.continuation, keepends=True) if completion.continuation else []
    trailing = completion.continuation.endswith("\n")
    n = len(cont)
    was = before_summary if before_summary is not None else summary(text, language)
    first: Optional[list[Finding]] = None
    current = completion
    while True:
        body = "".join(cont[:n])
        if n < len(cont) and not trailing:
            body = body[:-1] if body.endswith("\n") else body
        current = replace(completion, continuation=body, insertions=list(insertions))
        if not body and not insertions:
            break
        spanned = _spans(text, line, character, current)
        if spanned is None:
            break
        after, spans, (c0, c1) = spanned
        news = set(range(c0, c1))
        for a, b in spans:
            news.update(range(a, b))
        found = lint_delta(text, after, language, new_lines=news, before_summary=was)
        if first is None:
            first = found
        if not found:
            break
        # the first problem that lies in an insertion drops it, else one in the continuation cuts
        # before its line; one in the user's text (a later use the suggestion made undefined)
        # costs the last line of the continuation, else the last insertion
        where = next(((i, None) for f in found for i, (a, b) in enumerate(spans) if a <= f.line < b), None)
        if where is None:
            where = next(((None, f.line - c0) for f in found if c0 <= f.line < c1), None)
        if where is not None and where[0] is not None:
            insertions.pop(where[0])
        elif where is not None:
            n = where[1]
        elif n > 0:
            n -= 1
        else:
            insertions.pop()
    if not first:
        return completion, []
    return current, first
