"""The Policies menu entry, the home page link and the index, for the people they serve."""

from __future__ import annotations

import pytest

from incidentdesk.governance.rules import may_see
from incidentdesk.navigation import menu_for
from tests.factories import make_person, signed_in_client

pytestmark = pytest.mark.django_db


def test_members_get_the_menu_entry_and_the_home_page_link(cast):
    assert "Policies" in [item.label for item in menu_for(cast.staff)]
    home = signed_in_client(cast.staff).get("/").content.decode()
    assert 'href="/governance/"' in home
    index = signed_in_client(cast.staff).get("/governance/")
    assert index.status_code == 200
    page = index.content.decode()
    assert "Ask for an exception" in page and "Propose a change" in page


def test_someone_in_no_organisation_gets_neither(db):
    loner = make_person("Lone Person")
    assert not may_see(loner)
    assert "Policies" not in [item.label for item in menu_for(loner)]
    client = signed_in_client(loner)
    assert client.get("/governance/").status_code == 404
    assert client.get("/governance/exceptions/new/").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get("/governance/")
    assert response.status_code == 302
    assert "sign-in" in response["Location"]
