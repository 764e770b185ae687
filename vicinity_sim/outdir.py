"""Output directories: an exclusive lock per directory, atomic publishing, leftovers, ``--force``.

Rules every command that writes outputs follows:

* **One writer.** A run, comparison, sweep, sensitivity analysis or calibration holds an
  exclusive lock on its output directory from before it simulates until it has written its
  last file (:class:`OutputLock`). A second writer of the same directory stops at once with
  one line naming the holder (PID and host) and exit status 2. The lock is an ``flock`` on
  a lock file beside the directory (``.<name>.lock``; inside it when the parent is not
  writable), so the kernel releases it when its holder dies, however it dies: a lock file
  left by a killed run is simply taken over.
* **Atomic publishing.** A run's files are written into a temporary directory
  (``.<name>.partial-<PID>``) and renamed into place with ``renameat2(RENAME_NOREPLACE)``,
  which fails instead of replacing anything that appeared in the meantime: there is no gap
  between a check and a rename (:func:`publish_dir`). Readers see all files or none.
* **Leftovers.** Temporary directories and files of killed writers carry their PID; the next
  writer in the same place removes those whose process is gone (:func:`clean_leftovers`).
* **Only our own outputs are replaced.** ``--force`` replaces a directory only if it holds
  this project's outputs (:data:`MARKERS`), never other files (:func:`check_target`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

from vicinity_sim.errors import OutputError
from vicinity_sim.names import inside

#: Files that mark a directory as holding this project's outputs: a run's manifest, an
#: experiment's manifest, a scenario comparison's table, a calibration's result.
MARKERS = ("manifest.json", "experiment.json", "comparison.json", "calibration.json")


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists on this machine."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def io_problem(e: OSError) -> str:
    """The readable part of an OS error (``No space left on device``)."""
    return e.strerror or str(e)


# -- locking --------------------------------------------------------------------------------


def lock_path(out: Path) -> Path:
    """Where the lock of output directory ``out`` lives: beside it, or inside it if its
    parent is not writable (then ``out`` must exist, so every writer picks the same file)."""
    out = Path(os.path.abspath(out))
    parent = out.parent
    if parent.is_dir() and not os.access(parent, os.W_OK) and out.is_dir():
        return out / ".vicinity-sim.lock"
    return parent / f".{out.name}.lock"


#: Locks this process holds: lock file → how many times (a lock is re-entrant within a
#: process, so that a command can hold it around a runner that takes it again).
_HELD: dict[Path, int] = {}


class OutputLock:
    """Exclusive lock on an output directory (a context manager), re-entrant in a process.

    Args:
        out: The output directory (need not exist yet; its parents are created).

    Raises:
        OutputError: On entering, if another process holds the lock, or the lock file
            cannot be created (read-only or missing parent, a file in the way).
    """

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.path = lock_path(self.out)
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        import fcntl

        key = Path(os.path.abspath(self.path))
        if _HELD.get(key):
            _HELD[key] += 1
            self._fd = -1
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            problem = f"cannot create {self.path.parent} ({io_problem(e)})"
            raise OutputError(str(self.out), "--out", problem) from None
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as e:
                raise OutputError(str(self.out), "--out", f"cannot write there: "
                                  f"{io_problem(e)} ({self.path.parent})") from None  # fmt: skip
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise OutputError(str(self.out), "--out", f"in use by another vicinity-sim "
                                  f"process ({holder}); wait for it to finish or choose "
                                  "another --out") from None  # fmt: skip
            except OSError as e:
                os.close(fd)
                raise OutputError(str(self.out), "--out", f"cannot lock {self.path} "
                                  f"({io_problem(e)})") from None  # fmt: skip
            # A holder that releases removes the file; if it did so between our open and our
            # lock, we hold a lock on a file nobody else will open: start again.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        self._fd = fd
        _HELD[key] = 1

    def release(self) -> None:
        if self._fd is None:
            return
        key = Path(os.path.abspath(self.path))
        _HELD[key] -= 1
        if self._fd == -1 or _HELD[key]:  # an inner hold, or the outer one is still held
            self._fd = None
            return
        del _HELD[key]
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while still holding it: see acquire
        os.close(self._fd)
        self._fd = None


def _read_holder(fd: int) -> str:
    try:
        pid, host = os.pread(fd, 200, 0).decode().split()[:2]
        return f"PID {pid} on {host}"
    except (OSError, ValueError, UnicodeDecodeError):
        return "PID unknown"


# -- leftovers ------------------------------------------------------------------------------

_TAGGED = re.compile(r"\.(?:partial|old|tmp)-(\d+)$")


def _stale(name: str) -> bool:
    m = _TAGGED.search(name)
    return bool(m) and not pid_alive(int(m.group(1)))


def clean_leftovers(out: str | Path) -> list[Path]:
    """Remove what killed writers left in the place of ``out``: ``.<name>.partial-PID`` and
    ``.<name>.old-PID`` beside it, ``.partial-PID`` inside it, and ``.*.tmp-PID`` files
    anywhere below it, when their process no longer runs (call it holding the lock).

    Returns:
        The paths removed.
    """
    out = Path(os.path.abspath(out))
    removed = []
    candidates: list[Path] = []
    if out.parent.is_dir():
        prefix = f".{out.name}."
        candidates += [p for p in out.parent.iterdir() if p.name.startswith(prefix)
                       and (".partial-" in p.name or ".old-" in p.name)]  # fmt: skip
    if out.is_dir():
        candidates += [p for p in out.iterdir() if p.name.startswith(".partial-")]
        candidates += [p for p in out.rglob(".*.tmp-*") if p.is_file()]
    for p in candidates:
        if not _stale(p.name):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    return removed


# -- target checks --------------------------------------------------------------------------


def holds_outputs(out: Path) -> bool:
    """Whether ``out`` is a directory that holds this project's outputs (:data:`MARKERS`)."""
    return out.is_dir() and any((out / m).is_file() for m in MARKERS)


