"""Storing a policy document's file: the type from its content, never from its name.

Policies are written in Word or kept as PDF, so those are the types taken (and the
OpenDocument text of LibreOffice). Stored like evidence: a random name outside the web
root, served only as an attachment with nosniff.
"""

from __future__ import annotations

import hashlib
import secrets
import zipfile

from django.core.files.base import File
from django.core.files.storage import default_storage

from incidentdesk.reporting.uploads import StoredUpload, UploadRefused, safe_original_name

MAX_FILE_BYTES = 20 * 1024 * 1024
POLICY_DIR = "policies"

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
PDF = "application/pdf"

__all__ = ["UploadRefused", "sniff_document", "store_policy_file"]


# A Word or OpenDocument file is a zip; whoever opens it later (a person's Word, a backup,
# a virus scanner) expands it. One that would expand far beyond the upload limit, or whose
# parts shrink more than any real document does, is a zip bomb and is not kept. Judged from
# the sizes the archive declares, without expanding anything.
MAX_EXPANDED_BYTES = 10 * MAX_FILE_BYTES
MAX_RATIO = 100
MAX_PARTS = 10_000


def _is_zip_bomb(archive: zipfile.ZipFile) -> bool:
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        return True
    expanded = sum(part.file_size for part in parts)
    compressed = sum(part.compress_size for part in parts)
    if expanded > MAX_EXPANDED_BYTES:
        return True
    return expanded > 1024 * 1024 and expanded > MAX_RATIO * max(compressed, 1)


def sniff_document(upload: File) -> str | None:
    """PDF, DOCX or ODT, judged by what is inside the file; None for anything else."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(upload) as archive:
            if _is_zip_bomb(archive):
                return None
            names = set(archive.namelist())
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return DOCX
            mimetype = archive.getinfo("mimetype") if "mimetype" in names else None
            # An ODT's "mimetype" part is a few dozen bytes; never expand a bigger one.
            if mimetype and mimetype.file_size <= 100:
                if archive.read(mimetype).strip() == ODT.encode():
                    return ODT
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    finally:
        upload.seek(0)
    return None


def store_policy_file(upload: File) -> StoredUpload:
    name = safe_original_name(getattr(upload, "name", ""))
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise UploadRefused(f"{name} is larger than 20 MB.")
    if not upload.size:
        raise UploadRefused(f"{name} is empty.")
    content_type = sniff_document(upload)
    if content_type is None:
        raise UploadRefused(f"{name} must be a PDF or a Word document (DOCX or ODT).")
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    stored_name = default_storage.save(f"{POLICY_DIR}/{secrets.token_hex(16)}", upload)
    return StoredUpload(
        stored_name=stored_name,
        original_name=name,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )
