"""Checking and storing files that come with a report: type from content, never from name."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core.files.base import File
from django.core.files.storage import default_storage

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
ATTACHMENT_DIR = "attachments"

# (magic bytes at the start, content type). Only types a phone or a school laptop makes
# for a photo, a screenshot or a scanned letter.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]


class UploadRefused(ValueError):
    """The file cannot be kept; the message says why in words for the reporter."""


@dataclass(frozen=True)
class StoredUpload:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def sniff_type(head: bytes) -> str | None:
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1"}:
        return "image/heic"
    return None


def safe_original_name(name: str) -> str:
    """The file's own name without any folder part, for display only."""
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*')
    return (cleaned.strip(". ") or "file")[:200]


def check_upload(upload: File) -> str:
    """The file's content type, or UploadRefused with a message for the person."""
    name = safe_original_name(getattr(upload, "name", ""))
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise UploadRefused(f"{name} is larger than 10 MB. Send a smaller file or a photo of it.")
    if not upload.size:
        raise UploadRefused(f"{name} is empty.")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_type(head)
    if content_type is None:
        raise UploadRefused(f"{name} must be a photo (JPG, PNG, HEIC, WEBP, GIF) or a PDF.")
    return content_type


def store_upload(upload: File) -> StoredUpload:
    """Writes the file under a random name outside the web root, computing its SHA-256."""
    content_type = check_upload(upload)
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    if size > MAX_FILE_BYTES:
        raise UploadRefused("The file is larger than 10 MB.")
    upload.seek(0)
    stored_name = default_storage.save(f"{ATTACHMENT_DIR}/{secrets.token_hex(16)}", upload)
    return StoredUpload(
        stored_name=stored_name,
        original_name=safe_original_name(upload.name or ""),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )
