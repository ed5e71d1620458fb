"""Evidence: files kept with their SHA-256, re-checked on every download, custody recorded."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from incidentdesk.audit.models import AuditEvent
from incidentdesk.investigations.models import CustodyEvent, Evidence, EvidenceKind
from incidentdesk.investigations.services import (
    EVIDENCE_DIR,
    MAX_EVIDENCE_BYTES,
    InvestigationRefused,
    add_evidence,
    open_evidence,
)

from .conftest import PNG, Investigation, png_upload


def _add_png(investigation: Investigation, **kwargs) -> Evidence:
    return add_evidence(
        incident=investigation.incident,
        actor=investigation.investigator,
        title="Screenshot of the sent e-mail",
        file=png_upload(),
        **kwargs,
    )


def test_a_file_is_kept_with_its_sha256_under_a_random_name(investigation):
    evidence = _add_png(investigation)
    assert evidence.kind == EvidenceKind.FILE
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()
    assert evidence.size == len(PNG)
    assert evidence.content_type == "image/png"
    assert evidence.original_name == "screenshot.png"
    assert evidence.stored_name.startswith(f"{EVIDENCE_DIR}/")
    assert "screenshot" not in evidence.stored_name
    with default_storage.open(evidence.stored_name, "rb") as stored:
        assert stored.read() == PNG
    assert evidence.collected_by == "Ivy Investigator"


def test_collecting_is_the_first_custody_event_and_on_the_audit_record(investigation):
    evidence = _add_png(investigation)
    [custody] = evidence.custody.all()
    assert (custody.action, custody.person, custody.hash_matched) == (
        "collected",
        investigation.investigator,
        True,
    )
    event = AuditEvent.objects.get(action="evidence.added")
    assert event.details["sha256"] == evidence.sha256
    assert event.details["evidence"] == evidence.pk


def test_a_note_is_evidence_too_with_its_text_hashed(investigation):
    evidence = add_evidence(
        incident=investigation.incident,
        actor=investigation.investigator,
        title="What the parent said on the phone",
        description="She had deleted it at once.",
    )
    assert evidence.kind == EvidenceKind.NOTE
    assert evidence.sha256 == hashlib.sha256(b"She had deleted it at once.").hexdigest()
    with pytest.raises(Http404):
        open_evidence(evidence=evidence, actor=investigation.investigator)


def test_evidence_needs_a_title_and_a_file_or_a_note(investigation):
    with pytest.raises(InvestigationRefused) as refused:
        add_evidence(incident=investigation.incident, actor=investigation.investigator, title="")
    assert set(refused.value.errors) == {"title", "description"}


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("log.txt", b"10:02 mail sent to parents-5b@example.org\n", "text/plain"),
        ("export.csv", "name,class\nAda,5B\nZoë,5B\n".encode(), "text/csv"),
        (
            "mail.eml",
            b"From: a@example.org\r\nTo: b@example.org\r\n\r\nHello\r\n",
            "message/rfc822",
        ),
        ("letter.pdf", b"%PDF-1.7\n%...", "application/pdf"),
    ],
)
def test_text_csv_email_and_pdf_are_allowed_typed_from_content(
    investigation, name, content, content_type
):
    evidence = add_evidence(
        incident=investigation.incident,
        actor=investigation.investigator,
        title=name,
        file=SimpleUploadedFile(name, content, content_type="application/octet-stream"),
    )
    assert evidence.content_type == content_type


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("macro.docx", b"PK\x03\x04" + b"\x00" * 40),
        ("program.exe", b"MZ\x90\x00" + b"\x00" * 40),
        ("photo.png", b"\x00\x01\x02binary that is not a png"),
        ("page.html", b"\xff\xfe<\x00h\x00t\x00m\x00l\x00"),
    ],
)
def test_other_types_are_refused_whatever_their_name(investigation, name, content):
    with pytest.raises(InvestigationRefused) as refused:
        add_evidence(
            incident=investigation.incident,
            actor=investigation.investigator,
            title="Something",
            file=SimpleUploadedFile(name, content),
        )
    assert "must be a photo" in refused.value.errors["file"]
    assert not Evidence.objects.exists()


def test_an_empty_or_too_large_file_is_refused(investigation):
    with pytest.raises(InvestigationRefused) as refused:
        add_evidence(
            incident=investigation.incident,
            actor=investigation.investigator,
            title="Empty",
            file=SimpleUploadedFile("empty.txt", b""),
        )
    assert "empty" in refused.value.errors["file"]
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * MAX_EVIDENCE_BYTES)
    with pytest.raises(InvestigationRefused) as refused:
        add_evidence(
            incident=investigation.incident,
            actor=investigation.investigator,
            title="Big",
            file=big,
        )
    assert refused.value.errors["file"] == "big.png must be smaller than 20 MB"


def test_a_download_is_re_hashed_and_recorded_in_custody_and_audit(investigation):
    evidence = _add_png(investigation)
    opened = open_evidence(evidence=evidence, actor=investigation.dpo)
    assert opened.matched is True
    assert opened.actual_sha256 == evidence.sha256
    assert opened.handle.read() == PNG
    opened.handle.close()
    custody = list(evidence.custody.values_list("action", "person", "hash_matched"))
    assert custody == [
        ("collected", investigation.investigator.pk, True),
        ("downloaded", investigation.dpo.pk, True),
    ]
    event = AuditEvent.objects.get(action="evidence.downloaded")
    assert event.actor_id == investigation.dpo.pk
    assert event.details == {
        "evidence": evidence.pk,
        "sha256": evidence.sha256,
        "hash_matched": True,
    }


def test_a_changed_file_is_reported_and_recorded_and_not_handed_out(investigation):
    evidence = _add_png(investigation)
    # Someone with access to the disk changes the file behind the application's back.
    with open(default_storage.path(evidence.stored_name), "wb") as disk:
        disk.write(PNG + b"tampered")
    changed = hashlib.sha256(PNG + b"tampered").hexdigest()

    opened = open_evidence(evidence=evidence, actor=investigation.investigator)

    assert opened.matched is False
    assert opened.handle is None
    assert opened.actual_sha256 == changed
    custody = list(evidence.custody.values_list("action", "hash_matched"))
    assert custody == [("collected", True), ("hash_mismatch", False)]
    event = AuditEvent.objects.get(action="evidence.hash_mismatch")
    assert event.details["expected_sha256"] == evidence.sha256
    assert event.details["actual_sha256"] == changed
    assert not AuditEvent.objects.filter(action="evidence.downloaded").exists()


def test_a_changed_file_taken_anyway_is_a_download_that_did_not_match(investigation):
    evidence = _add_png(investigation)
    with open(default_storage.path(evidence.stored_name), "wb") as disk:
        disk.write(b"\x89PNG\r\n\x1a\nother")
    opened = open_evidence(evidence=evidence, actor=investigation.investigator, accept_changed=True)
    assert opened.handle.read() == b"\x89PNG\r\n\x1a\nother"
    opened.handle.close()
    custody = list(evidence.custody.values_list("action", "hash_matched"))
    assert custody == [("collected", True), ("hash_mismatch", False), ("downloaded", False)]
    assert AuditEvent.objects.get(action="evidence.downloaded").details["hash_matched"] is False


def test_a_missing_file_is_not_found_and_records_nothing(investigation):
    evidence = _add_png(investigation)
    default_storage.delete(evidence.stored_name)
    with pytest.raises(Http404):
        open_evidence(evidence=evidence, actor=investigation.investigator)
    assert CustodyEvent.objects.filter(evidence=evidence).count() == 1


def test_only_those_who_may_view_the_incident_may_download(investigation):
    evidence = _add_png(investigation)
    with pytest.raises(PermissionDenied):
        open_evidence(evidence=evidence, actor=investigation.outsider)
    with pytest.raises(PermissionDenied):
        open_evidence(evidence=evidence, actor=investigation.other_investigator)
    assert CustodyEvent.objects.filter(evidence=evidence).count() == 1
