"""The code after the cursor on the real default model (both runtimes where installed): with the
cursor on the blank line of ``def total(xs)`` between ``s = 0`` and the existing ``return s``, the
suggestion writes the loop and ends before ``return s`` (it used to write ``return s`` again), in
the engine and through the CLI, whose diff then applies with ``patch`` and ``git apply``."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jumpcoder_lsp.engine import EngineConfig, complete
from jumpcoder_lsp.engine.apply import apply_completion
from jumpcoder_lsp.languages import get_language

from test_real_model import models  # noqa: F401  (the module-scoped real-model fixture)

pytestmark = [pytest.mark.real_model, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
PY = get_language("python")
TOTAL = (ROOT / "examples" / "total.py").read_text()


def check_total(new: str, continuation: str) -> None:
    assert "return" not in continuation, continuation
    assert new.count("return s") == 1 and new.endswith("\n    return s\n"), new
    assert new.startswith("def total(xs):\n    s = 0\n") and "for " in continuation, new
    compile(new, "total.py", "exec")


@pytest.mark.parametrize("method", ["autoregressive", "jumpcoder"])
def test_total_ends_where_the_return_below_resumes(models, method):
    assert TOTAL == "def total(xs):\n    s = 0\n\n    return s\n"
    result = complete(TOTAL, 2, 0, models=models, language=PY, method=method,
                      config=EngineConfig(k=2, max_lines=10))
    check_total(apply_completion(TOTAL, 2, 0, result), result.continuation)
    assert result.stop_reason in ("suffix", "eos"), result.stop_reason


def runtimes():
    from jumpcoder_lsp.runtime.llamacpp_runtime import llama_cpp_available

    out = ["torch"]
    if llama_cpp_available()[0]:
        out.append("llamacpp")
    return out


@pytest.mark.parametrize("runtime", runtimes())
def test_the_cli_on_total_never_writes_return_s_and_its_diff_applies(tmp_path, runtime):
    (tmp_path / "total.py").write_text(TOTAL)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-m", "jumpcoder_lsp.cli", "complete", "total.py", "--line", "3", "--method", "autoregressive",
         "--max-lines", "10", "--runtime", runtime, "--threads", "1", "--trace"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    diff = proc.stdout
    added = [l[1:] for l in diff.splitlines() if l.startswith("+") and not l.startswith("+++")]
    assert added and not any("return" in l for l in added), diff
    stopped = [l for l in proc.stderr.splitlines() if l.strip().startswith("stopped:")]
    assert stopped and stopped[-1].split()[-1] in ("suffix", "eos"), proc.stderr
    (tmp_path / "change.diff").write_text(diff)
    for tool in (["patch", "-p1", "--batch", "-i", "change.diff"], ["git", "apply", "change.diff"]):
        assert shutil.which(tool[0]), f"{tool[0]} is not installed"
        (tmp_path / "total.py").write_text(TOTAL)
        done = subprocess.run(tool, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr + diff
        new = (tmp_path / "total.py").read_text()
        check_total(new, "\n".join(added))
