"""The evaluation sandbox: timeouts kill the whole group, output is capped, forks are contained,
no network, a memory limit, a throwaway directory."""

from __future__ import annotations

import os
import sys
import textwrap
import time

import pytest

from jumpcoder_lsp.evaluation.sandbox import Limits, Sandbox, Workdir, python_network_guard

PY = [sys.executable, "-I", "prog.py"]


@pytest.fixture(scope="module")
def sandbox():
    sb = Sandbox()
    print(f"sandbox here: {sb.describe()}")
    return sb


def run(sandbox, source, limits=Limits(timeout_s=5.0), guard=False):
    with Workdir() as d:
        (d / "prog.py").write_text((python_network_guard() if guard else "") + textwrap.dedent(source))
        return sandbox.run(PY, d, limits), d


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is dead for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_plain_run_captures_output_and_exit_status(sandbox):
    res, _ = run(sandbox, "import sys\nprint('hi')\nprint('err', file=sys.stderr)\nsys.exit(3)\n")
    assert res.returncode == 3 and res.stdout == "hi\n" and res.stderr == "err\n"
    assert not res.timed_out and not res.output_truncated


def test_timeout_kills_the_whole_process_group(sandbox, tmp_path):
    pidfile = tmp_path / "child.pid"
    os.chmod(tmp_path, 0o777)
    src = f"""
        import os, time, subprocess, sys
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pidfile)!r}, "w").write(str(child.pid))
        while True:
            time.sleep(0.1)
    """
    t0 = time.monotonic()
    res, _ = run(sandbox, src, Limits(timeout_s=1.5))
    assert res.timed_out and res.returncode is not None and res.returncode < 0
    assert time.monotonic() - t0 < 6
    if sandbox.network == "namespace" and "--pid" in sandbox.prefix:
        return  # the child's pid is in another PID namespace; the namespace died with its init
    time.sleep(0.2)
    assert not alive(int(pidfile.read_text()))


def test_a_setsid_straggler_does_not_outlive_the_run(sandbox, tmp_path):
    marker = tmp_path / "still-running"
    os.chmod(tmp_path, 0o777)
    src = f"""
        import os, time
        if os.fork() == 0:
            os.setsid()
            time.sleep(2)
            open({str(marker)!r}, "w").write("escaped")
            os._exit(0)
        print("parent done")
    """
    res, _ = run(sandbox, src)
    assert res.returncode == 0 and res.stdout == "parent done\n"
    time.sleep(2.5)
    if "--pid" not in sandbox.prefix and sandbox.processes != "cgroup":
        pytest.skip("no PID namespace / cgroup here: a setsid'd straggler can escape the group kill")
    assert not marker.exists()


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


def test_runs_in_its_own_temporary_directory_with_a_small_environment(sandbox):
    res, d = run(sandbox, "import os\nprint(os.getcwd())\nprint(sorted(os.environ))\nopen('out.txt', 'w').write('x')\n")
    lines = res.stdout.splitlines()
    assert lines[0] == str(d)
    assert "HOME" in lines[1] and "PYTHONPATH" not in lines[1]
    assert not d.exists()  # removed afterwards


def test_stdin_is_closed(sandbox):
    res, _ = run(sandbox, "import sys\nprint(repr(sys.stdin.read()))\n")
    assert res.stdout.strip() == "''"
