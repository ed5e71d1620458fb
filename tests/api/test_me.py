from __future__ import annotations

from incidentdesk.api.services import create_api_token
from incidentdesk.organisations.models import Duty, OrganisationKind
from incidentdesk.organisations.services import duty_assign, organisation_create

from .conftest import Cast, bearer


def test_it_returns_the_callers_organisations_and_duties_with_titles(
    client, cast: Cast, alice_token
):
    response = client.get("/api/v1/me", **bearer(alice_token))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "email": "alice@example.org",
        "full_name": "Alice Able",
        "organisations": [
            {
                "name": "Acorn Primary",
                "slug": "acorn",
                "code": "ACN",
                "kind": "school",
                "trust": "oak",
                "duties": [
                    # The school runs by its trust's profile, which calls the incident
                    # manager the Information Champion.
                    {
                        "duty": "incident_manager",
                        "title": "Information Champion",
                        "deputy": "Bob Baker",
                    },
                    {
                        "duty": "siro",
                        "title": "Senior Information Risk Owner (SIRO)",
                        "deputy": None,
                    },
                ],
            },
            {
                "name": "Birch School",
                "slug": "birch",
                "code": "BIR",
                "kind": "school",
                "trust": None,
                "duties": [{"duty": "incident_manager", "title": "Bursar", "deputy": None}],
            },
        ],
    }


def test_it_leaves_out_organisations_the_caller_is_not_in(client, cast: Cast, alice_token):
    body = client.get("/api/v1/me", **bearer(alice_token)).json()

    assert "cedar" not in {org["slug"] for org in body["organisations"]}
    assert "oak" not in {org["slug"] for org in body["organisations"]}


def test_it_lists_a_membership_without_duties(client, cast: Cast):
    _, token = create_api_token(person=cast.bob, name="Bob's script")

    body = client.get("/api/v1/me", **bearer(token)).json()

    assert body["email"] == "bob@example.org"
    assert [(org["slug"], org["duties"]) for org in body["organisations"]] == [("acorn", [])]


def test_it_is_not_cached(client, cast: Cast, alice_token):
    response = client.get("/api/v1/me", **bearer(alice_token))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_it_uses_a_fixed_number_of_queries(client, cast: Cast, django_assert_num_queries):
    _, bob_token = create_api_token(person=cast.bob, name="few")
    _, alice_token = create_api_token(person=cast.alice, name="many")
    for n in range(5):
        org = organisation_create(
            name=f"Extra {n}",
            slug=f"extra-{n}",
            code=f"EX{n}",
            kind=OrganisationKind.SCHOOL,
            trust=cast.trust,
        )
        for duty in (Duty.INVESTIGATING_OFFICER, Duty.GOVERNOR, Duty.DPO):
            duty_assign(person=cast.alice, organisation=org, duty=duty, deputy=cast.charlie)
    # The first call notes when each token was used; later calls within a minute do not.
    client.get("/api/v1/me", **bearer(bob_token))
    client.get("/api/v1/me", **bearer(alice_token))

    # The token with its person, the memberships, the duties.
    with django_assert_num_queries(3):
        few = client.get("/api/v1/me", **bearer(bob_token))
    with django_assert_num_queries(3):
        many = client.get("/api/v1/me", **bearer(alice_token))

    assert len(few.json()["organisations"]) == 1
    assert len(many.json()["organisations"]) == 7
    assert sum(len(org["duties"]) for org in many.json()["organisations"]) == 18
