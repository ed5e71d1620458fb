"""Shapes of the handling operations: classify, verify, assign, the investigation record.

They validate and shape; they never save. Texts go through the reporting schemas' checks
(no NUL, storable as UTF-8), so bad input is a 422 naming the field, never a 500 from
the database. No shape here has a field for a reporter's account: `IncidentOut.reporter`
is a string the route fills in, and only with a name the caller may be told.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field
from pydantic_core import PydanticCustomError

from incidentdesk.api.reporting_schemas import LONG_TEXT, MEDIUM_TEXT, Text
from incidentdesk.incidents.enisa import (
    AVAILABILITY,
    CONFIDENTIALITY,
    EASE_OF_IDENTIFICATION,
    INTEGRITY,
)
from incidentdesk.incidents.models import (
    Category,
    InformationCategory,
    Kind,
    PersonalData,
    ReportingMode,
    State,
)
from incidentdesk.investigations.models import (
    ActionKind,
    ActionStatus,
    DisciplinaryDecision,
    EvidenceKind,
    RiskStatus,
    StepStatus,
)

LIST_LIMIT_MAX = 100
LIST_LIMIT_DEFAULT = 50
NAME_TEXT = 200
# Literal types built from the ENISA tables, so the document lists the allowed words.
EaseOfIdentification = Literal["negligible", "limited", "significant", "maximum"]
Confidentiality = Literal["none", "known", "unknown"]
Integrity = Literal["none", "recoverable", "not_recoverable"]
Availability = Literal["none", "temporary", "permanent"]
assert set(EaseOfIdentification.__args__) == set(EASE_OF_IDENTIFICATION)  # type: ignore[attr-defined]
assert set(Confidentiality.__args__) == set(CONFIDENTIALITY)  # type: ignore[attr-defined]
assert set(Integrity.__args__) == set(INTEGRITY)  # type: ignore[attr-defined]
assert set(Availability.__args__) == set(AVAILABILITY)  # type: ignore[attr-defined]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "Enter some text")
    return value


Required = Annotated[Text, AfterValidator(_not_blank)]
# Enough to catch a name typed where an address belongs; the person is then looked up.
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]


class In(Schema):
    # An unknown field is a mistake the caller should hear about, not silently dropped.
    model_config = ConfigDict(extra="forbid")


# --- Incidents ----------------------------------------------------------------------------


class PersonOut(Schema):
    full_name: str
    email: str


class IncidentSummaryOut(Schema):
    """One line of the list. Never the reporter: the list is for finding incidents."""

    reference: str = Field(description="As in CODE-2026-0042.")
    organisation: str = Field(description="The organisation's slug.")
    state: State
    mode: ReportingMode
    kind: Kind | Literal[""]
    category: Category | Literal[""]
    severity: str = Field(description="The profile's severity key; empty until classified.")
    is_serious: bool = Field(description="Major or critical: referred to the DPO.")
    reported_at: datetime.datetime
    investigator: PersonOut | None


class IncidentPageOut(Schema):
    items: list[IncidentSummaryOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class InvolvementOut(Schema):
    full_name: str
    duty: str
    role: str = Field(description="referral (must acknowledge), support or safeguarding.")
    since: datetime.datetime
    acknowledged_at: datetime.datetime | None


class StepOut(Schema):
    letter: str
    title: str
    status: StepStatus
    what_was_done: str
    not_applicable_reason: str
    disciplinary_decision: DisciplinaryDecision | Literal[""]
    updated_at: datetime.datetime


class InterviewOut(Schema):
    id: int
    person_spoken_to: str
    spoken_at: datetime.datetime
    spoken_by: str
    notes: str
    created_at: datetime.datetime


class EvidenceOut(Schema):
    id: int
    kind: EvidenceKind
    title: str
    description: str
    original_name: str
    content_type: str
    size: int | None
    sha256: str = Field(description="The SHA-256 of the file (or of the note's text).")
    collected_by: str
    collected_at: datetime.datetime
    created_at: datetime.datetime


class RiskOut(Schema):
    id: int
    description: str
    likelihood: int
    impact: int
    score: int
    owner: str
    mitigation: str
    status: RiskStatus


class ActionOut(Schema):
    id: int
    kind: ActionKind
    description: str
    owner: PersonOut
    due_on: datetime.date
    status: ActionStatus
    done_at: datetime.datetime | None


class NoteOut(Schema):
    id: int
    body: str
    author: str
    created_at: datetime.datetime


class IncidentOut(Schema):
    """An incident as its handlers see it, with the investigation so far."""

    reference: str
    organisation: str
    state: State
    state_label: str
    allowed_actions: list[str] = Field(
        description="The `action`s of transition_incident that the state allows now "
        "(whether the caller may take them is decided when they try)."
    )
    mode: ReportingMode
    reporter: str = Field(
        description="The reporter's name for a named report; “confidential” or "
        "“anonymous” otherwise. A confidential reporter is never named by the API."
    )
    what_happened: str
    reported_kind: Kind | Literal[""]
    reported_at: datetime.datetime
    reported_out_of_hours: bool
    occurred_on: datetime.date | None
    discovered_at: datetime.datetime | None
    location: str
    information_categories: list[str]
    kind: Kind | Literal[""]
    category: Category | Literal[""]
    personal_data: PersonalData | Literal[""]
    confidentiality_affected: bool
    integrity_affected: bool
    availability_affected: bool
    severity: str
    severity_reason: str
    is_serious: bool
    policies_breached: list[str]
    classified_at: datetime.datetime | None
    verified_at: datetime.datetime | None
    verified_by: str | None
    verification_notes: str
    safeguarding_flagged: bool
    investigator: PersonOut | None
    closed_at: datetime.datetime | None
    closure_reason: str
    anonymised_at: datetime.datetime | None = Field(
        description="When the retention policy removed the names and free text; the text "
        "fields are then empty and `what_happened` says when they were removed."
    )
    involvements: list[InvolvementOut]
    steps: list[StepOut]
    interviews: list[InterviewOut]
    evidence: list[EvidenceOut]
    risks: list[RiskOut]
    actions: list[ActionOut]
    notes: list[NoteOut]


# --- Handling -----------------------------------------------------------------------------


class EnisaIn(In):
    """The ENISA aid's inputs. The answer records its proposal; the severity is yours."""

    categories: list[InformationCategory] = Field(
        default_factory=list, max_length=len(InformationCategory)
    )
    ease_of_identification: EaseOfIdentification
    confidentiality: Confidentiality = "none"
    integrity: Integrity = "none"
    availability: Availability = "none"
    malicious: bool = False


