"""Every write to an investigation: its steps a–k and the records they leave.

Each function checks who is asking (`rules.may_investigate`: the assigned investigator
or the incident manager), refuses to change a closed incident (actions excepted: they go
on being tracked after closure), saves, and writes the audit event, in one transaction,
so a change is either whole or absent. Refusals for what was entered raise
`InvestigationRefused` with a {field: message} dict that a form can show beside its
fields; refusals for who is asking raise PermissionDenied.

Opening an evidence file is a read, but it leaves a custody event and an audit event,
so it lives here too (`open_evidence`).
"""

from __future__ import annotations

import codecs
import datetime
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from incidentdesk.audit.services import changes_between, record_event
from incidentdesk.deadlines.services import schedule_for_incident
from incidentdesk.incidents import rules
from incidentdesk.incidents.models import Incident
from incidentdesk.organisations.models import Person
from incidentdesk.reporting.uploads import safe_original_name, sniff_type

from .models import (
    Action,
    ActionKind,
    ActionStatus,
    CommunicationItem,
    CustodyEvent,
    DisciplinaryDecision,
    Escalation,
    Evidence,
    EvidenceKind,
    ExpertHelp,
    Interview,
    InvestigationStep,
    Note,
    Risk,
    RiskStatus,
    Stakeholder,
    StepStatus,
    SubjectsInformed,
)

DISCIPLINARY_STEP = "h"
EVIDENCE_DIR = "evidence"
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
RISK_SCALE = range(1, 6)
_CHUNK = 64 * 1024


class InvestigationRefused(ValueError):
    """What was entered cannot be saved; `errors` says why, field by field.

    The key "" is for a refusal that belongs to no one field (a closed incident).
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


class StepRefused(InvestigationRefused):
    """A step cannot be marked so: a reason, what was done, or step h's decision is missing."""


class EvidenceRefused(InvestigationRefused):
    """An evidence file cannot be kept: too big, empty, or not of an allowed type."""


# --- Checks shared by every write -------------------------------------------------------


def _require_investigator(actor: Person, incident: Incident) -> None:
    if not rules.may_investigate(actor, incident):
        raise PermissionDenied("Only the investigator and the incident manager may do this.")


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise InvestigationRefused(
            {"": "This incident is closed. Reopen it to change the investigation."}
        )


