"""The CLI's unified diff (engine/apply.py unified_diff) applies with the real ``patch`` and
``git apply`` and gives the document apply_completion computes, with and without a final newline."""

import shutil
import subprocess

import pytest

from jumpcoder_lsp.engine.apply import NO_NEWLINE, apply_completion, unified_diff
from jumpcoder_lsp.engine.types import Completion, Insertion

#: (text, line, character, continuation, continuation_start, insertions)
CASES = {
    "final newline, continuation at the end": (
        "def total(xs):\n    s = 0\n", 2, 0, "    for x in xs:\n        s += x", 0, []),
    "no final newline, cursor at its end": (
        "def total(xs):\n    s = 0", 1, 9, "\n    return s", 9, []),
    "no final newline, code below the cursor, an insertion above": (
        "def total(xs):\n    s = 0\n\n    return s", 2, 0, "    for x in xs:\n        s += x", 0,
        [Insertion(0, "import math\n")]),
    "final newline, code below, the last line changes": (
        "def f(a):\n    return max(a, )\n", 1, 18, "0", 18, []),
    "no final newline, the last line is completed": (
        "def f(a):\n    return max(a, ", 1, 18, "0)", 18, []),
    "a form feed and a lone carriage return stay inside their lines": (
        "x = 1\f\ny = '\r'\n", 3, 0, "z = 3", 0, []),  # line 3: LSP counts the \r as a break
}


def completion(continuation, start, insertions):
    return Completion(code="", continuation=continuation, insertions=insertions, steps=[],
                      continuation_start=start)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("tool", ["patch", "git"])
def test_the_diff_applies_with_patch_and_git_apply(tmp_path, name, tool):
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed")
    text, line, character, continuation, start, insertions = CASES[name]
    result = completion(continuation, start, insertions)
    want = apply_completion(text, line, character, result)
    assert want != text
    path = "pkg/mod.py"
    (tmp_path / "pkg").mkdir()
    (tmp_path / path).write_bytes(text.encode())
    diff = unified_diff(text, line, character, result, path)
    assert diff.endswith("\n") and diff.startswith(f"--- a/{path}\n+++ b/{path}\n")
    assert (NO_NEWLINE in diff) == (not text.endswith("\n") or not want.endswith("\n"))
    (tmp_path / "change.diff").write_bytes(diff.encode())
    if tool == "patch":
        cmd = ["patch", "-p1", "--batch", "--no-backup-if-mismatch", "-i", "change.diff"]
    else:
        cmd = ["git", "apply", "--verbose", "change.diff"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr + diff
    assert "malformed" not in proc.stdout + proc.stderr
    assert (tmp_path / path).read_bytes().decode() == want


def test_the_marker_follows_each_last_line_without_a_newline():
    text = "a = 1\nb = 2"
    diff = unified_diff(text, 1, 5, completion("\nc = 3", 5, []), "m.py")
    assert diff.splitlines(keepends=True)[-3:] == ["+b = 2\n", "+c = 3\n", NO_NEWLINE]
    assert "-b = 2\n" + NO_NEWLINE in diff
