"""The API's governance operations: exception requests and policy change proposals.

The same rules and services as the pages: a request or proposal the caller may not see,
or an organisation they do not belong to, is a 404; one they may see but not decide is a
403; deciding something already decided is a 409; input the service rejects is a 422
naming the field.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from ninja import Path, Router, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from pydantic import Field

from incidentdesk.api.schemas import responses
from incidentdesk.governance import rules, selectors, services
from incidentdesk.governance.models import (
    ExceptionRequest,
    ExceptionStatus,
    PolicyChangeProposal,
    ProposalStatus,
)
from incidentdesk.organisations.models import InformationPolicy, Organisation, Person, PolicyPoint

router = Router(tags=["governance"])

TEXT_MAX = 20_000
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _person(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except services.Refused as exc:
        raise HttpError(409, str(exc)) from None
    except DjangoValidationError as exc:
        errors = [
            {"loc": ["body", "payload", field], "msg": messages[0], "type": "value_error"}
            for field, messages in exc.message_dict.items()
        ]
        raise NinjaValidationError(errors) from None


def _organisation(person: Person, slug: str) -> Organisation:
    """An organisation the caller belongs to or manages; any other is not found."""
    organisation = (
        Organisation.objects.select_related("profile", "trust__profile").filter(slug=slug).first()
    )
    if organisation is None or organisation.pk not in rules.visible_organisation_ids(person):
        raise Http404
    return organisation


def _target(
    organisation: Organisation, point: int | None, policy_id: int | None
) -> tuple[PolicyPoint | None, InformationPolicy | None]:
    profile = organisation.effective_profile
    found_point = found_policy = None
    errors = []
    if point is not None:
        found_point = PolicyPoint.objects.filter(profile=profile, number=point).first()
        if found_point is None:
            errors.append(
                {
                    "loc": ["body", "payload", "policy_point"],
                    "msg": "The organisation's policy has no point with this number.",
                    "type": "value_error",
                }
            )
    if policy_id is not None:
        found_policy = InformationPolicy.objects.filter(profile=profile, pk=policy_id).first()
        if found_policy is None:
            errors.append(
                {
                    "loc": ["body", "payload", "information_policy_id"],
                    "msg": "The organisation has no information policy with this id.",
                    "type": "value_error",
                }
            )
    if errors:
        raise NinjaValidationError(errors)
    return found_point, found_policy


class ExceptionIn(Schema):
    organisation: str = Field(max_length=60, description="The organisation's slug.")
    policy_point: int | None = Field(
        None, ge=1, le=999, description="The number of the policy point (1, 2, …)."
    )
    information_policy_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Or one of the organisation's information policies."
    )
    title: str = Field(min_length=1, max_length=200)
    what: str = Field(min_length=1, max_length=TEXT_MAX)
    business_reason: str = Field(min_length=1, max_length=TEXT_MAX)


class ExceptionDecisionIn(Schema):
    approve: bool
    reasons: str = Field(min_length=1, max_length=TEXT_MAX)
    expires_on: datetime.date | None = Field(None, description="Required to approve.")
    review_on: datetime.date | None = Field(
        None, description="Required to approve; on or before `expires_on`."
    )


class ExceptionOut(Schema):
    id: int
    organisation: str
    title: str
    policy_point: str
    what: str
    business_reason: str
    status: ExceptionStatus
    status_words: str
    requested_by: str | None
    requested_at: datetime.datetime
    decided_by: str | None
    decided_at: datetime.datetime | None
    decision_reasons: str
    expires_on: datetime.date | None
    review_on: datetime.date | None


class ProposalIn(Schema):
    organisation: str = Field(max_length=60, description="The organisation's slug.")
    policy_point: int | None = Field(
        None, ge=1, le=999, description="The policy point it is about; empty for the whole."
    )
    information_policy_id: int | None = Field(None, ge=1, le=2**31 - 1)
    title: str = Field(min_length=1, max_length=200)
    change: str = Field(min_length=1, max_length=TEXT_MAX)
    reason: str = Field(min_length=1, max_length=TEXT_MAX)


class ProposalOut(Schema):
    id: int
    organisation: str
    title: str
    policy_point: str
    change: str
    reason: str
    status: ProposalStatus
    status_words: str
    proposed_by: str | None
    proposed_at: datetime.datetime
    decided_by: str | None
    decided_at: datetime.datetime | None
    decision_reasons: str
    onwards_to: str
    onwards_on: datetime.date | None


def _name(person: Person | None) -> str | None:
    return person.full_name if person else None


def _exception_out(row: ExceptionRequest) -> ExceptionOut:
    return ExceptionOut(
        id=row.pk,
        organisation=row.organisation.slug,
        title=row.title,
        policy_point=row.policy_point_label,
        what=row.what,
        business_reason=row.business_reason,
        status=row.status,
        status_words=row.status_words(),
        requested_by=_name(row.requested_by),
        requested_at=row.requested_at,
        decided_by=_name(row.decided_by),
        decided_at=row.decided_at,
        decision_reasons=row.decision_reasons,
        expires_on=row.expires_on,
        review_on=row.review_on,
    )


def _proposal_out(row: PolicyChangeProposal) -> ProposalOut:
    return ProposalOut(
        id=row.pk,
        organisation=row.organisation.slug,
        title=row.title,
        policy_point=row.policy_point_label,
        change=row.change,
        reason=row.reason,
        status=row.status,
        status_words=row.get_status_display(),
        proposed_by=_name(row.proposed_by),
        proposed_at=row.proposed_at,
        decided_by=_name(row.decided_by),
        decided_at=row.decided_at,
        decision_reasons=row.decision_reasons,
        onwards_to=row.onwards_to,
        onwards_on=row.onwards_on,
    )


@router.get(
    "/governance/exceptions",
    response=responses({200: list[ExceptionOut]}),
    operation_id="list_exceptions",
    summary="List exception requests",
)
def list_exceptions(request: HttpRequest) -> list[ExceptionOut]:
    """The caller's own requests and, for an incident manager, all of their
    organisations' (a trust's, its schools' too), newest first."""
    rows = selectors.exceptions_visible_to(_person(request)).select_related("decided_by")
    return [_exception_out(row) for row in rows]


