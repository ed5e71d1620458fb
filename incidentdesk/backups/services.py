"""Backing up a whole installation into one encrypted archive, and restoring it.

The archive (docs/decisions/0006-backup-format.md) is a gzipped tar stream inside the
encrypted container of `incidentdesk.backups.crypto`:

    header.json                  format, when, which database, the applied migrations,
                                 each table's columns
    database/<model>/<n>.jsonl   every row of every table, a part per ROWS_PER_PART rows
    media/<stored name>          every file under MEDIA_ROOT (evidence, attachments, policies)
    manifest.json                SHA-256 and count of every part and file, the audit head
                                 and the latest signed checkpoint

Rows are written as their fields' Python values in JSON and written back through the
same fields, so an archive from SQLite restores into PostgreSQL and the other way round.
A restore is one transaction: it either ends with every row in place and the audit chain
verified, or changes nothing.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_iso_string

from incidentdesk.audit.checkpoints import (
    checkpoint_document,
    latest_checkpoint,
    trusted_keys,
    verify_checkpoints,
)
from incidentdesk.audit.db import install_append_only_triggers, remove_append_only_triggers
from incidentdesk.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from incidentdesk.audit.selectors import verify_chain
from incidentdesk.backups.crypto import (
    CHUNK_SIZE,
    ArchiveDamaged,
    BackupKey,
    BackupKeyError,
    DecryptingReader,
    EncryptingWriter,
)

FORMAT = "incidentdesk-backup/1"
ROWS_PER_PART = 20_000
# Sessions are not kept: after a restore everyone signs in again, and a session from
# another installation must never sign anyone in here.
SKIPPED_APPS = frozenset({"sessions"})
READ_CHUNK = 2000
INSERT_BATCH = 500
# Fast, and most of the size gained: rows are JSON; evidence files are mostly compressed.
GZIP_LEVEL = 5

__all__ = [
    "ArchiveDamaged",
    "BackupKey",
    "BackupKeyError",
    "BackupReport",
    "RestoreRefused",
    "RestoreReport",
    "key_from_environment",
    "make_backup",
    "restore_backup",
]


class RestoreRefused(Exception):
    """The restore would overwrite data, or the archive does not fit this installation."""


# --- Keys ------------------------------------------------------------------------------


def key_from_environment(
    *, key_file: str | None = None, passphrase: str | None = None
) -> BackupKey:
    """The key given, else the one in BACKUP_KEY_FILE or BACKUP_PASSPHRASE(_FILE)."""
    key_file = key_file or os.environ.get("BACKUP_KEY_FILE") or None
    if passphrase is None:
        passphrase = os.environ.get("BACKUP_PASSPHRASE") or None
        passphrase_file = os.environ.get("BACKUP_PASSPHRASE_FILE")
        if passphrase is None and passphrase_file:
            try:
                passphrase = Path(passphrase_file).read_text().strip()
            except OSError as exc:
                raise BackupKeyError(
                    f"BACKUP_PASSPHRASE_FILE: cannot read {passphrase_file}: {exc}"
                ) from exc
    if key_file and passphrase:
        raise BackupKeyError(
            "Both a key file and a passphrase are set: give one only (BACKUP_KEY_FILE or "
            "BACKUP_PASSPHRASE)."
        )
    if key_file:
        return BackupKey.from_key_file(Path(key_file))
    if passphrase:
        return BackupKey.from_passphrase(passphrase)
    raise BackupKeyError(
        "No backup key: set BACKUP_KEY_FILE to a key file (make one with "
        "`incidentdesk backup --new-key-file FILE`) or BACKUP_PASSPHRASE."
    )


# --- What is backed up -----------------------------------------------------------------


def backup_models() -> list[type[models.Model]]:
    """Every table the code owns, including many-to-many tables, one model per table."""
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.app_label in SKIPPED_APPS:
            continue
        found.setdefault(meta.db_table, model)
    return sorted(found.values(), key=lambda model: model._meta.label_lower)


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def applied_migrations() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files() -> Iterator[tuple[str, Path]]:
    root = _media_root()
    if not root.is_dir():
        return
    for directory, folders, files in os.walk(root):
        folders.sort()
        # Staging folders of a restore in progress are not part of the installation.
        folders[:] = [name for name in folders if not name.startswith(".restore-")]
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def _encode(value: Any) -> Any:
    """A field's Python value as JSON; read back by the same field's `to_python`."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot back up a {type(value).__name__}")


