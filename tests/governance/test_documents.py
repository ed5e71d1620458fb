"""Policy documents: document control, files stored like evidence, reviews that keep the
version they replace."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidentdesk.deadlines.models import POLICY_REVIEW_STEP, Deadline
from incidentdesk.governance import services
from incidentdesk.governance.models import PolicyDocument
from incidentdesk.governance.uploads import DOCX
from tests.factories import signed_in_client
from tests.governance.conftest import PDF, docx_bytes, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def add(cast, upload=None, **fields) -> PolicyDocument:
    return services.document_create(
        actor=cast.manager,
        organisation=cast.birch,
        title=fields.get("title", "Security Incidents Policy"),
        version=fields.get("version", "1.0"),
        approved_by="Finance & Premises Committee",
        approved_on=in_days(-30),
        next_review_on=fields.get("next_review_on", in_days(300)),
        owner=fields.get("owner", cast.manager),
        upload=upload,
    )


def form_data(cast, **extra) -> dict:
    return {
        "title": "Security Incidents Policy",
        "version": "1.0",
        "approved_by": "Finance & Premises Committee",
        "approved_on": in_days(-30).isoformat(),
        "next_review_on": in_days(300).isoformat(),
        "owner": str(cast.manager.pk),
        **extra,
    }


def test_the_manager_adds_a_policy_with_its_file_and_members_download_it(cast):
    manager = signed_in_client(cast.manager)
    assert manager.get("/governance/policies/new/").status_code == 200
    response = manager.post("/governance/policies/new/", form_data(cast, file=pdf_upload()))
    document = PolicyDocument.objects.get()
    assert response.status_code == 302
    assert document.content_type == "application/pdf"
    assert document.original_name == "policy.pdf"
    assert document.stored_name.startswith("policies/")
    assert "policy" not in document.stored_name.removeprefix("policies/")  # a random name
    assert default_storage.open(document.stored_name).read() == PDF
    review = Deadline.objects.get(policy_document=document)
    assert review.step == POLICY_REVIEW_STEP and review.incident is None

    staff = signed_in_client(cast.staff)
    listing = staff.get("/governance/policies/").content.decode()
    assert "Security Incidents Policy" in listing and "Mina Manager" in listing
    download = staff.get(f"/governance/policies/{document.pk}/file/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    # Staff cannot add or review policies.
    assert staff.get("/governance/policies/new/").status_code == 403
    assert staff.get(f"/governance/policies/{document.pk}/review/").status_code == 403


def test_a_word_document_is_taken(cast):
    document = add(cast, upload=SimpleUploadedFile("policy.docx", docx_bytes()))
    assert document.content_type == DOCX


@pytest.mark.parametrize(
    "name, content",
    [
        ("policy.pdf", b"<!doctype html><script>alert(1)</script>"),
        ("policy.pdf", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("policy.docx", b"<html><body>not a document</body></html>"),
    ],
)
def test_a_renamed_html_or_svg_file_is_refused(cast, name, content):
    manager = signed_in_client(cast.manager)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = manager.post("/governance/policies/new/", form_data(cast, file=upload))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{name} must be a PDF or a Word document (DOCX or ODT)." in page
    assert 'value="Finance &amp; Premises Committee"' in page  # what was typed is kept
    assert not PolicyDocument.objects.exists()


def test_missing_details_are_listed_beside_their_fields(cast):
    manager = signed_in_client(cast.manager)
    response = manager.post(
        "/governance/policies/new/",
        {"title": "", "version": "", "approved_by": "", "next_review_on": "", "owner": ""},
    )
    page = response.content.decode()
    for message in (
        "Enter the title of the policy",
        "Enter the version",
        "Enter who approved it",
        "Enter the next review date",
        "Choose the owner of the policy",
    ):
        assert page.count(message) == 2, message


def test_the_owner_must_belong_to_the_organisation(cast):
    with pytest.raises(ValidationError) as refused:
        add(cast, owner=cast.outsider)
    assert "owner" in refused.value.message_dict


def test_a_review_keeps_the_old_version_meets_the_deadline_and_schedules_the_next(cast):
    document = add(cast, upload=pdf_upload(), next_review_on=in_days(10))
    first = Deadline.objects.get(policy_document=document)
    manager = signed_in_client(cast.manager)
    response = manager.post(
        f"/governance/policies/{document.pk}/review/",
        {
            "version": "2.0",
            "approved_by": "Full Governing Body",
            "approved_on": timezone.localdate().isoformat(),
            "next_review_on": in_days(365).isoformat(),
            "owner": str(cast.staff.pk),
        },
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.version, document.owner) == ("2.0", cast.staff)
    assert document.content_type == "application/pdf"  # no new file: the old one stays
    old = document.versions.get()
    assert (old.version, old.approved_by) == ("1.0", "Finance & Premises Committee")
    first.refresh_from_db()
    assert first.met_at is not None and first.next_reminder_at is None
    current = Deadline.objects.get(policy_document=document, met_at__isnull=True)
    assert current.due_at.astimezone().date() == in_days(365)
    page = manager.get(f"/governance/policies/{document.pk}/").content.decode()
    assert "Earlier versions" in page and "Full Governing Body" in page


def test_another_organisations_policy_is_not_found(cast):
    document = add(cast, upload=pdf_upload())
    outsider = signed_in_client(cast.outsider)
    for url in ("", "file/", "review/"):
        assert outsider.get(f"/governance/policies/{document.pk}/{url}").status_code == 404
    assert "Security Incidents Policy" not in outsider.get("/governance/policies/").content.decode()


def test_the_list_answers_in_the_same_number_of_queries_however_many(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = signed_in_client(cast.staff)
    add(cast)
    staff.get("/governance/policies/")  # the first page after signing in records activity
    with CaptureQueriesContext(connection) as few:
        assert staff.get("/governance/policies/").status_code == 200
    for n in range(15):
        add(cast, title=f"Policy {n}")
    with CaptureQueriesContext(connection) as many:
        assert staff.get("/governance/policies/").status_code == 200
    assert len(many) == len(few)
