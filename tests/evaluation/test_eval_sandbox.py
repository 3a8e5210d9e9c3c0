"""The evaluation sandbox: timeouts kill the whole group, output is capped, forks are contained,
no network, a memory limit, a throwaway directory; and the isolation itself (bubblewrap, or the
unshare fallback): no way back into the harness's network namespace, only ``lo``, a read-only
file system without the project's files, a private /proc and /tmp, no capabilities, daemons die
with the run, no leaked cgroup, and a loud warning where no backend works."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from jumpcoder_lsp.evaluation import sandbox as sandbox_mod
from jumpcoder_lsp.evaluation.sandbox import Limits, Sandbox, Workdir, python_network_guard, sandbox_python

PY = [sandbox_python(), "-I", "prog.py"]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandbox():
    sb = Sandbox()
    print(f"sandbox here: {sb.describe()}")
    return sb


_backends: dict[str, Sandbox] = {}


@pytest.fixture(params=["bwrap", "unshare"])
def isolated(request):
    """Each isolating backend that works on this machine (skipped, with the reason, where not)."""
    name = request.param
    if name not in _backends:
        _backends[name] = Sandbox(isolate=name)
    sb = _backends[name]
    if sb.backend != name:
        pytest.skip(f"{name} does not work here: {sb.warning}")
    return sb


def run(sandbox, source, limits=Limits(timeout_s=5.0), guard=False):
    with Workdir() as d:
        (d / "prog.py").write_text((python_network_guard() if guard else "") + textwrap.dedent(source))
        return sandbox.run(PY, d, limits), d


def host_processes_with_arg(tag: str) -> list[int]:
    """Host pids whose command line contains ``tag`` (seen from the harness, outside any namespace)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                    cmd = f.read()
                with open(f"/proc/{entry.name}/stat") as f:
                    state = f.read().split(")")[-1].split()[0]
            except OSError:
                continue
            if tag.encode() in cmd and state != "Z":
                found.append(int(entry.name))
    return found


def test_plain_run_captures_output_and_exit_status(sandbox):
    res, _ = run(sandbox, "import sys\nprint('hi')\nprint('err', file=sys.stderr)\nsys.exit(3)\n")
    assert res.returncode == 3 and res.stdout == "hi\n" and res.stderr == "err\n"
    assert not res.timed_out and not res.output_truncated


