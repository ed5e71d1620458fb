"""The menu on every signed-in page: the links a person may use, the current one marked."""

from __future__ import annotations

from django.test import Client

from incidentdesk.organisations.models import (
    Duty,
    DutyHolder,
    Organisation,
    OrganisationKind,
    Person,
)


def _menu(html: str) -> str:
    return html[html.index('id="navigation"') : html.index("</ul>", html.index('id="navigation"'))]


def test_the_menu_shows_the_pages_a_person_may_use_and_marks_the_current_one(
    client: Client, db
) -> None:
    school = Organisation.objects.create(
        name="Acorn Primary", slug="acorn", code="ACN", kind=OrganisationKind.SCHOOL
    )
    person = Person.objects.create_user("mandy@example.org", "x" * 12, full_name="Mandy Moss")
    DutyHolder.objects.create(organisation=school, person=person, duty=Duty.INCIDENT_MANAGER)
    client.force_login(person)

    help_menu = _menu(client.get("/help/").content.decode())
    assert '<a class="govuk-service-navigation__link" href="/">Home</a>' in help_menu
    assert ">Dashboard</a>" in help_menu
    assert "aria-current" not in help_menu
    assert ">Admin</a>" not in help_menu

    home_menu = _menu(client.get("/").content.decode())
    assert (
        '<a class="govuk-service-navigation__link" href="/" aria-current="page">'
        '<strong class="govuk-service-navigation__active-fallback">Home</strong></a>'
    ) in home_menu


def test_plain_staff_see_home_only_and_admin_users_see_admin(client: Client, db) -> None:
    person = Person.objects.create_user("sam@example.org", "x" * 12, full_name="Sam Stone")
    client.force_login(person)
    menu = _menu(client.get("/help/").content.decode())
    assert menu.count("govuk-service-navigation__item") == 2  # Home and Sign out
    Person.objects.filter(pk=person.pk).update(is_staff=True)
    assert ">Admin</a>" in _menu(client.get("/help/").content.decode())


def test_an_anonymous_page_has_no_menu(client: Client, db) -> None:
    html = client.get("/help/").content.decode()
    assert 'id="navigation"' not in html
    assert "/static/dist/incidentdesk.css" in html
