"""jumpcoder_lsp/toolchains/csharp.py on the .NET assemblies installed here (Mono's, from
scripts/setup_eval_toolchains.sh; skipped, saying so, when there are none): a namespace or type of
the assemblies resolves, a misspelt System one is missing, a package's or the project's is
unknown, and a project the installed assemblies cannot judge (a .NET 8 target on a Mono-only
machine, package references not restored) is unknown; mcs agrees on the verdicts."""

import shutil
import subprocess

import pytest

from jumpcoder_lsp.toolchains.csharp import discover, installed_assemblies, read_assembly

PATHS, _ = installed_assemblies()
pytestmark = pytest.mark.skipif(not PATHS, reason="no .NET assemblies here (Mono: scripts/setup_eval_toolchains.sh)")

RESOLVE = ["using System;", "using System.Numerics;", "using System.Collections.Generic;", "using System.Linq;",
           "using System.Security.Cryptography;", "using static System.Math;", "using System.Text;",
           "using Map = System.Collections.Generic.Dictionary<string, int>;", "global using System.Diagnostics;",
           "using System.Collections;", "using Microsoft.Win32;"]
MISSING = ["using System.Linqq;", "using System.Collections.Generics;", "using static System.Mathh;",
           "using System.Text.RegularExpression;", "using Sytem = System.Collection;", "using Microsoft.Win32.Registryy;"]
UNKNOWN = ["using NUnit.Framework;", "using Newtonsoft.Json;", "using Microsoft.Extensions.Logging;",
           "using MyApp.Models;", "using static System.Environment.SpecialFolderr;"]


@pytest.fixture(scope="module")
def env():
    return discover()


def missing(env, line):
    return [p.name for p in env.problems(line + "\n")]


@pytest.mark.parametrize("line", RESOLVE)
def test_a_namespace_or_type_of_the_assemblies_resolves(env, line):
    assert missing(env, line) == []


@pytest.mark.parametrize("line", MISSING)
def test_a_misspelt_system_namespace_is_missing(env, line):
    assert len(missing(env, line)) == 1


@pytest.mark.parametrize("line", UNKNOWN)
def test_a_package_or_project_namespace_is_unknown(env, line):
    assert missing(env, line) == []


def test_the_metadata_reader_lists_mscorlibs_namespaces_and_public_types():
    corlib = next(p for p in PATHS if p.endswith("mscorlib.dll"))
    names = read_assembly(corlib)
    assert "String" in names["System"] and "List" in names["System.Collections.Generic"]
    assert "Math" in names["System"] and "ParallelQuery" not in names.get("System.Linq", [])


def write_project(root, body, cs="class A {}\n"):
    root.mkdir(parents=True)
    (root / "App.csproj").write_text(f'<Project Sdk="Microsoft.NET.Sdk">\n<PropertyGroup>\n{body}\n</PropertyGroup>\n</Project>\n')
    (root / "A.cs").write_text(cs)


def test_the_project_decides_what_cannot_be_judged(tmp_path):
    write_project(tmp_path / "net48", "<TargetFramework>net48</TargetFramework>",
                  "namespace System.Polyfills { class P {} }\n")
    env = discover(str(tmp_path / "net48"))
    assert missing(env, "using System.Polyfills;") == [] and missing(env, "using System.Linqq;") == ["System.Linqq"]
    write_project(tmp_path / "net8", "<TargetFramework>net8.0</TargetFramework>")
    env8 = discover(str(tmp_path / "net8"))
    if "net8.0" not in env8.packs:  # Mono does not know .NET 8's namespaces
        assert missing(env8, "using System.Linqq;") == []
    pkg = tmp_path / "pkg"
    write_project(pkg, "<TargetFramework>net48</TargetFramework>")
    (pkg / "App.csproj").write_text((pkg / "App.csproj").read_text().replace(
        "</Project>", '<ItemGroup><PackageReference Include="System.Text.Json" Version="8.0.0" /></ItemGroup></Project>'))
    assert missing(discover(str(pkg)), "using System.Text.Json;") == []  # not restored: unknown
    (pkg / "obj").mkdir()
    (pkg / "obj" / "project.assets.json").write_text('{"libraries": {"System.Text.Json/8.0.0": {}}}')
    env_pkg = discover(str(pkg))
    assert missing(env_pkg, "using System.Text.Json;") == [] and missing(env_pkg, "using System.Linqq;") == ["System.Linqq"]


