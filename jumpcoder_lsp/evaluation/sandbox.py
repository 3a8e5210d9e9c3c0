"""Run untrusted generated code: a separate process, limits, no network, a throwaway directory.

Every command runs

* in a sandbox (:attr:`Sandbox.backend`), preferably bubblewrap (``bwrap``), else
  ``unshare --mount --net --pid`` (plus ``--user --map-root-user`` when not root) with a chroot
  built inside the new mount namespace. Both give the program

  - a file system of the read-only system directories (``/usr /etc /bin /sbin /lib*``) and the
    Python installation that runs generated Python (:func:`sandbox_python`), nothing else of the
    host: the repository checkout, the user's home, the model cache and the harness's working
    directory do not exist inside; the run's work directory is the only writable bind; a private
    ``/tmp`` (tmpfs), ``/dev`` (null, zero, random, ...) and ``/proc`` (of its own PID namespace,
    so no other process's environment or namespaces are reachable);
  - a new network namespace (only ``lo``), PID, IPC and UTS namespace; when the program (or
    bwrap's init) dies, the kernel kills every process left in it, even ones that called
    ``setsid``, and the sandbox dies with the harness (``--die-with-parent`` / ``--kill-child``);
  - no capabilities and ``no_new_privs``; when the harness is root the program runs as
    ``nobody`` (uid 65534, via ``setpriv``), so root-only host files in ``/etc`` stay unreadable
    and ``RLIMIT_NPROC`` is enforced.

  Where neither backend works, :attr:`Sandbox.warning` says so, the warning is logged and
  :meth:`Sandbox.describe` (written in every results header) starts with ``WARNING``; Python
  programs then get :func:`python_network_guard` (an audit hook), the rest runs unisolated;
* in its own session / process group (``start_new_session``), killed as a group (SIGKILL) on
  timeout, when its output passes the cap, and after it exits (stragglers);
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

import logging
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

log = logging.getLogger(__name__)

GiB = 1 << 30
MiB = 1 << 20

NOBODY = 65534  # the uid/gid a root harness runs sandboxed programs as
SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
TMP_BYTES = 64 * MiB  # size of the private /tmp
BACKENDS = ("bwrap", "unshare")


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


def sandbox_python() -> str:
    """The interpreter for generated Python: the base installation behind the running one (a
    virtual environment's packages and the project are not visible inside the sandbox)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


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


# -- what the sandbox shows of the host ---------------------------------------------------------------

def _under(path: str, dirs: Sequence[str]) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in dirs)


