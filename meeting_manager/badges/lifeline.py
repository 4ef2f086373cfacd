"""Render processes die with the process that started them: a worker killed with `kill -9` mid-batch leaves no
forkserver, render process or resource tracker behind (each holds ~200 MB, and a supervisor would restart the
worker next to them, again and again).

- The forkserver imports `forkserver_lifeline` at its start (render.FORKSERVER_PRELOAD): a watch thread ends it when its
  parent (the worker or web process) is gone. A thread, not the kernel's parent-death signal, because that signal
  fires when the parent *thread* ends, and the forkserver is started from a short-lived thread.
- Every render process calls `die_with_parent()` first (the pool's initializer): the kernel kills it when the
  process it was forked from (the forkserver's main thread, or the single-threaded parent) ends.
"""
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
#: how often the forkserver looks whether its parent is still there, in seconds
WATCH_SECONDS = 0.5


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent ends (Linux; elsewhere nothing happens)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(0)  # the render processes forked from here get their parent-death signal now


def watch_parent() -> None:
    """End this process (the forkserver) when its parent has gone; called once, by forkserver_lifeline."""
    threading.Thread(target=_watch_parent, args=(os.getppid(),), name="lifeline", daemon=True).start()