@router.post(
    "/governance/exceptions",
    response=responses({201: ExceptionOut}, 403, 404, 422),
    operation_id="request_exception",
    summary="Ask for an exception to a policy point",
)
def request_exception(request: HttpRequest, payload: ExceptionIn) -> Status:
    """Any member of the organisation asks, giving the policy point (or information
    policy) and the business reason. The incident manager decides."""
    person = _person(request)
    organisation = _organisation(person, payload.organisation)
    point, policy = _target(organisation, payload.policy_point, payload.information_policy_id)
    with _refusals():
        row = services.exception_request(
            actor=person,
            organisation=organisation,
            policy_point=point,
            information_policy=policy,
            title=payload.title,
            what=payload.what,
            business_reason=payload.business_reason,
        )
    return Status(201, _exception_out(row))


@router.post(
    "/governance/exceptions/{exception_id}/decision",
    response=responses({200: ExceptionOut}, 403, 404, 409, 422),
    operation_id="decide_exception",
    summary="Approve or decline an exception request",
)
def decide_exception(
    request: HttpRequest, exception_id: Id, payload: ExceptionDecisionIn
) -> ExceptionOut:
    """The incident manager's decision, with reasons; an approval needs the date the
    exception ends and the date it is reviewed. Decided once (409 after)."""
    person = _person(request)
    row = (
        selectors.exceptions_visible_to(person)
        .select_related("organisation__trust")
        .filter(pk=exception_id)
        .first()
    )
    if row is None:
        raise Http404
    with _refusals():
        row = services.exception_decide(
            actor=person,
            exception=row,
            approve=payload.approve,
            reasons=payload.reasons,
            expires_on=payload.expires_on,
            review_on=payload.review_on,
        )
    return _exception_out(row)


@router.get(
    "/governance/policy-changes",
    response=responses({200: list[ProposalOut]}),
    operation_id="list_policy_changes",
    summary="List policy change proposals",
)
def list_policy_changes(request: HttpRequest) -> list[ProposalOut]:
    """The caller's own proposals and, for an incident manager, all of their
    organisations', newest first."""
    rows = selectors.proposals_visible_to(_person(request)).select_related("decided_by")
    return [_proposal_out(row) for row in rows]


@router.post(
    "/governance/policy-changes",
    response=responses({201: ProposalOut}, 403, 404, 422),
    operation_id="propose_policy_change",
    summary="Propose a change to the policy",
)
def propose_policy_change(request: HttpRequest, payload: ProposalIn) -> Status:
    """Anyone in the organisation proposes a change; the incident manager agrees or
    declines and, if agreed, proposes it onwards."""
    person = _person(request)
    organisation = _organisation(person, payload.organisation)
    point, policy = _target(organisation, payload.policy_point, payload.information_policy_id)
    with _refusals():
        row = services.proposal_create(
            actor=person,
            organisation=organisation,
            policy_point=point,
            information_policy=policy,
            title=payload.title,
            change=payload.change,
            reason=payload.reason,
        )
    return Status(201, _proposal_out(row))
