"""Signals and worker processes: stop promptly, cancel what is queued, leave no orphans.

* In the main process, Ctrl-C (SIGINT), SIGTERM and SIGHUP raise
  :class:`~vicinity_sim.errors.Interrupted` (a ``KeyboardInterrupt``) while a command runs
  (:func:`stop_on_signals`). Whatever is running unwinds: the executor cancels queued tasks and
  stops its workers (:func:`stop_pool`), the experiment runner counts what is finished and kept,
  and the command line prints that in one line and exits with 128 + the signal's number.
* Worker processes never outlive the command. The local pool's fork server is bound to the main
  process, and each worker to the fork server, with ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on
  Linux (:func:`die_with_parent`): when the main process dies, even by ``kill -9``, the kernel
  kills the server and then the workers. Each worker also runs a watchdog thread that exits
  the worker once the main process is gone (other systems, and the moment before ``prctl``).
* Workers ignore SIGINT: Ctrl-C in a terminal reaches the whole process group, and the main
  process decides what happens to running tasks (it stops them; their partitions are never
  half-written, since partitions appear by rename).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from vicinity_sim.errors import Interrupted

#: Signals that stop a command like Ctrl-C does.
STOP_SIGNALS = tuple(s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s))
#: Environment variable through which the fork server learns the main process's PID.
MAIN_PID_ENV = "VICINITY_SIM_MAIN_PID"
#: Seconds between a worker's checks that the main process still runs.
WATCHDOG_INTERVAL = 1.0
#: Seconds a stopped worker gets to exit after SIGTERM before SIGKILL.
GRACE_S = 2.0

_PR_SET_PDEATHSIG = 1


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted`.

    Signals the process was told to ignore (``nohup``, a background job of a shell) stay
    ignored. Outside the main thread this does nothing (Python handles signals there only).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old: dict[int, Any] = {}
    for name in STOP_SIGNALS:
        sig = getattr(signal, name)
        if signal.getsignal(sig) is not signal.SIG_IGN:
            old[sig] = signal.signal(sig, _raise_interrupted)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def deferred() -> Iterator[list[int]]:
    """Within the block (a cleanup), stop signals are recorded instead of raised, so that a
    second Ctrl-C cannot cut the cleanup short. Yields the list of signals received."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    old = {}
    for name in STOP_SIGNALS:
        sig = getattr(signal, name)
        if signal.getsignal(sig) is not signal.SIG_IGN:
            old[sig] = signal.signal(sig, lambda s, f: received.append(s))
    try:
        yield received
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def interrupted(exc: BaseException, kept: str) -> Interrupted:
    """An :class:`Interrupted` for ``exc`` (a ``KeyboardInterrupt``) saying what was kept."""
    return Interrupted(getattr(exc, "signum", signal.SIGINT), kept)


def exit_status(exc: BaseException) -> int:
    """Exit status of a command stopped by ``exc``: 128 + the signal's number (130: Ctrl-C)."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


# -- worker processes -----------------------------------------------------------------------


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent ends (Linux only).

    Returns:
        Whether the request was made.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _alive(pid: int) -> bool:
    from vicinity_sim.outdir import pid_alive

    return pid_alive(pid)


def _watch(main_pid: int) -> None:
    while True:
        time.sleep(WATCHDOG_INTERVAL)
        if not _alive(main_pid):
            os._exit(1)


def _exit(signum: int, frame: Any) -> None:
    # Once: a second signal must not interrupt the shutdown this one starts.
    signal.signal(signum, signal.SIG_IGN)
    raise SystemExit(0)


def _in_fork_server() -> bool:
    """Whether this code runs inside multiprocessing's fork server, loading its preload
    modules (its ``main`` is on the call stack)."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.replace("\\", "/").endswith(
            "multiprocessing/forkserver.py"
        ):
            return True
        frame = frame.f_back
    return False


def bind_fork_server() -> None:
    """In the local pool's fork server (called by :mod:`~vicinity_sim.experiment.preload`):
    exit with the main process that started it.

    The server gets SIGTERM, and exits through Python's normal shutdown, which releases what
    it registered with the resource tracker (a SIGKILL would leave "leaked semaphore"
    warnings); its workers are then killed by their own death signal.
    """
    if not _in_fork_server():
        # Imported by some other process (e.g. a walk over the package's modules in the main
        # process): there is nothing to bind, and exiting "with the parent" would end it.
        return
    main_pid = int(os.environ.get(MAIN_PID_ENV, "0") or 0)
    signal.signal(signal.SIGTERM, _exit)
    if not main_pid:  # started from a helper thread, whose end would end the server too
        return
    die_with_parent(signal.SIGTERM)
    if main_pid and os.getppid() != main_pid:  # it died before prctl took effect
        os._exit(1)


def _stop_worker(signum: int, frame: Any) -> None:
    """A worker told to stop: remove a half-written partition, then exit at once (raising
    would only fail the task, and the pool would keep the worker)."""
    from vicinity_sim.outdir import discard_pending

    discard_pending()
    os._exit(128 + signum)


def worker_init(main_pid: int) -> None:
    """Initializer of every local worker process: ignore Ctrl-C (the main process handles
    it), die with the parent, and watch the main process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)  # not the fork server's: stop at once
    die_with_parent()
    if not _alive(main_pid):
        os._exit(1)
    threading.Thread(target=_watch, args=(main_pid,), daemon=True, name="watchdog").start()


def start_fork_server(ctx: Any) -> None:
    """Start the fork server now, from this (main) thread, telling it the main PID.

    ``PR_SET_PDEATHSIG`` fires when the *thread* that started a process ends, so the server
    must not be started from a pool's helper thread.
    """
    in_main = threading.current_thread() is threading.main_thread()
    # 0: started elsewhere than the main thread; the server then ends with its alive pipe.
    os.environ[MAIN_PID_ENV] = str(os.getpid()) if in_main else "0"
    if ctx.get_start_method() == "forkserver" and in_main:
        from multiprocessing import forkserver

        forkserver.ensure_running()


def stop_pool(pool: cf.ProcessPoolExecutor) -> list[int | None]:
    """Cancel queued tasks and stop a process pool's workers now (SIGTERM, then SIGKILL).

    Returns:
        The workers' exit codes.
    """
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            p.terminate()
    deadline = time.monotonic() + GRACE_S
    for p in procs:
        with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
            p.join(max(0.0, deadline - time.monotonic()))
            if p.exitcode is None:
                p.kill()
                p.join(GRACE_S)
    _stop_fork_server()
    with contextlib.suppress(Exception):
        pool.shutdown(wait=True)
    return [getattr(p, "exitcode", None) for p in procs]


def _stop_fork_server() -> None:
    """Stop the fork server (multiprocessing starts a new one for the next pool).

    Interrupted while the server was still loading, the pool may have asked it for workers it
    has not forked yet; forked after this process has exited, they would fail noisily. The
    server exits on SIGTERM (see :func:`bind_fork_server`); it is left for multiprocessing to
    reap, which is how it notices that the server is gone.
    """
    from multiprocessing import forkserver

    pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    if not pid:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline:
        try:  # exited? (WNOWAIT: observe without reaping it)
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return
        except (ChildProcessError, OSError, AttributeError):
            return
        time.sleep(0.02)
