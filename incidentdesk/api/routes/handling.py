"""Handling an incident through the API: the list, one incident, and every change to it.

The same selectors and services as the incident pages, so an API change is the same
change: the same checks, audit events, notices and deadlines. Each operation gets its
incident from `incident_for_user`, so an incident the caller may not view is a 404,
whether it exists elsewhere or not (another organisation's included); a visible incident
the caller may not change is the service's PermissionDenied, a 403. A change the
incident's state refuses (`TransitionRefused`) is a 409 with the service's sentence.

A confidential reporter is never named here: `_reporter_shown` is the one place a
reporter's name is read, and it reads it only for a named report.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Header, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import AwareDatetime, Field

from incidentdesk.api.handling_schemas import (
    LIST_LIMIT_DEFAULT,
    LIST_LIMIT_MAX,
    ActionIn,
    ActionOut,
    ActionUpdateIn,
    AssignIn,
    ClassifyIn,
    EvidenceOut,
    IncidentOut,
    IncidentPageOut,
    InterviewIn,
    InterviewOut,
    InvolvementOut,
    NoteIn,
    NoteOut,
    PersonOut,
    RiskIn,
    RiskOut,
    StepIn,
    StepOut,
    TransitionIn,
    VerifyIn,
)
from incidentdesk.api.reporting_schemas import IDEMPOTENCY_KEY_PATTERN
from incidentdesk.api.routes import reporting
from incidentdesk.api.schemas import responses
from incidentdesk.api.services import (
    IdempotencyKeyReused,
    idempotent_result,
    remember_idempotent_result,
)
from incidentdesk.incidents import rules, services
from incidentdesk.incidents.enisa import assess
from incidentdesk.incidents.models import Incident, ReportingMode, State
from incidentdesk.incidents.selectors import incident_for_user, newest_visible
from incidentdesk.incidents.states import TransitionRefused, allowed_actions
from incidentdesk.investigations import services as investigation
from incidentdesk.investigations.models import (
    Action,
    Evidence,
    Interview,
    InvestigationStep,
    Note,
    Risk,
)
from incidentdesk.investigations.selectors import action_for, evidence_for, step_for, workspace
from incidentdesk.investigations.services import InvestigationRefused
from incidentdesk.organisations.models import Person

router = Router(tags=["handling"])

CONFIDENTIAL = "confidential"
ANONYMOUS = "anonymous"
BAD_CURSOR = "This cursor was not given by list_incidents: start again without one."
NO_SUCH_PERSON = "No one with this e-mail address works in this school or its trust."
UNKNOWN_POLICIES = "These are not information policies of this school's policy: {names}."
KEY_REUSED = (
    "This Idempotency-Key was already used for different evidence. Send a new key with "
    "each new piece of evidence, and the same key only to retry the same one."
)
HASH_MISMATCH = (
    "This evidence file no longer matches the SHA-256 fingerprint recorded when it was "
    "collected, so it may have been changed. It has not been sent. The mismatch is in its "
    "custody log; tell the incident manager."
)
# A downloaded file is evidence, not a page: never rendered or run, as on the pages.
DOWNLOAD_CSP = "default-src 'none'; sandbox"

Reference = Annotated[str, Path(max_length=30, description="As in CODE-2026-0042.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Optional. Sending the same evidence again with the same key returns "
        "the first answer instead of keeping a second copy.",
    ),
]


def _person(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _incident(request: HttpRequest, reference: str) -> Incident:
    return incident_for_user(person=_person(request), reference=reference)


@contextmanager
def _refusals() -> Iterator[None]:
    """A service's refusal as the answer it is: 409 for the state, 422 for the input.

    PermissionDenied is left to the API's handler (403 with the service's message).
    """
    try:
        yield
    except TransitionRefused as exc:
        raise HttpError(409, str(exc)) from None
    except InvestigationRefused as exc:
        raise _refused(exc) from None


def _refused(exc: InvestigationRefused, where: str = "body") -> Exception:
    """A field's refusal is the caller's input (422, by field); one that belongs to no
    field is the incident's state, as "this incident is closed" (409)."""
    fields = {name: message for name, message in exc.errors.items() if name}
    if not fields:
        return HttpError(409, str(exc))
    return NinjaValidationError(
        [
            {"loc": [where, name], "msg": message, "type": "refused"}
            for name, message in fields.items()
        ]
    )


