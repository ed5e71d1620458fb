"""Letters to the people affected: one per audience, with Art 34(2)'s contents, no names."""

from __future__ import annotations

import pytest

from incidentdesk.regulator.letters import letter_drafts
from incidentdesk.regulator.services import record_data_subject_decision
from tests.factories import signed_in_client
from tests.regulator.conftest import AFFECTED, realistic_breach

pytestmark = pytest.mark.django_db


def test_a_letter_per_audience_says_what_art_34_asks_and_names_no_one(ico_cast):
    incident = realistic_breach(ico_cast)
    letters = {letter.audience: letter.body for letter in letter_drafts(incident)}
    assert set(letters) == {"parents", "staff", "pupils"}
    parents = letters["parents"]
    assert parents.startswith("Dear parent or carer,")
    assert "special educational needs information" in parents  # the nature of the breach
    assert ico_cast.dpo.email in parents  # (b) the DPO's contact details
    assert "main risks are" in parents  # (c) likely consequences
    assert "autocomplete" in parents  # (d) measures taken or proposed
    for body in letters.values():
        for name in [*AFFECTED, "Amelia", "Okafor", ico_cast.reporter.full_name]:
            assert name not in body


def test_the_page_shows_the_letters_once_the_people_must_be_told(ico_cast):
    incident = realistic_breach(ico_cast)
    client = signed_in_client(ico_cast.manager)
    url = f"/incidents/{incident.reference}/ico/"
    assert "Letter to parents and carers" not in client.get(url).content.decode()
    record_data_subject_decision(
        incident=incident, actor=ico_cast.manager, high_risk=True, reasons="SEN data."
    )
    page = client.get(url).content.decode()
    assert "Letter to parents and carers" in page
    assert "Letter to pupils" in page
