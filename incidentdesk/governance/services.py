"""Writing to the governance registers. Each function checks permission, writes in one
transaction, records an audit event and keeps the review deadlines in step."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from incidentdesk.audit.services import record_event
from incidentdesk.organisations.models import (
    InformationPolicy,
    Membership,
    Organisation,
    Person,
    PolicyPoint,
)

from . import rules
from .deadlines import schedule_exception, schedule_policy_review
from .models import (
    ExceptionRequest,
    ExceptionStatus,
    PolicyChangeProposal,
    PolicyDocument,
    PolicyDocumentVersion,
    ProposalStatus,
)
from .uploads import store_policy_file


class Refused(Exception):
    """The request is well formed but its state does not allow it (already decided)."""


def _required(errors: dict[str, str], field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def _check_target(
    errors: dict[str, str],
    organisation: Organisation,
    policy_point: PolicyPoint | None,
    information_policy: InformationPolicy | None,
    *,
    required: bool,
) -> None:
    profile = organisation.effective_profile
    profile_id = profile.pk if profile else None
    if policy_point is not None and policy_point.profile_id != profile_id:
        errors["policy_point"] = "Choose a point of your organisation's policy"
    if information_policy is not None and information_policy.profile_id != profile_id:
        errors["policy_point"] = "Choose one of your organisation's policies"
    if required and policy_point is None and information_policy is None:
        errors["policy_point"] = "Choose the policy point the exception is for"


# --- Exception requests --------------------------------------------------------------------


@transaction.atomic
def exception_request(
    *,
    actor: Person,
    organisation: Organisation,
    title: str,
    what: str,
    business_reason: str,
    policy_point: PolicyPoint | None = None,
    information_policy: InformationPolicy | None = None,
) -> ExceptionRequest:
    """Any member asks for an exception to a policy point, for a business reason."""
    if not rules.may_ask(actor, organisation):
        raise PermissionDenied
    errors: dict[str, str] = {}
    _check_target(errors, organisation, policy_point, information_policy, required=True)
    title = _required(errors, "title", title, "Enter a short title for the exception")
    what = _required(errors, "what", what, "Enter what you need to do differently")
    business_reason = _required(
        errors, "business_reason", business_reason, "Enter the business reason"
    )
    _raise(errors)
    exception = ExceptionRequest.objects.create(
        organisation=organisation,
        policy_point=policy_point,
        information_policy=information_policy,
        title=title[:200],
        what=what,
        business_reason=business_reason,
        requested_by=actor,
    )
    record_event(
        actor=actor,
        action="governance.exception_requested",
        obj=exception,
        details={"policy_point": exception.policy_point_label, "title": exception.title},
    )
    return exception


def _check_dates(
    errors: dict[str, str],
    expires_on: datetime.date | None,
    review_on: datetime.date | None,
) -> None:
    today = timezone.localdate()
    if expires_on is None:
        errors["expires_on"] = "Enter the date the exception ends"
    elif expires_on <= today:
        errors["expires_on"] = "The date the exception ends must be in the future"
    if review_on is None:
        errors["review_on"] = "Enter the date the exception will be reviewed"
    elif review_on < today:
        errors["review_on"] = "The review date must be today or in the future"
    elif expires_on is not None and review_on > expires_on:
        errors["review_on"] = "The review date must be on or before the date it ends"


@transaction.atomic
def exception_decide(
    *,
    actor: Person,
    exception: ExceptionRequest,
    approve: bool,
    reasons: str,
    expires_on: datetime.date | None = None,
    review_on: datetime.date | None = None,
) -> ExceptionRequest:
    """The incident manager approves (with an end date and a review date) or declines,
    giving reasons either way. Decided once: a second decision is refused."""
    if not rules.may_decide(actor, exception.organisation):
        raise PermissionDenied
    exception = ExceptionRequest.objects.select_for_update().get(pk=exception.pk)
    if exception.is_decided:
        raise Refused("This request has already been decided.")
    errors: dict[str, str] = {}
    reasons = _required(errors, "reasons", reasons, "Enter the reasons for the decision")
    if approve:
        _check_dates(errors, expires_on, review_on)
    _raise(errors)
    exception.status = ExceptionStatus.APPROVED if approve else ExceptionStatus.DECLINED
    exception.decided_by = actor
    exception.decided_at = timezone.now()
    exception.decision_reasons = reasons
    exception.expires_on = expires_on if approve else None
    exception.review_on = review_on if approve else None
    exception.save()
    schedule_exception(exception, met_at=None)
    record_event(
        actor=actor,
        action="governance.exception_decided",
        obj=exception,
        changes={"status": [ExceptionStatus.REQUESTED.value, exception.status]},
        details={
            "reasons": reasons,
            "expires_on": exception.expires_on,
            "review_on": exception.review_on,
        },
    )
    return exception


@transaction.atomic
def exception_review(
    *,
    actor: Person,
    exception: ExceptionRequest,
    notes: str,
    expires_on: datetime.date | None,
    review_on: datetime.date | None,
) -> ExceptionRequest:
    """Records a review of an approved exception: it goes on with new dates (the open
    review and expiry deadlines are met and the next ones scheduled)."""
    if not rules.may_decide(actor, exception.organisation):
        raise PermissionDenied
    exception = ExceptionRequest.objects.select_for_update().get(pk=exception.pk)
    if exception.status != ExceptionStatus.APPROVED:
        raise Refused("Only an approved exception can be reviewed.")
    errors: dict[str, str] = {}
    notes = _required(errors, "notes", notes, "Enter what the review found")
    _check_dates(errors, expires_on, review_on)
    _raise(errors)
    before = {"expires_on": exception.expires_on, "review_on": exception.review_on}
    exception.expires_on = expires_on
    exception.review_on = review_on
    exception.save(update_fields=["expires_on", "review_on"])
    schedule_exception(exception, met_at=timezone.now())
    record_event(
        actor=actor,
        action="governance.exception_reviewed",
        obj=exception,
        changes={k: [v, getattr(exception, k)] for k, v in before.items()},
        details={"notes": notes},
    )
    return exception


# --- Policy change proposals ---------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *,
    actor: Person,
    organisation: Organisation,
    title: str,
    change: str,
    reason: str,
    policy_point: PolicyPoint | None = None,
    information_policy: InformationPolicy | None = None,
) -> PolicyChangeProposal:
    """Anyone in the organisation proposes a change to the policy."""
    if not rules.may_ask(actor, organisation):
        raise PermissionDenied
    errors: dict[str, str] = {}
    _check_target(errors, organisation, policy_point, information_policy, required=False)
    title = _required(errors, "title", title, "Enter a short title for the change")
    change = _required(errors, "change", change, "Enter the change you propose")
    reason = _required(errors, "reason", reason, "Enter why the policy does not meet your needs")
    _raise(errors)
    proposal = PolicyChangeProposal.objects.create(
        organisation=organisation,
        policy_point=policy_point,
        information_policy=information_policy,
        title=title[:200],
        change=change,
        reason=reason,
        proposed_by=actor,
    )
    record_event(
        actor=actor,
        action="governance.change_proposed",
        obj=proposal,
        details={"policy_point": proposal.policy_point_label, "title": proposal.title},
    )
    return proposal


@transaction.atomic
def proposal_decide(
    *, actor: Person, proposal: PolicyChangeProposal, agree: bool, reasons: str
) -> PolicyChangeProposal:
    """The incident manager (the Information Champion) agrees or declines, with reasons."""
    if not rules.may_decide(actor, proposal.organisation):
        raise PermissionDenied
    proposal = PolicyChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.is_decided:
        raise Refused("This proposal has already been decided.")
    errors: dict[str, str] = {}
    reasons = _required(errors, "reasons", reasons, "Enter the reasons for the decision")
    _raise(errors)
    proposal.status = ProposalStatus.AGREED if agree else ProposalStatus.DECLINED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_reasons = reasons
    proposal.save()
    record_event(
        actor=actor,
        action="governance.change_decided",
        obj=proposal,
        changes={"status": [ProposalStatus.PROPOSED.value, proposal.status]},
        details={"reasons": reasons},
    )
    return proposal


@transaction.atomic
def proposal_onwards(
    *, actor: Person, proposal: PolicyChangeProposal, to: str, on: datetime.date | None
) -> PolicyChangeProposal:
    """An agreed change is proposed onwards: to the trust, the governing body, a committee."""
    if not rules.may_decide(actor, proposal.organisation):
        raise PermissionDenied
    proposal = PolicyChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.AGREED:
        raise Refused("Only an agreed change can be proposed onwards.")
    errors: dict[str, str] = {}
    to = _required(errors, "to", to, "Enter who the change was proposed to")
    if on is None:
        errors["on"] = "Enter the date it was proposed"
    elif on > timezone.localdate():
        errors["on"] = "The date it was proposed must be today or in the past"
    _raise(errors)
    proposal.status = ProposalStatus.PROPOSED_ONWARDS
    proposal.onwards_to = to[:200]
    proposal.onwards_on = on
    proposal.onwards_by = actor
    proposal.save()
    record_event(
        actor=actor,
        action="governance.change_proposed_onwards",
        obj=proposal,
        changes={"status": [ProposalStatus.AGREED.value, proposal.status]},
        details={"to": proposal.onwards_to, "on": on},
    )
    return proposal


# --- Policy documents ----------------------------------------------------------------------


def _check_document(
    errors: dict[str, str],
    organisation: Organisation,
    *,
    version: str,
    approved_by: str,
    approved_on: datetime.date | None,
    next_review_on: datetime.date | None,
) -> tuple[str, str]:
    version = _required(errors, "version", version, "Enter the version")
    approved_by = _required(errors, "approved_by", approved_by, "Enter who approved it")
    if approved_on is not None and approved_on > timezone.localdate():
        errors["approved_on"] = "The date approved must be today or in the past"
    if next_review_on is None:
        errors["next_review_on"] = "Enter the next review date"
    elif approved_on is not None and next_review_on <= approved_on:
        errors["next_review_on"] = "The next review date must be after the date approved"
    return version, approved_by


def _check_owner(errors: dict[str, str], organisation: Organisation, owner: Person | None) -> None:
    org_ids = [organisation.pk] + ([organisation.trust_id] if organisation.trust_id else [])
    if owner is None:
        errors["owner"] = "Choose the owner of the policy"
    elif not Membership.objects.filter(person=owner, organisation_id__in=org_ids).exists():
        errors["owner"] = "Choose someone in your organisation"


def _store(upload: File | None, errors: dict[str, str]):
    if upload is None:
        return None
    from .uploads import UploadRefused

    try:
        return store_policy_file(upload)
    except UploadRefused as exc:
        errors["file"] = str(exc)
        return None


def _file_fields(stored) -> dict:
    if stored is None:
        return {}
    return {
        "stored_name": stored.stored_name,
        "original_name": stored.original_name,
        "content_type": stored.content_type,
        "size": stored.size,
        "sha256": stored.sha256,
    }


@transaction.atomic
def document_create(
    *,
    actor: Person | None,
    organisation: Organisation,
    title: str,
    version: str,
    approved_by: str,
    approved_on: datetime.date | None,
    next_review_on: datetime.date | None,
    owner: Person | None,
    upload: File | None = None,
) -> PolicyDocument:
    """Adds a policy document and schedules its review. `actor` None: the system (demo)."""
    if actor is not None and not rules.may_decide(actor, organisation):
        raise PermissionDenied
    errors: dict[str, str] = {}
    title = _required(errors, "title", title, "Enter the title of the policy")
    version, approved_by = _check_document(
        errors,
        organisation,
        version=version,
        approved_by=approved_by,
        approved_on=approved_on,
        next_review_on=next_review_on,
    )
    _check_owner(errors, organisation, owner)
    stored = None if errors else _store(upload, errors)
    _raise(errors)
    document = PolicyDocument.objects.create(
        organisation=organisation,
        title=title[:200],
        version=version[:30],
        approved_by=approved_by[:200],
        approved_on=approved_on,
        next_review_on=next_review_on,
        owner=owner,
        **_file_fields(stored),
    )
    schedule_policy_review(document)
    record_event(
        actor=actor,
        action="governance.policy_document_added",
        obj=document,
        details={
            "version": document.version,
            "next_review_on": next_review_on,
            "file_sha256": document.sha256,
        },
    )
    return document


@transaction.atomic
def document_review(
    *,
    actor: Person,
    document: PolicyDocument,
    version: str,
    approved_by: str,
    approved_on: datetime.date | None,
    next_review_on: datetime.date | None,
    owner: Person | None = None,
    upload: File | None = None,
) -> PolicyDocument:
    """Records a review: the new version, approval and next review date (and file).

    The version it replaces is kept; the review deadline is met and the next one set.
    """
    if not rules.may_decide(actor, document.organisation):
        raise PermissionDenied
    document = PolicyDocument.objects.select_for_update().get(pk=document.pk)
    errors: dict[str, str] = {}
    version, approved_by = _check_document(
        errors,
        document.organisation,
        version=version,
        approved_by=approved_by,
        approved_on=approved_on,
        next_review_on=next_review_on,
    )
    owner = owner or document.owner
    _check_owner(errors, document.organisation, owner)
    stored = None if errors else _store(upload, errors)
    _raise(errors)
    now = timezone.now()
    PolicyDocumentVersion.objects.create(
        document=document,
        version=document.version,
        approved_by=document.approved_by,
        approved_on=document.approved_on,
        next_review_on=document.next_review_on,
        replaced_at=now,
        replaced_by=actor,
        stored_name=document.stored_name,
        original_name=document.original_name,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
    )
    before = {
        "version": document.version,
        "approved_by": document.approved_by,
        "approved_on": document.approved_on,
        "next_review_on": document.next_review_on,
        "owner": document.owner_id,
    }
    document.version = version[:30]
    document.approved_by = approved_by[:200]
    document.approved_on = approved_on
    document.next_review_on = next_review_on
    document.owner = owner
    document.updated_at = now
    for field, value in _file_fields(stored).items():
        setattr(document, field, value)
    document.save()
    schedule_policy_review(document, met_at=now)
    record_event(
        actor=actor,
        action="governance.policy_document_reviewed",
        obj=document,
        changes={
            k: [v, getattr(document, "owner_id" if k == "owner" else k)] for k, v in before.items()
        },
        details={"file_sha256": document.sha256},
    )
    return document


@dataclass
class OpenedFile:
    handle: IO[bytes]
    name: str
    content_type: str


def open_document_file(*, actor: Person, document: PolicyDocument) -> OpenedFile:
    """The document's file for download; each download is on the audit log."""
    if not rules.may_view_document(actor, document):
        raise PermissionDenied
    if not document.stored_name:
        raise FileNotFoundError(document.pk)
    handle = default_storage.open(document.stored_name, "rb")
    record_event(
        actor=actor,
        action="governance.policy_document_downloaded",
        obj=document,
        details={"version": document.version},
    )
    return OpenedFile(
        handle=handle,
        name=document.original_name or f"{document.title}.pdf",
        content_type=document.content_type or "application/octet-stream",
    )
