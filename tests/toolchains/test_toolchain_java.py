"""jumpcoder_lsp/toolchains/java.py on the JDK installed here (skipped, saying so, when there is
none: scripts/setup_eval_toolchains.sh installs one): imports the JDK has resolve, misspelt and
removed ones are missing, third-party packages are unknown; javac agrees on every import the
judge calls missing and on every one it lets through that javac compiles."""

import shutil
import subprocess

import pytest

from jumpcoder_lsp.toolchains import cache_path
from jumpcoder_lsp.toolchains.java import discover, find_jdk, jdk_key, parse_class, read_jimage

JDK = find_jdk()
pytestmark = pytest.mark.skipif(JDK is None, reason="no JDK with lib/modules here (scripts/setup_eval_toolchains.sh)")

RESOLVE = [
    "import java.util.List;", "import java.util.*;", "import java.util.Map.Entry;", "import java.util.function.Function;",
    "import static java.lang.Math.max;", "import static java.lang.Math.*;", "import javax.swing.JButton;",
    "import sun.misc.Unsafe;", "import java.util.stream.Collectors;", "import static java.util.stream.Collectors.toList;",
    "import static java.util.Map.Entry.comparingByKey;", "import java.math.BigInteger;", "import java.security.*;",
    "import java.util.concurrent.atomic.AtomicInteger;", "import static java.lang.Integer.MAX_VALUE;",
]
MISSING = [
    "import java.util.Lisst;", "import java.utill.*;", "import java.utill.List;", "import static java.lang.Math.maxx;",
    "import javax.swing.JButtonn;", "import sun.misc.BASE64Encoder;", "import java.util.ArrayPrefixHelpers;",
    "import jdk.nashorn.api.scripting.ScriptObjectMirror;", "import java.util.concurrentt.*;",
    "import java.lang.Strin;", "import static java.util.Arrays.sortt;",
]
UNKNOWN = [  # jars, not the JDK: never called missing
    "import org.javatuples.Pair;", "import javax.xml.bind.JAXBContext;", "import javax.servlet.http.HttpServlet;",
    "import com.sun.jna.Native;", "import javax.annotation.Nullable;", "import org.junit.Test;",
    "import static org.junit.Assert.*;", "import com.google.common.collect.ImmutableList;",
]


@pytest.fixture(scope="module")
def env():
    return discover()


def missing(env, line):
    return [p.name for p in env.problems(line + "\n")]


@pytest.mark.parametrize("line", RESOLVE)
def test_an_import_the_jdk_has_resolves(env, line):
    assert missing(env, line) == []


@pytest.mark.parametrize("line", MISSING)
def test_a_misspelt_or_removed_jdk_import_is_missing(env, line):
    assert len(missing(env, line)) == 1


@pytest.mark.parametrize("line", UNKNOWN)
def test_a_third_party_package_is_unknown_not_missing(env, line):
    assert missing(env, line) == []


def test_only_the_judged_lines_are_reported(env):
    code = "import java.util.Lisst;\nimport java.utill.*;\nclass A {}\n"
    assert [p.line for p in env.problems(code, [1])] == [1]
    assert [p.line for p in env.problems(code)] == [0, 1]


def test_a_workspace_with_its_own_sun_package_makes_it_unknown(tmp_path):
    (tmp_path / "pom.xml").write_text("<project/>")
    src = tmp_path / "src" / "main" / "java" / "sun" / "shim"
    src.mkdir(parents=True)
    (src / "Base64.java").write_text("package sun.shim; public class Base64 {}\n")
    env = discover(str(tmp_path / "src"), search_up=True)
    assert env.problems("import sun.shim.Base64;\n") == []
    assert env.problems("import sun.shimm.Base64;\n") != []


def test_the_listing_is_cached_on_disk_per_jdk(env, tmp_path, monkeypatch):
    monkeypatch.setenv("JUMPCODER_CACHE_DIR", str(tmp_path))
    first = discover()
    path = cache_path("jdk", jdk_key(JDK))
    assert path.is_file() and first.classes == env.classes
    assert "java.util" in first.classes and "ArrayList" in first.classes["java.util"]


def test_the_jimage_reader_finds_class_files_at_their_offsets():
    classes = read_jimage(JDK / "lib" / "modules")
    offset, size, compressed = classes["java.lang"]["String"]
    with open(JDK / "lib" / "modules", "rb") as f:
        f.seek(offset)
        data = f.read(size)
    assert data[:4] == b"\xca\xfe\xba\xbe" and not compressed
    cf = parse_class(data)
    assert cf.flags & 1 and "valueOf" in cf.statics and cf.supers[0] == "java.lang.Object"


@pytest.mark.skipif(shutil.which("javac") is None, reason="no javac on PATH")
def test_javac_agrees_with_every_verdict(env, tmp_path):
    """Each import alone in a class file, all compiled by one javac run: the judge's "missing"
    ones fail to compile, the resolving ones compile (unknown ones are not asked)."""
    files = []
    for i, line in enumerate(RESOLVE + MISSING):
        path = tmp_path / f"C{i}.java"
        path.write_text(f"{line}\nclass C{i} {{}}\n")
        files.append(path)
    done = subprocess.run(["javac", "-d", str(tmp_path / "out"), "-Xmaxerrs", "1000", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    failed = {i for i, p in enumerate(files) if f"{p.name}:1: error" in done.stderr}
    for i, line in enumerate(RESOLVE + MISSING):
        assert (i in failed) == bool(missing(env, line)), (line, done.stderr[-2000:])
