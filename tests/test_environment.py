"""The environment judge's facts (jumpcoder_lsp/environment.py) on real environments made here:
virtual environments made with ``python -m venv`` and packages written into their site-packages."""

import os
import subprocess
import sys

import pytest

from jumpcoder_lsp.engine.stop import environment_verdict
from jumpcoder_lsp.environment import Environment, EnvironmentUnavailable, discover, from_interpreter, from_venv


def make_venv(root):
    """A real virtual environment (no pip: fast) at ``root``; its site-packages folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    return next(root.glob("lib/python*/site-packages"))


def _venv(tmp_path, version, api):
    root = tmp_path / f"v{version}" / ".venv"
    site = make_venv(root)
    (site / "mylib").mkdir()
    (site / "mylib" / "__init__.py").write_text(f"def {api}():\n    return 1\n")
    (site / "mylib" / "fast.cpython-312-x86_64-linux-gnu.so").write_bytes(b"")
    (site / f"mylib-{version}.dist-info").mkdir()
    (site / f"mylib-{version}.dist-info" / "METADATA").write_text(f"Name: mylib\nVersion: {version}\n")
    return discover(str(root.parent), environ={})


def test_stdlib_names_resolve_or_are_rejected(tmp_path):
    make_venv(tmp_path / ".venv")
    env = discover(str(tmp_path), environ={})
    assert env.complete and "read, not run" in env.description
    assert env.problems("from collections import Counterr\n")
    assert not env.problems("from collections import Counter\nimport os.path\nos.path.join\n")
    assert env.problems("import sklearn.externals.joblib\n")  # no sklearn in this venv
    assert env.problems("from functool import reduce\n")[0].name == "functool"


def test_installed_version_decides_and_is_named(tmp_path):
    old, new = _venv(tmp_path, "1.0", "old_api"), _venv(tmp_path, "2.0", "new_api")
    code = "import mylib\nmylib.new_api()\n"
    assert not new.problems(code)
    [p] = old.problems(code)
    assert "mylib 1.0" in p.message
    assert not old.problems("import mylib.fast\n")  # compiled: unknown, accepted
    assert environment_verdict("import mylib\n", "mylib.new_api()\n", old) == "environment"
    assert environment_verdict("import mylib\n", "mylib.old_api()\n", old) is None


def test_only_module_level_code_that_adds_names_makes_a_module_unknown(tmp_path):
    (tmp_path / "helpers.py").write_text(
        "import sys\n\ndef install(name):\n    setattr(sys.modules[__name__], name, 1)\n    exec('x = 1')\n\n"
        "class C:\n    def f(self):\n        globals()['y'] = 2\n\nif sys.version_info >= (3,):\n    def real():\n        pass\n"
        "try:\n    from os import sep as SEP\nexcept ImportError:\n    SEP = '/'\n")
    (tmp_path / "dynamic.py").write_text("for _n in ('a', 'b'):\n    globals()[_n] = 1\n")
    (tmp_path / "lazy.py").write_text("import sys\nif sys:\n    def __getattr__(name):\n        return name\n")
    env = Environment((str(tmp_path),))
    assert env.defines("helpers", "real") and env.defines("helpers", "SEP") and env.defines("helpers", "C")
    assert env.defines("helpers", "y") is False  # only a function writes it: the module is still known
    assert env.defines("dynamic", "zzz") is None  # a module-level loop writes into globals()
    assert env.defines("lazy", "anything") is None  # a __getattr__, even inside an if


def test_stdlib_names_made_by_enum_helpers_are_not_rejected(tmp_path):
    env = from_interpreter(sys.executable)
    code = ("from re import IGNORECASE\nfrom signal import SIGINT\nfrom socket import AF_INET\n"
            "from ssl import OP_NO_TLSv1\nfrom hashlib import sha256\nfrom os import getcwd\n")
    assert env.problems(code) == []
    assert env.problems("from json import loadz\n")[0].name == "json.loadz"


def test_without_an_interpreter_or_venv_only_the_standard_library_is_judged(tmp_path):
    env = discover(str(tmp_path), environ={})
    assert not env.complete and "standard library" in env.description
    # a package the server cannot see may be installed in the user's environment: unknown
    assert env.problems("import numpy as np\nnp.float\nimport sklearn.externals.joblib\n") == []
    # what the standard library's own modules lack is still known
    assert env.problems("from collections import Counterr\n")


def test_the_trusted_interpreter_is_run_once_isolated_and_its_failure_is_an_error(tmp_path):
    python = tmp_path / "python"
    marker = tmp_path / "ran"
    python.write_text(f"#!/bin/sh\necho \"$@\" > {marker}\nexit 3\n")
    python.chmod(0o755)
    with pytest.raises(EnvironmentUnavailable, match="status 3"):
        discover(str(tmp_path), environ={"JUMPCODER_PYTHON": str(python)})
    assert marker.read_text().split()[0] == "-I"
    env = discover(None, python=sys.executable)  # the flag wins over the variable
    assert env.complete and env.locate("json") is not None


def test_a_venv_of_another_python_version_uses_its_home_stdlib_or_is_incomplete(tmp_path):
    root = tmp_path / ".venv"
    (root / "lib" / "python3.99" / "site-packages").mkdir(parents=True)
    home = tmp_path / "base"
    (home / "bin").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text(f"home = {home / 'bin'}\nversion = 3.99.0\n")
    env = from_venv(str(root))
    assert not env.complete and env.problems("import numpy\n") == []
    (home / "lib" / "python3.99").mkdir(parents=True)
    (home / "lib" / "python3.99" / "json.py").write_text("def loads(s):\n    pass\n")
    env = from_venv(str(root))
    assert env.complete and env.paths[0] == os.path.join(str(home), "lib", "python3.99")
    assert env.problems("import numpy\nfrom json import loads\n")[0].name == "numpy"


def test_a_trusted_interpreter_answers_for_compiled_standard_library_modules(tmp_path):
    env = from_interpreter(sys.executable)
    code = ("from itertools import izip\nimport math\nmath.sqr\nfrom time import clock\n"
            "from datetime import datetim\nimport os.path\nos.path.joinpath\n")
    assert [p.name for p in env.problems(code)] == ["itertools.izip", "time.clock", "datetime.datetim", "math.sqr",
                                                    "os.path.joinpath"]
    assert env.problems("from itertools import chain\nimport math\nmath.sqrt\nimport os.path\nos.path.join\n") == []
    # a venv read statically whose stdlib is not the server's: nothing is run, compiled stays unknown
    root = tmp_path / ".venv"
    (root / "lib" / "python3.99" / "site-packages").mkdir(parents=True)
    (tmp_path / "base" / "lib" / "python3.99").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text(f"home = {tmp_path / 'base' / 'bin'}\nversion = 3.99.0\n")
    static = from_venv(str(root))
    assert static.python is None and static.problems("import sys\nsys.maxint\n") == []


def test_a_stub_beside_its_source_adds_names_and_decides_only_for_a_getattr(tmp_path):
    pkg = tmp_path / "lib"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def __getattr__(name):\n    raise AttributeError(name)\n")
    (pkg / "__init__.pyi").write_text("def new(): ...\n")
    (pkg / "types.py").write_text("from ._impl import hidden\n")
    (pkg / "types.pyi").write_text("def public(): ...\n")
    (pkg / "star.py").write_text("from ._fast import *\n")
    (pkg / "star.pyi").write_text("def listed(): ...\n")
    (pkg / "_fast.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    env = Environment((str(tmp_path),))
    assert env.defines("lib", "old") is False and env.defines("lib", "new")  # the stub describes __getattr__
    assert env.defines("lib.types", "hidden") and env.defines("lib.types", "public")  # either one defines
    assert env.defines("lib.star", "unlisted") is None  # the source cannot tell, the stub may be incomplete


def test_partial_code_is_judged_with_its_imports_and_rebound_names_are_not(tmp_path):
    env = from_interpreter(sys.executable)
    partial = "import json\n\ndef load(path):\n    with open(path) as f:\n        return json.loadz(f.read(\n"
    assert [p.line for p in env.problems(partial, lines=[4])] == [4]
    assert env.problems("import json\n\ndef f(r):\n    json = r.json()\n    return json.get('a')\n") == []
    assert env.problems("import json\n\ndef f(json):\n    return json.items()\n") == []
    assert env.problems("import numpy as np\n\nfor i in range(\n    for x in np.arrange(3):\n", lines=[3])
    # a rebinding in another function does not hide the module from the judged line
    other = "import json\n\ndef f(r):\n    json = r.json()\n\ndef g(s):\n    return json.loadz(s)\n"
    assert [p.name for p in env.problems(other, lines=[6])] == ["json.loadz"]


def test_an_imported_modules_names_count_its_own_attributes_and_its_submodules():
    env = from_interpreter(sys.executable)
    assert env.defines("builtins", "__dict__") is True  # dir() leaves it out
    assert env.defines("multiprocessing", "util") is True  # a submodule, not imported by the package
    assert env.defines("multiprocessing", "utill") is False
    assert env.resolves("__main__") and env.resolves("_frozen_importlib")
