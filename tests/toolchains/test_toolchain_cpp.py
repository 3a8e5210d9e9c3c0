"""jumpcoder_lsp/toolchains/cpp.py on the C++ compiler installed here (skipped, saying so, when
there is none): a header on the compiler's include path resolves, one nowhere is missing, one the
workspace or the machine has elsewhere (a ``-I`` away) or the build generates is unknown, an
include in a preprocessor conditional is never missing; g++ agrees on the verdicts."""

import shutil
import subprocess

import pytest

from jumpcoder_lsp.toolchains.cpp import conditional_lines, discover, find_compiler

CXX = find_compiler()
pytestmark = pytest.mark.skipif(CXX is None, reason="no C++ compiler on PATH (scripts/setup_eval_toolchains.sh)")

RESOLVE = ["<vector>", "<bits/stdc++.h>", "<stdio.h>", "<unordered_map>", "<sys/types.h>", "<cmath>", "<climits>"]
MISSING = ["<vectors>", "<bits/stdc++h>", "<math>", "<algorithms>", "<unordered_set.h>", "<strings>", "<iostream.h>"]


@pytest.fixture(scope="module")
def env():
    return discover()


def missing(env, include):
    return [p.name for p in env.problems(f"#include {include}\n")]


@pytest.mark.parametrize("include", RESOLVE)
def test_a_header_of_the_compiler_resolves(env, include):
    assert missing(env, include) == []


@pytest.mark.parametrize("include", MISSING)
def test_a_header_nowhere_is_missing(env, include):
    assert missing(env, include) == [include[1:-1]]


def test_without_a_workspace_a_quoted_or_a_project_looking_include_is_unknown(env):
    assert missing(env, '"local.h"') == [] and missing(env, "<leveldb/db.h>") == []


def test_an_include_in_a_conditional_is_never_missing(env):
    code = "#ifndef A_H\n#define A_H\n#include <vectors>\n#ifdef _WIN32\n#include <windows.h>\n#endif\n#endif\n"
    assert [p.line for p in env.problems(code)] == [2]
    assert conditional_lines(code.splitlines()) == {4}


def test_the_workspace_decides_quoted_includes(tmp_path):
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "include" / "proj").mkdir(parents=True)
    (root / "CMakeLists.txt").write_text("configure_file(version.h.in version.h)\nadd_library(p src/a.cc)\n")
    (root / "include" / "proj" / "util.h").write_text("#pragma once\n")
    (root / "src" / "a.cc").write_text("")
    (root / "src" / "near.h").write_text("")
    (root / "proto").mkdir()
    (root / "proto" / "msg.proto").write_text("")
    env = discover(str(root / "src"), search_up=True).for_file(str(root / "src" / "a.cc"))
    assert env.workspace is not None and env.workspace.root == root
    found = lambda inc: missing(env, inc)  # noqa: E731
    assert found('"near.h"') == []  # beside the file
    assert found('"proj/util.h"') == [] and found("<proj/util.h>") == []  # somewhere in the workspace (-I include)
    assert found('"version.h"') == [] and found('"msg.pb.h"') == []  # the build makes them
    assert found('"nowhere.h"') == ["nowhere.h"] and found("<proj/nope.h>") == ["proj/nope.h"]


def test_compile_commands_include_dirs_count(tmp_path):
    root, other = tmp_path / "proj", tmp_path / "third_party" / "inc"
    root.mkdir(parents=True)
    other.mkdir(parents=True)
    (other / "ext.h").write_text("")
    (root / "compile_commands.json").write_text(
        '[{"directory": "%s", "command": "g++ -I../third_party/inc -c a.cc", "file": "a.cc"}]' % root)
    env = discover(str(root), search_up=True)
    assert str(other) in env.workspace.include_dirs
    assert missing(env, '"ext.h"') == [] and missing(env, '"ext2.h"') == ["ext2.h"]


@pytest.mark.skipif(shutil.which("g++") is None, reason="no g++ on PATH")
def test_gxx_agrees_with_every_verdict(env, tmp_path):
    for include in RESOLVE + MISSING:
        src = tmp_path / "t.cc"
        src.write_text(f"#include {include}\nint main() {{ return 0; }}\n")
        done = subprocess.run(["g++", "-fsyntax-only", "-std=c++17", str(src)], capture_output=True, text=True,
                              timeout=120)
        assert (done.returncode != 0) == bool(missing(env, include)), (include, done.stderr[-500:])


def test_another_platforms_header_and_a_library_the_build_finds_are_unknown(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "CMakeLists.txt").write_text("find_package(GTest)\nadd_executable(t t.cc)\n")
    env = discover(str(root))
    assert missing(env, "<windows.h>") == [] and missing(env, "<direct.h>") == []
    assert missing(env, "<gtest/gtest.h>") == [] and missing(env, "<gmockk/gmock.h>") == ["gmockk/gmock.h"]


def test_a_submodule_not_checked_out_makes_the_workspace_unknown(tmp_path):
    root = tmp_path / "proj"
    (root / "third_party" / "googletest").mkdir(parents=True)
    (root / ".gitmodules").write_text('[submodule "g"]\n\tpath = third_party/googletest\n\turl = x\n')
    env = discover(str(root))
    assert not env.complete and missing(env, '"gtest/gtest.h"') == []


def test_a_compiler_in_the_workspace_is_never_the_one_run(tmp_path, monkeypatch):
    """A relative PATH entry ('.', '') or a relative $CXX would find a workspace's own 'g++' when the
    server runs in the workspace: only absolute PATH entries are searched."""
    fake = tmp_path / "g++"
    fake.write_text("#!/bin/sh\ntouch ran\n")
    fake.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    system = find_compiler({"PATH": "/usr/bin:/bin"})
    assert find_compiler({"PATH": ".:" + "/usr/bin:/bin"}) == system
    assert find_compiler({"PATH": ":/usr/bin:/bin"}) == system
    assert find_compiler({"PATH": "/usr/bin:/bin", "CXX": "./g++"}) == system
    assert system is None or not system.startswith(str(tmp_path))
    assert find_compiler({"PATH": str(tmp_path)}) == str(fake)  # an absolute entry is the user's own choice
