"""The register's page: who may use it, what each filter and sort gives, paging, bad input,
and a fixed number of queries whatever the number of incidents.

The incidents are the dashboards' `world` (tests/oversight/conftest.py): Birch School's
six, Oak Learning Trust's four (the trust, Acorn, Beech) and Cedar's three, which nobody
here may ever see.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidentdesk.deadlines.models import Deadline
from incidentdesk.incidents import rules as incident_rules
from incidentdesk.incidents.models import STATE_ORDER, Incident, Kind, ReportingMode, State
from incidentdesk.incidents.services import assign_investigator
from incidentdesk.organisations.models import Duty, InformationPolicy
from incidentdesk.oversight import register, rules
from tests.factories import make_organisation, make_person, signed_in_client

from .conftest import World

REFERENCE = re.compile(r'href="/incidents/([A-Z0-9]+-\d{4}-\d{4})/"')


def shown(response) -> list[str]:
    """The references in the register's table, in the order shown (each once)."""
    html = response.content.decode()
    table = html.split('class="app-incident-queue__table"', 1)[-1].split("</table>", 1)[0]
    return REFERENCE.findall(table)


def refs(incidents) -> set[str]:
    return {incident.reference for incident in incidents}


def get(person, query: str = ""):
    response = signed_in_client(person).get(f"/oversight/register/{query}")
    assert response.status_code == 200, response.status_code
    return response


# --- Who may use it -----------------------------------------------------------------------


def test_the_incident_manager_sees_every_incident_of_their_school_and_no_one_elses(
    world: World,
) -> None:
    assert set(shown(get(world.manager))) == refs(world.birch_incidents)


def test_a_trusts_champion_sees_the_trust_and_its_schools(world: World) -> None:
    response = get(world.champion)
    assert set(shown(response)) == refs(world.trust_incidents)
    # Several organisations: each row names its own.
    assert "Beech Primary" in response.content.decode()


def test_another_organisations_incidents_never_appear_whatever_the_filters(
    world: World,
) -> None:
    cedar = world.cedar
    cedar_refs = set(
        Incident.objects.filter(organisation=cedar).values_list("reference", flat=True)
    )
    assert cedar_refs
    for query in ("", f"?organisation={cedar.pk}", "?q=CED", "?state=reported", "?sort=reference"):
        for person in (world.manager, world.champion, world.dpo):
            assert not set(shown(get(person, query))) & cedar_refs, (person, query)
    # Naming Cedar as a filter is refused as a choice the register does not offer.
    html = get(world.manager, f"?organisation={cedar.pk}").content.decode()
    assert "Choose schools from the list" in html


def test_the_dpo_sees_what_incidents_visible_to_gives_them(world: World) -> None:
    # Birch's DPO: the major incident only (the serious ones), not the minor or unclassified.
    major = next(i for i in world.birch_incidents if i.severity == "major")
    assert shown(get(world.dpo)) == [major.reference]


@pytest.mark.parametrize("who", ["reporter", "governor", "chair", "trustee"])
def test_staff_and_governors_are_refused(world: World, who: str) -> None:
    person = getattr(world, who)
    client = signed_in_client(person)
    assert client.get("/oversight/register/").status_code == 403
    assert client.get("/oversight/register/export.csv").status_code == 403
    assert client.get("/oversight/register/export.xlsx").status_code == 403
    assert not rules.may_see(person)


def test_an_investigator_is_refused(world: World) -> None:
    classified = world.birch_incidents[0]
    assign_investigator(incident=classified, actor=world.manager, investigator=world.reporter)
    assert signed_in_client(world.reporter).get("/oversight/register/").status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, world: World) -> None:
    response = client.get("/oversight/register/")
    assert response.status_code == 302
    assert "sign-in" in response["Location"] or "login" in response["Location"]


def test_the_menu_and_home_page_link_the_register_only_for_those_who_may_use_it(
    world: World,
) -> None:
    manager_home = signed_in_client(world.manager).get("/").content.decode()
    assert manager_home.count('href="/oversight/register/"') == 2  # menu and home page
    reporter_home = signed_in_client(world.reporter).get("/").content.decode()
    assert 'href="/oversight/register/"' not in reporter_home


# --- Filters ------------------------------------------------------------------------------


