"""`GET /me`: who the token belongs to, their organisations and duties."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from incidentdesk.api.schemas import DutyOut, MeOut, OrganisationOut, responses
from incidentdesk.api.selectors import organisations_with_duties
from incidentdesk.organisations.models import Person

router = Router(tags=["people"])


@router.get("/me", response=responses({200: MeOut}), operation_id="get_me", summary="Who am I")
def get_me(request: HttpRequest) -> MeOut:
    """The caller's name and e-mail, the organisations they belong to, and their duties
    there with the titles their policy gives them."""
    person: Person = request.auth  # type: ignore[attr-defined]
    organisations = [
        OrganisationOut(
            name=entry.organisation.name,
            slug=entry.organisation.slug,
            code=entry.organisation.code,
            kind=entry.organisation.kind,
            trust=entry.organisation.trust.slug if entry.organisation.trust else None,
            duties=[
                DutyOut(
                    duty=holder.duty,
                    title=holder.display_title,
                    deputy=holder.deputy.full_name if holder.deputy else None,
                )
                for holder in entry.duties
            ],
        )
        for entry in organisations_with_duties(person)
    ]
    return MeOut(email=person.email, full_name=person.full_name, organisations=organisations)
