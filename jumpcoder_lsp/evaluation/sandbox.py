"""Run untrusted generated code: a separate process, limits, no network, a throwaway directory.

Every command runs

* in its own session / process group (``start_new_session``), killed as a group (SIGKILL) on
  timeout, when its output passes the cap, and after it exits (stragglers);
* inside a fresh network namespace *and* PID namespace (``unshare --net --pid --fork --kill-child``,
  plus ``--map-root-user`` when not root): no interface but a down loopback, and when the program
  (PID 1 of the namespace) dies the kernel kills every process left in it, even ones that called
  ``setsid``. Where ``unshare`` does not work (no user namespaces), :attr:`Sandbox.network` is
  ``"audit-hook"`` and :func:`python_network_guard` must be put in front of Python programs (the
  compiled languages then run with network access: documented in docs/results.md);
* under rlimits set before ``exec``: address space (``RLIMIT_AS``), CPU seconds, file size
  (``RLIMIT_FSIZE``), no core dumps, and a process cap: a per-run ``pids`` cgroup (``pids.max``)
  where cgroups are writable (root on cgroup v1 or v2), else ``RLIMIT_NPROC`` (which the kernel
  does not enforce for root, so the PID namespace + group kill at the deadline is then the bound);
* with a small environment (PATH, HOME/TMPDIR = the run's directory, LANG) and stdin from
  /dev/null;
* with stdout + stderr read as they come and capped (``max_output_bytes`` together): infinite
  output ends the run instead of filling memory.
"""

from __future__ import annotations

import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

GiB = 1 << 30
MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 10.0
    memory_bytes: int = 2 * GiB  # RLIMIT_AS (virtual memory)
    max_output_bytes: int = 1 * MiB  # stdout + stderr kept; more kills the run
    max_processes: int = 64  # processes + threads (pids cgroup / RLIMIT_NPROC)
    max_file_bytes: int = 64 * MiB  # RLIMIT_FSIZE


@dataclass
class RunResult:
    argv: list[str]
    returncode: Optional[int]  # negative: killed by that signal
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    output_truncated: bool = False

    @property
    def output(self) -> str:
        return self.stdout + ("\n" if self.stdout and self.stderr else "") + self.stderr


PYTHON_NETWORK_GUARD = '''import sys as _jc_sys
def _jc_no_network(event, args):
    if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
                 "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        raise PermissionError("network access is disabled in the evaluation sandbox")
_jc_sys.addaudithook(_jc_no_network)
del _jc_sys, _jc_no_network
'''


def python_network_guard() -> str:
    """Lines to put before a Python program when no network namespace is available."""
    return PYTHON_NETWORK_GUARD


class _Cgroup:
    """A throwaway pids cgroup (v1 ``/sys/fs/cgroup/pids`` or v2 with the pids controller)."""

    def __init__(self, path: Path):
        self.path = path

    @staticmethod
    def root() -> Optional[Path]:
        for cand in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup")):
            try:
                if not cand.is_dir() or not os.access(cand, os.W_OK):
                    continue
                if cand.name == "pids":
                    if not (cand / "cgroup.procs").exists():
                        continue
                else:
                    ctrl = cand / "cgroup.subtree_control"
                    if not ctrl.exists() or "pids" not in ctrl.read_text().split():
                        continue
                return cand
            except OSError:
                continue
        return None

    @classmethod
    def create(cls, root: Path, max_pids: int) -> Optional["_Cgroup"]:
        path = root / f"jumpcoder-eval-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(max_pids))
            return cls(path)
        except OSError:
            try:
                path.rmdir()
            except OSError:
                pass
            return None

    def kill_all_and_remove(self) -> None:
        for _ in range(50):
            try:
                pids = [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
            except OSError:
                pids = []
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.02)


