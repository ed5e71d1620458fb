"""Canonical JSON and the hashes of the audit chain.

Each event's content is reduced to canonical JSON and hashed into a *content digest*;
the event's *hash* covers only its sequence number, the previous event's hash and that
digest. So the chain can be re-computed from the three stored columns even after
retention has erased personal data from an event's content, while an untouched event's
content can still be checked against its digest.

Values are reduced to plain JSON before they are stored, so what the database holds is
exactly what was hashed, on SQLite's JSON text and PostgreSQL's jsonb alike.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import hashlib
import json
import math
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.duration import duration_iso_string

# The previous hash of the first event: there is nothing before it.
GENESIS_HASH = "0" * 64

JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]


def canonical_datetime(value: datetime.datetime) -> str:
    """ISO 8601 in UTC with microseconds, the one spelling of an instant that is hashed."""
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive datetime means different instants in different time zones: refuse it
        # rather than hash a guess.
        raise ValueError(f"audit times must be timezone-aware, not {value!r}")
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical_value(value: Any) -> JSONValue:
    """`value` as plain JSON that reads back from either database exactly as written.

    Dates and times become ISO strings (instants in UTC), Decimals and UUIDs strings,
    choices their stored value, model instances their primary key, tuples and sets lists.
    Whole floats become ints because PostgreSQL's jsonb reads 1e20 back as an integer.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, enum.Enum):  # TextChoices, IntegerChoices
        return canonical_value(value.value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"audit values cannot be {value!r}")
        return int(value) if value.is_integer() else value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return canonical_datetime(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return canonical_value(value.pk)
    if isinstance(value, Mapping):
        return {str(key): canonical_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((canonical_value(item) for item in value), key=canonical_json)
    raise TypeError(f"cannot record a {type(value).__name__} in the audit log: {value!r}")


def canonical_json(value: Any) -> str:
    """The one JSON spelling of `value`: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(
        canonical_value(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_digest(content: Mapping[str, Any]) -> str:
    """The SHA-256 of an event's content (see `AuditEvent.content`)."""
    return sha256_hex(canonical_json(content))


def chain_hash(*, sequence: int, previous_hash: str, digest: str) -> str:
    """The SHA-256 that links an event to the one before it."""
    return sha256_hex(
        canonical_json({"sequence": sequence, "previous_hash": previous_hash, "digest": digest})
    )