def _field_error(where: list[str], message: str, kind: str) -> NinjaValidationError:
    return NinjaValidationError([{"loc": where, "msg": message, "type": kind}])


# --- Shaping ------------------------------------------------------------------------------


def _person_out(person: Person | None) -> PersonOut | None:
    if person is None:
        return None
    return PersonOut(full_name=person.full_name, email=person.email)


def _reporter_shown(person: Person, incident: Incident) -> str:
    """What the answer says about the reporter. The one place a reporter's name is read.

    A confidential reporter is "confidential" even to the incident manager: the API has
    no audited reveal, and a name in a JSON answer ends up in scripts and their logs.
    """
    if incident.mode == ReportingMode.ANONYMOUS:
        return ANONYMOUS
    if incident.mode != ReportingMode.NAMED:
        return CONFIDENTIAL
    if not rules.may_see_reporter_identity(person, incident):
        return CONFIDENTIAL
    name = Person.objects.filter(pk=incident.reporter_id).values_list("full_name", flat=True)
    return name.first() or CONFIDENTIAL


# The columns a summary shows, read as values: an incident has some fifty, with long text
# and JSON, and its investigator a password hash and more; and a page of model instances
# costs more to build than its query.
SUMMARY_VALUES = (
    "pk",
    "reference",
    "organisation__slug",
    "state",
    "mode",
    "kind",
    "category",
    "severity",
    "is_serious",
    "reported_at",
    "investigator_id",
    "investigator__full_name",
    "investigator__email",
)


def _summary_out(row: tuple) -> dict[str, Any]:
    """One line of the list (IncidentSummaryOut) from a row of SUMMARY_VALUES."""
    (_, reference, slug, state, mode, kind, category, severity, serious, at, investigator_id,
     investigator_name, investigator_email) = row  # fmt: skip
    return {
        "reference": reference,
        "organisation": slug,
        "state": state,
        "mode": mode,
        "kind": kind,
        "category": category,
        "severity": severity,
        "is_serious": serious,
        "reported_at": at,
        "investigator": None
        if investigator_id is None
        else {"full_name": investigator_name, "email": investigator_email},
    }


def _step_out(step: InvestigationStep) -> StepOut:
    return StepOut(
        letter=step.letter,
        title=step.title,
        status=step.status,
        what_was_done=step.what_was_done,
        not_applicable_reason=step.not_applicable_reason,
        disciplinary_decision=step.disciplinary_decision,
        updated_at=step.updated_at,
    )


def _interview_out(interview: Interview) -> InterviewOut:
    return InterviewOut(
        id=interview.pk,
        person_spoken_to=interview.person_spoken_to,
        spoken_at=interview.spoken_at,
        spoken_by=interview.spoken_by,
        notes=interview.notes,
        created_at=interview.created_at,
    )


def _evidence_out(evidence: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=evidence.pk,
        kind=evidence.kind,
        title=evidence.title,
        description=evidence.description,
        original_name=evidence.original_name,
        content_type=evidence.content_type,
        size=evidence.size,
        sha256=evidence.sha256,
        collected_by=evidence.collected_by,
        collected_at=evidence.collected_at,
        created_at=evidence.created_at,
    )


def _risk_out(risk: Risk) -> RiskOut:
    return RiskOut(
        id=risk.pk,
        description=risk.description,
        likelihood=risk.likelihood,
        impact=risk.impact,
        score=risk.score,
        owner=risk.owner,
        mitigation=risk.mitigation,
        status=risk.status,
    )


def _action_out(action: Action) -> ActionOut:
    return ActionOut(
        id=action.pk,
        kind=action.kind,
        description=action.description,
        owner=_person_out(action.owner),  # type: ignore[arg-type]  # owner is required
        due_on=action.due_on,
        status=action.status,
        done_at=action.done_at,
    )


def _note_out(note: Note) -> NoteOut:
    author = note.created_by.full_name if note.created_by else "Incident Desk"
    return NoteOut(id=note.pk, body=note.body, author=author, created_at=note.created_at)