def _require_text(errors: dict[str, str], field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _locked(incident: Incident) -> Incident:
    """The incident again, locked, so a concurrent close cannot slip past `_require_open`."""
    locked = Incident.objects.select_for_update().select_related("organisation").get(pk=incident.pk)
    return locked


def _record(actor: Person, event: str, incident: Incident, **details: Any) -> None:
    record_event(actor=actor, action=event, obj=incident, details=details)


def _writable(*, incident: Incident, actor: Person) -> Incident:
    incident = _locked(incident)
    _require_investigator(actor, incident)
    _require_open(incident)
    return incident


# --- Steps a–k --------------------------------------------------------------------------

_STEP_FIELDS = ["status", "what_was_done", "not_applicable_reason", "disciplinary_decision"]


@transaction.atomic
def update_investigation_step(
    *,
    incident: Incident,
    actor: Person,
    letter: str,
    status: str,
    what_was_done: str = "",
    not_applicable_reason: str = "",
    disciplinary_decision: str = "",
) -> InvestigationStep:
    """Marks one step: not started, in progress, done, or not applicable.

    Guarantees: "done" has what was done; "not applicable" has its reason; step h is
    never resolved (done or not applicable) without the decision either way (commenced or
    not) and the reason for it. Otherwise StepRefused with every problem at once. Text
    that does not belong to the status is cleared, so a step never shows a stale reason.
    InvestigationStep.DoesNotExist for a letter the investigation does not have.
    """
    incident = _writable(incident=incident, actor=actor)
    step = InvestigationStep.objects.select_for_update().get(incident=incident, letter=letter)
    is_disciplinary = step.letter == DISCIPLINARY_STEP
    errors: dict[str, str] = {}
    if status not in StepStatus.values:
        errors["status"] = "Choose whether you have completed this step"
    what_was_done = (what_was_done or "").strip()
    not_applicable_reason = (not_applicable_reason or "").strip()
    disciplinary_decision = (disciplinary_decision or "").strip()
    if status == StepStatus.DONE and not what_was_done:
        errors["what_was_done"] = (
            "Give the reason for the decision"
            if is_disciplinary
            else "Say what was done to complete this step"
        )
    if status == StepStatus.NOT_APPLICABLE and not not_applicable_reason:
        errors["not_applicable_reason"] = "Give the reason this step does not apply"
    if disciplinary_decision and disciplinary_decision not in DisciplinaryDecision.values:
        errors["disciplinary_decision"] = "Choose whether disciplinary action was commenced"
    if (
        is_disciplinary
        and status in {StepStatus.DONE, StepStatus.NOT_APPLICABLE}
        and not disciplinary_decision
    ):
        # The policy: "commence disciplinary action, or record why not". Passing over
        # step h in silence is exactly what it forbids.
        errors["disciplinary_decision"] = "Choose whether disciplinary action was commenced"
    if errors:
        raise StepRefused(errors)

    before = {f: getattr(step, f) for f in _STEP_FIELDS}
    step.status = status
    step.what_was_done = what_was_done if status != StepStatus.NOT_APPLICABLE else ""
    step.not_applicable_reason = (
        not_applicable_reason if status == StepStatus.NOT_APPLICABLE else ""
    )
    step.disciplinary_decision = disciplinary_decision if is_disciplinary else ""
    step.updated_at = timezone.now()
    step.updated_by = actor
    step.save()
    record_event(
        actor=actor,
        action="investigation.step_updated",
        obj=incident,
        changes=changes_between(before, {f: getattr(step, f) for f in _STEP_FIELDS}),
        details={"step": step.letter},
    )
    return step


# --- Records of the investigation ---------------------------------------------------------


@transaction.atomic
def add_stakeholder(
    *, incident: Incident, actor: Person, name: str, expected_outcome: str = ""
) -> Stakeholder:
    """Step a: a stakeholder and what they expect. The name is required."""
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    name = _require_text(errors, "name", name, "Enter who the stakeholder is")
    if errors:
        raise InvestigationRefused(errors)
    stakeholder = Stakeholder.objects.create(
        incident=incident,
        created_by=actor,
        name=name,
        expected_outcome=(expected_outcome or "").strip(),
    )
    _record(actor, "investigation.stakeholder_added", incident, stakeholder=stakeholder.pk)
    return stakeholder


@transaction.atomic
def add_interview(
    *,
    incident: Incident,
    actor: Person,
    person_spoken_to: str,
    spoken_at: datetime.datetime | None,
    spoken_by: str,
    notes: str,
) -> Interview:
    """Step b: who was spoken to, when, by whom, and what they said; all required."""
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    person_spoken_to = _require_text(
        errors, "person_spoken_to", person_spoken_to, "Enter who you spoke to"
    )
    spoken_by = _require_text(errors, "spoken_by", spoken_by, "Enter who spoke to them")
    notes = _require_text(errors, "notes", notes, "Enter what was said")
    if spoken_at is None:
        errors["spoken_at"] = "Enter when you spoke to them"
    elif spoken_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["spoken_at"] = "The time you spoke to them must be in the past"
    if errors:
        raise InvestigationRefused(errors)
    interview = Interview.objects.create(
        incident=incident,
        created_by=actor,
        person_spoken_to=person_spoken_to,
        spoken_at=spoken_at,
        spoken_by=spoken_by,
        notes=notes,
    )
    _record(actor, "investigation.interview_added", incident, interview=interview.pk)
    return interview


# --- Evidence -----------------------------------------------------------------------------

# Beyond the photos and PDFs reporting accepts: the text an investigator exports from a
# system (logs, CSV) and e-mails saved whole (.eml). Nothing that runs or has macros.
_EMAIL_HEADERS = (
    b"received:",
    b"return-path:",
    b"from:",
    b"to:",
    b"date:",
    b"subject:",
    b"message-id:",
    b"mime-version:",
    b"delivered-to:",
    b"x-",
)
ALLOWED_EVIDENCE_TYPES = (
    "image/jpeg, image/png, image/gif, image/webp, image/heic, application/pdf, "
    "text/plain, text/csv, message/rfc822"
)


def _is_utf8_text(upload: File) -> bool:
    """Whether the whole file is UTF-8 text with no control bytes beyond whitespace."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        for chunk in upload.chunks(_CHUNK):
            text = decoder.decode(chunk)
            if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


# Text that a browser would run as a page or a drawing, whatever the file is called: the
# start of an HTML, SVG or XML document (after a byte-order mark, blank lines or spaces).
_MARKUP_STARTS = (
    b"<!doctype",
    b"<html",
    b"<head",
    b"<body",
    b"<svg",
    b"<?xml",
    b"<!--",
    b"<script",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<meta",
    b"<xsl",
)


def _is_markup(upload: File) -> bool:
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().lower().startswith(_MARKUP_STARTS)


def evidence_content_type(upload: File) -> str:
    """The file's type, from its content (never from its name alone), or EvidenceRefused."""
    name = safe_original_name(getattr(upload, "name", "") or "")
    if not upload.size:
        raise EvidenceRefused({"file": f"{name} is empty. Choose the file again"})
    if upload.size > MAX_EVIDENCE_BYTES:
        raise EvidenceRefused({"file": f"{name} must be smaller than 20 MB"})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_type(head)
    if sniffed is not None:
        return sniffed
    if _is_utf8_text(upload):
        if _is_markup(upload):
            raise EvidenceRefused(
                {
                    "file": f"{name} is a web page or a drawing (HTML, SVG or XML), which can "
                    "hold a script. Save it as a PDF or take a screenshot of it instead"
                }
            )
        lowered = name.lower()
        if lowered.endswith(".eml") and head.lstrip().lower().startswith(_EMAIL_HEADERS):
            return "message/rfc822"
        if lowered.endswith(".csv"):
            return "text/csv"
        return "text/plain"
    raise EvidenceRefused(
        {
            "file": f"{name} must be a photo (JPG, PNG, HEIC, WEBP, GIF), a PDF, "
            "a text or CSV file, or a saved e-mail (.eml)"
        }
    )


@dataclass(frozen=True)
class StoredEvidenceFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def store_evidence_file(upload: File) -> StoredEvidenceFile:
    """Keeps the file under a random name in "evidence/", outside the web root.

    The SHA-256 is of the bytes read here, the same pass that measures the size, so the
    fingerprint shown is of exactly what was stored.
    """
    content_type = evidence_content_type(upload)
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    if size > MAX_EVIDENCE_BYTES:
        raise EvidenceRefused({"file": "The file must be smaller than 20 MB"})
    upload.seek(0)
    stored_name = default_storage.save(f"{EVIDENCE_DIR}/{secrets.token_hex(16)}", upload)
    return StoredEvidenceFile(
        stored_name=stored_name,
        original_name=safe_original_name(upload.name or ""),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


@transaction.atomic
def add_evidence(
    *,
    incident: Incident,
    actor: Person,
    title: str,
    description: str = "",
    file: File | None = None,
    collected_by: str = "",
    collected_at: datetime.datetime | None = None,
) -> Evidence:
    """Step c: a file (kept with its SHA-256) or, with no file, a note (its text hashed).

    A note needs its text in `description`. The first custody event, "collected", is
    written with the evidence. If saving fails after the file was stored, the file is
    removed again. EvidenceRefused for a file too big, empty or of a type not allowed.
    """
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    title = _require_text(errors, "title", title, "Enter a title for the evidence")
    description = (description or "").strip()
    if file is None and not description:
        errors["description"] = "Choose a file, or write the evidence as a note"
    if collected_at is not None and collected_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["collected_at"] = "The time it was collected must be in the past"
    if file is not None:
        try:
            evidence_content_type(file)
        except EvidenceRefused as refused:
            errors.update(refused.errors)
    if errors:
        raise InvestigationRefused(errors)
    stored = store_evidence_file(file) if file is not None else None
    try:
        evidence = _save_evidence(
            incident=incident,
            actor=actor,
            title=title,
            description=description,
            stored=stored,
            collected_by=collected_by,
            collected_at=collected_at,
        )
    except BaseException:
        # Storage is not transactional: take the file away again, so storage never
        # holds evidence the database does not know of.
        if stored is not None:
            default_storage.delete(stored.stored_name)
        raise
    return evidence


def _save_evidence(
    *,
    incident: Incident,
    actor: Person,
    title: str,
    description: str,
    stored: StoredEvidenceFile | None,
    collected_by: str,
    collected_at: datetime.datetime | None,
) -> Evidence:
    evidence = Evidence.objects.create(
        incident=incident,
        created_by=actor,
        kind=EvidenceKind.FILE if stored else EvidenceKind.NOTE,
        title=title,
        description=description,
        stored_name=stored.stored_name if stored else "",
        original_name=stored.original_name if stored else "",
        content_type=stored.content_type if stored else "",
        size=stored.size if stored else None,
        sha256=stored.sha256 if stored else hashlib.sha256(description.encode()).hexdigest(),
        collected_by=(collected_by or "").strip() or actor.full_name,
        collected_at=collected_at or timezone.now(),
    )
    CustodyEvent.objects.create(
        evidence=evidence, action="collected", person=actor, hash_matched=True
    )
    _record(
        actor,
        "evidence.added",
        incident,
        evidence=evidence.pk,
        kind=evidence.kind,
        sha256=evidence.sha256,
        size=evidence.size,
        content_type=evidence.content_type,
    )
    return evidence


@dataclass(frozen=True)
class OpenedEvidence:
    """An evidence file opened for download, and whether it is still what was collected.

    `handle` is None when the file has changed and the caller did not ask for it anyway.
    """

    handle: IO[bytes] | None
    matched: bool
    actual_sha256: str


def _hash_file(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(_CHUNK), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


@transaction.atomic
def open_evidence(
    *, evidence: Evidence, actor: Person, accept_changed: bool = False
) -> OpenedEvidence:
    """The stored file of `evidence`, re-hashed, with its custody and audit events.

    Guarantees: PermissionDenied for anyone who may not view the incident; Http404 for a
    note or a file missing from storage. The file is hashed again as it is opened:
    - it matches: a "downloaded" custody event (hash matched) and "evidence.downloaded";
    - it does not: a "hash_mismatch" custody event (hash not matched) and
      "evidence.hash_mismatch", and no handle, unless `accept_changed` (the person saw
      the warning and asked for the file as it is now): then also a "downloaded" custody
      event, hash not matched, and "evidence.downloaded". No handle leaves here without a
      "downloaded" custody event. The caller closes the handle (FileResponse does).
    """
    incident = evidence.incident
    if not rules.may_view(actor, incident):
        raise PermissionDenied
    if evidence.kind != EvidenceKind.FILE or not evidence.stored_name:
        raise Http404
    try:
        handle = default_storage.open(evidence.stored_name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    try:
        actual = _hash_file(handle)
        matched = secrets.compare_digest(actual, evidence.sha256)
        if not matched:
            CustodyEvent.objects.create(
                evidence=evidence, action="hash_mismatch", person=actor, hash_matched=False
            )
            _record(
                actor,
                "evidence.hash_mismatch",
                incident,
                evidence=evidence.pk,
                expected_sha256=evidence.sha256,
                actual_sha256=actual,
            )
        if matched or accept_changed:
            CustodyEvent.objects.create(
                evidence=evidence, action="downloaded", person=actor, hash_matched=matched
            )
            _record(
                actor,
                "evidence.downloaded",
                incident,
                evidence=evidence.pk,
                sha256=actual,
                hash_matched=matched,
            )
        else:
            handle.close()
            return OpenedEvidence(handle=None, matched=False, actual_sha256=actual)
    except BaseException:
        handle.close()
        raise
    return OpenedEvidence(handle=handle, matched=matched, actual_sha256=actual)


# --- Steps d–g and i ---------------------------------------------------------------------


@transaction.atomic
def add_expert_help(
    *, incident: Incident, actor: Person, expert: str, asked_for: str, given: str = ""
) -> ExpertHelp:
    """Step d: whose help was asked for, for what, and what they gave."""
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    expert = _require_text(errors, "expert", expert, "Enter who you asked for help")
    asked_for = _require_text(errors, "asked_for", asked_for, "Enter what you asked them for")
    if errors:
        raise InvestigationRefused(errors)
    help_ = ExpertHelp.objects.create(
        incident=incident,
        created_by=actor,
        expert=expert,
        asked_for=asked_for,
        given=(given or "").strip(),
    )
    _record(actor, "investigation.expert_help_added", incident, expert_help=help_.pk)
    return help_


@transaction.atomic
def add_escalation(
    *, incident: Incident, actor: Person, escalated_to: str, reason: str
) -> Escalation:
    """Step e: to whom the incident was escalated, and why; both required."""
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    escalated_to = _require_text(errors, "escalated_to", escalated_to, "Enter who it went to")
    reason = _require_text(errors, "reason", reason, "Enter why it was escalated")
    if errors:
        raise InvestigationRefused(errors)
    escalation = Escalation.objects.create(
        incident=incident, created_by=actor, escalated_to=escalated_to, reason=reason
    )
    _record(actor, "investigation.escalation_added", incident, escalation=escalation.pk)
    return escalation


@transaction.atomic
def add_subjects_informed(
    *,
    incident: Incident,
    actor: Person,
    who: str,
    informed_at: datetime.datetime | None,
    how: str,
    informed_by: str,
) -> SubjectsInformed:
    """Step f: the people whose information it was, told: who, when, how, by whom."""
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    who = _require_text(errors, "who", who, "Enter who was told")
    how = _require_text(errors, "how", how, "Enter how they were told")
    informed_by = _require_text(errors, "informed_by", informed_by, "Enter who told them")
    if informed_at is None:
        errors["informed_at"] = "Enter when they were told"
    elif informed_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["informed_at"] = "The time they were told must be in the past"
    if errors:
        raise InvestigationRefused(errors)
    informed = SubjectsInformed.objects.create(
        incident=incident,
        created_by=actor,
        who=who,
        informed_at=informed_at,
        how=how,
        informed_by=informed_by,
    )
    _record(actor, "investigation.subjects_informed_added", incident, subjects_informed=informed.pk)
    return informed


@transaction.atomic
def add_risk(
    *,
    incident: Incident,
    actor: Person,
    description: str,
    likelihood: int | None,
    impact: int | None,
    owner: str,
    mitigation: str = "",
    status: str = RiskStatus.OPEN,
) -> Risk:
    """Step g: a risk, scored likelihood × impact on 1–5 scales, with its owner."""
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    description = _require_text(errors, "description", description, "Describe the risk")
    owner = _require_text(errors, "owner", owner, "Enter who owns the risk")
    if likelihood not in RISK_SCALE:
        errors["likelihood"] = "Choose how likely it is, from 1 to 5"
    if impact not in RISK_SCALE:
        errors["impact"] = "Choose how much harm it would do, from 1 to 5"
    status = status or RiskStatus.OPEN  # a new risk is open unless said otherwise
    if status not in RiskStatus.values:
        errors["status"] = "Choose the status of the risk"
    if errors:
        raise InvestigationRefused(errors)
    risk = Risk.objects.create(
        incident=incident,
        created_by=actor,
        description=description,
        likelihood=likelihood,
        impact=impact,
        owner=owner,
        mitigation=(mitigation or "").strip(),
        status=status,
    )
    _record(actor, "investigation.risk_added", incident, risk=risk.pk, score=risk.score)
    return risk


@transaction.atomic
def add_communication_item(
    *,
    incident: Incident,
    actor: Person,
    audience: str,
    message: str,
    channel: str,
    owner: str,
    due: datetime.date | None = None,
    done: bool = False,
) -> CommunicationItem:
    """Step i: one line of the communications plan: to whom, what, how, who, when."""
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    audience = _require_text(errors, "audience", audience, "Enter who the message is for")
    message = _require_text(errors, "message", message, "Enter the message")
    channel = _require_text(errors, "channel", channel, "Enter how it will be sent")
    owner = _require_text(errors, "owner", owner, "Enter who will send it")
    if errors:
        raise InvestigationRefused(errors)
    item = CommunicationItem.objects.create(
        incident=incident,
        created_by=actor,
        audience=audience,
        message=message,
        channel=channel,
        owner=owner,
        due=due,
        done=done,
    )
    _record(actor, "investigation.communication_added", incident, communication=item.pk)
    return item


# --- Step j: actions, tracked after closure -------------------------------------------------


def may_own_actions(person: Person, incident: Incident) -> bool:
    """An action's owner works in the incident's organisation or its trust."""
    organisation = incident.organisation
    return person.memberships.filter(
        Q(organisation_id=organisation.pk) | Q(organisation_id=organisation.trust_id)
    ).exists()


@transaction.atomic
def add_action(
    *,
    incident: Incident,
    actor: Person,
    kind: str,
    description: str,
    owner: Person | None,
    due_on: datetime.date | None,
) -> Action:
    """Step j: a remedial or preventive control with its owner and due date.

    The owner must work in the incident's organisation or its trust: an action nobody
    there owns would never be done.
    """
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    description = _require_text(errors, "description", description, "Describe the action")
    if kind not in ActionKind.values:
        errors["kind"] = "Choose whether the action puts right or prevents"
    if owner is None:
        errors["owner"] = "Choose who owns the action"
    elif not may_own_actions(owner, incident):
        errors["owner"] = "Choose someone who works in this school or its trust"
    if due_on is None:
        errors["due_on"] = "Enter the date the action is due"
    if errors:
        raise InvestigationRefused(errors)
    action = Action.objects.create(
        incident=incident,
        created_by=actor,
        kind=kind,
        description=description,
        owner=owner,
        due_on=due_on,
    )
    _record(
        actor,
        "investigation.action_added",
        incident,
        action=action.pk,
        owner=owner.email,  # type: ignore[union-attr]  # checked above
        due_on=due_on,
    )
    schedule_for_incident(incident)
    return action


@transaction.atomic
def update_action(*, action: Action, actor: Person, status: str) -> Action:
    """Moves an action on: not started, in progress, done (when, recorded).

    Allowed after the incident has closed: the policy's controls outlive the case.
    """
    incident = _locked(action.incident)
    _require_investigator(actor, incident)
    if status not in ActionStatus.values:
        raise InvestigationRefused({"status": "Choose the status of the action"})
    action = Action.objects.select_for_update().get(pk=action.pk)
    before = {"status": action.status, "done_at": action.done_at}
    action.status = status
    if status == ActionStatus.DONE and action.done_at is None:
        action.done_at = timezone.now()
    elif status != ActionStatus.DONE:
        action.done_at = None
    action.save(update_fields=["status", "done_at"])
    record_event(
        actor=actor,
        action="investigation.action_updated",
        obj=incident,
        changes=changes_between(before, {"status": action.status, "done_at": action.done_at}),
        details={"action": action.pk},
    )
    schedule_for_incident(incident)
    return action


@transaction.atomic
def add_note(*, incident: Incident, actor: Person, body: str) -> Note:
    """An internal note: for those handling the incident, never the reporter."""
    incident = _writable(incident=incident, actor=actor)
    errors: dict[str, str] = {}
    body = _require_text(errors, "body", body, "Enter your note")
    if errors:
        raise InvestigationRefused(errors)
    note = Note.objects.create(incident=incident, created_by=actor, body=body)
    _record(actor, "investigation.note_added", incident, note=note.pk)
    return note