def _json_line(row: Any) -> bytes:
    return (
        json.dumps(row, default=_encode, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        + b"\n"
    )


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK_SIZE):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _snapshot() -> Iterator[None]:
    """Every table read as of one moment, while the application goes on writing.

    PostgreSQL: a read-only REPEATABLE READ transaction. SQLite: a deferred transaction,
    which in WAL mode reads one snapshot and takes no write lock (the settings' IMMEDIATE
    mode would hold the write lock for the whole backup).
    """
    if connection.in_atomic_block:  # already in a transaction (a test): it is the snapshot
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")


@dataclass
class BackupReport:
    path: Path
    rows: int
    tables: int
    files: int
    size: int
    seconds: float
    audit_sequence: int
    checkpoint_sequence: int | None


def make_backup(path: Path, key: BackupKey) -> BackupReport:
    """Write the whole installation to `path`, encrypted with `key`.

    If `path` is a folder, the archive is named after the time in it. Written beside the
    final name and renamed when complete, so a backup cut short never looks finished.
    """
    started = time.monotonic()
    if path.is_dir():
        path = path / f"incidentdesk-{timezone.now():%Y%m%d-%H%M%S}.idbackup"
    partial = path.with_name(path.name + ".partial")
    tables: dict[str, Any] = {}
    media: dict[str, str] = {}
    total_rows = 0
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with (
            os.fdopen(descriptor, "wb") as sink,
            EncryptingWriter(sink, key) as writer,
            gzip.GzipFile(fileobj=writer, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as packed,
            tarfile.open(fileobj=packed, mode="w|", format=tarfile.PAX_FORMAT) as tar,
        ):
            header = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "database": connection.vendor,
                "migrations": applied_migrations(),
                # Each table's columns, in the order of the values on every row.
                "columns": {
                    m._meta.label_lower: [f.attname for f in _columns(m)] for m in backup_models()
                },
            }
            _add(tar, "header.json", json.dumps(header, indent=1).encode())
            with _snapshot():
                for model in backup_models():
                    entry = _dump_model(tar, model)
                    tables[model._meta.label_lower] = entry
                    total_rows += entry["rows"]
                head = AuditHead.objects.filter(pk=1).first()
                checkpoint = latest_checkpoint()
                audit = {
                    "head_sequence": head.last_sequence if head else 0,
                    "head_hash": head.last_hash if head else None,
                    "latest_checkpoint": checkpoint_document(checkpoint) if checkpoint else None,
                }
            # Files last: a file uploaded meanwhile is there without its row, which does
            # no harm; a row without its file would be a lost piece of evidence.
            for name, file_path in _media_files():
                digest = _sha256_file(file_path)
                with file_path.open("rb") as file:
                    info = tar.gettarinfo(fileobj=file, arcname=f"media/{name}")
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    tar.addfile(info, file)
                media[name] = digest
            manifest = {
                "format": FORMAT,
                "tables": tables,
                "media": media,
                "audit": audit,
            }
            _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(
        path=path,
        rows=total_rows,
        tables=len(tables),
        files=len(media),
        size=path.stat().st_size,
        seconds=time.monotonic() - started,
        audit_sequence=audit["head_sequence"],
        checkpoint_sequence=(
            audit["latest_checkpoint"]["sequence"] if audit["latest_checkpoint"] else None
        ),
    )


def _dump_model(tar: tarfile.TarFile, model: type[models.Model]) -> dict[str, Any]:
    label = model._meta.label_lower
    columns = [f.attname for f in _columns(model)]
    parts: list[dict[str, str]] = []
    buffer = bytearray()
    count = rows = 0

    def flush() -> None:
        nonlocal buffer, count
        name = f"database/{label}/{len(parts):05d}.jsonl"
        _add(tar, name, bytes(buffer))
        parts.append({"name": name, "sha256": hashlib.sha256(buffer).hexdigest()})
        buffer = bytearray()
        count = 0

    queryset = model._base_manager.order_by("pk").values_list(*columns)
    for row in queryset.iterator(chunk_size=READ_CHUNK):
        buffer += _json_line(row)
        count += 1
        rows += 1
        if count == ROWS_PER_PART:
            flush()
    if count or not parts:
        flush()
    return {"table": model._meta.db_table, "columns": columns, "rows": rows, "parts": parts}


