"""The demonstration organisations and their invented people.

Every name here is invented and every address is at example.org.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Duty, Organisation, OrganisationKind, Person, Preset
from .services import duty_assign, membership_add, organisation_create

DEFAULT_DEMO_PASSWORD = "incident-desk-demo"


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    slug: str
    code: str
    kind: str
    trust_slug: str | None
    preset: str | None
    people: dict[str, str]  # duty → invented full name
    staff: tuple[str, ...]


DEMO_ORGANISATIONS = [
    DemoOrganisation(
        name="Example Learning Trust",
        slug="example-learning-trust",
        code="ELT",
        kind=OrganisationKind.TRUST,
        trust_slug=None,
        preset=Preset.TRUST,
        people={
            Duty.INCIDENT_MANAGER: "Priya Lawson",
            Duty.INVESTIGATING_OFFICER: "Marcus Hale",
            Duty.HEAD_OF_SCHOOL: "Joanna Whitfield",
            Duty.SIRO: "Graham Osei",
            Duty.DPO: "Helen Marsh",
            Duty.GOVERNOR: "Robert Quill",
            Duty.CHAIR_OF_GOVERNORS: "Adaeze Brook",
            Duty.SAFEGUARDING_LEAD: "Tom Ferris",
        },
        staff=("Nina Patel", "Owen Drake"),
    ),
    DemoOrganisation(
        name="Example Primary Academy",
        slug="example-primary-academy",
        code="EPA",
        kind=OrganisationKind.SCHOOL,
        trust_slug="example-learning-trust",
        preset=None,
        people={
            Duty.INCIDENT_MANAGER: "Sian Roberts",
            Duty.INVESTIGATING_OFFICER: "Daniel Okafor",
            Duty.HEAD_OF_SCHOOL: "Laura Bennett",
            Duty.SIRO: "Ian Castle",
            Duty.DPO: "Fatima Noor",
            Duty.GOVERNOR: "Peter Lyle",
            Duty.CHAIR_OF_GOVERNORS: "Grace Abbott",
            Duty.SAFEGUARDING_LEAD: "Rachel Dunn",
        },
        staff=("Amy Collins", "Ben Harper", "Chloe Evans"),
    ),
    DemoOrganisation(
        name="Example High School",
        slug="example-high-school",
        code="EHS",
        kind=OrganisationKind.SCHOOL,
        trust_slug="example-learning-trust",
        preset=None,
        people={
            Duty.INCIDENT_MANAGER: "Kwame Asante",
            Duty.INVESTIGATING_OFFICER: "Lucy Brennan",
            Duty.HEAD_OF_SCHOOL: "Martin Shaw",
            Duty.SIRO: "Olivia Grant",
            Duty.DPO: "Samuel Reid",
            Duty.GOVERNOR: "Hannah Cole",
            Duty.CHAIR_OF_GOVERNORS: "Victor Nash",
            Duty.SAFEGUARDING_LEAD: "Esther Moy",
        },
        staff=("Dev Sharma", "Ella Fox", "Finn Wallace"),
    ),
    DemoOrganisation(
        name="Example Junior School",
        slug="example-junior-school",
        code="EJS",
        kind=OrganisationKind.SCHOOL,
        trust_slug=None,
        preset=Preset.SCHOOL,
        people={
            Duty.INCIDENT_MANAGER: "Catherine Bell",
            Duty.INVESTIGATING_OFFICER: "Jack Turner",
            Duty.HEAD_OF_SCHOOL: "Megan Price",
            Duty.SIRO: "Alan Pike",
            Duty.DPO: "Zara Hussain",
            Duty.GOVERNOR: "Colin Webb",
            Duty.CHAIR_OF_GOVERNORS: "Diana Frost",
            Duty.SAFEGUARDING_LEAD: "Sophie Lam",
        },
        staff=("Harry Moss", "Isla Young", "Leo Carter"),
    ),
]

# The school preset's incident manager duty is held by two people with their own titles.
EXTRA_HOLDERS = [("example-junior-school", Duty.INCIDENT_MANAGER, "Neil Ashby", "Bursar")]

# The two policies' document control sections (shared/policies/): title, version, who
# approved them, when, and the next review. "Annually - May 2020" is taken as the end of
# May; the trust's text gives no approval date. Owners are the demo incident managers,
# never the people named in the real texts.
DEMO_POLICY_DOCUMENTS = [
    # (organisation, title, version, approved by, approved on, next review, owner's duty)
    (
        "example-learning-trust",
        "Security Incidents Policy (trust)",
        "3",
        "Board of Trustees",
        None,
        datetime.date(2020, 5, 31),
        Duty.INCIDENT_MANAGER,
    ),
    (
        "example-junior-school",
        "Security Incidents Policy",
        "1.0",
        "Finance & Premises Committee",
        datetime.date(2021, 1, 26),
        datetime.date(2022, 1, 31),
        Duty.INCIDENT_MANAGER,
    ),
]


def demo_email(full_name: str, slug: str) -> str:
    short = slug.replace("example-", "").replace("-", "")
    return f"{full_name.lower().replace(' ', '.')}@{short}.example.org"


def _person(full_name: str, slug: str, hashed: str, *, is_staff: bool = False) -> Person:
    """`hashed` is the password already hashed: hashing it once for every demo person, not
    once each, keeps the demo quick (a hash takes a deliberate half second)."""
    email = demo_email(full_name, slug)
    person = Person.objects.filter(email=email).first()
    if person is None:
        person = Person.objects.create_user(
            email=email, password=None, full_name=full_name, is_staff=is_staff
        )
    person.password = hashed
    person.is_staff = person.is_staff or is_staff
    person.save(update_fields=["password", "is_staff"])
    return person


@transaction.atomic
def load_demo(
    *, password: str = DEFAULT_DEMO_PASSWORD, incidents: bool = True
) -> list[tuple[str, str, str]]:
    """Creates the demo organisations and people, or brings them back to their demo state.

    Returns (organisation, title, e-mail) for every demo sign-in. Running it twice changes
    nothing but the passwords.
    """
    sign_ins: list[tuple[str, str, str]] = []
    hashed = make_password(password)
    by_slug: dict[str, Organisation] = {}
    for demo in DEMO_ORGANISATIONS:
        organisation = Organisation.objects.filter(slug=demo.slug).first()
        if organisation is None:
            organisation = organisation_create(
                name=demo.name,
                slug=demo.slug,
                code=demo.code,
                kind=demo.kind,
                trust=by_slug.get(demo.trust_slug or ""),
                preset=demo.preset,
            )
        by_slug[demo.slug] = organisation
        profile = organisation.effective_profile
        for duty, full_name in demo.people.items():
            person = _person(full_name, demo.slug, hashed, is_staff=duty == Duty.INCIDENT_MANAGER)
            duty_assign(person=person, organisation=organisation, duty=duty)
            sign_ins.append((demo.name, profile.duty_title(duty), person.email))
        for full_name in demo.staff:
            person = _person(full_name, demo.slug, hashed)
            membership_add(person=person, organisation=organisation, job_title="Teacher")
            sign_ins.append((demo.name, "Member of staff", person.email))
    for slug, duty, full_name, title in EXTRA_HOLDERS:
        person = _person(full_name, slug, hashed, is_staff=True)
        duty_assign(person=person, organisation=by_slug[slug], duty=duty, title=title)
        sign_ins.append((by_slug[slug].name, title, person.email))
    _load_policy_documents(by_slug)
    from incidentdesk.outcomes.demo import load_demo_outcome

    from .demo_year import load_demo_year

    # The year first: references follow the order of reporting, and today's comes last.
    # Without it (`incidents=False`) the demo is the people and policies, in a second.
    if incidents:
        load_demo_year(by_slug)
    load_demo_outcome(by_slug["example-primary-academy"])
    _settle_the_past()
    admin = Person.objects.filter(email="admin@example.org").first()
    if admin is None:
        admin = Person.objects.create_superuser(
            email="admin@example.org", password=password, full_name="Demo Administrator"
        )
    else:
        admin.set_password(password)
        admin.save(update_fields=["password"])
    sign_ins.append(("(all)", "Administrator", admin.email))
    return sign_ins


def _load_policy_documents(by_slug: dict[str, Organisation]) -> None:
    """Adds each policy's document control once; a second run leaves them as they are."""
    from incidentdesk.governance.models import PolicyDocument
    from incidentdesk.governance.services import document_create

    for slug, title, version, approved_by, approved_on, review_on, duty in DEMO_POLICY_DOCUMENTS:
        organisation = by_slug[slug]
        if PolicyDocument.objects.filter(organisation=organisation, title=title).exists():
            continue
        owner = organisation.duty_holders.filter(duty=duty).order_by("pk").first()
        document_create(
            actor=None,
            organisation=organisation,
            title=title,
            version=version,
            approved_by=approved_by,
            approved_on=approved_on,
            next_review_on=review_on,
            owner=owner.person if owner else None,
        )


def _settle_the_past() -> None:
    """Notices and e-mails of the demo's past months count as read and sent long ago.

    Otherwise a visitor's home page opens on months-old notices, and the worker's first
    pass would send hundreds of e-mails about incidents closed last spring. The last two
    days stay as they are, so the latest reports still show as new and are e-mailed.
    """
    from incidentdesk.notifications.models import Notification, OutgoingEmail

    since = timezone.now() - datetime.timedelta(days=2)
    Notification.objects.filter(created_at__lt=since, read_at__isnull=True).update(
        read_at=F("created_at")
    )
    OutgoingEmail.objects.filter(
        created_at__lt=since, sent_at__isnull=True, failed_at__isnull=True
    ).update(sent_at=F("created_at"))
