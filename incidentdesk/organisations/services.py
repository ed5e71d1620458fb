"""Writes for organisations, people, duties and policy profiles."""

from __future__ import annotations

from django.db import transaction

from incidentdesk.audit.services import record_event

from .models import (
    Duty,
    DutyHolder,
    InformationPolicy,
    Membership,
    Organisation,
    Person,
    PolicyPoint,
    PolicyProfile,
    Preset,
    SeverityLevel,
    Timescale,
)
from .presets import INFORMATION_POLICIES, INVESTIGATION_STEPS, PRESETS, SEVERITIES, TIMESCALES


@transaction.atomic
def profile_create_from_preset(
    *, preset: str, name: str | None = None, actor: Person | None = None
) -> PolicyProfile:
    """A new, independent profile holding everything the preset says.

    The organisation then adjusts its own copy; changing one profile never changes another.
    """
    data = PRESETS[Preset(preset)]
    profile = PolicyProfile.objects.create(
        name=name or data["name"],
        preset=data["preset"],
        duty_titles={str(k): v for k, v in data["duty_titles"].items()},
        report_recipients=[str(d) for d in data["report_recipients"]],
        anonymous_recipient=data["anonymous_recipient"],
        out_of_hours_recipient=data["out_of_hours_recipient"],
        major_support=[str(d) for d in data["major_support"]],
        critical_support=[str(d) for d in data["critical_support"]],
        referral_recipients=[str(d) for d in data["referral_recipients"]],
        manager_investigates_critical=data["manager_investigates_critical"],
        outcome_reviewers_serious=[str(d) for d in data["outcome_reviewers_serious"]],
        investigation_steps=INVESTIGATION_STEPS,
    )
    SeverityLevel.objects.bulk_create(SeverityLevel(profile=profile, **s) for s in SEVERITIES)
    Timescale.objects.bulk_create(
        Timescale(
            profile=profile,
            step=t["step"],
            severity_key=t.get("severity_key", ""),
            amount=t["amount"],
            unit=t["unit"],
            statutory=t.get("statutory", False),
            notes=t.get("notes", ""),
        )
        for t in TIMESCALES
    )
    InformationPolicy.objects.bulk_create(
        InformationPolicy(profile=profile, name=n, order=i)
        for i, n in enumerate(INFORMATION_POLICIES, start=1)
    )
    PolicyPoint.objects.bulk_create(
        PolicyPoint(profile=profile, number=num, must=must, why=why, how=how)
        for num, must, why, how in data["points"]
    )
    record_event(
        actor=actor,
        action="policy_profile.created",
        obj=profile,
        details={"preset": profile.preset, "name": profile.name},
    )
    return profile


@transaction.atomic
def organisation_create(
    *,
    name: str,
    slug: str,
    code: str,
    kind: str,
    trust: Organisation | None = None,
    preset: str | None = None,
    actor: Person | None = None,
) -> Organisation:
    """An organisation with its own profile from `preset`, or none to inherit its trust's."""
    profile = (
        profile_create_from_preset(preset=preset, name=f"{name}: {PRESETS[preset]['name']}")
        if preset
        else None
    )
    organisation = Organisation(
        name=name, slug=slug, code=code.upper(), kind=kind, trust=trust, profile=profile
    )
    organisation.full_clean()
    organisation.save()
    record_event(
        actor=actor,
        action="organisation.created",
        obj=organisation,
        organisation=organisation,
        details={"name": name, "kind": kind, "trust": trust.slug if trust else None},
    )
    return organisation


@transaction.atomic
def membership_add(
    *, person: Person, organisation: Organisation, job_title: str = "", actor: Person | None = None
) -> Membership:
    membership, created = Membership.objects.get_or_create(
        person=person, organisation=organisation, defaults={"job_title": job_title}
    )
    if created:
        record_event(
            actor=actor,
            action="membership.added",
            obj=membership,
            organisation=organisation,
            details={"person": person.email, "job_title": job_title},
        )
    return membership


@transaction.atomic
def duty_assign(
    *,
    person: Person,
    organisation: Organisation,
    duty: str,
    title: str = "",
    deputy: Person | None = None,
    actor: Person | None = None,
) -> DutyHolder:
    """Gives `person` the duty in `organisation` (making them a member if they were not)."""
    Duty(duty)  # refuses an unknown duty
    membership_add(person=person, organisation=organisation, actor=actor)
    holder, created = DutyHolder.objects.get_or_create(
        organisation=organisation,
        person=person,
        duty=duty,
        defaults={"title": title, "deputy": deputy},
    )
    if created:
        record_event(
            actor=actor,
            action="duty.assigned",
            obj=holder,
            organisation=organisation,
            details={
                "person": person.email,
                "duty": duty,
                "title": title,
                "deputy": deputy.email if deputy else None,
            },
        )
    return holder