def test_a_signal_death_is_a_negative_return_code(sandbox):
    res, _ = run(sandbox, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    assert res.returncode == -11


def test_timeout_kills_the_whole_process_group(sandbox):
    tag = f"{time.time() % 1000:.6f}"  # a unique `sleep` argument to find the child on the host
    src = f"""
        import subprocess, time
        subprocess.Popen(["sleep", "60.{tag.replace('.', '')}"])
        while True:
            time.sleep(0.1)
    """
    t0 = time.monotonic()
    res, _ = run(sandbox, src, Limits(timeout_s=1.5))
    assert res.timed_out and res.returncode is not None and res.returncode < 0
    assert time.monotonic() - t0 < 6
    time.sleep(0.3)
    assert host_processes_with_arg("60." + tag.replace(".", "")) == []


def test_a_double_forked_setsid_daemon_dies_with_the_run(sandbox):
    """The daemon tries every way out it could have: the harness's PID namespace (setns on
    /proc/<harness>/ns/pid before forking), a new session, the root cgroup."""
    if sandbox.backend == "none":
        pytest.skip(f"no sandbox here, a daemon can escape: {sandbox.warning}")
    tag = "61." + uuid.uuid4().hex[:8].translate(str.maketrans("abcdef", "123456"))
    src = f"""
        import ctypes, os, time
        libc = ctypes.CDLL(None, use_errno=True)
        try:
            libc.setns(os.open("/proc/{os.getpid()}/ns/pid", os.O_RDONLY), 0)  # children join it
        except OSError:
            pass
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                for root in ("/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
                    try:
                        open(root + "/cgroup.procs", "w").write(str(os.getpid()))
                    except OSError:
                        pass
                os.execvp("sleep", ["sleep", "{tag}"])
            os._exit(0)
        time.sleep(0.3)
        print("parent done")
    """
    res, _ = run(sandbox, src)
    assert res.returncode == 0 and res.stdout == "parent done\n", res.stderr
    time.sleep(0.3)
    escaped = host_processes_with_arg(tag)
    for pid in escaped:
        os.kill(pid, 9)
    assert escaped == []


def test_infinite_output_is_capped_and_ends_the_run(sandbox):
    t0 = time.monotonic()
    res, _ = run(sandbox, "while True:\n    print('x' * 1000)\n", Limits(timeout_s=20.0, max_output_bytes=64 * 1024))
    assert res.output_truncated and not res.timed_out
    assert len(res.stdout.encode()) + len(res.stderr.encode()) <= 64 * 1024
    assert time.monotonic() - t0 < 10


def test_infinite_output_on_stderr_without_newlines_is_capped(sandbox):
    res, _ = run(sandbox, "import sys\nwhile True:\n    sys.stderr.write('y' * 4096)\n",
                 Limits(timeout_s=20.0, max_output_bytes=32 * 1024))
    assert res.output_truncated and len(res.stderr) <= 32 * 1024


def test_fork_bomb_is_contained(sandbox):
    src = """
        import os, time
        n = 0
        try:
            for _ in range(10000):
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                n += 1
        except OSError as exc:
            print("fork refused after", n, exc.errno, flush=True)
        time.sleep(30)
    """
    t0 = time.monotonic()
    res, _ = run(sandbox, src, Limits(timeout_s=3.0, max_processes=32))
    assert time.monotonic() - t0 < 15
    assert res.timed_out
    if sandbox.processes in ("cgroup", "rlimit"):
        assert "fork refused after" in res.stdout
        assert int(res.stdout.split()[3]) < 32


def test_network_access_fails(sandbox):
    src = """
        import socket
        try:
            socket.create_connection(("1.1.1.1", 53), timeout=3)
            print("CONNECTED")
        except OSError as exc:
            print("refused", type(exc).__name__, exc)
    """
    res, _ = run(sandbox, src, guard=sandbox.network != "namespace")
    assert "CONNECTED" not in res.stdout
    assert "refused" in res.stdout or "PermissionError" in res.stderr


def test_the_audit_hook_guard_blocks_python_sockets_even_without_a_namespace():
    sb = Sandbox(isolate="none")
    res, _ = run(sb, "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=3)\n", guard=True)
    assert res.returncode != 0 and "network access is disabled" in res.stderr


def test_memory_limit(sandbox):
    res, _ = run(sandbox, "x = bytearray(3 * 1024**3)\nprint('allocated')\n", Limits(timeout_s=10.0, memory_bytes=1 << 30))
    assert res.returncode != 0 and "allocated" not in res.stdout
    assert "MemoryError" in res.stderr


def test_file_size_limit(sandbox):
    res, _ = run(sandbox, "open('big', 'wb').write(b'x' * (2 << 20))\nprint('wrote')\n",
                 Limits(timeout_s=5.0, max_file_bytes=1 << 20))
    assert res.returncode != 0 and "wrote" not in res.stdout


def test_runs_in_its_own_temporary_directory_with_a_small_environment(sandbox):
    res, d = run(sandbox, "import os\nprint(os.getcwd())\nprint(sorted(os.environ))\nopen('out.txt', 'w').write('x')\n")
    lines = res.stdout.splitlines()
    assert res.returncode == 0, res.stderr
    assert lines[0] == str(d)
    assert "HOME" in lines[1] and "PYTHONPATH" not in lines[1]
    assert not d.exists()  # removed afterwards


def test_stdin_is_closed(sandbox):
    res, _ = run(sandbox, "import sys\nprint(repr(sys.stdin.read()))\n")
    assert res.stdout.strip() == "''"


# -- the isolation, for each backend that works here ------------------------------------------------

def test_setns_into_the_harness_network_namespace_fails(isolated):
    src = f"""
        import ctypes, os, socket
        libc = ctypes.CDLL(None, use_errno=True)
        for path in ("/proc/{os.getpid()}/ns/net", "/proc/1/ns/net"):
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError as exc:
                print(path, "open failed", exc.errno)
                continue
            rc = libc.setns(fd, 0)
            print(path, "setns", rc, ctypes.get_errno())
        print("interfaces", sorted(name for _, name in socket.if_nameindex()))
    """
    res, _ = run(isolated, src)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    harness = lines[0]
    assert "open failed" in harness or ("setns -1" in harness), harness
    assert lines[-1] == "interfaces ['lo']"  # even after trying /proc/1 (its own init's namespace)


def test_only_loopback_is_visible(isolated):
    src = """
        import os, socket
        print(sorted(name for _, name in socket.if_nameindex()))
        print(sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else ["lo"])
    """
    res, _ = run(isolated, src)
    assert res.stdout.splitlines() == ["['lo']", "['lo']"], res.stdout + res.stderr


def test_writing_outside_the_work_directory_fails(isolated, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.chmod(outside, 0o777)
    name = f"jc-escaped-{uuid.uuid4().hex}"  # unique: never a leftover of an earlier (failing) run
    private_tmp = f"/tmp/{name}"
    targets = [str(outside / name), f"/usr/{name}", f"/etc/{name}", f"{Path.home()}/{name}", str(REPO / name)]
    src = f"""
        for path in {targets!r}:
            try:
                open(path, "w").write("x")
                print("WROTE", path)
            except OSError as exc:
                print("refused", path, exc.errno)
        open({private_tmp!r}, "w").write("private")  # /tmp is the sandbox's own
        open("inside", "w").write("ok")
        print("work dir ok")
    """
    try:
        res, _ = run(isolated, src)
        escaped = [p for p in targets + [private_tmp] if os.path.exists(p)]
    finally:
        for path in targets + [private_tmp]:
            if os.path.exists(path):
                os.remove(path)
    assert "WROTE" not in res.stdout and "work dir ok" in res.stdout, res.stdout + res.stderr
    assert escaped == []


def test_the_projects_files_are_not_readable(isolated):
    readme = REPO / "README.md"
    assert readme.is_file()
    paths = [str(readme), os.getcwd(), str(Path.home()), str(Path.home() / ".cache"), "/etc/shadow"]
    src = f"""
        import os
        for path in {paths!r}:
            try:
                got = os.listdir(path) if os.path.isdir(path) else open(path).read(64)
                print("READ", path, repr(got)[:80])
            except OSError as exc:
                print("refused", path, exc.errno)
    """
    res, _ = run(isolated, src)
    assert res.returncode == 0, res.stderr
    for line in res.stdout.splitlines():
        if line.startswith("READ"):
            # the only thing of the home that may show is the empty mount point of a bound dir
            # (e.g. ~/.pyenv for the interpreter); never the project's files or the model cache
            assert line.split()[1] == str(Path.home()) and ".cache" not in line, line
    assert len(res.stdout.splitlines()) == len(paths)


def test_a_private_directory_under_a_shown_directory_is_covered_by_an_empty_tmpfs(isolated, monkeypatch):
    """A checkout or cache inside a shown directory (a repository in /usr/src, a cache in /opt) is
    covered by an empty tmpfs; the rest of that directory stays visible. Built in /var/tmp with modes
    of its own: the real checkout's parent may be closed to the sandbox's uid (0700 on CI), which
    hides the checkout too but would not reach the tmpfs."""
    base = Path(os.path.realpath(tempfile.mkdtemp(dir="/var/tmp", prefix="jc-shown-")))
    try:
        base.chmod(0o755)
        (base / "public.txt").write_text("shown")
        checkout = base / "checkout"
        checkout.mkdir(mode=0o755)
        (checkout / "README.md").write_text("secret")
        monkeypatch.setattr(sandbox_mod, "private_paths", lambda: [str(checkout)])
        sb = Sandbox(isolate=isolated.backend, ro_paths=[str(base)])
        assert ("hide", str(checkout)) in sb.hidden
        src = f"""
            import os
            print(sorted(os.listdir({str(base)!r})), os.listdir({str(checkout)!r}), open({str(base / "public.txt")!r}).read())
            try:
                print("READ", open({str(checkout / "README.md")!r}).read())
            except OSError as exc:
                print("refused", exc.errno)
        """
        res, _ = run(sb, src)
        assert res.stdout.splitlines() == ["['checkout', 'public.txt'] [] shown", "refused 2"], res.stdout + res.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_project_stays_unreadable_under_a_directory_the_sandbox_shows(isolated):
    """The real checkout, its parent shown on purpose: its files cannot be read, whether the empty
    tmpfs covers it (a parent open to all), the parent's own mode closes it to the sandbox's uid, or
    the sandbox's private /tmp covers the whole of it (a checkout under /tmp)."""
    if REPO.parent == Path("/"):
        pytest.skip("the checkout is at the top of the file system")
    sb = Sandbox(isolate=isolated.backend, ro_paths=[str(REPO.parent)])
    src = f"""
        import os
        try:
            print(os.listdir({str(REPO)!r}), os.listdir({os.getcwd()!r}))
        except OSError as exc:
            print("closed", exc.errno)
        try:
            print("READ", open({str(REPO / "README.md")!r}).read(20))
        except OSError as exc:
            print("refused", exc.errno)
    """
    res, _ = run(sb, src)
    lines = res.stdout.splitlines()
    assert lines[0] in ("[] []", f"closed {errno.EACCES}", f"closed {errno.ENOENT}"), res.stdout + res.stderr
    assert lines[1:] == [f"refused {errno.EACCES if lines[0] == f'closed {errno.EACCES}' else errno.ENOENT}"], res.stdout + res.stderr


def test_other_processes_environments_are_not_readable(isolated):
    """/proc is the sandbox's own: neither another process's environment (here a process started
    with a secret) nor the harness's is reachable, and /proc/1 is the sandbox's init."""
    secret = f"JC_SANDBOX_SECRET_{uuid.uuid4().hex}"
    other = subprocess.Popen(["sleep", "30"], env={**os.environ, "JC_SECRET": secret})
    try:
        src = f"""
            import os
            leaked = []
            for pid in [p for p in os.listdir("/proc") if p.isdigit()] + ["{other.pid}", "{os.getpid()}"]:
                try:
                    env = open(f"/proc/{{pid}}/environ", "rb").read()
                except OSError:
                    continue
                if b"{secret}" in env:
                    leaked.append(pid)
            print("leaked", leaked)
            try:
                print("init", open("/proc/1/cmdline", "rb").read().split(b"\\0")[0].decode())
            except OSError as exc:
                print("init unreadable", exc.errno)
        """
        res, _ = run(isolated, src)
    finally:
        other.kill()
        other.wait()
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == "leaked []"
    init = res.stdout.splitlines()[1]
    assert init.endswith(("bwrap", "/bin/sh")), init  # the sandbox's own init, not the host's


def test_no_capabilities_and_no_new_privs(isolated):
    src = """
        fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
        print(*(fields[k].strip() for k in ("CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")))
    """
    res, _ = run(isolated, src)
    assert res.stdout.split() == ["0000000000000000"] * 4 + ["1"], res.stdout + res.stderr


# -- bookkeeping -----------------------------------------------------------------------------------

def _cgroup_dirs(root: Path) -> set[str]:
    return {p.name for p in root.glob(f"jumpcoder-eval-{os.getpid()}-*")}


def test_a_cgroup_is_not_leaked_when_popen_raises(sandbox, monkeypatch):
    if sandbox.cgroup_root is None:
        pytest.skip("no writable pids cgroup here")
    before = _cgroup_dirs(sandbox.cgroup_root)

    def refuse(*args, **kwargs):
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    with Workdir() as d, pytest.raises(OSError):
        sandbox.run(PY, d)
    assert _cgroup_dirs(sandbox.cgroup_root) == before


def test_without_a_working_backend_the_sandbox_warns_loudly(monkeypatch, caplog):
    real_which = sandbox_mod.shutil.which
    monkeypatch.setattr(sandbox_mod.shutil, "which",
                        lambda name, *a, **k: None if name in ("bwrap", "unshare") else real_which(name, *a, **k))
    with caplog.at_level(logging.WARNING, logger=sandbox_mod.__name__):
        sb = Sandbox()
    assert sb.backend == "none" and sb.network == "audit-hook"
    assert sb.warning and "NO SANDBOX" in sb.warning
    assert sb.describe().startswith("WARNING: NO SANDBOX")
    assert any("NO SANDBOX" in r.getMessage() for r in caplog.records)


def test_a_sandbox_warning_heads_the_report_section():
    from jumpcoder_lsp.evaluation.report import benchmark_section

    meta = {"sandbox": "WARNING: NO SANDBOX: ...", "sandbox_warning": "NO SANDBOX: generated code runs unisolated"}
    text = benchmark_section("humaneval", [], meta)
    head = text.split("Command:")[0]
    assert "NO SANDBOX: generated code runs unisolated" in head
