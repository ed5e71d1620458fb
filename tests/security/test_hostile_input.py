"""Hostile input (issue 8, point 5): every string of tests/security/corpus.py typed into
every text field through the forms and the API is either refused with a message beside
the field (what was typed kept) or stored exactly; it then comes out inert in the pages,
the e-mails, the register's CSV and XLSX and the outcome report's PDF and Word file.
Uploads are judged by their content, stored under random names and served as attachments.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from incidentdesk.api.services import create_api_token
from incidentdesk.incidents.models import Incident
from incidentdesk.investigations.models import Evidence
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.outcomes import documents
from incidentdesk.outcomes.models import SECTIONS, OutcomeReport
from incidentdesk.outcomes.services import submit_outcome_report
from incidentdesk.reporting.models import Attachment
from incidentdesk.reporting.uploads import UploadRefused
from tests.factories import signed_in_client
from tests.incidents.conftest import file_report
from tests.outcomes.conftest import make_outcome_cast, ready_to_submit

from .corpus import HOSTILE

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (
    "what_happened",
    "how_discovered",
    "location",
    "people_involved",
    "already_done",
    "supplier_name",
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# Markup that would run if it reached a page or an HTML e-mail unescaped.
LIVE_MARKUP = re.compile(r"<script>alert|<img src=x onerror|<svg/onload|href=\"javascript:", re.I)
TRIED: dict[str, int] = {}


def tried(where: str, count: int = 1) -> None:
    TRIED[where] = TRIED.get(where, 0) + count


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    total = sum(TRIED.values())
    print(
        f"\nhostile input: {len(HOSTILE)} corpus strings; {total} string x field submissions "
        f"({', '.join(f'{k} {v}' for k, v in sorted(TRIED.items()))})"
    )


@pytest.fixture
def side(db):
    return make_outcome_cast().school


def stored(value: str) -> str:
    # Forms strip surrounding whitespace, as for every text question; nothing else changes.
    return value.strip()


def assert_inert(html: str) -> None:
    assert not LIVE_MARKUP.search(html), LIVE_MARKUP.search(html)
    assert "' autofocus onfocus='" not in html


def check_form_answer(response, values: dict[str, str], where: str) -> bool:
    """True when the report was made; otherwise a refusal beside the field, typed text kept."""
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        return True
    page = response.content.decode()
    assert "govuk-error-summary" in page and "govuk-error-message" in page, where
    for value in values.values():
        if "\x00" not in value:
            assert escape(value) in page or escape(value.strip()) in page, where
    assert_inert(page)
    return False


def submit_each(post, values_for, latest) -> None:
    """Every corpus string in every field at once; when refused, each field on its own."""
    for name, value in HOSTILE.items():
        values = values_for(value, TEXT_FIELDS)
        if post(values, name):
            incident = latest()
            for field in TEXT_FIELDS:
                assert getattr(incident, field) == stored(value), (name, field)
            continue
        for field in TEXT_FIELDS:
            one = values_for(value, (field,))
            if post(one, f"{name} in {field}"):
                assert getattr(latest(), field) == stored(value), (name, field)


def form_values(value: str, fields) -> dict[str, str]:
    values = {"what_happened": "A laptop went missing."}
    values.update({field: value for field in fields})
    if "supplier_name" in fields:
        values["source"] = "supplier"
    return values


def test_the_staff_report_form_refuses_or_keeps_each_string_exactly(side):
    client = signed_in_client(side.reporter)

    def post(values, where):
        tried("staff form", len(values) - 1 - ("source" in values))
        return check_form_answer(client.post("/report/", values), values, where)

    submit_each(post, form_values, lambda: Incident.objects.latest("pk"))


def test_the_anonymous_form_refuses_or_keeps_each_string_exactly(side):
    client = Client()
    url = f"/anonymous/{side.organisation.slug}/"

    def post(values, where):
        tried("anonymous form", len(values) - 1 - ("source" in values))
        response = client.post(url, values)
        if response.status_code == 200 and "govuk-error-summary" not in response.content.decode():
            return True  # the receipt page
        return check_form_answer(response, values, where)

    submit_each(post, form_values, lambda: Incident.objects.latest("pk"))


def test_the_api_refuses_with_a_422_or_keeps_each_string_exactly(side):
    token = create_api_token(person=side.reporter, name="phone")[1]
    client = Client()

    def post(values, where):
        tried("API report_incident", len(values) - 1 - ("source" in values))
        body = {"organisation": side.organisation.slug, "mode": "named", **values}
        response = client.post(
            "/api/v1/incidents",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code in (200, 201, 422), (where, response.status_code)
        if response.status_code == 422:
            assert response.json(), where
            return False
        return True

    def latest():
        return Incident.objects.latest("pk")

    # The API keeps text as sent (no stripping): compare with the string itself.
    for name, value in HOSTILE.items():
        values = form_values(value, TEXT_FIELDS)
        if post(values, name):
            for field in TEXT_FIELDS:
                assert getattr(latest(), field) in (value, value.strip()), (name, field)
            continue
        for field in TEXT_FIELDS:
            if post(form_values(value, (field,)), f"{name} in {field}"):
                assert getattr(latest(), field) in (value, value.strip()), (name, field)


def test_handling_forms_refuse_or_keep_each_string(side):
    """The message to the reporter, a note (evidence without a file) and an action."""
    incident = ready_to_submit(side)
    manager = signed_in_client(side.manager)
    investigator = signed_in_client(side.investigator)
    base = f"/incidents/{incident.reference}"
    for name, value in HOSTILE.items():
        tried("handling forms", 4)
        response = manager.post(f"{base}/messages/", {"body": value})
        assert response.status_code in (200, 302), name
        if response.status_code == 200:
            check_form_answer(response, {"body": value}, name)
        response = investigator.post(
            f"{base}/investigation/evidence/add/", {"title": value[:200], "description": value}
        )
        assert response.status_code in (200, 302), name
        if response.status_code == 302:
            evidence = Evidence.objects.latest("pk")
            assert evidence.description == stored(value)
        else:
            assert "govuk-error-message" in response.content.decode(), name
        response = investigator.post(
            f"{base}/investigation/actions/add/",
            {"kind": "preventive", "description": value, "owner": side.manager.pk},
        )
        assert response.status_code in (200, 302), name
    for url in (f"{base}/", f"{base}/investigation/", f"{base}/timeline/"):
        response = manager.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode())


@pytest.fixture
def hostile_reports(side) -> list[Incident]:
    """One report per string, its first words the string, through the real service."""
    made = []
    for value in HOSTILE.values():
        if "\x00" in value or len(value) > 20_000:
            continue  # refused at every door (above)
        made.append(
            file_report(
                side.organisation,
                side.reporter,
                what_happened=value,
                location=value[:300],
                people_involved=value,
                already_done=value,
            )
        )
    return made


def test_pages_show_every_string_escaped_never_evaluated(side, hostile_reports):
    client = signed_in_client(side.manager)
    for incident in hostile_reports:
        page = client.get(f"/incidents/{incident.reference}/").content.decode()
        tried("incident page")
        assert_inert(page)
        # Shown line by line (line breaks become <br>), each line escaped.
        for line in incident.what_happened.splitlines():
            assert escape(line) in page, line
    for url in ("/incidents/", "/oversight/register/", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode())
    page = client.get(f"/incidents/{hostile_reports[5].reference}/").content.decode()
    assert "{{ 7*7 }}" in page or escape("{{ 7*7 }}") in page


def test_e_mails_have_one_line_subjects_and_escaped_html(side, hostile_reports):
    incident = hostile_reports[0]
    manager = signed_in_client(side.manager)
    for value in HOSTILE.values():
        manager.post(f"/incidents/{incident.reference}/messages/", {"body": value})
    emails = list(OutgoingEmail.objects.all())
    assert emails
    for email in emails:
        tried("e-mails")
        assert "\r" not in email.subject and "\n" not in email.subject
        assert "\r" not in email.to and "\n" not in email.to
        assert_inert(email.body_html)
        assert "Set-Cookie" not in email.subject


def test_register_csv_and_xlsx_keep_formulas_as_text(side, hostile_reports):
    from openpyxl import load_workbook

    client = signed_in_client(side.manager)
    response = client.get("/oversight/register/export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("What happened")
    cells = {row[column] for row in rows[1:]}
    for incident in hostile_reports:
        tried("register CSV")
        value = incident.what_happened
        if value[:1] in "=+-@\t\r":
            assert "'" + value in cells, value
        else:
            assert value in cells, value

    response = client.get("/oversight/register/export.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["Incidents"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    column = header.index("What happened")
    for row in sheet.iter_rows(min_row=2):
        cell = row[column]
        tried("register XLSX")
        assert cell.data_type == "s", cell.value
        assert not str(cell.value).startswith(("=", "+", "-", "@")), cell.value


def test_the_outcome_report_page_pdf_and_word_keep_the_strings_as_text(side):
    incident = ready_to_submit(side)
    usable = [v for v in HOSTILE.values() if "\x00" not in v and len(v) <= 20_000]
    sections = {name: usable[i % len(usable)] for i, (name, _, _) in enumerate(SECTIONS)}
    sections["summary"] = "<script>alert(1)</script> {{ 7*7 }} ${7*7}"
    sections["cause"] = '"><img src=x onerror=alert(1)>'
    sections["impact"] = "'; DROP TABLE incidents_incident; --"
    sections["lessons_learned"] = '=HYPERLINK("http://example.org")'
    submit_outcome_report(incident=incident, actor=side.investigator, sections=sections)
    tried("outcome report sections", len(sections) * 3)
    page = signed_in_client(side.manager).get(f"/incidents/{incident.reference}/outcome/")
    assert page.status_code == 200
    assert_inert(page.content.decode())

    report = OutcomeReport.objects.get(incident=incident)
    from docx import Document
    from pypdf import PdfReader

    data = documents.outcome_docx(incident, report)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "fldSimple" not in xml and "instrText" not in xml  # no field codes
    paragraphs = {p.text for p in Document(io.BytesIO(data)).paragraphs}
    for name in ("summary", "cause", "impact", "lessons_learned"):
        assert sections[name] in paragraphs, name

    pdf = documents.outcome_pdf(incident, report)
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    for name in ("summary", "cause", "impact", "lessons_learned"):
        assert sections[name] in text, name


# --- Uploads --------------------------------------------------------------------------------


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'


def report_with(client, *files):
    return client.post(
        "/report/", {"what_happened": "Files sent with a report.", "attachments": list(files)}
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ((upload("big.png", PNG + b"\x00" * (10 * 1024 * 1024)),), "larger than 10 MB"),
        (tuple(upload(f"p{i}.png", PNG) for i in range(6)), "Choose 5 files or fewer"),
        ((upload("letter.pdf", HTML, "application/pdf"),), "must be a photo"),
        ((upload("photo.png", SVG, "image/png"),), "must be a photo"),
        ((upload("scan.svg", SVG, "image/svg+xml"),), "must be a photo"),
        ((upload("archive.zip", b"PK\x03\x04" + b"\x00" * 60),), "must be a photo"),
    ],
    ids=["oversize", "over the number of files", "html as pdf", "svg as png", "svg", "zip"],
)
def test_a_report_refuses_bad_files_with_a_message_beside_the_question(side, files, message):
    response = report_with(signed_in_client(side.reporter), *files)
    tried("report uploads")
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-message" in page and message in page
    assert not Attachment.objects.exists()


def test_a_polyglot_and_a_traversal_name_are_stored_at_random_and_served_inert(side):
    polyglot = PNG + HTML
    response = report_with(
        signed_in_client(side.reporter), upload("../../etc/passwd.png", polyglot, "text/html")
    )
    tried("report uploads")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "passwd.png"
    assert attachment.content_type == "image/png"  # from the content, not the browser's word
    assert re.fullmatch(r"attachments/[0-9a-f]{32}", attachment.stored_name)
    path = (Path(settings.MEDIA_ROOT) / attachment.stored_name).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) and path.exists()
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    response = signed_in_client(side.manager).get(
        f"/incidents/{attachment.incident.reference}/attachments/{attachment.pk}/"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", HTML, "is a web page or a drawing"),
        ("log.csv", SVG, "is a web page or a drawing"),
        ("drawing.svg", b"<?xml version='1.0'?>\n" + SVG, "is a web page or a drawing"),
        ("page.txt", b"\xef\xbb\xbf\n  <html><script>alert(1)</script></html>", "web page"),
        ("report.docx", None, "must be a photo"),  # a zip bomb, made below
    ],
    ids=["html as txt", "svg as csv", "svg", "html after blank lines", "zip bomb"],
)
def test_evidence_refuses_markup_and_archives_whatever_the_name(side, name, content, message):
    incident = ready_to_submit(side)
    if content is None:
        content = zip_bomb()
    response = signed_in_client(side.investigator).post(
        f"/incidents/{incident.reference}/investigation/evidence/add/",
        {"title": "A file", "file": upload(name, content)},
    )
    tried("evidence uploads")
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-message" in page and message in page
    assert not Evidence.objects.filter(incident=incident).exclude(stored_name="").exists()


def test_evidence_downloads_are_attachments_with_nosniff(side):
    incident = ready_to_submit(side)
    investigator = signed_in_client(side.investigator)
    response = investigator.post(
        f"/incidents/{incident.reference}/investigation/evidence/add/",
        {"title": "Log", "file": upload("../../../x.txt", b"a log line <b>not markup</b>\n")},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.exclude(stored_name="").get(incident=incident)
    assert re.fullmatch(r"evidence/[0-9a-f]{32}", evidence.stored_name)
    assert evidence.original_name == "x.txt"
    response = investigator.get(
        f"/incidents/{incident.reference}/investigation/evidence/{evidence.pk}/download/"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("text/plain")


@functools.cache
def zip_bomb(total: int = 64 * 1024 * 1024) -> bytes:
    """A small Word-looking file whose parts expand to `total` bytes of zeros."""
    out = io.BytesIO()
    zero = b"\x00" * (1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            for _ in range(total // len(zero)):
                part.write(zero)
        with archive.open("mimetype", "w") as part:
            for _ in range(16):
                part.write(zero)
    return out.getvalue()


def test_a_policy_document_zip_bomb_is_refused_without_expanding_it():
    from incidentdesk.governance.uploads import store_policy_file

    bomb = zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    tried("policy uploads")
    with pytest.raises(UploadRefused, match="must be a PDF or a Word document"):
        store_policy_file(upload("policy.docx", bomb))
    with pytest.raises(UploadRefused, match="must be a PDF or a Word document"):
        store_policy_file(upload("policy.pdf", HTML))
