"""The incident manager's handling pages: classify (with the ENISA calculator), verify,
assign, the DPO's acknowledgement, changes of state, the timeline, and the queue by
severity; each through the HTTP client, checking the page and the database after it."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidentdesk.incidents.models import (
    Classification,
    Incident,
    Involvement,
    Kind,
    PersonalData,
    ReportingMode,
    State,
)
from incidentdesk.incidents.services import (
    ClassificationInput,
    assign_investigator,
    classify_incident,
)
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.organisations.models import Duty, Person
from incidentdesk.reporting.services import add_information, ask_reporter
from tests.factories import make_person, signed_in_client

from .conftest import Cast, file_report, png, stopped_clock

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@dataclass
class Birch:
    """Birch School's duty holders beyond the shared cast (school preset)."""

    dpo: Person
    governor: Person
    dsl: Person
    investigator: Person


@pytest.fixture
def birch(cast: Cast) -> Birch:
    return Birch(
        dpo=make_person("Dee Dpo", organisation=cast.birch, duties=(Duty.DPO,)),
        governor=make_person("Gus Governor", organisation=cast.birch, duties=(Duty.GOVERNOR,)),
        dsl=make_person("Sam Safe", organisation=cast.birch, duties=(Duty.SAFEGUARDING_LEAD,)),
        investigator=make_person("Ivy Investigator", organisation=cast.birch),
    )


def text_of(response) -> str:
    return response.content.decode()


def classify(incident: Incident, manager: Person, severity: str = "minor", **more) -> Incident:
    data = ClassificationInput(
        kind=Kind.CONFIRMED_BREACH,
        category="wrong_recipient",
        personal_data=PersonalData.YES,
        severity=severity,
        severity_reason=more.pop("reason", "A class list went to one parent."),
        **more,
    )
    return classify_incident(incident=incident, actor=manager, data=data)


