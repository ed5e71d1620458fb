"""Plain-language letter drafts telling the people affected (UK GDPR Art 34).

Art 34(2) asks for the nature of the breach in clear and plain language, the DPO's or
another contact's details, the likely consequences and the measures taken or proposed.
The drafts are built from the same structured answers as the ICO draft, never from the
reporter's free text, and are addressed to a group, so they name no one affected: the
school adds each family's or person's details when it sends them.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidentdesk.incidents.models import Incident, InformationCategory
from incidentdesk.organisations.models import Duty
from incidentdesk.organisations.selectors import duty_holders_for

from .draft import CONSEQUENCES, names_to_remove, redact
from .models import Audience

GREETINGS = {
    Audience.PARENTS: ("Dear parent or carer,", "your child's"),
    Audience.STAFF: ("Dear colleague,", "your"),
    Audience.PUPILS: ("Hello,", "your"),
}
LETTER_AUDIENCES = [Audience.PARENTS, Audience.STAFF, Audience.PUPILS]


@dataclass(frozen=True)
class Letter:
    audience: str
    title: str
    body: str


def _information(incident: Incident) -> str:
    labels = dict(InformationCategory.choices)
    words = [str(labels[c]).lower() for c in incident.information_categories or [] if c in labels]
    return ", ".join(words) if words else "personal information"


def letter_drafts(incident: Incident) -> list[Letter]:
    """One draft letter per audience (parents and carers, staff, pupils)."""
    from incidentdesk.investigations.models import Action

    names = names_to_remove(incident)
    information = _information(incident)
    consequences = [
        CONSEQUENCES[c] for c in incident.information_categories or [] if c in CONSEQUENCES
    ]
    risk = "; ".join(dict.fromkeys(consequences)) or "that it could be misused"
    measures = [redact(a.description, names) for a in Action.objects.filter(incident=incident)]
    if incident.already_done:
        measures.insert(0, redact(incident.already_done, names))
    dpo = duty_holders_for(incident.organisation, Duty.DPO)
    contact = (
        "; ".join(f"{p.full_name}, {p.email}" for p in dpo)
        if dpo
        else "the school office (add the contact details)"
    )
    school = incident.organisation.name
    letters = []
    for audience in LETTER_AUDIENCES:
        greeting, whose = GREETINGS[audience]
        if audience == Audience.PUPILS:
            body = [
                greeting,
                f"We made a mistake with some of {whose} information at {school}. "
                f"It was {information}. Someone who should not have seen it may have seen it.",
                "We are sorry. We have already done these things to put it right: "
                + (" ".join(measures) if measures else "[add what was done]."),
                "You have not done anything wrong. If you are worried, talk to your teacher, "
                f"or to {contact}.",
            ]
        else:
            body = [
                greeting,
                f"We are writing to tell you that some of {whose} personal information held "
                f"by {school} was involved in a data breach (our reference {incident.reference}). "
                f"The information involved was: {information}.",
                f"What this could mean: the main risks are {risk}. "
                "[Add what happened, in plain words, without names.]",
                "What we have done and will do: "
                + (" ".join(measures) if measures else "[add the measures taken or proposed].")
                + " We have considered whether to report this to the Information "
                "Commissioner's Office (ICO) and have acted on that decision.",
                "What you can do: be alert to unexpected messages that mention this "
                "information, and do not share passwords or bank details in reply.",
                f"If you have questions, contact our data protection officer (DPO): {contact}. "
                "You also have the right to complain to the ICO (ico.org.uk, 0303 123 1113).",
                "Yours faithfully,",
                school,
            ]
        letters.append(
            Letter(
                audience=audience,
                title=f"Letter to {Audience(audience).label.lower()}",
                body="\n\n".join(body),
            )
        )
    return letters
