"""Policy documents in the admin: an incident manager sees and changes only their own
organisations'; a changed review date moves the reminder."""

from __future__ import annotations

import datetime

import pytest

from incidentdesk.deadlines.models import Deadline
from incidentdesk.governance import services
from incidentdesk.governance.models import PolicyDocument
from tests.factories import signed_in_client

pytestmark = pytest.mark.django_db


def add(cast, actor, organisation, title):
    return services.document_create(
        actor=actor,
        organisation=organisation,
        title=title,
        version="1",
        approved_by="Board",
        approved_on=datetime.date(2026, 1, 1),
        next_review_on=datetime.date(2027, 1, 1),
        owner=actor,
    )


def test_the_admin_is_scoped_to_the_managers_organisations(cast):
    ours = add(cast, cast.manager, cast.birch, "Birch policy")
    theirs = add(cast, cast.outsider, cast.cedar, "Cedar policy")
    cast.manager.is_staff = True
    cast.manager.save()
    client = signed_in_client(cast.manager)
    listing = client.get("/admin/governance/policydocument/").content.decode()
    assert "Birch policy" in listing and "Cedar policy" not in listing
    url = f"/admin/governance/policydocument/{theirs.pk}/change/"
    assert client.get(url).status_code in (302, 404)
    client.post(url, {"title": "Taken over"})
    assert PolicyDocument.objects.get(pk=theirs.pk).title == "Cedar policy"

    response = client.post(
        f"/admin/governance/policydocument/{ours.pk}/change/",
        {
            "organisation": cast.birch.pk,
            "title": "Birch policy",
            "version": "1",
            "approved_by": "Board",
            "approved_on": "2026-01-01",
            "next_review_on": "2027-03-01",
            "owner": cast.manager.pk,
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    open_row = Deadline.objects.get(
        policy_document=ours, met_at__isnull=True, withdrawn_at__isnull=True
    )
    assert open_row.due_at.date() == datetime.date(2027, 3, 1)
    assert Deadline.objects.filter(policy_document=ours, withdrawn_at__isnull=False).count() == 1


def test_plain_staff_cannot_open_it(cast):
    client = signed_in_client(cast.staff)
    assert client.get("/admin/governance/policydocument/").status_code in (302, 403)