# --- Restore ---------------------------------------------------------------------------


@dataclass
class RestoreReport:
    rows: int = 0
    tables: int = 0
    files: int = 0
    seconds: float = 0.0
    migrate_seconds: float = 0.0
    audit_events: int = 0
    checkpoints: int = 0
    evidence_checked: int = 0
    warnings: list[str] = field(default_factory=list)


def installation_is_empty() -> bool:
    """No organisation, person or audit event, and no stored file: nothing to lose."""
    from incidentdesk.organisations.models import Organisation, Person

    if any(m.objects.exists() for m in (Organisation, Person)):
        return False
    if AuditEvent.objects.exists():
        return False
    return next(_media_files(), None) is None


def _read_json(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict[str, Any]:
    handle = tar.extractfile(member)
    if handle is None:
        raise ArchiveDamaged(f"{member.name} in the backup is not a file.")
    try:
        value = json.loads(handle.read())
    except ValueError as exc:
        raise ArchiveDamaged(f"{member.name} in the backup is not valid JSON.") from exc
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise ArchiveDamaged(f"{member.name} is not from an Incident Desk backup ({FORMAT}).")
    return value


def _check_migrations(header: dict[str, Any]) -> None:
    theirs = {tuple(item) for item in header.get("migrations", [])}
    ours = {tuple(item) for item in applied_migrations()}
    if theirs == ours:
        return
    missing = sorted(theirs - ours)
    extra = sorted(ours - theirs)
    detail = []
    if missing:
        detail.append("the backup has migrations this version does not: " + _names(missing))
    if extra:
        detail.append("this version has migrations the backup does not: " + _names(extra))
    raise RestoreRefused(
        "This backup was made by another version of Incident Desk ("
        + "; ".join(detail)
        + "). Restore it with the version that made it, then upgrade."
    )


def _names(pairs: list[tuple[str, ...]]) -> str:
    shown = ", ".join(f"{app}.{name}" for app, name in pairs[:5])
    return shown + (f" and {len(pairs) - 5} more" if len(pairs) > 5 else "")


def _clear(model_list: list[type[models.Model]]) -> None:
    """Empty every table restored into, and the sessions, inside the restore's transaction.

    Foreign keys are checked at commit (Django makes them DEFERRABLE INITIALLY
    DEFERRED), so the order of deletes and inserts does not matter.
    """
    quote = connection.ops.quote_name
    tables = [m._meta.db_table for m in model_list]
    session_model = apps.get_model("sessions", "Session")
    tables.append(session_model._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - names from the models


class _Loader:
    """Inserts one model's rows through its fields, so either database reads them right."""

    def __init__(self, model: type[models.Model], columns: list[str]) -> None:
        by_attname = {f.attname: f for f in _columns(model)}
        if set(columns) != set(by_attname):
            raise RestoreRefused(
                f"The backup's table {model._meta.db_table} has other columns than this "
                "version's. Restore it with the version that made it."
            )
        self.fields = [by_attname[name] for name in columns]
        quote = connection.ops.quote_name
        placeholders = ", ".join(["%s"] * len(columns))
        names = ", ".join(quote(f.column) for f in self.fields)
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608

    def load(self, lines: list[bytes]) -> int:
        rows = []
        for line in lines:
            values = json.loads(line)
            rows.append(
                [
                    f.get_db_prep_save(f.to_python(value), connection)
                    for f, value in zip(self.fields, values, strict=True)
                ]
            )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), INSERT_BATCH):
                cursor.executemany(self.sql, rows[start : start + INSERT_BATCH])
        return len(rows)


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _check_evidence(media: dict[str, str], report: RestoreReport) -> None:
    """Every stored file a row names is in the backup with the SHA-256 the row recorded."""
    for model in backup_models():
        names = {f.name for f in _columns(model)}
        if not {"stored_name", "sha256"} <= names:
            continue
        rows = model._base_manager.exclude(stored_name="").values_list(
            "pk", "stored_name", "sha256"
        )
        for pk, stored_name, sha256 in rows.iterator(chunk_size=READ_CHUNK):
            report.evidence_checked += 1
            if stored_name not in media:
                report.warnings.append(
                    f"{model._meta.verbose_name} {pk}: its file {stored_name} was not in the backup"
                )
            elif sha256 and media[stored_name] != sha256:
                report.warnings.append(
                    f"{model._meta.verbose_name} {pk}: its file does not match its recorded SHA-256"
                )


