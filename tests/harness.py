"""Real processes against the test database: `incidentdesk worker`, gunicorn, anything run
by the `incidentdesk` command, started and killed the way an operator or a crash would.

The test must be transactional (`@pytest.mark.django_db(transaction=True)`), so what it
writes is committed and another process can read it. Then:

    with shared_database(tmp_path) as database:
        worker = database.start("worker", "--interval", "0.2")
        ...
        worker.kill()                       # SIGKILL: no clean-up runs
        database.scalar("SELECT count(*) FROM deadlines_deadlineevent")
    # here the test's own connection sees what the processes wrote

- PostgreSQL: the processes use the test database itself (`test_<name>`).
- SQLite: pytest-django's test database is in memory, which no other process can open.
  The harness copies it, schema and rows, into a file for the processes (the same file
  settings as production: WAL, synchronous=FULL), and on leaving copies the file back
  into the test's connection, so the test asserts with the ORM as usual. While the
  processes run, read the file with `scalar`.

Every process started is stopped (SIGKILL if it will not stop) when the block ends.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
# The console script installed beside the interpreter running the tests (.venv/bin).
INCIDENTDESK = str(Path(sys.executable).with_name("incidentdesk"))


@dataclass
class Process:
    """One started process; its output goes to a log file, shown when a test fails."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> int:
        """SIGKILL, as the OOM killer or a pulled plug: nothing in the process runs after."""
        if self.running():
            self.popen.send_signal(signal.SIGKILL)
        return self.popen.wait(timeout=10)

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, as systemd or `docker stop`; SIGKILL if it does not stop in time."""
        if self.running():
            self.popen.send_signal(signal.SIGTERM)
            try:
                return self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return self.kill()
        return self.popen.wait()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class SharedDatabase:
    vendor: str
    url: str
    workdir: Path
    sqlite_path: Path | None = None
    processes: list[Process] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process on this database, with the test settings."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            DATABASE_URL=self.url,
            PYTHONPATH=str(ROOT),
            VAR_DIR=str(self.workdir / "var"),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def start(
        self, *args: str, command: str = INCIDENTDESK, env: dict[str, str] | None = None
    ) -> Process:
        """Starts `incidentdesk <args>` (or `command <args>`) against this database."""
        name = f"{Path(command).name} {' '.join(args)}".strip()
        log_path = self.workdir / f"process-{len(self.processes)}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(  # noqa: S603 - our own command, no shell
                [command, *args],
                cwd=ROOT,
                env=env or self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = Process(name=name, popen=popen, log_path=log_path)
        self.processes.append(process)
        return process

    def scalar(self, sql: str, params: tuple = ()) -> object:
        """One value read now, as the processes have committed it."""
        if self.sqlite_path is not None:
            reader = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=20)
            try:
                return reader.execute(sql, params).fetchone()[0]
            finally:
                reader.close()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return cursor.fetchone()[0]

    def wait_for(
        self, condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.02
    ) -> None:
        """Waits until `condition()`; fails with the processes' output after `timeout`."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"Timed out waiting for {what}.\n{self.outputs()}")
            time.sleep(every)

    def outputs(self) -> str:
        return "\n".join(
            f"--- {p.name} (pid {p.pid}, exit {p.popen.poll()}) ---\n{p.output()[-4000:]}"
            for p in self.processes
        )

    def stop_all(self) -> None:
        for process in self.processes:
            process.stop(timeout=5)


def _postgres_url(settings: dict) -> str:
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "localhost"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{settings['NAME']}"


@contextmanager
def shared_database(workdir: Path) -> Iterator[SharedDatabase]:
    """The test's database, open to other processes for the length of the block."""
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise RuntimeError("Use a transactional test: other processes see only committed rows.")
    if connection.vendor == "postgresql":
        database = SharedDatabase("postgresql", _postgres_url(connection.settings_dict), workdir)
        try:
            yield database
        finally:
            database.stop_all()
            # Their connections may still be closing; the test's flush must not wait on them.
            connection.close()
        return
    if connection.vendor != "sqlite":
        raise RuntimeError(f"No harness for {connection.vendor}")
    path = workdir / "shared.sqlite3"
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    database = SharedDatabase("sqlite", f"sqlite:///{path}", workdir, sqlite_path=path)
    try:
        yield database
    finally:
        database.stop_all()
        # Back into the test's in-memory database, so the ORM sees what the processes did.
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
