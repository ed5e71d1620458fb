"""Signed checkpoints: the audit log's head, signed with a key kept outside the database.

Whoever can write to the database could rewrite an event and then re-compute every hash
after it, and the chain alone would still verify. A checkpoint stops that: every few
minutes the worker signs (sequence, head hash, time) with an Ed25519 private key that
lives in a file (AUDIT_SIGNING_KEY_FILE), never in the database. `verify-audit` checks
each checkpoint's signature with the public key and that the log still has that hash at
that sequence, so the log can only be rewritten after the last checkpoint, and not even
there once a checkpoint has been exported (a file, or the DPO's daily e-mail).

See docs/decisions/0005-audit-checkpoints.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from incidentdesk.audit.chain import canonical_datetime, canonical_json
from incidentdesk.audit.models import AuditCheckpoint, AuditEvent, AuditHead

log = logging.getLogger("incidentdesk.audit")

FORMAT = "incidentdesk-audit-checkpoint/1"
EMAIL_TEMPLATE = "audit_checkpoint"
EMAIL_EVERY = datetime.timedelta(days=1)
CHUNK_SIZE = 1000


# --- Keys ------------------------------------------------------------------------------


def public_key_text(public: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64: what the DPO keeps and `--public-key` takes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not an Ed25519 public key in base64: {text!r}") from exc


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def create_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new private key to `path`, readable by its owner only; never overwrites.

    Raises FileExistsError when the file is there already (another worker won the race,
    or someone asked for a new key where one exists).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL with mode 0600: the file never exists with wider permissions, even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    log.info("created an audit signing key %s in %s", key_id(private.public_key()), path)
    return private


def read_key_file(path: Path) -> Ed25519PrivateKey:
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY_FILE: cannot read {path}: {exc}") from exc
    except ValueError as exc:
        raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY_FILE: {path} is not a PEM key") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY_FILE: {path} is not an Ed25519 key")
    return private


def signing_key() -> Ed25519PrivateKey:
    """The configured private key; made on first use only when no file was configured."""
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    if not path.exists() and settings.AUDIT_SIGNING_KEY_GENERATE:
        try:
            return create_key_file(path)
        except FileExistsError:
            pass
    return read_key_file(path)


def trusted_keys(extra: Iterable[str] = ()) -> dict[str, Ed25519PublicKey]:
    """The public keys checkpoints may be signed with, by key id.

    The current signing key's (when its file can be read here), the earlier ones in
    AUDIT_TRUSTED_PUBLIC_KEYS, and any given. Never made up on the spot: a key created
    now could not have signed anything in the log.
    """
    keys = [public_key_from_text(text) for text in [*settings.AUDIT_TRUSTED_PUBLIC_KEYS, *extra]]
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    if path.exists():
        keys.append(read_key_file(path).public_key())
    return {key_id(key): key for key in keys}


# --- Writing ---------------------------------------------------------------------------


def signed_text(*, sequence: int, head_hash: str, created_at: datetime.datetime, key: str) -> bytes:
    """The exact bytes that are signed: canonical JSON of the checkpoint's fields."""
    return canonical_json(
        {
            "format": FORMAT,
            "sequence": sequence,
            "head_hash": head_hash,
            "created_at": canonical_datetime(created_at),
            "key_id": key,
        }
    ).encode("utf-8")


def write_checkpoint(*, private: Ed25519PrivateKey | None = None) -> AuditCheckpoint | None:
    """Sign the head now, unless the last checkpoint already names it; the new checkpoint.

    The head row is locked while signing, so the head read is the end of a committed log
    and two workers never write two checkpoints of the same head.
    """
    private = private or signing_key()
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None or head.last_sequence == 0:
            return None
        latest = AuditCheckpoint.objects.order_by("-sequence", "-created_at").first()
        if latest is not None and (latest.sequence, latest.head_hash) == (
            head.last_sequence,
            head.last_hash,
        ):
            return None
        public = private.public_key()
        checkpoint = AuditCheckpoint(
            sequence=head.last_sequence,
            head_hash=head.last_hash,
            # Stored as signed: microseconds and UTC survive both databases unchanged.
            created_at=timezone.now(),
            key_id=key_id(public),
        )
        message = signed_text(
            sequence=checkpoint.sequence,
            head_hash=checkpoint.head_hash,
            created_at=checkpoint.created_at,
            key=checkpoint.key_id,
        )
        checkpoint.signature = base64.b64encode(private.sign(message)).decode("ascii")
        checkpoint.save()
    return checkpoint


