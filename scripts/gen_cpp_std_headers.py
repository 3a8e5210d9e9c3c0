"""Generate jumpcoder_lsp/languages/queries/cpp_std_headers.txt: which standard header provides
which name of namespace ``std`` (``sort`` <- ``<algorithm>``), as clangd's include fixer knows it,
from the libstdc++ installed here, and which standard headers each standard header includes.

    python scripts/gen_cpp_std_headers.py > jumpcoder_lsp/languages/queries/cpp_std_headers.txt

(needs ``g++`` and its libstdc++ headers; ``--cxx``/``--std`` change them). Three steps:

1. the names: every word of ``#include <bits/stdc++.h>`` (every header) preprocessed (``g++ -E``
   at each ``-std``) that g++ accepts after it as ``using std::N;`` (a function, variable, class,
   enum or enumerator, alias, concept, a C function ``using ::printf;`` brought in, through the
   inline namespaces ``__cxx11``...) or as ``namespace a = std::N;`` (``chrono``, ``pmr``,
   ``ranges``); names starting with ``_`` are implementation details;
2. for each standard header (the list ``cpp.py`` knows, C headers too) and each ``-std`` (C++11
   to C++23): one ``g++ -fsyntax-only`` of ``#include <H>`` followed by ``namespace c_N { using
   std::N; }`` for each name (a namespace alias for a namespace): a line without an error
   means ``<H>`` provides ``std::N`` -- through whatever internal ``bits/`` headers and other
   headers it includes, as the compiler sees them;
3. for each header and ``-std``: ``g++ -M``, the files ``#include <H>`` reads; those that resolve
   as a standard header name on the include path are its include closure.

Everything is united over the ``-std`` values (a name or an include any of them has counts: the
map says where a name may come from, so a report is made only when no standard says it is
there). A name's line lists the headers that provide it, less those that include another header
of the line (``std::sort``'s line is ``algorithm functional regex``: ``<execution>`` and
``<bits/stdc++.h>`` provide it too, through ``<algorithm>``, which they include); the closure lines
restore them. A header missing here, or failing alone at every ``-std``, has no closure line: a
file including it may get anything from it. Runs in about 5 minutes (two jobs).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jumpcoder_lsp.languages.cpp import STD_HEADERS  # noqa: E402

STDS = ("c++11", "c++14", "c++17", "c++20", "c++23")
_ERROR = re.compile(r"^<stdin>:(\d+):\d+: (?:fatal )?error:", re.M)
_WORD = re.compile(rb"\b[A-Za-z][A-Za-z0-9_]*\b")


def _check(cxx: str, std: str, header: str, lines: list[str]) -> tuple[set[int], bool]:
    """The 0-based indices of ``lines`` g++ rejects after ``#include <header>``, and whether the
    include itself failed."""
    r = subprocess.run([cxx, f"-std={std}", "-fsyntax-only", "-w", "-fmax-errors=0", "-x", "c++", "-"],
                       input=("\n".join([f"#include <{header}>"] + lines) + "\n").encode(), capture_output=True)
    bad = {int(m) for m in _ERROR.findall(r.stderr.decode("utf-8", "replace"))}
    return {i - 2 for i in bad if i >= 2}, 1 in bad


def candidates(cxx: str, stds: list[str]) -> tuple[set[str], set[str]]:
    """(names, namespace names) of namespace std: every word of ``<bits/stdc++.h>`` preprocessed
    (each ``-std``) that g++ accepts as ``using std::N;`` (or, for a namespace, as
    ``namespace a = std::N;``) after it; names starting with ``_`` are implementation details."""
    names: set[str] = set()
    namespaces: set[str] = set()
    for std in stds:
        src = subprocess.run([cxx, f"-std={std}", "-E", "-P", "-x", "c++", "-"], input=b"#include <bits/stdc++.h>\n",
                             capture_output=True, check=True).stdout
        words = sorted({w.decode() for w in _WORD.findall(src)})
        lines = []
        for i, w in enumerate(words):
            lines += [f"namespace c_{i} {{ using std::{w}; }}", f"namespace a_{i} = std::{w};"]
        bad, _ = _check(cxx, std, "bits/stdc++.h", lines)
        for i, w in enumerate(words):
            if 2 * i not in bad:
                names.add(w)
            elif 2 * i + 1 not in bad:
                namespaces.add(w)
    return names - namespaces, namespaces


def provided(cxx: str, std: str, header: str, names: list[str], namespaces: set[str]) -> Optional[set[str]]:
    """The names of ``names`` that ``#include <header>`` declares in namespace std at ``std``; None
    when the header is not there (or fails at that ``-std``: ``<stdatomic.h>`` before C++23)."""
    lines = [f"namespace c_{i} = std::{n};" if n in namespaces else f"namespace c_{i} {{ using std::{n}; }}"
             for i, n in enumerate(names)]
    bad, missing = _check(cxx, std, header, lines)
    return None if missing else {n for i, n in enumerate(names) if i not in bad}


def search_dirs(cxx: str) -> list[Path]:
    err = subprocess.run([cxx, "-x", "c++", "-E", "-v", "-"], input=b"", capture_output=True).stderr.decode()
    body = err.split("#include <...> search starts here:", 1)[1].split("End of search list.", 1)[0]
    return [Path(os.path.normpath(s.strip())) for s in body.strip().splitlines()]


def closure(cxx: str, std: str, header: str, dirs: list[Path]) -> set[str]:
    """The standard headers ``#include <header>`` reads (itself left out)."""
    r = subprocess.run([cxx, f"-std={std}", "-M", "-w", "-x", "c++", "-"], input=f"#include <{header}>\n".encode(),
                       capture_output=True)
    out = set()
    for p in r.stdout.decode().replace("\\\n", " ").split()[1:]:
        p = Path(os.path.normpath(p))
        for d in dirs:
            try:
                rel = p.relative_to(d).as_posix()
            except ValueError:
                continue
            if rel in STD_HEADERS and rel != header:
                out.add(rel)
            break
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cxx", default="g++")
    ap.add_argument("--std", nargs="+", default=list(STDS))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    version = subprocess.run([args.cxx, "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    names, namespaces = candidates(args.cxx, args.std)
    cand = sorted(names | namespaces)
    dirs = search_dirs(args.cxx)
    headers = sorted(STD_HEADERS)
    jobs = [(s, h) for s in args.std for h in headers]
    with ThreadPoolExecutor(args.jobs) as pool:
        prov = list(pool.map(lambda sh: provided(args.cxx, sh[0], sh[1], cand, namespaces), jobs))
        clos = list(pool.map(lambda sh: closure(args.cxx, sh[0], sh[1], dirs), jobs))
    by_header: dict[str, set[str]] = {h: set() for h in headers}
    inc: dict[str, set[str]] = {h: set() for h in headers}
    present = set()
    for (s, h), p, c in zip(jobs, prov, clos):
        if p is not None:
            present.add(h)
            by_header[h] |= p
            inc[h] |= c
    by_name: dict[str, set[str]] = {}
    for h, ns in by_header.items():
        for n in ns:
            by_name.setdefault(n, set()).add(h)
    print(f"# generated by `python scripts/gen_cpp_std_headers.py` from libstdc++ {version} "
          f"(g++ {version}, -std={','.join(args.std)} united): {len(by_name)} names of namespace std, "
          f"{len(present)} headers")
    print("# `<header> = headers`: the standard headers #include <header> reads (its include closure);")
    print("# `name headers`: the headers providing std::name, less those that get it by including another;")
    print("# a standard header not listed fails alone here (no name of it is known)")
    for h in sorted(present):
        print(f"<{h}> = {' '.join(sorted(inc[h]))}".rstrip())
    for n in sorted(by_name):
        hs = by_name[n]
        # leave out a header that has the name only through another listed header it includes
        keep = {h for h in hs if not any(o != h and o in inc[h] and h not in inc[o] for o in hs)}
        # (the -std union may break a chain: a header whose closure reaches no kept one stays)
        keep |= {h for h in hs if not keep & ({h} | inc[h])}
        keep = sorted(keep)
        print(f"{n} {' '.join(keep)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
