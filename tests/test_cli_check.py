"""``jumpcoder-lsp check FILE...``: the server's diagnostics (undefined names, removed APIs with
their fix) printed by the real CLI, run as a subprocess on files written here; exit 1 with a
diagnostic, 0 without, 2 on bad input (a message, no traceback). Environments: this interpreter
(``--python``, for NumPy when it is installed) and a real ``.venv`` beside the file (read)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.test_removed_api_diagnostics import make_workspace

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.timeout(120)


def check(*argv, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "JUMPCODER_PYTHON"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "jumpcoder_lsp.cli", "check", *map(str, argv)],
                          capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=100)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def numpy_without_float_():
    try:
        import numpy
    except ImportError:
        return None
    return None if hasattr(numpy, "float_") else numpy


@pytest.mark.skipif(numpy_without_float_() is None, reason="needs NumPy 2 in the test's interpreter")
def test_a_removed_numpy_api_is_printed_with_its_fix_against_the_python_given(tmp_path):
    f = write(tmp_path / "a.py", "import numpy as np\n\nz = np.float_(3)\n")
    r = check(f, "--python", sys.executable)
    assert r.returncode == 1, r.stderr
    first, fix = r.stdout.splitlines()
    assert first.startswith(f"{f}:3:5: warning: 'numpy.float_' is not in numpy "), first
    assert first.endswith("Use `np.float64` instead.) [removed-api]"), first
    assert fix == "  fix: replace 'float_' with 'float64'"


def test_a_removed_api_of_the_venv_beside_the_file_is_read_without_running_it(tmp_path):
    root = make_workspace(tmp_path / "ws", "2.0")
    f = write(root / "pkg" / "use.py", "import fakelib\n\ny = fakelib.old_api(3)\n")
    r = check(f)
    assert r.returncode == 1, r.stderr
    first, fix = r.stdout.splitlines()
    assert first.startswith(f"{f}:3:5: warning: 'fakelib.old_api' is not in fakelib 2.0, installed in the virtual "
                            f"environment {root / '.venv'}"), first
    assert fix == "  fix: replace 'old_api' with 'new_api'"


def test_the_old_version_of_the_library_has_nothing_to_report(tmp_path):
    root = make_workspace(tmp_path / "ws", "1.0")
    r = check(write(root / "use.py", "import fakelib\n\ny = fakelib.old_api(3)\n"))
    assert (r.returncode, r.stdout) == (0, ""), r.stderr


def test_a_python_name_read_before_its_assignment_is_undefined_and_a_clean_file_exits_0(tmp_path):
    bad = write(tmp_path / "bad.py", "def f():\n    print(y)\n    y = 1\n")
    clean = write(tmp_path / "clean.py", "x = 1\nprint(x)\n")
    r = check(bad, clean)
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [f"{bad}:2:11: warning: 'y' is not defined [undefined-name]"]
    r = check(clean)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_a_cpp_std_name_without_its_header_is_undefined(tmp_path):
    f = write(tmp_path / "v.cpp", "#include <iostream>\nint main() { std::vector<int> v; return v.size(); }\n")
    r = check(f)
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [f"{f}:2:14: warning: 'std::vector' is not defined [undefined-name]"]
    write(f, "#include <vector>\nint main() { std::vector<int> v; return v.size(); }\n")
    assert check(f).returncode == 0


def test_json_gives_one_based_positions_and_the_fix_edits(tmp_path):
    root = make_workspace(tmp_path / "ws", "2.0")
    f = write(root / "use.py", 'import fakelib\n\nS = "😀"; y = fakelib.old_api(3)\n')
    r = check(f, "--json")
    assert r.returncode == 1, r.stderr
    [d] = json.loads(r.stdout)
    assert (d["path"], d["code"], d["name"]) == (str(f), "removed-api", "fakelib.old_api")
    assert (d["start"], d["end"]) == ({"line": 3, "column": 14}, {"line": 3, "column": 29})  # code points
    [fix] = d["fixes"]
    assert fix["replacement"] == "fakelib.new_api" and fix["preferred"] is True
    assert fix["edits"] == [{"start": {"line": 3, "column": 22}, "end": {"line": 3, "column": 29},
                             "old": "old_api", "new": "new_api"}]


@pytest.mark.parametrize("name, content, argv, says", [
    ("notes.xyz", b"x = 1\n", (), "unsupported language for"),
    ("a.py", b"x = 1\n", ("--language", "cobol"), "unsupported language 'cobol'"),
    ("blob.py", b"x = 1\x00\x01\n", (), "NUL characters (a binary file)"),
    ("latin.py", b"x = '\xe9'\n", (), "not UTF-8 text"),
    ("missing.py", None, (), "No such file or directory"),
])
def test_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path, name, content, argv, says):
    f = tmp_path / name
    if content is not None:
        f.write_bytes(content)
    r = check(f, *argv)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("error: ") and says in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_bad_input_among_good_files_still_checks_them_and_exits_2(tmp_path):
    good = write(tmp_path / "bad.py", "print(y)\n")
    r = check(tmp_path / "nope.xyz", good)
    assert r.returncode == 2
    assert r.stdout.splitlines() == [f"{good}:1:7: warning: 'y' is not defined [undefined-name]"]


CSPROJ = ('<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n'
          "    <ImplicitUsings>{}</ImplicitUsings>\n  </PropertyGroup>\n</Project>\n")
LINQ = ("using System;\nusing System.Collections.Generic;\n\nclass P {\n    static void Main() {\n"
        "        var xs = new List<int> { 1, 2 };\n        Console.WriteLine(xs.Where(x => x > 1).Count());\n    }\n}\n")


@pytest.mark.parametrize("implicit, lines", [
    ("disable", ["7:30: warning: 'Where' is not defined [undefined-name]",
                 "7:48: warning: 'Count' is not defined [undefined-name]"]),
    ("enable", []),  # the project's implicit usings make System.Linq visible
])
def test_csharp_linq_is_judged_with_the_project_above_the_file(tmp_path, implicit, lines):
    write(tmp_path / "app" / "app.csproj", CSPROJ.format(implicit))
    f = write(tmp_path / "app" / "src" / "P.cs", LINQ)
    r = check(f)
    assert r.stdout.splitlines() == [f"{f}:{line}" for line in lines], r.stderr
    assert r.returncode == (1 if lines else 0)
