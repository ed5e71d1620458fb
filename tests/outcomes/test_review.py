"""Writing, submitting and reviewing the report; the serious incident's second reviewer."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, State
from incidentdesk.notifications.models import Notification
from incidentdesk.outcomes.models import OutcomeReport, OutcomeReview
from incidentdesk.outcomes.selectors import review_status
from incidentdesk.outcomes.services import (
    OutcomeRefused,
    anonymise_outcome_report,
    drafts_for,
    review_outcome_report,
    save_outcome_report,
    submit_outcome_report,
)

from .conftest import SECTION_TEXT, investigated, ready_to_submit

pytestmark = pytest.mark.django_db


def fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def actions_of(incident: Incident) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="incident", object_id=str(incident.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def told(person) -> list[str]:
    return list(Notification.objects.filter(person=person).values_list("message", flat=True))


def test_the_drafts_come_from_the_record(outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    drafts = drafts_for(incident)
    assert "Reported the incident" in drafts["chronology"]
    assert "Classified" in drafts["chronology"]
    assert "a. " in drafts["steps_taken"] and "k. " in drafts["steps_taken"]
    assert "Step c done and recorded." in drafts["steps_taken"]
    assert drafts["ico_decision"].startswith("Notify the ICO")
    assert drafts["disciplinary_decision"].startswith("No disciplinary action")
    assert "Turn off e-mail address autocomplete for SEN staff." in drafts["actions_and_controls"]
    assert "Mina Manager" in drafts["actions_and_controls"]


def test_saving_keeps_an_incomplete_draft_and_submitting_needs_every_section(outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    save_outcome_report(
        incident=incident,
        actor=side.investigator,
        sections={"summary": "Half written", "cause": ""},
    )
    report = OutcomeReport.objects.get(incident=incident)
    assert report.summary == "Half written"
    with pytest.raises(OutcomeRefused) as refused:
        submit_outcome_report(incident=incident, actor=side.investigator)
    assert refused.value.errors["cause"] == "Write the cause"
    assert "summary" not in refused.value.errors
    assert fresh(incident).state == State.INVESTIGATING


def test_only_the_investigator_and_manager_write_it(outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    for person in (side.colleague, side.dpo, side.second_reviewer, outcome_cast.outsider):
        with pytest.raises(PermissionDenied):
            save_outcome_report(incident=incident, actor=person, sections={"summary": "x"})


def test_returned_with_comments_goes_back_to_the_investigator(outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    assert fresh(incident).state == State.OUTCOME_SUBMITTED
    assert "Outcome report to review: " + incident.reference in told(side.manager)
    with pytest.raises(OutcomeRefused, match="Say what must change"):
        review_outcome_report(incident=incident, actor=side.manager, decision="returned")
    with pytest.raises(OutcomeRefused, match="with its reviewers"):
        save_outcome_report(incident=incident, actor=side.investigator, sections={"cause": "x"})

    review_outcome_report(
        incident=incident, actor=side.manager, decision="returned", comments="Say who was told."
    )
    incident = fresh(incident)
    assert incident.state == State.INVESTIGATING
    assert review_status(incident).status == "draft"
    assert f"Outcome report returned with comments: {incident.reference}" in told(side.investigator)
    assert "outcome.report_returned" in actions_of(incident)
    assert "incident.return_outcome" in actions_of(incident)
    # Resubmitted: a new round, which the earlier return does not count against.
    submit_outcome_report(incident=incident, actor=side.investigator)
    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    assert review_status(fresh(incident)).status == "approved"
    assert list(OutcomeReview.objects.values_list("round", "decision")) == [
        (1, "returned"),
        (2, "approved"),
    ]


@pytest.mark.parametrize(
    ("which", "title"),
    [("school", "Chair of Governors"), ("trust_school", "Senior Information Risk Owner (SIRO)")],
)
def test_a_serious_incident_needs_the_profiles_second_reviewer_after_the_manager(
    outcome_cast, which, title
):
    side = getattr(outcome_cast, which)
    incident = ready_to_submit(side, severity="major")
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    # Not before the incident manager.
    with pytest.raises(PermissionDenied, match="incident manager"):
        review_outcome_report(incident=incident, actor=side.second_reviewer, decision="approved")
    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    status = review_status(fresh(incident))
    assert status.status == "submitted"
    assert status.label == f"Submitted, waiting for the {title}"
    assert f"Outcome report to approve: {incident.reference}" in told(side.second_reviewer)
    # The manager cannot stand in for the second reviewer, nor can the DPO.
    for person in (side.manager, side.dpo, side.investigator):
        with pytest.raises(PermissionDenied, match=re.escape(title)):
            review_outcome_report(incident=incident, actor=person, decision="approved")
    review_outcome_report(incident=incident, actor=side.second_reviewer, decision="approved")
    assert review_status(fresh(incident)).status == "approved"
    assert f"Outcome report approved: {incident.reference}" in told(side.investigator)
    events = AuditEvent.objects.filter(
        object_id=str(incident.pk), action="outcome.report_approved"
    ).order_by("sequence")
    assert [e.details["stage"] for e in events] == [
        "incident_manager",
        "chair_of_governors" if which == "school" else "siro",
    ]
    with pytest.raises(OutcomeRefused, match="already approved"):
        review_outcome_report(incident=incident, actor=side.second_reviewer, decision="approved")


def test_the_second_reviewer_may_return_it_too(outcome_cast):
    side = outcome_cast.trust_school
    incident = ready_to_submit(side, severity="major")
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    review_outcome_report(
        incident=incident,
        actor=side.second_reviewer,
        decision="returned",
        comments="Add what the board should change.",
    )
    assert fresh(incident).state == State.INVESTIGATING


def test_there_is_nothing_to_review_until_submitted(outcome_cast):
    side = outcome_cast.school
    incident = investigated(side)
    with pytest.raises(OutcomeRefused, match="no submitted outcome report"):
        review_outcome_report(incident=incident, actor=side.manager, decision="approved")


def test_anonymising_blanks_the_words_and_keeps_dates_and_decisions(outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    review_outcome_report(
        incident=incident, actor=side.manager, decision="returned", comments="Name fewer people."
    )
    anonymise_outcome_report(fresh(incident))
    report = OutcomeReport.objects.get(incident=incident)
    assert all(getattr(report, name) == "" for name in SECTION_TEXT)
    assert report.submitted_at is not None and report.anonymised_at is not None
    review = OutcomeReview.objects.get()
    assert (review.decision, review.comments) == ("returned", "")
    assert "outcome.report_anonymised" in actions_of(incident)
    anonymise_outcome_report(investigated(side))  # no report: nothing to do


def test_the_review_deadline_is_met_by_the_last_approval_not_the_first(outcome_cast):
    from incidentdesk.deadlines.models import Deadline

    side = outcome_cast.school
    incident = ready_to_submit(side, severity="major")
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)

    def review_deadline() -> Deadline:
        return Deadline.objects.get(incident=incident, step="outcome_review")

    assert review_deadline().is_open and review_deadline().next_reminder_at is not None
    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    assert review_deadline().is_open  # still waiting for the second reviewer
    review_outcome_report(incident=incident, actor=side.second_reviewer, decision="approved")
    met = review_deadline()
    assert met.met_at is not None and met.next_reminder_at is None
