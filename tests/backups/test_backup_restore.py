"""Backup and restore (issue 8, point 9): a real archive restored into a second database.

The backup is made here, from the test database; the restore runs as the operator runs
it, `incidentdesk restore` in its own process, into a second, empty installation: a copy
of the freshly migrated test database (SQLite) or a database made from it as a template
(PostgreSQL), with its own media folder. Then every table's row count, every stored
file's SHA-256, the audit chain and its signed checkpoint are checked there.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from incidentdesk.audit.checkpoints import write_checkpoint
from incidentdesk.audit.models import AuditEvent
from incidentdesk.backups.crypto import ArchiveDamaged, BackupKey, BackupKeyError, create_key_file
from incidentdesk.backups.services import (
    RestoreRefused,
    backup_models,
    make_backup,
    restore_backup,
)
from incidentdesk.investigations.models import Evidence
from incidentdesk.investigations.services import add_evidence, add_note
from incidentdesk.organisations.models import Duty
from incidentdesk.reporting.models import Attachment
from tests.factories import make_person
from tests.incidents.conftest import PNG, cast, file_report, png  # noqa: F401  (fixture)
from tests.investigations.conftest import png_upload, start_investigation

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
INCIDENTDESK = str(Path(sys.executable).with_name("incidentdesk"))


@dataclass
class Installation:
    """A second installation: its database address, a way to count rows, its media."""

    url: str
    media: Path
    var: Path
    sqlite_path: Path | None = None
    pg_name: str | None = None

    def count(self, table: str) -> int:
        quoted = connection.ops.quote_name(table)
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as db:
                return db.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608
        import psycopg

        with psycopg.connect(_pg_dsn(self.pg_name)) as db:
            return db.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608

    def run(self, *args: str, key_file: Path) -> subprocess.CompletedProcess[str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "PYTEST_", "BACKUP_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            PYTHONPATH=str(ROOT),
            DATABASE_URL=self.url,
            VAR_DIR=str(self.var),
            MEDIA_ROOT=str(self.media),
            BACKUP_KEY_FILE=str(key_file),
            # The public half of the test's signing key, so the checkpoints can be checked.
            AUDIT_SIGNING_KEY_FILE=str(settings.AUDIT_SIGNING_KEY_FILE),
        )
        return subprocess.run(  # noqa: S603 - our own command
            [INCIDENTDESK, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )


def _pg_dsn(name: str | None) -> str:
    s = connection.settings_dict
    return (
        f"host={s['HOST'] or 'localhost'} port={s['PORT'] or 5432} user={s['USER']} "
        f"password={s['PASSWORD']} dbname={name}"
    )


@pytest.fixture
def empty_installation(transactional_db, tmp_path: Path) -> Iterator[Installation]:
    """Taken before the test writes anything: the migrated, empty test database's copy."""
    media, var = tmp_path / "restored-media", tmp_path / "restored-var"
    media.mkdir()
    var.mkdir()
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        yield Installation(f"sqlite:///{path}", media, var, sqlite_path=path)
        return
    import psycopg

    source = connection.settings_dict["NAME"]
    name = f"{source}_restore"
    # CREATE DATABASE ... TEMPLATE needs the source database without connections.
    connection.close()
    with psycopg.connect(_pg_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    s = connection.settings_dict
    host = f"{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}"
    url = f"postgres://{s['USER']}:{s['PASSWORD']}@{host}/{name}"
    try:
        yield Installation(url, media, var, pg_name=name)
    finally:
        with psycopg.connect(_pg_dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path: Path) -> None:
    """The archive holds every stored file: other tests' files must not be among them."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "backup.key"
    create_key_file(path)
    return path


def _school_with_evidence(cast) -> None:  # noqa: F811
    """Reports with attachments, evidence files and notes, and a signed checkpoint."""
    investigator = make_person(
        "Ivy Investigator", organisation=cast.birch, duties=(Duty.INVESTIGATING_OFFICER,)
    )
    incident = start_investigation(cast, investigator)
    add_evidence(
        incident=incident, actor=investigator, title="Screenshot", file=png_upload("a.png")
    )
    add_evidence(
        incident=incident,
        actor=investigator,
        title="Second screenshot",
        file=png_upload("b.png", PNG + b"another picture"),
    )
    add_evidence(
        incident=incident, actor=investigator, title="Call", description="Rang the parent."
    )
    file_report(cast.acorn, cast.champion, files=(png("on-the-wall.png"),))
    write_checkpoint()
    add_note(incident=incident, actor=investigator, body="After the checkpoint.")


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip_into_an_empty_installation(
    empty_installation: Installation,
    key_file: Path,
    cast,  # noqa: F811
    tmp_path: Path,
):
    _school_with_evidence(cast)
    archive = tmp_path / "school.idbackup"
    backup = make_backup(archive, BackupKey.from_key_file(key_file))
    assert archive.exists() and backup.files == 3 and backup.checkpoint_sequence is not None
    # Nothing readable in the archive: not a name, not the stored files' bytes.
    raw = archive.read_bytes()
    assert b"Birch School" not in raw and b"header.json" not in raw

    before = {m._meta.db_table: m._base_manager.count() for m in backup_models()}
    recorded = {
        **dict(Evidence.objects.exclude(stored_name="").values_list("stored_name", "sha256")),
        **dict(Attachment.objects.values_list("stored_name", "sha256")),
    }
    assert len(recorded) == 3
    events = AuditEvent.objects.count()

    restored = empty_installation.run("restore", str(archive), key_file=key_file)
    assert restored.returncode == 0, restored.stderr + restored.stdout
    seconds = re.search(r"in ([\d.]+) s", restored.stdout)
    assert seconds, restored.stdout
    print(f"\nrestore on {connection.vendor}: {restored.stdout.splitlines()[0]}")
    assert f"Audit log verified: {events} events" in restored.stdout
    assert "1 checkpoints" in restored.stdout and "3 stored files checked" in restored.stdout
    assert "Warning" not in restored.stderr

    # Every table holds as many rows as the original (sessions are not kept).
    after = {table: empty_installation.count(table) for table in before}
    assert after == before
    assert before["audit_auditevent"] == events > 0
    # Every stored file is back, byte for byte as recorded when it was uploaded.
    for stored_name, sha256 in recorded.items():
        assert _file_sha256(empty_installation.media / stored_name) == sha256
        assert _file_sha256(Path(settings.MEDIA_ROOT) / stored_name) == sha256

    verified = empty_installation.run("verify-audit", key_file=key_file)
    assert verified.returncode == 0, verified.stderr + verified.stdout
    assert f"Audit log verified: {events} events, chain intact" in verified.stdout
    assert "Checkpoints verified: 1 signed" in verified.stdout


def test_a_wrong_key_or_an_altered_archive_is_refused_and_nothing_changes(
    cast,  # noqa: F811
    key_file: Path,
    tmp_path: Path,
):
    _school_with_evidence(cast)
    # A file of random bytes makes the archive span several encrypted chunks, so the
    # alteration below is found while the rows are already being loaded.
    add_evidence(
        incident=Evidence.objects.first().incident,
        actor=Evidence.objects.first().incident.investigator,
        title="Large photo",
        file=png_upload("large.png", PNG + os.urandom(3 * 1024 * 1024)),
    )
    key = BackupKey.from_key_file(key_file)
    archive = tmp_path / "school.idbackup"
    make_backup(archive, key)
    before = {m._meta.db_table: m._base_manager.count() for m in backup_models()}
    media_before = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())

    other_key = tmp_path / "other.key"
    create_key_file(other_key)
    with pytest.raises(BackupKeyError, match="not the one this backup was made with"):
        restore_backup(archive, BackupKey.from_key_file(other_key), force=True)
    with pytest.raises(BackupKeyError, match="made with a key file"):
        restore_backup(archive, BackupKey.from_passphrase("correct horse battery"), force=True)
    with pytest.raises(RestoreRefused, match="already holds data.*--force"):
        restore_backup(archive, key)

    data = bytearray(archive.read_bytes())
    altered = tmp_path / "altered.idbackup"
    data[-100] ^= 0x01  # in the last chunk: the stored files
    altered.write_bytes(bytes(data))
    with pytest.raises(ArchiveDamaged, match="altered or is damaged"):
        restore_backup(altered, key, force=True)
    truncated = tmp_path / "truncated.idbackup"
    truncated.write_bytes(archive.read_bytes()[: len(data) // 2])
    with pytest.raises(ArchiveDamaged, match="cut short"):
        restore_backup(truncated, key, force=True)

    # The restores that began rolled back: every row and file is as it was.
    assert {m._meta.db_table: m._base_manager.count() for m in backup_models()} == before
    assert sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == media_before


def test_a_passphrase_archive_restores_with_the_passphrase_only(
    cast,  # noqa: F811
    tmp_path: Path,
):
    file_report(cast.birch, cast.reporter)
    archive = tmp_path / "school.idbackup"
    make_backup(archive, BackupKey.from_passphrase("a long school passphrase"))
    with pytest.raises(BackupKeyError, match="not the one"):
        restore_backup(archive, BackupKey.from_passphrase("another long passphrase"), force=True)
    report = restore_backup(
        archive, BackupKey.from_passphrase("a long school passphrase"), force=True
    )
    assert report.rows > 0 and report.audit_events == AuditEvent.objects.count()
    with pytest.raises(BackupKeyError, match="at least 12"):
        BackupKey.from_passphrase("short")
