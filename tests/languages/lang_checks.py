"""Checks shared by the C++, C# and Java spec tests (test_cpp.py, test_csharp.py, test_java.py):
each module keeps its own programs, snippets and expected results and runs them through these."""

from __future__ import annotations

import json
import os
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]


def dedent(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


def replaced(src: str, *pairs: tuple[str, str]) -> str:
    """src with each (old, new) pair replaced; each old must occur exactly once."""
    for old, new in pairs:
        assert src.count(old) == 1, old
        src = src.replace(old, new)
    return src


def names_reported_by(spec) -> Callable[..., list[str]]:
    """undefined(src, **kw): the names spec.undefined_names reports, in order."""

    def undefined(src: str, **kw) -> list[str]:
        return [u.name for u in spec.undefined_names(src, **kw)]

    return undefined


# ------------------------------------------------------------------------------------------
# The MultiPL-E programs


def dataset(name: str, shared: str = "jumpcoder") -> list[dict]:
    """The problems of benchmarks/data/<name>, else ../shared/datasets/<shared>/<name> (a JSON
    list, or JSON lines for *.jsonl); skips the test where neither exists."""
    for base in (ROOT / "benchmarks" / "data", ROOT.parent / "shared" / "datasets" / shared):
        p = base / name
        if p.exists():
            text = p.read_text()
            if name.endswith(".jsonl"):
                return [json.loads(line) for line in text.splitlines() if line.strip()]
            return json.loads(text)
    pytest.skip(f"{name} not found")


def flagged_programs(undefined, problems: list[dict], name: str, harness: str) -> dict[str, list[str]]:
    """The names reported on each problem's prompt plus its `harness` field (the complete program)
    and on the prompt alone (key `<name> (prompt)`), only where some are reported."""
    flagged = {p[name]: undefined(p["prompt"] + p[harness]) for p in problems}
    flagged.update({p[name] + " (prompt)": undefined(p["prompt"]) for p in problems})
    return {k: v for k, v in flagged.items() if v}


# ------------------------------------------------------------------------------------------
# Half-written code


def cuts(src: str):
    off = 0
    for line in src.splitlines(keepends=True):
        yield off + len(line) // 2  # in the middle of a line (the user is typing it)
        off += len(line)
        yield off  # after a complete line (what the engine analyses)


def assert_reports_only_names_written_later(spec, src: str) -> None:
    """Cut a correct program anywhere (unbalanced braces, a line cut mid-way, the cursor at the
    cut): any name reported must be one the rest of the program declares."""
    for cut in cuts(src):
        text = src[:cut]
        for u in spec.undefined_names(text, ignore_after_byte=len(text.encode())):
            assert u.name in src[cut:], (cut, u, text.splitlines()[-1:])


def assert_tolerates_half_written_code(undefined, prompt: str, open_body: str, junk: tuple[str, ...]) -> None:
    """prompt + open_body (a loop and an expression still open) reports nothing, nor does prompt
    plus any one junk line (stray brackets, an unterminated string or comment)."""
    assert undefined(prompt + open_body) == []
    for line in junk:
        assert undefined(prompt + line) == [], line


def assert_cursor_hides_the_name_being_typed(undefined, head: str) -> None:
    """head ends in `tot`, a name still being typed: reported at the end of the line, not with
    the cursor right after it."""
    assert undefined(head + ";\n") == ["tot"]
    assert undefined(head + ";\n", ignore_after_byte=len(head.encode())) == []


# ------------------------------------------------------------------------------------------
# Cross-check with a compiler


def assert_agrees_with_compiler_and_is_much_faster(capsys, tag: str, compiler: str, snippets: dict,
                                                   undefined, file_name: str, run, reported) -> None:
    """snippets: label -> (code, the names the compiler reports undefined). Each snippet is
    written to tmp/<file_name.format(i)> (its `class Problem` renamed Problem<i>, so that one
    compiler run can take them all); run(tmp, paths) is timed and returns the compiler's output,
    reported(output, i) the names it reports for snippet i. Ours, theirs and the expected names
    must agree, and our analysis of all the snippets must take under 1/20 of the compiler's time."""
    t0 = time.perf_counter()
    ours = {label: set(undefined(code)) for label, (code, _) in snippets.items()}
    ours_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (code, _) in enumerate(snippets.values()):
            paths.append(os.path.join(tmp, file_name.format(i)))
            Path(paths[-1]).write_text(code.replace("class Problem", f"class Problem{i}"))
        t0 = time.perf_counter()
        out = run(tmp, paths)
        compiler_s = time.perf_counter() - t0
        for i, (label, (_code, expected)) in enumerate(snippets.items()):
            theirs = reported(out, i)
            assert ours[label] == theirs == expected, (label, ours[label], theirs, out)
    with capsys.disabled():
        print(f"\n[{tag}] {len(snippets)} snippets: tree-sitter analysis {ours_s * 1000:.1f} ms, "
              f"{compiler} {compiler_s * 1000:.0f} ms")
    assert ours_s * 20 < compiler_s


# ------------------------------------------------------------------------------------------
# Line helpers


def assert_function_signatures(spec, yes: list[str], no: list[str]) -> None:
    assert all(spec.is_function_signature(s) for s in yes), [s for s in yes if not spec.is_function_signature(s)]
    assert not any(spec.is_function_signature(s) for s in no), [s for s in no if spec.is_function_signature(s)]


def assert_function_end_on_growing_text(spec, fn: str, end: int) -> None:
    """Every prefix of fn: no end before the function's closing line is complete, `end` after."""
    for i in range(len(fn) + 1):
        assert spec.function_end(fn[:i]) == (end if i >= end else None), i


def assert_opens_block(spec, opening: list[str], not_opening: list[str]) -> None:
    for line in opening:
        assert spec.opens_block(line), line
    for line in not_opening:
        assert not spec.opens_block(line), line
