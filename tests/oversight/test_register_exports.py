"""The register's CSV and XLSX: the filtered rows, formulas made inert, no confidential
reporter's name, and every export in the audit log."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import ReportingMode
from incidentdesk.oversight import exports
from tests.factories import make_person, signed_in_client
from tests.incidents.conftest import file_report

from .conftest import World

FORMULA = '=HYPERLINK("http://x","y")'


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="incident-register-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["Incidents"]
    return [[cell for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def hostile(world: World):
    """A report whose words are spreadsheet formulas, and a confidential one."""
    formula = file_report(
        world.birch,
        world.reporter,
        what_happened=FORMULA,
        location="@SUM(A1:A9)",
    )
    secret = make_person("Connie Confidential", organisation=world.birch)
    confidential = file_report(
        world.birch, secret, ReportingMode.CONFIDENTIAL, what_happened="-2+3 laptops went missing"
    )
    anonymous = file_report(world.birch, None, ReportingMode.ANONYMOUS, what_happened="+44 123")
    return formula, confidential, anonymous


def test_the_csv_makes_formulas_inert(world: World, hostile) -> None:
    formula, confidential, anonymous = hostile
    rows = csv_rows(signed_in_client(world.manager).get("/oversight/register/export.csv"))
    header, body = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert header[0] == "Reference"
    assert body[formula.reference]["What happened"] == "'" + FORMULA
    assert body[formula.reference]["Where"] == "'@SUM(A1:A9)"
    assert body[confidential.reference]["What happened"] == "'-2+3 laptops went missing"
    assert body[anonymous.reference]["What happened"] == "'+44 123"
    # No cell anywhere starts a formula.
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_xlsx_makes_formulas_inert(world: World, hostile) -> None:
    formula, _, _ = hostile
    rows = xlsx_rows(signed_in_client(world.manager).get("/oversight/register/export.xlsx"))
    assert [cell.value for cell in rows[0]][:3] == ["Reference", "School or trust", "Reported"]
    row = next(r for r in rows if r[0].value == formula.reference)
    what_happened = row[exports.COLUMNS.index("What happened")]
    assert what_happened.value == "'" + FORMULA
    assert what_happened.data_type == "s"  # text, not a formula ("f")
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.value


def test_no_confidential_reporters_name_in_either_export(world: World, hostile) -> None:
    _, confidential, anonymous = hostile
    client = signed_in_client(world.manager)
    csv_text = "\n".join(
        ",".join(r) for r in csv_rows(client.get("/oversight/register/export.csv"))
    )
    assert "Connie Confidential" not in csv_text
    xlsx = xlsx_rows(client.get("/oversight/register/export.xlsx"))
    xlsx_text = "\n".join(str(cell.value) for row in xlsx for cell in row)
    assert "Connie Confidential" not in xlsx_text
    by_reference = {row[0].value: row for row in xlsx}
    reported_by = exports.COLUMNS.index("Reported by")
    assert by_reference[confidential.reference][reported_by].value == "Confidential"
    assert by_reference[anonymous.reference][reported_by].value == "Anonymous"
    # A named reporter is named, as on the incident's page.
    assert "Rory Reporter" in csv_text


def test_the_export_has_the_filtered_rows_only_and_is_audited(world: World) -> None:
    client = signed_in_client(world.manager)
    rows = csv_rows(client.get("/oversight/register/export.csv?state=reported&sort=oldest"))
    expected = [i.reference for i in world.birch_incidents if i.state == "reported"]
    assert [row[0] for row in rows[1:]] == sorted(expected)
    event = AuditEvent.objects.get(action="register.exported")
    assert event.actor_id == world.manager.pk
    assert event.details == {
        "format": "csv",
        "filters": {"states": ["reported"], "sort": "oldest"},
        "rows": len(expected),
    }

    client.get("/oversight/register/export.xlsx?severity=major")
    event = AuditEvent.objects.filter(action="register.exported").order_by("-sequence").first()
    assert event.details["format"] == "xlsx"
    assert event.details["rows"] == 1


def test_another_organisations_incidents_are_never_exported(world: World) -> None:
    rows = csv_rows(
        signed_in_client(world.champion).get(
            f"/oversight/register/export.csv?organisation={world.acorn.pk}"
        )
    )
    assert {row[0][:3] for row in rows[1:]} == {"ACN"}
    rows = csv_rows(signed_in_client(world.manager).get("/oversight/register/export.csv"))
    assert {row[0][:3] for row in rows[1:]} == {"BIR"}


def test_bad_filters_or_too_many_rows_are_explained_not_exported(world: World, monkeypatch) -> None:
    client = signed_in_client(world.manager)
    response = client.get("/oversight/register/export.csv?reported_from_day=99")
    assert response.status_code == 400
    assert "Correct the filters on the register" in response.content.decode()

    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 2)
    response = client.get("/oversight/register/export.xlsx")
    assert response.status_code == 400
    assert "More than 2 incidents match" in response.content.decode()
    assert not AuditEvent.objects.filter(action="register.exported").exists()
