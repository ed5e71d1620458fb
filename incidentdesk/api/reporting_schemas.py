"""Shapes of the reporting operations. They validate and shape; they never save.

Every text is checked for what the database would refuse (a NUL character, a lone
surrogate that cannot be written as UTF-8) and every date for what it cannot hold, so
bad input is a 422 naming the field, never a 500 from the database.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from django.utils import timezone
from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from incidentdesk.incidents.models import (
    InformationCategory,
    InformationForm,
    Kind,
    PeopleCount,
    ReportingMode,
    Source,
    State,
    WhoseInformation,
)
from incidentdesk.reporting.services import ReportDetails

LONG_TEXT = 10_000
MEDIUM_TEXT = 5_000
MESSAGE_MAX_LENGTH = 5_000
# A receipt is 20 characters, 23 with its dashes; room for spaces a person typed.
RECEIPT_MAX_LENGTH = 60
IDEMPOTENCY_KEY_MAX_LENGTH = 100
# Visible ASCII: what fits in a header and in the incident's key column on any database.
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,100}$"
EARLIEST_DATE = datetime.date(1900, 1, 1)
# A client's clock may run a little fast; more than this is a mistake, not drift.
CLOCK_SLACK = datetime.timedelta(minutes=5)


def _storable(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Remove the NUL character from the text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "not_utf8", "The text contains characters that cannot be stored"
        ) from None
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "Enter some text")
    return value


Text = Annotated[str, AfterValidator(_storable)]


def _unique(values: list) -> list:
    return list(dict.fromkeys(values))


class ReportDetailsIn(Schema):
    """What the reporter tells us; only `what_happened` is required. The lists take the
    values of the report form's checkboxes."""

    model_config = ConfigDict(extra="forbid")

    what_happened: Annotated[Text, AfterValidator(_not_blank)] = Field(
        max_length=LONG_TEXT, description="What happened, in the reporter's words."
    )
    reported_kind: Kind | None = Field(
        None, description="What the reporter thinks happened; leave out for not sure."
    )
    occurred_on: datetime.date | None = Field(None, description="Leave out for not sure.")
    occurred_time: datetime.time | None = None
    discovered_at: AwareDatetime | None = Field(
        None, description="When it was found, with its time-zone offset."
    )
    how_discovered: Text = Field("", max_length=MEDIUM_TEXT)
    location: Text = Field("", max_length=300)
    whose_information: Annotated[list[WhoseInformation], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=len(WhoseInformation)
    )
    people_count: PeopleCount | None = None
    information_categories: Annotated[list[InformationCategory], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=len(InformationCategory)
    )
    information_forms: Annotated[list[InformationForm], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=len(InformationForm)
    )
    people_involved: Text = Field("", max_length=MEDIUM_TEXT)
    already_done: Text = Field("", max_length=MEDIUM_TEXT)
    source: Source = Source.STAFF
    supplier_name: Text = Field("", max_length=200, validate_default=True)

    # Field by field, so each error names its field (the 422 lists them by place).
    @field_validator("occurred_on")
    @classmethod
    def _occurred_in_the_past(cls, value: datetime.date | None) -> datetime.date | None:
        if value is not None and not EARLIEST_DATE <= value <= timezone.localdate():
            raise PydanticCustomError("date_not_past", "Enter a date that is today or in the past")
        return value

    @field_validator("occurred_time")
    @classmethod
    def _time_needs_a_date(
        cls, value: datetime.time | None, info: ValidationInfo
    ) -> datetime.time | None:
        if value is not None and info.data.get("occurred_on") is None:
            raise PydanticCustomError(
                "time_without_date", "Give occurred_on with occurred_time, or leave both out"
            )
        return value

    @field_validator("discovered_at")
    @classmethod
    def _discovered_in_the_past(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        if value is None:
            return value
        # Compared in UTC: a date near year 1 with an offset cannot be turned into UTC
        # by the database layer, so it is refused here first.
        if value.year <= EARLIEST_DATE.year:
            raise PydanticCustomError("date_too_early", "Enter a time after 1 January 1900")
        if value > timezone.now() + CLOCK_SLACK:
            raise PydanticCustomError("date_not_past", "Enter a time that is now or in the past")
        return value

    @field_validator("supplier_name")
    @classmethod
    def _supplier_named(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("source") == Source.SUPPLIER and not value.strip():
            raise PydanticCustomError(
                "supplier_name_missing", "Enter the supplier's name when the source is a supplier"
            )
        return value

    def to_details(self) -> ReportDetails:
        return ReportDetails(
            what_happened=self.what_happened.strip(),
            reported_kind=self.reported_kind or "",
            occurred_on=self.occurred_on,
            occurred_time=self.occurred_time,
            discovered_at=self.discovered_at,
            how_discovered=self.how_discovered.strip(),
            location=self.location.strip(),
            whose_information=[str(v) for v in self.whose_information],
            people_count=self.people_count or "",
            information_categories=[str(v) for v in self.information_categories],
            information_forms=[str(v) for v in self.information_forms],
            people_involved=self.people_involved.strip(),
            already_done=self.already_done.strip(),
            source=self.source,
            supplier_name=self.supplier_name.strip() if self.source == Source.SUPPLIER else "",
        )


class ReportIn(ReportDetailsIn):
    """A report by a signed-in member of staff, for one of their organisations."""

    organisation: Text = Field(
        max_length=60, description="The slug of one of the caller's organisations."
    )
    mode: ReportingMode = Field(
        description="named: the manager sees your name; confidential: only the incident "
        "manager can see it, and each look is recorded; anonymous: your name is not kept."
    )


class ReportOut(Schema):
    reference: str = Field(description="As in CODE-2026-0042.")
    state: State
    reported_at: datetime.datetime
    out_of_hours: bool = Field(description="Reported outside the organisation's working hours.")
    receipt: str | None = Field(
        None,
        description="For an anonymous report: the code to follow it up with. Shown once "
        "(and again to a retry with the same Idempotency-Key within an hour); keep it.",
    )


class AnonymousReportOut(Schema):
    """No reference: an anonymous reporter follows their report up by receipt alone."""

    receipt: str | None = Field(
        description="The code to follow the report up with. Keep it: it cannot be shown "
        "again (a retry with the same Idempotency-Key within an hour shows it again)."
    )
    status: str
    detail: str


class ReceiptIn(Schema):
    model_config = ConfigDict(extra="forbid")

    receipt: Text = Field(min_length=1, max_length=RECEIPT_MAX_LENGTH)


class AnonymousMessageIn(ReceiptIn):
    body: Annotated[Text, AfterValidator(_not_blank)] = Field(max_length=MESSAGE_MAX_LENGTH)


class AnonymousMessageOut(Schema):
    from_reporter: bool
    sender: str = Field(description="“You”, or “The people handling your report”: never a name.")
    body: str
    sent_at: datetime.datetime


class AnonymousStatusOut(Schema):
    status: str = Field(description="Where the report is, in plain words.")
    explanation: str
    messages: list[AnonymousMessageOut]