def _incident_out(person: Person, incident: Incident) -> IncidentOut:
    """The incident with its investigation so far: a handful of queries, one per list."""
    incident = (
        Incident.objects.select_related(
            "organisation__profile",
            "organisation__trust__profile",
            "investigator",
            "verified_by",
        )
        .prefetch_related("policies_breached")
        .get(pk=incident.pk)
    )
    involvements = incident.involvements.select_related("person")
    record = workspace(incident)
    return IncidentOut(
        reference=incident.reference,
        organisation=incident.organisation.slug,
        state=incident.state,
        state_label=State(incident.state).label,
        # An anonymised incident cannot be reopened (incidents/retention.py).
        allowed_actions=[]
        if incident.anonymised_at
        else [t.action for t in allowed_actions(incident.state)],
        mode=incident.mode,
        reporter=_reporter_shown(person, incident),
        what_happened=incident.what_happened,
        reported_kind=incident.reported_kind,
        reported_at=incident.reported_at,
        reported_out_of_hours=incident.reported_out_of_hours,
        occurred_on=incident.occurred_on,
        discovered_at=incident.discovered_at,
        location=incident.location,
        information_categories=list(incident.information_categories or []),
        kind=incident.kind,
        category=incident.category,
        personal_data=incident.personal_data,
        confidentiality_affected=incident.confidentiality_affected,
        integrity_affected=incident.integrity_affected,
        availability_affected=incident.availability_affected,
        severity=incident.severity,
        severity_reason=incident.severity_reason,
        is_serious=incident.is_serious,
        policies_breached=[p.name for p in incident.policies_breached.all()],
        classified_at=incident.classified_at,
        verified_at=incident.verified_at,
        verified_by=incident.verified_by.full_name if incident.verified_by else None,
        verification_notes=incident.verification_notes,
        safeguarding_flagged=incident.safeguarding_flagged,
        investigator=_person_out(incident.investigator),
        closed_at=incident.closed_at,
        closure_reason=incident.closure_reason,
        anonymised_at=incident.anonymised_at,
        involvements=[
            InvolvementOut(
                full_name=i.person.full_name,
                duty=i.duty,
                role=i.role,
                since=i.created_at,
                acknowledged_at=i.acknowledged_at,
            )
            for i in involvements
        ],
        steps=[_step_out(s) for s in record.steps],
        interviews=[_interview_out(i) for i in record.interviews],
        evidence=[_evidence_out(e) for e in record.evidence],
        risks=[_risk_out(r) for r in record.risks],
        actions=[_action_out(a) for a in record.actions],
        notes=[_note_out(n) for n in record.notes],
    )


# --- The list -----------------------------------------------------------------------------


class ListFilters(Schema):
    state: State | None = Field(None, description="Only incidents in this state.")
    severity: str | None = Field(
        None, max_length=30, description="Only incidents of this severity key, as “major”."
    )
    limit: int = Field(LIST_LIMIT_DEFAULT, ge=1, le=LIST_LIMIT_MAX)
    cursor: str | None = Field(
        None, max_length=200, description="The next_cursor of the previous page."
    )


def _encode_cursor(reported_at: datetime.datetime, pk: int) -> str:
    raw = f"{reported_at.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, pk = raw.partition("|")
        at = datetime.datetime.fromisoformat(when)
        if at.tzinfo is None:
            raise ValueError(when)
        return at, int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _field_error(["query", "cursor"], BAD_CURSOR, "cursor") from None


def _list_incidents(
    request: HttpRequest, filters: Query[ListFilters]
) -> IncidentPageOut:  # registered below, on the reporting router
    """The incidents the caller may view, newest report first, at most `limit` a page.

    Keyset pagination (the cursor is the last line's place), so a page costs the same
    however deep it is, and an incident reported meanwhile does not shift the pages.
    One query for the page whatever its length; the reporter is never in it.
    """
    where = Q()
    if filters.state:
        where &= Q(state=filters.state)
    if filters.severity:
        where &= Q(severity=filters.severity)
    after = _decode_cursor(filters.cursor) if filters.cursor else None
    # One more than asked tells whether there is a next page, without a count.
    page = list(
        newest_visible(
            _person(request), where=where, after=after, limit=filters.limit + 1
        ).values_list(*SUMMARY_VALUES)
    )
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {  # type: ignore[return-value]  # IncidentPageOut's shape, checked by ninja
        "items": [_summary_out(row) for row in page],
        "next_cursor": _encode_cursor(page[-1][9], page[-1][0]) if more else None,
    }


