"""Exception requests: asked by any member, decided once by the incident manager with
reasons, an end date and a review date; seen only by the asker and the manager."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidentdesk.audit.models import AuditEvent
from incidentdesk.deadlines.models import EXCEPTION_EXPIRY_STEP, EXCEPTION_REVIEW_STEP, Deadline
from incidentdesk.governance import services
from incidentdesk.governance.models import ExceptionRequest, ExceptionStatus
from tests.factories import signed_in_client
from tests.governance.conftest import point

pytestmark = pytest.mark.django_db


def ask(cast, person=None, organisation=None, **fields) -> ExceptionRequest:
    organisation = organisation or cast.birch
    return services.exception_request(
        actor=person or cast.staff,
        organisation=organisation,
        policy_point=fields.pop("policy_point", point(organisation)),
        title=fields.pop("title", "Photos of the trip on the class tablet"),
        what=fields.pop("what", "Keep trip photos on the tablet for a week"),
        business_reason=fields.pop("business_reason", "No signal to upload them on the trip"),
    )


def later(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def test_a_member_asks_and_the_manager_approves_with_dates_through_the_pages(cast):
    staff = signed_in_client(cast.staff)
    form = staff.get("/governance/exceptions/new/")
    assert form.status_code == 200
    assert "Which policy point do you need an exception to?" in form.content.decode()
    target = point(cast.birch)
    response = staff.post(
        "/governance/exceptions/new/",
        {
            "policy_point": f"point:{target.pk}",
            "title": "Photos of the trip on the class tablet",
            "what": "Keep trip photos on the tablet for a week",
            "business_reason": "No signal to upload them on the trip",
        },
    )
    exception = ExceptionRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/governance/exceptions/{exception.pk}/"
    assert exception.requested_by == cast.staff
    assert exception.policy_point == target
    assert exception.status == ExceptionStatus.REQUESTED
    page = staff.get(response["Location"])
    assert "Your request has been sent to the incident manager" in page.content.decode()
    assert "Waiting for a decision" in page.content.decode()

    manager = signed_in_client(cast.manager)
    decide = manager.get(f"/governance/exceptions/{exception.pk}/decide/")
    assert decide.status_code == 200
    assert "No signal to upload them on the trip" in decide.content.decode()
    response = manager.post(
        f"/governance/exceptions/{exception.pk}/decide/",
        {
            "decision": "approve",
            "reasons": "Low risk for a week; tablet is encrypted",
            "expires_on": later(60).isoformat(),
            "review_on": later(30).isoformat(),
        },
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.APPROVED
    assert exception.decided_by == cast.manager
    assert (exception.expires_on, exception.review_on) == (later(60), later(30))
    # The asker sees the decision and its reasons.
    page = staff.get(f"/governance/exceptions/{exception.pk}/").content.decode()
    assert "Approved" in page and "Low risk for a week; tablet is encrypted" in page
    # Its review and expiry will remind the manager.
    steps = set(Deadline.objects.filter(exception_request=exception).values_list("step", flat=True))
    assert steps == {EXCEPTION_REVIEW_STEP, EXCEPTION_EXPIRY_STEP}
    actions = list(
        AuditEvent.objects.filter(action__startswith="governance.exception").values_list(
            "action", flat=True
        )
    )
    assert actions == ["governance.exception_requested", "governance.exception_decided"]


def test_an_empty_request_shows_every_error_and_keeps_what_was_typed(cast):
    staff = signed_in_client(cast.staff)
    response = staff.post(
        "/governance/exceptions/new/",
        {"policy_point": "", "title": "Kept title", "what": "", "business_reason": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Choose the policy point the exception is for") == 2  # summary + field
    assert page.count("Enter what you need to do differently") == 2
    assert page.count("Enter the business reason") == 2
    assert 'value="Kept title"' in page
    assert "<title>Error: " in page
    assert not ExceptionRequest.objects.exists()


def test_a_point_of_another_profile_is_refused_beside_the_field(cast):
    staff = signed_in_client(cast.staff)
    response = staff.post(
        "/governance/exceptions/new/",
        {
            "policy_point": f"point:{point(cast.acorn).pk}",  # the trust's profile, not Birch's
            "title": "t",
            "what": "w",
            "business_reason": "b",
        },
    )
    assert response.status_code == 200
    assert response.content.decode().count("Choose a point of the policy") == 2
    assert not ExceptionRequest.objects.exists()
    # The service holds the same line for the API.
    with pytest.raises(ValidationError) as refused:
        ask(cast, policy_point=point(cast.acorn))
    assert "policy_point" in refused.value.message_dict


def test_approval_needs_reasons_an_end_date_and_a_review_date_before_it(cast):
    exception = ask(cast)
    manager = signed_in_client(cast.manager)
    response = manager.post(
        f"/governance/exceptions/{exception.pk}/decide/",
        {"decision": "approve", "reasons": "", "expires_on": later(10), "review_on": later(20)},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter the reasons for the decision" in page
    with pytest.raises(ValidationError) as refused:
        services.exception_decide(
            actor=cast.manager,
            exception=exception,
            approve=True,
            reasons="ok",
            expires_on=later(10),
            review_on=later(20),
        )
    assert "review_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.exception_decide(
            actor=cast.manager, exception=exception, approve=True, reasons="ok"
        )
    assert set(refused.value.message_dict) == {"expires_on", "review_on"}
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.REQUESTED


def test_declined_with_reasons_needs_no_dates_and_is_decided_once(cast):
    exception = ask(cast)
    services.exception_decide(
        actor=cast.manager, exception=exception, approve=False, reasons="Use the school cloud"
    )
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.DECLINED
    assert not Deadline.objects.filter(exception_request=exception).exists()
    with pytest.raises(services.Refused):
        services.exception_decide(
            actor=cast.manager,
            exception=exception,
            approve=True,
            reasons="changed my mind",
            expires_on=later(10),
            review_on=later(5),
        )
    manager = signed_in_client(cast.manager)
    response = manager.post(
        f"/governance/exceptions/{exception.pk}/decide/",
        {"decision": "approve", "reasons": "x", "expires_on": later(10), "review_on": later(5)},
    )
    assert "This request has already been decided." in response.content.decode()


def test_only_the_incident_manager_decides(cast):
    exception = ask(cast)
    with pytest.raises(PermissionDenied):
        services.exception_decide(
            actor=cast.staff, exception=exception, approve=False, reasons="mine"
        )
    # The asker may see the request but not its decide page.
    assert (
        signed_in_client(cast.staff)
        .get(f"/governance/exceptions/{exception.pk}/decide/")
        .status_code
        == 403
    )


def test_who_sees_a_request(cast):
    exception = ask(cast)
    url = f"/governance/exceptions/{exception.pk}/"
    assert signed_in_client(cast.staff).get(url).status_code == 200
    assert signed_in_client(cast.manager).get(url).status_code == 200
    # A colleague sees their own requests only; another organisation's: not found.
    assert signed_in_client(cast.colleague).get(url).status_code == 404
    assert signed_in_client(cast.outsider).get(url).status_code == 404
    assert signed_in_client(cast.outsider).get(url + "decide/").status_code == 404
    assert signed_in_client(cast.champion).get(url).status_code == 404
    listing = signed_in_client(cast.colleague).get("/governance/exceptions/").content.decode()
    assert exception.title not in listing
    listing = signed_in_client(cast.manager).get("/governance/exceptions/").content.decode()
    assert exception.title in listing


def test_a_trusts_champion_decides_its_schools_requests(cast):
    exception = ask(cast, person=cast.acorn_staff, organisation=cast.acorn)
    champion = signed_in_client(cast.champion)
    assert exception.title in champion.get("/governance/exceptions/").content.decode()
    response = champion.post(
        f"/governance/exceptions/{exception.pk}/decide/",
        {"decision": "decline", "reasons": "Not needed", "expires_on": "", "review_on": ""},
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.DECLINED
    # Birch's manager has nothing to do with Acorn.
    assert (
        signed_in_client(cast.manager).get(f"/governance/exceptions/{exception.pk}/").status_code
        == 404
    )


def test_a_review_meets_the_deadlines_and_sets_new_dates(cast):
    exception = ask(cast)
    services.exception_decide(
        actor=cast.manager,
        exception=exception,
        approve=True,
        reasons="ok",
        expires_on=later(60),
        review_on=later(30),
    )
    manager = signed_in_client(cast.manager)
    response = manager.post(
        f"/governance/exceptions/{exception.pk}/review/",
        {"notes": "Still needed", "expires_on": later(120), "review_on": later(90)},
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.expires_on == later(120)
    open_rows = Deadline.objects.filter(exception_request=exception, met_at__isnull=True)
    met_rows = Deadline.objects.filter(exception_request=exception, met_at__isnull=False)
    assert open_rows.count() == 2 and met_rows.count() == 2
    assert {d.due_at.astimezone().date() for d in open_rows} == {later(120), later(90)}


def test_the_list_answers_in_the_same_number_of_queries_however_many(
    cast, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = signed_in_client(cast.manager)
    for _ in range(2):
        ask(cast)
    manager.get("/governance/exceptions/")  # the first page after signing in records activity
    with CaptureQueriesContext(connection) as few:
        assert manager.get("/governance/exceptions/").status_code == 200
    for _ in range(20):
        ask(cast)
    with CaptureQueriesContext(connection) as many:
        assert manager.get("/governance/exceptions/").status_code == 200
    assert len(many) == len(few)