def restore_backup(
    path: Path,
    key: BackupKey,
    *,
    force: bool = False,
    public_keys: list[str] | None = None,
) -> RestoreReport:
    """Rebuild this installation (database and MEDIA_ROOT) from the archive at `path`.

    Refuses a non-empty installation unless `force`. Migrates the database first, so an
    installation with no tables yet is fine. Raises BackupKeyError, ArchiveDamaged or
    RestoreRefused with a message for the person running it; then nothing has changed.
    """
    started = time.monotonic()
    report = RestoreReport()
    media_root = _media_root()
    media_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root))
    try:
        with path.open("rb") as raw:
            reader = io.BufferedReader(DecryptingReader(raw, key), CHUNK_SIZE)
            with (
                gzip.GzipFile(fileobj=reader, mode="rb") as unpacked,
                tarfile.open(fileobj=unpacked, mode="r|") as tar,
            ):
                members = iter(tar)
                first = next(members, None)
                if first is None or first.name != "header.json":
                    raise ArchiveDamaged("The backup has no header: it is not complete.")
                header = _read_json(tar, first)
                migrating = time.monotonic()
                call_command("migrate", interactive=False, verbosity=0)
                report.migrate_seconds = time.monotonic() - migrating
                _check_migrations(header)
                if not force and not installation_is_empty():
                    raise RestoreRefused(
                        "This installation already holds data. A restore replaces all of it: "
                        "run it again with --force if that is what you want."
                    )
                media = _restore_transaction(
                    tar, members, staging, report, public_keys, header.get("columns", {})
                )
        _move_into_place(staging, media_root, media)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.files = len(media)
    report.seconds = time.monotonic() - started
    return report


def _restore_transaction(
    tar: tarfile.TarFile,
    members: Iterator[tarfile.TarInfo],
    staging: Path,
    report: RestoreReport,
    public_keys: list[str] | None,
    columns: dict[str, list[str]],
) -> dict[str, str]:
    model_list = backup_models()
    by_label = {m._meta.label_lower: m for m in model_list}
    loaders: dict[str, _Loader] = {}
    parts_seen: dict[str, str] = {}
    rows_seen: dict[str, int] = {}
    media_seen: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    with transaction.atomic():
        # The audit triggers refuse deleting the head an empty installation may have;
        # they are put back below, before the chain is verified and the work committed.
        remove_append_only_triggers(connection)
        _clear(model_list)
        for member in members:
            if manifest is not None:
                raise ArchiveDamaged("The backup has parts after its manifest.")
            name = member.name
            if name == "manifest.json":
                manifest = _read_json(tar, member)
            elif name.startswith("database/") and member.isfile():
                label = name.split("/")[1]
                model = by_label.get(label)
                if model is None:
                    raise RestoreRefused(
                        f"The backup has a table ({label}) this version does not know. "
                        "Restore it with the version that made it."
                    )
                data = _member_bytes(tar, member)
                parts_seen[name] = hashlib.sha256(data).hexdigest()
                lines = data.splitlines()
                if label not in loaders:
                    loaders[label] = _Loader(model, columns.get(label, []))
                rows_seen[label] = rows_seen.get(label, 0) + loaders[label].load(lines)
            elif name.startswith("media/") and member.isfile():
                stored_name, digest = _stage(tar, member, staging)
                media_seen[stored_name] = digest
            else:
                raise ArchiveDamaged(f"The backup holds something unexpected: {name!r}.")
        if manifest is None:
            raise ArchiveDamaged("The backup has no manifest: it is not complete.")
        _check_manifest(manifest, parts_seen, rows_seen, media_seen, by_label)
        install_append_only_triggers(connection)
        _reset_sequences(model_list)
        chain = verify_chain()
        if not chain.ok:
            raise RestoreRefused(
                f"The restored audit log does not verify ({chain.problem}); nothing was restored."
            )
        report.audit_events = chain.checked
        _check_checkpoints(manifest, report, public_keys or [])
        _check_evidence(manifest["media"], report)
    report.rows = sum(rows_seen.values())
    report.tables = len(rows_seen)
    return manifest["media"]