@pytest.mark.skipif(shutil.which("mcs") is None, reason="no mcs on PATH")
def test_mcs_agrees_with_every_verdict(env, tmp_path):
    for i, line in enumerate(RESOLVE + MISSING):
        src = tmp_path / f"t{i}.cs"
        src.write_text(f"{line.removeprefix('global ')}\nclass C{i} {{}}\n")  # mcs has no C# 10 global using
        done = subprocess.run(["mcs", "-target:library", "-r:System.Numerics.dll", f"-out:{tmp_path}/t{i}.dll",
                               str(src)], capture_output=True, text=True, timeout=120)
        assert (done.returncode != 0) == bool(missing(env, line)), (line, done.stdout[-500:])


# -- what a file's project makes visible (the LINQ rule's context) ----------------------------------

from jumpcoder_lsp.toolchains.csharp import SDK_IMPLICIT_USINGS, read_project, visible_usings  # noqa: E402


def test_visible_usings_follow_the_nearest_csproj_and_its_global_usings(tmp_path):
    root = tmp_path / "ws"
    write_project(root / "App", "<TargetFramework>net8.0</TargetFramework>\n<ImplicitUsings>enable</ImplicitUsings>")
    write_project(root / "Lib", "<TargetFramework>net8.0</TargetFramework>", "class L {}\n")
    (root / "Lib" / "GlobalUsings.cs").write_text("global using System.Text;  // a comment\n")
    write_project(root / "Old", "<TargetFramework>net8.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings>")
    (root / "Old" / "App.csproj").write_text((root / "Old" / "App.csproj").read_text().replace(
        "</Project>", '<ItemGroup><Using Remove="System.Linq" /><Using Include="System.Numerics" /></ItemGroup></Project>'))
    (root / "loose.cs").write_text("class Z {}\n")
    project = read_project(root)
    assert visible_usings(project, str(root / "App" / "A.cs")) == SDK_IMPLICIT_USINGS
    assert visible_usings(project, str(root / "Lib" / "A.cs")) == {"System.Text"}
    assert visible_usings(project, str(root / "Old" / "A.cs")) == (SDK_IMPLICIT_USINGS - {"System.Linq"}) | {"System.Numerics"}
    assert visible_usings(project, str(root / "loose.cs")) is None  # in no project of a workspace with projects
    assert visible_usings(None, None) == frozenset()  # no project at all: a file compiled alone
    (root / "Directory.Build.props").write_text("<Project><PropertyGroup><ImplicitUsings>enable</ImplicitUsings>"
                                                "</PropertyGroup></Project>")
    assert "System.Linq" in visible_usings(read_project(root), str(root / "Lib" / "A.cs"))


@pytest.mark.skipif(shutil.which("mcs") is None, reason="no mcs on PATH")
def test_a_linq_call_reported_as_a_loose_file_fails_with_mcs_and_compiles_with_the_using(env, tmp_path):
    from jumpcoder_lsp.languages import get_language

    code = ("using System;\nusing System.Collections.Generic;\nclass P {\n    static void Main() {\n"
            "        var xs = new List<int> { 3, 1, 2 };\n        Console.WriteLine(xs.OrderBy(x => x).First());\n    }\n}\n")
    ctx = discover(str(tmp_path)).for_file(str(tmp_path / "p.cs")).analysis_context
    assert {u.name for u in get_language("csharp").undefined_names(code, **ctx)} == {"OrderBy", "First"}
    for text, fails in ((code, True), ("using System.Linq;\n" + code, False)):
        (tmp_path / "p.cs").write_text(text)
        done = subprocess.run(["mcs", f"-out:{tmp_path}/p.exe", str(tmp_path / "p.cs")], capture_output=True, text=True,
                              timeout=120)
        assert (done.returncode != 0) == fails, done.stderr