def check_target(out: str | Path, force: bool) -> None:
    """Refuse an output location that cannot take a run's files.

    Raises:
        OutputError: If ``out`` is a file (or lies below one), or a non-empty directory
            without ``force``, or a non-empty directory that holds none of this project's
            outputs (``--force`` never deletes other files).
    """
    out = Path(out)
    for p in (out, *out.parents):
        if p.exists() and not p.is_dir():
            what = "exists and is not a directory" if p == out else f"{p} is a file"
            raise OutputError(str(out), "--out", what)
    if not out.is_dir() or not _entries(out):
        return
    if not holds_outputs(out):
        raise OutputError(str(out), "--out", "directory is not empty and holds no vicinity-sim "
                          "outputs (no manifest.json); --force replaces only output "
                          "directories: choose another --out")  # fmt: skip
    if not force:
        raise OutputError(str(out), "--out", "directory is not empty; use --force to replace it")


def contents(out: Path) -> list[Path]:
    """What a directory holds, apart from this project's leftovers and lock."""
    return _entries(out)


def _entries(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name != ".vicinity-sim.lock"
            and not (p.name.startswith(".partial-") and _TAGGED.search(p.name))]  # fmt: skip


# -- publishing -----------------------------------------------------------------------------

_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


def _renameat2() -> object | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


