"""Handling an incident in a real browser: the manager classifies a report as major with
the ENISA suggestion, the DPO acknowledges the referral, the manager assigns an
investigator. axe on every page, at desktop and phone width (and tablet for the queue and
the incident page)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from incidentdesk.incidents.models import Incident, Involvement, Kind, ReportingMode, State
from incidentdesk.investigations.models import Evidence, InvestigationStep
from incidentdesk.organisations.models import Duty, Person
from incidentdesk.reporting.services import ReportDetails, report_incident
from tests.e2e.conftest import NewPage, check_page, sign_in_with_cookie, visit
from tests.e2e.test_investigation import PNG, _open_step, _save
from tests.factories import make_organisation, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@dataclass
class School:
    manager: Person
    dpo: Person
    investigator: Person
    incident: Incident


@pytest.fixture
def school() -> School:
    school = make_organisation("Oakfield Primary School")
    manager = make_person("Dana Hart", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    dpo = make_person("Priya Protection", organisation=school, duties=(Duty.DPO,))
    investigator = make_person("Ivan Investigator", organisation=school)
    reporter = make_person("Rory Reporter", organisation=school)
    incident = report_incident(
        organisation=school,
        reporter=reporter,
        mode=ReportingMode.NAMED,
        details=ReportDetails(
            what_happened="Year 4's medical needs list was e-mailed to one parent by mistake.",
            reported_kind=Kind.CONFIRMED_BREACH,
            whose_information=["pupils"],
            information_categories=["health"],
        ),
    ).incident
    return School(manager=manager, dpo=dpo, investigator=investigator, incident=incident)


def _group(page: Page, legend: str):
    return page.get_by_role("group", name=legend)


def test_major_incident_from_classification_to_investigated_steps_and_evidence(
    browser_page: Page, new_page: NewPage, live_server, school: School
) -> None:
    page = browser_page
    base = live_server.url
    reference = school.incident.reference
    sign_in_with_cookie(page, base, school.manager)

    visit(page, f"{base}/incidents/")
    with page.expect_navigation():
        page.get_by_role("link", name=reference).click()
    check_page(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Classify the incident").click()
    check_page(page)
    assert page.title() == f"Classify incident {reference} – Incident Desk"

    _group(page, "What kind of incident is it?").get_by_label("Confirmed breach").check()
    _group(page, "What sort of incident is it?").get_by_label("Sent to the wrong person").check()
    _group(page, "Is personal information involved?").get_by_label("Yes").check()
    _group(page, "What was affected?").get_by_label("Confidentiality", exact=False).check()
    _group(page, "Which of our information policies were breached?").get_by_label(
        "Data Protection Policy"
    ).check()

    # The calculator, through htmx: the suggestion appears on the page, nothing is saved.
    _group(
        page, "How easily could someone tell who the people are from the information?"
    ).get_by_label("Significant: easy, with a little other information").check()
    _group(page, "Was the information seen by people who should not see it?").get_by_label(
        "Yes, by people we know, such as one parent"
    ).check()
    page.get_by_role("button", name="Calculate").click()
    suggestion = page.get_by_text("The ENISA method suggests: Major (score 3.25, high)")
    expect(suggestion).to_be_visible()
    assert page.url.endswith(f"/incidents/{reference}/classify/")
    check_page(page)

    _group(page, "How severe is it?").get_by_label("Major", exact=True).check()
    page.get_by_label("Why this severity?").fill(
        "Health information about 30 pupils went to a parent; the ENISA score agrees."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save the classification").click()
    check_page(page)
    expect(page.get_by_text("Classification saved")).to_be_visible()
    expect(page.get_by_text("Not yet acknowledged")).to_be_visible()

    # The DPO, in their own browser, acknowledges the referral.
    width = (page.viewport_size or {"width": 1280})["width"]
    dpo_page = new_page("phone" if width < 600 else "desktop")
    sign_in_with_cookie(dpo_page, base, school.dpo)
    visit(dpo_page, f"{base}/incidents/{reference}/")
    expect(dpo_page.get_by_text("This incident was referred to you")).to_be_visible()
    with dpo_page.expect_navigation():
        dpo_page.get_by_role("button", name="Acknowledge the referral").click()
    check_page(dpo_page)
    expect(dpo_page.get_by_text("Referral acknowledged")).to_be_visible()
    assert Involvement.objects.get(person=school.dpo).acknowledged_at is not None

    # Back to the manager: assign the investigator.
    visit(page, f"{base}/incidents/{reference}/")
    expect(page.get_by_text("Acknowledged", exact=True)).to_be_visible()
    page.get_by_label("Who will investigate it?").select_option(label="Ivan Investigator")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign").click()
    check_page(page)
    expect(
        page.get_by_text("Ivan Investigator is investigating this incident and has been told")
    ).to_be_visible()
    incident = Incident.objects.get(pk=school.incident.pk)
    assert (incident.state, incident.investigator) == (State.INVESTIGATING, school.investigator)

    # The timeline tells the whole story, with a Print button that the script shows.
    with page.expect_navigation():
        page.get_by_role("link", name="Timeline").click()
    check_page(page)
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    for what in ("Reported the incident", "Classified", "Acknowledged the referral"):
        expect(page.get_by_role("heading", name=what)).to_be_visible()

    # The investigator, in their own browser, works through steps a–k and adds evidence.
    investigator = new_page("phone" if width < 600 else "desktop")
    sign_in_with_cookie(investigator, base, school.investigator)
    visit(investigator, f"{base}/incidents/{reference}/investigation/")
    for letter in "abcdefghijk":
        _open_step(investigator, letter)
        if letter == "h":
            investigator.get_by_label("Yes, it is complete").check()
            investigator.get_by_label("No, there will be no disciplinary action").check()
            investigator.get_by_label("What was decided, and why?").fill(
                "A genuine mistake under time pressure: retraining, no disciplinary action."
            )
        elif letter == "d":
            investigator.get_by_label("It does not apply to this incident").check()
            investigator.get_by_label("Why does it not apply?").fill("No expert was needed.")
        else:
            investigator.get_by_label("Yes, it is complete").check()
            investigator.get_by_label("What was done?").fill(f"Step {letter}: done and recorded.")
        _save(investigator)
    assert "11 of 11 steps completed" in investigator.inner_text("main")

    with investigator.expect_navigation():
        investigator.get_by_role("button", name="Add evidence").click()
    check_page(investigator)
    investigator.get_by_label("Title").fill("The e-mail as sent")
    investigator.get_by_label("Upload a file").set_input_files(
        {"name": "sent.png", "mimeType": "image/png", "buffer": PNG}
    )
    _save(investigator)
    card = investigator.locator(".govuk-summary-card", has_text="The e-mail as sent")
    expect(card.locator("[data-sha256]")).to_have_text(hashlib.sha256(PNG).hexdigest())
    steps = InvestigationStep.objects.filter(incident=school.incident)
    assert all(step.is_resolved for step in steps) and steps.count() == 11
    assert Evidence.objects.get(incident=school.incident).sha256 == hashlib.sha256(PNG).hexdigest()


def test_the_queue_and_incident_page_fit_a_tablet(
    new_page: NewPage, live_server, school: School
) -> None:
    page = new_page(width=820, height=1180)
    sign_in_with_cookie(page, live_server.url, school.manager)

    visit(page, f"{live_server.url}/incidents/")
    visit(page, f"{live_server.url}/incidents/{school.incident.reference}/")
    visit(page, f"{live_server.url}/incidents/{school.incident.reference}/classify/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 820


def test_classification_errors_pass_axe(browser_page: Page, live_server, school: School) -> None:
    page = browser_page
    sign_in_with_cookie(page, live_server.url, school.manager)
    visit(page, f"{live_server.url}/incidents/{school.incident.reference}/classify/")

    with page.expect_navigation():
        page.get_by_role("button", name="Save the classification").click()
    check_page(page)
    assert page.title().startswith("Error: ")
    expect(page.get_by_role("link", name="Give the reason for the severity")).to_be_visible()
