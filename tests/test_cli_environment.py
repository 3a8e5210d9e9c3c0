"""``jumpcoder-lsp complete --python PATH``: the environment judge from the command line, on real
virtual environments made here (the models are the scripted engine_env pair: the loader is
replaced, nothing else)."""

import subprocess
import sys

import pytest

from jumpcoder_lsp import cli, loading
from jumpcoder_lsp.server import scripted

SOURCE = "def dump(x):\n    \n"


@pytest.fixture
def scripted_models(monkeypatch):
    monkeypatch.setattr(loading, "load_model_pair", lambda *a, **k: scripted.engine_env())
    monkeypatch.delenv("JUMPCODER_PYTHON", raising=False)


def make_venv(root, with_orjsonx):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    if with_orjsonx:
        site = next(root.glob("lib/python*/site-packages"))
        (site / "orjsonx.py").write_text("def dumps(x):\n    return str(x)\n")
    return str(root / "bin" / "python")


def run(tmp_path, capsys, *argv):
    path = tmp_path / "project" / "dump.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(SOURCE)
    code = cli.main(["complete", str(path), "--line", "2", "--quiet", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_python_flag_names_the_environment_and_a_missing_import_is_not_inserted(tmp_path, capsys, scripted_models):
    code, diff, _ = run(tmp_path, capsys, "--python", make_venv(tmp_path / "bare", False))
    assert code == 0 and "+    return orjsonx.dumps(x)" in diff and "import orjsonx" not in diff, diff
    code, diff, _ = run(tmp_path, capsys, "--python", make_venv(tmp_path / "full", True))
    assert code == 0 and "+import orjsonx" in diff, diff


def test_a_venv_beside_the_project_is_read_when_no_interpreter_is_given(tmp_path, capsys, scripted_models):
    make_venv(tmp_path / "project" / ".venv", False)
    code, diff, _ = run(tmp_path, capsys)
    assert code == 0 and "import orjsonx" not in diff, diff


def test_the_environment_variable_is_used_and_a_broken_interpreter_is_an_error(tmp_path, capsys, scripted_models,
                                                                                monkeypatch):
    monkeypatch.setenv("JUMPCODER_PYTHON", make_venv(tmp_path / "bare", False))
    code, diff, _ = run(tmp_path, capsys)
    assert code == 0 and "import orjsonx" not in diff, diff
    code, _, err = run(tmp_path, capsys, "--python", str(tmp_path / "no-such-python"))
    assert code == 1 and "no-such-python" in err, err


def test_a_java_file_is_judged_against_the_machines_jdk(tmp_path, capsys, monkeypatch):
    from jumpcoder_lsp.toolchains.java import find_jdk

    if find_jdk() is None:
        pytest.skip("no JDK with lib/modules here (scripts/setup_eval_toolchains.sh installs one)")
    monkeypatch.setattr(loading, "load_model_pair", lambda *a, **k: scripted.engine_java_env())
    path = tmp_path / "project" / "Words.java"
    path.parent.mkdir()
    path.write_text("public class Words {\n    static List<String> words(String s) {\n")
    code = cli.main(["complete", str(path), "--line", "3", "--column", "1"])
    out = capsys.readouterr()
    assert code == 0 and 'return List.of(s.split(" "));' in out.out, out
    assert "java.utill" not in out.out and "environment judge: the JDK" in out.err, out