# `/incidents` already has the reporting router's POST (report_incident). Ninja makes one
# URL pattern per router and path, and Django takes the first match, so a second router's
# GET on the same path would never be reached (405): the GET joins the same path there.
reporting.router.add_api_operation(
    "/incidents",
    ["GET"],
    _list_incidents,
    response=responses({200: IncidentPageOut}, 422),
    operation_id="list_incidents",
    summary="List the incidents you handle",
    tags=["handling"],
)


# --- One incident -------------------------------------------------------------------------


@router.get(
    "/incidents/{reference}",
    response=responses({200: IncidentOut}, 404, 422),
    operation_id="get_incident",
    summary="Show an incident",
)
def get_incident(request: HttpRequest, reference: Reference) -> IncidentOut:
    """The incident, its classification, who is involved, and its investigation so far.

    `reporter` names a named report's reporter; a confidential report says
    “confidential” (to everyone: the API never names a confidential reporter), an
    anonymous one “anonymous”.
    """
    incident = _incident(request, reference)
    return _incident_out(_person(request), incident)


@router.post(
    "/incidents/{reference}/classify",
    response=responses({200: IncidentOut}, 403, 404, 409, 422),
    operation_id="classify_incident",
    summary="Classify an incident",
)
def classify_incident(
    request: HttpRequest, reference: Reference, payload: ClassifyIn
) -> IncidentOut:
    """Kind, category, severity and the reasons: the incident manager's decision.

    A first classification moves a new report on. Major and critical incidents are referred
    to the DPO and brought to the SIRO or governors. With `enisa`, the ENISA aid's
    proposal is kept beside the classification; the severity is still yours.
    """
    person = _person(request)
    incident = _incident(request, reference)
    enisa = None
    if payload.enisa is not None:
        result = assess(
            categories=[str(c) for c in payload.enisa.categories],
            ease_of_identification=payload.enisa.ease_of_identification,
            confidentiality=payload.enisa.confidentiality,
            integrity=payload.enisa.integrity,
            availability=payload.enisa.availability,
            malicious=payload.enisa.malicious,
        )
        enisa = {
            **payload.enisa.model_dump(mode="json"),
            "score": str(result.score),
            "band": result.band,
            "suggested_severity": result.suggested_severity,
            "explanation": result.explanation,
        }
    data = services.ClassificationInput(
        kind=payload.kind,
        category=payload.category,
        personal_data=payload.personal_data,
        severity=payload.severity,
        severity_reason=payload.severity_reason.strip(),
        confidentiality_affected=payload.confidentiality_affected,
        integrity_affected=payload.integrity_affected,
        availability_affected=payload.availability_affected,
        policies_breached=_policy_ids(person, incident, payload.policies_breached),
        safeguarding=payload.safeguarding,
        enisa=enisa,
    )
    with _refusals():
        incident = services.classify_incident(incident=incident, actor=person, data=data)
    return _incident_out(person, incident)


def _policy_ids(person: Person, incident: Incident, names: list[str]) -> tuple[int, ...]:
    """The profile's policies by name; a name it does not have is a 422, not ignored."""
    if not names:
        return ()
    if not rules.may_manage(person, incident):
        # Whoever may not classify hears that first, not which policies exist.
        return ()
    profile = incident.organisation.effective_profile
    found = dict(
        profile.information_policies.filter(name__in=names).values_list("name", "pk")
        if profile
        else []
    )
    unknown = [n for n in names if n not in found]
    if unknown:
        raise _field_error(
            ["body", "policies_breached"],
            UNKNOWN_POLICIES.format(names=", ".join(unknown)),
            "unknown_policy",
        )
    return tuple(found[n] for n in names)


