"""The demo loads both policies with their document control details, owned by invented
demo people, once however often it runs."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from incidentdesk.deadlines.models import POLICY_REVIEW_STEP, Deadline
from incidentdesk.governance.models import PolicyDocument

pytestmark = pytest.mark.django_db

REAL_NAMES_AND_CONTACTS = (
    "Tina Weavers",
    "tinaweavers",
    "stthomasjr",
    "01376",
    "connectedlearningmat",
)


def test_the_demo_loads_both_policies_with_their_document_control():
    call_command("demo", "--quiet", "--no-incidents")
    call_command("demo", "--quiet", "--no-incidents")

    trust = PolicyDocument.objects.get(organisation__slug="example-learning-trust")
    assert (trust.title, trust.version, trust.approved_by) == (
        "Security Incidents Policy (trust)",
        "3",
        "Board of Trustees",
    )
    assert trust.approved_on is None
    assert trust.next_review_on == datetime.date(2020, 5, 31)
    assert trust.owner.full_name == "Priya Lawson"
    school = PolicyDocument.objects.get(organisation__slug="example-junior-school")
    assert (school.version, school.approved_by, school.approved_on, school.next_review_on) == (
        "1.0",
        "Finance & Premises Committee",
        datetime.date(2021, 1, 26),
        datetime.date(2022, 1, 31),
    )
    assert school.owner.email.endswith("example.org")
    assert PolicyDocument.objects.count() == 2
    assert Deadline.objects.filter(step=POLICY_REVIEW_STEP, met_at__isnull=True).count() == 2
    text = repr(list(PolicyDocument.objects.values())) + trust.owner.email + school.owner.email
    assert not any(real in text for real in REAL_NAMES_AND_CONTACTS)