def test_each_filter_narrows_to_the_incidents_it_names(world: World) -> None:
    a, b, c, d, e, f = world.birch_incidents
    policy = InformationPolicy.objects.get(
        profile=world.birch.effective_profile, name="Data Protection Policy"
    )
    Incident.objects.filter(pk=e.pk).update(location="The science block")
    cases = {
        "?state=reported": {e, f},
        "?state=reported&state=not_an_incident": {c, e, f},
        f"?kind={Kind.NEAR_MISS}": {b},
        "?category=accident": {b},
        "?category=wrong_recipient": {a, d},
        "?severity=major": {d},
        "?severity=minor": {a, b},
        f"?policy={policy.pk}": {a, d},
        "?reported_from_day=1&reported_from_month=10&reported_from_year=2026": {d, e, f},
        "?reported_to_day=30&reported_to_month=9&reported_to_year=2026": {a, b, c},
        (
            "?reported_from_day=1&reported_from_month=10&reported_from_year=2026"
            "&reported_to_day=31&reported_to_month=october&reported_to_year=2026"
        ): {d, e},
        "?q=SCIENCE": {e},
        f"?q={d.reference}": {d},
        "?state=reported&q=science": {e},
    }
    for query, expected in cases.items():
        assert set(shown(get(world.manager, query))) == refs(expected), query


def test_the_organisation_filter_picks_a_trusts_school(world: World) -> None:
    t1, t2, t3, t4 = world.trust_incidents
    assert set(shown(get(world.champion, f"?organisation={world.acorn.pk}"))) == refs([t2, t3])
    query = f"?organisation={world.beech.pk}&organisation={world.trust.pk}"
    assert set(shown(get(world.champion, query))) == refs([t1, t4])


def test_overdue_means_an_open_deadline_past_due(world: World) -> None:
    now = timezone.now()
    overdue = set(
        Deadline.objects.filter(
            incident__organisation=world.birch,
            met_at__isnull=True,
            withdrawn_at__isnull=True,
            due_at__lt=now,
        ).values_list("incident__reference", flat=True)
    )
    # Meet every deadline of one overdue incident: it leaves the list.
    first = sorted(overdue)[0]
    Deadline.objects.filter(incident__reference=first).update(met_at=now)
    overdue.discard(first)
    assert overdue
    assert set(shown(get(world.manager, "?overdue=yes"))) == overdue


def test_the_count_says_how_many_match(world: World) -> None:
    html = get(world.manager, "?state=reported").content.decode()
    assert re.search(r'role="status">\s*2 incidents match', html)
    html = get(world.manager, "?severity=major").content.decode()
    assert re.search(r'role="status">\s*1 incident matches', html)


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "?reported_from_day=31&reported_from_month=2&reported_from_year=2026",
            "The first day must be a real date",
        ),
        ("?reported_from_day=1&reported_from_month=2", "The first day must include a year"),
        (
            "?reported_to_day=1&reported_to_month=2&reported_to_year=26",
            "Year must include 4 numbers",
        ),
        (
            "?reported_from_day=2&reported_from_month=2&reported_from_year=2026"
            "&reported_to_day=1&reported_to_month=2&reported_to_year=2026",
            "The last day must be the same as or after the first day",
        ),
        ("?state=lost", "Choose states from the list"),
        ("?severity=%00", "Choose severities from the list"),
        ("?policy=abc", "Choose policies from the list"),
        ("?q=" + "x" * 101, "Search must be 100 characters or fewer"),
    ],
)
def test_bad_filters_give_a_message_beside_the_field_not_a_500(
    world: World, query: str, message: str
) -> None:
    html = get(world.manager, query).content.decode()
    assert "There is a problem" in html
    assert html.count(message) == 2  # in the summary and beside the field
    assert "Correct the filters above to see incidents." in html


def test_what_was_typed_in_a_bad_date_is_kept(world: World) -> None:
    html = get(
        world.manager, "?reported_from_day=31&reported_from_month=2&reported_from_year=2026"
    ).content.decode()
    assert 'name="reported_from_day" type="text" inputmode="numeric" value="31"' in html


def test_a_cursor_the_register_did_not_give_starts_again_at_the_first_page(
    world: World,
) -> None:
    for cursor in ("nonsense", "W1tdXQ", "x" * 2000):
        response = get(world.manager, f"?after={cursor}")
        assert "That page link no longer works" in response.content.decode()
        assert set(shown(response)) == refs(world.birch_incidents)


# --- Sorting and paging -------------------------------------------------------------------