def _probe(argv: Sequence[str]) -> bool:
    try:
        return subprocess.run(list(argv) + ["true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


class Sandbox:
    """Runs commands under :class:`Limits`. Create one per process and reuse it (it probes the
    machine once). ``network``: "namespace" or "audit-hook" (see the module docstring);
    ``processes``: "cgroup", "rlimit" or "pid-namespace"."""

    def __init__(self, isolate: str = "auto"):
        self.is_root = os.geteuid() == 0
        self.prefix: list[str] = []
        self.network = "audit-hook"
        if isolate not in ("auto", "none"):
            raise ValueError(f"isolate must be 'auto' or 'none', got {isolate!r}")
        unshare = shutil.which("unshare")
        if isolate == "auto" and unshare:
            base = [unshare] + ([] if self.is_root else ["--map-root-user"])
            for extra in (["--net", "--pid", "--fork", "--kill-child"], ["--net"]):
                if _probe(base + extra + ["--"]):
                    self.prefix = base + extra + ["--"]
                    self.network = "namespace"
                    break
        self.cgroup_root = _Cgroup.root() if isolate == "auto" else None
        if self.cgroup_root is not None:
            probe = _Cgroup.create(self.cgroup_root, 8)
            if probe is None:
                self.cgroup_root = None
            else:
                probe.kill_all_and_remove()
        if self.cgroup_root is not None:
            self.processes = "cgroup"
        elif not self.is_root:
            self.processes = "rlimit"
        else:
            self.processes = "pid-namespace" if "--pid" in self.prefix else "process-group"
        self._lock = threading.Lock()

    def describe(self) -> str:
        how = " ".join(["unshare"] + self.prefix[1:-1]) if self.prefix else "no unshare"
        return f"network: {self.network} ({how}); process cap: {self.processes}"

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _user_process_count() -> int:
        uid, n = os.getuid(), 0
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid == uid:
                        n += 1
                except OSError:
                    pass
        return n

    def _preexec(self, limits: Limits, cgroup: Optional[_Cgroup], nproc: Optional[int]):
        mem, fsize = limits.memory_bytes, limits.max_file_bytes
        cpu = int(limits.timeout_s) + 2
        procs_file = str(cgroup.path / "cgroup.procs") if cgroup is not None else None

        def pre() -> None:  # runs in the child between fork and exec: no locks, no allocation-heavy work
            if procs_file is not None:
                with open(procs_file, "w") as f:
                    f.write(str(os.getpid()))
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if nproc is not None:
                resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))

        return pre

    # -- the run ----------------------------------------------------------------------------
    def run(self, argv: Sequence[str], cwd: "str | os.PathLike[str]", limits: Limits = Limits(),
            env: Optional[dict[str, str]] = None) -> RunResult:
        argv = [str(a) for a in argv]
        cwd = str(cwd)
        run_env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": cwd,
            "TMPDIR": cwd,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        run_env.update(env or {})
        cgroup = _Cgroup.create(self.cgroup_root, limits.max_processes) if self.cgroup_root else None
        nproc = None
        if cgroup is None and not self.is_root:
            nproc = self._user_process_count() + limits.max_processes
        started = time.monotonic()
        proc = subprocess.Popen(
            self.prefix + argv, cwd=cwd, env=run_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, close_fds=True,
            preexec_fn=self._preexec(limits, cgroup, nproc),
        )
        out, err = bytearray(), bytearray()
        total, timed_out, truncated = 0, False, False
        deadline = started + limits.timeout_s
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ, out)
        sel.register(proc.stderr, selectors.EVENT_READ, err)
        exited_at: Optional[float] = None
        try:
            while sel.get_map():
                now = time.monotonic()
                if now >= deadline:
                    timed_out = True
                    break
                if exited_at is None and proc.poll() is not None:
                    exited_at = now
                if exited_at is not None and now - exited_at > 0.5:
                    break  # a straggler holds the pipes open: the group kill below ends it
                for key, _ in sel.select(min(deadline - now, 0.1)):
                    data = os.read(key.fd, 65536)
                    if not data:
                        sel.unregister(key.fileobj)
                        continue
                    room = limits.max_output_bytes - total
                    key.data.extend(data[: max(room, 0)])
                    total += len(data)
                    if total > limits.max_output_bytes:
                        truncated = True
                        break
                if truncated:
                    break
            if timed_out or truncated:
                self._kill(proc, cgroup)
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()) + 0.05)
            except subprocess.TimeoutExpired:
                timed_out = True
                self._kill(proc, cgroup)
                proc.wait()
        finally:
            sel.close()
            self._kill(proc, cgroup)  # stragglers (background children) never outlive a run
            for stream in (proc.stdout, proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass
            if cgroup is not None:
                cgroup.kill_all_and_remove()
        return RunResult(argv, proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                         time.monotonic() - started, timed_out, truncated)

    @staticmethod
    def _kill(proc: subprocess.Popen, cgroup: Optional[_Cgroup]) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if cgroup is not None:
            try:
                for pid in (cgroup.path / "cgroup.procs").read_text().split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except OSError:
                        pass
            except OSError:
                pass


class Workdir:
    """A temporary directory for one program (removed afterwards); readable by the sandboxed
    process."""

    def __init__(self, prefix: str = "jc-eval-"):
        self.path = Path(tempfile.mkdtemp(prefix=prefix))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


_default: Optional[Sandbox] = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox()
        return _default


if __name__ == "__main__":  # python -m jumpcoder_lsp.evaluation.sandbox: say what isolation works here
    print(default_sandbox().describe())
    sys.exit(0)