def _member_bytes(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise ArchiveDamaged(f"{member.name} in the backup is not a file.")
    return handle.read()


def _stage(tar: tarfile.TarFile, member: tarfile.TarInfo, staging: Path) -> tuple[str, str]:
    """Write one file into the staging folder; its name under MEDIA_ROOT and SHA-256."""
    name = member.name.removeprefix("media/")
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or any(part in {"", ".", ".."} for part in parts):
        raise ArchiveDamaged(f"The backup names a file outside the media folder: {name!r}.")
    target = staging / name
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tar.extractfile(member)
    if handle is None:
        raise ArchiveDamaged(f"{member.name} in the backup is not a file.")
    digest = hashlib.sha256()
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        while block := handle.read(CHUNK_SIZE):
            digest.update(block)
            file.write(block)
    return name, digest.hexdigest()


def _check_manifest(
    manifest: dict[str, Any],
    parts_seen: dict[str, str],
    rows_seen: dict[str, int],
    media_seen: dict[str, str],
    by_label: dict[str, type[models.Model]],
) -> None:
    expected_parts = {
        part["name"]: part["sha256"]
        for entry in manifest["tables"].values()
        for part in entry["parts"]
    }
    if expected_parts != parts_seen:
        raise ArchiveDamaged("The backup's database parts do not match its manifest.")
    for label, entry in manifest["tables"].items():
        if rows_seen.get(label, 0) != entry["rows"]:
            raise ArchiveDamaged(f"The backup's row count for {label} does not match its manifest.")
    missing = set(by_label) - set(manifest["tables"])
    if missing:
        raise RestoreRefused(
            f"The backup has no rows for {', '.join(sorted(missing))}: it was made by another "
            "version of Incident Desk."
        )
    if media_seen != manifest["media"]:
        wrong = sorted(
            name
            for name in set(media_seen) | set(manifest["media"])
            if media_seen.get(name) != manifest["media"].get(name)
        )
        raise ArchiveDamaged(
            f"{len(wrong)} stored files do not match the backup's manifest (first: {wrong[0]})."
        )


def _check_checkpoints(manifest: dict[str, Any], report: RestoreReport, public_keys: list[str]):
    """The signed checkpoints must match the restored log, when their key is known here.

    The signing key is kept apart from the backups on purpose; where it cannot be read,
    the checkpoints are reported unchecked rather than failing the restore.
    """
    used = set(AuditCheckpoint.objects.values_list("key_id", flat=True).distinct())
    unknown = used - set(trusted_keys(public_keys))
    result = verify_checkpoints(extra_keys=public_keys)
    report.checkpoints = result.checked
    if unknown:
        report.warnings.append(
            f"The checkpoints' signatures were not checked: key {', '.join(sorted(unknown))} "
            "is not known here. Run `incidentdesk verify-audit --public-key KEY` with the "
            "public key your DPO keeps."
        )
    elif result.problems:
        raise RestoreRefused(
            f"The restored audit checkpoints do not verify ({result.problems[0]}); nothing "
            "was restored."
        )
    latest = manifest["audit"].get("latest_checkpoint")
    if latest:
        found = AuditCheckpoint.objects.filter(
            sequence=latest["sequence"], signature=latest["signature"]
        ).exists()
        if not found:
            raise ArchiveDamaged("The backup's latest checkpoint is not among its rows.")


def _move_into_place(staging: Path, media_root: Path, media: dict[str, str]) -> None:
    for name in media:
        target = media_root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
