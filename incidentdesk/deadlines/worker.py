"""The background worker's loop: runs each registered job, then sleeps.

Jobs claim their own due rows with conditional updates, so several workers may run against
one PostgreSQL database, and a worker killed mid-run loses nothing: an unclaimed row is
simply claimed on the next pass.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

from django.db import close_old_connections

log = logging.getLogger("incidentdesk.worker")

Job = Callable[[], int]
JOBS: dict[str, Job] = {}


def job(name: str) -> Callable[[Job], Job]:
    """Registers a function as a worker job. It returns how many items it handled."""

    def register(func: Job) -> Job:
        JOBS[name] = func
        return func

    return register


def run_pass() -> dict[str, int]:
    """Runs every job once. A failing job is logged and does not stop the others."""
    handled: dict[str, int] = {}
    for name, func in JOBS.items():
        try:
            handled[name] = func()
        except Exception:
            log.exception("worker job %s failed; it will be tried again on the next pass", name)
            handled[name] = 0
    return handled


def run_forever(*, interval: float, max_passes: int | None = None) -> None:
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker started with jobs: %s", ", ".join(JOBS) or "(none)")
    passes = 0
    while not stopping and (max_passes is None or passes < max_passes):
        # A long-running process: drop a connection the database closed or that grew old.
        close_old_connections()
        handled = run_pass()
        passes += 1
        if not any(handled.values()):
            # Sleep in short steps so a stop request is answered quickly.
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(0.2)
                slept += 0.2
    log.info("worker stopped")
