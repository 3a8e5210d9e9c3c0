"""The Go compiler as a second opinion: on real Go files with one standard import deleted, do the
Go judge and the compiler report the same undefined names? And how fast is each?

For each file (sorted, the first ``--files``; ``testdata`` folders and cgo files, which
``import "C"``, are left out) that imports a standard package (one of ``go list std`` outside
``internal`` and ``vendor``, imported under its own name), one such import is deleted: the i-th
file loses its (i mod n)-th, so the deleted packages vary rather than being each file's first
(``bytes``, ``errors``, ``fmt`` ...). The names the judge reports on the mutated file are compared
with the names in the compiler's ``undefined: X`` errors there, minus those it already reports on
the original file (package-level names of the package's other files); a file agrees when the two
sets are equal.

The compiler: ``go tool compile -e -p PATH -importcfg CFG -o FILE.o FILE``, once on the original
and once on the mutated file. It type-checks one file as the whole package ``PATH`` (its folder's
import path; ``_test`` added for an external test package) against the installed packages' export
data (``$GOROOT/pkg/linux_amd64/*.a``, named in ``CFG``, vendored ones under their import path),
and ``-e`` lists every error rather than the first ten, so each file gets its own answer. ``go
build``/``go vet`` on one file would build it as a command-line package, which may not import the
standard library's ``internal`` packages, and stop at the first errors; ``-std`` (and ``-+`` for
the runtime) tell the compiler it compiles the standard library, as ``go build`` does.

    python benchmarks/go_agreement.py /usr/lib/go-1.19/src --files 300
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jumpcoder_lsp.languages import get_language

_UNDEFINED_RE = re.compile(r"^(.*?):\d+:\d+: undefined: ([A-Za-z_]\w*)$")


def go_root(go: str) -> Path:
    return Path(subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True, check=True).stdout.strip())


def std_packages(go: str) -> set[str]:
    """The standard packages a program may import: ``go list std`` outside internal and vendor."""
    out = subprocess.run([go, "list", "std"], capture_output=True, text=True, check=True).stdout.split()
    return {p for p in out if "internal" not in p.split("/") and not p.startswith("vendor/")}


def write_importcfgs(goroot: Path, tmp: str) -> dict[bool, str]:
    """Two import configurations naming every installed package's export data: the standard
    library's (its vendored packages under their own import path) and cmd's (cmd/vendor's)."""
    pkg = goroot / "pkg" / f"{_goos_goarch(goroot)}"
    files = sorted(pkg.rglob("*.a"))
    cfgs = {}
    for is_cmd in (False, True):
        vendor = "cmd/vendor/" if is_cmd else "vendor/"
        lines = []
        for f in files:
            path = f.relative_to(pkg).as_posix()[: -len(".a")]
            lines.append(f"packagefile {path}={f}")
            if path.startswith(vendor):
                lines.append(f"packagefile {path[len(vendor):]}={f}")
        cfg = os.path.join(tmp, f"importcfg{'-cmd' if is_cmd else ''}")
        Path(cfg).write_text("\n".join(lines) + "\n")
        cfgs[is_cmd] = cfg
    return cfgs


def _goos_goarch(goroot: Path) -> str:
    dirs = [d.name for d in (goroot / "pkg").iterdir() if d.is_dir() and "_" in d.name and d.name not in ("include", "tool")]
    return sorted(dirs)[0]


def std_imports(spec, src: bytes, std: set[str]) -> list[tuple[int, int, str]]:
    """(start byte, end byte, path) of each import spec of a standard package without a name."""
    root = spec.parse(src).root_node
    out = []
    for decl in root.named_children:
        if decl.type != "import_declaration":
            continue
        todo = list(decl.named_children)
        while todo:
            n = todo.pop(0)
            if n.type == "import_spec_list":
                todo[:0] = list(n.named_children)
            elif n.type == "import_spec" and n.child_by_field_name("name") is None:
                p = n.child_by_field_name("path")
                path = src[p.start_byte + 1 : p.end_byte - 1].decode("utf-8", "replace") if p is not None else ""
                if path in std:
                    # a single `import "x"` goes whole; a spec in a group, with its line
                    node = decl if decl.named_children[0].type == "import_spec" else n
                    out.append((node.start_byte, node.end_byte, path))
    return out


def package_path(rel: Path, src: bytes) -> str:
    m = re.search(rb"^package\s+(\w+)", src, re.M)
    name = m.group(1).decode() if m else ""
    if name == "main":
        return "main"
    path = rel.parent.as_posix()
    return path + "_test" if name.endswith("_test") else path


def compile_names(go: str, path: str, cfg: str, file: str, runtime: bool) -> tuple[set[str], float]:
    # the object goes to a scratch file, never to os.devnull: the compiler deletes its output
    # file when it reports an error, and as root that would delete /dev/null
    cmd = [go, "tool", "compile", "-e", "-std", "-p", path, "-importcfg", cfg, "-o", file + ".o"]
    if runtime:
        cmd.append("-+")
    t0 = time.perf_counter()
    out = subprocess.run([*cmd, file], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if os.path.exists(file + ".o"):
        os.remove(file + ".o")
    names = set()
    for line in (out.stdout + out.stderr).splitlines():
        m = _UNDEFINED_RE.match(line.strip())
        if m:
            names.add(m.group(2))
    return names, dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="the src folder of a Go installation (GOROOT/src)")
    ap.add_argument("--go", default="go")
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--show", type=int, default=10)
    args = ap.parse_args(argv)
    spec = get_language("go")
    go = args.go
    goroot = go_root(go)
    std = std_packages(go)
    src_dir = Path(args.src).resolve()
    files = sorted(f for f in src_dir.rglob("*.go") if "testdata" not in f.relative_to(src_dir).parts)
    agree = n = seen = 0
    judge_s = compile_s = 0.0
    shown = 0
    with tempfile.TemporaryDirectory() as tmp:
        cfgs = write_importcfgs(goroot, tmp)
        for f in files:
            if n >= args.files:
                break
            src = f.read_bytes()
            if re.search(rb'^import\s+"C"|^\s+"C"$', src, re.M):
                continue
            cands = std_imports(spec, src, std)
            if not cands:
                continue
            start, end, path = cands[n % len(cands)]
            mutated = src[:start] + src[end:]
            rel = f.relative_to(src_dir)
            pkg = package_path(rel, src)
            is_cmd = rel.parts[0] == "cmd"
            runtime = rel.parts[0] == "runtime"
            orig_f, mut_f = os.path.join(tmp, f"o{n}_{f.name}"), os.path.join(tmp, f"m{n}_{f.name}")
            Path(orig_f).write_bytes(src)
            Path(mut_f).write_bytes(mutated)
            t0 = time.perf_counter()
            ours = {u.name for u in spec.undefined_names(mutated.decode("utf-8", "replace"))}
            judge_s += time.perf_counter() - t0
            before, dt0 = compile_names(go, pkg, cfgs[is_cmd], orig_f, runtime)
            after, dt1 = compile_names(go, pkg, cfgs[is_cmd], mut_f, runtime)
            compile_s += dt0 + dt1
            theirs = after - before
            n += 1
            seen += bool(theirs)
            if ours == theirs:
                agree += 1
            elif shown < args.show:
                shown += 1
                print(f"  {rel}: deleted {path!r}; judge only {sorted(ours - theirs)}, "
                      f"compiler only {sorted(theirs - ours)}")
    print(f"{n} files with a standard import deleted: judge and compiler agree on {agree} "
          f"({100 * agree / max(1, n):.1f}%); judge {judge_s:.2f} s ({1000 * judge_s / max(1, n):.1f} ms a file), "
          f"go tool compile {compile_s:.1f} s ({2 * n} runs, {1000 * compile_s / max(1, 2 * n):.0f} ms a run); "
          f"the compiler reported a name undefined in {seen} of the mutated files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