def classify_form(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "kind": "confirmed_breach",
        "category": "wrong_recipient",
        "personal_data": "yes",
        "affected": ["confidentiality"],
        "severity": "major",
        "severity_reason": "Health records of 30 pupils went to a parent.",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


# --- Classify ------------------------------------------------------------------------------


def test_the_classify_page_offers_the_profiles_severities_with_their_descriptions(cast: Cast):
    incident = file_report(cast.birch, cast.reporter)

    page = text_of(signed_in_client(cast.manager).get(f"/incidents/{incident.reference}/classify/"))

    assert '<h1 class="govuk-heading-l">Classify the incident</h1>' in page
    for name in ("Minor", "Moderate", "Major", "Critical"):
        assert f">{name}</label>" in page
    assert "Significant harm or distress is likely" in page  # major's description
    assert "Data Protection Policy" in page  # the profile's information policies
    assert "Not yet known" in page
    # Nothing ticks the safeguarding box unless the report says so.
    assert 'id="id_safeguarding" name="safeguarding" type="checkbox" value="on" checked' not in page


def test_safeguarding_is_pre_ticked_when_the_report_says_safeguarding(cast: Cast):
    incident = file_report(
        cast.birch, cast.reporter, information_categories=["safeguarding", "health"]
    )

    page = text_of(signed_in_client(cast.manager).get(f"/incidents/{incident.reference}/classify/"))

    assert 'id="id_safeguarding" name="safeguarding" type="checkbox" value="on" checked' in page
    assert "The report says safeguarding or child protection information is involved" in page


def test_classifying_as_major_saves_refers_to_the_dpo_and_says_so(cast: Cast, birch: Birch):
    incident = file_report(cast.birch, cast.reporter)
    client = signed_in_client(cast.manager)
    policy = cast.birch.effective_profile.information_policies.get(name="Data Protection Policy")

    response = client.post(
        f"/incidents/{incident.reference}/classify/",
        classify_form(policies_breached=[str(policy.pk)], safeguarding="on"),
        follow=True,
    )

    page = text_of(response)
    assert response.redirect_chain == [(f"/incidents/{incident.reference}/", 302)]
    assert "Classification saved" in page
    assert "govuk-notification-banner--success" in page
    incident.refresh_from_db()
    assert (incident.state, incident.severity, incident.is_serious) == (
        State.TRIAGED,
        "major",
        True,
    )
    assert incident.confidentiality_affected and not incident.integrity_affected
    assert list(incident.policies_breached.values_list("name", flat=True)) == [
        "Data Protection Policy"
    ]
    assert incident.safeguarding_flagged
    roles = set(Involvement.objects.filter(incident=incident).values_list("person__email", "role"))
    assert (birch.dpo.email, "referral") in roles
    assert (birch.governor.email, "support") in roles  # the school preset: governors
    assert (birch.dsl.email, "safeguarding") in roles
    # The page says it: the severity, the referral not yet acknowledged.
    assert 'govuk-tag govuk-tag--red">Major</strong>' in page
    assert "Not yet acknowledged" in page
    assert "Dee Dpo" in page


def test_a_classification_with_missing_answers_comes_back_with_everything_typed(cast: Cast):
    incident = file_report(cast.birch, cast.reporter)

    response = signed_in_client(cast.manager).post(
        f"/incidents/{incident.reference}/classify/",
        classify_form(kind=None, severity_reason="", category="it_failure"),
    )

    page = text_of(response)
    assert response.status_code == 200
    assert "<title>Error: Classify incident" in page
    assert '<a href="#id_kind">Choose what kind of incident it is</a>' in page
    assert '<a href="#id_severity_reason">Give the reason for the severity</a>' in page
    assert page.count("Give the reason for the severity") == 2  # summary and beside the field
    # What was chosen is still chosen.
    assert re.search(r'name="category" type="radio" value="it_failure"[^>]*checked', page)
    assert re.search(r'name="severity" type="radio" value="major"[^>]*checked', page)
    assert not Classification.objects.filter(incident=incident).exists()


def test_a_severity_outside_the_scheme_is_refused_beside_the_field(cast: Cast):
    incident = file_report(cast.birch, cast.reporter)

    page = text_of(
        signed_in_client(cast.manager).post(
            f"/incidents/{incident.reference}/classify/", classify_form(severity="apocalyptic")
        )
    )

    assert '<a href="#id_severity">Choose the severity</a>' in page
    assert Incident.objects.get(pk=incident.pk).state == State.REPORTED


def test_the_enisa_calculator_answers_htmx_with_a_suggestion_only(cast: Cast):
    incident = file_report(cast.birch, cast.reporter, information_categories=["health"])

    response = signed_in_client(cast.manager).post(
        f"/incidents/{incident.reference}/classify/enisa/",
        {"ease_of_identification": "significant", "confidentiality_loss": "known"},
        HTTP_HX_REQUEST="true",
    )

    page = text_of(response)
    assert response.status_code == 200
    assert "<html" not in page  # a piece of the page, for htmx to swap in
    assert "The ENISA method suggests: Major (score 3.25, high)" in page
    assert "You choose the severity" in page
    assert not Classification.objects.exists()


def test_the_enisa_calculator_asks_for_what_it_needs(cast: Cast):
    incident = file_report(cast.birch, cast.reporter)

    page = text_of(
        signed_in_client(cast.manager).post(f"/incidents/{incident.reference}/classify/enisa/", {})
    )

    assert "Choose how easily the people could be identified" in page
    assert "suggests" not in page


def test_calculate_without_javascript_shows_the_suggestion_and_keeps_the_form(cast: Cast):
    incident = file_report(cast.birch, cast.reporter, information_categories=["contact"])

    page = text_of(
        signed_in_client(cast.manager).post(
            f"/incidents/{incident.reference}/classify/",
            classify_form(
                calculate="1", ease_of_identification="maximum", severity_reason="Typed so far"
            ),
        )
    )

    # Contact details (1), raised for children (2), maximum (1): 2, medium.
    assert "The ENISA method suggests: Moderate (score 2, medium)" in page
    assert "Typed so far</textarea>" in page
    assert "Error:" not in page
    assert Incident.objects.get(pk=incident.pk).state == State.REPORTED


def test_the_calculators_answers_are_kept_with_the_classification(cast: Cast):
    incident = file_report(cast.birch, cast.reporter, information_categories=["health"])

    signed_in_client(cast.manager).post(
        f"/incidents/{incident.reference}/classify/",
        classify_form(ease_of_identification="significant", confidentiality_loss="known"),
    )

    enisa = Classification.objects.get(incident=incident).enisa
    assert enisa["score"] == "3.25"
    assert enisa["suggested_severity"] == "major"


def test_reclassifying_keeps_the_history_on_the_incident_page(cast: Cast):
    incident = classify(file_report(cast.birch, cast.reporter), cast.manager, "minor")
    client = signed_in_client(cast.manager)

    page = text_of(client.get(f"/incidents/{incident.reference}/classify/"))
    assert "Reclassify the incident" in page
    # The current classification is the starting point.
    assert re.search(r'name="severity" type="radio" value="minor"[^>]*checked', page)

    client.post(
        f"/incidents/{incident.reference}/classify/",
        classify_form(severity="moderate", severity_reason="Two classes, not one."),
    )
    page = text_of(client.get(f"/incidents/{incident.reference}/"))

    assert "Earlier classifications (1)" in page
    assert "Two classes, not one." in page
    assert "A class list went to one parent." in page  # the earlier reason, kept


# --- Verify, assign, acknowledge ----------------------------------------------------------


def test_the_manager_records_what_they_checked(cast: Cast):
    incident = file_report(cast.birch, cast.reporter)
    client = signed_in_client(cast.manager)

    response = client.post(
        f"/incidents/{incident.reference}/verify/",
        {"what_was_checked": "Saw the sent e-mail in the outbox."},
        follow=True,
    )

    assert "Verification recorded" in text_of(response)
    incident.refresh_from_db()
    assert incident.verified_by == cast.manager
    assert incident.verification_notes == "Saw the sent e-mail in the outbox."
    assert "Saw the sent e-mail in the outbox." in text_of(response)


def test_a_verification_needs_what_was_checked(cast: Cast):
    incident = file_report(cast.birch, cast.reporter)

    page = text_of(
        signed_in_client(cast.manager).post(
            f"/incidents/{incident.reference}/verify/", {"what_was_checked": "  "}
        )
    )

    assert '<a href="#id_what_was_checked">Say what you checked</a>' in page
    assert Incident.objects.get(pk=incident.pk).verified_at is None


def test_the_manager_assigns_an_investigator_who_is_told(cast: Cast, birch: Birch):
    incident = classify(file_report(cast.birch, cast.reporter), cast.manager)
    client = signed_in_client(cast.manager)

    page = text_of(client.get(f"/incidents/{incident.reference}/"))
    assert "I will investigate it myself (Mina Manager)" in page
    assert "Ivy Investigator" in page
    assert "Olive Outsider" not in page  # another organisation's people are not offered

    response = client.post(
        f"/incidents/{incident.reference}/assign/",
        {"investigator": str(birch.investigator.pk)},
        follow=True,
    )

    assert "Ivy Investigator is investigating this incident and has been told" in text_of(response)
    incident.refresh_from_db()
    assert (incident.investigator, incident.state) == (birch.investigator, State.INVESTIGATING)
    assert OutgoingEmail.objects.filter(
        to=birch.investigator.email, template="investigator_assigned"
    ).exists()
    assert ">Reassign</button>" in text_of(response)
    # The list offered for reassigning starts at the current investigator, not at "Choose".
    assert f'<option value="{birch.investigator.pk}" selected>Ivy Investigator</option>' in (
        text_of(response)
    )
    assert '<option value="">Choose someone</option>' in text_of(response)


def test_the_manager_may_investigate_it_themselves(cast: Cast):
    incident = classify(file_report(cast.birch, cast.reporter), cast.manager, "critical")
    client = signed_in_client(cast.manager)

    page = text_of(client.get(f"/incidents/{incident.reference}/"))
    assert "The policy asks you to investigate critical incidents yourself." in page
    response = client.post(
        f"/incidents/{incident.reference}/assign/",
        {"investigator": str(cast.manager.pk)},
        follow=True,
    )

    assert "You are investigating this incident" in text_of(response)
    assert Incident.objects.get(pk=incident.pk).investigator == cast.manager


def test_someone_outside_the_school_cannot_be_assigned(cast: Cast):
    incident = classify(file_report(cast.birch, cast.reporter), cast.manager)

    page = text_of(
        signed_in_client(cast.manager).post(
            f"/incidents/{incident.reference}/assign/", {"investigator": str(cast.outsider.pk)}
        )
    )

    assert '<a href="#id_investigator">Choose someone from the list</a>' in page
    assert Incident.objects.get(pk=incident.pk).investigator is None


def test_an_investigator_is_assigned_only_after_classification(cast: Cast, birch: Birch):
    incident = file_report(cast.birch, cast.reporter)
    client = signed_in_client(cast.manager)

    assert "Assigned once the incident is classified" in text_of(
        client.get(f"/incidents/{incident.reference}/")
    )
    page = text_of(
        client.post(
            f"/incidents/{incident.reference}/assign/", {"investigator": str(birch.investigator.pk)}
        )
    )

    assert "Classify the incident before assigning an investigator." in page
    assert Incident.objects.get(pk=incident.pk).investigator is None


def test_the_dpo_acknowledges_the_referral(cast: Cast, birch: Birch):
    incident = classify(file_report(cast.birch, cast.reporter), cast.manager, "major")
    client = signed_in_client(birch.dpo)

    page = text_of(client.get(f"/incidents/{incident.reference}/"))
    assert "This incident was referred to you as Data Protection Officer (DPO)" in page
    response = client.post(f"/incidents/{incident.reference}/acknowledge/", follow=True)

    assert "Referral acknowledged" in text_of(response)
    assert Involvement.objects.get(incident=incident, person=birch.dpo).acknowledged_at
    assert ">Acknowledged</strong>" in text_of(response)
    # The DPO reads the handling; the manager's forms are not offered to them.
    assert "Record the verification" not in text_of(response)
    assert "Reclassify" not in text_of(response)


def test_only_the_referred_person_acknowledges(cast: Cast, birch: Birch):
    incident = classify(file_report(cast.birch, cast.reporter), cast.manager, "major")

    response = signed_in_client(cast.manager).post(f"/incidents/{incident.reference}/acknowledge/")

    assert response.status_code == 403
    assert "You cannot see this page" in text_of(response)


# --- Changes of state ---------------------------------------------------------------------


def test_not_a_security_incident_needs_a_reason_then_closes_it(cast: Cast):
    incident = file_report(cast.birch, cast.reporter)
    client = signed_in_client(cast.manager)

    page = text_of(
        client.post(f"/incidents/{incident.reference}/state/", {"action": "not_an_incident"})
    )
    assert '<a href="#id_not_an_incident-reason">Say why it is not a security incident</a>' in page
    assert Incident.objects.get(pk=incident.pk).state == State.REPORTED

    response = client.post(
        f"/incidents/{incident.reference}/state/",
        {"action": "not_an_incident", "not_an_incident-reason": "A test e-mail, no real data."},
        follow=True,
    )

    assert "Closed as not a security incident" in text_of(response)
    incident.refresh_from_db()
    assert (incident.state, incident.closure_reason) == (
        State.NOT_AN_INCIDENT,
        "A test e-mail, no real data.",
    )
    # Closed: reopening is what is offered now, with its own question.
    assert "Why are you reopening it?" in text_of(response)

    response = client.post(
        f"/incidents/{incident.reference}/state/",
        {"action": "reopen", "reopen-reason": "The parent forwarded it on."},
        follow=True,
    )
    assert "Incident reopened" in text_of(response)
    assert Incident.objects.get(pk=incident.pk).state == State.INVESTIGATING


def test_a_forbidden_change_is_refused_in_words_not_a_500(cast: Cast):
    incident = file_report(cast.birch, cast.reporter)
    client = signed_in_client(cast.manager)

    closing = client.post(f"/incidents/{incident.reference}/state/", {"action": "close"})
    unknown = client.post(f"/incidents/{incident.reference}/state/", {"action": "explode"})

    assert closing.status_code == 200
    assert "An incident that is “reported” cannot be “close”." in text_of(closing)
    assert unknown.status_code == 200
    assert "That cannot be done to an incident from this page." in text_of(unknown)
    assert Incident.objects.get(pk=incident.pk).state == State.REPORTED


def test_closing_a_major_incident_shows_the_unacknowledged_referral(cast: Cast, birch: Birch):
    incident = classify(file_report(cast.birch, cast.reporter), cast.manager, "major")
    # Straight to "outcome submitted", as the investigation issue will get it there.
    Incident.objects.filter(pk=incident.pk).update(state=State.OUTCOME_SUBMITTED)
    client = signed_in_client(cast.manager)

    page = text_of(client.get(f"/incidents/{incident.reference}/"))
    assert "It cannot be closed yet:" in page
    assert "The DPO has not yet acknowledged the referral of this incident." in page

    response = client.post(f"/incidents/{incident.reference}/state/", {"action": "close"})

    assert response.status_code == 200
    assert "<title>Error: Incident" in text_of(response)
    assert "The DPO has not yet acknowledged the referral" in text_of(response)
    assert Incident.objects.get(pk=incident.pk).state == State.OUTCOME_SUBMITTED


# --- The timeline --------------------------------------------------------------------------


def test_the_timeline_lists_every_event_in_order_in_words(cast: Cast, birch: Birch):
    with time_machine.travel(datetime.datetime(2026, 7, 6, 9, 5, tzinfo=LONDON), tick=False):
        incident = file_report(cast.birch, cast.reporter)
        incident = classify(incident, cast.manager, "major")
        assign_investigator(incident=incident, actor=cast.manager, investigator=birch.investigator)

    page = text_of(signed_in_client(cast.manager).get(f"/incidents/{incident.reference}/timeline/"))

    headings = re.findall(r'<h2 class="govuk-heading-s[^"]*">([^<]+)</h2>', page)
    assert headings[:2] == ["Reported the incident", "Classified"]
    assert "Referred the incident" in headings
    assert headings[-2:] == ["Assigned the investigator", "Started the investigation"]
    assert "Rory Reporter, <time" in page  # a named reporter is named
    assert "Dee Dpo, Data Protection Officer (DPO), was referred it" in page
    assert "6 July 2026 at 9:05am" in page  # London time (BST), not UTC
    assert "Severity major" in page
    # Names, never e-mail addresses.
    assert "@example.org" not in page
    assert 'aria-current="page">Timeline</a>' in page
    assert "data-print hidden" in page


def test_the_timeline_never_names_a_confidential_reporter(cast: Cast):
    incident = file_report(cast.birch, cast.reporter, ReportingMode.CONFIDENTIAL)
    add_information(incident=incident, author=cast.reporter, body="One more thing.")
    client = signed_in_client(cast.manager)
    client.post(f"/incidents/{incident.reference}/reporter/")  # the manager looks, once

    page = text_of(client.get(f"/incidents/{incident.reference}/timeline/"))

    assert page.count("The confidential reporter") == 2
    assert "Was shown who reported it" in page
    assert cast.reporter.full_name not in page
    assert cast.reporter.email not in page


def test_the_timeline_says_anonymous_reporter(cast: Cast):
    incident = file_report(cast.birch, None, ReportingMode.ANONYMOUS)

    page = text_of(signed_in_client(cast.manager).get(f"/incidents/{incident.reference}/timeline/"))

    assert "The anonymous reporter" in page


# --- The queue ----------------------------------------------------------------------------


def test_the_queue_puts_new_reports_first_then_the_most_severe_then_the_oldest(cast: Cast):
    minor_old = classify(file_report(cast.birch, cast.reporter), cast.manager, "minor")
    critical = classify(file_report(cast.birch, cast.reporter), cast.manager, "critical")
    moderate = classify(file_report(cast.birch, cast.reporter), cast.manager, "moderate")
    minor_new = classify(file_report(cast.birch, cast.reporter), cast.manager, "minor")
    new = file_report(cast.birch, cast.reporter)

    page = text_of(signed_in_client(cast.manager).get("/incidents/"))

    table = page[page.index("<table") : page.index("</table>")]
    order = re.findall(r'href="/incidents/([A-Z0-9-]+)/"', table)
    assert order == [
        new.reference,
        critical.reference,
        moderate.reference,
        minor_old.reference,
        minor_new.reference,
    ]
    assert '<th scope="col" class="govuk-table__header">Severity</th>' in table
    assert 'app-tag--critical">Critical</strong>' in table
    assert 'govuk-tag--yellow">Minor</strong>' in table
    assert "Not classified yet" in table


def test_the_dpo_queue_holds_the_serious_incidents_only(cast: Cast, birch: Birch):
    major = classify(file_report(cast.birch, cast.reporter), cast.manager, "major")
    minor = classify(file_report(cast.birch, cast.reporter), cast.manager, "minor")

    page = text_of(signed_in_client(birch.dpo).get("/incidents/"))

    assert '<h1 class="govuk-heading-l">Incidents</h1>' in page
    assert major.reference in page
    assert minor.reference not in page


def test_the_investigator_queue_holds_their_incidents(cast: Cast, birch: Birch):
    mine = classify(file_report(cast.birch, cast.reporter), cast.manager)
    assign_investigator(incident=mine, actor=cast.manager, investigator=birch.investigator)
    other = classify(file_report(cast.birch, cast.reporter), cast.manager)

    page = text_of(signed_in_client(birch.investigator).get("/incidents/"))

    assert mine.reference in page
    assert other.reference not in page


# --- A fixed number of queries ------------------------------------------------------------


def _busy_incident(cast: Cast, birch: Birch, *, files: int) -> Incident:
    incident = file_report(
        cast.birch, cast.reporter, files=tuple(png(f"photo-{i}.png") for i in range(files))
    )
    incident = classify(incident, cast.manager, "major")
    return assign_investigator(
        incident=incident, actor=cast.manager, investigator=birch.investigator
    )


def _add_activity(incident: Incident, cast: Cast, n: int) -> None:
    for i in range(n):
        ask_reporter(incident=incident, author=cast.manager, body=f"Question {i}")
        add_information(incident=incident, author=cast.reporter, body=f"Answer {i}")
        classify(incident, cast.manager, "major", reason=f"Reason {i}")


@pytest.mark.parametrize("path", ["/incidents/{ref}/", "/incidents/{ref}/timeline/"])
def test_the_incident_pages_cost_the_same_queries_however_busy(cast: Cast, birch: Birch, path: str):
    quiet = _busy_incident(cast, birch, files=1)
    busy = _busy_incident(cast, birch, files=3)
    _add_activity(busy, cast, 6)
    client = signed_in_client(cast.manager)

    client.get(path.format(ref=quiet.reference))  # the session settles
    with CaptureQueriesContext(connection) as few:
        assert client.get(path.format(ref=quiet.reference)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        page = text_of(client.get(path.format(ref=busy.reference)))

    assert len(many) == len(few), [q["sql"] for q in many]
    assert "Answer 5" in page or "Classified" in page


def test_the_queue_costs_the_same_queries_with_severities(cast: Cast, django_assert_num_queries):
    client = signed_in_client(cast.manager)
    for severity in ("minor", "major"):
        classify(file_report(cast.birch, cast.reporter), cast.manager, severity)
    still = stopped_clock(client)
    with still, django_assert_num_queries(6):
        client.get("/incidents/")
    for severity in ("critical", "moderate", "minor") * 5:
        classify(file_report(cast.birch, cast.reporter), cast.manager, severity)
    with still, django_assert_num_queries(6):
        page = text_of(client.get("/incidents/"))
    assert page.count("app-tag--critical") == 10  # five rows, as a table and as cards
