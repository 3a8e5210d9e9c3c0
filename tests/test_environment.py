"""The environment judge's facts (jumpcoder_lsp/environment.py) on real environments made here."""

import subprocess
import sys

from jumpcoder_lsp.environment import discover
from jumpcoder_lsp.engine.stop import environment_verdict


def _venv(tmp_path, version, api):
    root = tmp_path / f"v{version}" / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    site = next(root.glob("lib/python*/site-packages"))
    (site / "mylib").mkdir()
    (site / "mylib" / "__init__.py").write_text(f"def {api}():\n    return 1\n")
    (site / "mylib" / "fast.cpython-312-x86_64-linux-gnu.so").write_bytes(b"")
    (site / f"mylib-{version}.dist-info").mkdir()
    (site / f"mylib-{version}.dist-info" / "METADATA").write_text(f"Name: mylib\nVersion: {version}\n")
    return discover(str(root.parent))


def test_stdlib_names_resolve_or_are_rejected(tmp_path):
    env = discover(str(tmp_path))
    assert env.problems("from collections import Counterr\n")
    assert not env.problems("from collections import Counter\nimport os.path\nos.path.join\n")
    assert env.problems("import sklearn.externals.joblib\n")


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
    from jumpcoder_lsp.environment import Environment

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
    env = discover(str(tmp_path))
    code = ("from re import IGNORECASE\nfrom signal import SIGINT\nfrom socket import AF_INET\n"
            "from ssl import OP_NO_TLSv1\nfrom hashlib import sha256\nfrom os import getcwd\n")
    assert env.problems(code) == []
    assert env.problems("from json import loadz\n")[0].name == "json.loadz"