def checkpoint_due(*, now: datetime.datetime | None = None) -> bool:
    """Whether AUDIT_CHECKPOINT_MINUTES have passed since the last checkpoint."""
    now = now or timezone.now()
    latest = AuditCheckpoint.objects.order_by("-created_at").values_list("created_at").first()
    every = datetime.timedelta(minutes=settings.AUDIT_CHECKPOINT_MINUTES)
    return latest is None or latest[0] <= now - every


def write_checkpoint_if_due() -> int:
    """The worker's step: a checkpoint every few minutes, when the head has moved."""
    if not checkpoint_due():
        return 0
    return int(write_checkpoint() is not None)


# --- Export ----------------------------------------------------------------------------


def checkpoint_document(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """The checkpoint as a small JSON object that can be checked without the database."""
    keys = trusted_keys()
    public = keys.get(checkpoint.key_id)
    return {
        "format": FORMAT,
        "sequence": checkpoint.sequence,
        "head_hash": checkpoint.head_hash,
        "created_at": canonical_datetime(checkpoint.created_at),
        "key_id": checkpoint.key_id,
        "public_key": public_key_text(public) if public is not None else None,
        "signature": checkpoint.signature,
    }


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-created_at", "-sequence").first()


def email_checkpoint_if_due(*, now: datetime.datetime | None = None) -> int:
    """E-mail the latest checkpoint to every DPO once a day; how many e-mails were queued.

    A copy away from the server: if the database and the key were both taken, the DPO's
    copy still shows where the log stood. The day is counted from the last such e-mail,
    or before the first from the first checkpoint (a day's checkpoints, then the e-mail).
    """
    from incidentdesk.notifications.models import OutgoingEmail
    from incidentdesk.notifications.services import email_queue
    from incidentdesk.organisations.models import Duty, DutyHolder

    now = now or timezone.now()
    since = now - EMAIL_EVERY
    # Both look-ups are bounded by the created_at indexes (the worker asks every pass):
    # a checkpoint a day old, and no such e-mail within the day.
    if not AuditCheckpoint.objects.filter(created_at__lte=since).exists():
        return 0
    if OutgoingEmail.objects.filter(created_at__gt=since, template=EMAIL_TEMPLATE).exists():
        return 0
    latest = latest_checkpoint()
    if latest is None:
        return 0
    addresses = sorted(
        set(
            DutyHolder.objects.filter(duty=Duty.DPO, person__is_active=True).values_list(
                "person__email", flat=True
            )
        )
    )
    document = checkpoint_document(latest)
    context = {
        "checkpoint": document,
        "checkpoint_json": canonical_json(document),
    }
    with transaction.atomic():
        for address in addresses:
            email_queue(to=address, template=EMAIL_TEMPLATE, context=context)
    return len(addresses)


# --- Verifying -------------------------------------------------------------------------


@dataclass
class CheckpointResult:
    checked: int = 0
    latest: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _describe(sequence: int, created_at: str) -> str:
    return f"checkpoint at event {sequence} (signed {created_at})"


def _check_one(
    *,
    sequence: int,
    head_hash: str,
    created_at: datetime.datetime,
    key: str,
    signature: str,
    keys: Mapping[str, Ed25519PublicKey],
    chain_hash_at: str | None,
) -> str | None:
    """The problem with one checkpoint, or None when it is good."""
    name = _describe(sequence, canonical_datetime(created_at))
    public = keys.get(key)
    if public is None:
        return f"{name}: signed with key {key}, which is not a trusted key"
    try:
        public.verify(
            base64.b64decode(signature, validate=True),
            signed_text(sequence=sequence, head_hash=head_hash, created_at=created_at, key=key),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return f"{name}: its signature does not verify (forged or altered)"
    if chain_hash_at is None:
        return f"{name}: event {sequence} is not in the log (the log was cut short)"
    if chain_hash_at != head_hash:
        return (
            f"{name}: event {sequence}'s hash in the log is not the signed one, so the log "
            f"up to event {sequence} was rewritten after the checkpoint"
        )
    return None


def _hashes_at(sequences: Iterable[int]) -> dict[int, str]:
    return dict(
        AuditEvent.objects.filter(sequence__in=set(sequences)).values_list("sequence", "hash")
    )


def verify_checkpoints(*, extra_keys: Iterable[str] = ()) -> CheckpointResult:
    """Check every stored checkpoint's signature, and that the log holds its hash.

    With `verify_chain` this proves the log up to the last checkpoint is the one that
    was signed: a rewrite of the whole chain after an edit changes the hash at every
    checkpoint after the edit.
    """
    keys = trusted_keys(extra_keys)
    result = CheckpointResult()
    checkpoints = AuditCheckpoint.objects.order_by("sequence", "created_at")
    batch: list[AuditCheckpoint] = []

    def check(batch: list[AuditCheckpoint]) -> None:
        hashes = _hashes_at(c.sequence for c in batch)
        for checkpoint in batch:
            problem = _check_one(
                sequence=checkpoint.sequence,
                head_hash=checkpoint.head_hash,
                created_at=checkpoint.created_at,
                key=checkpoint.key_id,
                signature=checkpoint.signature,
                keys=keys,
                chain_hash_at=hashes.get(checkpoint.sequence),
            )
            if problem:
                result.problems.append(problem)
            result.checked += 1

    for checkpoint in checkpoints.iterator(chunk_size=CHUNK_SIZE):
        batch.append(checkpoint)
        if len(batch) == CHUNK_SIZE:
            check(batch)
            batch = []
    if batch:
        check(batch)
    latest = latest_checkpoint()
    result.latest = (
        {"sequence": latest.sequence, "created_at": latest.created_at} if latest else None
    )
    return result


def verify_document(document: Mapping[str, Any], *, extra_keys: Iterable[str] = ()) -> str | None:
    """Check an exported checkpoint against the trusted keys and the log; its problem."""
    try:
        if document.get("format") != FORMAT:
            return f"not an Incident Desk audit checkpoint (format {document.get('format')!r})"
        sequence = int(document["sequence"])
        created_at = datetime.datetime.fromisoformat(str(document["created_at"]))
        head_hash, key, signature = (
            str(document["head_hash"]),
            str(document["key_id"]),
            str(document["signature"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        return f"the checkpoint file is incomplete or malformed ({exc})"
    # Only keys trusted here: the public key in the file is a convenience, not a proof.
    return _check_one(
        sequence=sequence,
        head_hash=head_hash,
        created_at=created_at,
        key=key,
        signature=signature,
        keys=trusted_keys(extra_keys),
        chain_hash_at=_hashes_at([sequence]).get(sequence),
    )


def uncovered_since(*, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When the oldest event no checkpoint covers happened, if that is overdue.

    Overdue is twice the checkpoint interval: a worker that stopped signing is worth a
    warning, though not a failure (the events may be genuine).
    """
    now = now or timezone.now()
    latest = AuditCheckpoint.objects.order_by("-sequence").values_list("sequence").first()
    after = latest[0] if latest else 0
    oldest = (
        AuditEvent.objects.filter(sequence__gt=after)
        .order_by("sequence")
        .values_list("occurred_at", flat=True)
        .first()
    )
    every = datetime.timedelta(minutes=2 * settings.AUDIT_CHECKPOINT_MINUTES)
    if oldest is not None and oldest < now - every:
        return oldest
    return None
