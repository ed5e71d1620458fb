"""The register's filtered rows as CSV (streamed) and XLSX (openpyxl, write-only).

Both are made for people who open them in a spreadsheet, which runs a cell that starts
with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula: such a
cell gets a leading single quote, so `=HYPERLINK(...)` is shown as text and never run.

A confidential reporter's name never leaves the database here (`export_rows` reads a
reporter's name only for a named report); an anonymous report has no one to name.
Every export is checked (`rules.may_see`) and recorded in the audit log with the filters
and the number of rows, before the first byte is sent.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from incidentdesk.audit.services import record_event
from incidentdesk.incidents import rules as incident_rules
from incidentdesk.incidents.models import Category, Incident, Kind, ReportingMode

from . import rules
from .register import RegisterFilters, RegisterScope, export_rows

# A spreadsheet of more rows than this is not read by anyone: narrow the filters.
EXPORT_MAX_ROWS = 100_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "Reference",
    "School or trust",
    "Reported",
    "State",
    "Kind",
    "Category",
    "Severity",
    "Policies breached",
    "How it was reported",
    "Reported by",
    "Where",
    "What happened",
    "Overdue",
)
CHUNK = 500


class TooManyRows(Exception):
    """More rows match than an export holds."""


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as it is: text that would start a formula gets a
    leading single quote; numbers and dates are left as they are."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _reported_by(incident: Incident) -> str:
    if incident.mode == ReportingMode.ANONYMOUS:
        return "Anonymous"
    if incident.mode == ReportingMode.CONFIDENTIAL:
        return "Confidential"
    return incident.reporter_shown or ""  # type: ignore[attr-defined]


def _row(incident: Incident) -> list[Any]:
    policies = "; ".join(policy.name for policy in incident.policies_breached.all())
    return [
        incident.reference,
        incident.organisation.name,
        timezone.localtime(incident.reported_at).replace(tzinfo=None, microsecond=0),
        incident.get_state_display(),
        Kind(incident.kind).label if incident.kind else "Not classified yet",
        Category(incident.category).label if incident.category else "",
        incident.severity_name or incident.severity,  # type: ignore[attr-defined]
        policies,
        incident.get_mode_display(),
        _reported_by(incident),
        incident.location,
        incident.what_happened,
        "Yes" if incident.is_overdue else "No",  # type: ignore[attr-defined]
    ]


@dataclass
class Export:
    rows: Iterable[list[Any]]
    count: int
    filename: str


def prepare_export(
    *,
    person: incident_rules.Someone,
    scope: RegisterScope,
    filters: RegisterFilters,
    file_format: str,
) -> Export:
    """Check the person may export, count the rows and record the export; the rows come
    lazily after. PermissionDenied for someone who may not use the register; TooManyRows
    when more than EXPORT_MAX_ROWS match (counting stops there)."""
    if not rules.may_see(person):
        raise PermissionDenied("Only those who may use the register may export it.")
    queryset = export_rows(person, scope, filters)
    count = queryset.order_by().values("pk")[: EXPORT_MAX_ROWS + 1].count()
    if count > EXPORT_MAX_ROWS:
        raise TooManyRows
    with transaction.atomic():
        record_event(
            actor=person,
            action="register.exported",
            object_type="register",
            object_label="Incident register",
            details={"format": file_format, "filters": filters.as_record(), "rows": count},
        )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    return Export(
        rows=(_row(incident) for incident in queryset.iterator(chunk_size=CHUNK)),
        count=count,
        filename=f"incident-register-{stamp}.{file_format}",
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """The CSV, a line at a time, each cell made safe. A byte-order mark first, so a
    spreadsheet reads the file as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow(
            [
                safe_cell(value.strftime("%Y-%m-%d %H:%M"))
                if isinstance(value, datetime.datetime)
                else safe_cell(value)
                for value in row
            ]
        )


def _xlsx_text(value: Any) -> Any:
    if isinstance(value, str):
        # Control characters make a workbook Excel refuses to open.
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(rows: Iterable[list[Any]]) -> IO[bytes]:
    """The XLSX in a temporary file (in memory while small), at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Incidents")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([_xlsx_text(value) for value in row])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115  # returned
    workbook.save(out)
    out.seek(0)
    return out