def test_sorts(world: World) -> None:
    a, b, c, d, e, f = world.birch_incidents
    newest = shown(get(world.manager))
    assert newest == [i.reference for i in (f, e, d, c, b, a)]
    assert shown(get(world.manager, "?sort=oldest")) == list(reversed(newest))
    by_severity = shown(get(world.manager, "?sort=severity"))
    assert by_severity[0] == d.reference  # major
    assert set(by_severity[1:3]) == refs([a, b])  # minor
    assert shown(get(world.manager, "?sort=reference")) == sorted(newest)
    by_state = shown(get(world.manager, "?sort=state"))
    assert by_state == [
        f.reference,
        e.reference,
        d.reference,
        b.reference,
        a.reference,
        c.reference,
    ]


def test_the_sort_links_say_which_is_in_use(world: World) -> None:
    html = get(world.manager, "?sort=oldest&state=reported").content.decode()
    current = re.findall(r'<a [^>]*aria-current="true">([^<]+)<', html)
    assert current == ["Oldest reported first"]
    # The links keep the filters.
    assert "state=reported&amp;sort=severity" in html


@pytest.mark.parametrize("sort", list(register.SORTS))
def test_paging_forwards_and_back_walks_every_incident_once(world: World, sort: str) -> None:
    scope = register.register_scope(world.champion)
    for incident in world.trust_incidents:  # more on the same second, to test the ties
        Incident.objects.filter(pk=incident.pk).update(
            reported_at=world.trust_incidents[0].reported_at
        )
    filters = register.RegisterFilters(sort=sort)
    everyone = [
        i.reference for i in register.register_page(world.champion, scope, filters).incidents
    ]
    assert len(everyone) == 4

    pages, page = [], register.register_page(world.champion, scope, filters, size=1)
    while True:
        pages.append([i.reference for i in page.incidents])
        if not page.next_cursor:
            break
        page = register.register_page(
            world.champion, scope, filters, after=page.next_cursor, size=1
        )
    assert [ref for p in pages for ref in p] == everyone
    # And back from the last page to the first.
    back = []
    while page.previous_cursor:
        page = register.register_page(
            world.champion, scope, filters, before=page.previous_cursor, size=1
        )
        back.append(page.incidents[0].reference)
    assert back == list(reversed(everyone[:-1]))


def test_the_page_links_to_the_next_page_keeping_the_filters(world: World) -> None:
    # 55 more reports at Birch: two pages of 50.
    make_incidents(world.birch, 55)
    response = get(world.manager, "?state=reported")
    html = response.content.decode()
    assert len(shown(response)) == 50
    next_link = re.search(r'href="\?(state=reported&amp;after=[^"]+)" rel="next"', html)
    assert next_link
    second = get(world.manager, "?" + next_link.group(1).replace("&amp;", "&"))
    assert len(shown(second)) == 2 + 55 - 50
    assert 'rel="prev"' in second.content.decode()


# --- Cost ---------------------------------------------------------------------------------


def make_incidents(organisation, n: int, **fields) -> list[Incident]:
    """n incidents at once (bulk, as the benchmark data is made), newest last."""
    start = timezone.now() - datetime.timedelta(days=n)
    made = Incident.objects.bulk_create(
        Incident(
            organisation=organisation,
            reference=f"{organisation.code}-2025-{i:04d}",
            mode=ReportingMode.NAMED,
            what_happened="Made in bulk.",
            reported_at=start + datetime.timedelta(days=i),
            state=State.REPORTED,
            **fields,
        )
        for i in range(n)
    )
    return made


REGISTER_TABLES = (
    "organisations_organisation",
    "organisations_informationpolicy",
    "organisations_severitylevel",
    "incidents_incident",
)