@router.post(
    "/incidents/{reference}/verify",
    response=responses({200: IncidentOut}, 403, 404, 409, 422),
    operation_id="verify_incident",
    summary="Record that the details were verified",
)
def verify_incident(request: HttpRequest, reference: Reference, payload: VerifyIn) -> IncidentOut:
    """The incident manager records what they checked; who and when are kept with it."""
    person = _person(request)
    incident = _incident(request, reference)
    with _refusals():
        incident = services.verify_incident(
            incident=incident, actor=person, what_was_checked=payload.what_was_checked
        )
    return _incident_out(person, incident)


@router.post(
    "/incidents/{reference}/investigator",
    response=responses({200: IncidentOut}, 403, 404, 409, 422),
    operation_id="assign_investigator",
    summary="Assign the investigator",
)
def assign_investigator(
    request: HttpRequest, reference: Reference, payload: AssignIn
) -> IncidentOut:
    """Assign (or reassign) the investigator by e-mail; they are told, and the steps a–k
    are set out. They must work in the incident's school or its trust."""
    person = _person(request)
    incident = _incident(request, reference)
    if not rules.may_manage(person, incident):
        # Checked before the e-mail is looked up, so a refusal says nothing about who exists.
        raise HttpError(403, "Only the incident manager assigns.")
    investigator = Person.objects.filter(
        email__iexact=str(payload.investigator), is_active=True
    ).first()
    if investigator is None:
        raise HttpError(409, NO_SUCH_PERSON)
    with _refusals():
        incident = services.assign_investigator(
            incident=incident, actor=person, investigator=investigator
        )
    return _incident_out(person, incident)


@router.post(
    "/incidents/{reference}/referral/acknowledge",
    response=responses({200: IncidentOut}, 403, 404),
    operation_id="acknowledge_dpo_referral",
    summary="Acknowledge a referral (the DPO)",
)
def acknowledge_dpo_referral(request: HttpRequest, reference: Reference) -> IncidentOut:
    """The DPO (or whoever a major or critical incident was referred to) acknowledges it.

    Saying it again changes nothing. The incident cannot close until it is acknowledged.
    """
    person = _person(request)
    incident = _incident(request, reference)
    services.acknowledge_referral(incident=incident, actor=person)
    return _incident_out(person, incident)


@router.post(
    "/incidents/{reference}/transitions",
    response=responses({200: IncidentOut}, 403, 404, 409, 422),
    operation_id="transition_incident",
    summary="Move an incident on",
)
def transition_incident(
    request: HttpRequest, reference: Reference, payload: TransitionIn
) -> IncidentOut:
    """Close, reopen, submit or return the outcome, or close as not an incident.

    `get_incident` lists the actions the state allows. A move the state does not allow,
    a missing reason, or closing with steps unresolved or the DPO's acknowledgement
    missing is a 409 that says which.
    """
    person = _person(request)
    incident = _incident(request, reference)
    with _refusals():
        incident = services.transition(
            incident=incident, actor=person, action=payload.action, reason=payload.reason
        )
    return _incident_out(person, incident)


# --- The investigation --------------------------------------------------------------------


@router.put(
    "/incidents/{reference}/steps/{letter}",
    response=responses({200: StepOut}, 403, 404, 409, 422),
    operation_id="update_investigation_step",
    summary="Record an investigation step",
)
def update_investigation_step(
    request: HttpRequest,
    reference: Reference,
    letter: Annotated[str, Path(pattern=r"^[a-z]$", description="The step's letter, a to k.")],
    payload: StepIn,
) -> StepOut:
    """What was done for the step, or why it does not apply (a reason is required).

    Step h records the disciplinary decision either way, with why.
    """
    person = _person(request)
    incident = _incident(request, reference)
    step_for(incident=incident, letter=letter)  # 404 for a letter the policy does not have
    with _refusals():
        step = investigation.update_investigation_step(
            incident=incident,
            actor=person,
            letter=letter,
            status=payload.status,
            what_was_done=payload.what_was_done.strip(),
            not_applicable_reason=payload.not_applicable_reason.strip(),
            disciplinary_decision=payload.disciplinary_decision or "",
        )
    return _step_out(step)


