"""The encrypted container of a backup: AES-256-GCM in chunks, with an authenticated header.

Layout (docs/decisions/0006-backup-format.md):

    header   MAGIC (8) | version (1) | kind (1) | salt (16) | scrypt log2 N, r, p (3)
             | nonce prefix (7) | key check (16)
    chunks   length (4, big-endian) | AES-GCM ciphertext and tag, repeated

Each chunk holds up to CHUNK_SIZE bytes of plaintext. Its nonce is the header's random
prefix, the chunk's number (4 bytes) and a last-chunk flag (1 byte), and the whole header
is its associated data: so a chunk that is altered, moved, dropped, or a header that is
changed, fails authentication, and an archive cut short has no last chunk. The key for
one archive comes from the key file (HKDF) or the passphrase (scrypt) with the archive's
own random salt, so no two archives share a key and the random nonce prefix only has to
be unique within one archive.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"IDBACKUP"
VERSION = 1
KIND_KEY_FILE = 1
KIND_PASSPHRASE = 2
CHUNK_SIZE = 1024 * 1024
HEADER = struct.Struct(">8sBB16sBBB7s16s")
LENGTH = struct.Struct(">I")
TAG_SIZE = 16
# scrypt at N=2^17, r=8: about 128 MiB and a fraction of a second, per archive opened.
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 17, 8, 1
MIN_PASSPHRASE_LENGTH = 12


class BackupKeyError(Exception):
    """No key, an unreadable key, or a key that does not open this archive."""


class ArchiveDamaged(Exception):
    """The archive is not one of ours, or was altered, truncated or corrupted."""


@dataclass(frozen=True)
class BackupKey:
    """A 32-byte key from a key file, or a passphrase; what opens and seals archives."""

    secret: bytes
    kind: int

    @classmethod
    def from_passphrase(cls, passphrase: str) -> BackupKey:
        if len(passphrase) < MIN_PASSPHRASE_LENGTH:
            raise BackupKeyError(
                f"The passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long."
            )
        return cls(passphrase.encode("utf-8"), KIND_PASSPHRASE)

    @classmethod
    def from_key_file(cls, path: Path) -> BackupKey:
        try:
            text = path.read_text().strip()
        except OSError as exc:
            raise BackupKeyError(f"Cannot read the backup key file {path}: {exc}") from exc
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise BackupKeyError(
                f"{path} is not a backup key file (it should hold 32 bytes in base64, as "
                "made by `incidentdesk backup --new-key-file`)."
            )
        return cls(raw, KIND_KEY_FILE)

    def derive(self, salt: bytes, log2_n: int, r: int, p: int) -> tuple[bytes, bytes]:
        """The archive's encryption key and key-check key."""
        if self.kind == KIND_PASSPHRASE:
            master = Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p).derive(self.secret)
        else:
            master = self.secret
        both = HKDF(
            algorithm=hashes.SHA256(), length=64, salt=salt, info=b"incidentdesk-backup/1"
        ).derive(master)
        return both[:32], both[32:]


def create_key_file(path: Path) -> None:
    """A new random key in `path`, readable by its owner only; never overwrites a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(base64.b64encode(os.urandom(32)).decode("ascii") + "\n")


def _key_check(check_key: bytes) -> bytes:
    return hmac.new(check_key, b"incidentdesk-backup key check", "sha256").digest()[:16]


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", number, 1 if last else 0)


class EncryptingWriter(io.RawIOBase):
    """A write-only file object: plaintext in, the encrypted archive out to `sink`."""

    def __init__(self, sink: BinaryIO, key: BackupKey) -> None:
        super().__init__()
        self._sink = sink
        salt = os.urandom(16)
        log2_n, r, p = (SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
        if key.kind != KIND_PASSPHRASE:
            log2_n = r = p = 0
        encryption_key, check_key = key.derive(salt, log2_n, r, p)
        self._aead = AESGCM(encryption_key)
        self._prefix = os.urandom(7)
        self._header = HEADER.pack(
            MAGIC, VERSION, key.kind, salt, log2_n, r, p, self._prefix, _key_check(check_key)
        )
        self._sink.write(self._header)
        self._buffer = bytearray()
        self._number = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._buffer += data
        while len(self._buffer) > CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]), last=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def _seal(self, plaintext: bytes, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._number, last)
        sealed = self._aead.encrypt(nonce, plaintext, self._header)
        self._sink.write(LENGTH.pack(len(sealed)) + sealed)
        self._number += 1

    def close(self) -> None:
        if not self.closed:
            # The last chunk is marked, possibly empty, so a cut-short archive is noticed.
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._sink.flush()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only file object over an encrypted archive; every chunk checked before use."""

    def __init__(self, source: BinaryIO, key: BackupKey) -> None:
        super().__init__()
        self._source = source
        header = source.read(HEADER.size)
        if len(header) != HEADER.size or not header.startswith(MAGIC):
            raise ArchiveDamaged("This file is not an Incident Desk backup.")
        _, version, kind, salt, log2_n, r, p, prefix, check = HEADER.unpack(header)
        if version != VERSION:
            raise ArchiveDamaged(
                f"This backup is in format {version}, which this version cannot read."
            )
        if kind != key.kind:
            needs = "a passphrase" if kind == KIND_PASSPHRASE else "a key file"
            raise BackupKeyError(f"This backup was made with {needs}: give that to restore it.")
        if kind == KIND_PASSPHRASE and not (10 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
            raise ArchiveDamaged("This backup's header is damaged (key derivation settings).")
        encryption_key, check_key = key.derive(salt, log2_n, r, p)
        if not hmac.compare_digest(_key_check(check_key), check):
            raise BackupKeyError(
                "The key or passphrase given is not the one this backup was made with."
            )
        self._aead = AESGCM(encryption_key)
        self._header = header
        self._prefix = prefix
        self._number = 0
        self._buffer = b""
        self._position = 0
        self._finished = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        length_bytes = self._source.read(LENGTH.size)
        if len(length_bytes) != LENGTH.size:
            raise ArchiveDamaged("The backup is cut short: its last part is missing.")
        (length,) = LENGTH.unpack(length_bytes)
        if not TAG_SIZE <= length <= CHUNK_SIZE + TAG_SIZE:
            raise ArchiveDamaged(f"The backup is damaged at part {self._number + 1}.")
        sealed = self._source.read(length)
        if len(sealed) != length:
            raise ArchiveDamaged("The backup is cut short: its last part is missing.")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._prefix, self._number, last), sealed, self._header
                )
            except InvalidTag:
                continue
            break
        else:
            raise ArchiveDamaged(
                f"The backup was altered or is damaged at part {self._number + 1}: "
                "it cannot be trusted."
            )
        self._number += 1
        if last:
            if self._source.read(1):
                raise ArchiveDamaged("The backup has data after its last part: it was altered.")
            self._finished = True
        self._buffer = plain
        self._position = 0

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._position >= len(self._buffer):
            if self._finished:
                return 0
            self._next_chunk()
        size = min(len(target), len(self._buffer) - self._position)
        target[:size] = self._buffer[self._position : self._position + size]
        self._position += size
        return size
