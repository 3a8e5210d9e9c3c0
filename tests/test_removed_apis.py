"""jumpcoder_lsp.removed_apis: the removed APIs a buffer uses, the installed version named, the
replacement read from the library's own notes (its source, parsed, never imported) or the curated
table, and the fix's edits. Environments are real: packages written into folders and venvs made
here, the project's own interpreter for the standard library and NumPy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jumpcoder_lsp.environment import Environment, from_interpreter, from_venv, stdlib_paths
from jumpcoder_lsp.removed_apis import check, exists, library_notes
from jumpcoder_lsp.removed_apis_table import TABLE


def write_package(site: Path, name: str, version: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = site / name / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    meta = site / f"{name}-{version}.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


#: the shape of numpy/__init__.py's notes: a message template formatted in a dict comprehension
FORMER = '''
import os
open(os.environ.get("MARKER", "/nonexistent/x"), "w").write("imported")  # runs only if imported
if False:
    pass
else:
    _msg = ("module 'oldlib' has no attribute '{n}'.\\n"
            "`ol.{n}` was an alias for the builtin `{n}`. use `{n}` by itself. {extra}")
    _specific = "If you wanted the oldlib type, use `ol.{}` here."
    _info = [("float", _specific.format("float64")), ("object", "")]
    __former_attrs__ = {n: _msg.format(n=n, extra=extra) for n, extra in _info}

def float64(x):
    return x

def new_load(path):
    return path
'''
EXPIRED = '''__expired_attributes__ = {
    "load_old": "Use `ol.new_load` instead.",
    "vague": "Use `ol.new_load` with care instead.",
    "gone": "Use `ol.not_there` instead.",
}
'''


@pytest.fixture
def oldlib(tmp_path, monkeypatch) -> Environment:
    site = tmp_path / "site"
    write_package(site, "oldlib", "3.1", {"__init__.py": FORMER, "_expired_attrs_3_0.py": EXPIRED})
    monkeypatch.setenv("MARKER", str(tmp_path / "marker"))
    return Environment((*stdlib_paths(), str(site)), description=f"the test site {site}")


def test_notes_are_read_from_the_source_without_importing_it(oldlib, tmp_path):
    notes = library_notes(oldlib, "oldlib")
    assert notes["oldlib.float"].replacements == ("float", "oldlib.float64")
    assert notes["oldlib.object"].replacements == ("object",)
    assert notes["oldlib.load_old"].replacements == ("oldlib.new_load",)
    assert notes["oldlib.load_old"].text == "removed in oldlib 3.0: Use `ol.new_load` instead."
    assert notes["oldlib.vague"].replacements == ()  # "with care": not a drop-in
    assert notes["oldlib.gone"].replacements == ()  # names something that does not exist
    assert not (tmp_path / "marker").exists()  # the package never ran


def test_a_removed_attribute_names_the_installed_version_and_its_fix_edits_only_the_attribute(oldlib):
    code = "import oldlib as ol\n\nx = ol.load_old('p') + ol.float(2)\n"
    by_name = {f.problem.name: f for f in check(oldlib, code)}
    assert set(by_name) == {"oldlib.load_old", "oldlib.float"}
    load = by_name["oldlib.load_old"]
    assert load.message.startswith("'oldlib.load_old' is not in oldlib 3.1, installed in the test site ")
    assert "removed in oldlib 3.0" in load.message
    [fix] = load.fixes
    assert fix.replacement == "ol.new_load" and fix.edits == (((2, 7, 2, 15), "new_load"),)
    float_ = by_name["oldlib.float"]
    assert [(f.replacement, f.preferred) for f in float_.fixes] == [("float", True), ("ol.float64", False)]
    assert float_.fixes[0].edits == (((2, 23, 2, 31), "float"),)  # the builtin: the whole `ol.float`
    assert float_.fixes[1].edits == (((2, 26, 2, 31), "float64"),)


def test_a_from_import_keeps_its_local_name(oldlib):
    [f] = check(oldlib, "from oldlib import load_old\nload_old('p')\n")
    assert f.problem.span == (0, 19, 0, 27)
    assert [fix.edits for fix in f.fixes] == [(((0, 19, 0, 27), "new_load as load_old"),)]
    [f] = check(oldlib, "from oldlib import load_old as lo\n")
    assert [fix.edits for fix in f.fixes] == [(((0, 19, 0, 27), "new_load"),)]


def test_guarded_uses_and_attributes_the_buffer_assigns_are_not_reported(oldlib):
    code = ("import sys\nimport oldlib as ol\ntry:\n    import cPickle\nexcept ImportError:\n    import pickle\n"
            "if hasattr(ol, 'load_old'):\n    ol.load_old(1)\nif sys.version_info < (3,):\n    ol.vague\n"
            "ol.patched = 1\nol.patched\n")
    assert check(oldlib, code) == []
    assert [f.problem.name for f in check(oldlib, "import cPickle\n")] == ["cPickle"]


def test_what_the_environment_cannot_tell_is_not_reported(tmp_path):
    site = tmp_path / "site"
    write_package(site, "lazy", "1.0", {"__init__.py": "def __getattr__(name):\n    raise AttributeError(name)\n"})
    env = Environment((str(site),), description="t")
    assert check(env, "import lazy\nlazy.anything\nfrom lazy import other\n") == []


def test_a_buffer_that_does_not_parse_keeps_its_columns(oldlib):
    code = "import oldlib as ol\ndef f(x):\n    return ol.load_old(x\n"
    [f] = check(oldlib, code)
    assert f.problem.span == (2, 11, 2, 22) and f.fixes[0].edits == (((2, 14, 2, 22), "new_load"),)


def test_a_venv_of_the_old_version_has_nothing_to_report(tmp_path):
    for version, files in (("1.0", {"__init__.py": "def old_api():\n    pass\n\ndef new_api():\n    pass\n"}),
                           ("2.0", {"__init__.py": "def new_api():\n    pass\n",
                                    "_expired_attrs_2_0.py": "__expired_attributes__ = "
                                                             "{'old_api': 'Use `fakelib.new_api` instead.'}\n"})):
        root = tmp_path / version / ".venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
        write_package(next(root.glob("lib/python*/site-packages")), "fakelib", version, files)
    code = "import fakelib\nfakelib.old_api()\n"
    assert check(from_venv(str(tmp_path / "1.0" / ".venv")), code) == []
    [f] = check(from_venv(str(tmp_path / "2.0" / ".venv")), code)
    assert "'fakelib.old_api' is not in fakelib 2.0, installed in the virtual environment" in f.message, f.message
    assert [fix.replacement for fix in f.fixes] == ["fakelib.new_api"]


# -- the standard library (the curated table) ------------------------------------------------------
@pytest.fixture(scope="module")
def here() -> Environment:
    return from_interpreter(sys.executable)


def test_a_stdlib_removal_from_the_table_names_the_python_version(here):
    code = '"""Doc."""\nfrom __future__ import annotations\nimport collections\nimport time\n' \
           "ok = isinstance({}, collections.Mapping)\nt = time.clock()\n"
    by_name = {f.problem.name: f for f in check(here, code)}
    assert set(by_name) == {"collections.Mapping", "time.clock"}
    v = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert f"is not in the standard library of Python {v}" in by_name["time.clock"].message
    assert by_name["time.clock"].fixes[0].edits == (((5, 9, 5, 14), "perf_counter"),)
    # collections.abc is a submodule: the fix imports it, after the __future__ import
    [fix] = by_name["collections.Mapping"].fixes
    assert fix.edits == (((4, 32, 4, 39), "abc.Mapping"), ((2, 0, 2, 0), "import collections.abc\n"))


def test_the_table_names_a_source_for_each_entry_and_its_replacements_exist_here(here):
    for name, (replacement, text, source) in TABLE.items():
        assert text and source.startswith("https://"), name
        if replacement and here.locate(name.partition(".")[0]) is not None:  # pandas may not be installed
            assert exists(here, replacement), (name, replacement)


# -- NumPy's own notes, from the installed package -------------------------------------------------
def test_numpy_notes_are_read_from_the_installed_source(here):
    pytest.importorskip("numpy", minversion="2.0")  # the notes of NumPy 2's _expired_attrs_2_0.py
    notes = library_notes(here, "numpy")
    assert notes["numpy.float_"].replacements == ("numpy.float64",)
    assert notes["numpy.NaN"].replacements == ("numpy.nan",)
    assert notes["numpy.float"].replacements[0] == "float"
    assert notes["numpy.safe_eval"].replacements == ("ast.literal_eval",)
    import numpy

    [f] = check(here, "import numpy as np\nx = np.float_(1)\n")
    assert f"is not in numpy {numpy.__version__}" in f.message and "np.float64" in f.message
    assert [(fix.replacement, fix.edits) for fix in f.fixes] == [("np.float64", (((1, 7, 1, 13), "float64"),))]


def test_one_name_of_several_moves_to_an_import_of_its_own(here):
    [f] = check(here, "from collections import MutableMapping, OrderedDict\nx = 1\n")
    [fix] = f.fixes
    assert fix.edits == (((0, 24, 0, 40), ""), ((1, 0, 1, 0), "from collections.abc import MutableMapping\n"))
    [f] = check(here, "from collections import OrderedDict, MutableMapping\n")
    assert f.fixes[0].edits[0] == ((0, 35, 0, 51), "")


def test_platform_guards_and_names_every_interpreter_has_are_not_reported(here):
    code = ("import sys, os, builtins, __main__\nimport multiprocessing as mp\n"
            "if sys.platform == 'win32':\n    import msvcrt\n"
            "if os.name == 'nt':\n    import winreg\n"
            "try:\n    from _thread import get_ident\nexcept ImportError:\n    from _dummy_thread import get_ident\n"
            "ok = hasattr(sys, 'getwindowsversion') and sys.getwindowsversion()\n"
            "tb = sys.last_traceback\nns = builtins.__dict__\nmp.util.debug('x')\n")
    assert check(here, code) == []
    if sys.platform != "win32":  # unguarded, the same platform module is reported: it is missing here
        assert [f.problem.name for f in check(here, "import winreg\n")] == ["winreg"]


def test_the_table_adds_when_to_a_librarys_note_and_a_missing_submodule_names_the_version(here, tmp_path):
    pytest.importorskip("numpy", minversion="2.0")
    [f] = check(here, "import numpy as np\nx = np.float(1)\n")
    assert "(removed in NumPy 1.24; `np.float` was a deprecated alias for the builtin `float`" in f.message, f.message
    assert [fix.replacement for fix in f.fixes][:1] == ["float"]
    site = tmp_path / "site"
    write_package(site, "pkg", "2.1", {"__init__.py": "", "sub.py": ""})
    env = Environment((*stdlib_paths(), str(site)), description="the test site")
    [f] = check(env, "import pkg.externals.joblib\n")
    assert f.message == "No module named 'pkg.externals.joblib' in pkg 2.1, installed in the test site"
    # a distribution named otherwise than its module (scikit-learn / sklearn): its RECORD tells
    (site / "sklearn").mkdir()
    (site / "sklearn" / "__init__.py").write_text("")
    meta = site / "scikit_learn-1.5.2.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Name: scikit-learn\nVersion: 1.5.2\n")
    (meta / "RECORD").write_text("sklearn/__init__.py,,\nscikit_learn-1.5.2.dist-info/METADATA,,\n")
    [f] = check(env, "import sklearn.externals.joblib\n")
    assert f.message.startswith("No module named 'sklearn.externals.joblib' in scikit-learn 1.5.2, installed in")


def test_a_buffer_being_typed_keeps_its_guards_and_reports_the_line_being_typed(oldlib):
    code = ("import oldlib as ol\ntry:\n    import cPickle\nexcept ImportError:\n    import pickle\n\n"
            "def f(x\n    return ol.load_old(x)\n\ny = ol.float(\n")
    found = {(f.problem.name, f.problem.line) for f in check(oldlib, code)}
    assert found == {("oldlib.load_old", 7), ("oldlib.float", 9)}, found