def visible_paths(extra: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The host paths a sandboxed program sees, as ("ro", path) for a read-only bind or
    ("link", path -> target) for the usr-merge symlinks: the system directories, the Python
    installation behind :func:`sandbox_python`, and ``extra``."""
    ops: list[tuple[str, str]] = []
    ro: list[str] = []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            ops.append(("link", d))
        elif os.path.isdir(d):
            ops.append(("ro", d))
            ro.append(d)
    for p in (os.path.realpath(sys.base_prefix), *extra):
        p = os.path.realpath(p)
        if os.path.isdir(p) and not _under(p, ro) and p != "/":
            ops.append(("ro", p))
            ro.append(p)
    return ops


def private_paths() -> list[str]:
    """Host directories that hold the project's or the user's data: the repository checkout, the
    harness's working directory, the home, the model and Hugging Face caches."""
    cands = [Path(__file__).resolve().parents[2], Path.cwd(), Path.home(), Path.home() / ".cache"]
    cands += [Path(os.environ[v]) for v in ("HF_HOME", "XDG_CACHE_HOME", "JUMPCODER_CACHE_DIR") if os.environ.get(v)]
    try:
        from ..models.fetch import cache_dir

        cands.append(cache_dir())
    except Exception:  # noqa: BLE001 -- the sandbox must not depend on the model code working
        pass
    return list(dict.fromkeys(os.path.realpath(c) for c in cands))


def hidden_paths(ops: list[tuple[str, str]], private: Sequence[str]) -> list[tuple[str, str]]:
    """("hide", path) for each private directory that falls under a read-only bind (a checkout
    in /usr/src, a cache in /opt...): an empty tmpfs goes over it. A directory that holds a bind
    (the home above a pyenv interpreter) is not shown anyway and is left alone."""
    ro = [p for kind, p in ops if kind == "ro"]
    return [("hide", p) for p in private
            if os.path.isdir(p) and _under(p, ro) and not any(_under(r, [p]) for r in ro)]


def _setpriv(setpriv: str, as_nobody: bool) -> list[str]:
    ids = [f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if as_nobody else []
    return [setpriv, *ids, "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def missing_parents(ops: list[tuple[str, str]]) -> list[str]:
    """The directories above the bind and tmpfs targets that nothing else makes, outermost first.
    bwrap 0.8 creates them itself with mode 0700, which closes everything below them (a checkout's
    parent shown under /check, a cache in /var/tmp) to the sandbox's uid; they are made with
    ``--dir`` (0755) instead."""
    targets = [p for _, p in ops]
    out: list[str] = []
    for t in targets:
        for a in reversed(Path(t).parents[:-1]):
            a = str(a)
            if a not in out and not _under(a, targets):
                out.append(a)
    return out


def bwrap_argv(bwrap: str, cwd: str, ops: list[tuple[str, str]], setpriv: Optional[str],
               tmp_options: bool = True) -> list[str]:
    """bubblewrap in front of a command. ``setpriv``: given when the harness is root (bwrap then
    keeps its capabilities for the mounts and ``setpriv`` drops to nobody); otherwise bwrap runs
    in a new user namespace and drops every capability itself."""
    argv = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session"]
    if setpriv is None:
        argv += ["--unshare-user", "--cap-drop", "ALL"]
    for parent in missing_parents(ops + [("bind", cwd)]):
        argv += ["--dir", parent]
    for kind, path in ops:
        if kind == "link":
            argv += ["--symlink", os.readlink(path), path]
        else:
            argv += ["--ro-bind", path, path] if kind == "ro" else ["--tmpfs", path]
    argv += ["--dev", "/dev", "--proc", "/proc"]
    for tmp in ("/tmp", "/dev/shm"):
        argv += (["--perms", "1777", "--size", str(TMP_BYTES)] if tmp_options else []) + ["--tmpfs", tmp]
    argv += ["--bind", cwd, cwd, "--chdir", cwd, "--"]
    return argv + (_setpriv(setpriv, True) if setpriv else [])


# Runs as PID 1 of the new namespaces (as root there): builds the root on a tmpfs over $1, then
# chroots into it and stays PID 1 (a shell, like bwrap's init) while the rest (setpriv ... program)
# runs in the work directory: a program that is not PID 1 dies of the signals it gets.
_UNSHARE_SCRIPT = r'''set -eu
R=$1 W=$2 MOUNT=$3 CHROOT=$4; shift 4
"$MOUNT" -t tmpfs -o mode=755,size=1m jc-sandbox "$R"
while [ "$1" != -- ]; do
  case "$1" in
    ro=*) p=${1#ro=}; mkdir -p "$R$p"; "$MOUNT" --rbind "$p" "$R$p"; "$MOUNT" -o remount,bind,ro "$R$p" ;;
    link=*) p=${1#link=}; mkdir -p "$R${p%/*}"; ln -s "$(readlink "$p")" "$R$p" ;;
    hide=*) "$MOUNT" -t tmpfs -o mode=755,size=4k jc-hidden "$R${1#hide=}" ;;
  esac
  shift
done
shift
mkdir -p "$R/dev/shm" "$R/proc" "$R/tmp"
for d in null zero full random urandom tty; do
  touch "$R/dev/$d"; "$MOUNT" --bind "/dev/$d" "$R/dev/$d"
done
ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
"$MOUNT" -t proc -o nosuid,nodev,noexec proc "$R/proc"
for t in "$R/tmp" "$R/dev/shm"; do "$MOUNT" -t tmpfs -o mode=1777,size=''' + str(TMP_BYTES) + r''' jc-tmp "$t"; done
mkdir -p "$R$W"
"$MOUNT" --bind "$W" "$R$W"
"$MOUNT" -o remount,bind,ro "$R"
exec "$CHROOT" "$R" /bin/sh -c 'cd "$0" || exit 127; exec 3>&2 2>/dev/null; "$@" 2>&3 3>&-; s=$?; exit $s' "$W" "$@"
'''


def unshare_argv(unshare: str, mount: str, chroot: str, stage: str, cwd: str, ops: list[tuple[str, str]],
                 setpriv: str, is_root: bool) -> list[str]:
    """util-linux ``unshare`` + a chroot assembled in the new mount namespace (the fallback)."""
    argv = [unshare] + ([] if is_root else ["--user", "--map-root-user"])
    argv += ["--mount", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc", "--",
             "/bin/sh", "-c", _UNSHARE_SCRIPT, "jc-sandbox", stage, cwd, mount, chroot]
    argv += [f"{kind}={path}" for kind, path in ops] + ["--"]
    return argv + _setpriv(setpriv, is_root)


def _which(name: str) -> Optional[str]:
    """``name`` on PATH or in the system's sbin/bin directories (PATH may lack /usr/sbin)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin", "/bin"])
    return shutil.which(name, path=path)


def _stage_dir() -> Optional[str]:
    """An existing directory to mount the sandbox's root on (inside the private mount namespace
    only: the host's directory is untouched)."""
    for d in ("/media", "/mnt", "/srv", "/opt", "/boot"):
        if os.path.isdir(d) and not os.path.islink(d):
            return d
    return None


def _probe(argv: Sequence[str], cwd: str) -> tuple[bool, str]:
    try:
        res = subprocess.run(list(argv), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=20, env={"PATH": "/usr/bin:/bin"})
        return res.returncode == 0, res.stdout.decode("utf-8", "replace").strip()[-300:]
    except (OSError, subprocess.SubprocessError) as exc:
        return False, str(exc)


class Sandbox:
    """Runs commands under :class:`Limits`. Create one per process and reuse it (it probes the
    machine once). ``backend``: "bwrap", "unshare" or "none" (then :attr:`warning` says why);
    ``network``: "namespace" or "audit-hook" (see the module docstring); ``processes``:
    "cgroup", "rlimit" or "pid-namespace"."""

    def __init__(self, isolate: str = "auto", ro_paths: Sequence[str] = ()):
        if isolate not in ("auto", "none") + BACKENDS:
            raise ValueError(f"isolate must be 'auto', 'none', 'bwrap' or 'unshare', got {isolate!r}")
        self.is_root = os.geteuid() == 0
        self.ops = visible_paths(ro_paths)
        self.hidden = hidden_paths(self.ops, private_paths())
        self.backend = "none"
        self.run_uid: Optional[int] = None  # the uid the program runs as, when it is not ours
        self._wrap = None
        failures: list[str] = []
        for name in BACKENDS if isolate == "auto" else ((isolate,) if isolate != "none" else ()):
            why = self._try_backend(name)
            if why is None:
                self.backend = name
                break
            failures.append(f"{name}: {why}")
        self.network = "namespace" if self.backend != "none" else "audit-hook"
        self.pid_namespace = self.backend != "none"
        self.warning: Optional[str] = None
        if self.backend == "none":
            self.warning = ("NO SANDBOX: generated code runs unisolated, with the harness's file system, "
                            "processes and (except Python's audit hook) network"
                            + (f" ({'; '.join(failures)})" if failures else " (isolate='none')")
                            + "; install bubblewrap (scripts/setup_eval_toolchains.sh) or enable user namespaces")
            log.warning("evaluation sandbox: %s", self.warning)
        self.cgroup_root = _Cgroup.root() if isolate != "none" else None
        if self.cgroup_root is not None:
            probe = _Cgroup.create(self.cgroup_root, 8)
            if probe is None:
                self.cgroup_root = None
            else:
                probe.kill_all_and_remove()
        if self.cgroup_root is not None:
            self.processes = "cgroup"
        elif not self.is_root or self.run_uid is not None:
            self.processes = "rlimit"
        else:
            self.processes = "pid-namespace" if self.pid_namespace else "process-group"

    def _ops(self, cwd: str) -> list[tuple[str, str]]:
        return self.ops + [(k, p) for k, p in self.hidden if not _under(cwd, [p])]

    def _try_backend(self, name: str) -> Optional[str]:
        """Set up ``name`` and probe it; the reason it does not work here, or None."""
        setpriv = _which("setpriv")
        if name == "bwrap":
            bwrap = _which("bwrap")
            if not bwrap:
                return "bwrap not installed"
            root_setpriv = setpriv if self.is_root else None
            if self.is_root and not setpriv:
                return "setpriv (util-linux) not installed"
            candidates = [lambda cwd, t=t: bwrap_argv(bwrap, cwd, self._ops(cwd), root_setpriv, t) for t in (True, False)]
        else:
            tools = {t: _which(t) for t in ("unshare", "mount", "chroot", "setpriv")}
            stage = _stage_dir()
            if not all(tools.values()) or stage is None:
                return "missing " + ", ".join([t for t, p in tools.items() if not p] + ([] if stage else ["a stage dir"]))
            candidates = [lambda cwd: unshare_argv(tools["unshare"], tools["mount"], tools["chroot"], stage, cwd,
                                                   self._ops(cwd), tools["setpriv"], self.is_root)]
        run_uid = NOBODY if self.is_root else None
        why = "?"
        with Workdir(prefix="jc-probe-") as d:
            if run_uid is not None:
                os.chown(d, run_uid, run_uid)
            for wrap in candidates:
                # writes its work dir, does not see the harness's process (a private /proc)
                check = f"echo x > probe && test ! -e /proc/{os.getpid()}/environ"
                ok, why = _probe(wrap(str(d)) + ["/bin/sh", "-c", check], str(d))
                if ok and (d / "probe").exists():
                    self._wrap, self.run_uid = wrap, run_uid
                    return None
        return f"probe failed: {why or 'exit status != 0'}"

    def describe(self) -> str:
        if self.backend == "none":
            iso = f"WARNING: {self.warning}"
        else:
            who = f"uid {self.run_uid}" if self.run_uid is not None else "own uid in a user namespace"
            iso = (f"isolation: {self.backend} (read-only system dirs, only the work dir writable, private /tmp "
                   f"/dev /proc, PID namespace, {who}, no capabilities, no_new_privs)")
        return f"{iso}; network: {self.network}; process cap: {self.processes}"

    def wrap(self, argv: Sequence[str], cwd: str) -> list[str]:
        """``argv`` as run in the sandbox from the work directory ``cwd``."""
        return (self._wrap(cwd) if self._wrap else []) + list(argv)

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _user_process_count(uid: int) -> int:
        n = 0
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
        cwd = os.path.realpath(str(cwd))
        run_env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": cwd,
            "TMPDIR": cwd,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        run_env.update(env or {})
        if self.run_uid is not None:
            os.chown(cwd, self.run_uid, self.run_uid)  # the program (nobody) writes its outputs here
        cgroup = _Cgroup.create(self.cgroup_root, limits.max_processes) if self.cgroup_root else None
        try:
            return self._run(argv, cwd, limits, run_env, cgroup)
        finally:
            if cgroup is not None:
                cgroup.kill_all_and_remove()

    def _run(self, argv: list[str], cwd: str, limits: Limits, run_env: dict[str, str],
             cgroup: Optional[_Cgroup]) -> RunResult:
        nproc = None
        if cgroup is None and (not self.is_root or self.run_uid is not None):
            nproc = self._user_process_count(os.getuid() if self.run_uid is None else self.run_uid) + limits.max_processes
        started = time.monotonic()
        proc = subprocess.Popen(
            self.wrap(argv, cwd), cwd=cwd, env=run_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
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
        return RunResult(argv, self._returncode(proc.returncode), out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                         time.monotonic() - started, timed_out, truncated)

    def _returncode(self, rc: Optional[int]) -> Optional[int]:
        """The program's exit status: the sandbox's init (bwrap's, or the shell of the unshare
        backend) exits 128 + N when the program was killed by signal N; that is -N, as from Popen."""
        if self.backend != "none" and rc is not None and 128 < rc <= 128 + 64:
            return 128 - rc
        return rc

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
