"""Anonymous receipt codes: 100 random bits, shown once, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

# Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 20 characters of 5 bits: 100 bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _key() -> bytes:
    return hashlib.sha256(b"incidentdesk.receipt:" + settings.SECRET_KEY.encode()).digest()


def _encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(CODE_LENGTH):
        chars.append(ALPHABET[number & 31])
        number >>= 5
    return "".join(chars)


def new_code(*, idempotency_key: str | None = None) -> str:
    """A new receipt code.

    With an idempotency key the code is derived from it with the server's secret, so a
    retried submission can show the reporter the same code again; without one it is random.
    """
    if idempotency_key:
        data = hmac.new(_key(), b"code:" + idempotency_key.encode(), hashlib.sha256).digest()
    else:
        data = secrets.token_bytes(32)
    return _encode(data[:13])  # 104 bits, of which 100 are used


def normalise(code: str) -> str | None:
    """The code in canonical form, or None when it cannot be a code at all."""
    cleaned = re.sub(r"[\s\-–—_.]", "", code or "").upper().translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def display(code: str) -> str:
    """`ABCDE-FGHJK-MNPQR-STVWX`: in groups, for reading and writing down."""
    return "-".join(code[i : i + 5] for i in range(0, CODE_LENGTH, 5))


def code_hash(code: str) -> str:
    """The keyed hash kept in the database; without the server's secret it reveals nothing."""
    return hmac.new(_key(), b"hash:" + code.encode(), hashlib.sha256).hexdigest()