@router.post(
    "/incidents/{reference}/interviews",
    response=responses({201: InterviewOut}, 403, 404, 409, 422),
    operation_id="add_interview",
    summary="Record an interview (step b)",
)
def add_interview(
    request: HttpRequest, reference: Reference, payload: InterviewIn
) -> Status[InterviewOut]:
    """Who was spoken to, when, by whom, and what they said."""
    person = _person(request)
    incident = _incident(request, reference)
    with _refusals():
        interview = investigation.add_interview(
            incident=incident,
            actor=person,
            person_spoken_to=payload.person_spoken_to.strip(),
            spoken_at=payload.spoken_at,
            spoken_by=payload.spoken_by.strip(),
            notes=payload.notes.strip(),
        )
    return Status(201, _interview_out(interview))


class EvidenceForm(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(
        "",
        max_length=10_000,
        description="What the file is; with no file, the note itself (then required).",
    )
    collected_by: str = Field("", max_length=200, description="Who collected it, if not you.")
    collected_at: AwareDatetime | None = Field(
        None, description="When it was collected, if not now; with its time-zone offset."
    )


@router.post(
    "/incidents/{reference}/evidence",
    response=responses({200: EvidenceOut, 201: EvidenceOut}, 403, 404, 409, 413, 422),
    operation_id="add_evidence",
    summary="Add evidence (step c)",
)
def add_evidence(
    request: HttpRequest,
    reference: Reference,
    form: Form[EvidenceForm],
    file: File[UploadedFile | None] = None,
    idempotency_key: IdempotencyKey = None,
) -> Status[EvidenceOut]:
    """A file (multipart/form-data, field `file`) or a note, kept with its SHA-256.

    The fingerprint is computed as it is stored, and a custody log begins. A retry with
    the same `Idempotency-Key` answers 200 with the first evidence.
    """
    person = _person(request)
    incident = _incident(request, reference)
    for name in ("title", "description", "collected_by"):
        if "\x00" in getattr(form, name):
            raise _field_error(["form", name], "Remove the NUL character from the text", "nul")
    if idempotency_key is None:
        return Status(201, _evidence_out(_add_evidence(person, incident, form, file)))
    fingerprint = _evidence_fingerprint(incident, form, file)
    try:
        earlier = idempotent_result(
            person=person, operation="add_evidence", key=idempotency_key, fingerprint=fingerprint
        )
    except IdempotencyKeyReused:
        raise HttpError(409, KEY_REUSED) from None
    if earlier is not None:
        return Status(200, _evidence_out(evidence_for(incident=incident, evidence_id=earlier)))
    evidence: Evidence | None = None
    try:
        with transaction.atomic():
            evidence = _add_evidence(person, incident, form, file)
            remember_idempotent_result(
                person=person,
                operation="add_evidence",
                key=idempotency_key,
                fingerprint=fingerprint,
                object_id=evidence.pk,
            )
    except IntegrityError:
        # A retry sent at the same moment got there first: this copy was rolled back
        # (its file removed), and the answer is the first one's.
        if evidence is not None and evidence.stored_name:
            default_storage.delete(evidence.stored_name)
        earlier = idempotent_result(
            person=person, operation="add_evidence", key=idempotency_key, fingerprint=fingerprint
        )
        if earlier is None:
            raise
        return Status(200, _evidence_out(evidence_for(incident=incident, evidence_id=earlier)))
    return Status(201, _evidence_out(evidence))


def _add_evidence(
    person: Person, incident: Incident, form: EvidenceForm, file: UploadedFile | None
) -> Evidence:
    with _refusals():
        return investigation.add_evidence(
            incident=incident,
            actor=person,
            title=form.title,
            description=form.description,
            file=file,
            collected_by=form.collected_by,
            collected_at=form.collected_at,
        )


def _evidence_fingerprint(incident: Incident, form: EvidenceForm, file: UploadedFile | None) -> str:
    """What makes two submissions the same evidence: the incident, the form, the bytes."""
    digest = hashlib.sha256()
    for part in (incident.reference, form.model_dump_json()):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    if file is not None:
        for chunk in file.chunks():
            digest.update(chunk)
        file.seek(0)
    return digest.hexdigest()


@router.get(
    "/incidents/{reference}/evidence/{evidence_id}/download",
    # The file is the answer, not JSON: its 200 is described by hand below.
    response=responses({}, 403, 404, 409),
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file as collected; X-Evidence-SHA256 is its fingerprint.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
    operation_id="download_evidence",
    summary="Download evidence, its fingerprint re-checked",
)
def download_evidence(request: HttpRequest, reference: Reference, evidence_id: int) -> Any:
    """The evidence file, after its SHA-256 is re-computed and compared with the recorded one.

    Each download is in the custody log. If the fingerprint no longer matches, nothing is
    sent: the answer is 409 saying so, and the mismatch is logged. A note has no file: 404.
    """
    person = _person(request)
    incident = _incident(request, reference)
    evidence = evidence_for(incident=incident, evidence_id=evidence_id)
    opened = investigation.open_evidence(evidence=evidence, actor=person)
    if opened.handle is None:
        raise HttpError(409, HASH_MISMATCH)
    response = FileResponse(
        opened.handle,
        as_attachment=True,
        filename=evidence.original_name or f"evidence-{evidence.pk}",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Evidence-SHA256"] = evidence.sha256
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/incidents/{reference}/risks",
    response=responses({201: RiskOut}, 403, 404, 409, 422),
    operation_id="add_risk",
    summary="Record a risk (step g)",
)
def add_risk(request: HttpRequest, reference: Reference, payload: RiskIn) -> Status[RiskOut]:
    """A risk of the incident, likelihood and impact from 1 to 5, its owner and mitigation."""
    person = _person(request)
    incident = _incident(request, reference)
    with _refusals():
        risk = investigation.add_risk(
            incident=incident,
            actor=person,
            description=payload.description.strip(),
            likelihood=payload.likelihood,
            impact=payload.impact,
            owner=payload.owner.strip(),
            mitigation=payload.mitigation.strip(),
            status=payload.status,
        )
    return Status(201, _risk_out(risk))


def _owner(email: str) -> Person:
    owner = Person.objects.filter(email__iexact=email, is_active=True).first()
    if owner is None:
        raise HttpError(409, NO_SUCH_PERSON)
    return owner


@router.post(
    "/incidents/{reference}/actions",
    response=responses({201: ActionOut}, 403, 404, 409, 422),
    operation_id="add_action",
    summary="Add an action (step j)",
)
def add_action(request: HttpRequest, reference: Reference, payload: ActionIn) -> Status[ActionOut]:
    """A remedial or preventive action with an owner and a due date, tracked to done."""
    person = _person(request)
    incident = _incident(request, reference)
    if not rules.may_investigate(person, incident):
        # Before the owner's e-mail is looked up: a refusal says nothing about who exists.
        raise HttpError(403, "Only the investigator or the incident manager adds actions.")
    with _refusals():
        action = investigation.add_action(
            incident=incident,
            actor=person,
            kind=payload.kind,
            description=payload.description.strip(),
            owner=_owner(str(payload.owner)),
            due_on=payload.due_on,
        )
    return Status(201, _action_out(action))


@router.patch(
    "/incidents/{reference}/actions/{action_id}",
    response=responses({200: ActionOut}, 403, 404, 409, 422),
    operation_id="update_action",
    summary="Update an action",
)
def update_action(
    request: HttpRequest, reference: Reference, action_id: int, payload: ActionUpdateIn
) -> ActionOut:
    """Its status: not started, in progress or done (done records when); also after the
    incident has closed, since the policy's controls outlive the case."""
    person = _person(request)
    incident = _incident(request, reference)
    action = action_for(incident=incident, action_id=action_id)
    with _refusals():
        action = investigation.update_action(action=action, actor=person, status=payload.status)
    return _action_out(action)


@router.post(
    "/incidents/{reference}/notes",
    response=responses({201: NoteOut}, 403, 404, 409, 422),
    operation_id="add_note",
    summary="Add an internal note",
)
def add_note(request: HttpRequest, reference: Reference, payload: NoteIn) -> Status[NoteOut]:
    """A note for the people handling the incident; never shown to the reporter."""
    person = _person(request)
    incident = _incident(request, reference)
    with _refusals():
        note = investigation.add_note(incident=incident, actor=person, body=payload.body.strip())
    return Status(201, _note_out(note))
