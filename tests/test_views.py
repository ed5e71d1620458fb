"""The home page, the health check, the shared layout and the error pages, over HTTP."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.messages import add_message, constants
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from incidentdesk.organisations.models import Duty, OrganisationKind, Person
from incidentdesk.organisations.services import duty_assign
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "incidentdesk" / "templates"


class _TagCollector(HTMLParser):
    """Collects every start tag with its attributes, to look for inline script and style."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _TagCollector()
    collector.feed(html)
    return collector.tags


def _signed_in(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def staff_member() -> Person:
    return make_person("Alice Jones", organisation=make_organisation("Oakfield Primary School"))


def test_healthz_says_ok_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_favicon_ico_points_at_our_icon(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/incidentdesk/favicon.svg"
    assert client.get(response["Location"]).status_code == 200


def test_home_requires_signing_in(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_home_greets_a_member_of_staff_and_offers_to_report(staff_member: Person) -> None:
    response = _signed_in(staff_member).get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Home – Incident Desk</title>" in html
    assert "Hello, Alice" in html
    assert "Oakfield Primary School" in html
    assert html.count('href="/report/"') == 2  # the navigation bar and the start button
    assert "Your duties" not in html


@override_settings(REQUIRE_TWO_FACTOR=False)  # the code step is the accounts tests' business
def test_home_lists_duties_by_the_title_the_profile_gives_them() -> None:
    trust = make_organisation("Northfield Trust", kind=OrganisationKind.TRUST, preset="trust")
    school = make_organisation("Oakfield Primary School", trust=trust)
    person = make_person("Ben Carter", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    duty_assign(person=person, organisation=school, duty=Duty.DPO, title="School DPO")

    html = _signed_in(person).get("/").content.decode()

    assert "Your duties" in html
    # The school has no profile of its own: the title comes from the trust's.
    assert "Information Champion" in html
    assert "School DPO" in html
    assert "Oakfield Primary School</a>, part of Northfield Trust" in html


@override_settings(REQUIRE_TWO_FACTOR=False)
def test_home_queries_do_not_grow_with_the_number_of_duties() -> None:
    trust = make_organisation(kind=OrganisationKind.TRUST, preset="trust")
    person = make_person(organisation=make_organisation(trust=trust), duties=(Duty.GOVERNOR,))
    client = _signed_in(person)
    client.get("/")  # warm up: the session's first request may write to it

    with CaptureQueriesContext(connection) as one_duty:
        assert client.get("/").status_code == 200
    for _ in range(3):
        school = make_organisation(trust=trust)
        duty_assign(person=person, organisation=school, duty=Duty.INCIDENT_MANAGER)
        duty_assign(person=person, organisation=make_organisation(), duty=Duty.DPO)
    with CaptureQueriesContext(connection) as seven_duties:
        html = client.get("/").content.decode()

    assert html.count("govuk-summary-list__row") == 7
    # Not more: a governor's menu asks one question a manager's does not (membership).
    assert len(seven_duties) <= len(one_duty), [q["sql"] for q in seven_duties.captured_queries]


def test_pages_have_no_inline_script_or_style(staff_member: Person) -> None:
    # The Content-Security-Policy allows scripts and styles only from our own files.
    html = _signed_in(staff_member).get("/").content.decode()

    tags = _tags(html)
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts and all(attrs.get("src") for attrs in scripts)
    assert not [tag for tag, attrs in tags if tag == "style" or "style" in attrs]
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_the_layout_has_landmarks_a_skip_link_and_a_live_region(staff_member: Person) -> None:
    html = _signed_in(staff_member).get("/").content.decode()

    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert '<main class="govuk-main-wrapper" id="main-content">' in html
    assert "<header" in html and "<footer" in html
    assert 'aria-live="polite"' in html
    assert "govuk-header__" not in html  # the GOV.UK header, with its crown, is not ours
    assert "Crown copyright" not in html


def test_admin_link_only_for_people_who_may_use_the_admin(staff_member: Person) -> None:
    assert "/admin/" not in _signed_in(staff_member).get("/").content.decode()

    staff_member.is_staff = True
    staff_member.save()
    with override_settings(REQUIRE_TWO_FACTOR=False):
        assert 'href="/admin/"' in _signed_in(staff_member).get("/").content.decode()


def test_sign_out_is_a_form_that_posts(staff_member: Person) -> None:
    html = _signed_in(staff_member).get("/").content.decode()

    form = re.search(
        r'<form class="app-service-navigation__form" method="post" action="([^"]+)"', html
    )
    assert form and form.group(1) == "/accounts/sign-out/"
    assert "csrfmiddlewaretoken" in html


@override_settings(DEMO_MODE=True)
def test_demo_banner_shows_in_demo_mode(client: Client) -> None:
    html = client.get("/accounts/sign-in/").content.decode()

    assert "govuk-phase-banner" in html
    assert "do not enter real information" in html


def test_no_demo_banner_otherwise(client: Client) -> None:
    assert "govuk-phase-banner" not in client.get("/accounts/sign-in/").content.decode()


def test_messages_show_in_a_notification_banner() -> None:
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    add_message(request, constants.SUCCESS, "Classification saved")
    add_message(request, constants.INFO, "The ICO decision is due tomorrow")

    html = render_to_string("404.html", request=request)

    assert "govuk-notification-banner--success" in html
    assert "Classification saved" in html
    assert "The ICO decision is due tomorrow" in html
    assert html.count('role="alert"') == 1  # only the success banner takes focus


def test_an_unknown_address_gets_the_plain_404_page(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Page not found – Incident Desk" in response.content.decode()


def test_a_form_sent_without_its_security_token_gets_the_expired_page() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/sign-in/", {"email": "a@example.org", "password": "x"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "This page has expired – Incident Desk" in html
    assert "CSRF" not in html  # no jargon


def test_the_403_page_uses_plain_words(staff_member: Person) -> None:
    request = RequestFactory().get("/")
    request.user = staff_member

    html = render_to_string("403.html", request=request)

    assert "You cannot see this page – Incident Desk" in html
    assert "Sign out" in html  # the signed-in layout


def test_the_500_page_needs_no_request_and_no_database() -> None:
    # Django renders it with no context; make sure it does not touch the database either.
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("500.html")

    assert "Something went wrong" in html
    assert "{%" not in html
    assert len(queries) == 0
    assert "{% extends" not in (TEMPLATES / "500.html").read_text()


@pytest.mark.django_db
def test_the_help_and_accessibility_pages_are_open_to_everyone(client):
    help_page = client.get("/help/")
    statement = client.get("/accessibility/")

    assert help_page.status_code == 200
    assert "in good faith" in help_page.content.decode()
    assert statement.status_code == 200
    assert "(WCAG) 2.2" in statement.content.decode()
