"""Reporting anonymously at /anonymous/<slug>/: the form, the receipt, keeping it."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, ReportingMode, Source
from incidentdesk.notifications.models import Notification
from incidentdesk.organisations.models import Duty, Organisation, Person
from incidentdesk.reporting.models import AnonymousReceipt
from incidentdesk.reporting.receipts import code_hash
from tests.factories import make_organisation, make_person, signed_in_client

pytestmark = pytest.mark.django_db

CODE_ON_PAGE = re.compile(r'name="code" value="([0-9A-Z]{20})"')


@pytest.fixture
def school() -> Organisation:
    return make_organisation("Oak School", preset="school")


@pytest.fixture
def chair(school: Organisation) -> Person:
    # The school preset sends anonymous reports to the chair of governors.
    return make_person("Carol Chair", organisation=school, duties=(Duty.CHAIR_OF_GOVERNORS,))


@pytest.fixture
def head(school: Organisation) -> Person:
    return make_person("Harriet Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))


def url(school: Organisation) -> str:
    return f"/anonymous/{school.slug}/"


def fresh_key(client: Client, school: Organisation) -> str:
    page = client.get(url(school)).content.decode()
    return re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)


def send(client: Client, school: Organisation, **data: str):
    data.setdefault("idempotency_key", fresh_key(client, school))
    data.setdefault("what_happened", "The class list was left on the bus.")
    return client.post(url(school), data)


def code_in(response) -> str:
    match = CODE_ON_PAGE.search(response.content.decode())
    assert match, "no receipt code on the page"
    return match.group(1)


# --- The form -------------------------------------------------------------------------


def test_the_form_asks_the_report_questions_but_not_who_you_are(school, chair) -> None:
    response = Client().get(url(school))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Report an incident anonymously" in page
    assert "Who is telling us?" in page
    assert "A supplier that handles our information" in page
    assert "What happened?" in page
    assert "Whose information was involved?" in page
    assert "in good faith" in page
    assert "Your report goes to the Chair of Governors of Oak School." in page
    # No identity choice, no upload (a photo's metadata can say whose phone took it).
    assert 'name="mode"' not in page
    assert 'type="file"' not in page
    assert 'autocomplete="off"' in page


def test_the_form_sets_no_cookie_and_asks_not_to_be_cached(school, chair) -> None:
    response = Client().get(url(school))

    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_each_visit_gets_a_new_idempotency_key(school, chair) -> None:
    client = Client()
    assert fresh_key(client, school) != fresh_key(client, school)


def test_an_unknown_address_is_not_found(school) -> None:
    response = Client().get("/anonymous/no-such-school/follow-up/")

    assert response.status_code == 404
    assert Client().get("/anonymous/no-such-school/").status_code == 404
    assert "Set-Cookie" not in response.headers


def test_an_organisation_without_a_profile_takes_no_anonymous_reports() -> None:
    nowhere = make_organisation("No Profile School", preset=None)

    assert Client().get(url(nowhere)).status_code == 404


def test_only_get_and_post_are_allowed(school) -> None:
    assert Client().put(url(school)).status_code == 405


# --- Sending --------------------------------------------------------------------------


def test_sending_makes_an_anonymous_incident_and_shows_its_receipt(school, chair) -> None:
    response = send(
        Client(),
        school,
        source=Source.SUPPLIER,
        supplier_name="Acme Payroll Ltd",
        reported_kind="near_miss",
        occurred_day="3",
        occurred_month="2",
        occurred_year="2025",
        occurred_time="2:30pm",
        whose_information=["pupils", "parents"],
        people_count="11-50",
        location="The staff room",
    )

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    page = response.content.decode()
    assert "Report sent" in page
    assert "Write this code down or save it. We cannot show it again." in page
    assert "I have kept my receipt code" in page
    code = code_in(response)
    displayed = "-".join(
        f'<span class="app-receipt__group">{code[i : i + 5]}</span>' for i in range(0, 20, 5)
    )
    assert displayed in page

    incident = Incident.objects.get()
    assert incident.mode == ReportingMode.ANONYMOUS
    assert incident.reporter is None
    assert incident.organisation == school
    assert incident.what_happened == "The class list was left on the bus."
    assert incident.source == Source.SUPPLIER
    assert incident.supplier_name == "Acme Payroll Ltd"
    assert incident.reported_kind == "near_miss"
    assert str(incident.occurred_on) == "2025-02-03"
    assert str(incident.occurred_time) == "14:30:00"
    assert incident.whose_information == ["pupils", "parents"]
    assert incident.people_count == "11-50"
    assert incident.location == "The staff room"
    # Only the keyed hash is kept, never the code.
    assert AnonymousReceipt.objects.get().code_hash == code_hash(code)
    assert code not in str(list(AnonymousReceipt.objects.values_list()))
    # The anonymous recipient is told, and no one is named as the reporter.
    assert Notification.objects.filter(person=chair).exists()
    reported = AuditEvent.objects.get(action="incident.reported")
    assert reported.actor_id is None
    assert reported.actor_label == "anonymous reporter"
    assert Session.objects.count() == 0


def test_a_supplier_name_alone_says_a_supplier_is_telling_us(school, chair) -> None:
    send(Client(), school, supplier_name="Acme Payroll Ltd")

    incident = Incident.objects.get()
    assert (incident.source, incident.supplier_name) == (Source.SUPPLIER, "Acme Payroll Ltd")


def test_what_happened_must_be_given_and_answers_are_kept(school, chair) -> None:
    response = send(Client(), school, what_happened="  ", location="The library")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Report an incident anonymously" in page
    assert '<a href="#id_what_happened">Enter what happened</a>' in page
    assert 'id="id_what_happened-error"' in page
    assert 'value="The library"' in page
    assert not Incident.objects.exists()


# The checks are the staff form's (forms.ReportForm); these show they apply here too.
@pytest.mark.parametrize(
    ("parts", "message", "anchor"),
    [
        (
            {"occurred_day": "3", "occurred_year": "2025"},
            "The date it happened must include a month",
            "id_occurred_month",
        ),
        (
            {"occurred_day": "31", "occurred_month": "2", "occurred_year": "2025"},
            "The date it happened must be a real date",
            "id_occurred_day",
        ),
        (
            {"occurred_day": "1", "occurred_month": "1", "occurred_year": "2999"},
            "The date it happened must be today or in the past",
            "id_occurred_day",
        ),
        (
            {"occurred_time": "half past"},
            "The time it happened must be a real time, like 9:30am or 14:30",
            "id_occurred_time",
        ),
    ],
)
def test_dates_and_times_are_checked(school, chair, parts, message, anchor) -> None:
    response = send(Client(), school, **parts)

    assert f'<a href="#{anchor}">{message}</a>' in response.content.decode()
    assert not Incident.objects.exists()


def test_a_day_without_a_time_is_kept(school, chair) -> None:
    send(Client(), school, discovered_day="1", discovered_month="3", discovered_year="2025")

    discovered = Incident.objects.get().discovered_at.astimezone(ZoneInfo("Europe/London"))
    assert discovered.date().isoformat() == "2025-03-01"


def test_sending_twice_makes_one_incident_and_shows_the_same_receipt(school, chair) -> None:
    client = Client()
    key = fresh_key(client, school)

    first = send(client, school, idempotency_key=key)
    second = send(client, school, idempotency_key=key)

    assert Incident.objects.count() == 1
    assert code_in(first) == code_in(second)


def test_a_different_report_under_a_used_key_is_a_new_report(school, chair) -> None:
    client = Client()
    key = fresh_key(client, school)

    first = send(client, school, idempotency_key=key, what_happened="First thing")
    second = send(client, school, idempotency_key=key, what_happened="Another thing")

    assert Incident.objects.count() == 2
    assert code_in(first) != code_in(second)


def test_a_missing_or_strange_key_still_sends_the_report(school, chair) -> None:
    send(Client(), school, idempotency_key="")
    send(Client(), school, idempotency_key="'; drop table --", what_happened="Other")

    assert Incident.objects.count() == 2


def test_a_refresh_of_the_address_shows_a_blank_form_not_the_code(school, chair) -> None:
    client = Client()
    code = code_in(send(client, school))

    again = client.get(url(school))

    assert code not in again.content.decode()
    assert "Report an incident anonymously" in again.content.decode()


def test_a_signed_in_member_of_staff_still_reports_as_no_one(school, chair, head) -> None:
    teacher = make_person("Tom Teacher", organisation=school)
    client = signed_in_client(teacher)
    session_before = Session.objects.get().session_data

    response = send(client, school)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    # Not shown as signed in (no navigation, no sign-out form with its CSRF token)...
    assert "Sign out" not in response.content.decode()
    incident = Incident.objects.get()
    assert incident.reporter is None
    assert not AuditEvent.objects.filter(actor_id=teacher.pk).exists()
    # ...and their session is not touched: its last-activity time would date the report.
    assert Session.objects.get().session_data == session_before


# --- Keeping the receipt --------------------------------------------------------------


def test_continuing_without_the_tick_shows_the_receipt_again_with_an_error(school, chair) -> None:
    client = Client()
    code = code_in(send(client, school))

    response = client.post(url(school), {"action": "confirm", "code": code})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Report sent: keep your receipt code" in page
    assert '<a href="#kept">Confirm that you have kept your receipt code</a>' in page
    assert 'id="kept-error"' in page
    assert code_in(response) == code
    assert response.headers["Cache-Control"] == "no-store"


def test_continuing_with_the_tick_moves_on_without_the_code(school, chair) -> None:
    client = Client()
    code = code_in(send(client, school))

    response = client.post(url(school), {"action": "confirm", "code": code, "kept": "yes"})

    page = response.content.decode()
    assert "Thank you for telling us" in page
    assert code not in page
    assert f"/anonymous/{school.slug}/follow-up/" in page
    assert Incident.objects.count() == 1


def test_a_confirmation_with_no_real_code_gets_a_blank_form(school, chair) -> None:
    response = Client().post(url(school), {"action": "confirm", "code": "<script>x</script>"})

    page = response.content.decode()
    assert "Report an incident anonymously" in page
    assert "<script>x" not in page
    assert not Incident.objects.exists()


def test_a_retry_after_the_replay_window_explains_instead_of_showing_a_code(
    school, chair, time_machine
) -> None:
    client = Client()
    key = fresh_key(client, school)
    time_machine.move_to("2026-03-02 10:00 +00:00")
    send(client, school, idempotency_key=key)

    time_machine.move_to("2026-03-02 12:00 +00:00")
    response = send(client, school, idempotency_key=key)

    page = response.content.decode()
    assert "This report was sent before" in page
    assert not CODE_ON_PAGE.search(page)
    assert Incident.objects.count() == 1