class ClassifyIn(In):
    kind: Kind
    category: Category
    personal_data: PersonalData
    severity: str = Field(
        min_length=1, max_length=30, description="A key of the profile's scheme, as “major”."
    )
    severity_reason: Required = Field(max_length=MEDIUM_TEXT)
    confidentiality_affected: bool = False
    integrity_affected: bool = False
    availability_affected: bool = False
    policies_breached: list[Annotated[Text, Field(max_length=200)]] = Field(
        default_factory=list,
        max_length=50,
        description="Names of the profile's information policies that were breached.",
    )
    safeguarding: bool = Field(
        False, description="Safeguarding information is involved: the lead is brought in."
    )
    enisa: EnisaIn | None = None


class VerifyIn(In):
    what_was_checked: Required = Field(max_length=MEDIUM_TEXT)


class AssignIn(In):
    investigator: Email = Field(description="The investigator's e-mail address.")


class TransitionIn(In):
    action: str = Field(
        min_length=1,
        max_length=40,
        description="close, not_an_incident, submit_outcome, return_outcome, reopen, …",
    )
    reason: Text = Field("", max_length=MEDIUM_TEXT)


# --- The investigation --------------------------------------------------------------------


class StepIn(In):
    status: StepStatus
    what_was_done: Text = Field("", max_length=LONG_TEXT)
    not_applicable_reason: Text = Field(
        "", max_length=MEDIUM_TEXT, description="Required when the status is not_applicable."
    )
    disciplinary_decision: DisciplinaryDecision | None = Field(
        None, description="Step h only: the decision either way; say why in what_was_done."
    )


class InterviewIn(In):
    person_spoken_to: Required = Field(max_length=NAME_TEXT)
    spoken_at: AwareDatetime
    spoken_by: Required = Field(max_length=NAME_TEXT)
    notes: Required = Field(max_length=LONG_TEXT)


class RiskIn(In):
    description: Required = Field(max_length=MEDIUM_TEXT)
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    owner: Required = Field(max_length=NAME_TEXT)
    mitigation: Text = Field("", max_length=MEDIUM_TEXT)
    status: RiskStatus = RiskStatus.OPEN


class ActionIn(In):
    kind: ActionKind
    description: Required = Field(max_length=MEDIUM_TEXT)
    owner: Email = Field(description="The e-mail of the person who owns the action.")
    due_on: datetime.date


class ActionUpdateIn(In):
    status: ActionStatus


class NoteIn(In):
    body: Required = Field(max_length=LONG_TEXT)