def register_queries(queries) -> list[str]:
    """The queries the register itself makes (not the session's or the menu's)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if any(f'FROM "{table}"' in q["sql"] for table in REGISTER_TABLES)
    ]


@pytest.mark.parametrize("trust", [False, True], ids=["school", "trust"])
def test_a_filtered_page_costs_the_same_queries_for_3_incidents_or_60(db, trust: bool) -> None:
    counts, own = [], []
    for n in (3, 60):
        if trust:
            # A trust's manager: the page reads each school's range on its own.
            top = make_organisation(kind="trust")
            schools = [make_organisation(trust=top) for _ in range(3)]
            manager = make_person(organisation=top, duties=(Duty.INCIDENT_MANAGER,))
            for school in schools:
                make_incidents(school, n)
        else:
            school = make_organisation()
            manager = make_person(organisation=school, duties=(Duty.INCIDENT_MANAGER,))
            make_incidents(school, n)
        client = signed_in_client(manager)
        client.get("/oversight/register/")  # warm the session
        query = "?state=reported&q=bulk&sort=severity&overdue=yes"
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/oversight/register/?state=reported&q=bulk&sort=severity")
        assert response.status_code == 200
        assert len(shown(response)) == min(n * (3 if trust else 1), 50)
        counts.append(len(queries))
        own.append(register_queries(queries))
        with CaptureQueriesContext(connection) as overdue_queries:
            assert client.get(f"/oversight/register/{query}").status_code == 200
        assert len(overdue_queries) == len(queries)
    assert counts[0] == counts[1], counts
    # The register's own: the organisations, their policies and severity levels (3); the
    # page (1, its ids read per organisation inside it) and the capped count (1). The
    # rest (the session, the person and their duties) is every signed-in page's.
    assert len(own[0]) == len(own[1]) == 5, "\n".join(q[:150] for q in own[0])


@pytest.mark.parametrize("n", [3, 60])
@pytest.mark.parametrize("sort", list(register.SORTS))
def test_the_register_itself_costs_five_queries_at_any_size(
    db, django_assert_num_queries, n: int, sort: str
) -> None:
    trust = make_organisation(kind="trust")
    schools = [make_organisation(trust=trust) for _ in range(2)]
    manager = make_person(organisation=trust, duties=(Duty.INCIDENT_MANAGER,))
    for school in schools:
        make_incidents(school, n)
    incident_rules.acting_duties(manager)  # asked once a request, shared with the menu
    with django_assert_num_queries(3):
        scope = register.register_scope(manager)
    filters = register.RegisterFilters(
        states=[State.REPORTED], search="bulk", overdue=True, sort=sort
    )
    with django_assert_num_queries(2):
        page = register.register_page(manager, scope, filters)
    assert len(page.incidents) == 0  # nothing is overdue: no deadlines were made
    with django_assert_num_queries(2):
        page = register.register_page(manager, scope, register.RegisterFilters(sort=sort))
    assert len(page.incidents) == min(2 * n, 50)
    assert page.count == 2 * n
    # The next page costs the same.
    if page.next_cursor:
        with django_assert_num_queries(1):
            register.register_page(
                manager,
                scope,
                register.RegisterFilters(sort=sort),
                after=page.next_cursor,
                count=False,
            )


def test_the_sort_keys_follow_the_state_and_severity(world: World) -> None:
    """`state_order` and `severity_order` are kept in step by every save, so the register's
    "by state" and "most severe first" read them from an index."""
    from incidentdesk.incidents.services import transition

    a, b, c, d, e, f = [Incident.objects.get(pk=i.pk) for i in world.birch_incidents]
    for incident in (a, b, c, d, e, f):
        assert incident.state_order == STATE_ORDER[incident.state]
        assert incident.severity_order == (incident.severity_rank or 0)
    assert d.severity_order > a.severity_order > 0  # major, minor
    moved = next(i for i in (a, b, c, d, e, f) if i.state in {State.REPORTED, State.TRIAGED})
    transition(incident=moved, actor=world.manager, action="not_an_incident", reason="Checked.")
    moved.refresh_from_db()
    assert moved.state_order == STATE_ORDER[State.NOT_AN_INCIDENT]


def test_the_rows_are_exactly_what_incidents_visible_to_gives_in_the_scope(world: World) -> None:
    """The register leaves out the rule's row-by-row reasons where the person manages the
    organisation; the rows must stay the same as asking the rule itself."""
    from incidentdesk.incidents.selectors import incidents_visible_to
    from incidentdesk.organisations.services import duty_assign

    both = make_person("Bo Both", organisation=world.birch, duties=(Duty.INCIDENT_MANAGER,))
    duty_assign(person=both, organisation=world.trust, duty=Duty.DPO)
    for person in (world.manager, world.champion, world.dpo, both):
        scope = register.register_scope(person)
        rows = register.register_rows(person, scope, register.RegisterFilters())
        expected = incidents_visible_to(person).filter(organisation_id__in=scope.organisation_ids)
        assert set(rows) == set(expected), person
    # Bo sees all of Birch and only the serious incidents of the trust's schools.
    scope = register.register_scope(both)
    shown_refs = refs(register.register_rows(both, scope, register.RegisterFilters()))
    assert refs(world.birch_incidents) <= shown_refs
    serious = {
        i.reference for i in world.trust_incidents if Incident.objects.get(pk=i.pk).is_serious
    }
    assert shown_refs - refs(world.birch_incidents) == serious