_RENAMEAT2 = _renameat2()


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``, failing with ``FileExistsError`` if ``dst`` exists.

    Uses ``renameat2(RENAME_NOREPLACE)`` (one atomic step) where the kernel and file system
    offer it; elsewhere a plain rename, which still never replaces a non-empty directory.
    """
    if _RENAMEAT2 is not None:
        rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst),
                        _RENAME_NOREPLACE)  # type: ignore[operator]  # fmt: skip
        if rc == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(err, os.strerror(err), str(dst))
    if os.path.lexists(dst):  # no atomic no-replace here; we hold the directory's lock
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


#: Temporary files being written by :func:`atomic_write` in this process, for
#: :func:`discard_pending` (a worker stopped by a signal removes its half-written file).
_PENDING: set[Path] = set()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file (``.<name>.tmp-<PID>``) and a rename,
    so that ``path`` holds the old contents or the new, never part of them."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    _PENDING.add(tmp)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            tmp.unlink()
        _PENDING.discard(tmp)


def discard_pending() -> None:
    """Remove the temporary files of writes in progress (before exiting on a signal)."""
    for tmp in list(_PENDING):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = inside(root, root / name)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)


def _in_place(out: Path) -> bool:
    """Whether ``out`` must be filled where it is rather than renamed into place: it is the
    working directory or contains it (renaming it would leave the shell in a deleted
    directory), or its parent is not writable."""
    cwd = Path.cwd().resolve()
    real = out.resolve()
    return real == cwd or real in cwd.parents or not os.access(out.parent, os.W_OK)


def publish_dir(files: dict[str, bytes], out: str | Path, *, replace: bool = False,
                last: str | None = None) -> Path:  # fmt: skip
    """Write ``files`` (relative path → bytes) as directory ``out``, all or nothing.

    Call it holding ``out``'s :class:`OutputLock`, after :func:`check_target`.

    The files go to ``.<name>.partial-<PID>`` beside ``out``, which is then renamed to ``out``
    with no-replace semantics. An existing ``out`` is first moved aside when ``replace`` (and
    moved back if the rename fails), or removed if it is empty. The working directory (or a
    directory without a writable parent) is filled in place instead: files are renamed in one
    by one from ``.partial-<PID>`` inside it, ``last`` at the end (a reader takes the outputs
    as complete once ``last`` exists).

    Args:
        files: Relative paths (checked to stay inside ``out``) and their contents.
        out: The output directory.
        replace: Replace an existing directory of outputs (``--force``).
        last: The file that marks the outputs as complete (e.g. ``manifest.json``).

    Returns:
        ``out``.

    Raises:
        OSError: If writing fails; nothing is left behind under ``out`` then, and an
            existing ``out`` is as it was.
    """
    out = Path(os.path.abspath(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.is_dir() and _in_place(out):
        return _publish_in_place(files, out, last)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    moved = False
    try:
        tmp.mkdir()
        _write_tree(tmp, files)
        if out.is_dir():
            if replace:
                os.rename(out, old)
                moved = True
            else:
                out.rmdir()  # empty (checked); fails if something appeared meanwhile
        try:
            rename_noreplace(tmp, out)
        except OSError:
            if moved:
                os.rename(old, out)
                moved = False
            raise
        _fsync_dir(out.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if moved:
            shutil.rmtree(old, ignore_errors=True)
    return out


def _publish_in_place(files: dict[str, bytes], out: Path, last: str | None) -> Path:
    if _entries(out):
        # Replacing files one by one in the working directory could mix two runs' outputs.
        raise OutputError(str(out), "--out", "cannot replace outputs in the working directory "
                          "(or where the parent is read-only) in place: empty it or choose "
                          "another --out")  # fmt: skip
    tmp = out / f".partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        _write_tree(tmp, files)
        tops = sorted({Path(name).parts[0] for name in files}, key=lambda n: n == last)
        for top in tops:
            rename_noreplace(tmp / top, out / top)
        _fsync_dir(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


@contextlib.contextmanager
def finishing(out: str | Path, kept: str) -> Iterator[None]:
    """Hold ``out``'s lock while a command computes results and writes what it derives from
    them (tables, report); an I/O error or an interrupt in the block (unless the runner has
    already said what was kept) becomes one line that says ``kept``.

    Raises:
        OutputError: If ``out`` is not writable, locked by another process, or writing fails.
    """
    from vicinity_sim.preflight import check_writable

    check_writable(out)
    with OutputLock(out):
        try:
            yield
        except OutputError:
            raise
        except KeyboardInterrupt as e:
            if getattr(e, "kept", ""):  # the runner has said it already
                raise
            from vicinity_sim.supervise import interrupted

            raise interrupted(e, kept) from None
        except OSError as e:
            where = e.filename or out
            raise OutputError(str(out), "--out", f"cannot write {where} ({io_problem(e)}); "
                              f"{kept}") from None  # fmt: skip


@contextlib.contextmanager
def writing(out: str | Path, force: bool = False) -> Iterator[Path]:
    """Lock ``out``, remove leftovers of killed writers there, and check it can take outputs.

    Yields:
        ``out`` as an absolute path, locked until the block ends.

    Raises:
        OutputError: As :class:`OutputLock` and :func:`check_target`.
    """
    out = Path(out)
    check_target(out, force)  # before creating anything (a file in the way, foreign files)
    with OutputLock(out):
        clean_leftovers(out)
        check_target(out, force)  # again, now that no other writer can change it
        yield Path(os.path.abspath(out))


def publish_or_rescue(files: dict[str, bytes], out: str | Path, *, replace: bool = False,
                      last: str | None = None) -> Path:  # fmt: skip
    """:func:`publish_dir`, keeping the finished results if ``out`` cannot take them.

    If writing to ``out`` fails (disk full, read-only, removed), the same files are written
    to a new directory in the system's temporary directory or the home directory, and the
    error says where they are.

    Raises:
        OutputError: If ``out`` could not be written; names the directory that holds the
            results instead, or says that no place could take them.
    """
    try:
        return publish_dir(files, out, replace=replace, last=last)
    except OutputError:
        raise
    except OSError as e:
        problem = f"cannot write the outputs ({io_problem(e)})"
        saved = save_elsewhere(files, Path(out).name or "outputs")
    if saved is None:
        raise OutputError(str(out), "--out", f"{problem}, and no other place could take them "
                          "either: free some space and run again")  # fmt: skip
    raise OutputError(str(out), "--out", f"{problem}; the finished results were saved in "
                      f"{saved} instead")  # fmt: skip


def save_elsewhere(files: dict[str, bytes], name: str) -> Path | None:
    """Write ``files`` into a new directory under the temporary or home directory.

    Returns:
        The directory, or ``None`` if neither place could take the files.
    """
    import tempfile

    for base in (tempfile.gettempdir(), Path.home()):
        where = None
        try:
            where = Path(tempfile.mkdtemp(prefix=f"vicinity-sim-saved-{name}-", dir=base))
            _write_tree(where, files)
            return where
        except OSError:
            if where is not None:
                shutil.rmtree(where, ignore_errors=True)
    return None
